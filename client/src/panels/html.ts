/**
 * The HTML shell of a webview panel, pure so it is tested without the editor: a strict CSP
 * (`default-src 'none'`, scripts only by a fresh CSPRNG nonce, styles only from the extension's
 * files), the stylesheets and the one script bundle. No user data belongs in the shell — the
 * page gets it by message and renders it as text — but the title is escaped anyway.
 */
import { randomBytes } from 'node:crypto';

/** A fresh nonce for one render (128 bits from the CSPRNG). */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export interface PanelHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of the bundle, as a string. */
  scriptUri: string;
  styleUris: readonly string[];
  nonce: string;
  title: string;
}

/** The Content-Security-Policy of a panel. */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function buildPanelHtml(options: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(options.nonce)) throw new Error('a nonce must be 16 or more base64 characters');
  const csp = escapeHtml(panelCsp(options.cspSource, options.nonce));
  const styles = options.styleUris.map((uri) => `  <link rel="stylesheet" href="${escapeHtml(uri)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta charset="UTF-8">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
  <title>${escapeHtml(options.title)}</title>
</head>
<body>
  <script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>
`;
}
