/**
 * Every message between the extension and the daemon, one namespace (object) per area.
 * docs/protocol.md lists them; keep the two in step.
 */
import { notification, request } from './rpc.ts';
import type { BackendCredentials, DaemonSettings } from './settings.ts';
import type { DaemonStatus, ExperimentView, PageView, RunStatusName, RunView } from './views.ts';

/** The daemon itself: status, settings, credentials, connection tests. */
export const Daemon = {
  /** Backend, data directory, HTTP listener and health. */
  status: request<Record<string, never>, DaemonStatus>('matih/daemon/status'),
  /** New credentials from SecretStorage (sent at start and after the user changes them). */
  setCredentials: request<{ credentials: BackendCredentials }, void>('matih/daemon/setCredentials'),
  /** Tries an MLflow server without switching to it; answers a readable problem or ok. */
  testConnection: request<{ uri: string; credentials: BackendCredentials }, { ok: boolean; message: string }>(
    'matih/daemon/testConnection',
  ),
  /** Sent by the daemon when its status changes (backend switched, became unhealthy, recovered). */
  statusChanged: notification<DaemonStatus>('matih/daemon/statusChanged'),
} as const;

/** Tenants: those configured plus those the backend already holds. */
export const Tenants = {
  list: request<{ configured: string[] }, { tenants: string[] }>('matih/tenants/list'),
} as const;

/** Experiments of one tenant. */
export const Experiments = {
  list: request<
    { tenant: string; showArchived: boolean; pageToken?: string; maxResults?: number },
    PageView<ExperimentView>
  >('matih/experiments/list'),
  get: request<{ tenant: string; experimentId: string }, ExperimentView>('matih/experiments/get'),
  create: request<
    { tenant: string; name: string; description?: string; tags?: Record<string, string> },
    ExperimentView
  >('matih/experiments/create'),
  /** Rename, change the description, set tags (a null value removes the tag). */
  update: request<
    { tenant: string; experimentId: string; name?: string; description?: string; tags?: Record<string, string | null> },
    ExperimentView
  >('matih/experiments/update'),
  archive: request<{ tenant: string; experimentId: string }, ExperimentView>('matih/experiments/archive'),
  restore: request<{ tenant: string; experimentId: string }, ExperimentView>('matih/experiments/restore'),
} as const;

/** Runs of one tenant. */
export const Runs = {
  list: request<
    {
      tenant: string;
      experimentId: string;
      showArchived: boolean;
      /** MLflow filter syntax, e.g. `metrics.accuracy > 0.9 and params.model = 'xgboost'`. */
      filter?: string;
      /** e.g. `['metrics.accuracy DESC']`; default newest first. */
      orderBy?: string[];
      pageToken?: string;
      maxResults?: number;
    },
    PageView<RunView>
  >('matih/runs/list'),
  get: request<{ tenant: string; runId: string }, RunView>('matih/runs/get'),
  create: request<{ tenant: string; experimentId: string; name?: string; tags?: Record<string, string> }, RunView>(
    'matih/runs/create',
  ),
  /** Rename, or set the status (a final status without an end time ends the run now). */
  update: request<{ tenant: string; runId: string; name?: string; status?: RunStatusName }, RunView>('matih/runs/update'),
  setTag: request<{ tenant: string; runId: string; key: string; value: string }, RunView>('matih/runs/setTag'),
  archive: request<{ tenant: string; runId: string }, RunView>('matih/runs/archive'),
  restore: request<{ tenant: string; runId: string }, RunView>('matih/runs/restore'),
} as const;

/** Input checks the extension runs while the user types (the same rules as the daemon). */
export const Validate = {
  /** Checks a run filter; answers the daemon's message when it is invalid. */
  runFilter: request<{ filter: string }, { ok: true } | { ok: false; message: string }>('matih/validate/runFilter'),
} as const;

/** The settings the daemon starts with (initialization options). */
export interface InitializationOptions {
  settings: DaemonSettings;
  credentials: BackendCredentials;
}
