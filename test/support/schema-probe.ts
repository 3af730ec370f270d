/**
 * What the webview message tests feed every schema that guards a panel boundary: a string far
 * beyond any bound, an object nested deeper than a recursive validator's stack, and the check
 * that a schema refuses a value by answering rather than by throwing.
 */
import assert from 'node:assert/strict';

/** A 10 MiB string: beyond every message bound. */
export const HUGE = 'x'.repeat(10 * 1024 * 1024);

export interface SafeParser {
  safeParse(value: unknown): { success: boolean };
}

/** `{ a: { a: … } }`, `depth` levels deep. */
export function deeplyNested(depth = 10_000): Record<string, unknown> {
  const deep: Record<string, unknown> = {};
  let cursor = deep;
  for (let i = 0; i < depth; i++) cursor = (cursor.a = {}) as Record<string, unknown>;
  return deep;
}

/** Asserts `schema` refuses `value`; `safeParse` must answer, never throw, whatever arrives. */
export function rejects(schema: SafeParser, value: unknown): void {
  let result: { success: boolean } | undefined;
  assert.doesNotThrow(() => {
    result = schema.safeParse(value);
  });
  assert.equal(result!.success, false, `accepted ${describeValue(value)}`);
}

/** A short description of `value` for a failure message (huge strings cut). */
function describeValue(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value).slice(0, 80);
  return Object.entries(value)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? '{…}' : String(v).slice(0, 40)}`)
    .join(' ')
    .slice(0, 200);
}
