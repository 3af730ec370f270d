/**
 * Where scripts log right now: the daemon's HTTP URL and active tenant from its status, the token
 * from its discovery file (the token never travels over LSP).
 */
import { readFile } from 'node:fs/promises';
import type { DaemonStatus } from '../../../protocol/src/index.ts';
import type { TrackingEndpoint } from './model.ts';

/** The endpoint of a daemon status, or undefined while the daemon cannot serve scripts. */
export async function readEndpoint(status: DaemonStatus | undefined): Promise<TrackingEndpoint | undefined> {
  if (!status?.httpUrl || !status.discoveryFile) return undefined;
  try {
    const discovery = JSON.parse(await readFile(status.discoveryFile, 'utf8')) as { url?: unknown; token?: unknown };
    if (typeof discovery.token !== 'string' || discovery.token === '') return undefined;
    const url = typeof discovery.url === 'string' && discovery.url !== '' ? discovery.url : status.httpUrl;
    return { url, token: discovery.token, tenant: status.activeTenant };
  } catch {
    return undefined;
  }
}
