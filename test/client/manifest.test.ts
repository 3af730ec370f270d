import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Commands, TREE_VIEW_ID, VIEW_CONTAINER_ID } from '../../client/src/commands/ids.ts';

interface Manifest {
  main: string;
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    viewsWelcome: { view: string; contents: string }[];
    configuration: { properties: Record<string, { description?: string; markdownDescription?: string }> };
    walkthroughs: { steps: { media: { markdown?: string } }[] }[];
  };
}

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as Manifest;
const contributed = manifest.contributes;

describe('package.json contributions', () => {
  it('contributes exactly the commands the code registers, each titled in the MATIH category', () => {
    const ids = Object.values(Commands).sort();
    assert.deepEqual(contributed.commands.map((c) => c.command).sort(), ids);
    for (const c of contributed.commands) {
      assert.equal(c.category, 'MATIH', c.command);
      assert.ok(c.title.length > 0, c.command);
    }
  });

  it('menus name contributed commands only', () => {
    const known = new Set(contributed.commands.map((c) => c.command));
    for (const [menu, entries] of Object.entries(contributed.menus)) {
      for (const e of entries) assert.ok(known.has(e.command), `${menu}: ${e.command}`);
    }
  });

  it('welcome buttons name contributed commands', () => {
    const known = new Set(contributed.commands.map((c) => c.command));
    for (const w of contributed.viewsWelcome) {
      for (const [, command] of w.contents.matchAll(/\(command:(matih\.[\w.]+)\)/g)) {
        assert.ok(known.has(command ?? ''), command);
      }
    }
  });

  it('declares the view the code creates, with its icon on disk', () => {
    assert.deepEqual(contributed.views[VIEW_CONTAINER_ID]?.map((v) => v.id), [TREE_VIEW_ID]);
    for (const c of contributed.viewsContainers.activitybar) assert.ok(existsSync(new URL(c.icon, root)), c.icon);
  });

  it('describes every setting', () => {
    for (const [key, p] of Object.entries(contributed.configuration.properties)) {
      assert.ok(key.startsWith('matih.'), key);
      assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, key);
    }
  });

  it('ships the walkthrough media it names', () => {
    for (const step of contributed.walkthroughs.flatMap((w) => w.steps)) {
      if (step.media.markdown !== undefined) assert.ok(existsSync(new URL(step.media.markdown, root)), step.media.markdown);
    }
  });

  it('keeps the bundled entry point', () => {
    assert.equal(manifest.main, './dist/client/extension.cjs');
  });
});
