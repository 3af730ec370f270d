import { isIP } from 'node:net';
import { mountMlflowApi } from './api/mlflow/index.ts';
import { mountV1, V1_PUBLIC_PATHS } from './api/v1/index.ts';
import { listLocalArtifacts } from './artifacts/local-listing.ts';
import { type BackendConfig, BackendSet } from './config/backend-config.ts';
import { Router } from './http/router.ts';
import { type RunningHttpServer, startHttpServer } from './http/server.ts';
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
}

export interface Daemon {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** What the daemon tracks into, for logs and health, e.g. `embedded`. */
  readonly backendDescription: string;
  /** The backend of one tenant, unscoped (tests and diagnostics). */
  backendFor(tenantId: string): TrackingBackend;
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
  const backends = new BackendSet(options.backend ?? { kind: 'embedded' }, options.dataDir);
  const router = new Router();
  // One registry for both APIs: each tenant's ownership caches and MLflow Default experiment.
  const tenants = new TenantRegistry((tenant) => backends.forTenant(tenant));
  const bound = options.tokenTenant ? { boundTenant: options.tokenTenant } : {};
  mountV1(router, {
    tenants,
    listArtifacts: listLocalArtifacts,
    info: { backend: backends.description, version: VERSION },
    outboxHealth: () => backends.outboxHealth(),
    ...bound,
  });
  mountMlflowApi(router, { tenants, defaultTenant: options.defaultTenant ?? 'default', ...bound });
  let http: RunningHttpServer;
  try {
    http = await startHttpServer({
      host: options.host,
      port: options.port,
      router,
      security: {
        extraHosts: [...(options.extraHosts ?? []), ...(loopback || isWildcard(options.host) ? [] : [options.host])],
        allowedOrigins: options.allowedOrigins ?? [],
        publicPaths: V1_PUBLIC_PATHS,
        ...(options.token ? { token: options.token } : {}),
      },
      ...(options.log ? { log: options.log } : {}),
    });
  } catch (err) {
    await backends.close();
    throw err;
  }
  return {
    url: http.url,
    port: http.port,
    dataDir: options.dataDir,
    backendDescription: backends.description,
    backendFor: (tenant) => backends.forTenant(tenant),
    async close() {
      await http.close();
      await backends.close();
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
