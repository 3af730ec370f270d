/** The ModelsBackend contract against a real `mlflow server` 3.x, through MlflowBackend. */

import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { startMlflowServer } from '../support/mlflow.ts';
import { runModelsContract } from './models-contract.ts';

runModelsContract('remote MLflow server', async () => {
  const server = await startMlflowServer();
  const backend = new MlflowBackend({ uri: server.url });
  return {
    backend,
    cleanup: async () => {
      await backend.close();
      await server.stop();
    },
  };
});
