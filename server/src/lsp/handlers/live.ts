/**
 * `Live.*`: the extension's subscription to the MetricHub. One hub subscriber per LSP session,
 * on the session's hub, which outlives listener switches (a new backend keeps the same hub), so
 * a subscription need not be renewed when settings change; runs of the old backend simply go
 * quiet. Frames go out as `Live.frame` notifications, at most ~20 per second.
 *
 * Backpressure: a notification is "in flight" until vscode-jsonrpc has written it to the IPC
 * channel. If the extension host stops reading, in-flight ones pile up; past MAX_IN_FLIGHT the
 * hub ends the subscription and the extension gets `Live.ended { reason: 'overflow' }`, so it
 * knows to re-read the history rather than silently missing points.
 */
import { Live, type LiveFrame } from '../../../../protocol/src/index.ts';
import type { MetricHub, Subscriber } from '../../live/metric-hub.ts';
import { TrackingError } from '../../tracking/errors.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

/** Notifications not yet written (at 20 per second, some 25 seconds' worth). */
const MAX_IN_FLIGHT = 500;
/** Runs the extension may watch at once (it shows a handful; this only guards against leaks). */
const MAX_RUNS = 1000;

/** The part of the LSP connection frames are sent on. */
export interface NotificationSender {
  sendNotification(method: string, params: unknown): Promise<void>;
}

export function registerLiveRequests(requests: Requests, session: DaemonSession, hub: MetricHub, connection: NotificationSender): void {
  let subscriber: Subscriber | undefined;
  let inFlight = 0;

  const current = (): Subscriber => {
    if (subscriber && !subscriber.isClosed) return subscriber;
    inFlight = 0;
    subscriber = hub.subscribe({
      deliver(frames: LiveFrame[]) {
        if (inFlight >= MAX_IN_FLIGHT) return false;
        inFlight++;
        connection
          .sendNotification(Live.frame.method, { frames })
          .catch(() => {})
          .finally(() => inFlight--);
        return true;
      },
      ended(reason) {
        void connection.sendNotification(Live.ended.method, { reason }).catch(() => {});
      },
    });
    return subscriber;
  };

  requests.on(Live.subscribe, (p) =>
    session.use(async (listener) => {
      const runIds = [...new Set(p.runIds)];
      const scope = listener.tenants.scope(p.tenant);
      // All or nothing; another tenant's run fails exactly like a missing one (TenantScope).
      for (const runId of runIds) await scope.getRun(runId);
      const sub = current();
      const adding = runIds.filter((id) => !sub.isWatching(p.tenant, id)).length;
      if (sub.runCount + adding > MAX_RUNS) {
        throw new TrackingError('INVALID_PARAMETER_VALUE', `At most ${MAX_RUNS} runs can be watched at once; unsubscribe some first`, 'runIds');
      }
      sub.watch(p.tenant, runIds, p.keys);
      return { runIds };
    }),
  );

  requests.on(Live.unsubscribe, async (p) => {
    subscriber?.unwatch(p.tenant, p.runIds);
    return null;
  });

  // The tree needs to hear of every tenant's new experiments and runs, subscribed or not; the
  // feed already coalesces, so one notification per window at most.
  hub.changes.subscribe((changes) => {
    void connection.sendNotification(Live.treeChanged.method, { changes }).catch(() => {});
  });
}
