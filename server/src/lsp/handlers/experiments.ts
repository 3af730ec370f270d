/**
 * `Experiments.*`: one tenant's experiments through its TenantScope, over the same service as the
 * v1 REST API (services/experiments.ts), answered as ExperimentViews.
 */
import { Experiments } from '../../../../protocol/src/index.ts';
import * as experiments from '../../services/experiments.ts';
import type { TenantScope } from '../../tenancy/tenant-scope.ts';
import { listOptions } from '../list-options.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

export function registerExperimentRequests(requests: Requests, session: DaemonSession): void {
  /** Calls `fn` with the tenant's scope on the current listener. */
  const use = <T>(tenant: string, fn: (scope: TenantScope) => Promise<T>) => session.use((l) => fn(l.tenants.scope(tenant)));

  requests.on(Experiments.list, (p) => use(p.tenant, (scope) => experiments.list(scope, listOptions(p))));
  requests.on(Experiments.get, (p) => use(p.tenant, (scope) => experiments.get(scope, p.experimentId)));
  requests.on(Experiments.create, (p) => use(p.tenant, (scope) => experiments.create(scope, p)));
  requests.on(Experiments.update, (p) => use(p.tenant, (scope) => experiments.update(scope, p.experimentId, p)));
  requests.on(Experiments.archive, (p) => use(p.tenant, (scope) => experiments.archive(scope, p.experimentId)));
  requests.on(Experiments.restore, (p) => use(p.tenant, (scope) => experiments.restore(scope, p.experimentId)));
}
