# ruff: noqa: E501  (sentence frames: one question per line)
"""Build the second gold set (`paraphrase_gold.jsonl`, issue 12 item 5): Korean dining asks
written by a paraphrase generator that shares no sentence frame with the parser's rules, the
NER templates or the first gold set (`build_agent_gold.py`).

How it is written, and why it can be trusted as a test:

- **Canonical first, words second.** Each item first draws what the user wants (a 읍면동,
  a category or a dish, who comes, how many, the occasion, price, must-haves, or something
  the graph does not hold), then writes it with surface forms from the tables of
  `paraphrase_words.py`. The expected reading is known by construction, never read back
  from the parser.
- **Own words.** The tables hold the forms travellers write: landmarks (곽지, 김녕, 송악산),
  romanised names (Aewol, Gimnyeong), spacing variants and typos (애 월, 흑돼쥐), colloquial
  dish and place words (돼지 구워 먹는 데, 속 풀 데), paraphrased needs (차 대기 쉬운,
  창밖으로 바다 보이는), family words (장인 장모님, 초등학생 딸). They were written without
  looking at the parser's word lists: some of them the parser knows, many it does not.
- **Own frames, grouped in families.** Sixteen sentence frames (반말 and 존댓말, situation
  first, search-box keywords, multi-constraint, menu cravings, group counts, occasions,
  romanised, asks for what the graph does not hold, follow-ups). Families, not items, are
  split: ten families are `test`, six are `dev`. Figures are reported on `test` only; `dev`
  is where a word list may be grown.

Conventions of the expected reading (the product's contract, `agent/state.py` `Slots`):
a party of five or more, or a company dinner, needs `group_seating`; an occasion implies its
party when none is named (date and anniversary: 커플, family meal: 부모님; 환갑/칠순: 부모님);
a dish asked for sets `menu` and leaves `category` unscored (a dish may belong to several);
`not_in_graph` holds the label of what is missing (술집, 바, 이자카야, 치킨, 양식, 마라탕,
햄버거, 삼계탕) or the outside place as named. A follow-up's expected reading is the whole
reading after the change.

    .venv/bin/python evals/gold/build_paraphrase_gold.py
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, this file sees the checkout it lies in first, not an installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evals.gold.paraphrase_words import (
    CATEGORIES,
    CITIES,
    MENUS,
    MUST_HAVES,
    OCCASIONS,
    OUTSIDE,
    PARTIES,
    PRICES,
    REGIONS,
    SIZES,
    UNHELD_FOOD,
    UNHELD_PLACES,
)

OUT = Path(__file__).with_name("paraphrase_gold.jsonl")
SEED = 20261204
PER_FAMILY = 16  # items (conversations for follow-up families) per family
GROUP_SIZE = 5  # from here on a table for a group is a must-have


# --------------------------------------------------------------------------- Korean


def _batchim(word: str) -> bool:
    """Whether the last syllable has a final consonant (Latin letters: as if not)."""
    ch = word.strip()[-1]
    return "가" <= ch <= "힣" and (ord(ch) - 0xAC00) % 28 != 0


def josa(word: str, pair: str) -> str:
    """word + the right form of a particle pair written "with/without" a final consonant
    ("이/가", "은/는", "을/를", "과/와", "이랑/랑", "이라서/라서", "으로/로")."""
    with_, without = pair.split("/")
    return word + (with_ if _batchim(word) else without)


# --------------------------------------------------------------------------- items

Expected = dict[str, Any]


def blank() -> Expected:
    return {
        "intent": "recommend_place",
        "region": None,
        "city": None,
        "category": None,
        "menu": None,
        "party": None,
        "party_size": None,
        "occasion": None,
        "price": None,
        "must_haves": [],
        "not_in_graph": [],
    }


class Draw:
    """Seeded choices, each returning (surface form, what it means)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.split = "test"  # whose share of the surface forms `forms` draws from

    def pick(self, xs: list[Any]) -> Any:
        return self.rng.choice(xs)

    def forms(self, xs: list[str]) -> list[str]:
        """This split's share of a list of surface forms: of two or more, dev takes the
        1st, 3rd … and test the 2nd, 4th …, so that a word list grown from dev misses
        never learns a test form; a lone form (most often the plain name) is shared."""
        if len(xs) < 2:
            return xs
        return xs[0::2] if self.split == "dev" else xs[1::2]

    def form(self, xs: list[str]) -> str:
        return str(self.pick(self.forms(xs)))

    def region(self, e: Expected, kinds: tuple[str, ...] = ("plain", "landmark")) -> str:
        name = self.pick(list(REGIONS))
        city, plain, landmark, roman, typo = REGIONS[name]
        forms = {"plain": plain, "landmark": landmark, "roman": roman, "typo": typo}
        e["region"], e["city"] = name, city
        return str(self.pick([f for k in kinds for f in self.forms(forms[k])]))

    def city(self, e: Expected) -> str:
        name = self.pick(list(CITIES))
        e["city"] = name
        return self.form(CITIES[name])

    def category(self, e: Expected, kinds: tuple[str, ...] = ("plain", "colloquial")) -> str:
        name = self.pick(list(CATEGORIES))
        plain, colloquial, typo = CATEGORIES[name]
        forms = {"plain": plain, "colloquial": colloquial, "typo": typo}
        e["category"] = name
        return str(self.pick([f for k in kinds for f in self.forms(forms[k])]))

    def menu(self, e: Expected) -> str:
        name = self.pick(list(MENUS))
        e["menu"] = name
        e.pop("category", None)  # a dish may belong to several categories: unscored
        return self.form(MENUS[name])

    def party(self, e: Expected, parties: list[str] | None = None) -> str:
        name = self.pick(parties or list(PARTIES))
        e["party"] = name
        return self.form(PARTIES[name])

    def size(self, e: Expected, minimum: int = 2) -> str:
        n, forms = self.pick([s for s in SIZES if s[0] >= minimum])
        e["party_size"] = n
        if n >= GROUP_SIZE:
            add(e, "group_seating")
        return self.form(forms)

    def occasion(self, e: Expected, occasions: list[str] | None = None) -> str:
        name = self.pick(occasions or list(OCCASIONS))
        forms, implied = OCCASIONS[name]
        e["occasion"] = name
        if implied and not e.get("party"):
            e["party"] = implied
        if name == "company_dinner":
            add(e, "group_seating")
        return self.form(forms)

    def price(self, e: Expected) -> str:
        name = self.pick(list(PRICES))
        e["price"] = name
        return self.form(PRICES[name])

    def must(self, e: Expected, exclude: tuple[str, ...] = ()) -> str:
        name = self.pick([m for m in MUST_HAVES if m not in exclude and m not in e["must_haves"]])
        add(e, name)
        return self.form(MUST_HAVES[name])

    def unheld(self, e: Expected, table: list[tuple[str, list[str]]]) -> str:
        label, forms = self.pick(table)
        e["not_in_graph"] = [*e["not_in_graph"], label]
        return self.form(forms)


def add(e: Expected, must: str) -> None:
    if must not in e["must_haves"]:
        e["must_haves"] = [*e["must_haves"], must]


def with_party(form: str, party: str) -> str:
    """How the party joins the sentence: elders are 모시고, children 데리고, others 랑."""
    if party == "부모님":
        return f"{form} 모시고"
    if party == "아이":
        return f"{form} 데리고"
    return josa(form, "이랑/랑")


Turn = tuple[str, Expected]
Family = Callable[[Draw], list[Turn]]


def f_polite_situation(d: Draw) -> list[Turn]:
    e = blank()
    p = d.party(e)
    r = d.region(e)
    m = d.must(e, exclude=("kid_friendly",))
    c = d.category(e)
    when = d.pick(["다음 달에", "이번 연휴에", "주말에", "내일"])
    return [(f"{when} {with_party(p, e['party'])} 제주 가는데요, {r} 쪽에 {m} {c} 있을까요?", e)]


def f_banmal_short(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e)
    c = d.category(e)
    m = d.must(e, exclude=("kid_friendly",))
    tail = d.pick(["알려줘봐", "아는 데 있음?", "좀 찾아봐", "있냐"])
    return [(f"{r}에서 {c} 먹을 건데 {m} 데 {tail}", e)]


def f_menu_craving(d: Draw) -> list[Turn]:
    e = blank()
    m = d.menu(e)
    r = d.region(e)
    tail = d.pick(["하는 곳 있나요?", "파는 데 있을까요?", "잘하는 집 아세요?"])
    return [(f"갑자기 {josa(m, '이/가')} 너무 먹고 싶네요. {r} 근처에 {tail}", e)]


def f_group_count(d: Draw) -> list[Turn]:
    e = blank()
    s = d.size(e, minimum=GROUP_SIZE)
    r = d.region(e)
    c = d.category(e)
    tail = d.pick(
        ["자리 넉넉한 곳 추천 좀", "한 번에 앉을 수 있는 데 있어?", "예약 가능한 곳 찾아줘"]
    )
    if "예약" in tail:  # the graph holds no reservations: the answer must say so (session 24)
        e["not_in_graph"] = [*e["not_in_graph"], "예약 가능 여부"]
    return [(f"{s} {r}에서 {c} 먹으려는데 {tail}", e)]


def f_occasion_price(d: Draw) -> list[Turn]:
    e = blank()
    o = d.occasion(e, ["birthday", "anniversary", "date", "family_meal"])
    r = d.region(e)
    pr = d.price(e)
    c = d.category(e)
    return [(f"{josa(o, '이라서/라서')} {r}에서 {pr} {c} 찾고 있어요", e)]


def f_romanised(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e, kinds=("roman",))
    c = d.category(e, kinds=("plain",))
    tail = d.pick(["근처 {c} 추천해 주세요", "쪽 {c} 어디 가면 돼요?", "에서 {c} 맛집 알려줘"])
    return [(f"{r} " + tail.format(c=c), e)]


def f_unheld_place(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e)
    p = d.party(e, ["친구", "커플"])
    u = d.unheld(e, UNHELD_PLACES)
    return [(f"오늘 밤 {r}에서 {with_party(p, e['party'])} {u} 갈 만한 데 있어?", e)]


def f_typo_spacing(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e, kinds=("typo",))
    c = d.category(e, kinds=("typo",))
    tail = d.pick(["추천 해주세요", "맛집 알려주세여", "어디가 조아요?"])
    return [(f"{r} {c} {tail}", e)]


def f_multi_constraint(d: Draw) -> list[Turn]:
    e = blank()
    p = d.party(e, ["부모님", "가족", "아이"])
    r = d.region(e)
    # a need for children's chairs belongs to a party with children (with 가족 it would
    # make the party ambiguous: 온 가족 + 아이 동반 reads as either)
    skip = ("pet_friendly",) if e["party"] == "아이" else ("pet_friendly", "kid_friendly")
    m1 = d.must(e, exclude=skip)
    m2 = d.must(e, exclude=skip)
    c = d.category(e)
    return [
        (
            f"{with_party(p, e['party'])} {r} 가요. {m1} 곳이면 좋겠고, {m2} {josa(c, '이면/면')} 더 좋아요",
            e,
        )
    ]


def f_followup_change(d: Draw) -> list[Turn]:
    e1 = blank()
    r = d.region(e1)
    c = d.category(e1)
    first = f"{r} {c} 추천해 줄래?"
    e2 = json.loads(json.dumps(e1))
    if d.rng.random() < 0.5:
        m = d.must(e2, exclude=("kid_friendly",))
        lead = d.pick(["음", "그럼", "아니면", "혹시"])
        second = f"{lead} {m} 곳으로 다시 골라줘"
    else:
        e2["region"] = None
        r2 = d.region(e2, kinds=("plain",))
        while e2["region"] == e1["region"]:
            r2 = d.region(e2, kinds=("plain",))
        second = d.pick([f"거기 말고 {r2} 쪽은 어때?", f"{r2} 쪽으로 바꾸면?"])
    return [(first, e1), (second, e2)]


# dev families: where word lists may be grown (never scored as the reported figure)


def f_keyword(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e, kinds=("plain", "landmark", "typo"))
    c = d.category(e)
    m = d.must(e, exclude=("kid_friendly",))
    return [(f"{r} {c} {m}", e)]


def f_outside(d: Draw) -> list[Turn]:
    e = blank()
    place = d.form(OUTSIDE)
    e["not_in_graph"] = [place]
    c = d.category(e, kinds=("plain",))
    tail = d.pick(["맛집 알려줘", "잘하는 식당 추천", "먹으러 갈 데 있어?"])
    return [(f"{place} {c} {tail}", e)]


def f_menu_banmal(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e, kinds=("plain", "landmark", "roman"))
    m = d.menu(e)
    return [(f"{r}에 {m} 잘하는 집 있냐", e)]


def f_party_only(d: Draw) -> list[Turn]:
    e = blank()
    p = d.party(e)
    r = d.region(e)
    return [(f"{with_party(p, e['party'])} 가기 좋은 {r} 식당", e)]


def f_unheld_food(d: Draw) -> list[Turn]:
    e = blank()
    where = d.city(e) if d.rng.random() < 0.3 else d.region(e)
    u = d.unheld(e, UNHELD_FOOD)
    return [(f"{where}에 {u} 먹을 데 있어요?", e)]


def f_followup_party(d: Draw) -> list[Turn]:
    e1 = blank()
    r = d.region(e1)
    c = d.category(e1)
    first = f"{r} {c} 괜찮은 데 있어?"
    e2 = json.loads(json.dumps(e1))
    if d.rng.random() < 0.5:
        o = d.occasion(e2, ["birthday", "company_dinner"])
        lead = d.pick(["아 맞다", "참", "그리고"])
        second = f"{lead} {o} 자리라서 그걸로 다시 추천해줘"
    else:
        s = d.size(e2, minimum=GROUP_SIZE)
        lead = d.pick(["아", "참", "근데"])
        second = f"{lead} {s} 갈 거라 다시 찾아줘"
    return [(first, e1), (second, e2)]


FAMILIES: dict[str, tuple[str, Family]] = {
    "polite_situation": ("test", f_polite_situation),
    "banmal_short": ("test", f_banmal_short),
    "menu_craving": ("test", f_menu_craving),
    "group_count": ("test", f_group_count),
    "occasion_price": ("test", f_occasion_price),
    "romanised": ("test", f_romanised),
    "unheld_place": ("test", f_unheld_place),
    "typo_spacing": ("test", f_typo_spacing),
    "multi_constraint": ("test", f_multi_constraint),
    "followup_change": ("test", f_followup_change),
    "keyword": ("dev", f_keyword),
    "outside": ("dev", f_outside),
    "menu_banmal": ("dev", f_menu_banmal),
    "party_only": ("dev", f_party_only),
    "unheld_food": ("dev", f_unheld_food),
    "followup_party": ("dev", f_followup_party),
}


def build(seed: int = SEED, per_family: int = PER_FAMILY) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    draw = Draw(rng)
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for family, (split, make) in FAMILIES.items():
        draw.split = split
        made = 0
        tries = 0
        while made < per_family:
            tries += 1
            if tries > 100 * per_family:
                raise RuntimeError(f"{family}: cannot write {per_family} distinct items")
            turns = make(draw)
            if any(q in seen for q, _ in turns):
                continue
            conv = f"pg-{family}-{made:02d}" if len(turns) > 1 else None
            for turn, (question, expected) in enumerate(turns, 1):
                seen.add(question)
                items.append(
                    {
                        "id": f"pg-{family}-{made:02d}" + (f"-t{turn}" if conv else ""),
                        "family": family,
                        "split": split,
                        "conversation": conv,
                        "question": question,
                        "expected": expected,
                    }
                )
            made += 1
    return items


def main() -> None:
    items = build()
    OUT.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
    )
    n_test = sum(i["split"] == "test" for i in items)
    print(f"wrote {OUT}: {len(items)} questions ({n_test} test, {len(items) - n_test} dev)")


if __name__ == "__main__":
    main()
