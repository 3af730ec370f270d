/**
 * The Run details page's tables: the key/value ones (params, tags) and every table's header row, as DOM nodes with text content only:
 * keys and values are user data. Long values wrap; the key column stays narrow.
 */
import { el } from '../shared/dom.ts';

/** A table's `<thead>`: one column header per `[text, class]`. */
export function columnHeads(columns: readonly (readonly [text: string, className?: string])[]): HTMLTableSectionElement {
  const head = el('tr');
  for (const [text, className] of columns) {
    const th = el('th', className, text);
    th.scope = 'col';
    head.append(th);
  }
  const thead = el('thead');
  thead.append(head);
  return thead;
}

export function keyValueTable(what: string, keys: readonly string[], values: Record<string, string>): HTMLElement {
  const table = el('table', 'kv');
  const thead = columnHeads([[what], ['Value']]);
  const tbody = el('tbody');
  for (const key of keys) {
    const tr = el('tr');
    const k = el('th', 'key', key);
    k.scope = 'row';
    k.title = key;
    const value = values[key] ?? '';
    const v = el('td', value === '' ? 'value muted' : 'value', value === '' ? '(empty)' : value);
    tr.append(k, v);
    tbody.append(tr);
  }
  table.append(thead, tbody);
  return table;
}
