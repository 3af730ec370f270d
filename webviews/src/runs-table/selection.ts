/**
 * Row selection as in a file list, pure so it is unit tested: click selects one row, Ctrl/Cmd
 * click toggles one, Shift click selects the range from the anchor; arrow keys move the focus
 * (with Shift they extend the range). Selected rows are kept by run id, so a re-sort or more
 * loaded pages keep them; the focus and anchor are row indexes in the current order.
 */

export interface Modifiers {
  shift?: boolean;
  /** Ctrl, or Cmd on macOS. */
  toggle?: boolean;
}

export class Selection {
  readonly selected = new Set<string>();
  /** The focused row's index, or -1 before any row is focused. */
  focus = -1;
  #anchor = -1;

  /** A click (or Space) on row `index` of `ids` (the rows in display order). */
  click(ids: readonly string[], index: number, mods: Modifiers = {}): void {
    if (index < 0 || index >= ids.length) return;
    if (mods.shift && this.#anchor >= 0) {
      if (!mods.toggle) this.selected.clear();
      this.#range(ids, this.#anchor, index);
    } else if (mods.toggle) {
      const id = ids[index]!;
      if (this.selected.has(id)) this.selected.delete(id);
      else this.selected.add(id);
      this.#anchor = index;
    } else {
      this.selected.clear();
      this.selected.add(ids[index]!);
      this.#anchor = index;
    }
    this.focus = index;
  }

  /** Moves the focus to `index` (clamped); selects it, or with Shift the range from the anchor. */
  moveTo(ids: readonly string[], index: number, mods: Modifiers = {}): void {
    if (ids.length === 0) return;
    const target = Math.min(ids.length - 1, Math.max(0, index));
    if (mods.toggle && !mods.shift) {
      // Ctrl + arrow moves the focus without changing the selection.
      this.focus = target;
      return;
    }
    this.click(ids, target, { shift: mods.shift === true });
  }

  selectAll(ids: readonly string[]): void {
    for (const id of ids) this.selected.add(id);
    if (this.focus < 0 && ids.length > 0) this.focus = 0;
  }

  clear(): void {
    this.selected.clear();
    this.#anchor = -1;
  }

  /** After the rows changed order: the focus follows its run; the anchor moves with it. */
  reorder(before: readonly string[], after: readonly string[]): void {
    const focused = this.focus >= 0 ? before[this.focus] : undefined;
    const anchored = this.#anchor >= 0 ? before[this.#anchor] : undefined;
    const index = new Map(after.map((id, i) => [id, i]));
    this.focus = focused === undefined ? -1 : (index.get(focused) ?? -1);
    this.#anchor = anchored === undefined ? -1 : (index.get(anchored) ?? -1);
  }

  /** Drops selected ids no longer among `ids` (a new query). */
  retain(ids: readonly string[]): void {
    const keep = new Set(ids);
    for (const id of this.selected) if (!keep.has(id)) this.selected.delete(id);
    if (this.focus >= ids.length) this.focus = -1;
    if (this.#anchor >= ids.length) this.#anchor = -1;
  }

  /** Selected ids in display order. */
  inOrder(ids: readonly string[]): string[] {
    return ids.filter((id) => this.selected.has(id));
  }

  #range(ids: readonly string[], from: number, to: number): void {
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    for (let i = lo; i <= hi; i++) this.selected.add(ids[i]!);
  }
}
