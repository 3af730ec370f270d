/**
 * The column picker: a small dialog under the "Columns…" button listing every column by group,
 * each with a "show" checkbox and a "pin" toggle (pinned columns stay left while the table
 * scrolls sideways), and a search box for experiments with hundreds of keys. Keys are user data,
 * so labels are text nodes. Escape or a click outside closes it and gives focus back.
 */
import { el } from '../shared/dom.ts';
import type { ColumnDef, ColumnModel } from './columns.ts';
import { MAX_PINNED } from './columns.ts';

/** Entries listed at once; a search narrows the rest. */
const MAX_LISTED = 400;

let open: { close(): void } | undefined;

export function openColumnPicker(anchor: HTMLElement, model: ColumnModel, changed: () => void): void {
  if (open !== undefined) {
    open.close();
    return;
  }
  const dialog = el('div', 'picker');
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-label', 'Columns');
  const search = el('input', 'picker-search');
  search.type = 'search';
  search.placeholder = 'Find a column';
  search.setAttribute('aria-label', 'Find a column');
  const list = el('div', 'picker-list');
  const foot = el('p', 'picker-foot');
  dialog.append(search, list, foot);

  const entry = (def: ColumnDef): HTMLElement => {
    const row = el('div', 'picker-row');
    const label = el('label', 'picker-label');
    const box = el('input');
    box.type = 'checkbox';
    box.checked = model.isVisible(def);
    box.addEventListener('change', () => {
      model.setVisible(def.id, box.checked);
      changed();
      fill();
    });
    label.append(box, el('span', 'picker-name', def.label));
    label.title = def.label;
    const pin = el('button', 'pin', model.isPinned(def.id) ? 'Unpin' : 'Pin');
    pin.type = 'button';
    pin.setAttribute('aria-pressed', String(model.isPinned(def.id)));
    pin.setAttribute('aria-label', `${model.isPinned(def.id) ? 'Unpin' : 'Pin'} ${def.label}`);
    pin.addEventListener('click', () => {
      if (model.isPinned(def.id)) model.unpin(def.id);
      else if (!model.pin(def.id)) foot.textContent = `At most ${MAX_PINNED} columns can be pinned.`;
      changed();
      fill(pin);
    });
    row.append(label, pin);
    return row;
  };

  const fill = (refocus?: HTMLElement): void => {
    const needle = search.value.trim().toLowerCase();
    const matching = model.all().filter((d) => needle === '' || d.label.toLowerCase().includes(needle) || d.group.toLowerCase().startsWith(needle));
    const children: HTMLElement[] = [];
    let group = '';
    for (const def of matching.slice(0, MAX_LISTED)) {
      if (def.group !== group) {
        group = def.group;
        children.push(el('h2', 'picker-group', group));
      }
      children.push(entry(def));
    }
    const focusedLabel = refocus?.getAttribute('aria-label')?.replace(/^(Pin|Unpin) /, '');
    list.replaceChildren(...children);
    if (focusedLabel !== undefined) {
      const again = [...list.querySelectorAll('button.pin')].find((b) => b.getAttribute('aria-label')?.replace(/^(Pin|Unpin) /, '') === focusedLabel);
      (again as HTMLElement | undefined)?.focus();
    }
    if (!foot.textContent?.startsWith('At most')) {
      foot.textContent = matching.length > MAX_LISTED ? `${matching.length - MAX_LISTED} more; type to narrow.` : matching.length === 0 ? 'No column matches.' : '';
    }
  };

  const close = (): void => {
    dialog.remove();
    document.removeEventListener('mousedown', outside, true);
    anchor.setAttribute('aria-expanded', 'false');
    open = undefined;
    anchor.focus();
  };
  const outside = (e: MouseEvent): void => {
    if (!dialog.contains(e.target as Node) && e.target !== anchor) close();
  };
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  search.addEventListener('input', () => fill());
  const box = anchor.getBoundingClientRect();
  dialog.style.top = `${box.bottom + 4}px`;
  dialog.style.right = `${Math.max(8, document.documentElement.clientWidth - box.right)}px`;
  document.body.append(dialog);
  document.addEventListener('mousedown', outside, true);
  anchor.setAttribute('aria-expanded', 'true');
  open = { close };
  fill();
  search.focus();
}
