/**
 * Types shared by the extension, the daemon and the webviews. This module imports no `vscode`,
 * no DOM and no Node modules.
 */

export * from './requests.ts';
export * from './rpc.ts';
export * from './settings.ts';
export * from './views.ts';
export * from './tenancy.ts';
