/**
 * Translates parsed search filters and order_by clauses into parameterised SQLite queries. User
 * values only ever travel as bound parameters; the SQL text holds nothing but fixed column names
 * chosen from the maps below.
 *
 * Semantics follow MLflow's SQL store: a comparison on a metric/param/tag only matches runs that
 * have that key (so `params.x != 'a'` skips runs without `x`), metrics compare their latest value,
 * LIKE is case-sensitive, ILIKE is not, and in ordering missing values (and NaN metrics) sort last
 * whatever the direction.
 */

import { invalid } from '../errors.ts';
import type { Comparison, OrderBy } from '../search/index.ts';
import type { LifecycleStage, ViewType } from '../types.ts';
import type { Params } from './database.ts';

export interface SqlQuery {
  sql: string;
  params: Params;
}

const RUN_COLUMNS: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  user_id: 'r.user_id',
  status: 'r.status',
  artifact_uri: 'r.artifact_uri',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

const EXPERIMENT_COLUMNS: Record<string, string> = {
  name: 'e.name',
  experiment_id: 'e.experiment_id',
  creation_time: 'e.creation_time',
  last_update_time: 'e.last_update_time',
};

/** The lifecycle stages a view type selects. */
export function stagesFor(view: ViewType): LifecycleStage[] {
  if (view === 'ALL') return ['active', 'deleted'];
  return view === 'DELETED_ONLY' ? ['deleted'] : ['active'];
}

/** The run columns every search returns, in the shape {@link RunRow} reads. */
export const RUN_SELECT =
  'r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage';

function column(map: Record<string, string>, key: string): string {
  const col = Object.hasOwn(map, key) ? map[key] : undefined;
  // The parser only lets known attributes through; reaching here means the two lists diverged.
  if (col === undefined) throw invalid(`Unsupported attribute '${key}'`, 'filter');
  return col;
}

/**
 * LIKE pattern → GLOB pattern. GLOB is SQLite's case-sensitive matcher; `%`/`_` become `*`/`?`,
 * and GLOB's own wildcards are bracketed so they match literally. MLflow's LIKE has no ESCAPE.
 */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

/** `col <op> ?` for a string or numeric operator, pushing the bound value. */
export function compare(col: string, op: string, value: string | number, params: Params): string {
  switch (op) {
    case 'LIKE':
      params.push(likeToGlob(String(value)));
      return `${col} GLOB ?`;
    case 'ILIKE':
      params.push(likeToGlob(String(value).toLowerCase()));
      return `mlflow_lower(${col}) GLOB ?`;
    case '=':
    case '!=':
    case '>':
    case '>=':
    case '<':
    case '<=':
      params.push(value);
      return `${col} ${op} ?`;
    default:
      throw invalid(`Unsupported operator '${op}'`, 'filter');
  }
}

function runCondition(c: Comparison, params: Params): string {
  switch (c.entity) {
    case 'metric': {
      params.push(c.key);
      // A NaN is stored as 0; IEEE semantics make it unequal to everything and nothing else.
      if (c.op === '!=') {
        params.push(c.value);
        return 'EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid AND m.key = ? AND (m.is_nan = 1 OR m.value != ?))';
      }
      const cmp = compare('m.value', c.op, c.value, params);
      return `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid AND m.key = ? AND m.is_nan = 0 AND ${cmp})`;
    }
    case 'param':
    case 'tag': {
      const table = c.entity === 'param' ? 'params' : 'tags';
      params.push(c.key);
      if (c.op === 'IS NULL') return `NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ?)`;
      if (!('value' in c)) return `EXISTS (SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ?)`;
      const cmp = compare('x.value', c.op, c.value, params);
      return `EXISTS (SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ? AND ${cmp})`;
    }
    case 'attribute': {
      const col = column(RUN_COLUMNS, c.key);
      if ('values' in c) {
        params.push(JSON.stringify(c.values));
        return `${col} ${c.op} (SELECT value FROM json_each(?))`;
      }
      return compare(col, c.op, c.value, params);
    }
    case 'dataset':
      return datasetCondition(c, params);
  }
}

/**
 * `datasets.name|digest|context`: the run has a data set input that satisfies the comparison (so
 * `!=` and `NOT IN` match runs with any other data set, as in MLflow); `context` is the input's
 * `mlflow.data.context` tag.
 */
function datasetCondition(c: Extract<Comparison, { entity: 'dataset' }>, params: Params): string {
  let col: string;
  let join: string;
  if (c.key === 'context') {
    col = 't.value';
    join = "JOIN input_tags t ON t.input_uuid = i.input_uuid AND t.name = 'mlflow.data.context'";
  } else {
    col = c.key === 'name' ? 'd.name' : 'd.digest';
    join = 'JOIN datasets d ON d.dataset_uuid = i.source_id';
  }
  let cmp: string;
  if ('values' in c) {
    params.push(JSON.stringify(c.values));
    cmp = `${col} ${c.op} (SELECT value FROM json_each(?))`;
  } else {
    cmp = compare(col, c.op, c.value, params);
  }
  return (
    `EXISTS (SELECT 1 FROM inputs i ${join} WHERE i.destination_type = 'RUN' AND i.destination_id = r.run_uuid ` +
    `AND i.source_type = 'DATASET' AND ${cmp})`
  );
}

/** Options for {@link buildRunSearch}. */
export interface RunSearchSpec {
  experimentIds: number[];
  stages: string[];
  filter: Comparison[];
  orderBy: OrderBy[];
  limit: number;
  offset: number;
}

/** One page of run rows, ordered as MLflow orders them. */
export function buildRunSearch(spec: RunSearchSpec): SqlQuery {
  const joinParams: Params = [];
  const joins: string[] = [];
  const orderTerms: string[] = [];
  let sawStartTime = false;

  spec.orderBy.forEach((o, i) => {
    const dir = o.ascending ? 'ASC' : 'DESC';
    if (o.entity === 'attribute') {
      const col = column(RUN_COLUMNS, o.key);
      if (o.key === 'start_time') sawStartTime = true;
      orderTerms.push(`(${col} IS NULL) ASC`, `${col} ${dir}`);
      return;
    }
    const alias = `o${i}`;
    const table = o.entity === 'metric' ? 'latest_metrics' : o.entity === 'param' ? 'params' : 'tags';
    joins.push(`LEFT JOIN ${table} ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${alias}.key = ?`);
    joinParams.push(o.key);
    if (o.entity === 'metric') {
      // Real values first, then NaN, then runs without the metric (MLflow's CASE ordering).
      orderTerms.push(`(CASE WHEN ${alias}.is_nan = 1 THEN 1 WHEN ${alias}.value IS NULL THEN 2 ELSE 0 END) ASC`);
    } else {
      orderTerms.push(`(${alias}.value IS NULL) ASC`);
    }
    orderTerms.push(`${alias}.value ${dir}`);
  });
  if (!sawStartTime) orderTerms.push('r.start_time DESC');
  orderTerms.push('r.run_uuid ASC');

  const whereParams: Params = [JSON.stringify(spec.experimentIds), JSON.stringify(spec.stages)];
  const where = [
    'r.experiment_id IN (SELECT value FROM json_each(?))',
    'r.lifecycle_stage IN (SELECT value FROM json_each(?))',
  ];
  for (const c of spec.filter) where.push(runCondition(c, whereParams));

  const sql =
    `SELECT ${RUN_SELECT} FROM runs r ${joins.join(' ')} WHERE ${where.join(' AND ')} ` +
    `ORDER BY ${orderTerms.join(', ')} LIMIT ? OFFSET ?`;
  return { sql, params: [...joinParams, ...whereParams, spec.limit, spec.offset] };
}

/** An experiment id filter value as the integer column holds it; ids too large match nothing. */
function experimentIdValue(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw invalid(`Invalid experiment ID '${value}'. Experiment ID must be a valid integer.`, 'filter');
  }
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : -1;
}

function experimentCondition(c: Comparison, params: Params): string {
  if (c.entity === 'tag') {
    params.push(c.key);
    if (c.op === 'IS NULL') return 'NOT EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ?)';
    if (!('value' in c)) return 'EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ?)';
    const cmp = compare('t.value', c.op, c.value, params);
    return `EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ? AND ${cmp})`;
  }
  if (c.entity === 'attribute' && c.key === 'experiment_id') {
    if ('values' in c) {
      params.push(JSON.stringify(c.values.map(experimentIdValue)));
      return `e.experiment_id ${c.op} (SELECT value FROM json_each(?))`;
    }
    if ('value' in c) return compare('e.experiment_id', c.op, experimentIdValue(String(c.value)), params);
  }
  if (c.entity === 'attribute' && 'value' in c) {
    return compare(column(EXPERIMENT_COLUMNS, c.key), c.op, c.value, params);
  }
  throw invalid(`Unsupported experiment filter on ${c.entity} '${c.key}'`, 'filter');
}

/** Options for {@link buildExperimentSearch}. */
export interface ExperimentSearchSpec {
  stages: string[];
  filter: Comparison[];
  orderBy: OrderBy[];
  limit: number;
  offset: number;
}

/** One page of experiment rows; default order `creation_time DESC, experiment_id ASC`. */
export function buildExperimentSearch(spec: ExperimentSearchSpec): SqlQuery {
  const params: Params = [JSON.stringify(spec.stages)];
  const where = ['e.lifecycle_stage IN (SELECT value FROM json_each(?))'];
  for (const c of spec.filter) where.push(experimentCondition(c, params));

  const order: OrderBy[] =
    spec.orderBy.length > 0
      ? [...spec.orderBy]
      : [
          { entity: 'attribute', key: 'creation_time', ascending: false },
          { entity: 'attribute', key: 'experiment_id', ascending: true },
        ];
  if (!order.some((o) => o.key === 'experiment_id')) {
    order.push({ entity: 'attribute', key: 'experiment_id', ascending: false });
  }
  const terms = order.map((o) => `${column(EXPERIMENT_COLUMNS, o.key)} ${o.ascending ? 'ASC' : 'DESC'}`);
  const sql =
    'SELECT e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time ' +
    `FROM experiments e WHERE ${where.join(' AND ')} ORDER BY ${terms.join(', ')} LIMIT ? OFFSET ?`;
  return { sql, params: [...params, spec.limit, spec.offset] };
}
