/**
 * The pure part of the notebook renderer's messaging: the messages built from the daemon's data
 * (`protocol/src/notebook-renderer.ts` defines them). No `vscode` here, so unit tests import it.
 */
import type { LiveExtensionToRenderer, LiveFrame, LiveRendererPoint, LiveRendererSeries, RunStatusName } from '../../../protocol/src/index.ts';

/** Groups a frame's points by metric key, in the renderer's tuple form. */
export function frameSeries(frame: LiveFrame): LiveRendererSeries {
  const byKey = new Map<string, LiveRendererPoint[]>();
  for (const p of frame.points) {
    let list = byKey.get(p.key);
    if (list === undefined) byKey.set(p.key, (list = []));
    list.push([p.step, p.value, p.timestamp]);
  }
  return [...byKey].map(([key, points]) => ({ key, points }));
}

/** The `points` message of a frame; frames say `FINISHED`, the renderer's messages `finished`. */
export function pointsMessage(frame: LiveFrame): LiveExtensionToRenderer {
  return {
    type: 'points',
    runId: frame.runId,
    tenant: frame.tenant,
    series: frameSeries(frame),
    ...(frame.status !== undefined ? { status: frame.status.status.toLowerCase() as RunStatusName } : {}),
  };
}
