/**
 * MLflow's request wire format and error shape (mlflow/server/handlers.py): GET parameters from
 * the query string with repeated keys for arrays, POST bodies as JSON (a JSON string holding JSON
 * is decoded a second time, unknown fields are ignored), int64 as a number or a string, doubles
 * as numbers or the protobuf spellings "NaN"/"Infinity"/"-Infinity", enums by name or number.
 * Messages follow MLflow's wording so scripts that match on them keep working.
 */
import { HttpError } from '../../http/errors.ts';
import type { HandlerResult, RequestContext } from '../../http/router.ts';
import { MLFLOW_HTTP_STATUS, TrackingError } from '../../tracking/errors.ts';
import { ModelsNotSupportedError } from '../../tracking/models-backend.ts';

/** An answer in MLflow's error shape: `{"error_code": ..., "message": ...}` with MLflow's status. */
export class MlflowApiError extends Error {
  readonly errorCode: string;
  readonly status: number;

  constructor(errorCode: string, message: string, status = 400) {
    super(message);
    this.name = 'MlflowApiError';
    this.errorCode = errorCode;
    this.status = status;
  }
}

const DOCS_HINT = ' See the API docs for more information about request parameters.';

/** MLflow's INVALID_PARAMETER_VALUE (400). */
export function invalidParameter(message: string): MlflowApiError {
  return new MlflowApiError('INVALID_PARAMETER_VALUE', message);
}

/** "Missing value for required parameter 'run_id'. See the API docs ..." */
export function missingValue(path: string): MlflowApiError {
  return invalidParameter(`Missing value for required parameter '${path}'.${DOCS_HINT}`);
}

/** "Invalid value "abc" for parameter 'value' supplied:  Hint: Value was of type 'str'. See ..." */
export function invalidValue(path: string, value: unknown): MlflowApiError {
  return invalidParameter(
    `Invalid value ${pythonDumps(value)} for parameter '${path}' supplied:  Hint: Value was of type ` +
      `'${pythonType(value)}'.${DOCS_HINT}`,
  );
}

/** A range failure in MLflow's words, e.g. "max_results must be between 1 and 2500. See ..." */
export function invalidRange(message: string): MlflowApiError {
  return invalidParameter(message + DOCS_HINT);
}

/** How `json.dumps(value, sort_keys=True, separators=(",", ":"))` prints a decoded JSON value. */
function pythonDumps(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  const text = JSON.stringify(sorted(value)) ?? 'null';
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function pythonType(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return Array.isArray(value) ? 'list' : 'dict';
}

/**
 * The type of one request field. `enum` takes a name or a number, which the handler maps with
 * {@link toEnum}; `object[]` entries are checked by the handler, which knows their fields.
 */
export type FieldKind = 'string' | 'int' | 'double' | 'bool' | 'enum' | 'string[]' | 'object[]';

export interface FieldSpec {
  kind: FieldKind;
  /** Absent, null or "" is refused with MLflow's "Missing value for required parameter". */
  required?: boolean;
}

/** The request fields one endpoint reads; anything else in the request is ignored, as MLflow does. */
export type Fields = Record<string, FieldSpec>;

/** The raw request as a plain object: the JSON body for POST, the query string for GET. */
export type RawRequest = Record<string, unknown>;

/**
 * Reads the request into a plain object. For GET only the declared fields are taken from the
 * query string, as arrays for array fields and the first value otherwise; for POST the body must
 * be a JSON object (or a JSON string holding one), and an empty body reads as `{}`.
 */
export async function readRaw(ctx: RequestContext, fields: Fields): Promise<RawRequest> {
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    const raw: RawRequest = {};
    for (const [name, spec] of Object.entries(fields)) {
      if (!ctx.query.has(name)) continue;
      raw[name] = spec.kind.endsWith('[]') ? ctx.query.getAll(name) : ctx.query.get(name);
    }
    // The deprecated alias parseFields falls back to.
    if ('run_id' in fields && fields.run_id?.kind === 'string' && ctx.query.has('run_uuid')) {
      raw.run_uuid = ctx.query.get('run_uuid');
    }
    return raw;
  }
  let body: unknown;
  try {
    body = await ctx.json();
  } catch (err) {
    if (err instanceof HttpError) throw new MlflowApiError('BAD_REQUEST', err.message, err.status);
    throw err;
  }
  // Older clients post their JSON double-encoded as a string.
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      throw new MlflowApiError('BAD_REQUEST', 'Request body is a JSON string that does not hold valid JSON');
    }
  }
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new MlflowApiError('BAD_REQUEST', 'Request body must be a JSON object');
  }
  return body as RawRequest;
}

const INT_TEXT = /^-?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** int64/int32: a JSON integer or a decimal string, within the range a JS number holds exactly. */
export function toInt(value: unknown, path: string): number {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && INT_TEXT.test(value.trim())) n = Number(value.trim());
  if (n === undefined || !Number.isSafeInteger(n)) throw invalidValue(path, value);
  return n;
}

/** double: a JSON number, or a string in protobuf's JSON spelling ("NaN", "Infinity", "-Infinity", "1.5"). */
export function toDouble(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === 'NaN') return Number.NaN;
    if (text === 'Infinity') return Number.POSITIVE_INFINITY;
    if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (FLOAT_TEXT.test(text)) return Number(text);
  }
  throw invalidValue(path, value);
}

function toBool(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (typeof value === 'string') throw invalidParameter(`Invalid boolean value: ${value}, must be 'true' or 'false'.`);
  throw invalidValue(path, value);
}

/** Proto enums arrive as names or numbers; `names[i]` is the name of number i + 1. */
export function toEnum<T extends string>(value: unknown, names: readonly T[], path: string): T {
  if (typeof value === 'string' && (names as readonly string[]).includes(value)) return value as T;
  const n = typeof value === 'number' ? value : typeof value === 'string' && INT_TEXT.test(value) ? Number(value) : NaN;
  const byNumber = Number.isInteger(n) ? names[n - 1] : undefined;
  if (byNumber !== undefined) return byNumber;
  throw invalidValue(path, value);
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The request after its declared fields were checked: values are typed per their FieldSpec. */
export interface Parsed {
  /** A required string field (parseFields has already refused its absence). */
  text(name: string): string;
  string(name: string): string | undefined;
  /** A required int or double field. */
  number(name: string): number;
  int(name: string): number | undefined;
  double(name: string): number | undefined;
  bool(name: string): boolean | undefined;
  strings(name: string): string[] | undefined;
  objects(name: string): Record<string, unknown>[] | undefined;
  /** An `enum` field as sent (a name or a number), for {@link toEnum}. */
  raw(name: string): unknown;
  has(name: string): boolean;
}

/**
 * Checks every declared field: required ones present and non-empty, each of the right type.
 * `run_id` falls back to the deprecated `run_uuid`, as MLflow does on every run endpoint.
 */
export function parseFields(raw: RawRequest, fields: Fields): Parsed {
  const values = new Map<string, unknown>();
  for (const [name, spec] of Object.entries(fields)) {
    let value = raw[name];
    if (name === 'run_id' && isMissing(value)) value = raw['run_uuid'];
    if (isMissing(value)) {
      if (spec.required) throw missingValue(name);
      continue;
    }
    values.set(name, convert(value, spec.kind, name));
  }
  const get = <T>(name: string): T | undefined => values.get(name) as T | undefined;
  return {
    text: (n) => {
      const v = get<string>(n);
      if (v === undefined) throw missingValue(n);
      return v;
    },
    string: (n) => get<string>(n),
    number: (n) => {
      const v = get<number>(n);
      if (v === undefined) throw missingValue(n);
      return v;
    },
    int: (n) => get<number>(n),
    double: (n) => get<number>(n),
    bool: (n) => get<boolean>(n),
    strings: (n) => get<string[]>(n),
    objects: (n) => get<Record<string, unknown>[]>(n),
    raw: (n) => values.get(n),
    has: (n) => values.has(n),
  };
}

function convert(value: unknown, kind: FieldKind, path: string): unknown {
  switch (kind) {
    case 'string':
      if (typeof value === 'string') return value;
      throw invalidValue(path, value);
    case 'enum':
      if (typeof value === 'string' || typeof value === 'number') return value;
      throw invalidValue(path, value);
    case 'int':
      return toInt(value, path);
    case 'double':
      return toDouble(value, path);
    case 'bool':
      return toBool(value, path);
    case 'string[]':
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      throw invalidValue(path, value);
    case 'object[]':
      if (Array.isArray(value) && value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) return value;
      throw invalidValue(path, value);
  }
}

/** One entry of an array of objects: the string at `key`, required or defaulting to "". */
export function entryText(entry: Record<string, unknown>, key: string, path: string, required: boolean): string {
  const v = entry[key];
  if (isMissing(v)) {
    if (required) throw missingValue(path);
    return '';
  }
  if (typeof v !== 'string') throw invalidValue(path, v);
  return v;
}

/** `[{key, value}]` entries as a map (the last of a repeated key wins, as in MLflow's stores). */
export function keyValues(entries: Record<string, unknown>[] | undefined, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  (entries ?? []).forEach((e, i) => {
    out[entryText(e, 'key', `${field}[${i}].key`, true)] = entryText(e, 'value', `${field}[${i}].value`, false);
  });
  return out;
}

/**
 * The MLflow-shaped answer for an error, or undefined for anything that is not an expected
 * failure (the HTTP layer logs those and answers a generic 500).
 */
export function errorAnswer(err: unknown): HandlerResult | undefined {
  if (err instanceof MlflowApiError) {
    return { status: err.status, body: { error_code: err.errorCode, message: err.message } };
  }
  if (err instanceof ModelsNotSupportedError) {
    return { status: 501, body: { error_code: 'NOT_IMPLEMENTED', message: err.message } };
  }
  if (err instanceof TrackingError) {
    return { status: MLFLOW_HTTP_STATUS[err.code], body: { error_code: err.code, message: err.message } };
  }
  return undefined;
}

/** Upper bound of `max_results` for run and experiment search (SEARCH_MAX_RESULTS_THRESHOLD). */
export const SEARCH_MAX_RESULTS = 50000;

/** A search's `max_results`: `fallback` when absent, else 1 to 50000, in the SQL store's words. */
export function searchMaxResults(p: Parsed, fallback: number): number {
  const n = p.int('max_results');
  if (n === undefined) return fallback;
  if (n < 1) throw invalidParameter(`Invalid value ${n} for parameter 'max_results' supplied. It must be a positive integer`);
  if (n > SEARCH_MAX_RESULTS) {
    throw invalidParameter(`Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${SEARCH_MAX_RESULTS}`);
  }
  return n;
}
