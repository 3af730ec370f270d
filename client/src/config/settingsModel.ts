/**
 * The extension's settings as one typed, already-cleaned object, and what the daemon receives
 * from them. Pure: `settings.ts` reads VS Code's configuration and hands the raw values here, so
 * the cleaning rules (a bad tenant id in settings.json must not take the sidebar down) are
 * unit-tested.
 */
import { TENANT_ID_PATTERN } from '../../../protocol/src/index.ts';
import type { DaemonSettings } from '../../../protocol/src/index.ts';

export type TraceSetting = 'off' | 'messages' | 'verbose';

/** Every `matih.*` setting, typed. The schema and the user-facing descriptions are in package.json. */
export interface ExtensionSettings {
  /** `embedded` (SQLite in the data directory) or `mlflow` (the server at `mlflowUri`). */
  backend: 'embedded' | 'mlflow';
  /** The MLflow tracking server; empty when none is set. */
  mlflowUri: string;
  /** Map each tenant to the MLflow workspace of the same name (MLflow >= 3.10). */
  mlflowWorkspaces: boolean;
  /** Overrides the daemon's data directory; empty for the default (`$MATIH_HOME`, else `~/.matih`). */
  dataDir: string;
  /** Tenants the user added, valid ids only, without duplicates. */
  tenants: string[];
  /** The tenant scripts and notebooks log to, and new experiments go to by default. */
  activeTenant: string;
  /** Show archived experiments and runs in the sidebar. */
  showArchived: boolean;
  /** How many experiments or runs one "Load more…" fetches. */
  pageSize: number;
  /** A Node.js (>= 22.13) to run the daemon with; empty for the editor's own. */
  daemonNodePath: string;
  /** LSP message tracing into the "MATIH Daemon Trace" output. */
  traceServer: TraceSetting;
}

/** The raw values as `WorkspaceConfiguration.get` answers them: anything a user can type in JSON. */
export type RawSettings = { [K in keyof ExtensionSettings]?: unknown };

export const DEFAULT_TENANT = 'default';
export const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export interface NormalizedSettings {
  settings: ExtensionSettings;
  /** What was ignored, for the output channel and a one-time warning. */
  problems: string[];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function normalizeSettings(raw: RawSettings): NormalizedSettings {
  const problems: string[] = [];
  const tenants: string[] = [];
  for (const t of Array.isArray(raw.tenants) ? raw.tenants : []) {
    if (typeof t === 'string' && TENANT_ID_PATTERN.test(t)) {
      if (!tenants.includes(t)) tenants.push(t);
    } else {
      problems.push(`matih.tenants: ignored ${JSON.stringify(t)} (tenant ids are lowercase letters, digits and "-", 1–63 characters)`);
    }
  }
  let activeTenant = text(raw.activeTenant);
  if (activeTenant === '') {
    activeTenant = DEFAULT_TENANT;
  } else if (!TENANT_ID_PATTERN.test(activeTenant)) {
    problems.push(`matih.activeTenant: ${JSON.stringify(activeTenant)} is not a valid tenant id; using "${DEFAULT_TENANT}"`);
    activeTenant = DEFAULT_TENANT;
  }
  const backend = raw.backend === 'mlflow' ? 'mlflow' : 'embedded';
  const mlflowUri = text(raw.mlflowUri).replace(/\/+$/, '');
  if (backend === 'mlflow' && mlflowUri === '') {
    problems.push('matih.backend is "mlflow" but matih.mlflow.uri is empty; run "MATIH: Choose Backend"');
  }
  const pageSize =
    typeof raw.pageSize === 'number' && Number.isInteger(raw.pageSize)
      ? Math.min(Math.max(raw.pageSize, 1), MAX_PAGE_SIZE)
      : DEFAULT_PAGE_SIZE;
  const trace = raw.traceServer === 'messages' || raw.traceServer === 'verbose' ? raw.traceServer : 'off';
  return {
    settings: {
      backend,
      mlflowUri,
      mlflowWorkspaces: raw.mlflowWorkspaces === true,
      dataDir: text(raw.dataDir),
      tenants,
      activeTenant,
      showArchived: raw.showArchived === true,
      pageSize,
      daemonNodePath: text(raw.daemonNodePath),
      traceServer: trace,
    },
    problems,
  };
}

/** What the daemon starts with and receives on every change; empty strings become "unset". */
export function toDaemonSettings(s: ExtensionSettings): DaemonSettings {
  const out: DaemonSettings = { backend: s.backend, tenants: [...s.tenants], activeTenant: s.activeTenant };
  if (s.mlflowUri !== '') out.mlflowUri = s.mlflowUri;
  if (s.mlflowWorkspaces) out.mlflowWorkspaces = true;
  if (s.dataDir !== '') out.dataDir = s.dataDir;
  return out;
}

export function sameDaemonSettings(a: DaemonSettings, b: DaemonSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The SecretStorage key of one server's credentials: switching servers keeps each one's login. */
export function credentialKey(mlflowUri: string): string {
  return `matih.mlflow.credentials:${mlflowUri.trim().replace(/\/+$/, '')}`;
}

/**
 * The sidebar's tenants: the active one first (where new work goes), then the configured ones and
 * those the backend holds, alphabetically, each once.
 */
export function sidebarTenants(s: ExtensionSettings, fromDaemon: readonly string[] = []): string[] {
  const others = new Set([...s.tenants, ...fromDaemon].filter((t) => TENANT_ID_PATTERN.test(t)));
  others.delete(s.activeTenant);
  return [s.activeTenant, ...[...others].sort()];
}
