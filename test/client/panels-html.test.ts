import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPanelHtml, escapeHtml, newNonce, panelCsp } from '../../client/src/panels/html.ts';

const HOSTILE = [
  '"><img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  "' onload='alert(1)",
  'javascript:alert(1)',
];

function render(title = 'Live Metrics', nonce = newNonce()): { html: string; nonce: string } {
  const html = buildPanelHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/live.js',
    styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/live.css'],
    nonce,
    title,
  });
  return { html, nonce };
}

function cspOf(html: string): string {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(match, 'a CSP meta tag');
  return match[1]!.replaceAll('&#39;', "'");
}

describe('panel HTML', () => {
  it('starts the head with a CSP of default-src none, a script nonce and styles from the extension only', () => {
    const { html, nonce } = render();
    const head = html.slice(html.indexOf('<head>'), html.indexOf('</head>'));
    assert.ok(head.indexOf('Content-Security-Policy') < head.indexOf('<link'), 'CSP comes before any resource');
    const csp = cspOf(html);
    assert.match(csp, /^default-src 'none';/);
    assert.ok(csp.includes(`script-src 'nonce-${nonce}'`));
    assert.ok(csp.includes('style-src https://file+.vscode-resource.vscode-cdn.net'));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(csp, panelCsp('https://file+.vscode-resource.vscode-cdn.net', nonce));
  });

  it('uses a fresh CSPRNG nonce per render', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => newNonce()));
    assert.equal(nonces.size, 50);
    for (const n of nonces) assert.match(n, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(cspOf(render().html), cspOf(render().html));
  });

  it('has only script tags that carry the nonce, no inline scripts, styles or handlers', () => {
    const { html, nonce } = render();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    for (const [, attrs, body] of scripts) {
      assert.ok(attrs!.includes(`nonce="${nonce}"`));
      assert.ok(attrs!.includes('src="'));
      assert.equal(body, '');
    }
    assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('never lets a hostile title out of its text', () => {
    for (const payload of HOSTILE) {
      const { html } = render(payload);
      if (/[<>"']/.test(payload)) assert.ok(!html.includes(payload), payload);
      assert.ok(html.includes(escapeHtml(payload)));
      assert.equal((html.match(/<script\b/g) ?? []).length, 1);
      assert.equal((html.match(/<\/script>/g) ?? []).length, 1);
      assert.doesNotMatch(html, /<img/);
    }
  });

  it('refuses a missing or malformed nonce', () => {
    assert.throws(() => render('x', ''));
    assert.throws(() => render('x', `${newNonce()}"><script>`));
  });
});
