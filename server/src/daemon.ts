import { isIP } from 'node:net';
import { mountV1, V1_PUBLIC_PATHS } from './api/v1/index.ts';
import { listLocalArtifacts } from './artifacts/local-listing.ts';
import { Router } from './http/router.ts';
import { type RunningHttpServer, startHttpServer } from './http/server.ts';
import { TenantRegistry } from './tenancy/tenant-registry.ts';
import type { TrackingBackend } from './tracking/backend.ts';
import { EmbeddedBackend } from './tracking/embedded/embedded-backend.ts';
import { VERSION } from './version.ts';

export interface DaemonOptions {
  /** Interface to bind; loopback unless the operator explicitly allows otherwise. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  /** When set, every request but /health needs `Authorization: Bearer <token>`. */
  token?: string;
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
  readonly backend: TrackingBackend;
  /** Stops taking requests, finishes those in flight, then closes the store. */
  close(): Promise<void>;
}

/** Starts the tracking daemon: the embedded store behind the seed's v1 API. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const loopback = isLoopback(options.host);
  if (!loopback && !options.token && !options.allowUnauthenticatedRemote) {
    throw new Error(
      `refusing to listen on ${options.host} without a token: anyone who can reach it could read and change every tenant's data. ` +
        'Pass --token-file, or --allow-unauthenticated-remote if the network is trusted.',
    );
  }
  const backend = EmbeddedBackend.open({ dataDir: options.dataDir });
  const router = new Router();
  mountV1(router, {
    tenants: new TenantRegistry(backend),
    listArtifacts: listLocalArtifacts,
    info: { backend: 'embedded', version: VERSION },
  });
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
    await backend.close();
    throw err;
  }
  return {
    url: http.url,
    port: http.port,
    dataDir: options.dataDir,
    backend,
    async close() {
      await http.close();
      await backend.close();
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
