/**
 * The protocol's list parameters as the services' list options. The sidebar either hides archived
 * objects or shows them next to the live ones; it never lists archived ones alone.
 */
import type { ListOptions } from '../services/search-input.ts';

export interface ProtocolListParams {
  maxResults: number;
  showArchived: boolean;
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}

export function listOptions(p: ProtocolListParams): ListOptions {
  return { maxResults: p.maxResults, view: p.showArchived ? 'all' : 'active', filter: p.filter, orderBy: p.orderBy, pageToken: p.pageToken };
}
