/**
 * What the Runs table panel sends, built from the daemon's `Inspect.table` pages; pure, so unit
 * tested without the editor. Rows are cut to the panel's bounds (values, key counts) here, so a
 * run with huge params never makes the page refuse a whole page of rows.
 */
import {
  orderByFor,
  RUNS_TABLE_MAX_KEYS,
  RUNS_TABLE_MAX_VALUE,
} from '../../../protocol/src/index.ts';
import type { RunsTableQuery, RunsTableRow, RunsTableToWebview } from '../../../protocol/src/index.ts';
import type { RunRowView, RunsTableView } from '../../../protocol/src/inspect.ts';

/** Rows asked for in the first page (quick first paint), then in every later one. */
export const FIRST_PAGE_ROWS = 500;
export const PAGE_ROWS = 5000;
/** Rows one table loads at most; a narrower filter shows the rest. */
export const MAX_TABLE_ROWS = 100_000;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function boundedStrings(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [key, value] of Object.entries(record)) {
    if (n++ >= RUNS_TABLE_MAX_KEYS) break;
    if (key.length === 0 || key.length > 250) continue;
    out[key] = cut(value, RUNS_TABLE_MAX_VALUE);
  }
  return out;
}

function boundedNumbers(record: Record<string, number | null>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  let n = 0;
  for (const [key, value] of Object.entries(record)) {
    if (n++ >= RUNS_TABLE_MAX_KEYS) break;
    if (key.length === 0 || key.length > 250) continue;
    out[key] = value === null || !Number.isFinite(value) ? null : value;
  }
  return out;
}

const epoch = (ms: number): number => (Number.isFinite(ms) && ms > 0 ? Math.min(ms, 8.64e15) : 0);

/** One daemon row as the panel's row. */
export function toTableRow(row: RunRowView): RunsTableRow {
  return {
    id: row.id,
    name: row.name === null ? null : cut(row.name, 1000),
    status: row.status,
    archived: row.lifecycleStage === 'deleted',
    startTime: epoch(row.startTime),
    endTime: row.endTime === null ? null : epoch(row.endTime),
    user: row.user === null ? null : cut(row.user, 1000),
    params: boundedStrings(row.params),
    metrics: boundedNumbers(row.metrics),
    tags: boundedStrings(row.tags),
  };
}

/**
 * Rows per message to the page: the page validates each message on arrival (about 0.1 ms a row
 * without zod's JIT, which the CSP forbids), so smaller messages keep it free to scroll and
 * paint between them while a 5000-row daemon page arrives.
 */
export const ROWS_PER_MESSAGE = 1000;

/** A daemon page as the panel's `rows` messages, `ROWS_PER_MESSAGE` rows each; `done` on the last. */
export function toRowsMessages(generation: number, page: RunsTableView, done: boolean): Extract<RunsTableToWebview, { type: 'rows' }>[] {
  const messages: Extract<RunsTableToWebview, { type: 'rows' }>[] = [];
  for (let start = 0; start === 0 || start < page.rows.length; start += ROWS_PER_MESSAGE) {
    const end = start + ROWS_PER_MESSAGE;
    const last = end >= page.rows.length;
    messages.push(toRowsMessage(generation, { ...page, rows: page.rows.slice(start, end) }, done && last));
  }
  return messages;
}

/** A daemon page as one `rows` message. */
export function toRowsMessage(generation: number, page: RunsTableView, done: boolean): Extract<RunsTableToWebview, { type: 'rows' }> {
  const keys = (list: readonly string[]) => list.filter((k) => k.length > 0 && k.length <= 250).slice(0, RUNS_TABLE_MAX_KEYS);
  return {
    type: 'rows',
    generation,
    rows: page.rows.map(toTableRow),
    columns: { params: keys(page.columns.params), metrics: keys(page.columns.metrics), tags: keys(page.columns.tags) },
    done,
  };
}

/** True when `b` needs no new load after `a`: the same filter and the same daemon order. */
export function sameLoad(a: RunsTableQuery, b: RunsTableQuery): boolean {
  return a.filter.trim() === b.filter.trim() && orderByFor(a.sort) === orderByFor(b.sort);
}

/** The `Inspect.table` order for a query: the daemon's clause, or none (newest first). */
export function orderByOf(query: RunsTableQuery): string[] | undefined {
  const clause = orderByFor(query.sort);
  return clause === undefined ? undefined : [clause];
}
