/**
 * MLflow's input rules that both the daemon (which enforces them) and the extension (which checks
 * them where the user types) apply, kept once so the two can never disagree.
 */

/** MLflow's limit on metric, param and tag keys. */
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_RUN_TAG_VALUE_LENGTH = 8000;
export const MAX_EXPERIMENT_TAG_VALUE_LENGTH = 5000;
export const MAX_RUN_NAME_LENGTH = 250;

/**
 * Key characters: Python's Unicode-aware `\w` (so MLflow accepts `métrique`) plus `/ . - space :`
 * (colons since MLflow 2.x on non-Windows servers).
 */
export const KEY_PATTERN = /^[\p{L}\p{N}_/.\- :]*$/u;

/** NUL and unpaired UTF-16 surrogates cannot round-trip through JSON, SQL drivers and file names. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Length in code points, as Python's `len` (and so MLflow) counts: an emoji counts once. */
export function codePointLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Python's `posixpath.normpath`, which MLflow uses to refuse keys that alias other keys as files. */
export function posixNormpath(path: string): string {
  if (path === '') return '.';
  // POSIX allows exactly two leading slashes to mean something special; three or more collapse.
  const initialSlashes = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const out: string[] = [];
  for (const comp of path.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (initialSlashes === 0 && out.length === 0) || out[out.length - 1] === '..') {
      out.push(comp);
    } else if (out.length > 0) {
      out.pop();
    }
  }
  const joined = '/'.repeat(initialSlashes) + out.join('/');
  return joined === '' ? '.' : joined;
}

/** Whether a key would be stored under another name as a file path (`a/../b`, `./a`, `/a`). */
export function keyResolvesElsewhere(key: string): { elsewhere: boolean; resolved: string } {
  const resolved = posixNormpath(key);
  return { elsewhere: resolved !== key || resolved === '.' || resolved.startsWith('..') || resolved.startsWith('/'), resolved };
}
