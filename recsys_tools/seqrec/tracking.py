"""MLflow tracking for training runs (local store under the project's run directory).

`MlflowTracker` does nothing on construction; `start()` opens the run. The store is a
local file store (`<run_dir>/mlflow`; MLflow 3 wants a database backend, but the sqlite one
needs SQLAlchemy, which mlflow-skinny leaves out, so the file store is opted into explicitly);
model versions are registered against the logged
checkpoint artifact so the agent tools can load "the latest version of <name>".
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class MlflowTracker:
    def __init__(self, store_dir: Path, experiment: str) -> None:
        self.store_dir = store_dir
        self.experiment = experiment
        self.run_id: str | None = None

    @property
    def uri(self) -> str:
        return _file_store_uri(self.store_dir)

    @contextlib.contextmanager
    def start(self, run_name: str, params: dict[str, Any]) -> Iterator[MlflowTracker]:
        import mlflow

        self.store_dir.mkdir(parents=True, exist_ok=True)
        mlflow.set_tracking_uri(self.uri)
        mlflow.set_registry_uri(self.uri)
        mlflow.set_experiment(self.experiment)
        with mlflow.start_run(run_name=run_name) as run:
            self.run_id = run.info.run_id
            mlflow.log_params({k: _param(v) for k, v in params.items()})
            yield self
        self.run_id = None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        import mlflow

        mlflow.log_metrics(
            {k.replace("@", "_at_"): float(v) for k, v in metrics.items()}, step=step
        )

    def log_artifact(self, path: Path) -> None:
        import mlflow

        mlflow.log_artifact(str(path))

    def register(self, name: str, artifact_name: str) -> str:
        """Register the run's artifact `artifact_name` as a new version of model `name`."""
        import mlflow
        from mlflow.tracking import MlflowClient

        assert self.run_id is not None, "register inside start()"
        client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        with contextlib.suppress(mlflow.exceptions.MlflowException):  # already exists
            client.create_registered_model(name)
        source = f"{mlflow.get_artifact_uri()}/{artifact_name}"
        version = client.create_model_version(name, source=source, run_id=self.run_id)
        return str(version.version)


def latest_registered_checkpoint(store_dir: Path, name: str) -> Path | None:
    """Path of the newest registered version's checkpoint file, or None."""
    if not store_dir.exists():
        return None
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    uri = _file_store_uri(store_dir)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        versions = client.search_model_versions(f"name='{name}'")
    except MlflowException:
        return None
    if not versions:
        return None
    newest = max(versions, key=lambda v: int(v.version))
    source = str(newest.source)
    path = Path(source.removeprefix("file://")) if source.startswith("file://") else Path(source)
    return path if path.exists() else None


def _file_store_uri(store_dir: Path) -> str:
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return store_dir.resolve().as_uri()


def _param(value: Any) -> Any:
    text = str(value)
    return text if len(text) <= 500 else text[:497] + "..."
