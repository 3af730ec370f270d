/**
 * The TrackingBackend contract against a real `mlflow server` (one per file: start-up costs
 * seconds). The backend runs with `splitLargeBatches: false`, the mode that keeps every batch one
 * atomic request; in the default mode it differs in exactly one case, by design: a batch over
 * MLflow's per-request limits is split and stored instead of refused (covered in
 * test/mlflow-backend/real-server.test.ts).
 */

import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { startMlflowServer } from '../support/mlflow.ts';
import { runBackendContract } from './backend-contract.ts';

runBackendContract('remote MLflow server', async () => {
  const server = await startMlflowServer();
  const backend = new MlflowBackend({ uri: server.url, splitLargeBatches: false });
  return {
    backend,
    cleanup: async () => {
      await backend.close();
      await server.stop();
    },
  };
});
