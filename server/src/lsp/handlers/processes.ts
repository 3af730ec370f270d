/**
 * `Processes.*`: system metrics of a script started from the editor ("Run Python File with
 * Tracking"). One sampler per run (live/system-metrics.ts); its points go to the run through the
 * tenant's scope on the current listener, so they are validated, stored and streamed like any
 * other point, and a run of another tenant is refused like a missing one.
 */
import { Processes, type ProcessesTrackResult } from '../../../../protocol/src/index.ts';
import { canSampleProcesses, findNvidiaSmi, nvidiaSmiReader, ProcessTreeSampler } from '../../live/system-metrics.ts';
import { TrackingError } from '../../tracking/errors.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

/** Samplers at once (a handful in practice; this only guards against leaks). */
const MAX_SAMPLERS = 100;

export function registerProcessRequests(requests: Requests, session: DaemonSession, log: (line: string) => void): void {
  const samplers = new Map<string, ProcessTreeSampler>();

  requests.on(Processes.track, async (p): Promise<ProcessesTrackResult> => {
    if (!(await canSampleProcesses())) {
      throw new TrackingError('INVALID_STATE', 'System metrics of a process are only sampled on Linux (they are read from /proc)');
    }
    // The run must exist in this tenant (another tenant's run: the same not-found as a missing one).
    await session.use((l) => l.tenants.scope(p.tenant).getRun(p.runId));
    if (!samplers.has(p.runId) && samplers.size >= MAX_SAMPLERS) {
      throw new TrackingError('REQUEST_LIMIT_EXCEEDED', `At most ${MAX_SAMPLERS} processes can be sampled at once; stop some first`);
    }
    samplers.get(p.runId)?.stop();
    const smi = await findNvidiaSmi();
    const sampler: ProcessTreeSampler = new ProcessTreeSampler({
      pid: p.pid,
      intervalMs: p.intervalSeconds * 1000,
      ...(smi ? { gpu: nvidiaSmiReader(smi) } : {}),
      write: (metrics) => session.use((l) => l.tenants.scope(p.tenant).logBatch(p.runId, { metrics })),
      onWriteError(err) {
        const code = err instanceof TrackingError ? err.code : undefined;
        log(`system metrics of run ${p.runId}: ${err instanceof Error ? err.message : String(err)}`);
        // The run went away or ended: stop. Anything else (a backend switch, an upstream hiccup): keep sampling.
        return code === 'RESOURCE_DOES_NOT_EXIST' || code === 'INVALID_STATE' || code === 'INVALID_PARAMETER_VALUE' ? 'stop' : 'continue';
      },
      onEnd(reason) {
        if (samplers.get(p.runId) === sampler) samplers.delete(p.runId);
        log(`system metrics of run ${p.runId}: ${reason} after ${sampler.samples} samples`);
      },
    });
    samplers.set(p.runId, sampler);
    await sampler.start();
    if (sampler.ended === 'exited') throw new TrackingError('INVALID_PARAMETER_VALUE', `No running process ${p.pid}`, 'pid');
    return { runId: p.runId, pid: p.pid, intervalSeconds: p.intervalSeconds, gpu: smi !== undefined };
  });

  requests.on(Processes.stop, async (p) => {
    const sampler = samplers.get(p.runId);
    if (!sampler) return { stopped: false, samples: 0 };
    samplers.delete(p.runId);
    sampler.stop();
    return { stopped: true, samples: sampler.samples };
  });
}
