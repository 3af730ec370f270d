/**
 * The daemon's input rules, checked where the user types (quick-input `validateInput`), so a
 * mistake is pointed out before the request is sent. The daemon stays the authority: these only
 * spare a round trip and say the same thing in the same words. Pure, so unit tests need no editor.
 *
 * Every check answers a readable message, or `undefined` when the value is fine.
 */
import {
  KEY_PATTERN,
  LONE_SURROGATE,
  MAX_ENTITY_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VALUE_LENGTH,
  MAX_RUN_NAME_LENGTH,
  MAX_RUN_TAG_VALUE_LENGTH,
  TENANT_ID_PATTERN,
  TENANT_TAG,
  codePointLength,
  keyResolvesElsewhere,
} from '../../../protocol/src/index.ts';

export { codePointLength, posixNormpath } from '../../../protocol/src/index.ts';
export { MAX_EXPERIMENT_TAG_VALUE_LENGTH, MAX_RUN_NAME_LENGTH, MAX_RUN_TAG_VALUE_LENGTH };

export type Check = (value: string) => string | undefined;

export const MAX_EXPERIMENT_NAME_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 1000;
/** MLflow's limit on metric, param and tag keys. */
export const MAX_TAG_KEY_LENGTH = MAX_ENTITY_KEY_LENGTH;
/** The v1 API's limit on tags in one request. */
export const MAX_TAGS_PER_REQUEST = 100;


/** NUL and unpaired surrogates cannot round-trip through JSON and SQL; the daemon refuses them. */
function checkText(value: string, what: string): string | undefined {
  if (value.includes('\u0000')) return `${what} must not contain NUL characters`;
  if (LONE_SURROGATE.test(value)) return `${what} must not contain unpaired surrogate characters`;
  return undefined;
}

function checkLength(value: string, what: string, min: number, max: number): string | undefined {
  const length = codePointLength(value);
  if (length < min) return min === 1 ? `${what} must not be empty` : `${what} needs at least ${min} characters`;
  if (length > max) return `${what} must be at most ${max} characters (it has ${length})`;
  return undefined;
}

/** Tenant ids: lowercase letters, digits and `-`, 1–63 characters. */
export const checkTenantId: Check = (value) => {
  if (value.length === 0) return 'Tenant id must not be empty';
  if (value.length > 63) return `Tenant id must be at most 63 characters (it has ${value.length})`;
  if (!TENANT_ID_PATTERN.test(value)) return 'Tenant id may only contain lowercase letters, digits and "-"';
  return undefined;
};

/** Experiment names (without the tenant prefix): 1–255 characters, surrounding spaces ignored. */
export const checkExperimentName: Check = (value) =>
  checkLength(value.trim(), 'Experiment name', 1, MAX_EXPERIMENT_NAME_LENGTH) ?? checkText(value, 'Experiment name');

/** Descriptions may be empty; at most 1000 characters. */
export const checkDescription: Check = (value) =>
  checkLength(value, 'Description', 0, MAX_DESCRIPTION_LENGTH) ?? checkText(value, 'Description');

/** Run names: 1–250 characters, MLflow's column width. */
export const checkRunName: Check = (value) =>
  checkLength(value.trim(), 'Run name', 1, MAX_RUN_NAME_LENGTH) ?? checkText(value, 'Run name');

/** Tag keys: MLflow's character set, no path tricks, at most 250 characters, not MATIH's own tag. */
export const checkTagKey: Check = (key) => {
  if (key === '') return 'Tag key must not be empty';
  if (!KEY_PATTERN.test(key)) {
    return `Tag key "${key}" may only contain letters, digits, underscores (_), dashes (-), periods (.), spaces, colons (:) and slashes (/)`;
  }
  const { elsewhere, resolved: norm } = keyResolvesElsewhere(key);
  if (elsewhere) {
    return `Tag key "${key}" is used as a file path and must not resolve to another name (it resolves to "${norm}")`;
  }
  const length = codePointLength(key);
  if (length > MAX_TAG_KEY_LENGTH) return `Tag key must be at most ${MAX_TAG_KEY_LENGTH} characters (it has ${length})`;
  if (key === TENANT_TAG) return `"${TENANT_TAG}" is set by MATIH and cannot be changed`;
  return undefined;
};

/** A tag value checker for the given limit (8000 for runs, 5000 for experiments). */
export function tagValueCheck(limit: number): Check {
  return (value) => checkLength(value, 'Tag value', 0, limit) ?? checkText(value, 'Tag value');
}

/** An MLflow tracking server address: an absolute http(s) URL without credentials in it. */
export const checkMlflowUri: Check = (value) => {
  const text = value.trim();
  if (text === '') return 'Enter the tracking server URL, e.g. https://mlflow.example.com';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Not a URL; enter e.g. https://mlflow.example.com';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'The URL must start with http:// or https://';
  // Credentials belong in SecretStorage; a URL lands in settings.json, logs and screenshots.
  if (url.username !== '' || url.password !== '') return 'Leave credentials out of the URL; you are asked for them next';
  if (url.search !== '' || url.hash !== '') return 'The URL must not have a query or fragment';
  return undefined;
};

/** Any non-empty secret (username, password, token). */
export function requiredCheck(what: string): Check {
  return (value) => (value.trim() === '' ? `${what} must not be empty` : undefined);
}
