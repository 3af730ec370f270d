/** The remote-MLflow tracking backend: {@link MlflowBackend} and its options. */
export { MlflowBackend } from './mlflow-backend.ts';
export type { MlflowAuth, MlflowBackendOptions } from './mlflow-backend.ts';
export { MlflowRequestError } from './http.ts';
