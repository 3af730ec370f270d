import { isIP } from 'node:net';
import { mountMlflowApi } from './api/mlflow/index.ts';
import { mountV1, V1_PUBLIC_PATHS } from './api/v1/index.ts';
import { type ArtifactConfig, resolveArtifactConfig } from './config/artifact-config.ts';
import { createArtifactStores } from './config/artifact-stores.ts';
import { type BackendConfig, BackendSet } from './config/backend-config.ts';
import { Router } from './http/router.ts';
import { type RunningHttpServer, startHttpServer } from './http/server.ts';
import { MetricHub } from './live/metric-hub.ts';
import { startMlflowPolling } from './live/poller.ts';
import { withLivePublishing } from './live/publishing-backend.ts';
import { type LiveStream, type StreamLimits, createLiveStream } from './live/ws-stream.ts';
import { withArtifactLocations } from './services/artifact-locations.ts';
import { ArtifactService } from './services/artifacts.ts';
import { TenantRegistry } from './tenancy/tenant-registry.ts';
import type { TrackingBackend } from './tracking/backend.ts';
import { VERSION } from './version.ts';

export interface DaemonOptions {
  /** Interface to bind; loopback unless the operator explicitly allows otherwise. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  /** Where tracking data goes; the embedded store by default. */
  backend?: BackendConfig;
  /** Where artifacts go and how S3 is reached; `<dataDir>/artifacts` by default. */
  artifacts?: ArtifactConfig;
  /** The tenant of MLflow-API requests whose tracking URI has no `/tenants/<tenant>` prefix. */
  defaultTenant?: string;
  /** When set, every request but /health needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Binds the token to one tenant: every request is that tenant's, and naming another is refused. */
  tokenTenant?: string;
  /** Permits a non-loopback bind without a token; off unless the operator asks. */
  allowUnauthenticatedRemote?: boolean;
  /** Host names accepted in the Host header besides the loopback ones. */
  extraHosts?: string[];
  /** Origins (scheme://host:port) allowed to call the API from a browser. */
  allowedOrigins?: string[];
  log?: (line: string) => void;
  /** Live frames go here; the LSP side passes its own so its subscriptions outlive a backend switch. */
  hub?: MetricHub;
  /** Limits of the WebSocket `/api/v1/stream` (ws-stream.ts has the defaults). */
  streamLimits?: Partial<StreamLimits>;
}

export interface Daemon {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** What the daemon tracks into, for logs and health, e.g. `embedded`. */
  readonly backendDescription: string;
  /** The backend of one tenant, unscoped (tests and diagnostics). */
  backendFor(tenantId: string): TrackingBackend;
  /** The tenant scopes every surface writes through; their writes publish to `hub`. */
  readonly tenants: TenantRegistry;
  /** Runs' files on every store, behind the tenant scopes (the LSP handlers use it too). */
  readonly artifacts: ArtifactService;
  /** Where new experiments' artifacts go: a `file:` URI or `s3://bucket/prefix`. */
  readonly artifactDestination: string;
  readonly hub: MetricHub;
  readonly stream: LiveStream;
  /** Stops taking requests, finishes those in flight, then closes the store. */
  close(): Promise<void>;
}

/** Starts the tracking daemon: a backend (embedded by default) behind the v1 and MLflow-compatible APIs. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  if (options.tokenTenant && !options.token) throw new Error('a token tenant needs a token');
  const loopback = isLoopback(options.host);
  if (!loopback && !options.token && !options.allowUnauthenticatedRemote) {
    throw new Error(
      `refusing to listen on ${options.host} without a token: anyone who can reach it could read and change every tenant's data. ` +
        'Pass --token-file, or --allow-unauthenticated-remote if the network is trusted.',
    );
  }
  const backendConfig = options.backend ?? { kind: 'embedded' };
  // Checked before anything opens, so a bad destination fails start-up with its reason.
  const artifactConfig = resolveArtifactConfig(options.artifacts ?? {}, options.dataDir);
  const backends = new BackendSet(backendConfig, options.dataDir);
  const stores = createArtifactStores(artifactConfig, backendConfig);
  const artifacts = new ArtifactService(stores, { maxUploadBytes: artifactConfig.maxUploadBytes });
  const router = new Router();
  // One registry for both APIs (and the LSP handlers): each tenant's ownership caches and MLflow
  // Default experiment. Each tenant's backend publishes its successful writes to the hub
  // (live/publishing-backend.ts), so every surface feeds the live stream without code of its own.
  const hub = options.hub ?? new MetricHub();
  // New experiments get their artifact location under the configured destination
  // (services/artifact-locations.ts), whichever surface creates them.
  const tenants = new TenantRegistry((tenant) =>
    withLivePublishing(withArtifactLocations(backends.forTenant(tenant), tenant, artifactConfig, backendConfig.kind), tenant, hub),
  );
  // Runs that log straight to an MLflow server reach the hub through pollers (none on the embedded
  // store, where every write passes through the daemon).
  const polling = startMlflowPolling(hub, backendConfig, options.log ? { log: options.log } : {});
  const bound = options.tokenTenant ? { boundTenant: options.tokenTenant } : {};
  mountV1(router, {
    tenants,
    listArtifacts: artifacts.listFiles,
    artifacts,
    info: { backend: backends.description, version: VERSION },
    outboxHealth: () => backends.outboxHealth(),
    ...bound,
  });
  mountMlflowApi(router, { tenants, artifacts, defaultTenant: options.defaultTenant ?? 'default', ...bound });
  const security = {
    extraHosts: [...(options.extraHosts ?? []), ...(loopback || isWildcard(options.host) ? [] : [options.host])],
    allowedOrigins: options.allowedOrigins ?? [],
    publicPaths: V1_PUBLIC_PATHS,
    ...(options.token ? { token: options.token } : {}),
  };
  const stream = createLiveStream({
    hub,
    tenants,
    security,
    ...bound,
    ...(options.streamLimits ? { limits: options.streamLimits } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let http: RunningHttpServer;
  try {
    http = await startHttpServer({
      host: options.host,
      port: options.port,
      router,
      security,
      onUpgrade: stream.handleUpgrade,
      ...(options.log ? { log: options.log } : {}),
    });
  } catch (err) {
    await polling?.close();
    await backends.close();
    await stores.close();
    throw err;
  }
  return {
    url: http.url,
    port: http.port,
    dataDir: options.dataDir,
    backendDescription: backends.description,
    backendFor: (tenant) => backends.forTenant(tenant),
    tenants,
    artifacts,
    artifactDestination: artifactConfig.destination,
    hub,
    stream,
    async close() {
      // Upgraded sockets are outside the HTTP server's shutdown; close them first. The hub is
      // left alone when it was given: it belongs to the LSP session and outlives this daemon.
      stream.close();
      if (!options.hub) hub.close();
      await http.close();
      await polling?.close();
      await backends.close();
      await stores.close();
    },
  };
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}
