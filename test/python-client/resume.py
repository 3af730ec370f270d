"""Resumes the run named by MLFLOW_RUN_ID: it must flip back to RUNNING, take new data, and end
with the status given as argv[1]. argv[2] is a deleted run, which start_run must refuse. While the
run is resumed, the daemon's own v1 API (argv[3], tenant argv[4]) is asked for its status too."""

import json
import os
import sys
import urllib.request

import mlflow
from mlflow import MlflowClient

from _common import capture_warnings, emit, failure, points, run_json

capture_warnings()
client = MlflowClient()
end_status, deleted_run_id, daemon_url, tenant = sys.argv[1:5]


def v1_status(run_id):
    request = urllib.request.Request(f"{daemon_url}/api/v1/experiments/runs/{run_id}", headers={"X-Tenant-ID": tenant})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["status"]


env_run_id = os.environ.get("MLFLOW_RUN_ID")
before = client.get_run(env_run_id)
run = mlflow.start_run()
env_consumed = "MLFLOW_RUN_ID" not in os.environ
during = client.get_run(run.info.run_id)
during_v1 = v1_status(run.info.run_id)
mlflow.log_metric("loss", 0.25, step=1)
mlflow.log_param("resumed", "yes")
mlflow.end_run(end_status)
after = client.get_run(run.info.run_id)

deleted_refused = failure(mlflow.start_run, run_id=deleted_run_id)
still_deleted = client.get_run(deleted_run_id)

emit(
    env_run_id=env_run_id,
    resumed_run_id=run.info.run_id,
    env_consumed=env_consumed,
    before=run_json(before),
    during=run_json(during),
    during_v1=during_v1,
    after=run_json(after),
    loss=points(client.get_metric_history(run.info.run_id, "loss")),
    deleted_refused=deleted_refused,
    still_deleted=run_json(still_deleted),
)
