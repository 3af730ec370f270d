/**
 * `Tenants.list`: the tenants the user configured (and the active one) plus every tenant the
 * backend already holds data for, found through the `matih.tenant_id` tag on experiments. The
 * search runs on the unscoped backend, page by page, over archived experiments too.
 */
import { TENANT_ID_PATTERN, TENANT_TAG, Tenants } from '../../../../protocol/src/index.ts';
import type { TrackingBackend } from '../../tracking/backend.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

const PAGE_SIZE = 1000;
/** 50 000 experiments: beyond that the list is returned as far as it got, with a problem saying so. */
const MAX_PAGES = 50;

export function registerTenantRequests(requests: Requests, session: DaemonSession): void {
  requests.on(Tenants.list, async ({ configured }) => {
    const settings = session.currentSettings;
    const known = new Set<string>([...(configured ?? settings?.tenants ?? []), settings?.activeTenant ?? 'default']);
    let problem: string | undefined;
    try {
      const found = await session.use(async (l) => (l.unscoped ? discoverTenants(l.unscoped) : { tenants: [], complete: true }));
      found.tenants.forEach((t) => known.add(t));
      if (!found.complete) problem = `Only the first ${PAGE_SIZE * MAX_PAGES} experiments were searched for tenants`;
    } catch (err) {
      // The configured tenants are still worth showing while the backend is away.
      problem = `Could not list the backend's tenants: ${err instanceof Error ? err.message : String(err)}`;
    }
    return { tenants: [...known].sort(), ...(problem ? { problem } : {}) };
  });
}

/** Tenants owning at least one experiment: the tag names a valid tenant and the name carries its prefix. */
export async function discoverTenants(
  backend: TrackingBackend,
  limits: { pageSize: number; maxPages: number } = { pageSize: PAGE_SIZE, maxPages: MAX_PAGES },
): Promise<{ tenants: string[]; complete: boolean }> {
  const tenants = new Set<string>();
  let pageToken: string | undefined;
  for (let page = 0; page < limits.maxPages; page++) {
    const result = await backend.searchExperiments({
      filter: `tags.\`${TENANT_TAG}\` LIKE '%'`,
      viewType: 'ALL',
      // Oldest first: page tokens are offsets, and experiments created during the scan then land
      // on later pages instead of shifting the ones not yet read.
      orderBy: ['experiment_id ASC'],
      maxResults: limits.pageSize,
      ...(pageToken ? { pageToken } : {}),
    });
    for (const e of result.items) {
      const tenant = e.tags[TENANT_TAG];
      if (tenant !== undefined && TENANT_ID_PATTERN.test(tenant) && e.name.startsWith(`${tenant}/`)) tenants.add(tenant);
    }
    pageToken = result.nextPageToken;
    if (!pageToken) return { tenants: [...tenants], complete: true };
  }
  return { tenants: [...tenants], complete: false };
}
