/**
 * "Run Python File with Tracking": creates a run (in an experiment the user picks, by default one
 * named after the file, created when missing), starts the script in a new terminal with the run's
 * MLflow variables, has the daemon sample the process tree's system metrics, and sets the run
 * FINISHED / FAILED from the exit code. "Stop Run" ends the script and marks the run KILLED.
 *
 * The exit code comes from shell integration (`onDidEndTerminalShellExecution`) when the shell
 * offers it; otherwise the command line ends the shell with the script's code and the terminal's
 * exit status carries it.
 */
import { dirname } from 'node:path';
import { commands, extensions, QuickPickItemKind, Uri, window, workspace } from 'vscode';
import type { Disposable, LogOutputChannel, QuickPickItem, Terminal, TerminalShellExecution } from 'vscode';
import { Experiments, Processes, Runs, type RunStatusName } from '../../../protocol/src/index.ts';
import { Commands } from '../commands/ids.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { readableError } from '../util/errors.ts';
import { readEndpoint } from './endpoint.ts';
import { ScriptSettings } from './ids.ts';
import {
  chooseInterpreter,
  experimentNameForFile,
  fallbackCommandLine,
  runEnv,
  samplingInterval,
  statusFromExit,
} from './model.ts';

/** How long a new terminal may take to report shell integration before the fallback is used. */
const SHELL_INTEGRATION_WAIT_MS = 4000;

interface TrackedScript {
  tenant: string;
  runId: string;
  file: string;
  terminal: Terminal;
  stoppedByUser: boolean;
  ended: boolean;
  disposables: Disposable[];
}

export class ScriptRunner implements Disposable {
  readonly #daemon: DaemonApi;
  readonly #log: LogOutputChannel;
  readonly #running = new Map<string, TrackedScript>();

  constructor(daemon: DaemonApi, log: LogOutputChannel) {
    this.#daemon = daemon;
    this.#log = log;
  }

  /** The command: `arg` is the explorer's or editor title's file, or nothing from the palette. */
  async runPythonFile(arg?: unknown): Promise<void> {
    const uri = await this.#targetFile(arg);
    if (!uri) return;
    const endpoint = await readEndpoint(this.#daemon.status ?? (await this.#daemon.refreshStatus()));
    if (!endpoint) throw new Error('The MATIH daemon is not serving scripts right now. Check its status in the status bar.');
    const tenant = endpoint.tenant;

    const experiment = await this.#pickExperiment(tenant, experimentNameForFile(uri.fsPath));
    if (!experiment) return;
    const run = await this.#daemon.request(Runs.create, { tenant, experimentId: experiment.id });
    const interpreter = await this.#interpreter(uri);
    this.#log.info(`Running ${uri.fsPath} with ${interpreter} as run ${run.id} in experiment ${experiment.name} (${tenant})`);

    const terminal = window.createTerminal({
      name: `MATIH: ${uri.path.split('/').pop() ?? 'script'}`,
      cwd: dirname(uri.fsPath),
      env: runEnv(endpoint, { runId: run.id, experimentId: experiment.id }),
    });
    const tracked: TrackedScript = { tenant, runId: run.id, file: uri.fsPath, terminal, stoppedByUser: false, ended: false, disposables: [] };
    this.#running.set(run.id, tracked);
    terminal.show();
    // The sidebar learns of the run (and of an experiment created for it) only by reloading.
    void commands.executeCommand(Commands.refresh).then(undefined, () => undefined);
    // The point of running with tracking: watch the curves grow while it trains.
    void commands.executeCommand(Commands.openLiveMetrics, run.id, tenant).then(undefined, (error: unknown) =>
      this.#log.warn(`Opening Live Metrics: ${readableError(error)}`),
    );

    tracked.disposables.push(
      window.onDidCloseTerminal((t) => {
        // Closed before shell integration told the end: the fallback's exit status, or killed.
        if (t === terminal) void this.#end(tracked, t.exitStatus?.code);
      }),
    );

    const execution = await this.#start(terminal, interpreter, uri.fsPath);
    if (execution) {
      tracked.disposables.push(
        window.onDidEndTerminalShellExecution((e) => {
          if (e.execution === execution) void this.#end(tracked, e.exitCode);
        }),
      );
    }
    void this.#trackProcess(tracked);
  }

  /** The command: ends the chosen script (terminal disposed) and marks its run KILLED. */
  async stopRun(arg?: unknown): Promise<void> {
    const scripts = [...this.#running.values()].filter((s) => !s.ended);
    if (scripts.length === 0) {
      void window.showInformationMessage('No script started with "Run Python File with Tracking" is running.');
      return;
    }
    const wanted = typeof arg === 'string' ? scripts.find((s) => s.runId === arg) : undefined;
    let script = wanted ?? (scripts.length === 1 ? scripts[0] : undefined);
    if (!script) {
      const pick = await window.showQuickPick(
        scripts.map((s) => ({ label: s.file.split(/[\\/]/).pop() ?? s.file, description: `run ${s.runId}`, detail: s.file, script: s })),
        { title: 'Stop Run', placeHolder: 'The script to stop; its run is marked KILLED' },
      );
      script = pick?.script;
    }
    if (!script) return;
    script.stoppedByUser = true;
    script.terminal.dispose();
    await this.#end(script, undefined);
  }

  async #targetFile(arg: unknown): Promise<Uri | undefined> {
    const uri = arg instanceof Uri ? arg : window.activeTextEditor?.document.uri;
    if (!uri) {
      void window.showWarningMessage('Open a Python file (or pick one in the Explorer) to run it with tracking.');
      return undefined;
    }
    if (uri.scheme !== 'file') throw new Error('Only files on disk can be run with tracking; save the file first.');
    const open = workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) await open.save();
    return uri;
  }

  async #pickExperiment(tenant: string, defaultName: string): Promise<{ id: string; name: string } | undefined> {
    const existing = await this.#daemon.request(Experiments.list, { tenant, maxResults: 100, orderBy: ['name ASC'] }).catch(() => undefined);
    type Item = QuickPickItem & { experiment?: { id: string; name: string }; create?: string };
    const byName = existing?.items.find((e) => e.name === defaultName);
    const items: Item[] = [
      byName
        ? { label: defaultName, description: 'named after the file', experiment: { id: byName.id, name: byName.name } }
        : { label: `$(add) ${defaultName}`, description: 'new experiment named after the file', create: defaultName },
      { label: '', kind: QuickPickItemKind.Separator },
      ...(existing?.items ?? [])
        .filter((e) => e.name !== defaultName)
        .map((e): Item => ({ label: e.name, description: e.description || undefined, experiment: { id: e.id, name: e.name } })),
    ];
    const pick = await window.showQuickPick(items, { title: `Run with Tracking: experiment (tenant ${tenant})`, placeHolder: 'The experiment the run goes to' });
    if (!pick) return undefined;
    if (pick.experiment) return pick.experiment;
    const name = pick.create ?? defaultName;
    try {
      const created = await this.#daemon.request(Experiments.create, { tenant, name });
      return { id: created.id, name: created.name };
    } catch (error) {
      // Created meanwhile (by a script or another window): use that one.
      const again = await this.#daemon.request(Experiments.list, { tenant, filter: `name = '${name.replace(/'/g, "''")}'`, maxResults: 1 }).catch(() => undefined);
      const found = again?.items[0];
      if (found) return { id: found.id, name: found.name };
      throw error;
    }
  }

  async #interpreter(file: Uri): Promise<string> {
    const configured = workspace.getConfiguration('matih', file).get<string>(ScriptSettings.interpreter);
    let fromPython: string | undefined;
    if (!configured?.trim()) {
      try {
        const ext = extensions.getExtension('ms-python.python');
        if (ext) {
          const api = (ext.isActive ? ext.exports : await ext.activate()) as PythonApi | undefined;
          const active = api?.environments?.getActiveEnvironmentPath(file);
          if (active?.path) {
            const resolved = await api?.environments?.resolveEnvironment?.(active).catch(() => undefined);
            fromPython = resolved?.executable?.uri?.fsPath ?? active.path;
          }
        }
      } catch (error) {
        this.#log.warn(`Asking the Python extension for the interpreter: ${readableError(error)}`);
      }
    }
    return chooseInterpreter(configured, fromPython, process.platform);
  }

  /** Runs the script in the terminal: through shell integration when it comes up in time, else typed. */
  async #start(terminal: Terminal, interpreter: string, file: string): Promise<TerminalShellExecution | undefined> {
    const integration =
      terminal.shellIntegration ??
      (await new Promise<Terminal['shellIntegration']>((resolve) => {
        const timer = setTimeout(() => {
          listener.dispose();
          resolve(undefined);
        }, SHELL_INTEGRATION_WAIT_MS);
        const listener = window.onDidChangeTerminalShellIntegration((e) => {
          if (e.terminal !== terminal) return;
          clearTimeout(timer);
          listener.dispose();
          resolve(e.shellIntegration);
        });
      }));
    if (integration) return integration.executeCommand(interpreter, [file]);
    this.#log.info('No shell integration in the new terminal; the exit code comes from the shell exiting');
    terminal.sendText(fallbackCommandLine(interpreter, file, process.platform), true);
    return undefined;
  }

  async #trackProcess(script: TrackedScript): Promise<void> {
    try {
      const pid = await script.terminal.processId;
      if (pid === undefined || script.ended) return;
      const intervalSeconds = samplingInterval(workspace.getConfiguration('matih').get<unknown>(ScriptSettings.systemMetricsInterval));
      const result = await this.#daemon.request(Processes.track, { tenant: script.tenant, runId: script.runId, pid, intervalSeconds });
      this.#log.info(`System metrics of run ${script.runId}: every ${result.intervalSeconds} s${result.gpu ? ', with GPUs' : ''}`);
    } catch (error) {
      this.#log.warn(`System metrics of run ${script.runId} are not sampled: ${readableError(error)}`);
    }
  }

  async #end(script: TrackedScript, exitCode: number | undefined): Promise<void> {
    if (script.ended) return;
    script.ended = true;
    this.#running.delete(script.runId);
    for (const d of script.disposables.splice(0)) d.dispose();
    const status: RunStatusName = statusFromExit(exitCode, script.stoppedByUser);
    await this.#daemon.request(Processes.stop, { runId: script.runId }).catch(() => undefined);
    try {
      await this.#daemon.request(Runs.update, { tenant: script.tenant, runId: script.runId, status });
      this.#log.info(`Run ${script.runId} ${status} (exit code ${exitCode ?? 'none'})`);
    } catch (error) {
      this.#log.warn(`Marking run ${script.runId} ${status}: ${readableError(error)}`);
      void window.showWarningMessage(`The run of ${script.file} could not be marked ${status}: ${readableError(error)}`);
    }
  }

  dispose(): void {
    for (const script of this.#running.values()) for (const d of script.disposables.splice(0)) d.dispose();
    this.#running.clear();
  }
}

/** The part of the Python extension's API used here (`ms-python.python`, `environments`). */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: Uri): { id: string; path: string };
    resolveEnvironment?(env: { id: string; path: string } | string): Promise<{ executable?: { uri?: Uri } } | undefined>;
  };
}
