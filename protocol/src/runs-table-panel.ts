/**
 * Messages between the extension and the Runs table panel (issue 6): one row per run of an
 * experiment, loaded page by page in the background. Both directions are validated on arrival
 * with these schemas: strict (extra keys fail) and bounded (strings, arrays, records), so a
 * malformed or huge message is refused by `safeParse`, never thrown on. Row values are user data
 * (run names, params, tags, metric keys) that the page renders as text only.
 */
import { z } from 'zod';
import { RunStatusNameSchema } from './params.ts';
import { TenantIdSchema as TenantId } from './settings.ts';

/** The `viewType` of the Runs table panel (also its serializer's key). */
export const RUNS_TABLE_VIEW_TYPE = 'matih.runsTable';
/** Rows per `rows` message (the daemon's page size limit too). */
export const RUNS_TABLE_MAX_ROWS_PER_MESSAGE = 5000;
/** Keys of one kind (params, metrics or tags) one row or one column list carries at most. */
export const RUNS_TABLE_MAX_KEYS = 2000;
/** Param and tag values are cut to this many characters for the table (Run details shows them whole). */
export const RUNS_TABLE_MAX_VALUE = 500;
/** Runs one "compare" message names at most (the Compare panel's limit). */
export const RUNS_TABLE_MAX_COMPARE = 100;

const RunId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'must be a run id');
const ExperimentId = z.string().regex(/^\d{1,19}$/, 'must be a numeric experiment id');
const Key = z.string().min(1).max(250);
const EpochMs = z.number().min(0).max(8.64e15);
const Generation = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A record of at most `RUNS_TABLE_MAX_KEYS` entries with bounded keys. */
function boundedRecord<T extends z.ZodType>(value: T) {
  return z.record(Key, value).refine((r) => Object.keys(r).length <= RUNS_TABLE_MAX_KEYS, {
    message: `at most ${RUNS_TABLE_MAX_KEYS} keys`,
  });
}

/** The run attributes the table has a column for. */
export const RunsTableAttribute = z.enum(['name', 'status', 'start', 'end', 'duration', 'user']);
export type RunsTableAttribute = z.infer<typeof RunsTableAttribute>;

/** A column: an attribute, or one key of the runs' params, latest metrics or tags. */
export const RunsTableColumn = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('attr'), key: RunsTableAttribute }),
  z.strictObject({ kind: z.literal('param'), key: Key }),
  z.strictObject({ kind: z.literal('metric'), key: Key }),
  z.strictObject({ kind: z.literal('tag'), key: Key }),
]);
export type RunsTableColumn = z.infer<typeof RunsTableColumn>;

/** The column the rows are sorted by. */
export const RunsTableSort = z.strictObject({ column: RunsTableColumn, descending: z.boolean() });
export type RunsTableSort = z.infer<typeof RunsTableSort>;

/** What the table shows: an MLflow filter (empty: all runs) and a sort (null: newest first). */
export const RunsTableQuery = z.strictObject({
  filter: z.string().max(4000),
  sort: RunsTableSort.nullable(),
});
export type RunsTableQuery = z.infer<typeof RunsTableQuery>;

const ORDER_ATTRIBUTES: Partial<Record<RunsTableAttribute, string>> = {
  name: 'attributes.run_name',
  status: 'attributes.status',
  start: 'attributes.start_time',
  end: 'attributes.end_time',
};
const ORDER_PREFIXES = { param: 'params', metric: 'metrics', tag: 'tags' } as const;

/**
 * The MLflow `order_by` clause the daemon sorts by for this sort, or undefined when MLflow cannot
 * order by the column (duration and user are derived values; a key holding a backtick cannot be
 * quoted portably): then the page sorts the rows it has loaded.
 */
export function orderByFor(sort: RunsTableSort | null): string | undefined {
  if (sort === null) return undefined;
  const { column } = sort;
  let name: string | undefined;
  if (column.kind === 'attr') name = ORDER_ATTRIBUTES[column.key];
  else if (!column.key.includes('`')) name = `${ORDER_PREFIXES[column.kind]}.\`${column.key}\``;
  return name === undefined ? undefined : `${name} ${sort.descending ? 'DESC' : 'ASC'}`;
}

/** Which experiment a panel shows; kept in the page's state so a restored panel finds it again. */
export const RunsTableContext = z.strictObject({
  tenant: TenantId,
  experimentId: ExperimentId,
  /** The experiment's display name (user data: shown as text). */
  experimentName: z.string().max(1000),
});
export type RunsTableContext = z.infer<typeof RunsTableContext>;

/** One run as a table row: epoch-ms times, values cut to `RUNS_TABLE_MAX_VALUE`. */
export const RunsTableRow = z.strictObject({
  id: RunId,
  name: z.string().max(1000).nullable(),
  status: RunStatusNameSchema,
  archived: z.boolean(),
  startTime: EpochMs,
  endTime: EpochMs.nullable(),
  user: z.string().max(1000).nullable(),
  params: boundedRecord(z.string().max(RUNS_TABLE_MAX_VALUE)),
  /** Latest value per key; null for NaN. */
  metrics: boundedRecord(z.number().nullable()),
  tags: boundedRecord(z.string().max(RUNS_TABLE_MAX_VALUE)),
});
export type RunsTableRow = z.infer<typeof RunsTableRow>;

const KeyList = z.array(Key).max(RUNS_TABLE_MAX_KEYS);

/** Extension → Runs table webview. */
export const RunsTableToWebview = z.discriminatedUnion('type', [
  /** After `ready`: which experiment, and the query the panel shows (the page adopts it). */
  z.strictObject({ type: z.literal('init'), context: RunsTableContext, query: RunsTableQuery }),
  /** A new load starts (new query, reload, or a page shown again): drop the rows held. */
  z.strictObject({ type: z.literal('reset'), generation: Generation, query: RunsTableQuery }),
  /** A page of rows of load `generation`, with the column keys it holds; `done`: no more pages. */
  z.strictObject({
    type: z.literal('rows'),
    generation: Generation,
    rows: z.array(RunsTableRow).max(RUNS_TABLE_MAX_ROWS_PER_MESSAGE),
    columns: z.strictObject({ params: KeyList, metrics: KeyList, tags: KeyList }),
    done: z.boolean(),
  }),
  /** Loading stopped with this error (shown as text); the rows so far stay. */
  z.strictObject({ type: z.literal('loadError'), generation: Generation, message: z.string().max(2000) }),
  /** The answer to `validateFilter` (and to a `query` whose filter the daemon refused). */
  z.strictObject({ type: z.literal('filterStatus'), filter: z.string().max(4000), ok: z.boolean(), message: z.string().max(2000).optional() }),
]);
export type RunsTableToWebview = z.infer<typeof RunsTableToWebview>;

/** Runs table webview → extension. */
export const RunsTableFromWebview = z.discriminatedUnion('type', [
  /** The page's script runs and listens; `query` is the one it restored from its state, if any. */
  z.strictObject({ type: z.literal('ready'), query: RunsTableQuery.optional() }),
  /** Show the runs matching this query (the filter is checked first). */
  z.strictObject({ type: z.literal('query'), query: RunsTableQuery }),
  /** Check a filter while the user types; answered by `filterStatus`. */
  z.strictObject({ type: z.literal('validateFilter'), filter: z.string().max(4000) }),
  /** Load the rows again. */
  z.strictObject({ type: z.literal('reload') }),
  /** Open Run details (Enter or double-click on a row). */
  z.strictObject({ type: z.literal('openRun'), runId: RunId }),
  /** Open Compare Runs on the selected rows. */
  z.strictObject({ type: z.literal('compare'), runIds: z.array(RunId).min(2).max(RUNS_TABLE_MAX_COMPARE) }),
]);
export type RunsTableFromWebview = z.infer<typeof RunsTableFromWebview>;

/** Column choices the user made: which columns show (over the defaults) and which are pinned left. */
export const RunsTableLayout = z.strictObject({
  /** Column ids (`kind:key`) shown or hidden against the default; later entries win. */
  visibility: z.array(z.tuple([z.string().min(1).max(260), z.boolean()])).max(RUNS_TABLE_MAX_KEYS),
  /** Pinned column ids, in order; they stay left while the table scrolls sideways. */
  pinned: z.array(z.string().min(1).max(260)).max(50),
});
export type RunsTableLayout = z.infer<typeof RunsTableLayout>;

/** What the page keeps with `setState`, and what the serializer gets back after a reload. */
export const RunsTablePanelState = z.object({
  context: RunsTableContext,
  query: RunsTableQuery,
  layout: RunsTableLayout,
  /** Selected run ids (the first 1000), so a restored table keeps them. */
  selected: z.array(RunId).max(1000),
  scrollTop: z.number().min(0).max(1e9),
});
export type RunsTablePanelState = z.infer<typeof RunsTablePanelState>;
