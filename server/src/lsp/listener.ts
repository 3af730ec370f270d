/**
 * The daemon's loopback HTTP listener as the LSP side runs it: `startDaemon` with the backend the
 * settings and credentials name, a token always required, and a tenant registry of its own over
 * the same backends for the LSP handlers. A new listener replaces the old one whenever the
 * backend, the data directory or the active tenant changes.
 */
import type { BackendCredentials, DaemonSettings } from '../../../protocol/src/index.ts';
import type { ArtifactConfig } from '../config/artifact-config.ts';
import type { BackendConfig } from '../config/backend-config.ts';
import type { Daemon, DaemonOptions } from '../daemon.ts';
import type { ArtifactService } from '../services/artifacts.ts';
import type { TenantRegistry } from '../tenancy/tenant-registry.ts';
import type { TrackingBackend } from '../tracking/backend.ts';
import type { MlflowAuth } from '../tracking/mlflow/index.ts';
import type { Runtime } from './runtime.ts';
import type { MetricHub } from '../live/metric-hub.ts';

export interface ListenerConfig {
  settings: DaemonSettings;
  credentials: BackendCredentials;
  dataDir: string;
  token: string;
  /** The previous listener's port: scripts already holding the URL keep working when it is free. */
  preferredPort?: number;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Where the daemon's writes publish live frames (the session's hub). */
  hub?: MetricHub;
}

export interface Listener {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** `embedded` or `mlflow <origin>`; never credentials. */
  readonly description: string;
  readonly settings: DaemonSettings;
  /** One scope per tenant, shared by every LSP request. */
  readonly tenants: TenantRegistry;
  /** The daemon's artifact service (tenancy and path checks, the stores), shared with the HTTP APIs. */
  readonly artifacts: ArtifactService;
  /**
   * The backend all tenants share, for tenant discovery; undefined with MLflow workspaces, where
   * each tenant's data lives in a workspace of its own and no one backend sees them all.
   */
  readonly unscoped: TrackingBackend | undefined;
  close(): Promise<void>;
}

/** The backend the settings name, with SecretStorage credentials (else MLflow's own env variables). */
export function backendConfig(
  runtime: Runtime,
  settings: DaemonSettings,
  credentials: BackendCredentials,
  env: NodeJS.ProcessEnv,
): BackendConfig {
  if (settings.backend === 'embedded') return { kind: 'embedded' };
  const auth = toMlflowAuth(credentials) ?? runtime.mlflowAuthFromEnv(env);
  return {
    kind: 'mlflow',
    uri: settings.mlflowUri!,
    ...(auth ? { auth } : {}),
    ...(settings.mlflowWorkspaces ? { workspaces: 'same-name' as const } : {}),
  };
}

/**
 * Where artifacts go and how S3 is reached, from the settings; S3 keys only from SecretStorage,
 * else the AWS environment and profile chain (and `MLFLOW_S3_ENDPOINT_URL` when no endpoint is set).
 */
export function artifactConfig(settings: DaemonSettings, credentials: BackendCredentials, env: NodeJS.ProcessEnv): ArtifactConfig {
  const endpointUrl = settings.s3EndpointUrl ?? (env.MLFLOW_S3_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3 || undefined);
  const region = settings.s3Region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  return {
    ...(settings.artifactsDestination ? { destination: settings.artifactsDestination } : {}),
    s3: {
      ...(endpointUrl ? { endpointUrl } : {}),
      ...(region ? { region } : {}),
      ...(settings.s3PathStyle !== undefined ? { pathStyle: settings.s3PathStyle } : {}),
      ...(credentials.s3 ? { credentials: credentials.s3 } : {}),
    },
  };
}

export function toMlflowAuth(credentials: BackendCredentials): MlflowAuth | undefined {
  if ('token' in credentials && typeof credentials.token === 'string') return { token: credentials.token };
  if ('username' in credentials && typeof credentials.username === 'string') {
    return { username: credentials.username, password: String(credentials.password ?? '') };
  }
  return undefined;
}

/** Successful requests are not logged: a training script logging every step would flood the output channel. */
const ROUTINE = / [23]\d\d \d+ms$/;

export async function startListener(runtime: Runtime, config: ListenerConfig): Promise<Listener> {
  const options: DaemonOptions = {
    host: '127.0.0.1',
    port: config.preferredPort ?? 0,
    dataDir: config.dataDir,
    backend: backendConfig(runtime, config.settings, config.credentials, config.env),
    artifacts: artifactConfig(config.settings, config.credentials, config.env),
    defaultTenant: config.settings.activeTenant,
    token: config.token,
    ...(config.hub ? { hub: config.hub } : {}),
    log: (line) => {
      if (!ROUTINE.test(line)) config.log(`http: ${line}`);
    },
  };
  let daemon: Daemon;
  try {
    daemon = await runtime.startDaemon(options);
  } catch (err) {
    if (options.port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    daemon = await runtime.startDaemon({ ...options, port: 0 });
  }
  const workspaces = config.settings.backend === 'mlflow' && config.settings.mlflowWorkspaces === true;
  return {
    url: daemon.url,
    port: daemon.port,
    dataDir: config.dataDir,
    description: daemon.backendDescription,
    settings: config.settings,
    // The daemon's own registry: its backends publish to the live hub, so LSP writes stream too.
    tenants: daemon.tenants,
    artifacts: daemon.artifacts,
    unscoped: workspaces ? undefined : daemon.backendFor(config.settings.activeTenant),
    close: () => daemon.close(),
  };
}
