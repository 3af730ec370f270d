import { z } from 'zod';

/**
 * The v1 API's bodies and answers, as the seed document defines them. The same schemas
 * validate requests and generate /api/v1/openapi.json, so the document cannot drift from the
 * code. Request objects are strict: an unknown field is an error that names it.
 */

const MAX_TAGS = 100;

const tagMap = (what: string) =>
  z
    .record(z.string(), z.string())
    .refine((m) => Object.keys(m).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} ${what} per request` });

/** Epoch milliseconds or an ISO-8601 date-time; both arrive as epoch milliseconds. */
export const Timestamp = z
  .union([z.number().int().nonnegative().max(8_640_000_000_000_000), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .describe('Epoch milliseconds or an ISO-8601 date-time');

/** JSON has no NaN or Infinity, so those travel as strings, as MLflow's JSON does. */
export const MetricValue = z
  .union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])])
  .transform((v) => (typeof v === 'number' ? v : Number(v)))
  .describe('A number, or "NaN", "Infinity", "-Infinity"');

export const ExperimentCreate = z.strictObject({
  name: z.string().min(1).max(255),
  description: z.string().max(1000).default(''),
  artifact_location: z.string().min(1).max(2048).nullish(),
  tags: tagMap('tags').default({}),
});

export const ExperimentUpdate = z.strictObject({
  name: z.string().min(1).max(255).optional(),
  description: z.string().max(1000).optional(),
  /** Tags to set; a null value removes that tag. */
  tags: z
    .record(z.string(), z.string().nullable())
    .refine((m) => Object.keys(m).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} tags per request` })
    .optional(),
});

export const ExperimentResponse = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  artifact_location: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
  created_at: z.string().describe('ISO-8601 UTC'),
  last_updated: z.string().describe('ISO-8601 UTC'),
  tags: z.record(z.string(), z.string()),
});

export const RunStatusName = z.enum(['running', 'scheduled', 'finished', 'failed', 'killed']);

export const RunCreate = z.strictObject({
  experiment_id: z.string().regex(/^\d{1,19}$/, 'must be a numeric experiment id'),
  name: z.string().min(1).max(250).nullish(),
  start_time: Timestamp.optional(),
  tags: tagMap('tags').default({}),
});

export const RunUpdate = z.strictObject({
  name: z.string().min(1).max(250).optional(),
  status: RunStatusName.optional(),
  end_time: Timestamp.optional(),
});

/** Body of finish / fail / kill; end_time defaults to now. */
export const RunEnd = z.strictObject({ end_time: Timestamp.optional() }).optional();

export const RunResponse = z.object({
  id: z.string(),
  experiment_id: z.string(),
  name: z.string().nullable(),
  status: RunStatusName,
  start_time: z.string().describe('ISO-8601 UTC'),
  end_time: z.string().nullable(),
  duration_seconds: z.number().nullable(),
  tags: z.record(z.string(), z.string()),
  params: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), z.number().nullable()).describe('Latest value per key; NaN is null'),
  artifacts: z.array(z.string()),
});

export const MetricPoint = z.strictObject({
  key: z.string().min(1).max(250),
  value: MetricValue,
  step: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).default(0),
  timestamp: Timestamp.optional(),
});

/** One point, or many in `metrics`. */
export const LogMetrics = z.union([MetricPoint, z.strictObject({ metrics: z.array(MetricPoint).min(1).max(1000) })]);

export const LogParams = z.strictObject({ params: z.record(z.string(), z.string()) });
export const LogTags = z.strictObject({ tags: z.record(z.string(), z.string()) });

export const LogBatch = z.strictObject({
  metrics: z.array(MetricPoint).max(1000).default([]),
  params: z.record(z.string(), z.string()).default({}),
  tags: z.record(z.string(), z.string()).default({}),
});

export const HistoryPoint = z.object({
  step: z.number(),
  value: z.number().nullable(),
  timestamp: z.string(),
});

export const MetricHistoryResponse = z.object({
  run_id: z.string(),
  key: z.string(),
  points: z.array(HistoryPoint),
  next_page_token: z.string().nullable(),
});

export const ViewName = z.enum(['active', 'deleted', 'all']).default('active');

const pageSize = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

export const ListQuery = z.strictObject({
  filter: z.string().max(4000).optional(),
  order_by: z.string().max(1000).optional().describe('Comma-separated, e.g. "metrics.accuracy DESC,start_time"'),
  max_results: pageSize(1000, 100),
  page_token: z.string().max(200).optional(),
  view: ViewName,
});

export const RunSearch = z.strictObject({
  experiment_ids: z.array(z.string()).min(1).max(100),
  filter: z.string().max(4000).optional(),
  order_by: z.array(z.string().max(500)).max(10).default([]),
  max_results: z.number().int().min(1).max(1000).default(100),
  page_token: z.string().max(200).optional(),
  view: ViewName,
});

export const HistoryQuery = z.strictObject({
  key: z.string().min(1).max(250),
  max_results: pageSize(25_000, 10_000),
  page_token: z.string().max(200).optional(),
});

export const Direction = z.enum(['min', 'max']);

export const CompareRequest = z.strictObject({
  run_ids: z.array(z.string()).min(1).max(100),
  metric_keys: z.array(z.string()).max(1000).optional(),
  /** The better direction per metric; keys not given are guessed from the name (loss → min). */
  directions: z.record(z.string(), Direction).default({}),
});

export const CompareResponse = z.object({
  runs: z.array(RunResponse),
  metrics: z.array(
    z.object({
      key: z.string(),
      direction: Direction,
      values: z.record(z.string(), z.number().nullable()),
      best_run_id: z.string().nullable(),
    }),
  ),
  params: z.array(
    z.object({ key: z.string(), values: z.record(z.string(), z.string().nullable()), differs: z.boolean() }),
  ),
});

export const ExperimentList = z.object({ experiments: z.array(ExperimentResponse), next_page_token: z.string().nullable() });
export const RunList = z.object({ runs: z.array(RunResponse), next_page_token: z.string().nullable() });
