/**
 * MLflow's logged-model search (`search_logged_models`, mlflow/utils/search_logged_model_utils.py
 * and the SQL store) as parameterised SQLite. Its grammar is its own, smaller than run search:
 * `attributes.`, `metrics.`, `params.` and `tags.` exactly (no aliases), bare names are model
 * columns (`name`, `model_type`, `source_run_id`, `status`, `creation_timestamp`, ...), only
 * metrics and the two timestamps compare as numbers, strings take `= != LIKE ILIKE IN NOT IN`,
 * and there is no IS NULL. A metric condition matches a model with any point that satisfies it;
 * ordering by a metric uses the model's latest point (by timestamp, then step).
 *
 * Deliberate differences from MLflow 3.17, all where MLflow answers a 500 or matches nothing by
 * accident: an unknown column is a 400; `status` also takes its names (`'LOGGED_MODEL_READY'`);
 * a double-quoted value is a string (MLflow keeps the quotes in it); a `datasets` entry without
 * a digest matches any digest (MLflow's handler turns the missing digest into `IS NULL`); a
 * malformed page token is a 400.
 */

import { invalid } from '../errors.ts';
import { LOGGED_MODEL_STATUSES } from '../models-backend.ts';
import type { DatasetFilter, LoggedModelOrderBy, SearchLoggedModelsInput } from '../models-backend.ts';
import { decodePageToken } from '../search/index.ts';
import { fail, tokenize } from '../search/tokenizer.ts';
import type { Token } from '../search/tokenizer.ts';
import type { Params } from './database.ts';
import { compare } from './search-sql.ts';
import type { SqlQuery } from './search-sql.ts';

/** Filter attribute → column, with MLflow's aliases (SqlLoggedModel.ALIASES). */
const COLUMNS: Record<string, string> = {
  model_id: 'model_id',
  experiment_id: 'experiment_id',
  name: 'name',
  artifact_location: 'artifact_location',
  creation_timestamp_ms: 'creation_timestamp_ms',
  creation_timestamp: 'creation_timestamp_ms',
  creation_time: 'creation_timestamp_ms',
  last_updated_timestamp_ms: 'last_updated_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
  status: 'status',
  lifecycle_stage: 'lifecycle_stage',
  model_type: 'model_type',
  source_run_id: 'source_run_id',
  status_message: 'status_message',
};
const NUMERIC_COLUMNS = new Set(['creation_timestamp_ms', 'last_updated_timestamp_ms']);
const ENTITIES = ['attributes', 'metrics', 'params', 'tags'] as const;
type EntityName = (typeof ENTITIES)[number];

const NUMERIC_OPS = ['<', '<=', '>', '>=', '=', '!='];
const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

export interface ModelComparison {
  entity: EntityName;
  /** The column for attributes, the key otherwise. */
  key: string;
  op: string;
  value: string | number | string[];
}

function column(key: string, what: string): string {
  const col = Object.hasOwn(COLUMNS, key) ? COLUMNS[key] : undefined;
  if (col === undefined) throw invalid(`Invalid ${what}: '${key}' is not an attribute of a logged model; valid ones are ${Object.keys(COLUMNS).join(', ')}`, what === 'filter' ? 'filter' : 'order_by');
  return col;
}

/** Parses a logged-model filter into comparisons (joined by AND); empty means none. */
export function parseLoggedModelFilter(filter: string | undefined): ModelComparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens = tokenize(filter, 'filter', 'filter');
  let i = 0;
  const next = (): Token => {
    const t = tokens[i]!;
    if (t.kind !== 'end') i++;
    return t;
  };
  const bad = (detail: string): never => fail('filter', filter, 'filter', detail);
  const out: ModelComparison[] = [];
  for (;;) {
    const lhs = next();
    if (lhs.kind !== 'name') bad(`expected a key such as metrics.<name> at position ${lhs.pos}`);
    const name = lhs as Extract<Token, { kind: 'name' }>;
    let entity: EntityName = 'attributes';
    if (name.prefix !== undefined) {
      if (!(ENTITIES as readonly string[]).includes(name.prefix)) {
        bad(`invalid entity type '${name.prefix}' at position ${name.pos}; expected one of ${ENTITIES.join(', ')}`);
      }
      entity = name.prefix as EntityName;
    }
    const key = entity === 'attributes' ? column(name.key, 'filter') : name.key;
    const numeric = entity === 'metrics' || (entity === 'attributes' && NUMERIC_COLUMNS.has(key));

    const opToken = next();
    let op: string | undefined;
    if (opToken.kind === 'operator') op = opToken.value;
    else if (opToken.kind === 'keyword' && ['LIKE', 'ILIKE', 'IN'].includes(opToken.value)) op = opToken.value;
    else if (opToken.kind === 'keyword' && opToken.value === 'NOT' && tokens[i]?.kind === 'keyword' && (tokens[i] as { value: string }).value === 'IN') {
      next();
      op = 'NOT IN';
    }
    const allowed = numeric ? NUMERIC_OPS : STRING_OPS;
    if (op === undefined || !allowed.includes(op)) {
      bad(`invalid comparison operator for ${entity}.${name.key} at position ${opToken.pos}; expected one of ${allowed.join(', ')}`);
    }

    let value: string | number | string[];
    const v = next();
    if (op === 'IN' || op === 'NOT IN') {
      if (v.kind !== '(') bad(`expected '(' at position ${v.pos}`);
      const values: string[] = [];
      for (;;) {
        const item = next();
        if (item.kind === 'string') values.push(item.value);
        else if (item.kind === 'name' && item.prefix === undefined && item.quote === '"') values.push(item.key);
        else bad(`expected a quoted string in the IN list at position ${item.pos}`);
        const sep = next();
        if (sep.kind === ')') break;
        if (sep.kind !== ',') bad(`expected ',' or ')' at position ${sep.pos}`);
      }
      value = values;
    } else if (numeric) {
      if (v.kind !== 'number') bad(`expected a number for ${entity}.${name.key} at position ${v.pos}`);
      value = (v as { value: number }).value;
    } else if (v.kind === 'string') {
      value = v.value;
    } else if (v.kind === 'number' && entity === 'attributes' && key === 'status') {
      value = String(v.value);
    } else if (v.kind === 'name' && v.prefix === undefined && v.quote === '"') {
      value = v.key;
    } else {
      value = bad(`expected a quoted string for ${entity}.${name.key} at position ${v.pos}`);
    }
    out.push({ entity, key, op: op!, value });

    const sep = next();
    if (sep.kind === 'end') return out;
    if (sep.kind !== 'keyword' || sep.value !== 'AND') {
      bad(`unexpected token '${sep.text}' at position ${sep.pos}; comparisons can only be joined with AND`);
    }
  }
}

/** The status column holds numbers; names (and numbers as text) are compared as those numbers. */
function statusValue(v: string): string | number {
  const byName = (LOGGED_MODEL_STATUSES as readonly string[]).indexOf(v);
  if (byName >= 0) return byName + 1;
  return /^\d+$/.test(v) ? Number(v) : v;
}

function condition(col: string, c: ModelComparison, params: Params): string {
  if (Array.isArray(c.value)) {
    params.push(JSON.stringify(c.key === 'status' && c.entity === 'attributes' ? c.value.map(statusValue) : c.value));
    return `${col} ${c.op} (SELECT value FROM json_each(?))`;
  }
  const value = c.entity === 'attributes' && c.key === 'status' && typeof c.value === 'string' ? statusValue(c.value) : c.value;
  return compare(col, c.op, value, params);
}

function datasetClause(datasets: DatasetFilter[], params: Params): string {
  const terms = datasets.map((d) => {
    params.push(d.datasetName);
    if (d.datasetDigest === undefined) return '(x.dataset_name = ?)';
    params.push(d.datasetDigest);
    return '(x.dataset_name = ? AND x.dataset_digest = ?)';
  });
  return `(${terms.join(' OR ')})`;
}

/** The order_by list as MLflow's handler passes it on, which is also what a page token records. */
function normalizedOrderBy(orderBy: LoggedModelOrderBy[] | undefined): unknown[] | null {
  if (!orderBy || orderBy.length === 0) return null;
  return orderBy.map((o) => ({
    field_name: o.fieldName,
    ascending: o.ascending ?? true,
    dataset_name: o.datasetName || null,
    dataset_digest: o.datasetDigest || null,
  }));
}

function tokenBody(input: SearchLoggedModelsInput, offset: number): string {
  return JSON.stringify({
    experiment_ids: input.experimentIds,
    filter_string: input.filter || null,
    order_by: normalizedOrderBy(input.orderBy),
    offset,
  });
}

/** MLflow's token: base64 JSON of the search it belongs to and the offset of the next page. */
export function encodeModelPageToken(input: SearchLoggedModelsInput, offset: number): string {
  return Buffer.from(tokenBody(input, offset), 'utf8').toString('base64');
}

/** The offset of `input.pageToken`; a token of another search (ids, filter, order) is a 400, as in MLflow. */
export function decodeModelPageToken(input: SearchLoggedModelsInput): number {
  const offset = decodePageToken(input.pageToken);
  if (!input.pageToken) return offset;
  const given = JSON.parse(Buffer.from(input.pageToken, 'base64').toString('utf8')) as Record<string, unknown>;
  const expected = JSON.parse(tokenBody(input, offset)) as Record<string, unknown>;
  for (const field of ['experiment_ids', 'filter_string', 'order_by'] as const) {
    if (JSON.stringify(given[field] ?? null) !== JSON.stringify(expected[field])) {
      throw invalid(`The page token was issued for another search: its ${field} differs from this request's`, 'page_token');
    }
  }
  return offset;
}

export interface LoggedModelSearchSpec extends Omit<SearchLoggedModelsInput, 'experimentIds'> {
  experimentIds: number[];
  limit: number;
  offset: number;
}

/** One page of logged_models rows (`lm.*`), filtered and ordered as MLflow's store does. */
export function buildLoggedModelSearch(spec: LoggedModelSearchSpec): SqlQuery {
  const comparisons = parseLoggedModelFilter(spec.filter);
  const datasets = spec.datasets ?? [];
  const where: string[] = ["lm.lifecycle_stage != 'deleted'", 'lm.experiment_id IN (SELECT value FROM json_each(?))'];
  const whereParams: Params = [JSON.stringify(spec.experimentIds)];
  let metricFilters = 0;
  for (const c of comparisons) {
    if (c.entity === 'attributes') {
      where.push(condition(`lm.${c.key}`, c, whereParams));
    } else if (c.entity === 'metrics') {
      metricFilters++;
      whereParams.push(c.key);
      const cmp = condition('x.metric_value', c, whereParams);
      const ds = datasets.length > 0 ? ` AND ${datasetClause(datasets, whereParams)}` : '';
      where.push(`lm.model_id IN (SELECT x.model_id FROM logged_model_metrics x WHERE x.metric_name = ? AND ${cmp}${ds})`);
    } else {
      const [table, k, v] = c.entity === 'params' ? ['logged_model_params', 'param_key', 'param_value'] : ['logged_model_tags', 'tag_key', 'tag_value'];
      whereParams.push(c.key);
      const cmp = condition(`x.${v}`, c, whereParams);
      where.push(`EXISTS (SELECT 1 FROM ${table} x WHERE x.model_id = lm.model_id AND x.${k} = ? AND ${cmp})`);
    }
  }
  // Data sets without a metric condition: models with any point on one of them.
  if (datasets.length > 0 && metricFilters === 0) {
    where.push(`lm.model_id IN (SELECT x.model_id FROM logged_model_metrics x WHERE ${datasetClause(datasets, whereParams)})`);
  }

  const joins: string[] = [];
  const joinParams: Params = [];
  const order: string[] = [];
  let sawCreation = false;
  let sawId = false;
  (spec.orderBy ?? []).forEach((o, i) => {
    const dir = o.ascending === false ? 'DESC' : 'ASC';
    const field = o.fieldName ?? '';
    const dot = field.indexOf('.');
    if (dot < 0) {
      const col = column(field, 'order_by field name');
      if (col === 'creation_timestamp_ms') sawCreation = true;
      if (col === 'model_id') sawId = true;
      order.push(`(lm.${col} IS NULL) ASC`, `lm.${col} ${dir}`);
      return;
    }
    if (field.slice(0, dot) !== 'metrics') throw invalid(`Invalid order by field name: ${field}. Only metrics are supported.`, 'order_by');
    // The model's latest point of that metric (on the given data set, if any), as MLflow ranks them.
    const alias = `o${i}`;
    const conds = ['metric_name = ?'];
    joinParams.push(field.slice(dot + 1));
    if (o.datasetName) {
      conds.push('dataset_name = ?');
      joinParams.push(o.datasetName);
    }
    if (o.datasetDigest) {
      conds.push('dataset_digest = ?');
      joinParams.push(o.datasetDigest);
    }
    joins.push(
      `LEFT JOIN (SELECT model_id, metric_value, ROW_NUMBER() OVER (PARTITION BY model_id ` +
        `ORDER BY metric_timestamp_ms DESC, metric_step DESC, run_id ASC) AS rn FROM logged_model_metrics ` +
        `WHERE ${conds.join(' AND ')}) ${alias} ON ${alias}.model_id = lm.model_id AND ${alias}.rn = 1`,
    );
    order.push(`(${alias}.metric_value IS NULL) ASC`, `${alias}.metric_value ${dir}`);
  });
  if (!sawCreation) order.push('lm.creation_timestamp_ms DESC');
  if (!sawId) order.push('lm.model_id ASC');

  const sql = `SELECT lm.* FROM logged_models lm ${joins.join(' ')} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`;
  return { sql, params: [...joinParams, ...whereParams, spec.limit, spec.offset] };
}
