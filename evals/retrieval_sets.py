"""The review-retrieval sets of the embedding eval (`evals/embeddings.py`): Korean queries
with the reviews that answer them, read from a generated dataset when one exists, else the
labelled set built here (see `evals/embeddings.py` for how each is made and why).

The word tables below are the built-in set's: how a review mentions a region, a category or
an aspect, and how a query asks for it. `ATTRIBUTE_WORDS` (a Merchant attribute → the words
a review uses for it) and the merchant reader are shared with the question → merchant check
(`evals/merchant_check.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tripgraph.settings import Settings


@dataclass(frozen=True)
class RetrievalCase:
    query: str
    relevant: frozenset[int]  # indices into RetrievalSet.docs


@dataclass(frozen=True)
class RetrievalSet:
    source: str  # "dataset:<dir>" or "builtin"
    docs: list[str]
    cases: list[RetrievalCase]


# region key -> (ways a review mentions it, ways a query names it)
_REGIONS: dict[str, tuple[list[str], list[str]]] = {
    "애월": (["애월", "애월읍", "애월 해안도로 쪽"], ["애월", "애월읍"]),
    "한림": (["협재 해변 근처", "한림읍", "한림"], ["한림", "협재"]),
    "조천": (["함덕 해변 근처", "조천읍", "함덕"], ["함덕", "조천"]),
    "성산": (["성산일출봉 근처", "성산읍", "성산"], ["성산", "성산일출봉 쪽"]),
    "중문": (["중문 관광단지", "중문", "색달동"], ["중문", "중문 관광단지"]),
    "서귀포": (["서귀포 시내", "올레시장 근처", "서귀동"], ["서귀포 시내", "서귀포"]),
    "노형": (["제주시 노형동", "노형", "노형오거리 근처"], ["노형동", "제주시 노형"]),
    "표선": (["표선 해수욕장 근처", "표선면", "표선"], ["표선", "표선면"]),
}

# category -> (review sentences, query nouns)
_CATEGORIES: dict[str, tuple[list[str], list[str]]] = {
    "흑돼지": (
        [
            "흑돼지 오겹살이 두툼하고 육즙이 가득했어요.",
            "근고기를 직원분이 직접 구워주셨어요.",
            "멜젓에 찍어 먹는 흑돼지가 최고였어요.",
        ],
        ["흑돼지집", "흑돼지 맛집", "근고기 집"],
    ),
    "해산물": (
        [
            "회가 싱싱하고 해산물 구성이 푸짐해요.",
            "갓 잡은 생선회가 쫄깃했어요.",
            "해물탕에 전복이랑 새우가 가득 들어 있어요.",
        ],
        ["횟집", "해산물 식당", "회 먹을 만한 곳"],
    ),
    "고기국수": (
        [
            "고기국수 국물이 진하고 면이 쫄깃해요.",
            "돔베고기 올린 국수가 든든했어요.",
            "멸치국수도 깔끔하고 고기국수는 양이 많아요.",
        ],
        ["고기국수집", "국수 맛집"],
    ),
    "카페": (
        [
            "커피가 향긋하고 디저트도 맛있어요.",
            "라떼랑 케이크가 훌륭한 카페예요.",
            "수제 디저트가 예쁘고 음료도 괜찮아요.",
        ],
        ["카페", "디저트 카페", "커피 마실 곳"],
    ),
    "갈치": (
        [
            "갈치조림이 칼칼하고 갈치가 두툼해요.",
            "통갈치구이가 정말 맛있었어요.",
            "은갈치 살이 부드럽고 양념이 잘 배었어요.",
        ],
        ["갈치조림집", "갈치 요리 맛집"],
    ),
    "전복": (
        [
            "전복죽이 고소하고 전복이 듬뿍 들어갔어요.",
            "전복 돌솥밥이 별미였어요.",
            "전복뚝배기에 전복이 큼직하게 들어 있어요.",
        ],
        ["전복죽집", "전복 요리 식당"],
    ),
}

# aspect -> (positive review sentences, negated review sentences, query phrases)
_ASPECTS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "parking": (
        [
            "주차장이 넓어서 차 대기 편했어요.",
            "전용 주차장이 있어서 주차 걱정이 없어요.",
            "가게 앞에 차를 세울 수 있어 편리했어요.",
        ],
        ["주차할 곳이 없어서 한참 헤맸어요.", "주차가 안 돼서 멀리 공영주차장에 댔어요."],
        ["주차 편한", "주차 가능한", "차 가지고 가기 편한"],
    ),
    "ocean_view": (
        [
            "창밖으로 바다가 한눈에 들어와요.",
            "오션뷰가 정말 예술이었어요.",
            "바다를 보면서 식사할 수 있어요.",
        ],
        ["바다는 안 보이는 골목 안쪽이에요.", "뷰는 딱히 볼 게 없어요."],
        ["바다 보이는", "오션뷰", "바다 전망 좋은"],
    ),
    "quiet": (
        [
            "조용해서 이야기 나누기 좋았어요.",
            "시끄럽지 않고 아늑한 분위기예요.",
            "한적해서 여유롭게 머물렀어요.",
        ],
        ["사람이 너무 많아서 정신없고 시끄러웠어요."],
        ["조용한", "한적한", "시끄럽지 않은"],
    ),
    "kids": (
        [
            "아기 의자가 있어서 아이랑 가기 좋아요.",
            "키즈메뉴가 있어 아이들이 잘 먹었어요.",
            "아이들 놀 공간이 따로 있어 편했어요.",
        ],
        ["아이 데리고 가기에는 좀 불편했어요."],
        ["아이랑 가기 좋은", "아이 동반 가능한", "애들 데리고 갈 만한"],
    ),
    "group": (
        [
            "단체석이 있어서 모임하기 좋았어요.",
            "룸이 있어 여럿이 가도 넉넉해요.",
            "열 명 넘게 갔는데 한 번에 앉을 수 있었어요.",
        ],
        ["자리가 좁아서 여러 명이 앉기는 힘들어요."],
        ["단체 모임 하기 좋은", "여럿이 가기 좋은", "단체석 있는"],
    ),
    "pet": (
        ["강아지 동반이 가능해서 같이 갔어요.", "반려견과 함께 들어갈 수 있어 좋았어요."],
        ["반려동물은 출입이 안 돼요."],
        ["반려견 동반 가능한", "강아지랑 갈 수 있는", "애견 동반"],
    ),
    "parents": (
        ["부모님 모시고 갔는데 정말 좋아하셨어요.", "어르신들 입맛에도 잘 맞았어요."],
        ["부모님 입맛에는 좀 자극적이었어요."],
        ["부모님 모시고 갈", "어르신 모시고 가기 좋은"],
    ),
    "value": (
        ["가격이 착하고 양도 많아요.", "가성비가 정말 좋아요.", "이 가격에 이 정도면 훌륭해요."],
        ["가격에 비해 양이 적어서 아쉬웠어요."],
        ["가성비 좋은", "저렴한", "가격 착한"],
    ),
}

_FILLER = [
    "다음에 제주 오면 또 올게요.",
    "음식이 빨리 나왔어요.",
    "직원분들이 친절하셨어요.",
    "웨이팅이 조금 있었어요.",
    "전체적으로 만족스러웠어요.",
    "재방문 의사 있어요.",
]
_OPENERS = ["{r}에 갔다가 들렀어요.", "{r} 여행 중에 방문했어요.", "{r}에 있는 곳이에요."]
_QUERY_TAILS = ["", " 추천해줘", " 어디 있어?", " 알려줘"]

# merchant boolean attribute (graph_schema Merchant) -> words a review uses for it
ATTRIBUTE_WORDS: dict[str, tuple[str, ...]] = {
    "parking": ("주차",),
    "ocean_view": ("바다", "오션뷰", "바닷"),
    "quiet": ("조용", "한적", "아늑"),
    "kid_friendly": ("아이", "아기", "키즈"),
    "group_seating": ("단체", "모임", "룸"),
    "pet_friendly": ("강아지", "반려", "애견"),
}
_ATTRIBUTE_QUERY: dict[str, str] = {
    "parking": "parking",
    "ocean_view": "ocean_view",
    "quiet": "quiet",
    "kid_friendly": "kids",
    "group_seating": "group",
    "pet_friendly": "pet",
}


def builtin_retrieval_set(
    seed: int = 42, reviews_per_pair: int = 25, n_queries: int = 120
) -> RetrievalSet:
    """The labelled set built here (see the module docstring); deterministic per seed."""
    rng = np.random.default_rng(seed)
    aspect_names = list(_ASPECTS)
    docs: list[str] = []
    labels: list[tuple[str, str, frozenset[str]]] = []
    for region, (region_mentions, _) in _REGIONS.items():
        for category, (category_sentences, _) in _CATEGORIES.items():
            for _ in range(reviews_per_pair):
                k = int(rng.integers(1, 4))
                aspects = frozenset(rng.choice(aspect_names, size=k, replace=False).tolist())
                sentences = [str(rng.choice(category_sentences))]
                for aspect in aspects:
                    sentences.append(str(rng.choice(_ASPECTS[aspect][0])))
                for aspect in aspect_names:
                    if aspect not in aspects and rng.random() < 0.12:
                        sentences.append(str(rng.choice(_ASPECTS[aspect][1])))
                sentences += rng.choice(
                    _FILLER, size=int(rng.integers(0, 3)), replace=False
                ).tolist()
                order = rng.permutation(len(sentences))
                opener = str(rng.choice(_OPENERS)).format(r=rng.choice(region_mentions))
                docs.append(" ".join([opener, *(sentences[i] for i in order)]))
                labels.append((region, category, aspects))
    cases: list[RetrievalCase] = []
    seen: set[tuple[str, str, frozenset[str]]] = set()
    while len(cases) < n_queries:
        region = str(rng.choice(list(_REGIONS)))
        category = str(rng.choice(list(_CATEGORIES)))
        want = frozenset(
            rng.choice(aspect_names, size=int(rng.integers(1, 3)), replace=False).tolist()
        )
        key = (region, category, want)
        relevant = frozenset(
            i for i, (r, c, a) in enumerate(labels) if r == region and c == category and want <= a
        )
        if key in seen or not relevant:
            continue
        seen.add(key)
        phrases = " ".join(str(rng.choice(_ASPECTS[a][2])) for a in sorted(want))
        query = (
            f"{rng.choice(_REGIONS[region][1])} {phrases} "
            f"{rng.choice(_CATEGORIES[category][1])}{rng.choice(_QUERY_TAILS)}"
        )
        cases.append(RetrievalCase(query, relevant))
    return RetrievalSet("builtin", docs, cases)


def dataset_merchants(dataset_dir: Path, columns: set[str]) -> tuple[Any, list[str]] | None:
    """The dataset's merchants and the boolean aspects they carry, or None when the reviews
    or merchants are missing or the merchants lack `columns` or every aspect column."""
    import pandas as pd

    if not all((dataset_dir / f).exists() for f in ("reviews.parquet", "merchants.parquet")):
        return None
    merchants = pd.read_parquet(dataset_dir / "merchants.parquet")
    attributes = [a for a in ATTRIBUTE_WORDS if a in merchants.columns]
    if not columns <= set(merchants.columns) or not attributes:
        return None
    return merchants, attributes


def aspect_sets(attributes: list[str]) -> list[tuple[str, ...]]:
    """One aspect per ask first, then every pair ("주차 편한 조용한 …")."""
    return [(a,) for a in attributes] + [
        (a, b) for i, a in enumerate(attributes) for b in attributes[i + 1 :]
    ]


def dataset_retrieval_set(
    dataset_dir: Path,
    seed: int = 42,
    n_queries: int = 120,
    max_docs: int = 5000,
    min_queries: int = 100,
) -> RetrievalSet | None:
    """Queries from a generated dataset, or None when it is missing or lacks the columns."""
    import pandas as pd

    found = dataset_merchants(dataset_dir, {"merchant_id", "region", "category"})
    if found is None:
        return None
    merchants, attributes = found
    reviews = pd.read_parquet(
        dataset_dir / "reviews.parquet", columns=["review_id", "merchant_id", "text"]
    )
    rng = np.random.default_rng(seed)
    if len(reviews) > max_docs:
        # keep the corpus small enough to embed with the slow models in a few minutes
        reviews = reviews.iloc[np.sort(rng.choice(len(reviews), max_docs, replace=False))]
    table = reviews.merge(
        merchants[["merchant_id", "region", "category", *attributes]], on="merchant_id"
    )
    docs = table["text"].astype(str).tolist()
    categories = sorted(table["category"].astype(str).unique())
    # one aspect per query first, then pairs ("주차 편한 조용한 흑돼지집"), until n_queries
    wanted = aspect_sets(attributes)
    mentions = {
        a: table[a].astype(bool) & table["text"].str.contains("|".join(ATTRIBUTE_WORDS[a]))
        for a in attributes
    }
    cases: list[RetrievalCase] = []
    for aspects in wanted:
        for category in (categories[i] for i in rng.permutation(len(categories))):
            mask = table["category"] == category
            for a in aspects:
                mask &= mentions[a]
            relevant = frozenset(np.flatnonzero(mask.to_numpy()).tolist())
            if relevant:
                phrases = " ".join(
                    str(rng.choice(_ASPECTS[_ATTRIBUTE_QUERY[a]][2])) for a in aspects
                )
                cases.append(RetrievalCase(f"{phrases} {category}", relevant))
            if len(cases) >= n_queries:
                return RetrievalSet(f"dataset:{dataset_dir}", docs, cases)
    if len(cases) < min_queries:
        return None
    return RetrievalSet(f"dataset:{dataset_dir}", docs, cases)


def load_retrieval_set(settings: Settings) -> RetrievalSet:
    return dataset_retrieval_set(settings.dataset_dir(), settings.seed) or builtin_retrieval_set(
        settings.seed
    )
