/**
 * The Live Metrics panel's data shaping, pure (no `vscode`) so it is tested in Node: runs and
 * live frames turned into the page's messages.
 */
import { LIVE_PANEL_MAX_POINTS } from '../../../protocol/src/index.ts';
import type { LiveFrame, LivePanelPoint, LivePanelRun, LiveToWebview, RunView } from '../../../protocol/src/index.ts';

export function toPanelRun(tenant: string, run: RunView): LivePanelRun {
  const start = Date.parse(run.startTime);
  return {
    tenant,
    runId: run.id,
    name: (run.name ?? '').slice(0, 1000),
    status: run.status.toUpperCase() as LivePanelRun['status'],
    startTime: Number.isFinite(start) && start >= 0 ? start : 0,
  };
}

/** Groups a frame's points by key, in the compact form the page takes, chunked to the message limit. */
export function frameToMessages(frame: LiveFrame): LiveToWebview[] {
  const byKey = new Map<string, LivePanelPoint[]>();
  for (const p of frame.points) {
    let list = byKey.get(p.key);
    if (list === undefined) byKey.set(p.key, (list = []));
    list.push([p.step, p.value, p.timestamp]);
  }
  const messages: LiveToWebview[] = [];
  for (const [key, points] of byKey) {
    for (let i = 0; i < points.length; i += LIVE_PANEL_MAX_POINTS) {
      messages.push({ type: 'points', runId: frame.runId, key, points: points.slice(i, i + LIVE_PANEL_MAX_POINTS) });
    }
  }
  if (frame.status !== undefined) messages.push({ type: 'status', runId: frame.runId, status: frame.status.status });
  return messages;
}
