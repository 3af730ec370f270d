/**
 * The extension's settings as the daemon receives them (initialization options, then
 * `workspace/didChangeConfiguration`). Credentials are never settings: they travel from
 * SecretStorage in {@link BackendCredentials}.
 */
export interface DaemonSettings {
  /** `embedded` (SQLite in the data directory) or `mlflow` (a tracking server at `mlflowUri`). */
  backend: 'embedded' | 'mlflow';
  /** The MLflow tracking server, for `backend: mlflow`. */
  mlflowUri?: string;
  /** Give each tenant the MLflow workspace of the same name (MLflow >= 3.10). */
  mlflowWorkspaces?: boolean;
  /** Overrides the data directory (default `$MATIH_HOME`, else `~/.matih`). */
  dataDir?: string;
  /** Tenants the user added; the sidebar also shows those the backend already holds. */
  tenants: string[];
  /** The tenant scripts and notebooks log to. */
  activeTenant: string;
}

/** Credentials for an MLflow server, kept in VS Code's SecretStorage and sent only to the daemon. */
export type BackendCredentials = { username: string; password: string } | { token: string } | Record<string, never>;

export const DEFAULT_SETTINGS: DaemonSettings = {
  backend: 'embedded',
  tenants: [],
  activeTenant: 'default',
};
