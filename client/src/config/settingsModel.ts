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
  /** Where new experiments keep artifacts (embedded store): an absolute folder, `file:` or `s3:` URI; empty for the default. */
  artifactsDestination: string;
  /** An S3-compatible server for `s3:` artifacts, without a trailing slash; empty for AWS. */
  s3EndpointUrl: string;
  /** The S3 region; empty for the AWS environment's. */
  s3Region: string;
  /** Path-style S3 addresses (`endpoint/bucket/key`). */
  s3PathStyle: boolean;
}

/** Setting keys under `matih.`, by field of {@link ExtensionSettings} (package.json has their schema). */
export const SETTING_KEYS = {
  backend: 'backend',
  mlflowUri: 'mlflow.uri',
  mlflowWorkspaces: 'mlflow.workspaces',
  dataDir: 'dataDir',
  tenants: 'tenants',
  activeTenant: 'activeTenant',
  showArchived: 'showArchived',
  pageSize: 'pageSize',
  daemonNodePath: 'daemon.nodePath',
  traceServer: 'trace.server',
  artifactsDestination: 'artifacts.destination',
  s3EndpointUrl: 'artifacts.s3.endpointUrl',
  s3Region: 'artifacts.s3.region',
  s3PathStyle: 'artifacts.s3.pathStyle',
} as const satisfies Record<keyof ExtensionSettings, string>;

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
  const artifacts = normalizeArtifactSettings(raw, problems);
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
      ...artifacts,
    },
    problems,
  };
}

type ArtifactSettings = Pick<ExtensionSettings, 'artifactsDestination' | 's3EndpointUrl' | 's3Region' | 's3PathStyle'>;

/**
 * The daemon refuses its whole configuration over one bad field, which would take the sidebar
 * down for a typo in an artifact setting; a bad value is dropped here instead, and said so.
 */
function normalizeArtifactSettings(raw: RawSettings, problems: string[]): ArtifactSettings {
  let artifactsDestination = text(raw.artifactsDestination);
  const destinationProblem = checkArtifactsDestination(artifactsDestination);
  if (destinationProblem !== undefined) {
    problems.push(`matih.artifacts.destination: ${destinationProblem}; new experiments keep their artifacts in the data directory until it is fixed`);
    artifactsDestination = '';
  }
  let s3EndpointUrl = text(raw.s3EndpointUrl).replace(/\/+$/, '');
  const endpointProblem = checkS3EndpointUrl(s3EndpointUrl);
  if (endpointProblem !== undefined) {
    // Not echoed: a URL with user info holds a secret.
    problems.push(`matih.artifacts.s3.endpointUrl: ${endpointProblem}; ignored`);
    s3EndpointUrl = '';
  }
  let s3Region = text(raw.s3Region);
  if (s3Region !== '' && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(s3Region)) {
    problems.push(`matih.artifacts.s3.region: ${JSON.stringify(s3Region)} is not a region name such as us-east-1; ignored`);
    s3Region = '';
  }
  return { artifactsDestination, s3EndpointUrl, s3Region, s3PathStyle: raw.s3PathStyle === true };
}

/** Why a `matih.artifacts.destination` value is unusable, or nothing; '' (the default) is fine. */
export function checkArtifactsDestination(value: string): string | undefined {
  if (value === '') return undefined;
  if (/^s3:\/\//i.test(value)) {
    return s3Bucket(value) === undefined ? 'must name a bucket, as in s3://bucket/prefix' : undefined;
  }
  if (/^file:\/\//i.test(value) || value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || value.startsWith('\\\\')) return undefined;
  return 'must be an absolute folder, a file: URI or s3://bucket/prefix';
}

/** Why a `matih.artifacts.s3.endpointUrl` value is unusable, or nothing; '' (AWS) is fine. */
export function checkS3EndpointUrl(value: string): string | undefined {
  if (value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL; use e.g. http://localhost:9000';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials; store S3 keys with "MATIH: Set Artifact Storage Credentials…"';
  return undefined;
}

/** The bucket of an `s3://bucket/prefix` URI (lowercased, as S3 names are), else undefined. */
export function s3Bucket(uri: string): string | undefined {
  const match = /^s3:\/\/([^/?#]+)/i.exec(uri.trim());
  return match?.[1]?.toLowerCase();
}

/** What the daemon starts with and receives on every change; empty strings become "unset". */
export function toDaemonSettings(s: ExtensionSettings): DaemonSettings {
  const out: DaemonSettings = { backend: s.backend, tenants: [...s.tenants], activeTenant: s.activeTenant };
  if (s.mlflowUri !== '') out.mlflowUri = s.mlflowUri;
  if (s.mlflowWorkspaces) out.mlflowWorkspaces = true;
  if (s.dataDir !== '') out.dataDir = s.dataDir;
  if (s.artifactsDestination !== '') out.artifactsDestination = s.artifactsDestination;
  if (s.s3EndpointUrl !== '') out.s3EndpointUrl = s.s3EndpointUrl;
  if (s.s3Region !== '') out.s3Region = s.s3Region;
  if (s.s3PathStyle) out.s3PathStyle = true;
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
