/**
 * `Inspect.table`: runs of one or more experiments as compact rows for a runs table of many
 * thousand runs. Unlike `Runs.list` it lists no artifacts (one directory read per run would
 * dominate a 5000-run page) and keeps times as epoch ms; filter, order and archived runs work
 * exactly as there (search-input.ts). `columns` is the union of the page's keys, sorted, so a
 * table can build its column picker without walking every row.
 */
import type { RunRowView, RunsTableParams, RunsTableView } from '../../../protocol/src/index.ts';
import type { z } from 'zod';
import type { TrackingBackend } from '../tracking/backend.ts';
import type { Run } from '../tracking/types.ts';
import { userRunTags } from './daemon-tags.ts';
import { runSearch } from './search-input.ts';
import { metricsRecord, statusName } from './views.ts';

/** The request as the protocol's schema hands it over (defaults filled in). */
export type TableRequest = z.output<typeof RunsTableParams>;

/** MLflow's tag for the user who started a run; the run's user id is the fallback. */
const USER_TAG = 'mlflow.user';

export async function table(scope: TrackingBackend, p: TableRequest): Promise<RunsTableView> {
  // A missing or foreign experiment is not_found, as in `Runs.list`, never an empty table.
  for (const id of new Set(p.experimentIds)) await scope.getExperiment(id);
  const page = await scope.searchRuns(
    runSearch([...new Set(p.experimentIds)], {
      maxResults: p.maxResults,
      view: p.showArchived ? 'all' : 'active',
      filter: p.filter,
      orderBy: p.orderBy,
      pageToken: p.pageToken,
    }),
  );
  const rows = page.items.map(rowView);
  return { rows, columns: columnsOf(rows), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
}

export function rowView(run: Run): RunRowView {
  const { info, data } = run;
  return {
    id: info.runId,
    experimentId: info.experimentId,
    name: info.runName || null,
    status: statusName(info.status),
    lifecycleStage: info.lifecycleStage,
    startTime: info.startTime,
    endTime: info.endTime,
    user: data.tags[USER_TAG] || info.userId || null,
    params: { ...data.params },
    metrics: metricsRecord(data.metrics),
    tags: userRunTags(data.tags),
  };
}

function columnsOf(rows: RunRowView[]): RunsTableView['columns'] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  const tags = new Set<string>();
  for (const r of rows) {
    for (const k in r.params) params.add(k);
    for (const k in r.metrics) metrics.add(k);
    for (const k in r.tags) tags.add(k);
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { params: sorted(params), metrics: sorted(metrics), tags: sorted(tags) };
}
