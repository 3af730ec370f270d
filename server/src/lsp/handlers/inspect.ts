/**
 * `Inspect.*`: the data behind the Compare Runs, Runs table and Run details panels, through the
 * tenant's TenantScope: reduced metric curves (services/inspect-series.ts) and compact table rows
 * (services/inspect-table.ts). A cancelled series request (the user zoomed again) stops reading.
 */
import { Inspect } from '../../../../protocol/src/index.ts';
import { series } from '../../services/inspect-series.ts';
import { table } from '../../services/inspect-table.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

export function registerInspectRequests(requests: Requests, session: DaemonSession): void {
  requests.on(Inspect.series, (p, { token }) => session.use((l) => series(l.tenants.scope(p.tenant), p, token)));
  requests.on(Inspect.table, (p) => session.use((l) => table(l.tenants.scope(p.tenant), p)));
}
