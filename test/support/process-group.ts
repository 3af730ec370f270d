/**
 * Servers the tests start detached, in a process group of their own (MLflow with its uvicorn
 * workers, weed with its sub-servers), so the whole group can be stopped at once. Tracked here so
 * that a test process that exits, crashes or is interrupted does not leave one behind: the group
 * does not get our signals by itself.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of running) killGroup(child, 'SIGKILL');
  };
  process.on('exit', killAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills `child`'s group (spawned `detached`) if this process ends before `stopGroup` is called; until the child exits. */
export function trackGroup(child: ChildProcess): void {
  installExitHook();
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** SIGTERM to `child`'s group, SIGKILL after `graceMs`; resolves once every process of the group is gone. */
export async function stopGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
  const pid = child.pid;
  if (pid !== undefined && groupAlive(pid)) {
    killGroup(child, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
    if (groupAlive(pid)) killGroup(child, 'SIGKILL');
    while (groupAlive(pid)) await sleep(20);
  }
  running.delete(child);
}
