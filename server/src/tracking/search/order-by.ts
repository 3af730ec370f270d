/**
 * Parses order_by items (`metrics.acc DESC`, `name`) into {@link OrderBy}s. Direction keywords are
 * case-insensitive and ASC is the default, as in MLflow.
 */

import type { OrderBy } from './ast.ts';
import { EXPERIMENT_VOCABULARY, RUN_VOCABULARY, resolveName } from './names.ts';
import type { SearchVocabulary } from './names.ts';
import { fail, tokenize } from './tokenizer.ts';

function parseOne(item: string, vocab: SearchVocabulary): OrderBy {
  const ctx = { what: 'order_by clause', src: item, field: 'order_by' };
  const tokens = tokenize(item, ctx.what, ctx.field);
  const [name, dir, rest] = tokens;
  if (!name || name.kind !== 'name') {
    fail(ctx.what, item, ctx.field, `expected a key such as metrics.<name> at position ${name?.pos ?? 0}`);
  }
  const resolved = resolveName(vocab, vocab.orderAttributes, name.prefix, name.key, name.pos, ctx);
  let ascending = true;
  if (dir && dir.kind === 'keyword' && (dir.value === 'ASC' || dir.value === 'DESC')) {
    ascending = dir.value === 'ASC';
    if (rest && rest.kind !== 'end') fail(ctx.what, item, ctx.field, `unexpected token '${rest.text}' at position ${rest.pos}`);
  } else if (dir && dir.kind !== 'end') {
    fail(ctx.what, item, ctx.field, `expected ASC or DESC at position ${dir.pos}, found '${dir.text}'`);
  }
  if (resolved.entity === 'dataset') fail(ctx.what, item, ctx.field, 'ordering by dataset fields is not supported');
  return { entity: resolved.entity, key: resolved.key, ascending };
}

function parseAll(items: readonly string[] | undefined, vocab: SearchVocabulary): OrderBy[] {
  const out: OrderBy[] = [];
  const seen = new Set<string>();
  for (const item of items ?? []) {
    const clause = parseOne(item, vocab);
    const id = `${clause.entity}\u0000${clause.key}`;
    if (seen.has(id)) fail('order_by', (items ?? []).join(', '), 'order_by', `duplicate field '${item}'`);
    seen.add(id);
    out.push(clause);
  }
  return out;
}

/** Run order_by: metrics/params/tags of any key, or run_id, run_name, user_id, status, start_time, end_time, artifact_uri, created. */
export function parseRunOrderBy(items: readonly string[] | undefined): OrderBy[] {
  return parseAll(items, RUN_VOCABULARY);
}

/** Experiment order_by: name, experiment_id, creation_time or last_update_time; tags cannot be ordered on. */
export function parseExperimentOrderBy(items: readonly string[] | undefined): OrderBy[] {
  const clauses = parseAll(items, EXPERIMENT_VOCABULARY);
  for (const c of clauses) {
    if (c.entity !== 'attribute') {
      fail('order_by', (items ?? []).join(', '), 'order_by', `experiments can only be ordered by ${[...EXPERIMENT_VOCABULARY.orderAttributes.keys()].join(', ')}`);
    }
  }
  return clauses;
}
