/**
 * `Processes.*`: system metrics of a script's process tree, sampled by the daemon and logged to
 * the script's run under MLflow's `system/...` names (step = sample index). The extension sends
 * `track` once the script's terminal has a process id and `stop` when the script ends (the
 * sampler also stops by itself when the process exits).
 */
import { z } from 'zod';
import { request } from './rpc.ts';
import { TenantIdSchema } from './settings.ts';

const RunId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'must be a run id');

export const ProcessesTrackParams = z.strictObject({
  tenant: TenantIdSchema,
  runId: RunId,
  /** Root of the process tree (the terminal's `processId`). */
  pid: z.number().int().min(1).max(2 ** 31 - 1),
  /** Seconds between samples; default 10 (the `matih.scripts.systemMetricsInterval` setting). */
  intervalSeconds: z.number().min(0.2).max(3600).default(10),
});
export type ProcessesTrackParams = z.input<typeof ProcessesTrackParams>;

export const ProcessesStopParams = z.strictObject({ runId: RunId });
export type ProcessesStopParams = z.input<typeof ProcessesStopParams>;

/** What `track` answers: what will be sampled. */
export interface ProcessesTrackResult {
  runId: string;
  pid: number;
  intervalSeconds: number;
  /** `nvidia-smi` was found, so `system/gpu_<i>_...` metrics are logged too. */
  gpu: boolean;
}

/** What `stop` answers: whether a sampler was running for the run, and how many samples it logged. */
export interface ProcessesStopResult {
  stopped: boolean;
  samples: number;
}

/** The MLflow system metric names the sampler logs. */
export const SystemMetricNames = {
  cpu: 'system/cpu_utilization_percentage',
  memoryMb: 'system/system_memory_usage_megabytes',
  memoryPercent: 'system/system_memory_usage_percentage',
  gpuUtilization: (i: number) => `system/gpu_${i}_utilization_percentage`,
  gpuMemoryMb: (i: number) => `system/gpu_${i}_memory_usage_megabytes`,
} as const;

export const Processes = {
  /** Starts sampling `pid`'s process tree into the run (replacing a sampler the run already has). */
  track: request<typeof ProcessesTrackParams, ProcessesTrackResult>('matih/processes/track', ProcessesTrackParams),
  /** Stops the run's sampler; not an error when there is none (the process may have exited). */
  stop: request<typeof ProcessesStopParams, ProcessesStopResult>('matih/processes/stop', ProcessesStopParams),
} as const;
