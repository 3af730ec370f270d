/**
 * Types shared by the extension, the daemon and the webviews. This module imports no `vscode`,
 * no DOM and no Node modules (zod is its one dependency).
 */

export * from './discovery.ts';
export * from './live.ts';
export * from './params.ts';
export * from './requests.ts';
export * from './rpc.ts';
export * from './settings.ts';
export * from './tenancy.ts';
export * from './rules.ts';
export * from './views.ts';
export * from './processes.ts';
export * from './webview.ts';
export * from './notebook-renderer.ts';
export * from './compare-panel.ts';
export * from './runs-table-panel.ts';
export * from './run-details-panel.ts';
export * from './inline.ts';
export * from './inspect.ts';
export * from './artifacts.ts';
