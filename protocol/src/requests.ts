/**
 * Every message between the extension and the daemon, one namespace (object) per area.
 * docs/protocol.md lists them with their errors; keep the two in step.
 */
import {
  EmptyParams,
  ExperimentRef,
  ExperimentsCreateParams,
  ExperimentsListParams,
  ExperimentsUpdateParams,
  FilterParams,
  RunRef,
  RunsCompareParams,
  RunsCreateParams,
  RunsDeleteTagParams,
  RunsListParams,
  RunsMetricHistoryParams,
  RunsSetTagParams,
  RunsUpdateParams,
  SetCredentialsParams,
  TenantsListParams,
  TestConnectionParams,
} from './params.ts';
import { Artifacts } from './artifacts.ts';
import { Inspect } from './inspect.ts';
import { notification, request } from './rpc.ts';
import type {
  CompareView,
  DaemonStatus,
  ExperimentView,
  MetricHistoryView,
  PageView,
  RunView,
  TenantListView,
} from './views.ts';

/** The daemon itself: status, credentials, connection tests. Settings arrive by `workspace/didChangeConfiguration`. */
export const Daemon = {
  /** Backend, data directory, HTTP listener and health. */
  status: request<typeof EmptyParams, DaemonStatus>('matih/daemon/status', EmptyParams),
  /**
   * New credentials from SecretStorage (sent after the user changes them; at start they come in
   * the initialization options). With an MLflow backend the daemon reconnects with them.
   * Never logged, never written to disk.
   */
  setCredentials: request<typeof SetCredentialsParams, null>('matih/daemon/setCredentials', SetCredentialsParams),
  /** Tries an MLflow server without switching to it: ok, or a readable problem. Never fails. */
  testConnection: request<typeof TestConnectionParams, { ok: boolean; message: string }>(
    'matih/daemon/testConnection',
    TestConnectionParams,
  ),
  /** Sent by the daemon when its status changes (backend switched, became unhealthy, recovered). */
  statusChanged: notification<DaemonStatus>('matih/daemon/statusChanged'),
} as const;

/** Tenants: those configured plus those the backend already holds. */
export const Tenants = {
  list: request<typeof TenantsListParams, TenantListView>('matih/tenants/list', TenantsListParams),
} as const;

/** Experiments of one tenant. */
export const Experiments = {
  list: request<typeof ExperimentsListParams, PageView<ExperimentView>>('matih/experiments/list', ExperimentsListParams),
  get: request<typeof ExperimentRef, ExperimentView>('matih/experiments/get', ExperimentRef),
  create: request<typeof ExperimentsCreateParams, ExperimentView>('matih/experiments/create', ExperimentsCreateParams),
  /** Rename, change the description, set tags (a null value removes the tag). Refused while archived. */
  update: request<typeof ExperimentsUpdateParams, ExperimentView>('matih/experiments/update', ExperimentsUpdateParams),
  /** Archives the experiment and its runs; archiving an archived one is not an error. */
  archive: request<typeof ExperimentRef, ExperimentView>('matih/experiments/archive', ExperimentRef),
  /** Restores the experiment and its runs; restoring an active one is not an error. */
  restore: request<typeof ExperimentRef, ExperimentView>('matih/experiments/restore', ExperimentRef),
} as const;

/** Runs of one tenant. */
export const Runs = {
  list: request<typeof RunsListParams, PageView<RunView>>('matih/runs/list', RunsListParams),
  get: request<typeof RunRef, RunView>('matih/runs/get', RunRef),
  create: request<typeof RunsCreateParams, RunView>('matih/runs/create', RunsCreateParams),
  /** Rename, or set the status (a final status ends the run now). */
  update: request<typeof RunsUpdateParams, RunView>('matih/runs/update', RunsUpdateParams),
  setTag: request<typeof RunsSetTagParams, RunView>('matih/runs/setTag', RunsSetTagParams),
  deleteTag: request<typeof RunsDeleteTagParams, RunView>('matih/runs/deleteTag', RunsDeleteTagParams),
  archive: request<typeof RunRef, RunView>('matih/runs/archive', RunRef),
  /** Refused while the run's experiment is archived: restore the experiment first. */
  restore: request<typeof RunRef, RunView>('matih/runs/restore', RunRef),
  /** Every logged point of one metric, paged. */
  metricHistory: request<typeof RunsMetricHistoryParams, MetricHistoryView>('matih/runs/metricHistory', RunsMetricHistoryParams),
  /** Latest metrics side by side with the best run per metric, and params. */
  compare: request<typeof RunsCompareParams, CompareView>('matih/runs/compare', RunsCompareParams),
} as const;

/** Input checks the extension runs while the user types (the same rules as the daemon). */
export const Validate = {
  /** Checks a run filter; answers the daemon's message when it is invalid. */
  runFilter: request<typeof FilterParams, { ok: true } | { ok: false; message: string }>('matih/validate/runFilter', FilterParams),
  /** Checks an experiment filter (plain names, as `Experiments.list` takes it). */
  experimentFilter: request<typeof FilterParams, { ok: true } | { ok: false; message: string }>(
    'matih/validate/experimentFilter',
    FilterParams,
  ),
} as const;

/** Every request the daemon answers, for registration and for tests that check none is missing. */
export const ALL_REQUESTS = [
  ...Object.values(Daemon).filter((d) => 'params' in d),
  ...Object.values(Tenants),
  ...Object.values(Experiments),
  ...Object.values(Runs),
  ...Object.values(Validate),
  ...Object.values(Artifacts),
  ...Object.values(Inspect),
].map((d) => d.method);
