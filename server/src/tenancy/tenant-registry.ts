import type { TrackingBackend } from '../tracking/backend.ts';
import { TenantScope } from './tenant-scope.ts';

/** Upper bound on remembered scopes; each holds only small ownership caches. */
const MAX_SCOPES = 1000;

/**
 * Hands out one {@link TenantScope} per tenant, so a tenant's ownership caches survive across
 * requests instead of being rebuilt on each one. `backendFor` picks the tenant's backend: the
 * same one for all, or (with MLflow workspaces) one per tenant.
 */
export class TenantRegistry {
  private readonly backendFor: (tenantId: string) => TrackingBackend;
  private readonly scopes = new Map<string, TenantScope>();

  constructor(backendFor: (tenantId: string) => TrackingBackend) {
    this.backendFor = backendFor;
  }

  scope(tenantId: string): TenantScope {
    let scope = this.scopes.get(tenantId);
    if (scope) {
      // Re-insert so the map's order tracks recent use.
      this.scopes.delete(tenantId);
    } else {
      scope = new TenantScope(this.backendFor(tenantId), tenantId);
      if (this.scopes.size >= MAX_SCOPES) {
        const oldest = this.scopes.keys().next().value;
        if (oldest !== undefined) this.scopes.delete(oldest);
      }
    }
    this.scopes.set(tenantId, scope);
    return scope;
  }
}
