"""MlflowClient().log_batch with more metrics than one request may carry (the client splits it),
then every point back through get_metric_history. argv[1]: how many `loss` points."""

import sys

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

from _common import capture_warnings, emit, points, run_json

capture_warnings()
client = MlflowClient()
T0 = 1_700_000_000_000
n = int(sys.argv[1])

experiment_id = client.create_experiment("py-batch")
run_id = client.create_run(experiment_id, run_name="batch").info.run_id

metrics = [Metric("loss", 1.0 / (i + 1), T0 + i * 10, i) for i in range(n)]
# Several points per step, one logged before the other: the history keeps all of them.
metrics += [Metric("acc", v, T0 + i, i // 2) for i, v in enumerate([0.5, 0.6, 0.7, 0.8, float("nan"), 0.9])]
params = [Param(f"p{i:02d}", str(i)) for i in range(30)]
tags = [RunTag(f"t{i:02d}", f"v{i}") for i in range(20)]
client.log_batch(run_id, metrics=metrics, params=params, tags=tags)
client.set_terminated(run_id)

emit(
    run=run_json(client.get_run(run_id)),
    loss=points(client.get_metric_history(run_id, "loss")),
    acc=points(client.get_metric_history(run_id, "acc")),
    missing=points(client.get_metric_history(run_id, "never-logged")),
)
