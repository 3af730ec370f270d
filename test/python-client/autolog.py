"""mlflow.sklearn.autolog() end to end on LogisticRegression over the iris data set (ships with
scikit-learn). Two runs: autolog with its defaults (which log a model, through MLflow 3's
logged-models API), then with log_models=False. Prints each run, its artifacts, the warnings
each phase produced, and the model's own scores to compare the logged metrics with."""

import mlflow
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from _common import capture_warnings, captured, emit, run_json

capture_warnings()
client = MlflowClient()
experiment_id = mlflow.set_experiment("py-autolog").experiment_id
X, y = load_iris(return_X_y=True)

phases = {}
for phase, options in [("defaults", {}), ("no_models", {"log_models": False})]:
    mark = len(captured())
    mlflow.sklearn.autolog(**options)
    with mlflow.start_run(run_name=phase) as r:
        model = LogisticRegression(max_iter=200).fit(X, y)
    run = client.get_run(r.info.run_id)
    phases[phase] = {
        "run": run_json(run),
        "model_outputs": len(run.outputs.model_outputs) if run.outputs else 0,
        "artifacts": sorted(f.path for f in client.list_artifacts(r.info.run_id)),
        "score": model.score(X, y),
        "accuracy": accuracy_score(y, model.predict(X)),
        "warnings": captured()[mark:],
    }

emit(experiment_id=experiment_id, phases=phases)
