"""Tenant isolation as the client sees it. MLFLOW_TRACKING_URI is tenant acme's; argv[1] is
tenant globex's URI and argv[2] the daemon's plain URI (the default tenant), both may end in '/'."""

import sys

import mlflow
from mlflow import MlflowClient

from _common import capture_warnings, emit, experiment_json, failure, points, run_json

capture_warnings()
acme = MlflowClient()
globex = MlflowClient(tracking_uri=sys.argv[1])
plain = MlflowClient(tracking_uri=sys.argv[2])

acme_experiment = mlflow.set_experiment("shared").experiment_id
with mlflow.start_run(run_name="acme-run") as r:
    mlflow.log_param("model", "xgb")
    mlflow.log_metric("acc", 0.97)
    mlflow.set_tag("x", "y")
acme_run = r.info.run_id


def from_outside(client):
    return {
        "get_run": failure(client.get_run, acme_run),
        "get_experiment": failure(client.get_experiment, acme_experiment),
        "by_name": experiment_json(client.get_experiment_by_name("shared")),
        "search_runs": [r.info.run_id for r in client.search_runs([acme_experiment])],
        "search_runs_filtered": [
            r.info.run_id
            for r in client.search_runs([acme_experiment], "metrics.acc > 0.9 and params.model = 'xgb' and tags.x = 'y'")
        ],
        "experiments": [e.name for e in client.search_experiments()],
        "history": points(client.get_metric_history(acme_run, "acc")),
        "log_metric": failure(client.log_metric, acme_run, "acc", 0.1),
        "set_terminated": failure(client.set_terminated, acme_run, "KILLED"),
        "delete_run": failure(client.delete_run, acme_run),
        "delete_experiment": failure(client.delete_experiment, acme_experiment),
        "create_run": failure(client.create_run, acme_experiment),
    }


outside = {"globex": from_outside(globex), "default": from_outside(plain)}

# globex may use the same name; it gets its own experiment.
globex_experiment = globex.create_experiment("shared")
globex_run = globex.create_run(globex_experiment, run_name="globex-run").info.run_id
globex.log_metric(globex_run, "acc", 0.99)
globex.set_tag(globex_run, "x", "y")

emit(
    acme_experiment=acme_experiment,
    acme_run=acme_run,
    globex_experiment=globex_experiment,
    globex_run=globex_run,
    outside=outside,
    acme_sees={
        "run": run_json(acme.get_run(acme_run)),
        "experiment": experiment_json(acme.get_experiment(acme_experiment)),
        "runs_in_both": [r.info.run_name for r in acme.search_runs([acme_experiment, globex_experiment])],
        "experiments": [e.name for e in acme.search_experiments()],
    },
    globex_sees={
        "runs_in_both": [r.info.run_name for r in globex.search_runs([acme_experiment, globex_experiment], "tags.x = 'y'")],
        "experiment": experiment_json(globex.get_experiment_by_name("shared")),
    },
)
