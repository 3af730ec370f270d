/**
 * The rows the page holds for the current load, pure so it is unit tested: pages of one load
 * generation appended in the daemon's order (pages of an older load are dropped), and the order
 * shown — the daemon's, or the page's own sort of the loaded rows for the columns MLflow cannot
 * order by.
 */
import type { RunsTableQuery, RunsTableRow } from '../../../protocol/src/index.ts';
import { sortRows, sortedByDaemon } from './sort.ts';

export class RowStore {
  generation = -1;
  query: RunsTableQuery = { filter: '', sort: null };
  /** True once the last page arrived. */
  done = false;
  /** Why loading stopped early, if it did. */
  error: string | undefined;
  #loaded: RunsTableRow[] = [];
  #shown: RunsTableRow[] = [];
  #ids: string[] = [];
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A new load: forget the rows. */
  reset(generation: number, query: RunsTableQuery): void {
    this.generation = generation;
    this.query = query;
    this.done = false;
    this.error = undefined;
    this.#loaded = [];
    this.#shown = [];
    this.#ids = [];
  }

  /** Adds a page of load `generation`; answers false (and changes nothing) for another load's page. */
  add(generation: number, rows: readonly RunsTableRow[], done: boolean): boolean {
    if (generation !== this.generation) return false;
    for (const row of rows) this.#loaded.push(row);
    this.done = done;
    this.#order();
    return true;
  }

  /** A new sort or filter that needs no reload (the same daemon order): re-order in the page. */
  setQuery(query: RunsTableQuery): void {
    this.query = query;
    this.#order();
  }

  fail(generation: number, message: string): boolean {
    if (generation !== this.generation) return false;
    this.error = message;
    this.done = true;
    return true;
  }

  /** Rows in display order. */
  get rows(): readonly RunsTableRow[] {
    return this.#shown;
  }

  /** Run ids in display order. */
  get ids(): readonly string[] {
    return this.#ids;
  }

  /** True when the page, not the daemon, orders the rows (so only the loaded ones). */
  get sortedInPage(): boolean {
    return !sortedByDaemon(this.query.sort);
  }

  #order(): void {
    const sort = this.query.sort;
    this.#shown = sort !== null && this.sortedInPage ? sortRows(this.#loaded, sort, this.#now()) : this.#loaded;
    this.#ids = this.#shown.map((r) => r.id);
  }
}
