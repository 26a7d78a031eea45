"""Personalisation on the tiny graph: the profile query runs on the real store, a known
user's picks carry the taste part, an unknown user's picks are exactly the anonymous ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.profile import read_profile
from agent.service import AgentService
from graph_schema.store import GraphStore
from tests.tiny_graph import offline_agent_service, open_tiny_graph

pytestmark = pytest.mark.integration

QUESTION = "제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘"


@pytest.fixture(scope="module")
def store(tiny_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    s = open_tiny_graph(tiny_data, tmp_path_factory.mktemp("profile"), "profile_test")
    yield s
    s.close()


@pytest.fixture(scope="module")
def service(store: GraphStore) -> AgentService:
    return offline_agent_service(store)


def _busiest_user(store: GraphStore) -> tuple[str, int]:
    row = store.read(
        "MATCH (u:User)-[:WROTE]->(r:Review) RETURN u.user_id AS id, count(r) AS n "
        "ORDER BY n DESC, id LIMIT 1"
    ).rows[0]
    return str(row["id"]), int(row["n"])


def test_profile_reads_the_users_reviews(store: GraphStore) -> None:
    uid, n = _busiest_user(store)
    p = read_profile(store, uid)
    assert p is not None and p.n_reviews == n and p.age_band
    assert read_profile(store, "U999999") is None
    one = store.read(
        "MATCH (:User {user_id: $u})-[:WROTE]->(r:Review) RETURN r.review_id AS id LIMIT 1",
        {"u": uid},
    ).rows[0]["id"]
    held = read_profile(store, uid, exclude_reviews=[one])
    assert held is not None and held.n_reviews == n - 1


def test_known_user_adds_taste_unknown_user_changes_nothing(
    service: AgentService, store: GraphStore
) -> None:
    anon = service.ask(QUESTION, "p-anon")
    unknown = service.ask(QUESTION, "p-unknown", user_id="U999999")
    assert [(p.merchant_id, p.score, p.reasons) for p in anon.picks] == [
        (p.merchant_id, p.score, p.reasons) for p in unknown.picks
    ]
    assert all("taste" not in p.score_parts for p in anon.picks)
    uid, _ = _busiest_user(store)
    mine = service.ask(QUESTION, "p-user", user_id=uid)
    assert mine.picks and all(0.0 <= p.score_parts["taste"] <= 1.0 for p in mine.picks)
    # The id stays with the thread: a follow-up is still personalised.
    follow = service.ask("다른 곳은?", "p-user")
    assert all("taste" in p.score_parts for p in follow.picks)


def test_profile_reads_the_users_views(store: GraphStore) -> None:
    # the views come in the same one query, next to the reviews, on the real store
    row = store.read(
        "MATCH (u:User)-[v:VIEWED]->(:Product) RETURN u.user_id AS id, sum(v.count) AS n "
        "ORDER BY n DESC, id LIMIT 1"
    ).rows[0]
    p = read_profile(store, str(row["id"]))
    assert p is not None and p.clicks.n_views == row["n"] and p.clicks.mean_band is not None
    assert sum(p.clicks.themes.values()) == row["n"]
    # without a fitted bridge the views say nothing about dining
    assert p.click_attributes == {}
