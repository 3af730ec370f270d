import { TENANT_TAG } from '../../../protocol/src/index.ts';
import { parseExperimentFilter, parseRunFilter } from '../tracking/search/index.ts';
import { rewriteComparisonValues } from '../tracking/search/rewrite.ts';

/**
 * Confines a user's search filter to one tenant. The user's filter is parsed on its own first,
 * so a malformed one fails with its own error and can never swallow the clause appended after
 * it. Tenant ids are `[a-z0-9-]`, so they need no quoting or escaping anywhere below.
 */

/** `user AND tags.matih.tenant_id = 'tenant'`, for run searches. */
export function scopeRunFilter(filter: string | undefined, tenantId: string): string {
  const own = `tags.\`${TENANT_TAG}\` = '${tenantId}'`;
  if (!filter?.trim()) return own;
  parseRunFilter(filter);
  return `${filter} AND ${own}`;
}

/**
 * Experiment filters compare stored names (`tenant/name`) while the user writes plain names, so
 * every `name` comparison gets the prefix spliced in right after the opening quote of its value
 * (`name LIKE 'churn%'` → `name LIKE 'acme/churn%'`). The user's own text is otherwise kept, so
 * no value is ever re-escaped. Then the tenant tag and name prefix are required.
 */
export function scopeExperimentFilter(filter: string | undefined, tenantId: string): string {
  const own = `tags.\`${TENANT_TAG}\` = '${tenantId}' AND name LIKE '${tenantId}/%'`;
  if (!filter?.trim()) return own;
  parseExperimentFilter(filter);
  const scoped = rewriteComparisonValues(
    filter,
    (prefix, key) => key === 'name' && (prefix === undefined || prefix === 'attribute'),
    (raw) => `${tenantId}/${raw}`,
  );
  return `${scoped} AND ${own}`;
}
