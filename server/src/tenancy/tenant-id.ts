import { TENANT_ID_PATTERN } from '../../../protocol/src/index.ts';
import { invalid } from '../tracking/errors.ts';

/**
 * Checks a tenant id against DESIGN §8 (lowercase letters, digits and `-`, 1–63 characters) and
 * returns it. Anything else is refused rather than normalised: a tenant id that changed on the
 * way in would silently point at someone else's namespace.
 */
export function checkTenantId(value: string, field = 'tenant_id'): string {
  if (!TENANT_ID_PATTERN.test(value)) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw invalid(
      `${field} must be 1-63 characters of lowercase letters, digits and '-'; got ${JSON.stringify(shown)}`,
      field,
    );
  }
  return value;
}
