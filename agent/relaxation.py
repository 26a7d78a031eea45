"""The hard constraints of an ask and the relaxation ladder, for when too few merchants
meet them all.

`violations` says which constraints a candidate misses, as the notes the answer discloses;
`satisfies` admits a neighbouring region within `nearby_km` (widening and backfill use it).
The ladder (`RUNG_*`) relaxes an ask in the order a local would: a price wish first, then the
food, then the neighbouring 읍면동, then the must-haves and a price cap in the asked place,
and only then the closest past the bound; every candidate keeps its rung, so a closer
relaxation is always shown first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent import cypher as Q
from agent.config import AgentConfig
from agent.deps import AgentDeps
from agent.retrieval import fetch_candidates
from agent.state import Candidate, Slots
from agent.understand import Vocabulary, haversine_km
from prompts import agent as P


def shortfall(slots: Slots, candidates: list[Candidate]) -> int:
    """How many more picks are wanted than candidates meet every constraint."""
    return slots.count - sum(1 for c in candidates if not c.relaxed)


def _region_km(deps: AgentDeps, asked: str, region: str) -> float | None:
    a, b = deps.vocab.region_coords.get(asked), deps.vocab.region_coords.get(region)
    return haversine_km(a[0], a[1], b[0], b[1]) if a and b else None


def distance_km(deps: AgentDeps, slots: Slots, c: Candidate) -> float | None:
    """How far the merchant is from the centre of the asked region (None: no region asked
    or no coordinates)."""
    centre = deps.vocab.region_coords.get(slots.region or "")
    if centre is None:
        return None
    if c.lat is not None and c.lon is not None:
        return round(haversine_km(centre[0], centre[1], c.lat, c.lon), 1)
    km = _region_km(deps, slots.region or "", c.region)
    return round(km, 1) if km is not None else None


def violations(
    deps: AgentDeps, c: Candidate, slots: Slots, menu_ids: set[str] | None
) -> list[str] | None:
    """The hard constraints a candidate misses, as disclosure notes ([] = meets them all);
    None when it can never be shown (ruled out by the user: the merchant, or its category).
    A ruled-out dish is checked by the queries alone (`candidate_query`)."""
    if (
        c.merchant_id in slots.exclude_ids
        or c.category in Q.excluded_categories(slots)
        or c.region in slots.exclude_regions
    ):
        return None
    notes: list[str] = []
    if slots.region and c.region != slots.region:
        # The same measure as the distance bound: the merchant from the asked centre.
        km = distance_km(deps, slots, c)
        where = f"{slots.region}에서 {km:.0f}km" if km is not None else f"{slots.region} 밖"
        notes.append(f"지역: {c.region} ({where})")
    elif not slots.region and slots.city and c.city != slots.city:
        notes.append(f"지역: {c.city} ({slots.city} 밖)")
    elif (
        not (slots.region or slots.city)
        and slots.area_regions
        and c.region not in slots.area_regions
    ):
        notes.append(f"지역: {c.region} ({slots.area} 밖)")
    if slots.category and c.category != slots.category:
        notes.append(f"분류: {c.category} ({slots.category} 아님)")
    elif not slots.category and slots.stand_ins and c.category not in slots.stand_ins:
        notes.append(f"분류: {c.category} ({'/'.join(slots.stand_ins)} 아님)")
    if menu_ids is not None and c.merchant_id not in menu_ids:
        notes.append(f"메뉴: {slots.menu} 없음")
    missing = [P.ATTRIBUTE_LABELS[a] for a in slots.must_haves if not c.attributes.get(a, False)]
    if missing:
        notes.append(f"필수 조건 미충족: {', '.join(missing)}")
    if slots.price == "cheap" and (c.price_level or 0) > Q.PRICE_CHEAP_MAX_LEVEL:
        notes.append(f"가격대 {c.price_level} (저렴한 곳 아님)")
    if slots.price == "expensive" and (c.price_level or 0) < Q.PRICE_EXPENSIVE_MIN_LEVEL:
        notes.append(f"가격대 {c.price_level} (고급 아님)")
    if slots.max_avg_price and (c.avg_price or 0) > slots.max_avg_price:
        notes.append(f"가격 {c.avg_price:,}원 (상한 {slots.max_avg_price:,}원 초과)")
    return notes


def price_gap(c: Candidate, slots: Slots) -> float:
    """How far a merchant's price is from the asked one (0 = as asked): price levels past a
    cheap or dear wish, or the share over a cap. A relaxed price is relaxed least first."""
    if slots.price == "cheap":
        return float(max(0, (c.price_level or 0) - Q.PRICE_CHEAP_MAX_LEVEL))
    if slots.price == "expensive":
        return float(max(0, Q.PRICE_EXPENSIVE_MIN_LEVEL - (c.price_level or 0)))
    if slots.max_avg_price:
        return max(0.0, ((c.avg_price or 0) - slots.max_avg_price) / slots.max_avg_price)
    return 0.0


def satisfies(
    deps: AgentDeps, c: Candidate, slots: Slots, menu_ids: set[str] | None
) -> tuple[bool, list[str]]:
    """Whether a widened candidate meets the hard constraints; a neighbouring region
    (within `nearby_km`) still counts, disclosed in the returned notes (and ranked as the
    neighbouring-region rung, see `RUNG_NEARBY`)."""
    notes = violations(deps, c, slots, menu_ids)
    if notes is None:
        return False, []
    region_only = len(notes) == 1 and notes[0].startswith("지역:") and within_bound(deps, slots, c)
    return (not notes or region_only), notes


# A 읍면's merchants lie up to about this far from its centre: regions whose centre is
# within `nearby_km` + this are searched for merchants within `nearby_km`.
REGION_RADIUS_KM = 8.0


def within_bound(deps: AgentDeps, slots: Slots, c: Candidate) -> bool:
    """The merchant lies within `nearby_km` of the asked region's centre."""
    km = distance_km(deps, slots, c)
    return km is not None and km <= deps.config.nearby_km


def search_regions(vocab: Vocabulary, region: str, config: AgentConfig) -> list[str]:
    """Regions (other than `region`) that may hold merchants within the bound."""
    return [n for n, _ in vocab.nearby_regions(region, config.nearby_km + REGION_RADIUS_KM)]


# The relaxation ladder, in the order a local relaxes an ask nothing fully meets. Each rung
# keeps the must-haves; candidates are ranked by rung (`Candidate.relax_rank`), so a closer
# relaxation always comes first, and every pick says what it relaxes.
# A price wish is a matter of degree (가성비, 비싸도 제대로 된): it gives way first, before
# the food and the place. "화순항 가성비 횟집" is a 횟집 in 화순 that says its price level,
# not a cheap 횟집 7 km away; a cap ('3만원 이하') is the user's number and stays to LOOSE.
RUNG_PRICE = 1  # the asked place and food, without the price wish
RUNG_FOOD = 2  # same place: a merchant serving the asked menu, or a related category
RUNG_NEARBY = 3  # neighbouring 읍면동 within `nearby_km`, the food as asked
RUNG_NEARBY_FOOD = 4  # neighbouring 읍면동, the food relaxed as in RUNG_FOOD
# A wish (가성비, 주차, 조용한) gives way before the place does: a cheap seafood place 32 km
# from 성산 answers "성산 가성비 해산물" worse than a dearer one in 성산 that says so.
RUNG_LOOSE = 5  # the asked place and food, without the must-haves / price cap
RUNG_BEYOND = 6  # nothing near: the closest matches past the bound, with their distance
RUNG_ANY = 7  # the asked place, anything


@dataclass(frozen=True)
class Rung:
    rank: int
    slots: Slots  # what the rung's query asks
    regions: tuple[str, ...] | None = None  # a region list replacing the asked region


def _food_variants(slots: Slots, vocab: Vocabulary) -> list[Slots]:
    """The food relaxed the way a local would: keep the menu in any category, then the
    categories related to the asked one (or to the menu's own)."""
    out: list[Slots] = []
    if slots.menu and slots.category:
        out.append(slots.model_copy(update={"category": None}))
    base = (
        [slots.category]
        if slots.category
        else list(vocab.menu_categories.get(slots.menu or "", ()))
    )
    base += list(slots.stand_ins)
    excluded = set(Q.excluded_categories(slots))
    related = [
        r
        for c in base
        for r in vocab.extra.related_categories.get(c, ())
        if r not in base and r not in excluded
    ]
    if related:
        out.append(
            slots.model_copy(
                update={"category": None, "menu": None, "stand_ins": list(dict.fromkeys(related))}
            )
        )
    return out


def relaxation_ladder(slots: Slots, vocab: Vocabulary, config: AgentConfig) -> list[Rung]:
    """The rungs for this ask (see RUNG_*): a price wish first, then the food, then the
    neighbouring 읍면동 within `config.nearby_km`, then the asked place without the
    must-haves and price cap, only then the closest past the bound."""
    loose: dict[str, Any] = {"must_haves": [], "price": None, "max_avg_price": None}
    rungs = [Rung(RUNG_PRICE, slots.model_copy(update={"price": None}))] if slots.price else []
    rungs += [Rung(RUNG_FOOD, s) for s in _food_variants(slots, vocab)]
    beyond: list[Rung] = []
    if slots.region:
        # Within a rung only merchants within the bound (near) or past it (beyond) are kept:
        # see `relaxed_candidates`.
        near = search_regions(vocab, slots.region, config)
        if near:
            rungs.append(Rung(RUNG_NEARBY, slots, tuple(near)))
            rungs += [Rung(RUNG_NEARBY_FOOD, s, tuple(near)) for s in _food_variants(slots, vocab)]
        everywhere = [name for name, _ in vocab.nearby_regions(slots.region, 1000.0)]
        far = everywhere[: len(near) + config.beyond_regions]
        if far:
            beyond.append(Rung(RUNG_BEYOND, slots, tuple(far)))
    elif slots.city:
        beyond.append(Rung(RUNG_BEYOND, slots.model_copy(update={"city": None})))
    elif slots.area_regions:
        beyond.append(Rung(RUNG_BEYOND, slots.model_copy(update={"area_regions": []})))
    if slots.must_haves or slots.price or slots.max_avg_price:
        rungs.append(Rung(RUNG_LOOSE, slots.model_copy(update=loose)))
    rungs += beyond
    if slots.category or slots.menu or slots.stand_ins:
        rungs.append(
            Rung(
                RUNG_ANY,
                slots.model_copy(update={**loose, "category": None, "menu": None, "stand_ins": []}),
            )
        )
    return rungs


def relaxed_candidates(
    deps: AgentDeps, slots: Slots, have: set[str], need: int, menu_ids: set[str] | None
) -> list[Candidate]:
    """Up to `need` candidates from the first rungs that hold any, nearest first within a
    rung; each carries its rung, its distance and the notes of what it misses."""
    out: list[Candidate] = []
    for rung in relaxation_ladder(slots, deps.vocab, deps.config):
        if len(out) >= need:
            break
        cypher, params = Q.candidate_query(
            rung.slots,
            deps.config.first_stage_limit,
            regions=list(rung.regions) if rung.regions is not None else None,
        )
        rows = deps.store.read(
            cypher,
            params,
            timeout_ms=deps.config.query_timeout_ms,
            max_rows=deps.config.first_stage_limit,
        ).rows
        ids = [r["merchant_id"] for r in rows if r["merchant_id"] not in have]
        found = fetch_candidates(deps, ids, "relaxed")
        for c in found:
            c.distance_km = distance_km(deps, slots, c)
        if rung.rank in (RUNG_NEARBY, RUNG_NEARBY_FOOD):
            found = [c for c in found if within_bound(deps, slots, c)]
        elif rung.rank == RUNG_BEYOND and slots.region:
            found = [c for c in found if not within_bound(deps, slots, c)]
        if slots.region and rung.rank in (RUNG_NEARBY, RUNG_NEARBY_FOOD, RUNG_BEYOND):
            # Nearest first: a relaxed region should still be close to what was asked.
            found.sort(key=lambda c: c.distance_km if c.distance_km is not None else 1e9)
        for c in found:
            notes = violations(deps, c, slots, menu_ids)
            if notes is None:
                continue
            c.relaxed, c.relax_rank = notes, rung.rank if notes else 0
            out.append(c)
            have.add(c.merchant_id)
            if len(out) >= need:
                break
    return out
