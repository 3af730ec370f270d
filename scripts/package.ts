/**
 * `npm run package`: builds the bundles and packs them into `matih-experiments-<version>.vsix`
 * at the root with `@vscode/vsce`. What ships is decided by the allow-list `.vscodeignore`; the
 * bundles carry their dependencies, so vsce's npm dependency scan is off.
 *
 *   node scripts/package.ts                # build, then package
 *   node scripts/package.ts --no-build     # package the current dist/
 *   node scripts/package.ts --reuse        # only when the VSIX is older than its sources
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Manifest {
  name: string;
  publisher: string;
  version: string;
  displayName?: string;
}

export function manifest(): Manifest {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
}

/** `publisher.name`, as the editor lists the extension. */
export function extensionId(): string {
  const m = manifest();
  return `${m.publisher}.${m.name}`.toLowerCase();
}

export function vsixPath(): string {
  const m = manifest();
  return join(ROOT, `${m.name}-${m.version}.vsix`);
}

/** Runs a command with this Node (24) first on PATH, so npm scripts and vsce run on it. */
function run(command: string, args: string[], cwd = ROOT): void {
  const PATH = `${dirname(process.execPath)}${delimiter}${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`;
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, PATH } });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

/** Builds (unless `build` is false) and packages; returns the VSIX path. */
export function packageExtension({ build = true }: { build?: boolean } = {}): string {
  if (build) run('npm', ['run', '--silent', 'build']);
  if (!existsSync(join(ROOT, 'dist', 'client', 'extension.cjs'))) throw new Error('dist/client/extension.cjs is missing: run `npm run build`');
  const vsce = createRequire(join(ROOT, 'package.json')).resolve('@vscode/vsce/vsce');
  const out = vsixPath();
  // vsce matches every file under its folder against .vscodeignore, one glob compile per file:
  // over .cache/ (a Python venv, code-server) that takes seconds. It packs a copy of the root
  // without those folders instead; .vscodeignore still decides what ships.
  const staging = mkdtempSync(join(tmpdir(), 'matih-vsix-'));
  try {
    for (const entry of readdirSync(ROOT)) {
      if (STAGING_SKIP.has(entry) || entry.endsWith('.vsix')) continue;
      cpSync(join(ROOT, entry), join(staging, entry), { recursive: true });
    }
    run(
      process.execPath,
      [
        vsce,
        'package',
        '--no-dependencies',
        '--out',
        out,
        // No LICENSE file or repository URL yet; README links stay relative (docs/ does not ship).
        '--skip-license',
        '--allow-missing-repository',
        '--no-rewrite-relative-links',
      ],
      staging,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return out;
}

/** Top-level folders never copied for packaging: large, and never shipped. */
const STAGING_SKIP = new Set(['.git', 'node_modules', '.cache', 'out', 'test', 'test-results', 'demo', 'docs']);

/** The newest modification time (ms) of a file or of the files under a directory. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    max = Math.max(max, newest(join(path, entry.name)));
  }
  return max;
}

/** What the bundles are built from. */
const SOURCES = ['package.json', 'tsconfig.base.json', 'client/src', 'server/src', 'protocol/src', 'webviews/src', 'scripts/bundle.ts'];
/** What else goes into the VSIX. */
const PACKAGED = ['package.json', '.vscodeignore', 'README.md', 'LICENSE', 'dist'];

/**
 * The VSIX when it is newer than everything it is made of; else packages again, building first
 * only when the bundles are older than their sources (`npm test` has just built them).
 */
export function ensureVsix(): string {
  const out = vsixPath();
  const at = (paths: string[]) => Math.max(...paths.map((p) => newest(join(ROOT, p))));
  const sources = at(SOURCES);
  const vsix = existsSync(out) ? statSync(out).mtimeMs : 0;
  if (vsix >= Math.max(sources, at(PACKAGED))) return out;
  const build = at(['dist']) < sources;
  console.error(`[package] the VSIX is out of date; ${build ? 'building and packaging' : 'packaging the current dist/'}`);
  return packageExtension({ build });
}

if (import.meta.main) {
  try {
    const out = process.argv.includes('--reuse') ? ensureVsix() : packageExtension({ build: !process.argv.includes('--no-build') });
    console.log(`[package] ${relative(ROOT, out)}: ${(statSync(out).size / 1024).toFixed(1)} KiB`);
  } catch (err) {
    console.error(`[package] ${(err as Error).message}`);
    process.exit(1);
  }
}
