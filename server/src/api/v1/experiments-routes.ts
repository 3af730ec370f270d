import type { TrackingBackend } from '../../tracking/backend.ts';
import { invalid } from '../../tracking/errors.ts';
import { validateExperimentTag, validateKey } from '../../tracking/validation.ts';
import { runFilter, splitOrderBy, viewType } from './query.ts';
import { DESCRIPTION_TAG, toExperimentResponse, toRunResponse } from './present.ts';
import { type ApiRoute, type V1Deps, route } from './route-kit.ts';
import { ExperimentCreate, ExperimentList, ExperimentResponse, ExperimentUpdate, ListQuery, RunList } from './schemas.ts';

const EXPERIMENT = '/api/v1/experiments/{experiment_id}';

/** The seed's experiment lifecycle: create, read, list, update, archive, restore. */
export const experimentRoutes: ApiRoute[] = [
  route({
    method: 'POST',
    path: '/api/v1/experiments',
    summary: 'Create an experiment',
    tenant: true,
    body: ExperimentCreate,
    response: ExperimentResponse,
    status: 201,
    async handle({ scope, body }) {
      refuseReservedTags(body.tags, 'tags');
      const tags = body.description ? { ...body.tags, [DESCRIPTION_TAG]: body.description } : body.tags;
      const id = await scope.createExperiment({
        name: body.name,
        tags,
        ...(body.artifact_location ? { artifactLocation: body.artifact_location } : {}),
      });
      return toExperimentResponse(await scope.getExperiment(id));
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/experiments',
    summary: "List the tenant's experiments (MLflow filter syntax, order, paging)",
    tenant: true,
    query: ListQuery,
    response: ExperimentList,
    status: 200,
    async handle({ scope, query }) {
      const page = await scope.searchExperiments({
        maxResults: query.max_results,
        viewType: viewType(query.view),
        ...(query.filter ? { filter: query.filter } : {}),
        ...(query.order_by ? { orderBy: splitOrderBy(query.order_by) } : {}),
        ...(query.page_token ? { pageToken: query.page_token } : {}),
      });
      return { experiments: page.items.map(toExperimentResponse), next_page_token: page.nextPageToken ?? null };
    },
  }),
  route({
    method: 'GET',
    path: EXPERIMENT,
    summary: 'Get an experiment',
    tenant: true,
    response: ExperimentResponse,
    status: 200,
    async handle({ scope, params }) {
      return toExperimentResponse(await scope.getExperiment(params.experiment_id!));
    },
  }),
  route({
    method: 'PATCH',
    path: EXPERIMENT,
    summary: 'Rename an experiment, change its description, set or remove tags (null removes)',
    tenant: true,
    body: ExperimentUpdate,
    response: ExperimentResponse,
    status: 200,
    async handle({ scope, params, body }) {
      const id = params.experiment_id!;
      const current = await scope.getExperiment(id);
      const tags = body.tags ?? {};
      refuseReservedTags(tags, 'tags');
      if (current.lifecycleStage !== 'active') {
        throw invalid(`experiment ${id} is archived; restore it before changing it`, 'experiment_id');
      }
      // The changes are several backend writes: check them all before the first one.
      if (body.description) validateExperimentTag(DESCRIPTION_TAG, body.description, 'description');
      for (const [key, value] of Object.entries(tags)) {
        validateKey('experiment tag', key, `tags.${key}`);
        if (value !== null) validateExperimentTag(key, value, `tags.${key}`);
      }
      if (body.name !== undefined && body.name !== current.name) await scope.renameExperiment(id, body.name);
      if (body.description !== undefined) await setOrDelete(scope, id, DESCRIPTION_TAG, body.description || null, current.tags);
      for (const [key, value] of Object.entries(tags)) await setOrDelete(scope, id, key, value, current.tags);
      return toExperimentResponse(await scope.getExperiment(id));
    },
  }),
  lifecycleRoute('POST', `${EXPERIMENT}/archive`, 'Archive (soft-delete) an experiment and its runs', 'deleted'),
  lifecycleRoute('DELETE', EXPERIMENT, 'Archive (soft-delete) an experiment; the same as POST .../archive', 'deleted'),
  lifecycleRoute('POST', `${EXPERIMENT}/restore`, 'Restore an archived experiment and its runs', 'active'),
  route({
    method: 'GET',
    path: `${EXPERIMENT}/runs`,
    summary: "List an experiment's runs (MLflow filter syntax, order, paging)",
    tenant: true,
    query: ListQuery,
    response: RunList,
    status: 200,
    async handle({ scope, params, query }, deps) {
      const id = params.experiment_id!;
      await scope.getExperiment(id); // a missing or foreign experiment is a 404, not an empty list
      const page = await scope.searchRuns({
        experimentIds: [id],
        maxResults: query.max_results,
        viewType: viewType(query.view),
        ...(query.filter ? { filter: runFilter(query.filter) } : {}),
        ...(query.order_by ? { orderBy: splitOrderBy(query.order_by) } : {}),
        ...(query.page_token ? { pageToken: query.page_token } : {}),
      });
      return { runs: await presentRuns(page.items, deps), next_page_token: page.nextPageToken ?? null };
    },
  }),
];

/**
 * Archive or restore: a bodiless action answered with the experiment afterwards. Asking for the
 * stage it already has is not an error; it is already done.
 */
function lifecycleRoute(method: 'POST' | 'DELETE', path: string, summary: string, target: 'active' | 'deleted'): ApiRoute {
  return route({
    method,
    path,
    summary,
    tenant: true,
    response: ExperimentResponse,
    status: 200,
    async handle({ scope, params }) {
      const id = params.experiment_id!;
      const e = await scope.getExperiment(id);
      if (e.lifecycleStage !== target) {
        await (target === 'deleted' ? scope.deleteExperiment(id) : scope.restoreExperiment(id));
      }
      return toExperimentResponse(await scope.getExperiment(id));
    },
  });
}

async function setOrDelete(
  scope: TrackingBackend,
  id: string,
  key: string,
  value: string | null,
  current: Record<string, string>,
): Promise<void> {
  if (value !== null) await scope.setExperimentTag(id, key, value);
  else if (key in current) await scope.deleteExperimentTag(id, key);
}

/** Tags the daemon owns; the user sets them through their own fields instead. */
export function refuseReservedTags(tags: Record<string, unknown>, field: string): void {
  for (const key of Object.keys(tags)) {
    if (key === DESCRIPTION_TAG) throw invalid(`tag '${key}' holds the description; use the description field`, `${field}.${key}`);
    if (key.startsWith('matih.')) throw invalid(`tags starting with 'matih.' are reserved for the daemon`, `${field}.${key}`);
  }
}

export async function presentRuns(runs: import('../../tracking/types.ts').Run[], deps: V1Deps) {
  return Promise.all(runs.map(async (r) => toRunResponse(r, await deps.listArtifacts(r.info.artifactUri))));
}
