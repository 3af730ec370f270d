/**
 * The parsed form of MLflow search filters and order_by clauses. Parsing resolves every alias
 * (`params` → `param`, `created` → `start_time`, ...), so a backend only ever sees canonical names
 * and never re-reads the user's text.
 */

/** What a filter or order_by key refers to. */
export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export type NumericOperator = '=' | '!=' | '>' | '>=' | '<' | '<=';
export type StringOperator = '=' | '!=' | 'LIKE' | 'ILIKE';
export type ListOperator = 'IN' | 'NOT IN';
export type NullOperator = 'IS NULL' | 'IS NOT NULL';
export type Operator = NumericOperator | StringOperator | ListOperator | NullOperator;

/** Run attributes compared as strings, in canonical form. */
export type RunStringAttribute = 'run_id' | 'run_name' | 'user_id' | 'status' | 'artifact_uri';
/** Run attributes compared as numbers (epoch ms); `created` is an alias of `start_time`. */
export type RunNumericAttribute = 'start_time' | 'end_time';
export type ExperimentStringAttribute = 'name';
export type ExperimentNumericAttribute = 'creation_time' | 'last_update_time';

/** One comparison of a filter; a filter is the AND of its comparisons. */
export type Comparison =
  | { entity: 'metric'; key: string; op: NumericOperator; value: number }
  | { entity: 'param' | 'tag'; key: string; op: StringOperator; value: string }
  | { entity: 'param' | 'tag'; key: string; op: NullOperator }
  | { entity: 'attribute'; key: string; op: NumericOperator; value: number; numeric: true }
  | { entity: 'attribute'; key: string; op: StringOperator; value: string; numeric: false }
  | { entity: 'attribute'; key: string; op: ListOperator; values: string[]; numeric: false }
  | { entity: 'dataset'; key: string; op: StringOperator; value: string }
  | { entity: 'dataset'; key: string; op: ListOperator; values: string[] };

/** One order_by item. */
export interface OrderBy {
  entity: Entity;
  key: string;
  ascending: boolean;
}
