"""Batch execution of mapping requests with OpenAI-Batch-like job states.

Two executors behind one contract: `OpenAIBatchExecutor` (an OpenAI-compatible endpoint's
Batch API) and `OfflineBatchExecutor` (runs the offline scorers locally). Both move a job
through validating → in_progress → completed | failed, keep per-request errors apart from
results, and persist everything under a job directory so a killed process resumes the job
instead of starting it again.
"""

from __future__ import annotations

import json
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

JobState = Literal["validating", "in_progress", "completed", "failed"]


@dataclass(frozen=True)
class BatchRequest:
    custom_id: str  # unique in a job, e.g. "pick:IP000001"
    kind: Literal["pick", "verify"]
    payload: dict[str, Any]  # structured input (offline scorer)
    messages: list[dict[str, str]] = field(default_factory=list)  # prompt (LLM)


@dataclass(frozen=True)
class BatchResult:
    custom_id: str
    response: dict[str, Any] | None  # None when the request failed
    error: str | None = None


@dataclass
class Job:
    job_id: str
    state: JobState
    n_requests: int
    created_at: float
    remote_id: str | None = None
    error: str | None = None


class BatchExecutor(ABC):
    """Submit requests as one job, advance it, read its results."""

    def __init__(self, root: Path) -> None:
        self.root = root  # no I/O here; directories are made on submit

    def _dir(self, job_id: str) -> Path:
        return self.root / job_id

    def job(self, job_id: str) -> Job:
        return Job(**json.loads((self._dir(job_id) / "job.json").read_text()))

    def _save(self, job: Job) -> None:
        (self._dir(job.job_id) / "job.json").write_text(json.dumps(asdict(job)))

    def submit(self, requests: Sequence[BatchRequest]) -> Job:
        job = Job(f"job-{uuid.uuid4().hex[:12]}", "validating", len(requests), time.time())
        d = self._dir(job.job_id)
        d.mkdir(parents=True, exist_ok=True)
        with (d / "requests.jsonl").open("w") as f:
            for r in requests:
                f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
        self._save(job)
        return job

    def requests(self, job_id: str) -> list[BatchRequest]:
        with (self._dir(job_id) / "requests.jsonl").open() as f:
            return [BatchRequest(**json.loads(line)) for line in f]

    def results(self, job_id: str) -> list[BatchResult]:
        """Results and errors of a job, one per custom_id (the last written wins)."""
        out: dict[str, BatchResult] = {}
        for name in ("errors.jsonl", "results.jsonl"):
            path = self._dir(job_id) / name
            if path.exists():
                for line in path.read_text().splitlines():
                    r = BatchResult(**json.loads(line))
                    if r.custom_id not in out or r.response is not None:
                        out[r.custom_id] = r
        return list(out.values())

    def _append(self, job_id: str, result: BatchResult) -> None:
        name = "results.jsonl" if result.response is not None else "errors.jsonl"
        with (self._dir(job_id) / name).open("a") as f:
            f.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")

    def _validate(self, job: Job) -> bool:
        ids = [r.custom_id for r in self.requests(job.job_id)]
        if len(ids) != len(set(ids)):
            job.state, job.error = "failed", "duplicate custom_id in batch"
            self._save(job)
            return False
        return True

    @abstractmethod
    def advance(self, job_id: str) -> Job:
        """Move the job forward (one poll); returns its state afterwards."""

    def wait(self, job_id: str, poll_s: float = 5.0, timeout_s: float = 24 * 3600) -> Job:
        deadline = time.time() + timeout_s
        job = self.advance(job_id)
        while job.state not in ("completed", "failed"):
            if time.time() > deadline:
                raise TimeoutError(f"batch job {job_id} still {job.state}")
            time.sleep(poll_s)
            job = self.advance(job_id)
        return job


Handler = Callable[[BatchRequest], dict[str, Any]]


class OfflineBatchExecutor(BatchExecutor):
    """Runs each request through a local handler. Results are appended as they are made, so
    an interrupted job continues where it stopped; `fail` lets tests inject failures."""

    def __init__(
        self, root: Path, handler: Handler, fail: Callable[[BatchRequest], bool] | None = None
    ) -> None:
        super().__init__(root)
        self.handler = handler
        self.fail = fail

    def advance(self, job_id: str) -> Job:
        job = self.job(job_id)
        if job.state == "validating":
            if not self._validate(job):
                return job
            job.state = "in_progress"
            self._save(job)
        if job.state == "in_progress":
            done = {r.custom_id for r in self.results(job_id) if r.response is not None}
            for req in self.requests(job_id):
                if req.custom_id in done:
                    continue
                try:
                    if self.fail is not None and self.fail(req):
                        raise RuntimeError("injected failure")
                    self._append(job_id, BatchResult(req.custom_id, self.handler(req)))
                except (RuntimeError, ValueError, KeyError) as exc:
                    self._append(job_id, BatchResult(req.custom_id, None, str(exc)))
            job.state = "completed"
            self._save(job)
        return job


class OpenAIBatchExecutor(BatchExecutor):
    """The OpenAI Batch API (`/v1/batches` over `/v1/chat/completions`). The endpoint's
    response text is parsed by `parse(kind, text) -> response dict`."""

    def __init__(
        self, root: Path, client: Any, model: str, parse: Callable[[str, str], dict[str, Any]]
    ) -> None:
        super().__init__(root)
        self.client, self.model, self.parse = client, model, parse

    def advance(self, job_id: str) -> Job:
        job = self.job(job_id)
        if job.state == "validating" and job.remote_id is None:
            if not self._validate(job):
                return job
            lines = [
                json.dumps(
                    {
                        "custom_id": r.custom_id,
                        "method": "POST",
                        "url": "/v1/chat/completions",
                        "body": {
                            "model": self.model,
                            "messages": r.messages,
                            "temperature": 0,
                            "max_tokens": 8,
                        },
                    },
                    ensure_ascii=False,
                )
                for r in self.requests(job_id)
            ]
            path = self._dir(job_id) / "openai_input.jsonl"
            path.write_text("\n".join(lines) + "\n")
            with path.open("rb") as f:
                uploaded = self.client.files.create(file=f, purpose="batch")
            remote = self.client.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
            job.remote_id = remote.id
            self._save(job)
        if job.remote_id is None or job.state in ("completed", "failed"):
            return job
        remote = self.client.batches.retrieve(job.remote_id)
        if remote.status in ("failed", "expired", "cancelled"):
            job.state, job.error = "failed", f"remote batch {remote.status}"
        elif remote.status == "completed":
            self._collect(job_id, remote)
            job.state = "completed"
        else:  # validating, in_progress, finalizing
            job.state = "in_progress" if remote.status != "validating" else "validating"
        self._save(job)
        return job

    def _collect(self, job_id: str, remote: Any) -> None:
        kinds = {r.custom_id: r.kind for r in self.requests(job_id)}
        for file_id in (remote.output_file_id, remote.error_file_id):
            if not file_id:
                continue
            for line in self.client.files.content(file_id).text.splitlines():
                row = json.loads(line)
                cid = row["custom_id"]
                body = (row.get("response") or {}).get("body") or {}
                try:
                    text = body["choices"][0]["message"]["content"]
                    self._append(job_id, BatchResult(cid, self.parse(kinds[cid], text)))
                except (KeyError, IndexError, TypeError, ValueError) as exc:
                    err = row.get("error") or f"unparseable response: {exc}"
                    self._append(job_id, BatchResult(cid, None, str(err)))
