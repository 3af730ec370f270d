/**
 * Tags as the user types them in one input box: `team=data-science, stage=dev`. A value may
 * hold a comma or a backslash when escaped (`\,`, `\\`); `formatTags` writes that form back so
 * "Edit Tags" round-trips whatever is stored. Pure, for unit tests.
 */
import { TENANT_TAG } from '../../../protocol/src/index.ts';
import { MAX_TAGS_PER_REQUEST, checkTagKey, tagValueCheck } from './validation.ts';

export type ParsedTags = { ok: true; tags: Record<string, string> } | { ok: false; message: string };

/** Splits on commas that are not escaped, and unescapes `\,` and `\\` in each piece. */
function splitItems(text: string): string[] {
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === '\\' && (next === ',' || next === '\\')) {
      current += next;
      i++;
    } else if (ch === ',') {
      items.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  items.push(current);
  return items;
}

/**
 * Parses `k=v, k2=v2`. Spaces around keys and values are dropped, empty items are skipped (a
 * trailing comma is fine), the first `=` separates key from value, a key may appear once.
 */
export function parseTags(text: string, valueLimit: number): ParsedTags {
  const tags: Record<string, string> = {};
  const checkValue = tagValueCheck(valueLimit);
  for (const raw of splitItems(text)) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) return { ok: false, message: `"${item}" needs a value: write key=value` };
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const keyProblem = checkTagKey(key);
    if (keyProblem !== undefined) return { ok: false, message: keyProblem };
    if (Object.hasOwn(tags, key)) return { ok: false, message: `Tag "${key}" appears twice` };
    const valueProblem = checkValue(value);
    if (valueProblem !== undefined) return { ok: false, message: `${valueProblem} (tag "${key}")` };
    tags[key] = value;
  }
  const count = Object.keys(tags).length;
  if (count > MAX_TAGS_PER_REQUEST) return { ok: false, message: `At most ${MAX_TAGS_PER_REQUEST} tags at once (${count} given)` };
  return { ok: true, tags };
}

/** The input-box form of `tags`, keys sorted, values escaped so `parseTags` reads them back. */
export function formatTags(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((key) => `${key}=${(tags[key] ?? '').replaceAll('\\', '\\\\').replaceAll(',', '\\,')}`)
    .join(', ');
}

/**
 * Tags worth showing and editing: MLflow's own `mlflow.*` bookkeeping (run name, source, note)
 * and MATIH's tenant tag are hidden, as the MLflow UI hides them.
 */
export function isUserTag(key: string): boolean {
  return !key.startsWith('mlflow.') && key !== TENANT_TAG;
}

export function userTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => isUserTag(key)));
}

/**
 * What to send to turn `before` into `after`: changed and new tags with their value, removed
 * ones as `null` (the daemon's "remove" marker). Empty when nothing changed.
 */
export function tagChanges(before: Record<string, string>, after: Record<string, string>): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(after)) {
    if (before[key] !== value) changes[key] = value;
  }
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) changes[key] = null;
  }
  return changes;
}
