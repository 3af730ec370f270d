/**
 * The discovery file (protocol/src/discovery.ts): written atomically with mode 0600 in the data
 * directory, rewritten when the listener moves, removed on exit. It holds the API token, so it
 * gets the same care as the token file (config/token.ts): a temporary file opened 0600 with
 * `wx` (never following a planted file or link), flushed, then renamed over the target.
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DaemonDiscovery, discoveryFileName } from '../../../protocol/src/index.ts';

/** Writes `value` as JSON to `path` so that no reader ever sees a partial file or loose permissions. */
export async function writePrivateJson(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o600);
  try {
    // The umask can only remove bits, but be explicit in case the file system ignores the open mode.
    await file.chmod(0o600);
    await file.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await file.sync();
  } catch (err) {
    await file.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
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
