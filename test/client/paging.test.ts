import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PageView } from '../../protocol/src/index.ts';
import { PagedList } from '../../client/src/util/paging.ts';

interface Item {
  id: string;
  v?: number;
}

/** A fetcher over fixed pages keyed by token ('' for the first), recording the tokens asked for. */
function pages(map: Record<string, PageView<Item>>): { fetch: (t: string | undefined) => Promise<PageView<Item>>; asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  return {
    asked,
    fetch: async (token) => {
      asked.push(token);
      const page = map[token ?? ''];
      if (page === undefined) throw new Error(`no page ${token}`);
      return page;
    },
  };
}

const ids = (list: PagedList<Item>): string[] => list.items.map((i) => i.id);

describe('PagedList', () => {
  it('loads the first page, then the next ones, until there is no token', async () => {
    const p = pages({ '': { items: [{ id: 'a' }, { id: 'b' }], nextPageToken: 't1' }, t1: { items: [{ id: 'c' }] } });
    const list = new PagedList((i: Item) => i.id, p.fetch);
    assert.equal(list.loaded, false);
    assert.equal(list.hasMore, false);
    await list.ensureLoaded();
    assert.deepEqual(ids(list), ['a', 'b']);
    assert.equal(list.hasMore, true);
    await list.ensureLoaded(); // already loaded: no request
    await list.loadNext();
    assert.deepEqual(ids(list), ['a', 'b', 'c']);
    assert.equal(list.hasMore, false);
    await list.loadNext(); // nothing more: no request
    assert.deepEqual(p.asked, [undefined, 't1']);
  });

  it('shares one request between concurrent loads', async () => {
    const p = pages({ '': { items: [{ id: 'a' }], nextPageToken: 't1' }, t1: { items: [{ id: 'b' }] } });
    const list = new PagedList((i: Item) => i.id, p.fetch);
    await list.ensureLoaded();
    await Promise.all([list.loadNext(), list.loadNext(), list.loadNext()]);
    assert.deepEqual(p.asked, [undefined, 't1']);
    assert.deepEqual(ids(list), ['a', 'b']);
  });

  it('drops repeated items when pages shift, keeping the newer copy', async () => {
    const p = pages({
      '': { items: [{ id: 'a' }, { id: 'b', v: 1 }], nextPageToken: 't1' },
      t1: { items: [{ id: 'b', v: 2 }, { id: 'c' }] },
    });
    const list = new PagedList((i: Item) => i.id, p.fetch);
    await list.ensureLoaded();
    await list.loadNext();
    assert.deepEqual(ids(list), ['a', 'b', 'c']);
    assert.equal(list.items[1]?.v, 2);
  });

  it('treats an empty next-page token as the last page', async () => {
    const p = pages({ '': { items: [{ id: 'a' }], nextPageToken: '' } });
    const list = new PagedList((i: Item) => i.id, p.fetch);
    await list.ensureLoaded();
    assert.equal(list.hasMore, false);
  });

  it('discards a page that lands after a reset', async () => {
    let release: (page: PageView<Item>) => void = () => {};
    const calls: number[] = [];
    const list = new PagedList(
      (i: Item) => i.id,
      (token) => {
        calls.push(calls.length);
        if (calls.length === 1) return new Promise((resolve) => (release = resolve));
        return Promise.resolve({ items: [{ id: `fresh-${token ?? 'first'}` }] });
      },
    );
    const stale = list.ensureLoaded();
    list.reset();
    await list.ensureLoaded();
    release({ items: [{ id: 'stale' }] });
    await stale;
    assert.deepEqual(ids(list), ['fresh-first']);
  });

  it('keeps a failed load retryable', async () => {
    let fail = true;
    const list = new PagedList(
      (i: Item) => i.id,
      async () => {
        if (fail) throw new Error('daemon down');
        return { items: [{ id: 'a' }] };
      },
    );
    await assert.rejects(list.ensureLoaded(), /daemon down/);
    assert.equal(list.loaded, false);
    assert.equal(list.loading, false);
    fail = false;
    await list.ensureLoaded();
    assert.deepEqual(ids(list), ['a']);
  });

  it('prepends, replaces and removes items without refetching', async () => {
    const p = pages({ '': { items: [{ id: 'a' }, { id: 'b' }] } });
    const list = new PagedList((i: Item) => i.id, p.fetch);
    await list.ensureLoaded();
    list.prepend({ id: 'new' });
    list.prepend({ id: 'a', v: 9 }); // already there: replaced in place
    assert.deepEqual(ids(list), ['new', 'a', 'b']);
    assert.equal(list.items[1]?.v, 9);
    assert.equal(list.replace({ id: 'missing' }), false);
    assert.equal(list.remove('b'), true);
    assert.equal(list.remove('b'), false);
    assert.deepEqual(ids(list), ['new', 'a']);
    assert.equal(p.asked.length, 1);
  });
});
