/**
 * The parameters of every request, as zod schemas (the daemon validates with them) and as types
 * (`z.input`, what the extension sends). Objects are strict: an unknown field is refused and
 * named, so a typo never silently does nothing. Limits follow the v1 REST API.
 */
import { z } from 'zod';
import { BackendCredentialsSchema, TenantIdSchema } from './settings.ts';

const MAX_TAGS = 100;

/** Experiment ids are numeric strings in both the embedded store and MLflow. */
const ExperimentId = z.string().regex(/^\d{1,19}$/, 'must be a numeric experiment id');
/** MLflow run ids: 32 hex characters; other stores' ids follow MLflow's run id rule. */
const RunId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'must be a run id');
const PageToken = z.string().min(1).max(200);
const MaxResults = z.number().int().min(1).max(1000);
const Filter = z.string().max(4000);
const OrderBy = z.array(z.string().min(1).max(500)).max(10);
const TagKey = z.string().min(1).max(250);
const tagMap = <V extends z.ZodType>(value: V) =>
  z.record(TagKey, value).refine((m) => Object.keys(m).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} tags per request` });

const Tenant = { tenant: TenantIdSchema };

// --- Daemon -------------------------------------------------------------------------------------

export const EmptyParams = z.strictObject({}).nullish().transform(() => ({}));
export type EmptyParams = z.input<typeof EmptyParams>;

export const SetCredentialsParams = z.strictObject({ credentials: BackendCredentialsSchema });
export type SetCredentialsParams = z.input<typeof SetCredentialsParams>;

export const TestConnectionParams = z.strictObject({
  /** The MLflow tracking server to try, an http(s) URL. */
  uri: z.string().min(1).max(2048),
  /** Omitted: the credentials the daemon holds (from `setCredentials`). */
  credentials: BackendCredentialsSchema.optional(),
  /** How long to wait for an answer; default 5000 ms. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
});
export type TestConnectionParams = z.input<typeof TestConnectionParams>;

// --- Tenants ------------------------------------------------------------------------------------

export const TenantsListParams = z
  .strictObject({
    /** Tenants to show even when the backend holds nothing of theirs; default the settings' tenants. */
    configured: z.array(TenantIdSchema).max(1000).optional(),
  })
  .nullish()
  .transform((p) => p ?? {});
export type TenantsListParams = z.input<typeof TenantsListParams>;

// --- Experiments --------------------------------------------------------------------------------

export const ExperimentsListParams = z.strictObject({
  ...Tenant,
  /** Include archived (deleted) experiments. */
  showArchived: z.boolean().default(false),
  /** MLflow experiment filter syntax over plain names, e.g. `name LIKE 'churn%'`. */
  filter: Filter.optional(),
  /** e.g. `['name ASC']`; default as MLflow (newest first). */
  orderBy: OrderBy.optional(),
  pageToken: PageToken.optional(),
  /** Default 100. */
  maxResults: MaxResults.default(100),
});
export type ExperimentsListParams = z.input<typeof ExperimentsListParams>;

export const ExperimentRef = z.strictObject({ ...Tenant, experimentId: ExperimentId });
export type ExperimentRef = z.input<typeof ExperimentRef>;

export const ExperimentsCreateParams = z.strictObject({
  ...Tenant,
  name: z.string().min(1).max(255),
  description: z.string().max(1000).optional(),
  tags: tagMap(z.string()).optional(),
});
export type ExperimentsCreateParams = z.input<typeof ExperimentsCreateParams>;

export const ExperimentsUpdateParams = z.strictObject({
  ...Tenant,
  experimentId: ExperimentId,
  name: z.string().min(1).max(255).optional(),
  /** "" removes the description. */
  description: z.string().max(1000).optional(),
  /** Tags to set; a null value removes the tag. */
  tags: tagMap(z.string().nullable()).optional(),
});
export type ExperimentsUpdateParams = z.input<typeof ExperimentsUpdateParams>;

// --- Runs ---------------------------------------------------------------------------------------

export const RunStatusNameSchema = z.enum(['running', 'scheduled', 'finished', 'failed', 'killed']);

export const RunsListParams = z.strictObject({
  ...Tenant,
  experimentId: ExperimentId,
  showArchived: z.boolean().default(false),
  /**
   * MLflow run filter syntax, e.g. `metrics.accuracy > 0.9 and params.model = 'xgboost'`; statuses
   * may be written in lowercase (`status = 'finished'`).
   */
  filter: Filter.optional(),
  /** e.g. `['metrics.accuracy DESC']`; default newest first. */
  orderBy: OrderBy.optional(),
  pageToken: PageToken.optional(),
  /** Default 100. */
  maxResults: MaxResults.default(100),
});
export type RunsListParams = z.input<typeof RunsListParams>;

export const RunRef = z.strictObject({ ...Tenant, runId: RunId });
export type RunRef = z.input<typeof RunRef>;

export const RunsCreateParams = z.strictObject({
  ...Tenant,
  experimentId: ExperimentId,
  name: z.string().min(1).max(250).optional(),
  tags: tagMap(z.string()).optional(),
});
export type RunsCreateParams = z.input<typeof RunsCreateParams>;

export const RunsUpdateParams = z.strictObject({
  ...Tenant,
  runId: RunId,
  name: z.string().min(1).max(250).optional(),
  /** A final status (finished, failed, killed) ends the run now. */
  status: RunStatusNameSchema.optional(),
});
export type RunsUpdateParams = z.input<typeof RunsUpdateParams>;

export const RunsSetTagParams = z.strictObject({ ...Tenant, runId: RunId, key: TagKey, value: z.string().max(8000) });
export type RunsSetTagParams = z.input<typeof RunsSetTagParams>;

export const RunsDeleteTagParams = z.strictObject({ ...Tenant, runId: RunId, key: TagKey });
export type RunsDeleteTagParams = z.input<typeof RunsDeleteTagParams>;

export const RunsMetricHistoryParams = z.strictObject({
  ...Tenant,
  runId: RunId,
  key: z.string().min(1).max(250),
  pageToken: PageToken.optional(),
  /** Default 10 000, at most 25 000 points per page. */
  maxResults: z.number().int().min(1).max(25_000).default(10_000),
});
export type RunsMetricHistoryParams = z.input<typeof RunsMetricHistoryParams>;

export const RunsCompareParams = z.strictObject({
  ...Tenant,
  runIds: z.array(RunId).min(1).max(100),
  /** Default: every metric any of the runs has. */
  metricKeys: z.array(z.string().min(1).max(250)).max(1000).optional(),
  /** The better direction per metric; keys not given are guessed from the name (loss → min). */
  directions: z.record(z.string(), z.enum(['min', 'max'])).default({}),
});
export type RunsCompareParams = z.input<typeof RunsCompareParams>;

// --- Validate -----------------------------------------------------------------------------------

export const FilterParams = z.strictObject({ filter: Filter });
export type FilterParams = z.input<typeof FilterParams>;
