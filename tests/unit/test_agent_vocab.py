"""Schema of agent/vocab/understanding.toml: every name it uses exists in the gazetteer."""

from __future__ import annotations

from agent.vocab import UNDERSTANDING_PATH, load_understanding_vocab
from ingest import gazetteer as gz


def test_names_are_the_gazetteers() -> None:
    v = load_understanding_vocab(UNDERSTANDING_PATH)
    parties, cats = set(gz.REVIEW_PARTIES), set(gz.CATEGORY_NAMES)
    assert set(v.party_order) == parties
    assert set(v.party_words) <= parties and set(v.compatible_parties) == parties
    assert all(set(c) <= parties and c[0] == p for p, c in v.compatible_parties.items())
    assert set(v.related_categories) == cats
    assert all(set(r) <= cats and p not in r for p, r in v.related_categories.items())
    assert set(v.category_aliases) <= cats
    assert set(v.attribute_words) <= set(gz.ATTRIBUTES)
    assert set(v.menu_aliases.values()) <= set(gz.MENU_NAMES)
    assert set(v.price_words) == {"cheap", "expensive"}
    for o in v.occasions:
        assert o.words and set(o.wishes) <= set(gz.ATTRIBUTES)
        assert o.party is None or o.party in parties
    for u in v.unheld:
        assert u.kind in ("category", "menu") and u.words and set(u.nearest) <= cats
        # An unheld word must not be a name the graph holds.
        assert not set(u.words) & (cats | set(gz.MENU_NAMES))
    assert v.group_min_size >= 2 and v.number_words["여덟"] == 8
    assert set(v.party_wishes) == parties
    assert all(set(w) <= set(gz.ATTRIBUTES) for w in v.party_wishes.values())
    assert v.complaint_markers and "별로" in v.complaint_markers


def test_keys_are_unique_across_unheld_entries() -> None:
    v = load_understanding_vocab(UNDERSTANDING_PATH)
    words = [w for u in v.unheld for w in u.words]
    assert len(words) == len(set(words))
    assert len({u.label for u in v.unheld}) == len(v.unheld)
