import { TENANT_TAG } from '../../../protocol/src/index.ts';
import { parseExperimentFilter, parseRunFilter } from '../tracking/search/index.ts';
import { tokenize } from '../tracking/search/tokenizer.ts';

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
  const tokens = tokenize(filter, 'filter', 'filter');
  const inserts: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const startsComparison = i === 0 || (tokens[i - 1]!.kind === 'keyword' && tokens[i - 1]!.text.toUpperCase() === 'AND');
    if (!startsComparison || t.kind !== 'name') continue;
    const isName = t.key === 'name' && (t.prefix === undefined || t.prefix === 'attribute');
    if (!isName) continue;
    const value = tokens[i + 2];
    // The parser has accepted the filter, so a name comparison is `name <op> <quoted value>`.
    if (value && (value.kind === 'string' || (value.kind === 'name' && value.quote !== undefined))) {
      inserts.push(value.pos + 1);
    }
  }
  let scoped = filter;
  for (const at of inserts.reverse()) scoped = `${scoped.slice(0, at)}${tenantId}/${scoped.slice(at)}`;
  return `${scoped} AND ${own}`;
}
