import { build } from 'esbuild';

/**
 * Bundles what ships: the extension (CommonJS, `vscode` left to the editor) and the daemon
 * (CommonJS for Node, so the extension can start it as a module). Type checking is `tsc -b`'s job.
 */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: true,
  // Smaller bundles load faster in the extension host; names stay for readable stack traces.
  minify: true,
  keepNames: true,
  logLevel: 'warning',
} as const;

await Promise.all([
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client/extension.cjs', external: ['vscode'] }),
  build({ ...common, entryPoints: ['server/src/cli.ts'], outfile: 'dist/server/matihd.cjs' }),
  // The daemon as the extension starts it (LSP over IPC); node:sqlite is loaded lazily inside.
  build({ ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server/lsp.cjs' }),
  // Webview panels: browser bundles (IIFE, so nothing leaks into the page's globals) with their CSS
  // next to them; the panels load them from dist/webviews, their only local resource root.
  build({
    entryPoints: { live: 'webviews/src/live/main.ts', compare: 'webviews/src/compare/main.ts', 'runs-table': 'webviews/src/runs-table/main.ts', 'run-details': 'webviews/src/run-details/main.ts' },
    outdir: 'dist/webviews',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
  }),
  // The notebook renderer: an ES module the notebook's webview imports (it exports `activate`).
  build({
    entryPoints: ['webviews/src/notebook-renderer/index.ts'],
    outfile: 'dist/webviews/notebook-renderer.js',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
  }),
]);
