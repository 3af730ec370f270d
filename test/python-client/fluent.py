"""The fluent API end to end: set_experiment, start_run/end_run with every end status, params,
metrics with steps and timestamps, NaN and infinities, tags, and `with start_run()` raising."""

import mlflow
from mlflow import MlflowClient

from _common import capture_warnings, emit, experiment_json, points, run_json

capture_warnings()
client = MlflowClient()
T0 = 1_700_000_000_000

created = mlflow.set_experiment("py-fluent")
reused = mlflow.set_experiment("py-fluent")
by_name = client.get_experiment_by_name("py-fluent")

# One run with everything logged, ended explicitly (end_run's default status is FINISHED).
run = mlflow.start_run(run_name="logged")
mlflow.log_param("lr", 0.01)
mlflow.log_params({"model": "xgb", "depth": 6, "subsample": 0.8})
for step in range(5):
    mlflow.log_metric("loss", 1.0 / (step + 1), step=step, timestamp=T0 + step * 1000)
mlflow.log_metrics({"acc": 0.91, "f1": 0.8}, step=7, timestamp=T0 + 9999)
mlflow.log_metrics({"acc": 0.95}, step=8)  # timestamp: now
mlflow.log_metric("nan", float("nan"))
mlflow.log_metric("pos_inf", float("inf"))
mlflow.log_metric("neg_inf", float("-inf"))
mlflow.set_tag("stage", "dev")
mlflow.set_tags({"team": "ds", "x": "y"})
while_running = client.get_run(run.info.run_id)
mlflow.end_run()
logged = client.get_run(run.info.run_id)

ended = {}
for status in ("FINISHED", "FAILED", "KILLED"):
    r = mlflow.start_run(run_name=f"ended-{status.lower()}")
    mlflow.end_run(status)
    ended[status] = run_json(client.get_run(r.info.run_id))

raised_id = None
try:
    with mlflow.start_run(run_name="raised") as r:
        raised_id = r.info.run_id
        mlflow.log_metric("x", 1.0)
        raise ValueError("boom")
except ValueError:
    pass
raised = client.get_run(raised_id)

with mlflow.start_run(run_name="clean") as r:
    mlflow.log_metric("x", 2.0)
clean = client.get_run(r.info.run_id)

emit(
    created=experiment_json(created),
    reused=experiment_json(reused),
    by_name=experiment_json(by_name),
    while_running=run_json(while_running),
    logged=run_json(logged),
    history={k: points(client.get_metric_history(run.info.run_id, k)) for k in ("loss", "acc", "f1", "nan", "pos_inf", "neg_inf")},
    ended=ended,
    raised=run_json(raised),
    clean=run_json(clean),
)
