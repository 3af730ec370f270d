"""Helpers shared by the python-client test scripts.

A script prints exactly one result line, `@@RESULT <json>`, on stdout (MLflow itself prints
"View run ..." lines there too). Floats that JSON cannot carry (NaN, +-Infinity) are sent as
the strings "NaN", "Infinity" and "-Infinity". Warnings logged by MLflow (or anyone else) and
Python warnings are collected and sent along, so the TypeScript side can report them.
"""

import json
import logging
import math
import sys
import warnings

RESULT_MARK = "@@RESULT "

_captured = []


class _Collector(logging.Handler):
    def emit(self, record):
        try:
            _captured.append(f"{record.levelname} {record.name}: {record.getMessage()}")
        except Exception:  # a broken log call must not hide the result
            _captured.append(f"{record.levelname} {record.name}: <unformattable>")


def capture_warnings():
    """Collects WARNING and above from every logger, and Python warnings; they still reach stderr."""
    import mlflow  # noqa: F401  (configures the 'mlflow' logger, which does not propagate)

    handler = _Collector(level=logging.WARNING)
    logging.getLogger().addHandler(handler)
    logging.getLogger("mlflow").addHandler(handler)
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        _captured.append(f"{category.__name__}: {message}")
        original(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def captured():
    return list(_captured)


def plain(value):
    """Makes a value JSON-safe: NaN and infinities become strings, tuples lists."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def emit(**result):
    result.setdefault("warnings", captured())
    sys.stdout.write(RESULT_MARK + json.dumps(plain(result), allow_nan=False) + "\n")
    sys.stdout.flush()


def run_json(run):
    info = run.info
    return {
        "run_id": info.run_id,
        "experiment_id": info.experiment_id,
        "run_name": info.run_name,
        "status": info.status,
        "lifecycle_stage": info.lifecycle_stage,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "artifact_uri": info.artifact_uri,
        "metrics": dict(run.data.metrics),
        "params": dict(run.data.params),
        "tags": dict(run.data.tags),
    }


def experiment_json(experiment):
    if experiment is None:
        return None
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "lifecycle_stage": experiment.lifecycle_stage,
        "artifact_location": experiment.artifact_location,
        "tags": dict(experiment.tags),
    }


def points(history):
    """A metric history as [step, value, timestamp] triples, in the order the server sent them."""
    return [[m.step, m.value, m.timestamp] for m in history]


def failure(fn, *args, **kwargs):
    """Calls fn; returns None if it succeeds, else {"error_code", "message"} of the MlflowException."""
    from mlflow.exceptions import MlflowException

    try:
        fn(*args, **kwargs)
    except MlflowException as e:
        return {"error_code": e.error_code, "message": e.message}
    return None
