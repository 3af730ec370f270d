"""MATIH Experiments helper for notebooks and scripts (pure Python, standard library only).

    import matih
    matih.connect()          # point MLflow at the editor's daemon for this folder
    ...                      # use mlflow as usual
    matih.live()             # a cell output that draws the active run's metrics live

``connect`` finds the daemon through its discovery file ``<data dir>/daemon-<pid>.json`` (the data
dir is ``$MATIH_HOME`` or ``~/.matih``), then sets ``MLFLOW_TRACKING_URI`` and
``MLFLOW_TRACKING_TOKEN`` for this process. The token never appears in return values or outputs.
"""

import json
import os
import stat
import sys
from urllib.parse import quote

__all__ = ["connect", "live", "Connection", "DaemonNotFound", "LIVE_MIME_TYPE"]
__version__ = "0.1.0"

LIVE_MIME_TYPE = "application/vnd.matih.live+json"

_current = None


class DaemonNotFound(RuntimeError):
    """No usable MATIH daemon serves this folder."""


class Connection:
    """What ``connect`` chose. Holds no token."""

    __slots__ = ("url", "tenant", "tracking_uri", "pid", "discovery_file", "workspace_folder")

    def __init__(self, url, tenant, tracking_uri, pid, discovery_file, workspace_folder):
        self.url = url
        self.tenant = tenant
        self.tracking_uri = tracking_uri
        self.pid = pid
        self.discovery_file = discovery_file
        self.workspace_folder = workspace_folder

    def _repr_mimebundle_(self, include=None, exclude=None):
        # What a notebook shows for the connect cell: one short line, not the full repr.
        return {"text/plain": "MATIH: MLflow logs to tenant %r through the editor's daemon (pid %d)" % (self.tenant, self.pid)}

    def __repr__(self):
        return "<matih.Connection tenant=%r tracking_uri=%r pid=%d folder=%r>" % (
            self.tenant, self.tracking_uri, self.pid, self.workspace_folder)


def data_dir():
    """``$MATIH_HOME`` or ``~/.matih``."""
    return os.environ.get("MATIH_HOME") or os.path.join(os.path.expanduser("~"), ".matih")


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False


def _inside(path, folder):
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives on Windows
        return False


def _read_private(path):
    """The file's JSON, or raises ValueError saying why it is refused."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise ValueError("cannot open it (%s)" % e.strerror)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("it is not a regular file")
        if hasattr(os, "getuid"):
            if st.st_uid != os.getuid():
                raise ValueError("it is owned by another user")
            if st.st_mode & 0o077:
                raise ValueError("other users can access it (mode %o); it must be 0600" % (st.st_mode & 0o777))
        with os.fdopen(fd, "r", encoding="utf-8") as f:
            fd = None
            return json.load(f)
    except json.JSONDecodeError:
        raise ValueError("it is not valid JSON")
    finally:
        if fd is not None:
            os.close(fd)


def _scan(target):
    """(matches, refused, others): live daemons serving ``target``, refused files, other live daemons."""
    directory = data_dir()
    matches, refused, others = [], [], []
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return matches, refused, others
    for name in names:
        if not (name.startswith("daemon-") and name.endswith(".json")):
            continue
        path = os.path.join(directory, name)
        try:
            info = _read_private(path)
        except ValueError as e:
            refused.append("%s: %s" % (path, e))
            continue
        if not isinstance(info, dict) or info.get("version") != 1:
            continue
        pid = info.get("pid")
        if not isinstance(pid, int) or not _alive(pid):
            continue  # stale: its daemon is gone
        folders = [os.path.realpath(f["path"]) for f in info.get("workspaceFolders") or []
                   if isinstance(f, dict) and isinstance(f.get("path"), str)]
        inside = [f for f in folders if _inside(target, f)]
        if inside:
            # The innermost folder is the best match when a window holds nested folders.
            matches.append((info, path, max(inside, key=len)))
        else:
            others.append((info, folders))
    return matches, refused, others


def connect(folder=None, tenant=None):
    """Points MLflow at the MATIH daemon of the editor window that holds ``folder`` (default: the
    current working directory, which in a notebook is the notebook's folder).

    Sets ``MLFLOW_TRACKING_URI`` (``<url>/tenants/<tenant>``) and ``MLFLOW_TRACKING_TOKEN`` in
    ``os.environ`` and, if ``mlflow`` is already imported, calls ``mlflow.set_tracking_uri``.
    ``tenant`` defaults to the daemon's active tenant. Returns a :class:`Connection`.
    Raises :class:`DaemonNotFound` when no running daemon serves the folder.
    """
    global _current
    target = os.path.realpath(os.path.abspath(folder if folder is not None else os.getcwd()))
    matches, refused, others = _scan(target)
    if not matches:
        lines = ["No running MATIH daemon serves %s (looked in %s)." % (target, data_dir())]
        if others:
            lines.append("Running daemons serve: %s. Pass folder=... to pick one." % "; ".join(
                ", ".join(f) or "(no local folder)" for _, f in others))
        else:
            lines.append("Open this folder in VS Code with the MATIH Experiments extension, "
                         "and check that the daemon runs (status bar).")
        for r in refused:
            lines.append("Refused %s" % r)
        raise DaemonNotFound("\n".join(lines))
    # The newest daemon wins (a window reloaded or opened later).
    info, path, workspace_folder = max(matches, key=lambda m: (str(m[0].get("startedAt", "")), m[0]["pid"]))
    url = str(info["url"]).rstrip("/")
    chosen = tenant or info.get("activeTenant")
    if not chosen:
        raise DaemonNotFound("The daemon at %s has no active tenant; pass tenant=..." % url)
    tracking_uri = "%s/tenants/%s" % (url, quote(chosen, safe=""))
    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    os.environ["MLFLOW_TRACKING_TOKEN"] = str(info["token"])
    mlflow = sys.modules.get("mlflow")
    if mlflow is not None and hasattr(mlflow, "set_tracking_uri"):
        mlflow.set_tracking_uri(tracking_uri)
    _current = Connection(url, chosen, tracking_uri, info["pid"], path, workspace_folder)
    return _current


class LiveChart:
    """A cell output the MATIH notebook renderer draws as the run's live metric chart.
    Outside VS Code it shows as plain text. Holds no token."""

    def __init__(self, run_id, tenant, url):
        self.run_id = run_id
        self.tenant = tenant
        self.url = url

    def data(self):
        return {"run_id": self.run_id, "tenant": self.tenant, "url": self.url}

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            LIVE_MIME_TYPE: self.data(),
            "text/plain": "MATIH live metrics of run %s (tenant %s)" % (self.run_id, self.tenant),
        }

    def __repr__(self):
        return "<matih.LiveChart run_id=%r tenant=%r>" % (self.run_id, self.tenant)


def live(run_id=None):
    """A display object for the run's live chart: the active MLflow run unless ``run_id`` is given.
    Show it as a cell's last expression, or with ``IPython.display.display(matih.live())``."""
    connection = _current
    if connection is None:
        raise DaemonNotFound("Call matih.connect() first.")
    if run_id is None:
        mlflow = sys.modules.get("mlflow")
        active = mlflow.active_run() if mlflow is not None else None
        if active is None:
            raise ValueError("No active MLflow run: start one (mlflow.start_run()) or pass run_id=...")
        run_id = active.info.run_id
    return LiveChart(str(run_id), connection.tenant, connection.url)
