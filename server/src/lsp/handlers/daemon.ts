/**
 * `Daemon.*` and `Validate.*`: the requests about the daemon itself and the input checks the
 * extension runs while the user types. None of them needs a running listener.
 */
import { Daemon, Validate } from '../../../../protocol/src/index.ts';
import { runFilter } from '../../services/search-input.ts';
import { scopeExperimentFilter } from '../../tenancy/scoped-filters.ts';
import { TrackingError } from '../../tracking/errors.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

export function registerDaemonRequests(requests: Requests, session: DaemonSession): void {
  requests.on(Daemon.status, async () => session.status());

  requests.on(Daemon.setCredentials, async ({ credentials }) => {
    await session.setCredentials(credentials);
    return null;
  });

  requests.on(Daemon.testConnection, async ({ uri, credentials, timeoutMs }) => {
    const runtime = await session.runtime();
    return runtime.testMlflowConnection(uri, credentials ?? session.currentCredentials, timeoutMs);
  });

  requests.on(Validate.runFilter, async ({ filter }) => check(() => runFilter(filter)));
  // Checked the way Experiments.list applies it: plain names, confined to a tenant (any valid id will do).
  requests.on(Validate.experimentFilter, async ({ filter }) => check(() => scopeExperimentFilter(filter, 'default')));
}

function check(parse: () => unknown): { ok: true } | { ok: false; message: string } {
  try {
    parse();
    return { ok: true };
  } catch (err) {
    if (err instanceof TrackingError) return { ok: false, message: err.message };
    throw err;
  }
}
