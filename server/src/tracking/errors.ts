/**
 * Errors every backend throws, named after MLflow's error codes so the MLflow-compatible API can
 * answer exactly as MLflow would, and the v1 API can map them to its own stable codes.
 */

export type TrackingErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'INVALID_STATE'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'INTERNAL_ERROR';

/** HTTP status MLflow uses for each code (mlflow/exceptions.py). */
export const MLFLOW_HTTP_STATUS: Record<TrackingErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  INVALID_STATE: 500,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  REQUEST_LIMIT_EXCEEDED: 429,
  TEMPORARILY_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

export class TrackingError extends Error {
  readonly code: TrackingErrorCode;
  /** The input field at fault, when there is one (e.g. `metrics[3].key`). */
  readonly field: string | undefined;

  constructor(code: TrackingErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'TrackingError';
    this.code = code;
    this.field = field;
  }
}

export function invalid(message: string, field?: string): TrackingError {
  return new TrackingError('INVALID_PARAMETER_VALUE', message, field);
}

export function experimentNotFound(id: string): TrackingError {
  return new TrackingError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`);
}

export function runNotFound(id: string): TrackingError {
  return new TrackingError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`);
}
