import type { z } from 'zod';
import { HttpError } from '../../http/errors.ts';
import { TrackingError, type TrackingErrorCode } from '../../tracking/errors.ts';

/** The v1 API's stable code and HTTP status for each backend error. */
const V1_ERRORS: Record<TrackingErrorCode, [number, string]> = {
  INVALID_PARAMETER_VALUE: [400, 'validation_error'],
  RESOURCE_ALREADY_EXISTS: [409, 'already_exists'],
  RESOURCE_DOES_NOT_EXIST: [404, 'not_found'],
  INVALID_STATE: [409, 'invalid_state'],
  PERMISSION_DENIED: [403, 'forbidden'],
  UNAUTHENTICATED: [401, 'unauthorized'],
  REQUEST_LIMIT_EXCEEDED: [429, 'rate_limited'],
  TEMPORARILY_UNAVAILABLE: [503, 'backend_unavailable'],
  INTERNAL_ERROR: [500, 'internal_error'],
};

/** Turns what a backend threw into the v1 API's error; anything unknown passes through. */
export function toHttpError(err: unknown): unknown {
  if (!(err instanceof TrackingError)) return err;
  const [status, code] = V1_ERRORS[err.code];
  return new HttpError(status, code, err.message, err.field);
}

/** A zod failure as one 400 that names the first fields at fault, e.g. `name: Too small: ...`. */
export function validationError(error: z.ZodError, where?: string): HttpError {
  const all = error.issues.flatMap(closestBranch);
  const issues = all.slice(0, 5).map((i) => {
    const path = fieldPath(i.path, where);
    return path ? `${path}: ${i.message}` : i.message;
  });
  const more = all.length > 5 ? ` (and ${all.length - 5} more)` : '';
  const first = all[0];
  const field = first ? fieldPath(first.path, where) || undefined : undefined;
  return new HttpError(400, 'validation_error', issues.join('; ') + more, field);
}

function fieldPath(path: readonly PropertyKey[], where?: string): string {
  let out = where ?? '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/**
 * A body that fits neither form of a union (one metric, or `{metrics: [...]}`) would otherwise
 * get a bare "Invalid input"; report the issues of the form it came closest to instead, which
 * name the field. The closest form is the one with the fewest issues, preferring one whose
 * keys were all recognised.
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const score = (branch: z.core.$ZodIssue[]) =>
    branch.length + (branch.some((i) => i.code === 'unrecognized_keys') ? 1000 : 0);
  const best = [...issue.errors].sort((a, b) => score(a) - score(b))[0]!;
  return best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })).flatMap(closestBranch);
}
