/**
 * The identifiers each search grammar accepts: entity prefixes with their aliases, and the
 * attribute keys with their canonical names (mlflow/utils/search_utils.py). Runs and experiments
 * differ here, and nowhere else in the parser.
 */

import type { Entity } from './ast.ts';
import { fail } from './tokenizer.ts';

/** A resolved attribute: its canonical name and whether it compares as a number. */
export interface AttributeSpec {
  key: string;
  numeric: boolean;
}

/** The vocabulary of one search grammar. */
export interface SearchVocabulary {
  /** Entity for a prefix; `undefined` prefix means a bare attribute name. */
  prefixes: ReadonlyMap<string, Entity>;
  /** Prefixes listed in "expected one of" messages. */
  prefixNames: readonly string[];
  filterAttributes: ReadonlyMap<string, AttributeSpec>;
  orderAttributes: ReadonlyMap<string, AttributeSpec>;
  /** Dataset keys; empty when the grammar has no dataset entity. */
  datasetKeys: ReadonlySet<string>;
  /** Attributes whose operators differ from the string/numeric defaults (the IN-list keys). */
  attributeOperators: ReadonlyMap<string, readonly string[]>;
}

const str = (key: string): AttributeSpec => ({ key, numeric: false });
const num = (key: string): AttributeSpec => ({ key, numeric: true });

const RUN_ATTRIBUTES = new Map<string, AttributeSpec>([
  ['run_id', str('run_id')],
  ['run_name', str('run_name')],
  ['run name', str('run_name')],
  ['Run name', str('run_name')],
  ['Run Name', str('run_name')],
  ['user_id', str('user_id')],
  ['status', str('status')],
  ['artifact_uri', str('artifact_uri')],
  ['start_time', num('start_time')],
  ['end_time', num('end_time')],
  ['created', num('start_time')],
  ['Created', num('start_time')],
]);

/** Run search: metrics, params, tags, attributes (the default) and datasets. */
export const RUN_VOCABULARY: SearchVocabulary = {
  prefixes: new Map<string, Entity>([
    ['metric', 'metric'],
    ['metrics', 'metric'],
    ['parameter', 'param'],
    ['parameters', 'param'],
    ['param', 'param'],
    ['params', 'param'],
    ['tag', 'tag'],
    ['tags', 'tag'],
    ['attribute', 'attribute'],
    ['attributes', 'attribute'],
    ['attr', 'attribute'],
    ['run', 'attribute'],
    ['dataset', 'dataset'],
    ['datasets', 'dataset'],
  ]),
  prefixNames: ['metrics', 'params', 'tags', 'attributes', 'datasets'],
  filterAttributes: RUN_ATTRIBUTES,
  orderAttributes: RUN_ATTRIBUTES,
  datasetKeys: new Set(['name', 'digest', 'context']),
  // IN lists exist only for run_id: MLflow uses them to fetch runs by id in one query.
  attributeOperators: new Map([['run_id', ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']]]),
};

/** Experiment search: attributes (the default) and tags only. */
export const EXPERIMENT_VOCABULARY: SearchVocabulary = {
  prefixes: new Map<string, Entity>([
    ['attribute', 'attribute'],
    ['tag', 'tag'],
    ['tags', 'tag'],
  ]),
  prefixNames: ['attribute', 'tag', 'tags'],
  filterAttributes: new Map([
    ['name', str('name')],
    // Compared as a string in the filter, as an integer in the store (MLflow 3.17+).
    ['experiment_id', str('experiment_id')],
    ['creation_time', num('creation_time')],
    ['last_update_time', num('last_update_time')],
  ]),
  orderAttributes: new Map([
    ['name', str('name')],
    ['experiment_id', num('experiment_id')],
    ['creation_time', num('creation_time')],
    ['last_update_time', num('last_update_time')],
  ]),
  datasetKeys: new Set(),
  attributeOperators: new Map([['experiment_id', ['=', '!=', 'IN', 'NOT IN']]]),
};

/** A resolved identifier: entity, canonical key, and for attributes whether it is numeric. */
export interface ResolvedName {
  entity: Entity;
  key: string;
  numeric: boolean;
}

/**
 * Resolves `prefix.key` (or a bare attribute) against `vocab`. `attributes` picks the filter or
 * order_by attribute set. Errors name the source text and the position.
 */
export function resolveName(
  vocab: SearchVocabulary,
  attributes: ReadonlyMap<string, AttributeSpec>,
  prefix: string | undefined,
  key: string,
  pos: number,
  ctx: { what: string; src: string; field: string },
): ResolvedName {
  // A backticked prefix (`params`.x) arrives here already unquoted, as MLflow trims backticks.
  const entity = prefix === undefined ? 'attribute' : vocab.prefixes.get(prefix);
  if (entity === undefined) {
    fail(ctx.what, ctx.src, ctx.field, `invalid entity type '${prefix}' at position ${pos}; expected one of ${vocab.prefixNames.join(', ')}`);
  }
  if (key === '') fail(ctx.what, ctx.src, ctx.field, `empty key at position ${pos}`);
  if (entity === 'attribute') {
    const spec = attributes.get(key);
    if (!spec) {
      const valid = [...attributes.keys()].join(', ');
      fail(ctx.what, ctx.src, ctx.field, `invalid attribute key '${key}' at position ${pos}; valid keys are ${valid}`);
    }
    return { entity, key: spec.key, numeric: spec.numeric };
  }
  if (entity === 'dataset' && !vocab.datasetKeys.has(key)) {
    fail(ctx.what, ctx.src, ctx.field, `invalid dataset key '${key}' at position ${pos}; valid keys are ${[...vocab.datasetKeys].join(', ')}`);
  }
  return { entity, key, numeric: entity === 'metric' };
}
