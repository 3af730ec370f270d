"""search_runs and search_experiments with filters, order_by and paging. Prints run names (and
experiment names) in the order the server returned them."""

import mlflow
from mlflow import MlflowClient
from mlflow.entities import ViewType

from _common import capture_warnings, emit, failure

capture_warnings()
client = MlflowClient()
T0 = 1_700_000_000_000

experiment_id = client.create_experiment("py-search", tags={"team": "ds"})
# name, params.model, metrics.acc (None: not logged), tags.x (None: not set), end status
RUNS = [
    ("r1", "xgb", 0.95, "y", "FINISHED"),
    ("r2", "xgb", 0.85, "z", "FINISHED"),
    ("r3", "rf", 0.97, "y", "FAILED"),
    ("r4", "xgb", 0.92, None, "KILLED"),
    ("r5", "xgb", float("nan"), "y", "FINISHED"),
    ("r6", "lr", None, "w", "FINISHED"),
    ("r7", "xgb", 0.99, "y", "RUNNING"),
]
for i, (name, model, acc, x, status) in enumerate(RUNS):
    run_id = client.create_run(experiment_id, start_time=T0 + i * 1000, run_name=name).info.run_id
    client.log_param(run_id, "model", model)
    if acc is not None:
        client.log_metric(run_id, "acc", acc, timestamp=T0, step=0)
    if x is not None:
        client.set_tag(run_id, "x", x)
    if status != "RUNNING":
        client.set_terminated(run_id, status, end_time=T0 + 100_000 + i)


def names(filter_string="", order_by=None, **kwargs):
    runs = client.search_runs([experiment_id], filter_string, order_by=order_by, **kwargs)
    return [r.info.run_name for r in runs]


def all_pages(page_size, **kwargs):
    seen, token = [], None
    while True:
        page = client.search_runs([experiment_id], max_results=page_size, page_token=token, **kwargs)
        seen.append([r.info.run_name for r in page])
        token = page.token
        if not token:
            return seen


runs = {
    "default_order": names(),
    "acc_and_model": names("metrics.acc > 0.9 and params.model = 'xgb'"),
    "tag": names("tags.x = 'y'"),
    "finished": names("attributes.status = 'FINISHED'"),
    "not_xgb": names("params.model != 'xgb'"),
    "name_like": names("attributes.run_name LIKE 'r%' AND metrics.acc <= 0.95"),
    "tag_missing": names("tags.x IS NULL"),
    "acc_desc": names(order_by=["metrics.acc DESC"]),
    "acc_asc": names(order_by=["metrics.acc ASC"]),
    "model_then_acc": names(order_by=["params.model ASC", "metrics.acc DESC"]),
    "tag_x_desc": names("attributes.status != 'RUNNING'", order_by=["tags.x DESC"]),
    "start_asc": names(order_by=["attributes.start_time ASC"]),
    "pages": all_pages(3, order_by=["attributes.run_name DESC"]),
    "fluent": mlflow.search_runs(
        experiment_names=["py-search"],
        filter_string="metrics.acc > 0.9",
        order_by=["metrics.acc DESC"],
        output_format="pandas",
    )["tags.mlflow.runName"].tolist(),
    "bad_filter": failure(client.search_runs, [experiment_id], "metrics.acc > 0.9 OR params.model = 'xgb'"),
}

for name, tags in [("proj-alpha", {"team": "ds"}), ("proj-beta", {"team": "ml"}), ("other", {"team": "ds"})]:
    client.create_experiment(name, tags=tags)


def experiment_names(filter_string=None, order_by=None, **kwargs):
    found = client.search_experiments(filter_string=filter_string, order_by=order_by, **kwargs)
    return [e.name for e in found]


experiments = {
    "like": experiment_names("name LIKE 'proj-%'", order_by=["name DESC"]),
    "ilike": experiment_names("name ILIKE 'PROJ-%'", order_by=["name ASC"]),
    "tag": experiment_names("tags.team = 'ds'", order_by=["name ASC"]),
    "tag_and_name": experiment_names("tags.team = 'ds' AND name != 'other'"),
    "newest_first": experiment_names(order_by=["creation_time DESC"], max_results=3),
    "all": experiment_names(order_by=["name ASC"], view_type=ViewType.ALL),
}

emit(runs=runs, experiments=experiments)
