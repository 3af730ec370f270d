/**
 * Installs what the end-to-end tests and `scripts/start-editor.ts` need to run the extension in a
 * real editor without a desktop: code-server 4.139.x (VS Code 1.139) built for the project's
 * Node 24, in the git-ignored `.cache/code-server/`, and Debian's `chromium` plus `libkrb5-dev`
 * (code-server's `kerberos` module compiles against it). Idempotent: a second run only checks.
 *
 *   node scripts/install-code-server.ts            # install what is missing
 *   node scripts/install-code-server.ts --check    # exit 1 if something is missing, install nothing
 *   node scripts/install-code-server.ts --check --json   # paths and what is missing, as JSON
 *
 * The code-server install is not a dependency of the extension: it lives in its own package
 * folder, so `npm ci` in the project never downloads it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CODE_SERVER_DIR = join(ROOT, '.cache', 'code-server');
/** The npm range the install follows: code-server 4.139.x is VS Code 1.139. */
export const CODE_SERVER_RANGE = '~4.139.1';
const CODE_SERVER_PACKAGE = join(CODE_SERVER_DIR, 'node_modules', 'code-server');
const MARKER = join(CODE_SERVER_DIR, 'installed.json');
/**
 * The config file of the install's own `--version` check. Every code-server run needs a
 * `--config` (the e2e helper and start-editor write their own): without one, code-server writes
 * a password config into `~/.config/code-server/`.
 */
export const CODE_SERVER_CONFIG = join(CODE_SERVER_DIR, 'config.yaml');
const HEADERS_DIR = join(ROOT, '.cache', 'node-headers');
/** Debian's Chromium, driven by playwright-core; override with `CHROMIUM_PATH`. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APT_PACKAGES = ['libkrb5-dev', 'chromium', 'fonts-liberation'];

/** The Node 24 that runs code-server: this process when it is 24+, else the project's `node` package. */
export function node24(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const local = join(ROOT, 'node_modules', '.bin', 'node');
  if (existsSync(local)) return local;
  throw new Error('Node 24 not found: run `npm install` first (it arrives as the `node` dev dependency)');
}

/** code-server's entry script, to run with `node24()`. */
export const CODE_SERVER_ENTRY = join(CODE_SERVER_PACKAGE, 'out', 'node', 'entry.js');

interface Marker {
  version: string;
  node: string;
}

/** The installed code-server version when the install finished for this Node major, else undefined. */
export function installedCodeServer(): string | undefined {
  if (!existsSync(MARKER) || !existsSync(CODE_SERVER_ENTRY)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(MARKER, 'utf8')) as Marker;
    const pkg = JSON.parse(readFileSync(join(CODE_SERVER_PACKAGE, 'package.json'), 'utf8')) as { version: string };
    const major = (v: string) => v.replace(/^v/, '').split('.')[0];
    if (marker.version !== pkg.version || !pkg.version.startsWith('4.139.')) return undefined;
    if (major(marker.node) !== major(process.versions.node)) return undefined;
    return pkg.version;
  } catch {
    return undefined;
  }
}

/** What is missing for the e2e tests, in words; empty when everything is there. */
export function missingPieces(): string[] {
  const missing: string[] = [];
  if (!installedCodeServer()) missing.push(`code-server 4.139.x in ${CODE_SERVER_DIR}`);
  if (!existsSync(CHROMIUM)) missing.push(`Chromium at ${CHROMIUM}`);
  return missing;
}

function log(message: string): void {
  console.log(`[install-code-server] ${message}`);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): void {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

function aptMissing(): string[] {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...APT_PACKAGES], { encoding: 'utf8' });
  if (query.error) return APT_PACKAGES.filter((p) => p !== 'chromium' || !existsSync(CHROMIUM));
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((line) => line.endsWith(' install ok installed'))
      .map((line) => line.split(' ')[0]),
  );
  return APT_PACKAGES.filter((p) => !installed.has(p));
}

function ensureAptPackages(): void {
  const missing = aptMissing();
  if (missing.length === 0) {
    log(`apt packages present: ${APT_PACKAGES.join(', ')}`);
    return;
  }
  const hint = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).error) {
    throw new Error(`missing system packages (${missing.join(', ')}) and no apt-get here; install their equivalents by hand`);
  }
  let sudo: string[] = [];
  if (process.getuid?.() !== 0) {
    if (spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`missing system packages (${missing.join(', ')}); apt needs root. Run as root:\n  ${hint}`);
    }
    sudo = ['sudo', '-n'];
  }
  const started = performance.now();
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => (sudo.length ? run(sudo[0]!, [...sudo.slice(1), 'apt-get', ...args], { env }) : run('apt-get', args, { env }));
  apt(['update', '-q']);
  apt(['install', '-y', '-q', '--no-install-recommends', ...missing]);
  log(`apt packages installed in ${seconds(started)}`);
}

/** The version in `<dir>/include/node/node_version.h`, or undefined. */
function headersVersion(dir: string): string | undefined {
  try {
    const h = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const part = (name: string) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(h)?.[1];
    return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  } catch {
    return undefined;
  }
}

/**
 * A directory whose `include/node` holds the headers of the Node that runs the install, for
 * node-gyp's `--nodedir` (node-gyp would otherwise download them from nodejs.org, and a user
 * `.npmrc` may point `nodedir` at another Node's headers). Falls back to the registry's
 * `node-<platform>-<arch>` package, which ships them.
 */
function ensureNodeHeaders(node: string): string {
  const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const candidates = [
    join(dirname(node), '..'),
    join(ROOT, 'node_modules', 'node', 'node_modules', platformPackage),
    join(ROOT, 'node_modules', platformPackage),
    join(HEADERS_DIR, `v${version}`),
  ];
  const found = candidates.find((dir) => headersVersion(dir) === version);
  if (found) return found;
  const started = performance.now();
  log(`fetching Node ${version} headers from the npm package ${platformPackage}@${version}`);
  const staging = join(HEADERS_DIR, `staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const pack = spawnSync('npm', ['pack', '--silent', `${platformPackage}@${version}`], { cwd: staging, encoding: 'utf8', env: npmEnv(node) });
    if (pack.status !== 0) throw new Error(`npm pack ${platformPackage}@${version} failed:\n${pack.stderr}`);
    const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${platformPackage}@${version} produced no tarball`);
    run('tar', ['xzf', tarball, 'package/include'], { cwd: staging });
    const target = join(HEADERS_DIR, `v${version}`);
    rmSync(target, { recursive: true, force: true });
    renameSync(join(staging, 'package'), target);
    if (headersVersion(target) !== version) throw new Error(`no Node ${version} headers in ${platformPackage}@${version}`);
    log(`Node headers ready in ${seconds(started)}`);
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The environment for npm running on `node`: that Node first on PATH, no inherited npm_* settings. */
function npmEnv(node: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const shim = join(CODE_SERVER_DIR, '.node-bin');
  mkdirSync(shim, { recursive: true });
  rmSync(join(shim, 'node'), { force: true });
  symlinkSync(node, join(shim, 'node'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return { ...env, PATH: `${shim}${delimiter}${process.env.PATH ?? ''}`, ...extra };
}

function ensureCodeServerPackage(): void {
  const present = installedCodeServer();
  if (present) {
    log(`code-server ${present} present in ${CODE_SERVER_DIR}`);
    return;
  }
  const node = node24();
  const started = performance.now();
  const nodedir = ensureNodeHeaders(node);
  mkdirSync(CODE_SERVER_DIR, { recursive: true });
  rmSync(MARKER, { force: true });
  writeFileSync(
    join(CODE_SERVER_DIR, 'package.json'),
    `${JSON.stringify(
      {
        name: 'matih-code-server',
        private: true,
        description: 'code-server for the MATIH e2e tests; installed by scripts/install-code-server.ts',
        dependencies: { 'code-server': CODE_SERVER_RANGE },
        // npm 11 runs only the install scripts listed here (code-server's postinstall builds VS Code's
        // native modules; argon2 only picks its prebuilt binary).
        allowScripts: { 'code-server': true, argon2: true },
      },
      null,
      2,
    )}\n`,
  );
  log(`npm install code-server@${CODE_SERVER_RANGE} with ${node} (Node headers: ${nodedir})`);
  run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=warn'], {
    cwd: CODE_SERVER_DIR,
    // Inherited by the nested `npm install` runs of code-server's postinstall.
    env: npmEnv(node, { npm_config_nodedir: nodedir, npm_config_update_notifier: 'false' }),
  });
  writeFileSync(CODE_SERVER_CONFIG, 'bind-addr: 127.0.0.1:8080\nauth: none\ncert: false\n');
  const version = spawnSync(node, [CODE_SERVER_ENTRY, '--config', CODE_SERVER_CONFIG, '--version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`code-server does not start:\n${version.stdout}${version.stderr}`);
  const pkg = JSON.parse(readFileSync(join(CODE_SERVER_PACKAGE, 'package.json'), 'utf8')) as { version: string };
  const nodeVersion = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(MARKER, `${JSON.stringify({ version: pkg.version, node: nodeVersion } satisfies Marker)}\n`);
  log(`code-server ${version.stdout.trim().split('\n').at(-1)} installed in ${seconds(started)}`);
}

/** Installs whatever is missing; throws with a readable message when it cannot. */
export function installCodeServer(): void {
  const started = performance.now();
  ensureAptPackages();
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH if it lives elsewhere)`);
  ensureCodeServerPackage();
  log(`ready (${seconds(started)})`);
}

if (import.meta.main) {
  if (process.argv.includes('--check')) {
    const missing = missingPieces();
    if (process.argv.includes('--json')) {
      // For the e2e helper (test/e2e/support), which cannot import this file.
      console.log(JSON.stringify({ missing, node: node24(), codeServer: CODE_SERVER_ENTRY, chromium: CHROMIUM }));
      process.exit(0);
    }
    for (const piece of missing) console.error(`missing: ${piece}`);
    process.exit(missing.length ? 1 : 0);
  }
  try {
    installCodeServer();
  } catch (err) {
    console.error(`[install-code-server] ${(err as Error).message}`);
    process.exit(1);
  }
}
