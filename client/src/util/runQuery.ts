/**
 * The per-experiment run query: an MLflow filter plus an order. The filter is checked by the
 * daemon (`Validate.runFilter`); the order is checked here, since the daemon has no request for
 * it, with the grammar's shape (key, optional ASC/DESC) so typos surface while typing.
 */

export interface RunQuery {
  /** MLflow filter syntax, e.g. `metrics.accuracy > 0.9 and params.model = 'xgboost'`. */
  filter?: string;
  /** e.g. `['metrics.accuracy DESC']`; absent means the daemon's default, newest first. */
  orderBy?: string[];
}

export interface OrderChoice {
  label: string;
  description: string;
  /** `undefined` is the default order. */
  orderBy: string[] | undefined;
}

/** Run attributes MLflow orders by without a prefix. */
const RUN_ATTRIBUTES = new Set([
  'run_id',
  'run_name',
  'user_id',
  'status',
  'start_time',
  'end_time',
  'artifact_uri',
  'created',
]);
const PREFIXES = ['metrics.', 'metric.', 'params.', 'param.', 'parameters.', 'tags.', 'tag.', 'attributes.', 'attribute.', 'attr.', 'run.'];

export function isFiltered(query: RunQuery): boolean {
  return (query.filter ?? '') !== '' || (query.orderBy?.length ?? 0) > 0;
}

/** The query as the experiment's tree description: `filter: metrics.acc > 0.9 · order: metrics.acc DESC`. */
export function describeQuery(query: RunQuery): string | undefined {
  const parts: string[] = [];
  if (query.filter !== undefined && query.filter !== '') parts.push(`filter: ${query.filter}`);
  if (query.orderBy !== undefined && query.orderBy.length > 0) parts.push(`order: ${query.orderBy.join(', ')}`);
  return parts.length === 0 ? undefined : parts.join(' · ');
}

/** Quoting a key MLflow-style when it holds characters the grammar would split on. */
function quoteKey(key: string): string {
  return /^[\w.]+$/.test(key) ? key : `\`${key}\``;
}

/**
 * The choices of the "Order Runs" quick pick: the common orders, then best/worst by every
 * metric the loaded runs have (the keys an engineer actually logs), so ordering by accuracy is
 * two clicks rather than typing a clause.
 */
export function orderChoices(metricKeys: Iterable<string>): OrderChoice[] {
  const choices: OrderChoice[] = [
    { label: 'Newest first', description: 'start_time DESC (default)', orderBy: undefined },
    { label: 'Oldest first', description: 'start_time ASC', orderBy: ['start_time ASC'] },
    { label: 'Name', description: 'run_name ASC', orderBy: ['run_name ASC'] },
    { label: 'Status', description: 'status ASC', orderBy: ['status ASC', 'start_time DESC'] },
  ];
  for (const key of [...new Set(metricKeys)].sort()) {
    const column = `metrics.${quoteKey(key)}`;
    choices.push({ label: `${key} — highest first`, description: `${column} DESC`, orderBy: [`${column} DESC`] });
    choices.push({ label: `${key} — lowest first`, description: `${column} ASC`, orderBy: [`${column} ASC`] });
  }
  return choices;
}

/** Splits on commas outside backticks and quotes, since quoted keys may contain commas. */
function splitClauses(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of text) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '`' || ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ',') {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}

export type ParsedOrder = { ok: true; orderBy: string[] | undefined } | { ok: false; message: string };

/**
 * Reads a typed order: `metrics.acc DESC, start_time`. Empty means the default order. Each
 * clause is a prefixed key (`metrics.`, `params.`, `tags.`, `attributes.`) or a run attribute,
 * optionally followed by ASC or DESC.
 */
export function parseOrderBy(text: string): ParsedOrder {
  if (text.trim() === '') return { ok: true, orderBy: undefined };
  const clauses: string[] = [];
  for (const raw of splitClauses(text)) {
    const clause = raw.trim();
    if (clause === '') return { ok: false, message: 'Empty clause: remove the extra comma' };
    const match = /^(.+?)(?:\s+(asc|desc))?$/i.exec(clause);
    const key = match?.[1]?.trim() ?? '';
    const lower = key.toLowerCase();
    const prefixed = PREFIXES.some((p) => lower.startsWith(p) && key.length > p.length);
    if (!prefixed && !RUN_ATTRIBUTES.has(lower)) {
      return {
        ok: false,
        message: `"${key}" is not a column: use metrics.<key>, params.<key>, tags.<key> or one of ${[...RUN_ATTRIBUTES].join(', ')}`,
      };
    }
    if (/\s/.test(key) && !/[`"']/.test(key)) {
      return { ok: false, message: `"${key}" has a space: quote the key with backticks` };
    }
    const direction = match?.[2]?.toUpperCase();
    clauses.push(direction === undefined ? key : `${key} ${direction}`);
  }
  return { ok: true, orderBy: clauses };
}
