"""The mapping pipeline: stage 1 (pick among blocked candidates) → stage 2 (verify) as batch
jobs, with resumable state, retries of failed requests, incremental runs, SAME_AS writes.

State lives in one directory:
- `decisions.jsonl`  one line per (internal id, stage) decision, appended; the last wins;
- `pending.json`     the batch job of each stage that was submitted but not yet collected —
                     a restarted run polls it instead of submitting the requests again;
- `failures.jsonl`   requests that failed, with the error and attempt number;
- `jobs/`            the executor's job directories.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from recsys_tools.mapping.batch import BatchExecutor, BatchRequest, OfflineBatchExecutor
from recsys_tools.mapping.candidates import BlockingConfig, CandidateIndex, offline_pick
from recsys_tools.mapping.prompts import PICK, VERIFY, chat_messages
from recsys_tools.mapping.records import (
    EXTERNAL_PREFIX,
    INTERNAL_PREFIX,
    Candidate,
    Decision,
    PlaceRecord,
)
from recsys_tools.mapping.scoring import verify
from tripgraph.vocab import load_cities

Stage = Literal["pick", "verify"]


@dataclass(frozen=True)
class MappingConfig:
    blocking: BlockingConfig = field(default_factory=BlockingConfig)
    verify_max_distance_m: float = 250.0
    max_attempts: int = 3  # submissions per request before it is given up (and logged)
    chunk_size: int = 1000  # requests per batch job


# --------------------------------------------------------------------------- offline handler


def offline_handler(config: MappingConfig) -> Callable[[BatchRequest], dict[str, Any]]:
    def handle(req: BatchRequest) -> dict[str, Any]:
        internal = PlaceRecord(**req.payload["internal"])
        if req.kind == "pick":
            cands = [
                Candidate(
                    PlaceRecord(**c["external"]), c["name_score"], c["distance_m"], c["score"]
                )
                for c in req.payload["candidates"]
            ]
            best = offline_pick(cands, config.blocking.min_pick_score, internal)
            if best is None:
                return {"choice": 0, "score": cands[0].score if cands else 0.0}
            return {"choice": cands.index(best) + 1, "score": best.score}
        v = verify(internal, PlaceRecord(**req.payload["external"]), config.verify_max_distance_m)
        return {"same": v.same, "score": v.score, "reason": v.reason}

    return handle


def parse_llm(kind: str, text: str) -> dict[str, Any]:
    """LLM answer text → the same response dict the offline handler returns."""
    if kind == "pick":
        m = re.search(r"\d+", text)
        if m is None:
            raise ValueError(f"no number in {text!r}")
        return {"choice": int(m.group()), "score": 0.9}
    t = text.strip().lower()
    if t.startswith(("yes", "예", "네")):
        return {"same": True, "score": 0.9, "reason": "llm: yes"}
    if t.startswith(("no", "아니")):
        return {"same": False, "score": 0.1, "reason": "llm: no"}
    raise ValueError(f"not yes/no: {text!r}")


# --------------------------------------------------------------------------- state


class MappingState:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        return self.directory / name

    def decisions(self) -> dict[tuple[str, str], Decision]:
        path = self._path("decisions.jsonl")
        out: dict[tuple[str, str], Decision] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                d = Decision(**json.loads(line))
                out[(d.internal_id, d.stage)] = d
        return out

    def record(self, decisions: Sequence[Decision]) -> None:
        with self._path("decisions.jsonl").open("a") as f:
            for d in decisions:
                f.write(json.dumps(asdict(d), ensure_ascii=False) + "\n")

    def pending(self) -> dict[str, str]:
        path = self._path("pending.json")
        return json.loads(path.read_text()) if path.exists() else {}

    def set_pending(self, stage: str, job_id: str | None) -> None:
        p = self.pending()
        if job_id is None:
            p.pop(stage, None)
        else:
            p[stage] = job_id
        self._path("pending.json").write_text(json.dumps(p))

    def log_failure(self, custom_id: str, error: str, attempt: int) -> None:
        with self._path("failures.jsonl").open("a") as f:
            f.write(json.dumps({"custom_id": custom_id, "error": error, "attempt": attempt}) + "\n")


# --------------------------------------------------------------------------- pipeline


@dataclass
class MappingRunReport:
    new_places: int = 0
    pick_requests: int = 0
    verify_requests: int = 0
    jobs: list[str] = field(default_factory=list)
    failed_requests: int = 0
    given_up: list[str] = field(default_factory=list)
    same_as_written: int = 0


def _rec_dict(r: PlaceRecord) -> dict[str, Any]:
    return asdict(r)


class MappingPipeline:
    def __init__(
        self,
        internal: Sequence[PlaceRecord],
        external: Sequence[PlaceRecord],
        executor: BatchExecutor,
        state: MappingState,
        config: MappingConfig | None = None,
        use_llm_prompts: bool = False,
    ) -> None:
        self.internal = list(internal)
        self.external = {e.place_id: e for e in external}
        self.executor = executor
        self.state = state
        self.config = config or MappingConfig()
        self.use_llm_prompts = use_llm_prompts
        self._index: CandidateIndex | None = None

    def _candidates(self, p: PlaceRecord) -> list[Candidate]:
        if self._index is None:
            self._index = CandidateIndex(list(self.external.values()), self.config.blocking)
        return self._index.candidates(p)

    def _pick_request(self, p: PlaceRecord) -> BatchRequest:
        cands = self._candidates(p)
        payload = {
            "internal": _rec_dict(p),
            "candidates": [
                {
                    "external": _rec_dict(c.external),
                    "name_score": c.name_score,
                    "distance_m": c.distance_m,
                    "score": c.score,
                }
                for c in cands
            ],
        }
        messages = (
            chat_messages(
                PICK,
                internal=p.prompt_line(),
                candidates="\n".join(
                    f"{i + 1}. {c.external.name} / {c.external.name_en} | {c.external.category} | "
                    f"{c.distance_m:.0f} m"
                    for i, c in enumerate(cands)
                ),
            )
            if self.use_llm_prompts
            else []
        )
        return BatchRequest(f"pick:{p.place_id}", "pick", payload, messages)

    def _verify_request(self, p: PlaceRecord, ext: PlaceRecord) -> BatchRequest:
        messages = (
            chat_messages(VERIFY, internal=p.prompt_line(), external=ext.prompt_line())
            if self.use_llm_prompts
            else []
        )
        return BatchRequest(
            f"verify:{p.place_id}",
            "verify",
            {"internal": _rec_dict(p), "external": _rec_dict(ext)},
            messages,
        )

    def _run_stage(
        self, stage: Stage, requests: list[BatchRequest], report: MappingRunReport
    ) -> dict[str, dict[str, Any]]:
        """Responses by custom_id; resumes a pending job, retries failed requests."""
        responses: dict[str, dict[str, Any]] = {}
        todo = {r.custom_id: r for r in requests}
        attempts: dict[str, int] = {}
        pending = self.state.pending().get(stage)
        poll_s = 0.0 if isinstance(self.executor, OfflineBatchExecutor) else 10.0
        while True:
            if pending is None:
                ready = [
                    r for cid, r in todo.items() if attempts.get(cid, 0) < self.config.max_attempts
                ]
                if not ready:
                    break
                job = self.executor.submit(ready[: self.config.chunk_size])
                # Recorded before waiting: a restarted run polls this job, never resubmits.
                self.state.set_pending(stage, job.job_id)
                pending = job.job_id
            job = self.executor.wait(pending, poll_s=poll_s)
            report.jobs.append(job.job_id)
            if job.state == "completed":
                for res in self.executor.results(job.job_id):
                    if res.response is not None:
                        responses[res.custom_id] = res.response
                        todo.pop(res.custom_id, None)
                    else:
                        attempts[res.custom_id] = attempts.get(res.custom_id, 0) + 1
                        report.failed_requests += 1
                        self.state.log_failure(
                            res.custom_id, res.error or "", attempts[res.custom_id]
                        )
            else:
                for r in self.executor.requests(job.job_id):
                    attempts[r.custom_id] = attempts.get(r.custom_id, 0) + 1
                self.state.log_failure(f"job:{job.job_id}", job.error or job.state, 0)
            self._record(stage, responses)
            self.state.set_pending(stage, None)
            pending = None
        report.given_up += sorted(todo)
        return responses

    def _record(self, stage: Stage, responses: dict[str, dict[str, Any]]) -> None:
        known = self.state.decisions()
        new: list[Decision] = []
        for cid, resp in responses.items():
            iid = cid.split(":", 1)[1]
            if (iid, stage) in known:
                continue
            if stage == "pick":
                choice = int(resp.get("choice", 0))
                payload_cands = self._pick_cache.get(iid, [])
                ext_id = payload_cands[choice - 1] if 0 < choice <= len(payload_cands) else None
                new.append(Decision(iid, "pick", ext_id, float(resp.get("score", 0.0))))
            else:
                pick = known.get((iid, "pick"))
                ext_id = pick.external_id if pick and resp.get("same") else None
                new.append(
                    Decision(
                        iid,
                        "verify",
                        ext_id,
                        float(resp.get("score", 0.0)),
                        str(resp.get("reason", "")),
                    )
                )
        self.state.record(new)

    def run(
        self, store: Any | None = None, on_stage_done: Callable[[Stage], None] | None = None
    ) -> MappingRunReport:
        """Map every internal place without a final decision; write SAME_AS when a store is
        given. Idempotent: a second run with no new places submits nothing."""
        report = MappingRunReport()
        decisions = self.state.decisions()
        todo = [
            p
            for p in self.internal
            if (p.place_id, "verify") not in decisions
            and not (
                (p.place_id, "pick") in decisions
                and decisions[(p.place_id, "pick")].external_id is None
            )
        ]
        report.new_places = len(todo)
        self._pick_cache: dict[str, list[str]] = {}
        pick_reqs = []
        for p in todo:
            req = self._pick_request(p)
            self._pick_cache[p.place_id] = [
                c["external"]["place_id"] for c in req.payload["candidates"]
            ]
            if (p.place_id, "pick") not in decisions:
                pick_reqs.append(req)
        report.pick_requests = len(pick_reqs)
        if pick_reqs or self.state.pending().get("pick"):
            self._run_stage("pick", pick_reqs, report)
        if on_stage_done:
            on_stage_done("pick")
        decisions = self.state.decisions()
        by_id = {p.place_id: p for p in self.internal}
        verify_reqs = [
            self._verify_request(by_id[iid], self.external[d.external_id])
            for (iid, stage), d in decisions.items()
            if stage == "pick"
            and d.external_id is not None
            and (iid, "verify") not in decisions
            and iid in by_id
            and d.external_id in self.external
        ]
        report.verify_requests = len(verify_reqs)
        if verify_reqs or self.state.pending().get("verify"):
            self._run_stage("verify", verify_reqs, report)
        if on_stage_done:
            on_stage_done("verify")
        if store is not None:
            report.same_as_written = write_same_as(
                store, self.internal, list(self.external.values()), self.state.decisions()
            )
        return report


# --------------------------------------------------------------------------- graph writes


def _country(city_code: str) -> str:
    return next((c.country for c in load_cities().cities if c.code == city_code), "")


def place_node(rec: PlaceRecord, prefix: str) -> dict[str, Any]:
    return {
        "place_id": prefix + rec.place_id,
        "name": rec.name,
        "name_en": rec.name_en,
        "level": "poi",
        "city_code": rec.city_code,
        "country_code": _country(rec.city_code),
        "lat": rec.lat,
        "lon": rec.lon,
        "aliases": [],
        "source": "internal" if prefix == INTERNAL_PREFIX else "external",
    }


def gazetteer_links(internal: Sequence[PlaceRecord]) -> list[dict[str, Any]]:
    """SAME_AS from internal attraction records to the gazetteer POI node of the same name,
    so products (which VISIT gazetteer POIs) are reachable from both place databases."""
    from ingest.generate.places import poi_place_id

    by_key = {(c.code, p.name): poi_place_id(c, p) for c in load_cities().cities for p in c.pois}
    return [
        {"start": INTERNAL_PREFIX + r.place_id, "end": by_key[(r.city_code, r.name)], "score": 1.0}
        for r in internal
        if (r.city_code, r.name) in by_key
    ]


def write_same_as(
    store: Any,
    internal: Sequence[PlaceRecord],
    external: Sequence[PlaceRecord],
    decisions: dict[tuple[str, str], Decision],
) -> int:
    ext_by_id = {e.place_id: e for e in external}
    accepted = [
        d for (_, stage), d in decisions.items() if stage == "verify" and d.external_id is not None
    ]
    mapped_ext = {d.external_id for d in accepted}
    store.upsert_nodes("Place", [place_node(r, INTERNAL_PREFIX) for r in internal])
    store.upsert_nodes(
        "Place", [place_node(ext_by_id[e], EXTERNAL_PREFIX) for e in mapped_ext if e in ext_by_id]
    )
    rows = [
        {
            "start": INTERNAL_PREFIX + d.internal_id,
            "end": EXTERNAL_PREFIX + str(d.external_id),
            "score": round(d.score, 4),
        }
        for d in accepted
    ]
    n = store.upsert_relationships("SAME_AS", rows)
    n += store.upsert_relationships("SAME_AS", gazetteer_links(internal))
    return int(n)
