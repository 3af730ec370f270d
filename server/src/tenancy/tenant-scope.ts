import { TENANT_TAG } from '../../../protocol/src/index.ts';
import type { TrackingBackend } from '../tracking/backend.ts';
import type { MetricColumns, MetricRangeInput } from '../tracking/metric-range.ts';
import { TrackingError, experimentNotFound, invalid, runNotFound } from '../tracking/errors.ts';
import { ModelsNotSupportedError, loggedModelNotFound, supportsModels, unknownMetricModel } from '../tracking/models-backend.ts';
import type {
  CreateLoggedModelInput,
  KeyValue,
  LogInputsInput,
  LogOutputsInput,
  LoggedModel,
  LoggedModelStatus,
  ModelsBackend,
  SearchLoggedModelsInput,
} from '../tracking/models-backend.ts';
import type {
  CreateExperimentInput,
  CreateRunInput,
  Experiment,
  LogBatchInput,
  Metric,
  MetricHistoryInput,
  Page,
  Run,
  RunInfo,
  SearchExperimentsInput,
  SearchRunsInput,
  StringMap,
  UpdateRunInput,
} from '../tracking/types.ts';
import { scopeExperimentFilter, scopeRunFilter } from './scoped-filters.ts';
import { checkTenantId } from './tenant-id.ts';

/** How many owned ids each scope remembers, so hot write paths skip the ownership read. */
const OWNERSHIP_CACHE_SIZE = 10_000;

/**
 * One tenant's view of a backend (DESIGN §8). Callers see and use plain experiment names;
 * the backend stores `tenant/name` and tags every experiment and run with `matih.tenant_id`.
 * Everything another tenant owns answers exactly like something that does not exist, and no
 * search or listing ever returns another tenant's objects.
 */
export class TenantScope implements TrackingBackend, ModelsBackend {
  readonly tenantId: string;
  private readonly backend: TrackingBackend;
  private readonly prefix: string;
  /** Experiment and run ids known to be this tenant's; ownership never changes once made. */
  private readonly ownedExperiments = new Set<string>();
  private readonly ownedRuns = new Set<string>();
  /** Logged models known to be in one of this tenant's experiments. */
  private readonly ownedModels = new Set<string>();

  constructor(backend: TrackingBackend, tenantId: string) {
    this.tenantId = checkTenantId(tenantId);
    this.backend = backend;
    this.prefix = `${this.tenantId}/`;
  }

  async createExperiment(input: CreateExperimentInput): Promise<string> {
    const tags = this.withTenantTag(input.tags, 'tags');
    const stored = this.stored(input.name);
    const id = await this.backend
      .createExperiment({ ...input, name: stored, tags })
      .catch(plainNames(stored, input.name));
    remember(this.ownedExperiments, id);
    return id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.present(await this.ownedExperiment(experimentId));
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const found = await this.backend.getExperimentByName(this.stored(name));
    return found && this.owns(found) ? this.present(found) : undefined;
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    const filter = scopeExperimentFilter(input.filter, this.tenantId);
    const page = await this.backend.searchExperiments({ ...input, filter });
    // The filter already confines the search; this check keeps a backend quirk from leaking.
    return { ...page, items: page.items.filter((e) => this.owns(e)).map((e) => this.present(e)) };
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.ownedExperiment(experimentId);
    const stored = this.stored(newName);
    await this.backend.renameExperiment(experimentId, stored).catch(plainNames(stored, newName));
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.ownedExperiment(experimentId);
    await this.backend.deleteExperiment(experimentId);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.ownedExperiment(experimentId);
    await this.backend.restoreExperiment(experimentId);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    refuseTenantTag(key, 'key');
    await this.ownedExperiment(experimentId);
    await this.backend.setExperimentTag(experimentId, key, value);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    refuseTenantTag(key, 'key');
    await this.ownedExperiment(experimentId);
    await this.backend.deleteExperimentTag(experimentId, key);
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    const tags = this.withTenantTag(input.tags, 'tags');
    await this.ownedExperiment(input.experimentId);
    const run = await this.backend.createRun({ ...input, tags });
    remember(this.ownedRuns, run.info.runId);
    return run;
  }

  async getRun(runId: string): Promise<Run> {
    const run = await this.backend.getRun(runId).catch(hideMissing(runId));
    await this.checkRunOwner(run);
    return run;
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    await this.ownedRun(runId);
    return this.backend.updateRun(runId, input);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.ownedRun(runId);
    await this.backend.deleteRun(runId);
  }

  async restoreRun(runId: string): Promise<void> {
    await this.ownedRun(runId);
    await this.backend.restoreRun(runId);
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    batch.tags?.forEach((t, i) => refuseTenantTag(t.key, `tags[${i}].key`));
    await this.ownedRun(runId);
    // A point naming another tenant's model would land in that model: refused like a missing one.
    const checked = new Set<string>();
    for (const [i, m] of (batch.metrics ?? []).entries()) {
      if (m.modelId === undefined || checked.has(m.modelId)) continue;
      checked.add(m.modelId);
      await this.ownedModel(m.modelId).catch((err: unknown) => {
        if (isNotFound(err)) throw unknownMetricModel(m.modelId!, `metrics[${i}].model_id`);
        throw err;
      });
    }
    await this.backend.logBatch(runId, batch);
  }

  async deleteRunTag(runId: string, key: string): Promise<void> {
    refuseTenantTag(key, 'key');
    await this.ownedRun(runId);
    await this.backend.deleteRunTag(runId, key);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const filter = scopeRunFilter(input.filter, this.tenantId);
    // Foreign and missing experiment ids are dropped alike, so a search never tells them apart.
    const owned: string[] = [];
    for (const id of input.experimentIds) {
      if (await this.isOwnedExperiment(id)) owned.push(id);
    }
    if (owned.length === 0) return { items: [] };
    const page = await this.backend.searchRuns({ ...input, experimentIds: owned, filter });
    return { ...page, items: page.items.filter((r) => r.data.tags[TENANT_TAG] === this.tenantId) };
  }

  async getMetricHistory(runId: string, key: string, input: MetricHistoryInput): Promise<Page<Metric>> {
    await this.ownedRun(runId);
    return this.backend.getMetricHistory(runId, key, input);
  }

  async getMetricRange(runId: string, key: string, input: MetricRangeInput): Promise<MetricColumns> {
    await this.ownedRun(runId);
    return this.backend.getMetricRange(runId, key, input);
  }

  // Logged models belong to their experiment's tenant; another tenant's answers like a missing one.

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    await this.ownedExperiment(input.experimentId);
    const model = await this.models().createLoggedModel(input);
    remember(this.ownedModels, model.modelId);
    return model;
  }

  async getLoggedModel(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const model = await this.models().getLoggedModel(modelId, options).catch(hideMissingModel(modelId));
    await this.checkModelOwner(model);
    return model;
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    await this.ownedModel(modelId);
    return this.models().finalizeLoggedModel(modelId, status);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.ownedModel(modelId);
    await this.models().deleteLoggedModel(modelId);
  }

  async setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    await this.ownedModel(modelId);
    await this.models().setLoggedModelTags(modelId, tags);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.ownedModel(modelId);
    await this.models().deleteLoggedModelTag(modelId, key);
  }

  async logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    await this.ownedModel(modelId);
    await this.models().logLoggedModelParams(modelId, params);
  }

  async searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    const models = this.models();
    const owned: string[] = [];
    for (const id of input.experimentIds) {
      if (await this.isOwnedExperiment(id)) owned.push(id);
    }
    if (owned.length === 0) return { items: [] };
    const page = await models.searchLoggedModels({ ...input, experimentIds: owned });
    // The experiment ids already confine the search; this keeps a backend quirk from leaking.
    return { ...page, items: page.items.filter((m) => owned.includes(m.experimentId)) };
  }

  /** Model ids are not checked, as in MLflow: naming one records a reference, it reads nothing. */
  async logInputs(runId: string, inputs: LogInputsInput): Promise<void> {
    const models = this.models();
    await this.ownedRun(runId);
    await models.logInputs(runId, inputs);
  }

  async logOutputs(runId: string, outputs: LogOutputsInput): Promise<void> {
    const models = this.models();
    await this.ownedRun(runId);
    await models.logOutputs(runId, outputs);
  }

  /** The scope does not own the backend; whoever made the backend closes it. */
  async close(): Promise<void> {}

  private stored(name: string): string {
    if (typeof name !== 'string' || name.length === 0) throw invalid('name must not be empty', 'name');
    return this.prefix + name;
  }

  private withTenantTag(tags: StringMap | undefined, field: string): StringMap {
    const given = tags?.[TENANT_TAG];
    if (given !== undefined && given !== this.tenantId) {
      throw invalid(`tag '${TENANT_TAG}' is set by the daemon and cannot name another tenant`, `${field}.${TENANT_TAG}`);
    }
    return { ...tags, [TENANT_TAG]: this.tenantId };
  }

  private owns(e: Experiment): boolean {
    return e.tags[TENANT_TAG] === this.tenantId && e.name.startsWith(this.prefix);
  }

  private present(e: Experiment): Experiment {
    return { ...e, name: e.name.slice(this.prefix.length) };
  }

  private async ownedExperiment(experimentId: string): Promise<Experiment> {
    const e = await this.backend.getExperiment(experimentId).catch(hideMissing(experimentId, true));
    if (!this.owns(e)) throw experimentNotFound(experimentId);
    remember(this.ownedExperiments, experimentId);
    return e;
  }

  private async isOwnedExperiment(experimentId: string): Promise<boolean> {
    if (this.ownedExperiments.has(experimentId)) return true;
    try {
      await this.ownedExperiment(experimentId);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private models(): ModelsBackend {
    if (!supportsModels(this.backend)) throw new ModelsNotSupportedError();
    return this.backend;
  }

  private async ownedModel(modelId: string): Promise<void> {
    if (this.ownedModels.has(modelId)) return;
    await this.getLoggedModel(modelId, { allowDeleted: true });
  }

  private async checkModelOwner(model: LoggedModel): Promise<void> {
    if (this.ownedModels.has(model.modelId)) return;
    if (!(await this.isOwnedExperiment(model.experimentId))) throw loggedModelNotFound(model.modelId);
    remember(this.ownedModels, model.modelId);
  }

  private async ownedRun(runId: string): Promise<void> {
    if (this.ownedRuns.has(runId)) return;
    await this.getRun(runId);
  }

  private async checkRunOwner(run: Run): Promise<void> {
    const runId = run.info.runId;
    if (this.ownedRuns.has(runId)) return;
    if (run.data.tags[TENANT_TAG] !== this.tenantId || !(await this.isOwnedExperiment(run.info.experimentId))) {
      throw runNotFound(runId);
    }
    remember(this.ownedRuns, runId);
  }
}

/** Rewrites a backend's not-found of a model into the scope's wording, so a foreign model reads the same. */
function hideMissingModel(modelId: string): (err: unknown) => never {
  return (err) => {
    if (isNotFound(err)) throw loggedModelNotFound(modelId);
    throw err;
  };
}

function refuseTenantTag(key: string, field: string): void {
  if (key === TENANT_TAG) throw invalid(`tag '${TENANT_TAG}' is set by the daemon and cannot be changed`, field);
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'RESOURCE_DOES_NOT_EXIST';
}

/** Rewrites a backend's not-found into the scope's own wording, so both cases read the same. */
function hideMissing(id: string, experiment = false): (err: unknown) => never {
  return (err) => {
    if (isNotFound(err)) throw experiment ? experimentNotFound(id) : runNotFound(id);
    throw err;
  };
}

/** A backend names the stored `tenant/name` in its errors; the caller only knows `name`. */
function plainNames(stored: string, plain: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof TrackingError && err.message.includes(stored)) {
      throw new TrackingError(err.code, err.message.replaceAll(stored, plain), err.field);
    }
    throw err;
  };
}

function remember(set: Set<string>, id: string): void {
  if (set.size >= OWNERSHIP_CACHE_SIZE) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
  set.add(id);
}
