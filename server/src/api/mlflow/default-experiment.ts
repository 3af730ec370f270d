/**
 * Each tenant's "Default" experiment, seen by MLflow clients as experiment "0".
 *
 * MLflow clients assume experiment "0" named "Default" always exists: `mlflow.start_run()`
 * without `set_experiment` creates its run there, `mlflow.search_runs()` looks there, and the
 * UI lists it. One shared experiment "0" would mix every tenant's runs, so instead each tenant
 * gets its own experiment named "Default" (stored as `tenant/Default` by the TenantScope),
 * created the first time the tenant uses the MLflow API, and the id "0" is an alias for it:
 * "0" in a request means that experiment, and that experiment's real id is shown as "0" in
 * every answer, so clients see exactly what an MLflow server would show them.
 */
import type { TrackingBackend } from '../../tracking/backend.ts';
import { TrackingError } from '../../tracking/errors.ts';
import { MlflowApiError } from './wire.ts';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/** The experiment ids one tenant's request sees, with "0" standing for the tenant's Default. */
export class ExperimentIds {
  /** The stored id of the tenant's Default experiment. */
  readonly defaultId: string;

  constructor(defaultId: string) {
    this.defaultId = defaultId;
  }

  /** A client's id as stored: "0" becomes the tenant's Default. */
  toStored(id: string): string {
    return id === DEFAULT_EXPERIMENT_ID ? this.defaultId : id;
  }

  /** A stored id as the client sees it; bound so it can be passed around as a function. */
  readonly show = (id: string): string => (id === this.defaultId ? DEFAULT_EXPERIMENT_ID : id);

  isDefault(id: string): boolean {
    return this.toStored(id) === this.defaultId;
  }

  /**
   * Renaming the Default would leave "0" without the name clients look it up by, and a daemon
   * restart would then create a second "Default"; MLflow itself allows it, we refuse.
   */
  refuseRename(id: string): void {
    if (this.isDefault(id)) {
      throw new MlflowApiError(
        'INVALID_PARAMETER_VALUE',
        `The default experiment '${DEFAULT_EXPERIMENT_ID}' cannot be renamed on this server; create a new experiment instead.`,
      );
    }
  }
}

/**
 * Finds or creates each tenant's Default experiment once per scope. Keyed by the scope object,
 * so the cache lives exactly as long as the TenantRegistry keeps that scope.
 */
export class DefaultExperiments {
  readonly #ids = new WeakMap<TrackingBackend, Promise<string>>();

  /** The tenant's Default, found by name or created on first use. */
  async ids(scope: TrackingBackend): Promise<ExperimentIds> {
    let pending = this.#ids.get(scope);
    if (!pending) {
      pending = findOrCreate(scope);
      this.#ids.set(scope, pending);
      // A failure (store unavailable) is not remembered: the next request tries again.
      pending.catch(() => {
        if (this.#ids.get(scope) === pending) this.#ids.delete(scope);
      });
    }
    return new ExperimentIds(await pending);
  }
}

async function findOrCreate(scope: TrackingBackend): Promise<string> {
  const found = await scope.getExperimentByName(DEFAULT_EXPERIMENT_NAME);
  if (found) return found.experimentId;
  try {
    return await scope.createExperiment({ name: DEFAULT_EXPERIMENT_NAME });
  } catch (err) {
    // Another daemon process sharing the store may have created it between our two calls.
    if (err instanceof TrackingError && err.code === 'RESOURCE_ALREADY_EXISTS') {
      const raced = await scope.getExperimentByName(DEFAULT_EXPERIMENT_NAME);
      if (raced) return raced.experimentId;
    }
    throw err;
  }
}
