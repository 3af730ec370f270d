/**
 * How a surface's list and search parameters become backend search input: which stages a view
 * shows, how an `order_by` string splits, how the seed's lowercase statuses read in a filter,
 * and that blank parameters mean "none". Each surface maps its own wire names onto
 * {@link ListOptions}; the rules are here once.
 */
import { parseRunFilter } from '../tracking/search/index.ts';
import { rewriteComparisonValues } from '../tracking/search/rewrite.ts';
import type { SearchExperimentsInput, SearchRunsInput, ViewType } from '../tracking/types.ts';

/** The seed's view names: live objects, archived ones, or both. */
export type ViewName = 'active' | 'deleted' | 'all';

/** One page of a list or search, as every surface asks for it. */
export interface ListOptions {
  maxResults: number;
  view: ViewName;
  /** MLflow filter grammar; blank means no filter. */
  filter?: string | undefined;
  /** e.g. `['metrics.accuracy DESC']`; empty means the backend's default order. */
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}

export function viewType(view: ViewName): ViewType {
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
 * Every surface shows run statuses in lowercase (`finished`), the seed's spelling, while MLflow's
 * filter grammar compares its uppercase names; so `status = 'finished'` is read as
 * `status = 'FINISHED'` instead of silently matching nothing. Everything else is MLflow's grammar.
 * A malformed filter fails here with the parser's message.
 */
export function runFilter(filter: string): string {
  parseRunFilter(filter);
  return rewriteComparisonValues(filter, (prefix, key) => key === 'status' && STATUS_PREFIXES.has(prefix), (raw) => raw.toUpperCase());
}

export function experimentSearch(o: ListOptions): SearchExperimentsInput {
  return {
    maxResults: o.maxResults,
    viewType: viewType(o.view),
    // The tenant scope reads a blank filter and an empty order as none, so leaving them out is the same.
    ...(o.filter?.trim() ? { filter: o.filter } : {}),
    ...(o.orderBy?.length ? { orderBy: o.orderBy } : {}),
    ...(o.pageToken ? { pageToken: o.pageToken } : {}),
  };
}

export function runSearch(experimentIds: string[], o: ListOptions): SearchRunsInput {
  return { experimentIds, ...experimentSearch({ ...o, filter: o.filter?.trim() ? runFilter(o.filter) : undefined }) };
}
