import type { ExtensionContext } from 'vscode';

/**
 * The extension's entry point. The sidebar, commands and the daemon it starts arrive with the
 * extension issue; until then the product runs as the standalone daemon (`npm start`).
 */
export function activate(_context: ExtensionContext): void {}

export function deactivate(): void {}
