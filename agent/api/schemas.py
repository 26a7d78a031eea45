"""Settings of the HTTP adapter, the request and response bodies, and `ApiError` (what a
handler turns into an `ErrorBody`)."""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, StringConstraints, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.graph_view import GraphView

log = logging.getLogger("tripgraph.api")

API_VERSION = "1.0.0"


# ----------------------------------------------------------------------------- settings
class ApiSettings(BaseSettings):
    """Settings of the HTTP adapter only (the rest is `tripgraph.settings.Settings`)."""

    model_config = SettingsConfigDict(env_prefix="TRIPGRAPH_API_", env_file=".env", extra="ignore")

    token: SecretStr | None = Field(
        None,
        description="bearer token the /v1 routes require (TRIPGRAPH_API_TOKEN); "
        "unset = no auth (loopback development)",
    )
    cypher_max_rows: int = Field(500, ge=1, description="upper bound of /v1/cypher max_rows")
    cypher_timeout_ms: int = Field(5000, ge=100, description="timeout of /v1/cypher queries")
    agent_threads: int = Field(
        default_factory=lambda: 2 * (os.cpu_count() or 1),
        ge=1,
        description="agent runs at once per worker process (TRIPGRAPH_API_AGENT_THREADS). "
        "The agent is mostly Python (one core per process) with short waits on the graph: "
        "a few threads per core keep the core busy; more only interleave and all get slower",
    )

    @field_validator("token")
    @classmethod
    def _empty_is_unset(cls, v: SecretStr | None) -> SecretStr | None:
        return v if v is not None and v.get_secret_value().strip() else None


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()


# ------------------------------------------------------------------------------ schemas
class ErrorBody(BaseModel):
    error: str = Field(description="machine-readable code, e.g. read_only, query_error")
    detail: str = Field(description="what went wrong, for people")


ThreadId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,128}$")]
ParamName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
Scalar = str | int | float | bool | None
ParamValue = Scalar | list[Scalar]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ChatRequest(BaseModel):
    question: str = Field(
        min_length=1, max_length=2000, examples=["제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘"]
    )
    thread_id: ThreadId | None = Field(
        None,
        description="conversation id; follow-ups in the same thread refine the last "
        "answer. Omitted: a new thread (its id is in the answer)",
    )
    user_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        examples=["U000123"],
        description="who asks: their reviews in the graph shape the picks (taste part); "
        "an unknown id changes nothing",
    )

    @field_validator("question")
    @classmethod
    def _clean_question(cls, v: str) -> str:
        v = _CONTROL.sub(" ", v).strip()
        if not v:
            raise ValueError("question is empty")
        return v


class CypherRequest(BaseModel):
    query: str = Field(
        min_length=1,
        max_length=5000,
        examples=[
            "MATCH (m:Merchant)-[r:LOCATED_IN]->(p:Place {name: '애월읍'}) RETURN m, r, p LIMIT 10"
        ],
    )
    params: dict[ParamName, ParamValue] = Field(default_factory=dict)
    max_rows: int = Field(100, ge=1, le=10_000, description="rows returned at most")


class CypherResponse(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = Field(description="more rows existed than max_rows")
    elapsed_ms: float
    graph: GraphView = Field(description="nodes and relationships found in the rows")


class GraphHealth(BaseModel):
    reachable: bool
    backend: str
    latency_ms: float | None = None
    error: str | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    mode: Literal["offline", "llm"] = Field(description="llm when an endpoint is configured")
    graph: GraphHealth
    version: str = API_VERSION


class ToolInfo(BaseModel):
    name: str
    available: bool
    detail: str


class ToolResult(BaseModel):
    tool: str
    result: dict[str, Any] = Field(description="the tool's own typed result, as JSON")


class ProductsRequest(BaseModel):
    user_id: str | None = Field(None, min_length=1, max_length=64, examples=["U000123"])
    history: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] | None = Field(
        None,
        max_length=200,
        description="product ids viewed, oldest first (instead of the user's stored clicks)",
    )
    k: int = Field(10, ge=1, le=100)


class ViewedTogetherRequest(BaseModel):
    product_id: str = Field(min_length=1, max_length=64, examples=["P00012"])
    k: int = Field(10, ge=1, le=100)


class EntitiesRequest(BaseModel):
    text: str = Field(
        min_length=1, max_length=2000, examples=["제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘"]
    )


class ApiError(Exception):
    """An error with a status and a code that the handler turns into an `ErrorBody`."""

    def __init__(
        self, status: int, error: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        if status == 503 and headers is None:
            # Every 503 is temporary (starting, a tool or the graph down): clients and proxies
            # retry on Retry-After, as they do for the graph-outage handler's 503.
            headers = {"Retry-After": "5"}
        self.status, self.error, self.detail, self.headers = status, error, detail, headers


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorBody} for s in statuses}
