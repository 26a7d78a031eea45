"""PALR selection: the final picks out of at most `max_candidates` candidates.

Offline (and fallback): a transparent scorer. Every part of the score is reported
(`Pick.score_parts`) and every reason is either a number from the graph or a verbatim
excerpt of one of the pick's own reviews, cited by review_id.

    score = 0.35·sim + 0.20·rating + 0.15·party_mix + 0.10·age_mix + 0.10·party_reviews
            + 0.10·fit − 0.30·(number of relaxed constraints)

sim: HyDE similarity of the two best reviews (0 when unknown); rating: (rating − 1) / 4;
party_mix / age_mix: the merchant's share of the user's party / age band, scaled so 50 %
counts as 1; party_reviews: share of the cited reviews written by the same party; fit:
share of the party's implied wishes (부모님 → quiet, parking; 아이 → kid_friendly; …) met.
"""

from __future__ import annotations

import re
from typing import Any

from agent.llm import ChatModel, LLMError, parse_json_object
from agent.state import Candidate, Evidence, Pick, Slots
from ingest import gazetteer as gz
from prompts import agent as P

WEIGHTS = {
    "sim": 0.35,
    "rating": 0.20,
    "party_mix": 0.15,
    "age_mix": 0.10,
    "party_reviews": 0.10,
    "fit": 0.10,
}
RELAX_PENALTY = 0.30
IMPLIED_WISHES = {
    "부모님": ("quiet", "parking"),
    "아이": ("kid_friendly", "parking"),
    "가족": ("parking", "group_seating"),
    "친구": ("group_seating",),
    "커플": ("ocean_view",),
    "혼자": ("quiet",),
}
PARENT_AGE = "50plus"
_SENTENCE = re.compile(r"[^.!?~\n]+[.!?~]*[ \n]*")
# Sentences with these are complaints: true, but not a reason to go.
NEGATIVE_MARKERS = (
    "아쉽",
    "아쉬",
    "별로",
    "불친절",
    "실망",
    "하지만",
    "그런데",
    "다만",
    "ㅜ",
    "ㅠ",
    "비계",
    "정신없",
    "기다렸",
    "웨이팅이",
    "적어요",
    "적고",
    "비싸",
    "평범",
    "그저",
)


def aspect_words(slots: Slots) -> list[str]:
    words: list[str] = []
    if slots.party:
        words += [slots.party, *gz.PARTY_WORDS.get(slots.party, ())]  # type: ignore[call-overload]
    for attr in [*slots.must_haves, *IMPLIED_WISHES.get(slots.party or "", ())]:
        words += list(gz.ATTRIBUTE_WORDS.get(attr, ()))  # type: ignore[call-overload]
    if slots.category:
        words += [slots.category, *gz.CATEGORY_ALIASES.get(slots.category, ())]
    if slots.menu:
        words.append(slots.menu)
    if slots.price == "cheap":
        words += list(gz.PRICE_WORDS["cheap"])
    words += ["맛있", "친절"]
    return [w for w in dict.fromkeys(words) if len(w) >= 2]


def best_excerpt(text: str, words: list[str], max_chars: int = 90) -> str:
    """The review's most relevant sentence (plus the next one when short), verbatim."""
    sentences = [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    if not sentences:
        return text[:max_chars]
    scores = [
        sum(1 for w in words if w in s) - 2 * sum(1 for w in NEGATIVE_MARKERS if w in s)
        for s in sentences
    ]
    i = max(range(len(sentences)), key=lambda j: (scores[j], -j))
    excerpt = sentences[i]
    if len(excerpt.strip()) < 25 and i + 1 < len(sentences) and scores[i + 1] >= 0:
        excerpt += sentences[i + 1]
    excerpt = excerpt.strip()
    return excerpt if len(excerpt) <= max_chars else excerpt[:max_chars].rstrip()


def choose_evidence(c: Candidate, slots: Slots, n: int) -> list[Evidence]:
    """The pick's own reviews that best support the request: same party first, then
    aspect words, then HyDE similarity."""
    words = aspect_words(slots)

    def key(e: Evidence) -> tuple[int, int, int, float]:
        positive = int((e.rating or 0) >= 4)
        same_party = int(bool(slots.party) and e.party_type == slots.party)
        hits = sum(1 for w in words if w in e.text)
        return (positive, same_party, hits, e.similarity or 0.0)

    ranked = sorted(c.snippets, key=key, reverse=True)[:n]
    return [e.model_copy(update={"text": best_excerpt(e.text, words)}) for e in ranked]


def _share(c: Candidate, key: str) -> float:
    return min(1.0, c.mix.get(key, 0.0) / 0.5)


def score_candidate(c: Candidate, slots: Slots, evidence: list[Evidence]) -> dict[str, float]:
    parts: dict[str, float] = {}
    parts["sim"] = max(0.0, c.similarity or 0.0)
    parts["rating"] = max(0.0, ((c.rating or 1.0) - 1.0) / 4.0)
    party_key = P.PARTY_SHARE_KEYS.get(slots.party or "")
    parts["party_mix"] = _share(c, party_key[0]) if party_key else 0.0
    age = slots.age_band or (PARENT_AGE if slots.party == "부모님" else None)
    age_key = P.AGE_SHARE_KEYS.get(age or "")
    parts["age_mix"] = _share(c, age_key[0]) if age_key else 0.0
    parts["party_reviews"] = (
        sum(1 for e in evidence if e.party_type == slots.party) / len(evidence)
        if slots.party and evidence
        else 0.0
    )
    wishes = IMPLIED_WISHES.get(slots.party or "", ())
    parts["fit"] = sum(1 for w in wishes if c.attributes.get(w)) / len(wishes) if wishes else 0.0
    return {k: round(v, 4) for k, v in parts.items()}


def total(parts: dict[str, float], relaxed: int) -> float:
    return round(sum(WEIGHTS[k] * v for k, v in parts.items()) - RELAX_PENALTY * relaxed, 4)


def offline_reasons(
    c: Candidate, slots: Slots, parts: dict[str, float], evidence: list[Evidence]
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
    wanted = list(dict.fromkeys([*slots.must_haves, *IMPLIED_WISHES.get(slots.party or "", ())]))
    for attr in wanted:
        if c.attributes.get(attr):
            reasons.append(P.REASONS["attribute"].format(label=P.ATTRIBUTE_LABELS[attr]))
    if slots.party:
        n = sum(1 for e in c.snippets if e.party_type == slots.party)
        if n:
            reasons.append(P.REASONS["party_reviews"].format(party=slots.party, n=n))
    if parts.get("sim"):
        reasons.append(P.REASONS["similarity"].format(sim=f"{parts['sim']:.2f}"))
    for e in evidence[:1]:
        reasons.append(P.REASONS["quote"].format(text=e.text, review_id=e.review_id))
    return reasons


def shortlist(candidates: list[Candidate], k: int) -> list[Candidate]:
    """At most k candidates for selection: unrelaxed first, then by similarity and rating."""

    def key(c: Candidate) -> tuple[int, float]:
        prelim = 0.6 * max(0.0, c.similarity or 0.0) + 0.4 * ((c.rating or 1.0) - 1.0) / 4.0
        return (len(c.relaxed), -prelim)

    return sorted(candidates, key=key)[:k]


def offline_select(candidates: list[Candidate], slots: Slots, n_evidence: int) -> list[Pick]:
    scored = []
    for c in candidates:
        evidence = choose_evidence(c, slots, n_evidence)
        parts = score_candidate(c, slots, evidence)
        scored.append((total(parts, len(c.relaxed)), c, parts, evidence))
    scored.sort(key=lambda x: (-x[0], x[1].merchant_id))
    return [
        _pick(c, offline_reasons(c, slots, parts, evidence), evidence, score, parts)
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
        words = aspect_words(slots)
        evidence = [
            own[r].model_copy(update={"text": best_excerpt(own[r].text, words)}) for r in cited
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


def evidence_pairs(picks: list[Pick]) -> list[dict[str, Any]]:
    return [
        {"review_id": e.review_id, "merchant_id": p.merchant_id} for p in picks for e in p.evidence
    ]
