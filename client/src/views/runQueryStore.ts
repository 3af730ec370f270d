/**
 * The run filter and order of each experiment, remembered per workspace: a filter set while
 * tuning a model should still be there after a window reload.
 */
import type { Memento } from 'vscode';
import type { RunQuery } from '../util/runQuery.ts';

const KEY_PREFIX = 'matih.runQuery/';

export class RunQueryStore {
  readonly #memento: Memento;

  constructor(memento: Memento) {
    this.#memento = memento;
  }

  get(tenant: string, experimentId: string): RunQuery {
    const stored = this.#memento.get<unknown>(this.#key(tenant, experimentId));
    if (typeof stored !== 'object' || stored === null) return {};
    const { filter, orderBy } = stored as { filter?: unknown; orderBy?: unknown };
    const query: RunQuery = {};
    if (typeof filter === 'string' && filter !== '') query.filter = filter;
    if (Array.isArray(orderBy) && orderBy.every((o) => typeof o === 'string') && orderBy.length > 0) {
      query.orderBy = orderBy;
    }
    return query;
  }

  async set(tenant: string, experimentId: string, query: RunQuery): Promise<void> {
    const empty = (query.filter ?? '') === '' && (query.orderBy?.length ?? 0) === 0;
    await this.#memento.update(this.#key(tenant, experimentId), empty ? undefined : query);
  }

  #key(tenant: string, experimentId: string): string {
    return `${KEY_PREFIX}${tenant}/${experimentId}`;
  }
}
