/**
 * MLflow's input limits and name rules (mlflow/utils/validation.py), independent of any backend so
 * the embedded store and a remote-MLflow backend reject the same inputs with the same codes.
 * Every check throws `invalid(message, field)`; `field` uses the REST field path
 * (`metrics[3].key`) so a caller can point at the exact entry at fault.
 */

import {
  KEY_PATTERN,
  LONE_SURROGATE,
  MAX_ENTITY_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VALUE_LENGTH,
  MAX_PARAM_VALUE_LENGTH,
  MAX_RUN_NAME_LENGTH,
  MAX_RUN_TAG_VALUE_LENGTH,
  codePointLength,
  keyResolvesElsewhere,
} from '../../../protocol/src/rules.ts';
import { invalid } from './errors.ts';
import { RUN_STATUSES } from './types.ts';
import type { LogBatchInput, Metric, RunStatus, ViewType } from './types.ts';

export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_ARTIFACT_LOCATION_LENGTH = 2048;
/** Upper bound of `max_results` for run and experiment search (SEARCH_MAX_RESULTS_THRESHOLD). */
export const SEARCH_MAX_RESULTS_THRESHOLD = 50000;
// The key and value limits live in protocol/ so the extension checks them as the user types.
export {
  MAX_ENTITY_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VALUE_LENGTH,
  MAX_PARAM_VALUE_LENGTH,
  MAX_RUN_NAME_LENGTH,
  MAX_RUN_TAG_VALUE_LENGTH,
  posixNormpath,
} from '../../../protocol/src/rules.ts';

/** What a key names; used in messages and to pick the limits. */
export type KeyKind = 'metric' | 'param' | 'tag' | 'experiment tag';

const RUN_ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,63}$/;

/** The code-point length when it exceeds `limit`; only counted when the UTF-16 length could. */
function lengthExceeds(value: string, limit: number): number | undefined {
  if (value.length <= limit) return undefined;
  const count = codePointLength(value);
  return count > limit ? count : undefined;
}

function describe(value: string): string {
  return value.length > 40 ? `'${value.slice(0, 40)}...'` : `'${value}'`;
}

/** Rejects what cannot round-trip through JSON, SQL drivers and file names: NUL and lone surrogates. */
export function validateText(value: string, what: string, field: string): void {
  if (value.includes('\u0000')) throw invalid(`${what} must not contain NUL characters`, field);
  if (LONE_SURROGATE.test(value)) throw invalid(`${what} must not contain unpaired UTF-16 surrogates`, field);
}

function requireString(value: unknown, what: string, field: string): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`, field);
  return value;
}

/** Checks a metric, param or tag key against MLflow's character set, file-path rule and length. */
export function validateKey(kind: KeyKind, key: unknown, field: string): string {
  const k = requireString(key, `${kind} key`, field);
  if (k === '') throw invalid(`${kind} key must not be empty`, field);
  if (!KEY_PATTERN.test(k)) {
    throw invalid(
      `${kind} key ${describe(k)} is invalid: keys may only contain alphanumerics, underscores (_), ` +
        'dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)',
      field,
    );
  }
  const { elsewhere, resolved: norm } = keyResolvesElsewhere(k);
  if (elsewhere) {
    throw invalid(
      `${kind} key ${describe(k)} is invalid: keys may be used as file paths and must not resolve ` +
        `to another name (this one resolves to '${norm}')`,
      field,
    );
  }
  const length = lengthExceeds(k, MAX_ENTITY_KEY_LENGTH);
  if (length !== undefined) {
    throw invalid(`${kind} key must be at most ${MAX_ENTITY_KEY_LENGTH} characters (got ${length})`, field);
  }
  return k;
}

function validateValue(what: string, value: unknown, limit: number, field: string): string {
  const v = requireString(value, what, field);
  validateText(v, what, field);
  const length = lengthExceeds(v, limit);
  if (length !== undefined) throw invalid(`${what} must be at most ${limit} characters (got ${length})`, field);
  return v;
}

/** A param: valid key, string value of at most 6000 characters (MLflow would truncate; we refuse). */
export function validateParam(key: unknown, value: unknown, field: string): void {
  validateKey('param', key, `${field}.key`);
  validateValue('param value', value, MAX_PARAM_VALUE_LENGTH, `${field}.value`);
}

/** A run tag: valid key, string value of at most 8000 characters. */
export function validateRunTag(key: unknown, value: unknown, field: string): void {
  validateKey('tag', key, `${field}.key`);
  validateValue('tag value', value, MAX_RUN_TAG_VALUE_LENGTH, `${field}.value`);
}

/** An experiment tag: valid key, string value of at most 5000 characters (a hard error in MLflow too). */
export function validateExperimentTag(key: unknown, value: unknown, field: string): void {
  validateKey('experiment tag', key, `${field}.key`);
  validateValue('experiment tag value', value, MAX_EXPERIMENT_TAG_VALUE_LENGTH, `${field}.value`);
}

/** An integer that survives a round trip through int64 and a JS number. */
function isSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Epoch milliseconds: a non-negative integer. */
export function validateTimestamp(value: unknown, what: string, field: string): number {
  if (!isSafeInteger(value) || value < 0) {
    throw invalid(`${what} must be a non-negative integer (epoch milliseconds), got ${String(value)}`, field);
  }
  return value;
}

/** One metric point: valid key, any number (NaN and ±Infinity allowed), timestamp ≥ 0, integer step. */
export function validateMetric(metric: Metric, field: string): void {
  validateKey('metric', metric.key, `${field}.key`);
  if (typeof metric.value !== 'number') {
    throw invalid(`metric value must be a number, got ${typeof metric.value}`, `${field}.value`);
  }
  validateTimestamp(metric.timestamp, 'metric timestamp', `${field}.timestamp`);
  if (!isSafeInteger(metric.step)) {
    throw invalid(
      `metric step must be an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, ` +
        `got ${String(metric.step)}`,
      `${field}.step`,
    );
  }
}

function validateCount(what: string, count: number, limit: number, field?: string): void {
  if (count > limit) {
    throw invalid(
      `a batch logging request can contain at most ${limit} ${what}, got ${count}; split them across requests`,
      field,
    );
  }
}

/**
 * A whole log-batch, checked before anything is written: counts, every entry, and duplicate param
 * keys. Repeating a param key with the same value is tolerated; with a different value it is refused.
 */
export function validateLogBatch(batch: LogBatchInput): void {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  validateCount('metrics', metrics.length, MAX_METRICS_PER_BATCH, 'metrics');
  validateCount('params', params.length, MAX_PARAMS_TAGS_PER_BATCH, 'params');
  validateCount('tags', tags.length, MAX_PARAMS_TAGS_PER_BATCH, 'tags');
  validateCount('metrics, params and tags', metrics.length + params.length + tags.length, MAX_ENTITIES_PER_BATCH);
  metrics.forEach((m, i) => validateMetric(m, `metrics[${i}]`));
  const seen = new Map<string, string>();
  params.forEach((p, i) => {
    validateParam(p.key, p.value, `params[${i}]`);
    const earlier = seen.get(p.key);
    if (earlier !== undefined && earlier !== p.value) {
      throw invalid(
        `duplicate param key '${p.key}' with different values in one batch; send one value per key`,
        `params[${i}].key`,
      );
    }
    seen.set(p.key, p.value);
  });
  tags.forEach((t, i) => validateRunTag(t.key, t.value, `tags[${i}]`));
}

/** Non-empty string of at most 500 characters. */
export function validateExperimentName(name: unknown, field = 'name'): string {
  const n = requireString(name, 'experiment name', field);
  if (n === '') throw invalid('experiment name must not be empty', field);
  validateText(n, 'experiment name', field);
  const length = lengthExceeds(n, MAX_EXPERIMENT_NAME_LENGTH);
  if (length !== undefined) {
    throw invalid(`experiment name must be at most ${MAX_EXPERIMENT_NAME_LENGTH} characters (got ${length})`, field);
  }
  return n;
}

/** At most 250 characters, MLflow's column width for run names. */
export function validateRunName(name: unknown, field = 'run_name'): string {
  return validateValue('run name', name, MAX_RUN_NAME_LENGTH, field);
}

/** MLflow's run id rule: alphanumeric first, then word characters or dashes, at most 256 in all. */
export function validateRunId(runId: unknown, field = 'run_id'): string {
  const id = requireString(runId, 'run id', field);
  if (!RUN_ID_PATTERN.test(id)) throw invalid(`invalid run id ${describe(id)}`, field);
  return id;
}

/** MLflow's experiment id rule; stores may be stricter (the SQL store wants an integer). */
export function validateExperimentId(experimentId: unknown, field = 'experiment_id'): string {
  const id = requireString(experimentId, 'experiment id', field);
  if (!EXPERIMENT_ID_PATTERN.test(id)) throw invalid(`invalid experiment id ${describe(id)}`, field);
  return id;
}

/**
 * An experiment artifact location: no `#` fragment, no `..` segment (in the path or the query), no
 * `runs:` scheme, at most 2048 characters. These stop a location from escaping its root later.
 */
export function validateArtifactLocation(location: unknown, field = 'artifact_location'): string {
  const loc = requireString(location, 'artifact location', field);
  validateText(loc, 'artifact location', field);
  if (loc.length > MAX_ARTIFACT_LOCATION_LENGTH) {
    throw invalid(`artifact location must be at most ${MAX_ARTIFACT_LOCATION_LENGTH} characters (got ${loc.length})`, field);
  }
  if (loc.includes('#')) throw invalid("artifact location must not contain a '#' fragment", field);
  if (/^runs:/i.test(loc)) throw invalid("artifact location must not use the 'runs:' scheme", field);
  let decoded = loc;
  try {
    decoded = decodeURIComponent(loc);
  } catch {
    // A malformed escape is left as is; the raw text is still checked below.
  }
  for (const text of new Set([loc, decoded])) {
    if (text.split(/[/\\?&=]/).some((segment) => segment === '..')) {
      throw invalid("artifact location must not contain '..' segments", field);
    }
  }
  return loc;
}

/** A page size for searches: an integer from 1 to `max`. */
export function validateMaxResults(value: unknown, field = 'max_results', max = SEARCH_MAX_RESULTS_THRESHOLD): number {
  if (!isSafeInteger(value) || value < 1) {
    throw invalid(`invalid value ${String(value)} for ${field}: it must be a positive integer`, field);
  }
  if (value > max) throw invalid(`invalid value ${value} for ${field}: it must be at most ${max}`, field);
  return value;
}

/** One of MLflow's RunStatus names. */
export function validateRunStatus(status: unknown, field = 'status'): RunStatus {
  if (typeof status !== 'string' || !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw invalid(`invalid run status ${String(status)}: expected one of ${RUN_STATUSES.join(', ')}`, field);
  }
  return status as RunStatus;
}

const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

/** One of MLflow's ViewType names. */
export function validateViewType(viewType: unknown, field = 'view_type'): ViewType {
  if (typeof viewType !== 'string' || !(VIEW_TYPES as readonly string[]).includes(viewType)) {
    throw invalid(`invalid view type ${String(viewType)}: expected one of ${VIEW_TYPES.join(', ')}`, field);
  }
  return viewType as ViewType;
}
