/**
 * Which keys the Run details page lists, in which order; pure, so unit tested.
 */

/** Keys read as a person reads them: `lr` before `val/loss`, `epoch_2` before `epoch_10`. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort(collator.compare);
}

/**
 * Tags worth listing: MLflow's own `mlflow.*` bookkeeping (run name, source, user, which the
 * overview shows) and MATIH's tenant tag are left out, as the sidebar leaves them out.
 */
export function userTagKeys(tags: Record<string, string>): string[] {
  return sortedKeys(tags).filter((key) => !key.startsWith('mlflow.') && key !== 'matih.tenant_id');
}
