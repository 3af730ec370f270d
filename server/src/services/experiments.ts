/**
 * One tenant's experiments, for every surface: create, read, list, update, archive and restore,
 * answered as ExperimentViews. `scope` is the tenant's TenantScope, so names, ownership and the
 * tenant tag are already taken care of below. Import it as a namespace: `experiments.update(...)`.
 */
import type { ExperimentView, PageView } from '../../../protocol/src/index.ts';
import type { TrackingBackend } from '../tracking/backend.ts';
import { invalid } from '../tracking/errors.ts';
import type { StringMap } from '../tracking/types.ts';
import { validateExperimentTag, validateKey } from '../tracking/validation.ts';
import { DESCRIPTION_TAG, refuseReservedTags } from './daemon-tags.ts';
import { type ListOptions, experimentSearch } from './search-input.ts';
import { experimentView, pageView } from './views.ts';

export interface NewExperiment {
  name: string;
  /** Kept in MLflow's note tag; empty means none. */
  description?: string | undefined;
  tags?: StringMap | undefined;
  artifactLocation?: string | undefined;
}

export interface ExperimentChange {
  name?: string | undefined;
  /** "" removes the description. */
  description?: string | undefined;
  /** Tags to set; a null value removes the tag. */
  tags?: Record<string, string | null> | undefined;
}

export async function list(scope: TrackingBackend, options: ListOptions): Promise<PageView<ExperimentView>> {
  const page = await scope.searchExperiments(experimentSearch(options));
  return pageView(page, page.items.map(experimentView));
}

export async function get(scope: TrackingBackend, id: string): Promise<ExperimentView> {
  return experimentView(await scope.getExperiment(id));
}

export async function create(scope: TrackingBackend, input: NewExperiment): Promise<ExperimentView> {
  const tags = input.tags ?? {};
  refuseReservedTags(tags, 'tags');
  const id = await scope.createExperiment({
    name: input.name,
    tags: input.description ? { ...tags, [DESCRIPTION_TAG]: input.description } : tags,
    ...(input.artifactLocation ? { artifactLocation: input.artifactLocation } : {}),
  });
  return get(scope, id);
}

/**
 * Rename, change the description, set or remove tags. An archived experiment is refused up front
 * with a message that says what to do: the backends refuse writes to it anyway, but only at the
 * first write and in their own words.
 */
export async function update(scope: TrackingBackend, id: string, change: ExperimentChange): Promise<ExperimentView> {
  const current = await scope.getExperiment(id);
  const tags = change.tags ?? {};
  refuseReservedTags(tags, 'tags');
  if (current.lifecycleStage !== 'active') {
    throw invalid(`experiment ${id} is archived; restore it before changing it`, 'experiment_id');
  }
  // The changes are several backend writes: check them all before the first one, so a bad tag
  // never leaves the experiment renamed but otherwise unchanged.
  if (change.description) validateExperimentTag(DESCRIPTION_TAG, change.description, 'description');
  for (const [key, value] of Object.entries(tags)) {
    validateKey('experiment tag', key, `tags.${key}`);
    if (value !== null) validateExperimentTag(key, value, `tags.${key}`);
  }
  if (change.name !== undefined && change.name !== current.name) await scope.renameExperiment(id, change.name);
  if (change.description !== undefined) await setOrDelete(scope, id, DESCRIPTION_TAG, change.description || null, current.tags);
  for (const [key, value] of Object.entries(tags)) await setOrDelete(scope, id, key, value, current.tags);
  return get(scope, id);
}

/** Archives the experiment and its runs. */
export function archive(scope: TrackingBackend, id: string): Promise<ExperimentView> {
  return setStage(scope, id, 'deleted');
}

/** Restores the experiment and its runs. */
export function restore(scope: TrackingBackend, id: string): Promise<ExperimentView> {
  return setStage(scope, id, 'active');
}

/** Asking for the stage it already has is not an error: it is already done, and a retried click should not fail. */
async function setStage(scope: TrackingBackend, id: string, stage: 'active' | 'deleted'): Promise<ExperimentView> {
  const e = await scope.getExperiment(id);
  if (e.lifecycleStage !== stage) await (stage === 'deleted' ? scope.deleteExperiment(id) : scope.restoreExperiment(id));
  return get(scope, id);
}

/** Removing a tag the experiment does not have is not an error here, though the backends call it not found. */
async function setOrDelete(scope: TrackingBackend, id: string, key: string, value: string | null, current: StringMap): Promise<void> {
  if (value !== null) await scope.setExperimentTag(id, key, value);
  else if (key in current) await scope.deleteExperimentTag(id, key);
}
