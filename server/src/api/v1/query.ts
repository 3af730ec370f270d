import type { ViewType } from '../../tracking/types.ts';
import { parseRunFilter } from '../../tracking/search/index.ts';
import { rewriteComparisonValues } from '../../tracking/search/rewrite.ts';

/** How list and search parameters of the v1 API become backend search input. */

export function viewType(view: 'active' | 'deleted' | 'all'): ViewType {
  return view === 'active' ? 'ACTIVE_ONLY' : view === 'deleted' ? 'DELETED_ONLY' : 'ALL';
}

/** `order_by` in a query string is comma-separated; commas inside quoted keys are kept. */
export function splitOrderBy(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote = '';
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === '`' || ch === "'") {
      quote = ch;
    } else if (ch === ',') {
      if (current.trim()) out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

const STATUS_PREFIXES = new Set([undefined, 'attribute', 'attributes', 'attr', 'run']);

/**
 * The v1 API shows run statuses in lowercase (`finished`), the seed's spelling, while MLflow's
 * filter grammar compares its uppercase names; so `status = 'finished'` is read as
 * `status = 'FINISHED'` instead of silently matching nothing. Everything else is MLflow's grammar.
 */
export function runFilter(filter: string): string {
  parseRunFilter(filter);
  return rewriteComparisonValues(filter, (prefix, key) => key === 'status' && STATUS_PREFIXES.has(prefix), (raw) => raw.toUpperCase());
}
