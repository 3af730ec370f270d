/**
 * MLflow 3's logged models and run inputs/outputs ({@link ModelsBackend}) over the REST API of a
 * remote MLflow server: `logged-models/*` (created with POST, finalized and tagged with PATCH,
 * deleted with DELETE), `runs/log-inputs` and `runs/outputs`. Inputs are checked with the shared
 * rules first, then passed through. Where MLflow only fails by accident of a constraint, a read
 * first keeps the interface's promise (params are write-once, not write-exactly-once).
 */

import { TrackingError } from '../errors.ts';
import {
  LOGGED_MODEL_PARAMS_BATCH,
  changedModelParam,
  normalizeModelParams,
  normalizeModelTags,
  validateDatasetInputs,
  validateLoggedModelName,
  validateLoggedModelStatus,
  validateModelId,
  validateModelRefs,
} from '../models-backend.ts';
import type {
  CreateLoggedModelInput,
  KeyValue,
  LogInputsInput,
  LogOutputsInput,
  LoggedModel,
  LoggedModelStatus,
  ModelsBackend,
  SearchLoggedModelsInput,
} from '../models-backend.ts';
import type { Page } from '../types.ts';
import { validateExperimentId, validateRunId, validateText } from '../validation.ts';
import type { MlflowHttp } from './http.ts';
import {
  emptySchema,
  encodeLogInputs,
  encodeSearchLoggedModels,
  loggedModelResponse,
  pageToken,
  searchLoggedModelsResponse,
  toLoggedModel,
} from './wire.ts';

/** `logged-models/<id>`, the id escaped as a path segment. */
function modelPath(modelId: string, rest = ''): string {
  return `logged-models/${encodeURIComponent(modelId)}${rest}`;
}

/** The ModelsBackend half of {@link MlflowBackend}, on the backend's own transport. */
export class MlflowModels implements ModelsBackend {
  readonly #http: MlflowHttp;

  constructor(http: MlflowHttp) {
    this.#http = http;
  }

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const experimentId = validateExperimentId(input.experimentId);
    const name = validateLoggedModelName(input.name === '' ? undefined : input.name);
    const params = normalizeModelParams(input.params);
    const tags = normalizeModelTags(input.tags);
    // Like MLflow's client: the first batch of params with the model, the rest afterwards.
    const res = await this.#http.post(
      'logged-models',
      {
        experiment_id: experimentId,
        ...(name !== undefined ? { name } : {}),
        ...(input.modelType !== undefined ? { model_type: input.modelType } : {}),
        ...(input.sourceRunId !== undefined ? { source_run_id: input.sourceRunId } : {}),
        params: params.slice(0, LOGGED_MODEL_PARAMS_BATCH),
        tags,
      },
      loggedModelResponse,
    );
    const model = toLoggedModel(res.model);
    if (params.length <= LOGGED_MODEL_PARAMS_BATCH) return model;
    await this.#sendParams(model.modelId, params.slice(LOGGED_MODEL_PARAMS_BATCH));
    return this.getLoggedModel(model.modelId);
  }

  /** A deleted model reads as a 404 first; only then is it asked for again, as deleted. */
  async getLoggedModel(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const id = validateModelId(modelId);
    try {
      return toLoggedModel((await this.#http.get(modelPath(id), {}, loggedModelResponse)).model);
    } catch (err) {
      if (!options.allowDeleted || !(err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST')) throw err;
    }
    const res = await this.#http.get(modelPath(id), { allow_deleted: 'true' }, loggedModelResponse);
    return toLoggedModel(res.model, true);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const id = validateModelId(modelId);
    const s = validateLoggedModelStatus(status);
    // MLflow reads the id from the body, not from the path.
    const res = await this.#http.patch(modelPath(id), { model_id: id, status: s }, loggedModelResponse);
    return toLoggedModel(res.model);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    const id = validateModelId(modelId);
    await this.#http.delete(modelPath(id), { model_id: id }, emptySchema);
  }

  async setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    const id = validateModelId(modelId);
    const list = normalizeModelTags(tags);
    await this.#http.patch(modelPath(id, '/tags'), { model_id: id, tags: list }, emptySchema);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    const id = validateModelId(modelId);
    validateText(key, 'tag key', 'tag_key');
    if (key === '' || key.includes('/')) throw new TrackingError('INVALID_PARAMETER_VALUE', `Invalid tag key '${key}'`, 'tag_key');
    await this.#http.delete(modelPath(id, `/tags/${encodeURIComponent(key)}`), undefined, emptySchema);
  }

  /** MLflow refuses any key it already has, even with the same value; those are dropped here first. */
  async logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    const id = validateModelId(modelId);
    const list = normalizeModelParams(params);
    const stored = (await this.getLoggedModel(id, { allowDeleted: true })).params;
    const fresh = list.filter((p, i) => {
      const old = Object.hasOwn(stored, p.key) ? stored[p.key] : undefined;
      if (old !== undefined && old !== p.value) throw changedModelParam(id, p.key, old, p.value, `params[${i}].value`);
      return old === undefined;
    });
    await this.#sendParams(id, fresh);
  }

  async searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    const experimentIds = input.experimentIds.map((e, i) => validateExperimentId(e, `experiment_ids[${i}]`));
    const res = await this.#http.post(
      'logged-models/search',
      encodeSearchLoggedModels({ ...input, experimentIds }),
      searchLoggedModelsResponse,
    );
    return { items: (res.models ?? []).map((m) => toLoggedModel(m)), ...pageToken(res.next_page_token) };
  }

  async logInputs(runId: string, inputs: LogInputsInput): Promise<void> {
    const id = validateRunId(runId);
    validateDatasetInputs(inputs.datasets);
    validateModelRefs(inputs.models, 'models');
    await this.#http.post('runs/log-inputs', encodeLogInputs(id, inputs), emptySchema);
  }

  async logOutputs(runId: string, outputs: LogOutputsInput): Promise<void> {
    const id = validateRunId(runId);
    validateModelRefs(outputs.models, 'models');
    const models = outputs.models.map((m) => ({ model_id: m.modelId, step: m.step }));
    await this.#http.post('runs/outputs', { run_id: id, models }, emptySchema);
  }

  /** MLflow takes at most {@link LOGGED_MODEL_PARAMS_BATCH} params per request, as its client sends them. */
  async #sendParams(modelId: string, params: KeyValue[]): Promise<void> {
    for (let i = 0; i < params.length; i += LOGGED_MODEL_PARAMS_BATCH) {
      const batch = params.slice(i, i + LOGGED_MODEL_PARAMS_BATCH);
      await this.#http.post(modelPath(modelId, '/params'), { model_id: modelId, params: batch }, emptySchema);
    }
  }
}
