/**
 * MLflow 3's logged-model endpoints (§3.7 of the reference; proto `service.proto`), over the
 * caller's TenantScope: create (POST `logged-models`), get (GET `logged-models/{id}`), finalize
 * (PATCH), delete (DELETE), tags (PATCH `.../tags`, DELETE `.../tags/{key}`), params (POST
 * `.../params`) and search (POST `logged-models/search`). `mlflow.<flavor>.log_model` and
 * autolog create a model, write its files to the model's `artifact_uri`, then finalize it.
 *
 * MLflow's handler quirks are kept where a client may rely on them: finalize and params require
 * `model_id` in the body as well as in the path (finalize refuses a body naming another model
 * rather than act on it, as MLflow would), and an absent `model_type` or `source_run_id` is
 * stored as "" and printed as such.
 */
import { LOGGED_MODEL_STATUSES } from '../../tracking/models-backend.ts';
import type { KeyValue, LoggedModelOrderBy } from '../../tracking/models-backend.ts';
import { loggedModelJson } from './present.ts';
import type { MlflowCall, MlflowRoute } from './route.ts';
import { entryText, invalidParameter, invalidValue, toEnum } from './wire.ts';

const BODY_MODEL_ID = { model_id: { kind: 'string', required: true } } as const;

function keyValueEntries(list: Record<string, unknown>[] | undefined, field: string): KeyValue[] {
  return (list ?? []).map((e, i) => ({
    key: entryText(e, 'key', `${field}[${i}].key`, false),
    value: entryText(e, 'value', `${field}[${i}].value`, false),
  }));
}

/** The path's model id; a body that names another one is refused rather than silently used. */
function pathModelId({ params, req }: MlflowCall): string {
  const id = params.model_id ?? '';
  const body = req.string('model_id');
  if (body !== undefined && body !== id) {
    throw invalidParameter(`The model_id in the body ('${body}') does not match the one in the path ('${id}')`);
  }
  return id;
}

function orderBy(entry: Record<string, unknown>, i: number): LoggedModelOrderBy {
  const at = (f: string) => `order_by[${i}].${f}`;
  const ascending = entry.ascending;
  if (ascending !== undefined && ascending !== null && typeof ascending !== 'boolean') throw invalidValue(at('ascending'), ascending);
  const datasetName = entryText(entry, 'dataset_name', at('dataset_name'), false);
  const datasetDigest = entryText(entry, 'dataset_digest', at('dataset_digest'), false);
  return {
    fieldName: entryText(entry, 'field_name', at('field_name'), false),
    ascending: ascending ?? true,
    ...(datasetName ? { datasetName } : {}),
    ...(datasetDigest ? { datasetDigest } : {}),
  };
}

export const loggedModelRoutes: MlflowRoute[] = [
  {
    method: 'POST',
    path: 'logged-models',
    fields: {
      experiment_id: { kind: 'string', required: true },
      name: { kind: 'string' },
      model_type: { kind: 'string' },
      source_run_id: { kind: 'string' },
      params: { kind: 'object[]' },
      tags: { kind: 'object[]' },
    },
    async handle({ scope, ids, req }) {
      const name = req.string('name');
      const model = await scope.createLoggedModel({
        experimentId: ids.toStored(req.text('experiment_id')),
        ...(name ? { name } : {}),
        modelType: req.string('model_type') ?? '',
        sourceRunId: req.string('source_run_id') ?? '',
        params: keyValueEntries(req.objects('params'), 'params'),
        tags: keyValueEntries(req.objects('tags'), 'tags'),
      });
      return { model: loggedModelJson(model, ids.show) };
    },
  },
  {
    method: 'POST',
    path: 'logged-models/search',
    fields: {
      experiment_ids: { kind: 'string[]', required: true },
      filter: { kind: 'string' },
      datasets: { kind: 'object[]' },
      max_results: { kind: 'int' },
      order_by: { kind: 'object[]' },
      page_token: { kind: 'string' },
    },
    async handle({ scope, ids, req }) {
      const filter = req.string('filter');
      const pageToken = req.string('page_token');
      const maxResults = req.int('max_results');
      const page = await scope.searchLoggedModels({
        experimentIds: req.strings('experiment_ids')!.map((id) => ids.toStored(id)),
        datasets: (req.objects('datasets') ?? []).map((d, i) => {
          const digest = entryText(d, 'dataset_digest', `datasets[${i}].dataset_digest`, false);
          return { datasetName: entryText(d, 'dataset_name', `datasets[${i}].dataset_name`, false), ...(digest ? { datasetDigest: digest } : {}) };
        }),
        orderBy: (req.objects('order_by') ?? []).map(orderBy),
        // MLflow's handler reads 0 as "not given" (the store's default, 100).
        ...(maxResults ? { maxResults } : {}),
        ...(filter ? { filter } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      const out: Record<string, unknown> = {};
      if (page.items.length > 0) out.models = page.items.map((m) => loggedModelJson(m, ids.show));
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out;
    },
  },
  {
    method: 'GET',
    path: 'logged-models/:model_id',
    fields: { allow_deleted: { kind: 'bool' } },
    async handle({ scope, ids, req, params }) {
      const model = await scope.getLoggedModel(params.model_id ?? '', { allowDeleted: req.bool('allow_deleted') ?? false });
      return { model: loggedModelJson(model, ids.show) };
    },
  },
  {
    method: 'PATCH',
    path: 'logged-models/:model_id',
    fields: { ...BODY_MODEL_ID, status: { kind: 'enum', required: true } },
    async handle(call) {
      const status = toEnum(call.req.raw('status'), LOGGED_MODEL_STATUSES, 'status');
      const model = await call.scope.finalizeLoggedModel(pathModelId(call), status);
      return { model: loggedModelJson(model, call.ids.show) };
    },
  },
  {
    method: 'DELETE',
    path: 'logged-models/:model_id',
    fields: {},
    async handle({ scope, params }) {
      await scope.deleteLoggedModel(params.model_id ?? '');
      return {};
    },
  },
  {
    method: 'PATCH',
    path: 'logged-models/:model_id/tags',
    fields: { tags: { kind: 'object[]' } },
    async handle({ scope, req, params }) {
      await scope.setLoggedModelTags(params.model_id ?? '', keyValueEntries(req.objects('tags'), 'tags'));
      return {};
    },
  },
  {
    method: 'DELETE',
    path: 'logged-models/:model_id/tags/:tag_key',
    fields: {},
    async handle({ scope, params }) {
      await scope.deleteLoggedModelTag(params.model_id ?? '', params.tag_key ?? '');
      return {};
    },
  },
  {
    method: 'POST',
    path: 'logged-models/:model_id/params',
    fields: { ...BODY_MODEL_ID, params: { kind: 'object[]' } },
    async handle(call) {
      await call.scope.logLoggedModelParams(pathModelId(call), keyValueEntries(call.req.objects('params'), 'params'));
      return {};
    },
  },
];
