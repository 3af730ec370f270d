/**
 * What `mlflow.sklearn.autolog()` logs for `autolog.py` (LogisticRegression on iris, MLflow 3.17),
 * shared by the suites that run it against the embedded daemon and through the daemon in front
 * of a real MLflow server.
 */

export const TENANT = 'ml-team';
/** The metric `model.score(X, y)` logs after the run, through autolog's post-training metrics. */
export const POST_TRAINING_METRIC = 'LogisticRegression_score_X';
export const TRAINING_METRICS = [
  'training_accuracy_score',
  'training_f1_score',
  'training_log_loss',
  'training_precision_score',
  'training_recall_score',
  'training_roc_auc',
  'training_score',
];
export const PARAMS = {
  C: '1.0',
  class_weight: 'None',
  dual: 'False',
  fit_intercept: 'True',
  intercept_scaling: '1',
  l1_ratio: '0.0',
  max_iter: '200',
  n_jobs: 'None',
  penalty: 'deprecated',
  random_state: 'None',
  solver: 'lbfgs',
  tol: '0.0001',
  verbose: '0',
  warm_start: 'False',
};

/** MLflow's own advice, also printed against a real server. */
const BENIGN = [/Saving scikit-learn models in the pickle or cloudpickle format/];

/** The warnings MLflow logged, less its benign advice (Python warnings such as sklearn's FutureWarnings aside). */
export function loggedWarnings(warnings: string[]): string[] {
  return warnings.filter((w) => /^(WARNING|ERROR|CRITICAL) /.test(w) && !BENIGN.some((re) => re.test(w)));
}
