"""Run-time configuration of the agent: one typed object, a description per field."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AgentConfig(BaseModel):
    first_stage_limit: int = Field(
        30, description="rows the first-stage (Text2Cypher) query returns"
    )
    max_candidates: int = Field(6, description="candidates PALR selection sees at most")
    picks: int = Field(3, description="default number of picks in an answer")
    backfill_below: int = Field(
        6, description="run graph-embedding backfill below this many candidates"
    )
    vector_k: int = Field(100, description="review vector hits used to widen the candidate set")
    graph_k: int = Field(40, description="graph-embedding neighbours fetched for backfill")
    # 18, not 6: evidence is chosen from these by the asked aspects, and a wider pool lets it
    # find them (cited reviews naming an asked aspect 0.908 -> 0.943 on 193 dev and gold
    # asks, p50 +2.3 ms; benchmarks/bench_evidence_fit.py, session 12).
    snippets_per_candidate: int = Field(
        18, description="best review snippets kept per candidate (evidence is chosen from them)"
    )
    evidence_per_pick: int = Field(2, description="reviews cited per pick")
    nearby_km: float = Field(
        10.0,
        description="the distance bound of relaxing the place: merchants of neighbouring 읍면동 "
        "within this many km of the asked one's centre are shown before 'nothing near; the "
        "closest is N km away'",
    )
    beyond_regions: int = Field(
        6, description="regions past the bound searched for 'the closest is N km away'"
    )
    cypher_repairs: int = Field(3, description="LLM re-prompts with the validation error")
    palr_retries: int = Field(1, description="LLM re-prompts when selection JSON is unusable")
    few_shot_k: int = Field(4, description="Text2Cypher examples retrieved by similarity")
    query_timeout_ms: int = Field(3000, description="timeout of the agent's graph reads")
    graph_answer_rows: int = Field(50, description="row limit of graph questions")
