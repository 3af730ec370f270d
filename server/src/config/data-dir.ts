import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the daemon keeps its store: an explicit `--data-dir` wins, then `MATIH_HOME`, then
 * `~/.matih`, so scripts, the standalone daemon and the editor share one store by default.
 */
export function resolveDataDir(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.MATIH_HOME) return resolve(env.MATIH_HOME);
  return join(homedir(), '.matih');
}
