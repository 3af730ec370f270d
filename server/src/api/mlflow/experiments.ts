/**
 * MLflow's experiment endpoints (§3.2 of the reference): create, get, get-by-name, search,
 * update (rename), delete, restore and experiment tags, over the caller's TenantScope.
 */
import type { ViewType } from '../../tracking/types.ts';
import { experimentJson } from './present.ts';
import type { MlflowRoute } from './route.ts';
import { MlflowApiError, keyValues, searchMaxResults, toEnum } from './wire.ts';

export const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

/** The Python client's page size; applied when a raw REST client leaves `max_results` out. */
const DEFAULT_SEARCH_EXPERIMENTS = 1000;

const EXPERIMENT_ID = { experiment_id: { kind: 'string', required: true } } as const;

const searchFields = {
  max_results: { kind: 'int' },
  page_token: { kind: 'string' },
  filter: { kind: 'string' },
  order_by: { kind: 'string[]' },
  view_type: { kind: 'enum' },
} as const;

const search: MlflowRoute['handle'] = async ({ scope, ids, req }) => {
  const viewType = req.has('view_type') ? toEnum(req.raw('view_type'), VIEW_TYPES, 'view_type') : 'ACTIVE_ONLY';
  const filter = req.string('filter');
  const pageToken = req.string('page_token');
  const page = await scope.searchExperiments({
    maxResults: searchMaxResults(req, DEFAULT_SEARCH_EXPERIMENTS),
    viewType,
    orderBy: req.strings('order_by') ?? [],
    ...(filter ? { filter } : {}),
    ...(pageToken ? { pageToken } : {}),
  });
  const out: Record<string, unknown> = {};
  if (page.items.length > 0) out.experiments = page.items.map((e) => experimentJson(e, ids.show));
  if (page.nextPageToken) out.next_page_token = page.nextPageToken;
  return out;
};

export const experimentRoutes: MlflowRoute[] = [
  {
    method: 'POST',
    path: 'experiments/create',
    fields: {
      name: { kind: 'string', required: true },
      artifact_location: { kind: 'string' },
      tags: { kind: 'object[]' },
    },
    async handle({ scope, ids, req }) {
      const artifactLocation = req.string('artifact_location');
      const id = await scope.createExperiment({
        name: req.text('name'),
        tags: keyValues(req.objects('tags'), 'tags'),
        ...(artifactLocation ? { artifactLocation } : {}),
      });
      return { experiment_id: ids.show(id) };
    },
  },
  {
    method: 'GET',
    path: 'experiments/get',
    fields: EXPERIMENT_ID,
    async handle({ scope, ids, req }) {
      const experiment = await scope.getExperiment(ids.toStored(req.text('experiment_id')));
      return { experiment: experimentJson(experiment, ids.show) };
    },
  },
  {
    method: 'GET',
    path: 'experiments/get-by-name',
    fields: { experiment_name: { kind: 'string', required: true } },
    async handle({ scope, ids, req }) {
      const name = req.text('experiment_name');
      const experiment = await scope.getExperimentByName(name);
      if (!experiment) {
        throw new MlflowApiError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`, 404);
      }
      return { experiment: experimentJson(experiment, ids.show) };
    },
  },
  { method: 'POST', path: 'experiments/search', fields: searchFields, handle: search },
  { method: 'GET', path: 'experiments/search', fields: searchFields, handle: search },
  {
    method: 'POST',
    path: 'experiments/update',
    fields: { ...EXPERIMENT_ID, new_name: { kind: 'string', required: true } },
    async handle({ scope, ids, req }) {
      const id = req.text('experiment_id');
      ids.refuseRename(id);
      await scope.renameExperiment(ids.toStored(id), req.text('new_name'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'experiments/delete',
    fields: EXPERIMENT_ID,
    async handle({ scope, ids, req }) {
      await scope.deleteExperiment(ids.toStored(req.text('experiment_id')));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'experiments/restore',
    fields: EXPERIMENT_ID,
    async handle({ scope, ids, req }) {
      await scope.restoreExperiment(ids.toStored(req.text('experiment_id')));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'experiments/set-experiment-tag',
    fields: { ...EXPERIMENT_ID, key: { kind: 'string', required: true }, value: { kind: 'string' } },
    async handle({ scope, ids, req }) {
      const id = ids.toStored(req.text('experiment_id'));
      await scope.setExperimentTag(id, req.text('key'), req.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'POST',
    path: 'experiments/delete-experiment-tag',
    fields: { ...EXPERIMENT_ID, key: { kind: 'string', required: true } },
    async handle({ scope, ids, req }) {
      await scope.deleteExperimentTag(ids.toStored(req.text('experiment_id')), req.text('key'));
      return {};
    },
  },
];
