"""Mapping: scorers, the batch executor's states, retries, resume, incremental runs, writes."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import MagicMock

import pytest

from graph_schema.store import GraphStore
from prompts.base import PromptInputError
from recsys_tools.mapping.batch import BatchRequest, OfflineBatchExecutor
from recsys_tools.mapping.candidates import offline_pick
from recsys_tools.mapping.pipeline import (
    MappingConfig,
    MappingPipeline,
    MappingState,
    offline_handler,
    write_same_as,
)
from recsys_tools.mapping.prompts import PICK, chat_messages
from recsys_tools.mapping.records import Candidate, PlaceRecord
from recsys_tools.mapping.scoring import verify


def rec(
    pid: str, name: str, en: str, lat: float, lon: float, cat: str = "restaurant", city: str = "OSA"
) -> PlaceRecord:
    return PlaceRecord(pid, name, en, "", lat, lon, city, cat)


INTERNAL = [
    rec("IP1", "호젠지 요코초", "Hozenji Yokocho", 34.6685, 135.5023, "attraction"),
    rec("IP2", "사쿠라 라멘 난바점", "Sakura Ramen Namba", 34.6660, 135.5010),
    rec("IP3", "킹 우동 우메다점", "King Udon Umeda", 34.7025, 135.4959),
    rec("IP4", "하나 카페 신세카이점", "Hana Cafe Shinsekai", 34.6520, 135.5063, "cafe"),
]
EXTERNAL = [
    rec("E1", "Hozenji Yokocho", "Hozenji Yokocho", 34.66852, 135.50231, "tourist_attraction"),
    rec(
        "E2",
        "Janjan Yokocho Alley",
        "Janjan Yokocho Alley",
        34.6690,
        135.5030,
        "tourist_attraction",
    ),
    rec("E3", "Sakura Raemn (Namba)", "Sakura Ramen (Namba)", 34.66601, 135.50102),
    rec("E4", "Sakura Ramen Umeda", "Sakura Ramen Umeda", 34.6670, 135.5020),
    rec("E5", "Knig Udon", "King Udon", 34.70252, 135.49588),
    rec("E6", "Hozenji Yokocho Station", "Hozenji Yokocho Station", 34.6700, 135.5040, "store"),
]
GOLD = {"IP1": "E1", "IP2": "E3", "IP3": "E5"}  # IP4 has no twin


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [(0, 0, True), (0, 1, False), (0, 5, False), (1, 2, True), (1, 3, False), (2, 4, True)],
)
def test_verifier_rejects_confusable_neighbours(a: int, b: int, same: bool) -> None:
    assert verify(INTERNAL[a], EXTERNAL[b]).same is same


def test_the_offline_pick_prefers_a_candidate_of_the_places_kind() -> None:
    # A shop named after the attraction outranks it by name ('Moonlight Drugstore Tumon Beach
    # Branch'); before, stage 1 picked the shop and stage 2 mapped the attraction to nothing.
    attraction = rec("IP9", "투몬 비치", "Tumon Beach", 13.5140, 144.8060, "attraction")
    shop = rec("E8", "Moonlight Tumon Beach", "Moonlight Tumon Beach", 13.5141, 144.8061, "store")
    beach = rec("E9", "Tumon Bay", "Tumon Bay", 13.5145, 144.8066, "tourist_attraction")
    cands = [Candidate(shop, 0.95, 14.0, 0.97), Candidate(beach, 0.80, 60.0, 0.85)]
    assert offline_pick(cands, 0.45) == cands[0]  # by rank alone
    assert offline_pick(cands, 0.45, attraction) == cands[1]
    assert offline_pick(cands, 0.9, attraction) == cands[0]  # the floor still holds
    assert offline_pick(cands[:1], 0.99, attraction) is None


def _pipeline(
    tmp: Path, fail=None, internal=INTERNAL
) -> tuple[MappingPipeline, MappingState, OfflineBatchExecutor]:
    cfg = MappingConfig()
    state = MappingState(tmp)
    ex = OfflineBatchExecutor(tmp / "jobs", offline_handler(cfg), fail=fail)
    return MappingPipeline(internal, EXTERNAL, ex, state, cfg), state, ex


def _final(state: MappingState) -> dict[str, str]:
    return {
        i: str(d.external_id)
        for (i, st), d in state.decisions().items()
        if st == "verify" and d.external_id
    }


def test_pipeline_maps_the_gold_pairs(tmp_path: Path) -> None:
    pipe, state, _ = _pipeline(tmp_path)
    report = pipe.run()
    assert _final(state) == GOLD
    assert report.new_places == 4 and not report.given_up


def test_job_moves_through_states_and_rejects_duplicate_ids(tmp_path: Path) -> None:
    ex = OfflineBatchExecutor(tmp_path, lambda r: {"ok": True})
    req = BatchRequest("pick:X", "pick", {})
    job = ex.submit([req])
    assert job.state == "validating"
    assert ex.advance(job.job_id).state == "completed"
    bad = ex.submit([req, req])
    assert ex.advance(bad.job_id).state == "failed"


def test_failed_requests_are_logged_and_retried(tmp_path: Path) -> None:
    calls: dict[str, int] = {}

    def flaky(req: BatchRequest) -> bool:  # every request fails on its first attempt
        calls[req.custom_id] = calls.get(req.custom_id, 0) + 1
        return calls[req.custom_id] == 1

    pipe, state, _ = _pipeline(tmp_path, fail=flaky)
    report = pipe.run()
    assert _final(state) == GOLD
    assert report.failed_requests > 0 and not report.given_up
    assert (tmp_path / "failures.jsonl").read_text().count(
        "injected failure"
    ) == report.failed_requests


def test_resume_after_interruption_without_duplicates(tmp_path: Path) -> None:
    class Crash(Exception):
        pass

    seen: list[str] = []
    handler = offline_handler(MappingConfig())

    def crashing(req: BatchRequest):
        if len(seen) == 2:
            raise Crash  # the process dies in the middle of the pick job
        seen.append(req.custom_id)
        return handler(req)

    state = MappingState(tmp_path)
    ex = OfflineBatchExecutor(tmp_path / "jobs", crashing)
    with pytest.raises(Crash):
        MappingPipeline(INTERNAL, EXTERNAL, ex, state).run()
    pending = state.pending()["pick"]
    # Restart: the same pending job is continued, finished requests are not redone.
    ex2 = OfflineBatchExecutor(
        tmp_path / "jobs", lambda r: (seen.append(r.custom_id), handler(r))[1]
    )
    report = MappingPipeline(INTERNAL, EXTERNAL, ex2, state).run()
    assert report.jobs[0] == pending
    picks = [c for c in seen if c.startswith("pick:")]
    assert len(picks) == len(set(picks)) == 4
    assert _final(state) == GOLD
    lines = (tmp_path / "decisions.jsonl").read_text().splitlines()
    assert len(lines) == len(
        {(line.split('"internal_id": "')[1][:3], "pick" in line) for line in lines}
    )


def test_incremental_run_maps_only_new_places(tmp_path: Path) -> None:
    pipe, state, _ = _pipeline(tmp_path, internal=INTERNAL[:2])
    assert pipe.run().new_places == 2
    pipe2, _, _ = _pipeline(tmp_path, internal=INTERNAL)
    report = pipe2.run()
    assert report.new_places == 2 and report.pick_requests == 2
    pipe3, _, _ = _pipeline(tmp_path, internal=INTERNAL)
    assert pipe3.run().pick_requests == 0
    assert _final(state) == GOLD


def test_same_as_rows_go_through_the_graph_store(tmp_path: Path) -> None:
    pipe, state, _ = _pipeline(tmp_path)
    pipe.run()
    store = MagicMock(spec=GraphStore)
    store.upsert_relationships.return_value = 3
    write_same_as(store, INTERNAL, EXTERNAL, state.decisions())
    rel_calls = [c.args for c in store.upsert_relationships.call_args_list]
    same_as = rel_calls[0][1]
    assert {(r["start"], r["end"]) for r in same_as} == {
        ("INT-" + i, "EXT-" + e) for i, e in GOLD.items()
    }
    assert all(0 <= r["score"] <= 1 for r in same_as)
    node_ids = {r["place_id"] for c in store.upsert_nodes.call_args_list for r in c.args[1]}
    assert {"INT-IP1", "EXT-E1"} <= node_ids


def test_prompt_refuses_missing_inputs() -> None:
    with pytest.raises(PromptInputError):
        chat_messages(PICK, internal="x")
    assert "Hozenji" in chat_messages(PICK, internal="a", candidates="b")[1]["content"]
