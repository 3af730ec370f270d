/**
 * One paged list behind a "Load more…" node: experiments of a tenant, runs of an experiment.
 * Pure (the page fetcher is injected) so its edge cases are unit-tested:
 *
 * - a page that repeats items already shown is de-duplicated by key. Offset-based page tokens
 *   shift when runs are created while the user pages, and a repeated id would make VS Code
 *   refuse the whole tree ("element already registered");
 * - two clicks on "Load more…" fetch one page, not two;
 * - a `reset()` while a page is in flight discards that page when it lands, so a refresh is
 *   never overwritten by the stale answer it replaced.
 */
import type { PageView } from '../../../protocol/src/index.ts';

export type PageFetcher<T> = (pageToken: string | undefined) => Promise<PageView<T>>;

export class PagedList<T> {
  readonly #key: (item: T) => string;
  readonly #fetch: PageFetcher<T>;
  #items: T[] = [];
  #nextPageToken: string | undefined;
  #loaded = false;
  #pending: Promise<void> | undefined;
  /** Bumped by `reset()`; a page fetched under an older generation is dropped. */
  #generation = 0;

  constructor(key: (item: T) => string, fetch: PageFetcher<T>) {
    this.#key = key;
    this.#fetch = fetch;
  }

  get items(): readonly T[] {
    return this.#items;
  }

  /** The first page has arrived (possibly empty). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** More pages exist beyond those loaded. */
  get hasMore(): boolean {
    return this.#loaded && this.#nextPageToken !== undefined;
  }

  get loading(): boolean {
    return this.#pending !== undefined;
  }

  /** Loads the first page if none is loaded yet. */
  ensureLoaded(): Promise<void> {
    return this.#loaded ? Promise.resolve() : this.loadNext();
  }

  /** Loads the next page (or the first). Concurrent calls share one request. */
  loadNext(): Promise<void> {
    if (this.#pending !== undefined) return this.#pending;
    if (this.#loaded && this.#nextPageToken === undefined) return Promise.resolve();
    const generation = this.#generation;
    const token = this.#loaded ? this.#nextPageToken : undefined;
    const pending = this.#fetch(token)
      .then((page) => {
        if (generation !== this.#generation) return;
        this.#append(page.items);
        this.#nextPageToken = page.nextPageToken === '' ? undefined : page.nextPageToken;
        this.#loaded = true;
      })
      .finally(() => {
        if (this.#pending === pending) this.#pending = undefined;
      });
    this.#pending = pending;
    return pending;
  }

  /** Forgets every page; the next `ensureLoaded()` starts from the first. */
  reset(): void {
    this.#generation++;
    this.#items = [];
    this.#nextPageToken = undefined;
    this.#loaded = false;
    this.#pending = undefined;
  }

  /** Replaces the item with the same key; answers whether it was there. */
  replace(item: T): boolean {
    const key = this.#key(item);
    const index = this.#items.findIndex((i) => this.#key(i) === key);
    if (index < 0) return false;
    this.#items[index] = item;
    return true;
  }

  /** Removes the item with this key; answers whether it was there. */
  remove(key: string): boolean {
    const before = this.#items.length;
    this.#items = this.#items.filter((i) => this.#key(i) !== key);
    return this.#items.length !== before;
  }

  /** Puts a just-created item first (or replaces it), without refetching what is loaded. */
  prepend(item: T): void {
    if (!this.replace(item)) this.#items.unshift(item);
  }

  #append(items: readonly T[]): void {
    const seen = new Set(this.#items.map(this.#key));
    for (const item of items) {
      const key = this.#key(item);
      if (seen.has(key)) {
        this.replace(item);
      } else {
        seen.add(key);
        this.#items.push(item);
      }
    }
  }
}
