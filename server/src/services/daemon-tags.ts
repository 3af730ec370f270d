/**
 * Tags the daemon owns, for every surface. `matih.*` tags carry tenancy (the tenant tag above
 * all): a user can neither set nor remove them, or one tenant could hand its data to another.
 * MLflow's note tag holds an experiment's description, which has a field of its own; writing it
 * as a tag as well would leave two ways to change one value. Reads hide what the user did not
 * write (views.ts); writes refuse it here.
 */
import { TENANT_TAG } from '../../../protocol/src/index.ts';
import { invalid } from '../tracking/errors.ts';
import type { StringMap } from '../tracking/types.ts';

/** MLflow keeps an experiment's (and run's) description in this tag. */
export const DESCRIPTION_TAG = 'mlflow.note.content';

/** Tags the views leave out of the user's `tags`: the daemon's, and the description shown on its own. */
const HIDDEN_EXPERIMENT_TAGS = new Set([TENANT_TAG, DESCRIPTION_TAG]);
const HIDDEN_RUN_TAGS = new Set([TENANT_TAG]);

/** Refuses one `matih.*` key; `field` names it as the caller sent it. */
export function refuseDaemonTag(key: string, field: string): void {
  if (key.startsWith('matih.')) throw invalid(`tags starting with 'matih.' are reserved for the daemon`, field);
}

/** Refuses the `matih.*` keys of a tag map, naming each as `<field>.<key>`. */
export function refuseDaemonTags(tags: Record<string, unknown>, field: string): void {
  for (const key of Object.keys(tags)) refuseDaemonTag(key, `${field}.${key}`);
}

/** Refuses every reserved key of a tag map: the daemon's and the description tag. */
export function refuseReservedTags(tags: Record<string, unknown>, field: string): void {
  for (const key of Object.keys(tags)) {
    if (key === DESCRIPTION_TAG) throw invalid(`tag '${key}' holds the description; use the description field`, `${field}.${key}`);
    refuseDaemonTag(key, `${field}.${key}`);
  }
}

/** An experiment's tags as the user sees them. */
export function userExperimentTags(tags: StringMap): StringMap {
  return without(tags, HIDDEN_EXPERIMENT_TAGS);
}

/** A run's tags as the user sees them. */
export function userRunTags(tags: StringMap): StringMap {
  return without(tags, HIDDEN_RUN_TAGS);
}

function without(tags: StringMap, hidden: Set<string>): StringMap {
  const out: StringMap = {};
  for (const [k, v] of Object.entries(tags)) if (!hidden.has(k)) out[k] = v;
  return out;
}
