"""Every artifact call of the fluent API and MlflowClient, through the daemon's artifact proxy.

Logs files, a folder, a matplotlib figure, a dict (JSON and YAML), a text and a 3 MiB binary into
one run, then lists and downloads them back through the same tracking URI, and reports sizes and
SHA-256 digests of what it sent and what it got, for the TypeScript side to compare with the store.
Usage: artifacts.py <experiment name>
       artifacts.py --foreign <run id> <artifact uri>   (another tenant's run: every call must fail)
"""

import hashlib
import os
import sys
import tempfile

from _common import capture_warnings, captured, emit, failure, run_json

capture_warnings()

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def tree(root):
    """Relative path -> [size, sha256] of every file under root."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root).replace(os.sep, "/")] = [os.path.getsize(full), digest(full)]
    return dict(sorted(out.items()))


def refused(fn, *args, **kwargs):
    """Calls fn; None if it succeeds, else what failed: the HTTP status if there was one, and the text."""
    try:
        fn(*args, **kwargs)
    except Exception as e:  # MlflowException or requests' HTTPError, whichever layer noticed
        status = getattr(getattr(e, "response", None), "status_code", None)
        return {"status": status, "error_code": getattr(e, "error_code", None), "message": str(e)[:400]}
    return None


def listing(entries):
    return [[e.path, e.is_dir, e.file_size] for e in entries]


if sys.argv[1] == "--foreign":
    run_id, uri = sys.argv[2], sys.argv[3]
    work = tempfile.mkdtemp()
    planted = os.path.join(work, "planted.txt")
    write(planted, b"planted by another tenant")
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    emit(
        list_by_run=refused(MlflowClient().list_artifacts, run_id),
        download_by_run=refused(mlflow.artifacts.download_artifacts, run_id=run_id, artifact_path="hello.txt", dst_path=work),
        download_by_uri=refused(mlflow.artifacts.download_artifacts, artifact_uri=f"{uri}/hello.txt", dst_path=work),
        list_by_uri=refused(get_artifact_repository(uri).list_artifacts),
        upload_by_run=refused(MlflowClient().log_artifact, run_id, planted),
        upload_by_uri=refused(get_artifact_repository(uri).log_artifact, planted),
        delete_by_uri=refused(get_artifact_repository(uri).delete_artifacts, "hello.txt"),
        warnings=captured(),
    )
    sys.exit(0)

mlflow.set_experiment(sys.argv[1])
work = tempfile.mkdtemp()
client = MlflowClient()
sent = {}

with mlflow.start_run(run_name="artifacts") as run:
    run_id = run.info.run_id
    hello = os.path.join(work, "hello.txt")
    write(hello, b"hello through the daemon\n")
    mlflow.log_artifact(hello)
    mlflow.log_artifact(hello, artifact_path="nested/deeper")
    sent["hello.txt"] = digest(hello)

    folder = os.path.join(work, "folder")
    write(os.path.join(folder, "a.csv"), b"x,y\n1,2\n")
    write(os.path.join(folder, "sub", "b.json"), b'{"b": 1}')
    write(os.path.join(folder, "sub", "with space & ü.txt"), "unicode name\n".encode())
    mlflow.log_artifacts(folder, artifact_path="folder")
    for rel, (_, sha) in tree(folder).items():
        sent["folder/" + rel] = sha

    big = os.path.join(work, "weights.bin")
    write(big, os.urandom(3 * 1024 * 1024 + 17))
    mlflow.log_artifact(big, artifact_path="model")
    sent["model/weights.bin"] = digest(big)

    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [0, 1, 4])
    mlflow.log_figure(fig, "plots/curve.png")
    plt.close(fig)
    mlflow.log_dict({"lr": 0.1, "layers": [64, 32]}, "config/params.json")
    mlflow.log_dict({"lr": 0.1}, "config/params.yaml")
    mlflow.log_text("some notes\n", "notes/readme.txt")

    artifact_uri = mlflow.get_artifact_uri()

root_listing = listing(client.list_artifacts(run_id))
folder_listing = listing(client.list_artifacts(run_id, "folder/sub"))
fluent_listing = listing(mlflow.artifacts.list_artifacts(run_id=run_id, artifact_path="config"))

download_all = os.path.join(work, "download-all")
os.makedirs(download_all)
mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=download_all)
download_one = os.path.join(work, "download-one")
os.makedirs(download_one)
one = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="model/weights.bin", dst_path=download_one)
by_uri = os.path.join(work, "download-uri")
os.makedirs(by_uri)
mlflow.artifacts.download_artifacts(artifact_uri=f"{artifact_uri}/folder", dst_path=by_uri)

emit(
    run=run_json(client.get_run(run_id)),
    artifact_uri=artifact_uri,
    sent=sent,
    root_listing=root_listing,
    folder_listing=folder_listing,
    fluent_listing=fluent_listing,
    downloaded=tree(download_all),
    downloaded_one=digest(one),
    downloaded_by_uri=tree(by_uri),
    loaded_dict=mlflow.artifacts.load_dict(f"{artifact_uri}/config/params.json"),
    loaded_text=mlflow.artifacts.load_text(f"{artifact_uri}/notes/readme.txt"),
    missing=failure(mlflow.artifacts.download_artifacts, run_id=run_id, artifact_path="nope.txt", dst_path=work),
    warnings=captured(),
)
