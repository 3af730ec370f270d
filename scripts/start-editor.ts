/**
 * Builds and packages the extension, then opens it with the demo workspace (`demo/`): in desktop
 * VS Code when the `code` command exists, else in code-server on 127.0.0.1, printing the URL.
 *
 *   node scripts/start-editor.ts [--port N] [--no-build] [--code-server]
 *
 * --port N        code-server's port (default: a free one)
 * --no-build      package the current dist/ without building
 * --code-server   use code-server even when `code` exists
 *
 * code-server keeps its settings and extensions in `.cache/editor/` between runs; it is installed
 * on first use by scripts/install-code-server.ts. Ctrl-C stops it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CODE_SERVER_ENTRY, installCodeServer, missingPieces, node24, ROOT } from './install-code-server.ts';
import { packageExtension } from './package.ts';

const DEMO = join(ROOT, 'demo');
const EDITOR_DIR = join(ROOT, '.cache', 'editor');
const FIRST_RUN_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // demo/ sits inside the project's repository; do not ask to open it.
  'git.openRepositoryInParentFolders': 'never',
};

function log(message: string): void {
  console.log(`[start-editor] ${message}`);
}

function hasDesktopCode(): boolean {
  const result = spawnSync('code', ['--version'], { stdio: 'ignore', timeout: 30_000 });
  return !result.error && result.status === 0;
}

function openInDesktop(vsix: string): void {
  log('installing the VSIX into VS Code (`code`)');
  const install = spawnSync('code', ['--install-extension', vsix, '--force'], { stdio: 'inherit' });
  if (install.status !== 0) throw new Error(`code --install-extension failed with exit code ${install.status}`);
  const open = spawnSync('code', [DEMO], { stdio: 'inherit' });
  if (open.status !== 0) throw new Error(`code ${DEMO} failed with exit code ${open.status}`);
  log(`opened ${DEMO} in VS Code`);
}

async function openInCodeServer(vsix: string, port: number): Promise<void> {
  if (missingPieces().length > 0) {
    log('code-server is not installed yet; installing it (a few minutes, once)');
    installCodeServer();
  }
  const node = node24();
  const userDataDir = join(EDITOR_DIR, 'user-data');
  const extensionsDir = join(EDITOR_DIR, 'extensions');
  const config = join(EDITOR_DIR, 'code-server.yaml');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  // First run only: no telemetry, no chat panel (its AI features need a sign-in and the network).
  const settings = join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settings)) writeFileSync(settings, `${JSON.stringify(FIRST_RUN_SETTINGS, null, 2)}\n`);
  const base = [CODE_SERVER_ENTRY, '--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  log('installing the VSIX into code-server');
  const install = spawnSync(node, [...base, '--install-extension', vsix, '--force'], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`code-server --install-extension failed:\n${install.stdout}${install.stderr}`);

  const flags = ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--ignore-last-opened'];
  // The demo folder is the project's own: trusted, so the extension does not sit in Restricted Mode.
  flags.push('--disable-workspace-trust');
  const server = spawn(node, [...base, ...flags, DEMO], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let announced = false;
  let early = '';
  const onOutput = (chunk: Buffer) => {
    if (announced) {
      process.stderr.write(chunk);
      return;
    }
    early += chunk;
    const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(early);
    if (m) {
      announced = true;
      console.log(`\n  MATIH Experiments in code-server: ${m[1]}/?folder=${encodeURIComponent(DEMO)}\n`);
      console.log('  (loopback only, no password; Ctrl-C stops it)\n');
    }
  };
  server.stdout!.on('data', onOutput);
  server.stderr!.on('data', onOutput);

  const stop = () => {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {}
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('exit', stop);
  const code = await new Promise<number | null>((resolve) => server.on('exit', (c) => resolve(c)));
  if (!announced) throw new Error(`code-server exited (${code}) before listening:\n${early}`);
  log(`code-server stopped`);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'no-build': { type: 'boolean', default: false },
    'code-server': { type: 'boolean', default: false },
  },
});

try {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: not a port`);
  const vsix = packageExtension({ build: !values['no-build'] });
  if (!values['code-server'] && hasDesktopCode()) openInDesktop(vsix);
  else await openInCodeServer(vsix, port);
} catch (err) {
  console.error(`[start-editor] ${(err as Error).message}`);
  process.exit(1);
}
