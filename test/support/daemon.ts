import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Daemon, type DaemonOptions, startDaemon } from '../../server/src/daemon.ts';

export interface TestDaemon {
  daemon: Daemon;
  url: string;
  dataDir: string;
  /** JSON request helper: sends JSON bodies with the right content type and returns status and body. */
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export interface CallOptions {
  tenant?: string | null;
  body?: unknown;
  /** Sent as is, instead of JSON-encoding `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

/** Starts a daemon on a free loopback port with a fresh data directory. */
export async function startTestDaemon(extra: Partial<DaemonOptions> = {}): Promise<TestDaemon> {
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-test-'));
  const daemon = await startDaemon({ host: '127.0.0.1', port: 0, dataDir, ...extra });
  return {
    daemon,
    url: daemon.url,
    dataDir,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const tenant = options.tenant === undefined ? 'acme-corp' : options.tenant;
      if (tenant !== null) headers['X-Tenant-ID'] = tenant;
      let body: string | undefined = options.raw;
      if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
      const res = await fetch(daemon.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async stop() {
      await daemon.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
