/**
 * The discovery file: how scripts, notebooks and tools on this machine find the editor's daemon
 * and authenticate to it. One file per daemon process, `<dataDir>/daemon-<pid>.json`, mode 0600
 * (only the user can read it), written atomically, removed when the daemon exits. A file whose
 * `pid` is not running is stale and may be ignored or deleted.
 */

/** The contents of `daemon-<pid>.json`. */
export interface DaemonDiscovery {
  /** Format version of this file. */
  version: 1;
  pid: number;
  port: number;
  /** Base URL of the HTTP listener, e.g. `http://127.0.0.1:41234`: also the MLFLOW_TRACKING_URI. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` (MLflow clients: MLFLOW_TRACKING_TOKEN). */
  token: string;
  /** The tenant MLflow clients log to when their tracking URI names none. */
  activeTenant: string;
  /** The editor window's workspace folders, so a script can pick the daemon of its own window. */
  workspaceFolders: { uri: string; name: string; /** Local path for `file:` URIs. */ path?: string }[];
  /** ISO-8601 UTC, when this listener started. */
  startedAt: string;
}

/** The file name of a daemon's discovery file in the data directory. */
export function discoveryFileName(pid: number): string {
  return `daemon-${pid}.json`;
}
