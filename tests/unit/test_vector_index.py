"""The persisted usearch index: build, recall against exact search, save/reopen, upsert and
delete, fingerprint diffs, atomic saves and reloads seen by a second reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graph_schema.vector_check import fingerprint_length, text_fingerprint
from graph_schema.vector_files import HNSWParams
from graph_schema.vector_index import VectorIndex, VectorIndexError


def clustered(n: int, dim: int, *, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around random centres (a stand-in for sentence embeddings)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)  # [C D]
    x = centres[rng.integers(0, clusters, n)] + 0.6 * rng.standard_normal((n, dim))  # [N D]
    x = x.astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def keys_for(n: int, start: int = 0) -> list[str]:
    return [f"R{i:07d}" for i in range(start, start + n)]


@pytest.fixture
def built(tmp_path: Path) -> tuple[VectorIndex, np.ndarray]:
    x = clustered(3000, 32)
    index = VectorIndex(tmp_path, "review_embedding", tag="hashing")
    index.open()
    index.build(keys_for(len(x)), x, [text_fingerprint(f"t{i}") for i in range(len(x))])
    return index, x


def test_search_recall_against_exact(built: tuple[VectorIndex, np.ndarray]) -> None:
    index, x = built
    queries = clustered(50, 32, seed=1)
    recalls = []
    for q in queries:
        exact = set(np.argsort(-(x @ q))[:10].tolist())
        hits = index.search(q, 10)
        assert len(hits) == 10
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
        recalls.append(len(exact & {int(k[1:]) for k, _ in hits}) / 10)
    assert np.mean(recalls) >= 0.95
    key, score = index.search(x[17], 1)[0]
    assert key == "R0000017" and score == pytest.approx(1.0, abs=2e-3)


def test_save_and_reopen_memory_mapped(built: tuple[VectorIndex, np.ndarray]) -> None:
    index, x = built
    before = index.search(x[5], 5)
    again = VectorIndex(index.directory, index.name)
    again.open()
    assert len(again) == len(x) and again.dimension == 32 and again.tag == "hashing"
    assert again.manifest.params == HNSWParams()
    assert [k for k, _ in again.search(x[5], 5)] == [k for k, _ in before]
    np.testing.assert_allclose(again.get(["R0000005"])[0], x[5], atol=2e-3)  # f16 storage
    assert again.fingerprints()["R0000003"] == text_fingerprint("t3")


def test_upsert_replaces_and_delete_removes(built: tuple[VectorIndex, np.ndarray]) -> None:
    index, x = built
    q = -x[0]
    index.upsert(["R0000001", "NEW"], np.stack([q, x[0]]), [1, 2])
    assert len(index) == len(x) + 1
    assert index.search(q, 1)[0][0] == "R0000001"
    assert index.fingerprints()["R0000001"] == 1
    assert index.delete(["R0000001", "nope"]) == 1
    assert "R0000001" not in {k for k, _ in index.search(q, 20)}
    assert index.contains(["R0000001", "NEW"]) == ["NEW"]
    with pytest.raises(KeyError):
        index.get(["R0000001"])
    index.save()
    reopened = VectorIndex(index.directory, index.name)
    reopened.open()
    assert len(reopened) == len(x) and "R0000001" not in set(reopened.keys())
    # A mapped (read-only) index becomes writable on the first write.
    reopened.upsert(["R0000001"], q[None, :], [3])
    assert reopened.search(q, 1)[0][0] == "R0000001"


def test_similarities_are_cosines(built: tuple[VectorIndex, np.ndarray]) -> None:
    index, x = built
    sims = index.similarities(["R0000002", "R0000009", "absent"], x[2] * 3.0)
    assert set(sims) == {"R0000002", "R0000009"}
    assert sims["R0000002"] == pytest.approx(1.0, abs=2e-3)
    assert sims["R0000009"] == pytest.approx(float(x[2] @ x[9]), abs=3e-3)


def test_diff_finds_missing_changed_and_extra(built: tuple[VectorIndex, np.ndarray]) -> None:
    index, x = built
    current: dict[str, int | None] = {
        k: text_fingerprint(f"t{i}") for i, k in enumerate(keys_for(len(x)))
    }
    assert index.diff(current).clean
    current["R0000004"] = text_fingerprint("changed")
    del current["R0000006"]
    current["R9999999"] = text_fingerprint("new")
    diff = index.diff(current)
    assert (diff.missing, diff.changed, diff.extra) == (["R9999999"], ["R0000004"], ["R0000006"])
    # Without a content fingerprint only presence counts.
    assert not index.diff({**current, "R0000004": None}).changed


def test_text_fingerprint_carries_length() -> None:
    assert fingerprint_length(text_fingerprint("흑돼지 맛집")) == len("흑돼지 맛집")
    assert text_fingerprint("a") != text_fingerprint("b")
    assert text_fingerprint(None) == text_fingerprint("")


def test_total_length_sums_live_texts(built: tuple[VectorIndex, np.ndarray]) -> None:
    index, x = built
    expected = sum(len(f"t{i}") for i in range(len(x)))
    assert index.total_length() == expected
    index.delete(["R0000000"])
    assert index.total_length() == expected - 2


def test_save_is_atomic_and_readers_reload(built: tuple[VectorIndex, np.ndarray]) -> None:
    index, x = built
    reader = VectorIndex(index.directory, index.name)
    reader.open()
    gen = reader.manifest.generation
    index.upsert(["EXTRA"], -x[3][None, :], [0])
    assert not reader.refresh()  # nothing saved yet: the reader keeps its generation
    index.save()
    assert reader.refresh() and reader.manifest.generation == gen + 1
    assert reader.search(-x[3], 1)[0][0] == "EXTRA"
    # No temporary or previous-generation files are left behind.
    names = sorted(p.name for p in index.directory.iterdir())
    assert names == [
        f"review_embedding.g{gen + 1}.fp.npy",
        f"review_embedding.g{gen + 1}.keys.npy",
        f"review_embedding.g{gen + 1}.usearch",
        "review_embedding.manifest.json",
    ]


def test_failed_save_keeps_the_previous_generation(
    built: tuple[VectorIndex, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    index, x = built
    index.upsert(["EXTRA"], x[:1], [0])

    def boom(path: Path, array: np.ndarray) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("graph_schema.vector_files._save_npy", boom)
    with pytest.raises(OSError):
        index.save()
    reader = VectorIndex(index.directory, index.name)
    reader.open()
    assert len(reader) == len(x) and "EXTRA" not in reader.contains(["EXTRA"])
    assert not [p for p in index.directory.iterdir() if ".tmp" in p.name]


def test_empty_index_and_dimension_checks(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "merchant_graph_embedding")
    index.open()
    assert index.search([1.0, 0.0], 3) == [] and len(index) == 0
    index.upsert(["M1", "M2"], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with pytest.raises(VectorIndexError):
        index.upsert(["M3"], [[1.0, 0.0]])
    with pytest.raises(ValueError):
        index.search([1.0, 0.0], 1)
    index.close()  # saves pending writes
    again = VectorIndex(tmp_path, "merchant_graph_embedding")
    again.open()
    assert again.search([0.1, 1.0, 0.0], 1)[0][0] == "M2"
    assert again.fingerprints() == {"M1": 0, "M2": 0}


def test_unreadable_manifest_raises(tmp_path: Path) -> None:
    (tmp_path / "x.manifest.json").write_text("{not json")
    with pytest.raises(VectorIndexError):
        VectorIndex(tmp_path, "x").open()


def test_expansion_search_is_the_openers_setting(built: tuple[VectorIndex, np.ndarray]) -> None:
    # The build-time parameters stay in the file; the query-time one follows the code that
    # opens it, so an index built before a default changed gets the new setting.
    index, _ = built
    assert index.manifest is not None
    assert index.manifest.params.expansion_search == HNSWParams().expansion_search
    wide = VectorIndex(index.directory, index.name, params=HNSWParams(expansion_search=77))
    wide.open()
    assert wide._index.expansion_search == 77
    assert wide.manifest is not None and wide.manifest.params.connectivity == 16
