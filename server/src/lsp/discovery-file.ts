/**
 * The discovery file (protocol/src/discovery.ts): written atomically with mode 0600 in the data
 * directory, rewritten when the listener moves, removed on exit. It holds the API token, so it
 * gets the same care as the token file (config/token.ts): a temporary file opened 0600 with
 * `wx` (never following a planted file or link), flushed, then renamed over the target.
 */
import { unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DaemonDiscovery, discoveryFileName } from '../../../protocol/src/index.ts';
import { writePrivateFile } from '../config/token.ts';

/** Writes `value` as JSON to `path` so that no reader ever sees a partial file or loose permissions. */
export async function writePrivateJson(path: string, value: unknown): Promise<void> {
  await writePrivateFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** A workspace folder as the LSP `initialize` request and folder-change events carry it. */
export interface LspWorkspaceFolder {
  uri: string;
  name: string;
}

export function discoveryFolders(folders: readonly LspWorkspaceFolder[]): DaemonDiscovery['workspaceFolders'] {
  return folders.map((f) => {
    let path: string | undefined;
    if (f.uri.startsWith('file:')) {
      try {
        path = fileURLToPath(f.uri);
      } catch {
        path = undefined;
      }
    }
    return { uri: f.uri, name: f.name, ...(path !== undefined ? { path } : {}) };
  });
}

/**
 * The one discovery file of this process. `write` replaces it (moving it when the data directory
 * changed); `remove` and `removeSync` delete it; the sync form is for `process.on('exit')`, where
 * nothing asynchronous runs any more.
 */
export class DiscoveryFile {
  private readonly pid: number;
  private current: string | undefined;

  constructor(pid: number) {
    this.pid = pid;
  }

  /** Where the file is, while it exists. */
  get path(): string | undefined {
    return this.current;
  }

  pathIn(dataDir: string): string {
    return join(dataDir, discoveryFileName(this.pid));
  }

  async write(dataDir: string, contents: DaemonDiscovery): Promise<string> {
    const path = this.pathIn(dataDir);
    await writePrivateJson(path, contents);
    if (this.current !== undefined && this.current !== path) await unlink(this.current).catch(() => {});
    this.current = path;
    return path;
  }

  async remove(): Promise<void> {
    const path = this.current;
    this.current = undefined;
    if (path !== undefined) await unlink(path).catch(() => {});
  }

  removeSync(): void {
    const path = this.current;
    this.current = undefined;
    if (path === undefined) return;
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to clean up.
    }
  }
}
