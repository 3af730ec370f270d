/**
 * The writes the outbox can hold back: what each one is, which ordered lane it belongs to, how it
 * is stored as text, and how it is replayed against the wrapped backend. Replays must be safe to
 * repeat, since a crash between "the server accepted it" and "removed from the spool" sends the
 * same record again (see {@link applyOperation}).
 */

import type { TrackingBackend } from '../tracking/backend.ts';
import { TrackingError } from '../tracking/errors.ts';
import { ModelsNotSupportedError, supportsModels } from '../tracking/models-backend.ts';
import type { LogInputsInput, LogOutputsInput, ModelsBackend } from '../tracking/models-backend.ts';
import type { DatasetInput, LogBatchInput, Metric, UpdateRunInput } from '../tracking/types.ts';

/** One buffered write, exactly as the caller made it (after validation). */
export type OutboxOperation =
  | { kind: 'logBatch'; runId: string; batch: LogBatchInput }
  | { kind: 'updateRun'; runId: string; input: UpdateRunInput }
  | { kind: 'deleteRunTag'; runId: string; key: string }
  | { kind: 'deleteRun'; runId: string }
  | { kind: 'restoreRun'; runId: string }
  | { kind: 'logInputs'; runId: string; inputs: LogInputsInput }
  | { kind: 'logOutputs'; runId: string; outputs: LogOutputsInput }
  | { kind: 'setExperimentTag'; experimentId: string; key: string; value: string }
  | { kind: 'deleteExperimentTag'; experimentId: string; key: string };

export type OutboxOperationKind = OutboxOperation['kind'];

const KINDS: ReadonlySet<string> = new Set<OutboxOperationKind>([
  'logBatch',
  'updateRun',
  'deleteRunTag',
  'deleteRun',
  'restoreRun',
  'logInputs',
  'logOutputs',
  'setExperimentTag',
  'deleteExperimentTag',
]);

// What is stored is a copy holding only the fields the interface defines, so the spool keeps
// nothing the caller did not mean to send, and loses nothing it did.

/** A metric point as stored: MLflow 3's model and data set fields are kept when set. */
function copyMetric(m: Metric): Metric {
  return {
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step,
    ...(m.modelId !== undefined ? { modelId: m.modelId } : {}),
    ...(m.datasetName !== undefined ? { datasetName: m.datasetName } : {}),
    ...(m.datasetDigest !== undefined ? { datasetDigest: m.datasetDigest } : {}),
  };
}

/** A log-batch as stored. */
export function copyLogBatch(batch: LogBatchInput): LogBatchInput {
  return {
    metrics: (batch.metrics ?? []).map(copyMetric),
    params: (batch.params ?? []).map((p) => ({ key: p.key, value: p.value })),
    tags: (batch.tags ?? []).map((t) => ({ key: t.key, value: t.value })),
  };
}

function copyDatasetInput({ dataset: d, tags }: DatasetInput): DatasetInput {
  return {
    dataset: {
      name: d.name,
      digest: d.digest,
      sourceType: d.sourceType,
      source: d.source,
      ...(d.schema !== undefined ? { schema: d.schema } : {}),
      ...(d.profile !== undefined ? { profile: d.profile } : {}),
    },
    tags: tags.map((t) => ({ key: t.key, value: t.value })),
  };
}

/** A log-inputs as stored. */
export function copyLogInputs(inputs: LogInputsInput): LogInputsInput {
  return {
    datasets: (inputs.datasets ?? []).map(copyDatasetInput),
    models: (inputs.models ?? []).map((m) => ({ modelId: m.modelId })),
  };
}

/** A log-outputs as stored. */
export function copyLogOutputs(outputs: LogOutputsInput): LogOutputsInput {
  return { models: outputs.models.map((m) => ({ modelId: m.modelId, step: m.step })) };
}

/**
 * The lane a write is ordered in: its run, or its experiment. Writes of one lane are delivered
 * strictly in the order they were accepted; lanes are independent of each other.
 */
export function laneOf(op: OutboxOperation): string {
  return 'runId' in op ? runLane(op.runId) : experimentLane(op.experimentId);
}

export function runLane(runId: string): string {
  return `run:${runId}`;
}

export function experimentLane(experimentId: string): string {
  return `experiment:${experimentId}`;
}

/** `run` or `experiment`, and the id, of a lane name. */
export function parseLane(lane: string): { type: 'run' | 'experiment'; id: string } {
  const colon = lane.indexOf(':');
  const type = lane.slice(0, colon);
  return { type: type === 'experiment' ? 'experiment' : 'run', id: lane.slice(colon + 1) };
}

// JSON has no NaN, ±Infinity or -0, and metric values may be any of them; they are stored as a
// one-key object no real input can produce (inputs are validated: values are numbers).
const NUMBER_TAG = '$number';

/** The operation as JSON text, lossless for every double. */
export function encodeOperation(op: OutboxOperation): string {
  return JSON.stringify(op, (_key, value: unknown) =>
    typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))
      ? { [NUMBER_TAG]: Object.is(value, -0) ? '-0' : String(value) }
      : value,
  );
}

/** The inverse of {@link encodeOperation}; throws on text that is not a stored operation. */
export function decodeOperation(text: string): OutboxOperation {
  const value: unknown = JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const tagged = (v as Record<string, unknown>)[NUMBER_TAG];
      if (keys.length === 1 && typeof tagged === 'string') return Number(tagged);
    }
    return v;
  });
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !KINDS.has(kind)) throw new Error('not an outbox operation');
  return value as OutboxOperation;
}

/** Sends one operation to the wrapped backend. */
export async function applyOperation(backend: TrackingBackend, op: OutboxOperation): Promise<void> {
  switch (op.kind) {
    case 'logBatch':
      return backend.logBatch(op.runId, op.batch);
    case 'updateRun':
      await backend.updateRun(op.runId, op.input);
      return;
    case 'deleteRunTag':
      return backend.deleteRunTag(op.runId, op.key);
    case 'deleteRun':
      return backend.deleteRun(op.runId);
    case 'restoreRun':
      return backend.restoreRun(op.runId);
    case 'logInputs':
      return modelsOf(backend).logInputs(op.runId, op.inputs);
    case 'logOutputs':
      return modelsOf(backend).logOutputs(op.runId, op.outputs);
    case 'setExperimentTag':
      return backend.setExperimentTag(op.experimentId, op.key, op.value);
    case 'deleteExperimentTag':
      return backend.deleteExperimentTag(op.experimentId, op.key);
  }
}

/** The wrapped backend's logged models and run inputs; a write that needs them is refused without. */
export function modelsOf(backend: TrackingBackend): ModelsBackend {
  if (!supportsModels(backend)) throw new ModelsNotSupportedError();
  return backend;
}

/**
 * Whether a rejected replay had in fact already taken effect. MLflow accepts a repeated log-batch
 * (exact duplicate metrics are dropped, model metric points too, an unchanged param is accepted,
 * tags are last-write-wins), a repeated update, delete or restore of a run, and a repeated
 * log-inputs (data sets and their links to the run are kept once) — but deleting a tag that is
 * already gone is a RESOURCE_DOES_NOT_EXIST, and linking a model as an output of a run again fails
 * on the primary key of MLflow's `inputs` table. When the run or experiment itself still exists
 * and the tag is absent, or the run already lists every model of the log-outputs as an output,
 * the write is in effect; anything else is a real rejection.
 */
export async function alreadyApplied(backend: TrackingBackend, op: OutboxOperation, err: unknown): Promise<boolean> {
  if (!(err instanceof TrackingError)) return false;
  if (op.kind === 'logOutputs') {
    try {
      const run = await backend.getRun(op.runId);
      const outputs = new Set((run.outputs?.modelOutputs ?? []).map((m) => m.modelId));
      return op.outputs.models.every((m) => outputs.has(m.modelId));
    } catch {
      return false;
    }
  }
  if (err.code !== 'RESOURCE_DOES_NOT_EXIST') return false;
  try {
    if (op.kind === 'deleteRunTag') {
      const run = await backend.getRun(op.runId);
      return !Object.hasOwn(run.data.tags, op.key);
    }
    if (op.kind === 'deleteExperimentTag') {
      const experiment = await backend.getExperiment(op.experimentId);
      return !Object.hasOwn(experiment.tags, op.key);
    }
  } catch {
    // The owner is gone too (or unreachable): the rejection stands.
  }
  return false;
}
