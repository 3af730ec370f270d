"""Soft delete and restore of runs and experiments, and what the client can do meanwhile."""

import mlflow
from mlflow import MlflowClient
from mlflow.entities import ViewType

from _common import capture_warnings, emit, experiment_json, failure

capture_warnings()
client = MlflowClient()

experiment_id = mlflow.set_experiment("py-lifecycle").experiment_id
with mlflow.start_run(run_name="keep") as r:
    mlflow.log_metric("m", 1.0)
keep = r.info.run_id
with mlflow.start_run(run_name="drop") as r:
    mlflow.log_metric("m", 2.0)
drop = r.info.run_id


def stage(run_id):
    return client.get_run(run_id).info.lifecycle_stage


def names(view):
    return sorted(r.info.run_name for r in client.search_runs([experiment_id], run_view_type=view))


out = {"experiment_id": experiment_id, "keep": keep, "drop": drop}

client.delete_run(drop)
out["run_deleted"] = {
    "stage": stage(drop),
    "active": names(ViewType.ACTIVE_ONLY),
    "deleted": names(ViewType.DELETED_ONLY),
    "all": names(ViewType.ALL),
    "log_metric": failure(client.log_metric, drop, "m", 3.0),
    "set_tag": failure(client.set_tag, drop, "k", "v"),
}
client.restore_run(drop)
out["run_restored"] = {"stage": stage(drop), "active": names(ViewType.ACTIVE_ONLY)}

client.delete_experiment(experiment_id)
out["experiment_deleted"] = {
    "experiment": experiment_json(client.get_experiment(experiment_id)),
    "by_name": experiment_json(client.get_experiment_by_name("py-lifecycle")),
    "run_stages": [stage(keep), stage(drop)],
    "listed_active": [e.name for e in client.search_experiments(view_type=ViewType.ACTIVE_ONLY)],
    "listed_deleted": [e.name for e in client.search_experiments(view_type=ViewType.DELETED_ONLY)],
    "set_experiment": failure(mlflow.set_experiment, "py-lifecycle"),
    "create_same_name": failure(client.create_experiment, "py-lifecycle"),
    "create_run": failure(client.create_run, experiment_id),
}
client.restore_experiment(experiment_id)
out["experiment_restored"] = {
    "experiment": experiment_json(client.get_experiment(experiment_id)),
    "run_stages": [stage(keep), stage(drop)],
    "set_experiment": mlflow.set_experiment("py-lifecycle").experiment_id,
    "active": names(ViewType.ACTIVE_ONLY),
}

emit(**out)
