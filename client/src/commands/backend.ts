/**
 * Backend and daemon commands: choose the backend (embedded, or an MLflow server whose URL and
 * credentials are tested with `Daemon.testConnection` before anything is switched), show the
 * daemon's status, restart it, show its output.
 */
import { commands, env, ProgressLocation, QuickPickItemKind, Uri, window } from 'vscode';
import type { Disposable, QuickPickItem } from 'vscode';
import { Daemon } from '../../../protocol/src/index.ts';
import type { BackendCredentials } from '../../../protocol/src/index.ts';
import { hasCredentials } from '../config/credentials.ts';
import { checkMlflowUri, requiredCheck } from '../util/validation.ts';
import { Commands } from './ids.ts';
import { ask, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

interface Choice<T> extends QuickPickItem {
  value: T;
}

/** Asks how to log in to the server; `undefined` when the user cancelled. */
async function askCredentials(deps: CommandDeps, uri: string): Promise<BackendCredentials | undefined> {
  const saved = await deps.credentials.get(uri);
  type Auth = 'keep' | 'none' | 'basic' | 'token';
  const items: Choice<Auth>[] = [];
  if (hasCredentials(saved)) {
    const who = 'username' in saved ? `as ${saved.username}` : 'with a token';
    items.push({ label: '$(key) Saved credentials', description: who, value: 'keep' });
  }
  items.push(
    { label: '$(circle-slash) No authentication', description: 'a local or open server', value: 'none' },
    { label: '$(person) Username and password', description: 'MLflow basic auth', value: 'basic' },
    { label: '$(key) Token', description: 'bearer token (Databricks PAT, OIDC plugin, …)', value: 'token' },
  );
  const picked = await window.showQuickPick(items, {
    title: 'MLflow Backend (2/3): Authentication',
    placeHolder: `How to sign in to ${uri}? Credentials are kept in the editor's secret storage.`,
    ignoreFocusOut: true,
  });
  switch (picked?.value) {
    case undefined:
      return undefined;
    case 'keep':
      return saved;
    case 'none':
      return {};
    case 'token': {
      const token = await ask({ title: 'MLflow Backend (3/3): Token', prompt: 'Token', password: true, check: requiredCheck('Token') });
      return token === undefined ? undefined : { token: token.trim() };
    }
    case 'basic': {
      const username = await ask({ title: 'MLflow Backend (3/3): Username', prompt: 'Username', check: requiredCheck('Username') });
      if (username === undefined) return undefined;
      const password = await ask({
        title: 'MLflow Backend (3/3): Password',
        prompt: `Password of ${username}`,
        password: true,
        check: requiredCheck('Password'),
      });
      return password === undefined ? undefined : { username: username.trim(), password };
    }
  }
}

async function useMlflow(deps: CommandDeps): Promise<void> {
  const current = deps.settings.current;
  const typed = await ask({
    title: 'MLflow Backend (1/3): Server',
    prompt: 'Tracking server URL',
    value: current.mlflowUri !== '' ? current.mlflowUri : 'http://127.0.0.1:5000',
    check: checkMlflowUri,
  });
  if (typed === undefined) return;
  const uri = typed.trim().replace(/\/+$/, '');
  const credentials = await askCredentials(deps, uri);
  if (credentials === undefined) return;

  const result = await window.withProgress(
    { location: ProgressLocation.Notification, title: `Testing ${uri}…` },
    () => deps.daemon.request(Daemon.testConnection, { uri, credentials }),
  );
  if (!result.ok) {
    const choice = await window.showErrorMessage(`Did not switch to ${uri}: ${result.message}`, 'Try Again');
    if (choice === 'Try Again') await useMlflow(deps);
    return;
  }
  // Credentials before settings: the daemon must never reach the new server without its login.
  await deps.credentials.set(uri, credentials);
  await deps.settings.update('mlflowUri', uri);
  await deps.settings.update('backend', 'mlflow');
  void window.showInformationMessage(`MATIH now tracks to the MLflow server at ${uri}. ${result.message}`.trim());
}

async function chooseBackend(deps: CommandDeps): Promise<void> {
  const current = deps.settings.current;
  const picked = await window.showQuickPick<Choice<'embedded' | 'mlflow'>>(
    [
      {
        label: '$(database) Embedded',
        description: current.backend === 'embedded' ? 'current' : '',
        detail: 'SQLite and artifacts in the data directory on this machine; nothing to set up.',
        value: 'embedded',
      },
      {
        label: '$(server) MLflow tracking server…',
        description: current.backend === 'mlflow' ? `current: ${current.mlflowUri}` : '',
        detail: "A team's MLflow server; asks for its URL and credentials and tests them before switching.",
        value: 'mlflow',
      },
    ],
    { title: 'Choose Backend', placeHolder: 'Where should experiments and runs be stored?' },
  );
  if (picked === undefined) return;
  if (picked.value === 'mlflow') {
    await useMlflow(deps);
  } else if (current.backend !== 'embedded') {
    await deps.settings.update('backend', 'embedded');
    void window.showInformationMessage('MATIH now tracks to the embedded store on this machine.');
  }
}

interface StatusItem extends QuickPickItem {
  /** Copied to the clipboard when picked. */
  copy?: string;
  /** Run when picked. */
  command?: string;
}

function separator(label: string): StatusItem {
  return { label, kind: QuickPickItemKind.Separator };
}

async function showStatus(deps: CommandDeps): Promise<void> {
  const { daemon, settings } = deps;
  const status = daemon.state === 'running' ? await daemon.refreshStatus() : daemon.status;
  const info = (icon: string, label: string, value: string): StatusItem => ({
    label: `$(${icon}) ${label}`,
    description: value,
    copy: value,
  });
  const items: StatusItem[] = [separator('Daemon'), info('pulse', 'State', daemon.state)];
  if (status !== undefined) {
    items.push(
      info(status.healthy ? 'pass' : 'warning', 'Health', status.healthy ? 'healthy' : (status.problem ?? 'unhealthy')),
      info('server', 'Backend', status.backend),
      info('organization', 'Active tenant', settings.current.activeTenant),
      info('globe', 'HTTP listener', status.httpUrl ?? 'not serving (see Health)'),
      info('folder', 'Data directory', status.dataDir),
    );
    if (status.discoveryFile !== undefined) items.push(info('file', 'Discovery file', status.discoveryFile));
    items.push(info('versions', 'Version', `${status.version} (pid ${status.pid})`));
  }
  items.push(
    separator('Actions'),
    { label: '$(organization) Switch Active Tenant…', command: Commands.switchTenant },
    { label: '$(server) Choose Backend…', command: Commands.chooseBackend },
  );
  if (status?.mlflowUiUrl !== undefined) {
    items.push({ label: '$(link-external) Open MLflow UI', description: status.mlflowUiUrl, command: 'open-mlflow' });
  }
  items.push(
    { label: '$(debug-restart) Restart Daemon', command: Commands.restartDaemon },
    { label: '$(output) Show Output', command: Commands.showOutput },
  );
  const picked = await window.showQuickPick(items, {
    title: 'MATIH Daemon Status',
    placeHolder: 'Pick a value to copy it, or an action',
    matchOnDescription: true,
  });
  if (picked === undefined) return;
  if (picked.command === 'open-mlflow' && status?.mlflowUiUrl !== undefined) {
    await env.openExternal(Uri.parse(status.mlflowUiUrl));
  } else if (picked.command !== undefined) {
    await commands.executeCommand(picked.command);
  } else if (picked.copy !== undefined) {
    await env.clipboard.writeText(picked.copy);
    window.setStatusBarMessage(`Copied ${picked.copy}`, 3000);
  }
}

export function registerBackendCommands(deps: CommandDeps): Disposable[] {
  return [
    register(deps, Commands.chooseBackend, () => chooseBackend(deps)),
    register(deps, Commands.showStatus, () => showStatus(deps)),
    register(deps, Commands.restartDaemon, () => deps.daemon.restart()),
    register(deps, Commands.showOutput, () => deps.daemon.showOutput()),
  ];
}
