"""Korean answer text for every intent, from the templates in `prompts.agent`."""

from __future__ import annotations

import json
from typing import Any

from agent import cypher as Q
from agent.relaxation import RUNG_BEYOND
from agent.state import Mode, Pick, Slots, StepMode, ToolOutcome
from prompts import agent as P
from tripgraph.vocab.understanding import load_understanding_vocab

OFFLINE_REASON = "LLM 엔드포인트가 설정되지 않았어요 (TRIPGRAPH_LLM__BASE_URL)"


def overall_mode(steps: list[StepMode], llm_configured: bool) -> tuple[Mode, str]:
    """One mode for the answer: fallback if any step fell back, else llm / offline."""
    fallbacks = [s for s in steps if s.mode == "fallback"]
    if fallbacks:
        return "fallback", "; ".join(f"{s.step}: {s.reason}" for s in fallbacks)
    if llm_configured and any(s.mode == "llm" for s in steps):
        return "llm", "모든 LLM 단계가 LLM으로 실행됐어요"
    return "offline", OFFLINE_REASON if not llm_configured else "이 질문에는 LLM 단계가 없어요"


def mode_label(mode: str, reason: str) -> str:
    if mode == "fallback":
        return P.MODE_LABEL["fallback"].format(reason=reason)
    return P.MODE_LABEL[mode].format()


def with_particle(word: str) -> str:
    """'부모님' → '부모님과', '아이' → '아이와' (the particle depends on a final consonant)."""
    last = word[-1]
    if "가" <= last <= "힣":
        return word + ("과" if (ord(last) - 0xAC00) % 28 else "와")
    return word + "와"


def party_goes(party: str) -> str:
    """'혼자', '둘이', '부모님과 함께': how the party goes, before 갈 / 간."""
    return P.PARTY_GOES.get(party) or f"{with_particle(party)} 함께"


def topic_particle(word: str) -> str:
    """은 after a final consonant, 는 otherwise (Latin letters: 는)."""
    ch = word[-1:] or " "
    return "은" if "가" <= ch <= "힣" and (ord(ch) - 0xAC00) % 28 else "는"


def direction_particle(word: str) -> str:
    """로 after a vowel or ㄹ, 으로 after another final consonant ('식사로', '점심으로')."""
    ch = word[-1:] or " "
    final = (ord(ch) - 0xAC00) % 28 if "가" <= ch <= "힣" else 0
    return "로" if final in (0, 8) else "으로"


def subject_particle(word: str) -> str:
    """이 after a final consonant, 가 otherwise ('닭갈비가', '쭈꾸미가', '족발이')."""
    ch = word[-1:] or " "
    return "이" if "가" <= ch <= "힣" and (ord(ch) - 0xAC00) % 28 else "가"


def object_particle(word: str) -> str:
    """'횟집' → '횟집을', '카페' → '카페를'."""
    last = word[-1]
    if "가" <= last <= "힣":
        return word + ("을" if (ord(last) - 0xAC00) % 28 else "를")
    return word + "을(를)"


def won(amount: int) -> str:
    """30000 → '3만원', 24999 → '24,999원'."""
    return f"{amount // 10_000}만원" if amount % 10_000 == 0 else f"{amount:,}원"


# How a party of one or two goes, and the size those words already say.
_GOES_BY_SIZE = {1: "혼자", 2: "둘이"}
_SAYS_SIZE = {goes: n for n, goes in _GOES_BY_SIZE.items()}


def _where_what(slots: Slots) -> tuple[str, str]:
    place = slots.place
    where = f"{place} " if place else "제주 "
    what_parts = ["현지인이 찾는"] if slots.locals else []
    size = slots.party_size
    if slots.party:
        goes = party_goes(slots.party)
        if size and _SAYS_SIZE.get(goes) != size:  # '부모님과 함께 10명이 갈', not '둘이 갈 (2명)'
            goes = f"{goes} {size}명이"
        what_parts.append(f"{goes} 갈")
    elif size:  # '둘이 갈 흑돼지', '8명이 갈 한정식', not '애월읍 (8명) 한정식'
        what_parts.append(f"{_GOES_BY_SIZE.get(size) or f'{size}명이'} 갈")
    occ = load_understanding_vocab().occasion(slots.occasion)
    if occ:
        what_parts.append(f"({occ.label})")
    if slots.must_haves:
        what_parts.append(", ".join(P.ATTRIBUTE_LABELS.get(a, a) for a in slots.must_haves))
    if slots.max_avg_price:
        # Said back, as the graph reads it (spend per person): '3만원 이하로 둘이' is ambiguous.
        what_parts.append(P.ANSWER_PRICE_CAP.format(won=won(slots.max_avg_price)))
    elif slots.price:
        what_parts.append(P.PRICE_LABELS[slots.price])
    meal_kind = load_understanding_vocab().meal_kind(slots.meal_kind)
    food = slots.menu or slots.category or ("/".join(slots.stand_ins) if slots.stand_ins else "")
    if meal_kind and not (slots.menu or slots.category):
        food = meal_kind.label
    what_parts.append(food or "맛집")
    return where, " ".join(what_parts)


def not_in_graph_lines(slots: Slots) -> list[str]:
    """What was asked that the graph does not hold, said plainly with what stands in."""
    vocab = load_understanding_vocab()
    unheld = {u.label: u for u in vocab.unheld}
    lines = []
    for label in slots.not_in_graph:
        u = unheld.get(label)
        if u is None:  # a place outside Jeju
            lines.append(P.ANSWER_OUTSIDE.format(place=label))
        elif u.kind == "attribute":  # a wish no property records (opening hours)
            lines.append(P.ANSWER_NOT_IN_GRAPH_ATTRIBUTE.format(label=label))
        else:
            instead = slots.menu or slots.category or u.why
            lines.append(
                P.ANSWER_NOT_IN_GRAPH.format(label=label, instead=object_particle(instead))
            )
    return lines


def food_reading_lines(slots: Slots) -> list[str]:
    """How an ask naming no held food was read: a dish no table holds, not applied
    ('닭갈비'), or a kind of meal searched as the kinds of place a local names for it (아침,
    국물 있는 거)."""
    if slots.category or slots.menu:
        return []
    lines = []
    if slots.unknown_food:
        food = slots.unknown_food
        if slots.stand_ins and not slots.meal_kind:  # a sweet: searched where it is sold
            kinds = "·".join(slots.stand_ins)
            lines.append(
                P.ANSWER_UNKNOWN_SWEET.format(
                    food=food, particle=subject_particle(food), kinds=kinds
                )
            )
        else:
            lines.append(P.ANSWER_UNKNOWN_FOOD.format(food=food, particle=subject_particle(food)))
    meal_kind = load_understanding_vocab().meal_kind(slots.meal_kind)
    if meal_kind and slots.stand_ins:
        kinds = "·".join(slots.stand_ins)
        ro = direction_particle(meal_kind.label)
        lines.append(P.ANSWER_MEAL_KIND.format(label=meal_kind.label, ro=ro, kinds=kinds))
        if meal_kind.hours and "영업시간" not in slots.not_in_graph:
            lines.append(P.ANSWER_NO_HOURS.format())
    return lines


def exclusion_lines(slots: Slots) -> list[str]:
    """What the ask ruled out, said back, and the cafes a meal ask leaves out when it names
    no food (with a food named the category already says what was searched)."""
    lines = []
    ruled_out = [*slots.exclude_regions, *slots.exclude_categories, *slots.exclude_menus]
    if ruled_out:
        foods = ", ".join(ruled_out)
        lines.append(P.ANSWER_EXCLUDED.format(foods=foods + topic_particle(foods)))
    if slots.meal and not (slots.category or slots.menu or slots.stand_ins):
        cafes = "·".join(c for c in Q.excluded_categories(slots) if c not in ruled_out)
        if cafes:
            lines.append(P.ANSWER_MEAL.format(cafes=cafes, particle=topic_particle(cafes)))
    return lines


def recommendation_text(
    slots: Slots, picks: list[Pick], notes: list[str], mode: str, nearby_km: float = 10.0
) -> str:
    """The answer: what the graph does not hold, a header that agrees with the picks, each
    pick with its match, reasons, evidence and what it relaxes, then the notes."""
    where, what = _where_what(slots)
    lines = not_in_graph_lines(slots) + food_reading_lines(slots) + exclusion_lines(slots)
    if slots.unknown_place and not (slots.region or slots.city):
        place = slots.unknown_place
        lines.append(P.ANSWER_UNKNOWN_PLACE.format(place=place, particle=topic_particle(place)))
        if slots.place_guess:
            guess = slots.place_guess
            particle = object_particle(guess)[len(guess) :]
            ro = direction_particle(guess)
            lines.append(P.ANSWER_PLACE_GUESS.format(guess=guess, particle=particle, ro=ro))
    if slots.place_read and slots.region:
        word = slots.place_read
        lines.append(
            P.ANSWER_PLACE_READ.format(
                word=word,
                particle=topic_particle(word),
                region=slots.region,
                ro=direction_particle(slots.region),
            )
        )
    exact = sum(1 for p in picks if not p.relaxed)
    if not picks:
        lines.append(P.ANSWER_NONE.format(where=where, what=what, mode=mode))
    elif exact == len(picks):
        lines.append(P.ANSWER_HEADER.format(where=where, what=what, n=len(picks), mode=mode))
    elif exact:
        lines.append(
            P.ANSWER_HEADER_MIXED.format(
                where=where,
                what=what,
                n=len(picks),
                exact=exact,
                relaxed=len(picks) - exact,
                mode=mode,
            )
        )
    else:
        lines.append(
            P.ANSWER_HEADER_RELAXED.format(
                where=where.strip(), what=f" {what}", n=len(picks), mode=mode
            )
        )
    beyond = [p.distance_km for p in picks if p.relax_rank == RUNG_BEYOND and p.distance_km]
    if slots.region and beyond:
        lines.append(
            P.ANSWER_BEYOND.format(
                where=slots.region, km=f"{nearby_km:g}", closest=f"{min(beyond):.0f}"
            )
        )
    for i, p in enumerate(picks, 1):
        lines.append(
            P.ANSWER_PICK.format(
                rank=i,
                name=p.name,
                region=p.region,
                category=p.category,
                rating=f"{p.rating:.2f}" if p.rating is not None else "-",
                price=f"{p.avg_price:,}" if p.avg_price else "-",
                match=P.ANSWER_MATCH.format(score=f"{p.score:.0f}") if p.score is not None else "",
                reasons=" / ".join(p.reasons),
            )
        )
        for e in p.evidence:
            lines.append(P.ANSWER_EVIDENCE.format(review_id=e.review_id, text=e.text))
        if p.relaxed:
            lines.append(P.ANSWER_RELAXED.format(relaxed="; ".join(p.relaxed)))
    lines += [P.ANSWER_NOTE.format(note=n) for n in notes]
    return "\n".join(lines)


def _scope(slots: Slots) -> str:
    parts = [
        x
        for x in (
            slots.product_city,
            slots.place,
            slots.menu or slots.category,
            slots.product_type,
        )
        if x
    ]
    return " ".join(parts) if parts else "전체"


def graph_summary_offline(kind: str, slots: Slots, rows: list[dict[str, Any]]) -> str:
    if not rows or all(v is None for v in rows[0].values()):
        return P.GRAPH_SUMMARIES["empty"].format()
    r0 = rows[0]
    scope = _scope(slots)
    name = slots.merchant_name or ""
    if kind == "count_merchants":
        return P.GRAPH_SUMMARIES[kind].format(scope=scope, merchants=r0["merchants"])
    if kind == "avg_rating":
        return P.GRAPH_SUMMARIES[kind].format(scope=scope, avg_rating=f"{r0['avg_rating']:.2f}")
    if kind in ("avg_price", "product_avg_price"):
        return P.GRAPH_SUMMARIES[kind].format(scope=scope, avg_price=f"{round(r0['avg_price']):,}")
    if kind == "top_rated":
        items = ", ".join(f"{r['name']} ({r['rating']:.2f})" for r in rows)
        return P.GRAPH_SUMMARIES[kind].format(scope=scope, items=items)
    if kind == "most_reviewed":
        return P.GRAPH_SUMMARIES[kind].format(scope=scope, name=r0["name"], reviews=r0["reviews"])
    if kind == "merchant_menu":
        items = ", ".join(
            f"{r['menu']}" + (f" {r['price']:,}원" if r.get("price") else "") for r in rows
        )
        return P.GRAPH_SUMMARIES[kind].format(name=name, items=items)
    if kind == "merchant_review_count":
        return P.GRAPH_SUMMARIES[kind].format(name=name, reviews=r0["reviews"])
    if kind == "merchant_rating":
        return P.GRAPH_SUMMARIES[kind].format(name=name, rating=r0["rating"])
    if kind == "region_with_most":
        return P.GRAPH_SUMMARIES[kind].format(
            scope=scope, region=r0["region"], merchants=r0["merchants"]
        )
    if kind == "product_count":
        return P.GRAPH_SUMMARIES[kind].format(scope=scope, products=r0["products"])
    shown = json.dumps(rows[:10], ensure_ascii=False, default=str)
    return P.GRAPH_SUMMARIES["generic"].format(n=len(rows), rows=shown)


def tool_text(outcome: ToolOutcome, mode: str) -> str:
    """Korean text of a tool's answer, rendered per tool (`kind`) from its structured items."""
    feature, items, detail, kind = outcome.feature, outcome.items, outcome.detail, outcome.kind
    if not outcome.available:
        return P.ANSWER_NOT_AVAILABLE.format(feature=feature, detail=detail, mode=mode)
    if kind == "itinerary" and outcome.data.get("itinerary"):
        return itinerary_text(items, outcome.data, mode, detail)
    if kind == "mapping" and items:
        return mapping_text(items, outcome.data, mode)
    if not items:
        return P.ANSWER_TOOL_ITEMS.format(feature=feature, n=0, items=detail or "-", mode=mode)
    if kind == "products":
        shown = "\n".join(_product_line(it) for it in items[:10])
        shown += f"\n({detail})" if detail else ""
    else:
        shown = "\n".join(
            f"{i}. " + ", ".join(f"{k}={v}" for k, v in item.items())
            for i, item in enumerate(items[:10], 1)
        )
    return P.ANSWER_TOOL_ITEMS.format(feature=feature, n=len(items), items=shown, mode=mode)


def _product_line(item: dict[str, Any]) -> str:
    """One product: its title, city and price when the graph holds them. The model's score
    is left out of the text: a logit (7.5) or a cosine means nothing to a traveller; the
    structured items keep it."""
    about = [str(item["city"])] if item.get("city") else []
    if item.get("price"):
        about.append(f"{int(item['price']):,}원")
    return P.ANSWER_PRODUCT.format(
        rank=item["rank"],
        title=item.get("name") or "상품",
        product_id=item["product_id"],
        about="".join(f" · {a}" for a in about),
    )


def itinerary_text(
    items: list[dict[str, Any]], data: dict[str, Any], mode: str, detail: str = ""
) -> str:
    plan = " / ".join(
        f"{d['day']}일차 " + ", ".join(d["places"]) for d in data.get("itinerary") or []
    )
    if not items:
        lines = [P.ANSWER_ITINERARY_NONE.format(itinerary=plan, mode=mode)]
    else:
        lines = [P.ANSWER_ITINERARY_HEADER.format(itinerary=plan, n=len(items), mode=mode)]
        for i, it in enumerate(items, 1):
            lines.append(
                P.ANSWER_ITINERARY_ITEM.format(
                    rank=i,
                    name=it["name"],
                    product_id=it["product_id"],
                    product_type=it["product_type"],
                    price=f"{it['price']:,}" if it.get("price") else "-",
                    match_rate=f"{it['match_rate']:.0%}",
                    coverage=f"{it['coverage']:.0%}",
                    matched=", ".join(it["matched"]) or "-",
                )
            )
    unknown = [k for k, v in (data.get("resolved") or {}).items() if v is None]
    if unknown:
        lines.append(P.ANSWER_ITINERARY_UNKNOWN.format(places=", ".join(unknown)))
    if detail:
        lines.append(P.ANSWER_NOTE.format(note=detail))
    return "\n".join(lines)


def mapping_text(items: list[dict[str, Any]], data: dict[str, Any], mode: str) -> str:
    lines = [P.ANSWER_MAPPING_HEADER.format(mode=mode)]
    for it in items:
        internal = it.get("internal_id") or it.get("graph_place_id") or "내부 DB에 없음"
        if it.get("mapped"):
            m = it["mapped"]
            score = m.get("score")
            lines.append(
                P.ANSWER_MAPPING_FOUND.format(
                    query=it["query"],
                    internal=internal,
                    name=m["name"],
                    name_en=m["name_en"],
                    external_id=m["external_id"],
                    score=f"{score:.2f}" if isinstance(score, int | float) else "-",
                    source=it.get("source") or "-",
                )
            )
        else:
            lines.append(
                P.ANSWER_MAPPING_NONE.format(
                    query=it["query"],
                    internal=internal,
                    verdict=it.get("verdict") or it.get("source") or "-",
                    source=it.get("source") or "-",
                )
            )
        for c in it.get("candidates") or []:
            lines.append(P.ANSWER_MAPPING_CANDIDATE.format(**c))
    pair = data.get("pair")
    if pair:
        lines.append(
            P.ANSWER_MAPPING_PAIR.format(
                a=pair["a"],
                b=pair["b"],
                verdict="같은 장소예요" if pair["same"] else "같은 장소가 아니에요",
                reason=pair["reason"],
            )
        )
    return "\n".join(lines)
