"""A small training run that logs to MLflow: parameters, a metric per epoch, tags and an artifact.

It logs to MLFLOW_TRACKING_URI, or to a daemon on port 8000 (`npm run serve`, tenant `demo`).
In the editor, "MATIH: Run Python File with Tracking" (the play button in the editor title) runs
it in a run of its own and shows the curves growing; the terminals the editor opens log to the
editor's daemon too. Only `mlflow` is needed (`pip install mlflow`); the "model" is a toy that
takes about ten seconds, slow enough to watch.

    python train.py --epochs 50 --lr 0.05
"""

import argparse
import json
import math
import os
import random
import tempfile
import time

import mlflow

DEFAULT_TRACKING_URI = "http://127.0.0.1:8000/tenants/demo"


def train(epochs: int, lr: float, batch_size: int, seed: int, delay: float) -> dict:
    random.seed(seed)
    mlflow.log_params({"epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed})
    loss, accuracy = 2.3, 0.1
    for epoch in range(epochs):
        # A loss that decays with the learning rate, plus a little noise.
        loss = loss * (1 - min(lr * 4, 0.5)) + random.uniform(0, 0.05)
        accuracy = 1 - math.exp(-(epoch + 1) * lr * 3) * 0.9 + random.uniform(-0.02, 0.02)
        mlflow.log_metrics({"loss": loss, "accuracy": min(accuracy, 1.0)}, step=epoch)
        time.sleep(delay)
    return {"loss": loss, "accuracy": min(accuracy, 1.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per epoch, to watch the run live")
    parser.add_argument("--experiment", default="demo-training")
    args = parser.parse_args()

    mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", DEFAULT_TRACKING_URI))
    if not os.environ.get("MLFLOW_RUN_ID"):
        # Started with tracking, the run (and its experiment) is chosen already; MLflow refuses
        # to resume it under another experiment.
        mlflow.set_experiment(args.experiment)
    with mlflow.start_run(tags={"model": "toy", "source": "demo/train.py"}) as run:
        final = train(args.epochs, args.lr, args.batch_size, args.seed, args.delay)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "summary.json")
            with open(path, "w") as f:
                json.dump(final, f, indent=2)
            mlflow.log_artifact(path)
        print(f"run {run.info.run_id}: loss={final['loss']:.4f} accuracy={final['accuracy']:.3f}")
        print(f"tracking URI: {mlflow.get_tracking_uri()}")


if __name__ == "__main__":
    main()
