/** How the v1 API's list query and search body become the services' list options. */
import type { z } from 'zod';
import { type ListOptions, splitOrderBy } from '../../services/search-input.ts';
import type { ListQuery, RunSearch } from './schemas.ts';

export function fromListQuery(q: z.output<typeof ListQuery>): ListOptions {
  return {
    maxResults: q.max_results,
    view: q.view,
    filter: q.filter,
    // A query string carries the order as one comma-separated value.
    orderBy: q.order_by ? splitOrderBy(q.order_by) : undefined,
    pageToken: q.page_token,
  };
}

export function fromRunSearch(b: z.output<typeof RunSearch>): ListOptions {
  return {
    maxResults: b.max_results,
    view: b.view,
    filter: b.filter,
    // Each element may itself be comma-separated, as in the query string.
    orderBy: b.order_by.flatMap(splitOrderBy),
    pageToken: b.page_token,
  };
}
