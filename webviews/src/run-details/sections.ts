/**
 * The Run details page's key/value tables (params, tags), as DOM nodes with text content only:
 * keys and values are user data. Long values wrap; the key column stays narrow.
 */
import { el } from '../runs-table/cells.ts';

export { sortedKeys, userTagKeys } from './keys.ts';

export function keyValueTable(what: string, keys: readonly string[], values: Record<string, string>): HTMLElement {
  const table = el('table', 'kv');
  const thead = el('thead');
  const head = el('tr');
  for (const text of [what, 'Value']) {
    const th = el('th', undefined, text);
    th.scope = 'col';
    head.append(th);
  }
  thead.append(head);
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
