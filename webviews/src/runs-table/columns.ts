/**
 * The table's column model, pure so it is unit tested: the attribute columns, plus one column
 * per param, metric and tag key any loaded row has (the union grows as pages arrive); which of
 * them show (defaults, overridden by the user's choices) and which are pinned left, in order;
 * and each visible column's x position, so pinned cells can stick while the rest scrolls.
 */
import type { RunsTableColumn, RunsTableLayout } from '../../../protocol/src/index.ts';

export type ColumnGroup = 'Attributes' | 'Params' | 'Metrics' | 'Tags';

export interface ColumnDef {
  id: string;
  column: RunsTableColumn;
  /** The header text (user data for params, metrics and tags: rendered as text). */
  label: string;
  group: ColumnGroup;
  width: number;
  /** Right-aligned, tabular figures. */
  numeric: boolean;
}

export interface PlacedColumn extends ColumnDef {
  pinned: boolean;
  /** x of the column's left edge in the row. */
  left: number;
}

export interface ColumnLayout {
  columns: PlacedColumn[];
  /** Width of the pinned columns together. */
  pinnedWidth: number;
  /** Width of a whole row. */
  totalWidth: number;
}

/** Pinned at most, to keep some room for the rest. */
export const MAX_PINNED = 10;
const KEY_WIDTH = 120;

export const ATTRIBUTE_COLUMNS: readonly ColumnDef[] = [
  { id: 'attr:name', column: { kind: 'attr', key: 'name' }, label: 'Run', group: 'Attributes', width: 220, numeric: false },
  { id: 'attr:status', column: { kind: 'attr', key: 'status' }, label: 'Status', group: 'Attributes', width: 150, numeric: false },
  { id: 'attr:start', column: { kind: 'attr', key: 'start' }, label: 'Started', group: 'Attributes', width: 160, numeric: false },
  { id: 'attr:end', column: { kind: 'attr', key: 'end' }, label: 'Ended', group: 'Attributes', width: 160, numeric: false },
  { id: 'attr:duration', column: { kind: 'attr', key: 'duration' }, label: 'Duration', group: 'Attributes', width: 88, numeric: true },
  { id: 'attr:user', column: { kind: 'attr', key: 'user' }, label: 'User', group: 'Attributes', width: 110, numeric: false },
];

const PREFIX = { param: 'param', metric: 'metric', tag: 'tag' } as const;

/** Hidden unless the user shows them: the end time, and MLflow's and MATIH's own tags. */
function hiddenByDefault(def: ColumnDef): boolean {
  if (def.id === 'attr:end') return true;
  return def.column.kind === 'tag' && (def.column.key.startsWith('mlflow.') || def.column.key === 'matih.tenant_id');
}

/** Keys read as a person reads them: `lr` before `val/loss`, `epoch_2` before `epoch_10`. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export class ColumnModel {
  readonly #keys = { param: new Set<string>(), metric: new Set<string>(), tag: new Set<string>() };
  #visibility = new Map<string, boolean>();
  #pinned: string[];
  #all: ColumnDef[] | undefined;

  constructor(layout?: RunsTableLayout) {
    for (const [id, shown] of layout?.visibility ?? []) this.#visibility.set(id, shown);
    this.#pinned = layout === undefined ? ['attr:name'] : [...new Set(layout.pinned)].slice(0, MAX_PINNED);
  }

  /** Adds the keys of a page; answers whether any column is new. */
  addKeys(keys: { params: readonly string[]; metrics: readonly string[]; tags: readonly string[] }): boolean {
    let added = false;
    for (const [kind, list] of [
      ['param', keys.params],
      ['metric', keys.metrics],
      ['tag', keys.tags],
    ] as const) {
      const set = this.#keys[kind];
      for (const key of list) {
        if (!set.has(key)) {
          set.add(key);
          added = true;
        }
      }
    }
    if (added) this.#all = undefined;
    return added;
  }

  /** Forgets the keys (a new query); the user's choices stay. */
  clearKeys(): void {
    for (const set of Object.values(this.#keys)) set.clear();
    this.#all = undefined;
  }

  /** Every column, in group order (attributes, params, metrics, tags), keys sorted. */
  all(): readonly ColumnDef[] {
    if (this.#all === undefined) {
      const groups = [
        ['param', 'Params'],
        ['metric', 'Metrics'],
        ['tag', 'Tags'],
      ] as const;
      const defs: ColumnDef[] = [...ATTRIBUTE_COLUMNS];
      for (const [kind, group] of groups) {
        for (const key of [...this.#keys[kind]].sort(collator.compare)) {
          const column = { kind, key } as RunsTableColumn;
          defs.push({ id: `${PREFIX[kind]}:${key}`, column, label: key, group, width: KEY_WIDTH, numeric: kind === 'metric' });
        }
      }
      this.#all = defs;
    }
    return this.#all;
  }

  get(id: string): ColumnDef | undefined {
    return this.all().find((d) => d.id === id);
  }

  isPinned(id: string): boolean {
    return this.#pinned.includes(id);
  }

  isVisible(def: ColumnDef): boolean {
    if (this.isPinned(def.id)) return true;
    return this.#visibility.get(def.id) ?? !hiddenByDefault(def);
  }

  setVisible(id: string, shown: boolean): void {
    this.#visibility.delete(id);
    const def = this.get(id);
    const isDefault = def !== undefined && !hiddenByDefault(def) === shown;
    if (!isDefault) this.#visibility.set(id, shown);
    if (!shown) this.#pinned = this.#pinned.filter((p) => p !== id);
  }

  /** Pins a column (shown, and kept left); answers false when `MAX_PINNED` are pinned already. */
  pin(id: string): boolean {
    if (this.isPinned(id)) return true;
    if (this.#pinned.length >= MAX_PINNED) return false;
    this.#pinned.push(id);
    return true;
  }

  unpin(id: string): void {
    this.#pinned = this.#pinned.filter((p) => p !== id);
  }

  /** The visible columns placed left to right: pinned ones first (in pin order), then the rest. */
  layout(): ColumnLayout {
    const byId = new Map(this.all().map((d) => [d.id, d]));
    const pinned = this.#pinned.map((id) => byId.get(id)).filter((d): d is ColumnDef => d !== undefined);
    const rest = this.all().filter((d) => !this.isPinned(d.id) && this.isVisible(d));
    const columns: PlacedColumn[] = [];
    let left = 0;
    for (const def of pinned) {
      columns.push({ ...def, pinned: true, left });
      left += def.width;
    }
    const pinnedWidth = left;
    for (const def of rest) {
      columns.push({ ...def, pinned: false, left });
      left += def.width;
    }
    return { columns, pinnedWidth, totalWidth: left };
  }

  /** The user's choices, for the page's state. */
  toLayout(): RunsTableLayout {
    return { visibility: [...this.#visibility].slice(-2000), pinned: [...this.#pinned] };
  }
}
