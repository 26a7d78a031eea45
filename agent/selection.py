"""PALR selection: the final picks out of at most `max_candidates` candidates.

Offline (and fallback): a transparent scorer. Every part of the score is reported
(`Pick.score_parts`, each 0-1) and every reason is either a number from the graph or a
verbatim excerpt of one of the pick's own reviews, cited by review_id.

The shown score is a 0-100 *match*: the weighted mean of the parts that apply to the ask,

    match = 100 · Σ_applicable w_k · part_k / Σ_applicable w_k

    sim 0.30 · rating 0.20 · party_mix 0.10 · age_mix 0.05 · party_reviews 0.10 · fit 0.10
    · constraints 0.15

sim: HyDE similarity of the two best reviews (clipped at 0); rating: (rating − 1) / 4;
party_mix / age_mix: the merchant's share of the user's party / age band, scaled so 50 %
counts as 1 (only with a party / an age band or a party with elders); party_reviews: share
of the cited reviews written by a fitting party (with a party or two or more people); fit:
share of the wishes the party and the occasion imply (부모님 → quiet, parking; 생일 → group
seating …) met (only when there are some); constraints: share of the asked hard constraints
the pick meets (1 unless relaxed); taste: the fit with the user's own history (only with a
known user id, see `agent.profile`). A part that does not apply is left out rather than
counted as 0, so a plain ask is not marked down for what it did not ask.

Picks are ranked by relaxation rung first (a pick that meets every constraint before one
in a related category, before one in a neighbouring region), then by match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent.answer import party_goes
from agent.llm import ChatModel, LLMError, parse_json_object
from agent.profile import UserProfile, taste_part, taste_reasons
from agent.relaxation import RUNG_BEYOND, price_gap
from agent.state import Candidate, Evidence, Pick, Slots
from prompts import agent as P
from tripgraph.vocab import load_attributes, load_categories, load_people
from tripgraph.vocab.understanding import UnderstandingVocab, load_understanding_vocab

WEIGHTS = {
    "sim": 0.30,
    "rating": 0.20,
    "party_mix": 0.10,
    "age_mix": 0.05,
    "party_reviews": 0.10,
    "fit": 0.10,
    "constraints": 0.15,
    "taste": 0.15,
    "locals": 0.15,
}
PARENT_AGE = "50plus"
_SENTENCE = re.compile(r"[^.!?~\n]+[.!?~]*[ \n]*")
# The party wishes and the complaint words are data (tripgraph/vocab/understanding.toml).


def _vocab(vocab: UnderstandingVocab | None) -> UnderstandingVocab:
    return vocab or load_understanding_vocab()


def wishes(slots: Slots, vocab: UnderstandingVocab | None = None) -> tuple[str, ...]:
    """Attributes the party and the occasion make welcome (soft; must-haves are filters)."""
    v = _vocab(vocab)
    occ = v.occasion(slots.occasion)
    out = [*v.party_wishes.get(slots.party or "", ()), *(occ.wishes if occ else ())]
    return tuple(dict.fromkeys(a for a in out if a not in slots.must_haves))


def is_group(slots: Slots) -> bool:
    """Two or more people are coming: a solo diner's review does not speak for them."""
    if slots.party == "혼자":
        return False
    return bool(slots.party) or (slots.party_size or 0) >= 2 or bool(slots.occasion)


def is_large_group(slots: Slots, vocab: UnderstandingVocab | None = None) -> bool:
    """A party that needs group seating: `[group] min_size` people or more, or an ask that
    makes group seating a must-have (단체, 회식)."""
    v = _vocab(vocab)
    return (slots.party_size or 0) >= v.group_min_size or "group_seating" in slots.must_haves


def party_fit(e: Evidence, slots: Slots, vocab: UnderstandingVocab | None = None) -> int:
    """2: written by the asked party; 1: by a fitting one (가족 for 부모님); 0: unknown or
    no party asked; -1: by a solo diner for a group ask (never cited)."""
    v = _vocab(vocab)
    solo = e.party_type == "혼자" or any(w in e.text for w in v.solo_markers)
    if is_group(slots) and solo:
        return -1
    if not slots.party or not e.party_type:
        return 0
    if e.party_type == slots.party:
        return 2
    return int(e.party_type in v.compatible_parties.get(slots.party, ()))


def aspect_weights(slots: Slots, vocab: UnderstandingVocab | None = None) -> dict[str, int]:
    """Words a fitting review would use, with how much each counts: the must-haves 4 (the
    most specific part of an ask: for '조용한 카페' a review saying it is quiet, not that it
    sells desserts), the dish or category 3, the occasion and a large group's words 2, the
    party and the wishes it implies 1."""
    v = _vocab(vocab)
    out: dict[str, int] = {}

    def add(words: Any, w: int) -> None:
        for word in words:
            if len(word) >= 2:
                out[word] = max(out.get(word, 0), w)

    people, attributes = load_people(), load_attributes()
    if slots.menu:
        add([slots.menu, slots.menu.replace(" ", "")], 3)
    if slots.category:
        add([slots.category, *load_categories().aliases.get(slots.category, ())], 3)
    for attr in slots.must_haves:
        add((*attributes.words.get(attr, ()), *v.attribute_words.get(attr, ())), 4)  # type: ignore[call-overload]
    occ = v.occasion(slots.occasion)
    if occ:
        add([*occ.words, *occ.evidence], 2)
    if is_large_group(slots, v):
        add([*v.group_words, "모임", "친구들", "가족들", "단체석"], 2)
    if slots.party:
        add([slots.party, *people.party_words.get(slots.party, ())], 1)  # type: ignore[call-overload]
        add(v.party_words.get(slots.party, ()), 1)
    for attr in wishes(slots, v):
        add(attributes.words.get(attr, ()), 1)  # type: ignore[call-overload]
    if slots.price == "cheap":
        add(attributes.price_words["cheap"], 1)
    add(["맛있", "친절"], 1)
    return out


def aspect_words(slots: Slots) -> list[str]:
    return list(aspect_weights(slots))


# A complaint or an avoided word outweighs any number of aspect words: a sentence that says
# the dish was bland is no reason to go, however well it names the dish.
COMPLAINT_PENALTY = 10


def sentence_score(sentence: str, weights: dict[str, int], avoid: tuple[str, ...] = ()) -> int:
    complaints = load_understanding_vocab().complaint_markers
    hits = sum(w for word, w in weights.items() if word in sentence)
    bad = sum(1 for w in complaints if w in sentence) + sum(1 for w in avoid if w in sentence)
    return hits - COMPLAINT_PENALTY * bad


def best_excerpt(
    text: str,
    words: list[str] | dict[str, int],
    max_chars: int = 90,
    avoid: tuple[str, ...] = (),
) -> str:
    """The review's most relevant sentence (plus the next one when short), verbatim;
    sentences with complaints or with an `avoid` word (a solo diner's, for a group) rank
    last."""
    weights = words if isinstance(words, dict) else dict.fromkeys(words, 1)
    sentences = [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    if not sentences:
        return text[:max_chars]
    scores = [sentence_score(s, weights, avoid) for s in sentences]
    i = max(range(len(sentences)), key=lambda j: (scores[j], -j))
    excerpt = sentences[i]
    if len(excerpt.strip()) < 25 and i + 1 < len(sentences) and scores[i + 1] >= 0:
        excerpt += sentences[i + 1]
    excerpt = excerpt.strip()
    return excerpt if len(excerpt) <= max_chars else excerpt[:max_chars].rstrip()


def choose_evidence(
    c: Candidate, slots: Slots, n: int, vocab: UnderstandingVocab | None = None
) -> list[Evidence]:
    """The pick's own reviews that best support the request: positive first, then by a
    fitting party, then by the asked aspects (dish, must-haves, occasion), then HyDE
    similarity. A solo diner's review is never cited for a group ask: fewer citations are
    better than a wrong one."""
    v = _vocab(vocab)
    weights = aspect_weights(slots, v)
    avoid = v.solo_markers if is_group(slots) else ()
    if is_large_group(slots, v):
        avoid = (*avoid, *v.pair_markers)  # two people's table says little about eight

    excerpts = {e.review_id: best_excerpt(e.text, weights, avoid=avoid) for e in c.snippets}

    def key(e: Evidence) -> tuple[int, int, int, float]:
        positive = int((e.rating or 0) >= 4)
        # Scored on what would be quoted, so a complaint about the dish ranks last.
        hits = sentence_score(excerpts[e.review_id], weights, avoid)
        return (positive, party_fit(e, slots, v), hits, e.similarity or 0.0)

    usable = [e for e in c.snippets if party_fit(e, slots, v) >= 0]
    ranked = sorted(usable, key=key, reverse=True)[:n]
    return [e.model_copy(update={"text": excerpts[e.review_id]}) for e in ranked]


def _share(c: Candidate, key: str) -> float:
    return min(1.0, c.mix.get(key, 0.0) / 0.5)


def hard_constraints(slots: Slots) -> int:
    """How many hard constraints the ask has (place, food, each must-have, price)."""
    n = int(bool(slots.place)) + int(bool(slots.category or slots.stand_ins))
    n += int(bool(slots.menu)) + len(slots.must_haves)
    return n + int(bool(slots.price)) + int(bool(slots.max_avg_price))


def score_candidate(
    c: Candidate,
    slots: Slots,
    evidence: list[Evidence],
    vocab: UnderstandingVocab | None = None,
    profile: UserProfile | None = None,
) -> dict[str, float]:
    """The parts of the match (each 0-1) that apply to this ask (see the module docstring)."""
    v = _vocab(vocab)
    parts: dict[str, float] = {}
    parts["sim"] = max(0.0, c.similarity or 0.0)
    parts["rating"] = min(1.0, max(0.0, ((c.rating or 1.0) - 1.0) / 4.0))
    party_key = P.PARTY_SHARE_KEYS.get(slots.party or "")
    if party_key:
        parts["party_mix"] = _share(c, party_key[0])
    age = slots.age_band or (PARENT_AGE if slots.party == "부모님" else None)
    age_key = P.AGE_SHARE_KEYS.get(age or "")
    if age_key:
        parts["age_mix"] = _share(c, age_key[0])
    if slots.party or is_group(slots):
        parts["party_reviews"] = (
            sum(1 for e in evidence if party_fit(e, slots, v) >= 1) / len(evidence)
            if evidence
            else 0.0
        )
    if slots.locals:
        parts["locals"] = _share(c, "local_share")
    wanted = wishes(slots, v)
    if wanted:
        parts["fit"] = sum(1 for w in wanted if c.attributes.get(w)) / len(wanted)
    asked = hard_constraints(slots)
    parts["constraints"] = max(0.0, 1.0 - len(c.relaxed) / asked) if asked else 1.0
    taste = taste_part(c, profile)
    if taste is not None:
        parts["taste"] = taste
    return {k: round(val, 4) for k, val in parts.items()}


def total(parts: dict[str, float], weights: Mapping[str, float] = WEIGHTS) -> float:
    """The 0-100 match: the weighted mean of the parts present (each clipped to 0-1)."""
    den = sum(weights[k] for k in parts)
    if not den:
        return 0.0
    num = sum(weights[k] * min(1.0, max(0.0, val)) for k, val in parts.items())
    return round(100.0 * num / den, 1)


def offline_reasons(
    c: Candidate,
    slots: Slots,
    parts: dict[str, float],
    evidence: list[Evidence],
    profile: UserProfile | None = None,
) -> list[str]:
    reasons = []
    if c.rating is not None:
        reasons.append(
            P.REASONS["rating"].format(rating=f"{c.rating:.2f}", reviews=c.review_count or 0)
        )
    party_key = P.PARTY_SHARE_KEYS.get(slots.party or "")
    if party_key and party_key[0] in c.mix:
        reasons.append(
            P.REASONS["party_share"].format(
                label=party_key[1], pct=round(100 * c.mix[party_key[0]])
            )
        )
    age = slots.age_band or (PARENT_AGE if slots.party == "부모님" else None)
    age_key = P.AGE_SHARE_KEYS.get(age or "")
    if age_key and age_key[0] in c.mix:
        reasons.append(
            P.REASONS["age_share"].format(label=age_key[1], pct=round(100 * c.mix[age_key[0]]))
        )
    if slots.locals and "local_share" in c.mix:
        reasons.append(P.REASONS["local_share"].format(pct=round(100 * c.mix["local_share"])))
    wanted = list(dict.fromkeys([*slots.must_haves, *wishes(slots)]))
    for attr in wanted:
        if c.attributes.get(attr):
            reasons.append(P.REASONS["attribute"].format(label=P.ATTRIBUTE_LABELS[attr]))
    if slots.party:
        n = sum(1 for e in c.snippets if e.party_type == slots.party)
        if n:
            reasons.append(P.REASONS["party_reviews"].format(went=party_goes(slots.party), n=n))
    if slots.menu and not any(n.startswith("메뉴:") for n in c.relaxed):
        reasons.append(P.REASONS["serves"].format(menu=slots.menu))
    if parts.get("taste"):
        reasons.extend(taste_reasons(c, profile))
    if parts.get("sim"):
        reasons.append(P.REASONS["similarity"].format(sim=f"{parts['sim']:.2f}"))
    for e in evidence[:1]:
        reasons.append(P.REASONS["quote"].format(text=e.text, review_id=e.review_id))
    return reasons


def shortlist(
    candidates: list[Candidate],
    k: int,
    profile: UserProfile | None = None,
    slots: Slots | None = None,
    weights: Mapping[str, float] = WEIGHTS,
) -> list[Candidate]:
    """At most k candidates for selection: by relaxation rung (exact matches first, then
    the nearest relaxation), then fewest relaxed constraints, then nearest to the asked
    price (with `slots`), then similarity and rating (and, with a profile, the taste part
    at its match weight)."""

    def key(c: Candidate) -> tuple[int, int, float, float]:
        prelim = 0.6 * max(0.0, c.similarity or 0.0) + 0.4 * ((c.rating or 1.0) - 1.0) / 4.0
        taste = taste_part(c, profile)
        if taste is not None:
            prelim = (prelim + weights["taste"] * taste) / (1.0 + weights["taste"])
        gap = price_gap(c, slots) if slots is not None else 0.0
        return (c.relax_rank, len(c.relaxed), gap, -prelim)

    return sorted(candidates, key=key)[:k]


def offline_select(
    candidates: list[Candidate],
    slots: Slots,
    n_evidence: int,
    profile: UserProfile | None = None,
    weights: Mapping[str, float] = WEIGHTS,
) -> list[Pick]:
    """The best `slots.count` picks: lowest relaxation rung first, then highest match
    (nearest first past the distance bound)."""
    scored = []
    for c in candidates:
        evidence = choose_evidence(c, slots, n_evidence)
        parts = score_candidate(c, slots, evidence, profile=profile)
        scored.append((total(parts, weights), c, parts, evidence))
    # Past the distance bound the nearest comes first: the answer says "the closest is N km";
    # with the price relaxed, the nearest to the asked price.
    scored.sort(
        key=lambda x: (
            x[1].relax_rank,
            (x[1].distance_km or 0.0) if x[1].relax_rank == RUNG_BEYOND else 0.0,
            price_gap(x[1], slots),
            -x[0],
            x[1].merchant_id,
        )
    )
    return [
        _pick(c, offline_reasons(c, slots, parts, evidence, profile), evidence, score, parts)
        for score, c, parts, evidence in scored[: slots.count]
    ]


def _pick(
    c: Candidate,
    reasons: list[str],
    evidence: list[Evidence],
    score: float | None,
    parts: dict[str, float],
) -> Pick:
    return Pick(
        merchant_id=c.merchant_id,
        name=c.name,
        region=c.region,
        category=c.category,
        rating=c.rating,
        price_level=c.price_level,
        avg_price=c.avg_price,
        reasons=reasons,
        evidence=evidence,
        score=score,
        score_parts=parts,
        relaxed=list(c.relaxed),
        relax_rank=c.relax_rank,
        distance_km=c.distance_km,
    )


# ----------------------------------------------------------------------------- LLM path
def candidates_block(candidates: list[Candidate]) -> str:
    lines = []
    for c in candidates:
        attrs = ", ".join(a for a, v in c.attributes.items() if v) or "-"
        mix = ", ".join(f"{k}={v:.2f}" for k, v in c.mix.items())
        lines.append(
            f"- merchant_id={c.merchant_id} | {c.name} | {c.region} | {c.category} | "
            f"rating {c.rating} ({c.review_count} reviews) | price_level {c.price_level} "
            f"| avg {c.avg_price} KRW | {attrs} | {mix}"
        )
        for e in c.snippets:
            lines.append(f"    review_id={e.review_id} [{e.party_type}, {e.rating}★]: {e.text}")
    return "\n".join(lines)


def profile_text(slots: Slots) -> str:
    return slots.model_dump_json(exclude_none=True, exclude={"exclude_ids"})


def validate_llm_picks(
    reply: str, candidates: list[Candidate], slots: Slots, n_evidence: int
) -> list[Pick]:
    """Picks from the LLM's JSON, or LLMError saying what is wrong (ids not among the
    candidates, duplicates, too few picks, review ids that are not the pick's)."""
    data = parse_json_object(reply)
    raw = data.get("picks")
    if not isinstance(raw, list):
        raise LLMError("bad_selection", "no 'picks' list")
    by_id = {c.merchant_id: c for c in candidates}
    want = min(slots.count, len(candidates))
    picks: list[Pick] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, dict):
            raise LLMError("bad_selection", "a pick is not an object")
        mid = str(item.get("merchant_id", ""))
        if mid not in by_id:
            raise LLMError("wrong_ids", f"merchant_id {mid!r} is not among the candidates")
        if mid in seen:
            raise LLMError("wrong_ids", f"merchant_id {mid!r} picked twice")
        seen.add(mid)
        c = by_id[mid]
        reasons = [str(r) for r in item.get("reasons") or [] if str(r).strip()]
        if not reasons:
            raise LLMError("bad_selection", f"no reasons for {mid}")
        own = {e.review_id: e for e in c.snippets}
        cited = [str(r) for r in item.get("review_ids") or []]
        wrong = [r for r in cited if r not in own]
        if wrong:
            raise LLMError("wrong_ids", f"review ids {wrong} are not reviews of {mid}")
        weights = aspect_weights(slots)
        # The LLM's citations pass the same party rule as the offline ones.
        fitting = [r for r in cited if party_fit(own[r], slots) >= 0]
        evidence = [
            own[r].model_copy(update={"text": best_excerpt(own[r].text, weights)}) for r in fitting
        ][:n_evidence] or choose_evidence(c, slots, n_evidence)
        picks.append(
            _pick(c, [P.REASONS["llm"].format(text=r) for r in reasons], evidence, None, {})
        )
    if len(picks) < want:
        raise LLMError("bad_selection", f"{len(picks)} picks, {want} wanted")
    return picks[:want]


def llm_select(
    llm: ChatModel,
    question: str,
    candidates: list[Candidate],
    slots: Slots,
    n_evidence: int,
    retries: int,
) -> list[Pick]:
    messages = P.PALR.messages(
        count=min(slots.count, len(candidates)),
        question=question,
        profile=profile_text(slots),
        candidates=candidates_block(candidates),
    )
    last: LLMError | None = None
    for _ in range(retries + 1):
        reply = llm.complete(messages, json_mode=True)
        try:
            return validate_llm_picks(reply, candidates, slots, n_evidence)
        except LLMError as exc:
            last = exc
            from prompts.base import ChatMessage

            messages = [
                *messages,
                ChatMessage("assistant", reply),
                ChatMessage("user", P.PALR_RETRY.format(error=str(exc))),
            ]
    assert last is not None
    raise last
