"""Agent state: the typed values passed between nodes and the LangGraph state schemas.

Per-turn keys are overwritten by `understand` at the start of every turn; `history` is the
only key that accumulates across turns of a thread (it is what follow-ups refine). The turn
logs (`steps`, `notes`, `timings_ms`) accumulate over the nodes of one turn.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired, TypedDict

from langgraph.types import Overwrite
from pydantic import BaseModel, Field

from recsys_tools.nlu.labels import Intent  # one vocabulary: the NER model's is the agent's

Mode = Literal["llm", "offline", "fallback"]
PriceWish = Literal["cheap", "expensive"]


class Slots(BaseModel):
    """What the user asked for. Hard constraints: region/city (relaxable to nearby regions,
    always disclosed), category, menu, must_haves, price, max_avg_price; never relaxed:
    exclude_ids, exclude_categories, exclude_menus, exclude_regions, meal."""

    region: str | None = Field(None, description="Jeju region (읍·면·동) name, e.g. 애월읍")
    city: str | None = Field(None, description="제주시 / 서귀포시 when no region is given")
    area: str | None = Field(
        None, description="a side of the island named instead of a region (제주 동쪽), as said"
    )
    area_regions: list[str] = Field(
        default_factory=list, description="the regions `area` is searched as, together"
    )
    poi: str | None = Field(None, description="point of interest the region came from")
    category: str | None = Field(None, description="merchant category, e.g. 흑돼지")
    menu: str | None = Field(None, description="a dish, e.g. 한치물회")
    party: str | None = Field(
        None, description="가족/부모님/커플/친구/혼자/아이 (부모님: a party with elders)"
    )
    party_size: int | None = Field(None, ge=1, description="how many people, e.g. 8 (8명)")
    occasion: str | None = Field(
        None, description="birthday/anniversary/date/company_dinner/family_meal (soft)"
    )
    age_band: str | None = Field(None, description="20s/30s/40s/50plus")
    price: PriceWish | None = Field(None, description="cheap: price_level<=2, expensive: >=3")
    max_avg_price: int | None = Field(None, description="upper bound of avg spend (KRW)")
    must_haves: list[str] = Field(default_factory=list, description="boolean Merchant props")
    locals: bool = Field(
        False, description="where locals eat (현지인 맛집): ranked by the locals' share of reviews"
    )
    count: int = Field(3, ge=1, le=5, description="number of picks wanted")
    exclude_ids: list[str] = Field(default_factory=list, description="merchants not to show")
    not_in_graph: list[str] = Field(
        default_factory=list,
        description="asked for but not in the graph (술집, 부산); the answer says so",
    )
    unknown_place: str | None = Field(
        None,
        description="a place word the vocabulary does not hold (금능에서): the answer says it "
        "searched all of Jeju instead",
    )
    place_guess: str | None = Field(
        None,
        description="the Jeju place name an unknown place word may be a slip of (신상 → 신창): "
        "asked back in the answer, not applied (the word is a Korean word too)",
    )
    place_read: str | None = Field(
        None,
        description="a word no dictionary knows, read as a slip of `region` (중믄 → 중문동): "
        "the answer says how it was read",
    )
    unknown_food: str | None = Field(
        None,
        description="a dish the vocabulary does not hold (닭갈비 먹고 싶은데): the answer says "
        "the graph has none and picks by the rest of the ask",
    )
    meal_kind: str | None = Field(
        None,
        description="breakfast/light/soup (아침, 가벼운 거, 국물): with no food named, the "
        "kinds of place a local names for it are the stand_ins",
    )
    stand_ins: list[str] = Field(
        default_factory=list,
        description="categories searched instead of what the graph does not hold, nearest first",
    )
    exclude_categories: list[str] = Field(
        default_factory=list, description="categories the ask rules out (흑돼지 말고): never picked"
    )
    exclude_menus: list[str] = Field(
        default_factory=list, description="dishes the ask rules out: no merchant serving one"
    )
    exclude_regions: list[str] = Field(
        default_factory=list,
        description="regions moved away from ('애월 말고 카페'): no merchant there, on any rung",
    )
    meal: bool = Field(
        False, description="a meal ask (점심, 밥집) naming no cafe-kind food: no cafe is picked"
    )
    user_id: str | None = Field(None, description="user for personalised products")
    product_id: str | None = Field(None, description="product for 'viewed together'")
    merchant_name: str | None = Field(None, description="a merchant named in a graph question")
    product_city: str | None = Field(None, description="travel-product city (graph questions)")
    product_type: str | None = Field(None, description="package/hotel/activity")

    @property
    def place(self) -> str | None:
        """The place asked, as the answer names it: the region, else the city, else the side
        of the island."""
        return self.region or self.city or self.area


class Evidence(BaseModel):
    review_id: str
    text: str  # a verbatim excerpt of the review (one or more of its sentences)
    similarity: float | None = None
    party_type: str | None = None
    rating: int | None = None


class Candidate(BaseModel):
    merchant_id: str
    name: str
    region: str
    city: str | None = None
    category: str
    price_level: int | None = None
    avg_price: int | None = None
    rating: float | None = None
    review_count: int | None = None
    lat: float | None = None
    lon: float | None = None
    attributes: dict[str, bool] = Field(default_factory=dict)
    mix: dict[str, float] = Field(default_factory=dict)  # share_* and local_share
    sources: list[str] = Field(default_factory=list)  # cypher / vector / graph_embedding
    relaxed: list[str] = Field(default_factory=list)  # constraints relaxed to admit it
    # Which rung of the relaxation ladder admitted it (0: meets every constraint); picks are
    # ranked by rung first, so a closer relaxation always comes before a farther one.
    relax_rank: int = 0
    distance_km: float | None = None  # from the asked region's centre, when one was asked
    similarity: float | None = None  # HyDE similarity of its best reviews
    snippets: list[Evidence] = Field(default_factory=list)


class Pick(BaseModel):
    merchant_id: str
    name: str
    region: str
    category: str
    rating: float | None = None
    price_level: int | None = None
    avg_price: int | None = None
    reasons: list[str]
    evidence: list[Evidence]
    score: float | None = Field(
        None, ge=0, le=100, description="0-100 match with the ask (offline scorer; None: LLM)"
    )
    score_parts: dict[str, float] = Field(
        default_factory=dict, description="the parts of the match, each 0-1 (see selection)"
    )
    relaxed: list[str] = Field(default_factory=list)
    relax_rank: int = Field(0, description="relaxation rung that admitted it (0: none)")
    distance_km: float | None = Field(None, description="km from the asked region's centre")


class StepMode(BaseModel):
    """How one LLM-capable step ran: llm, offline (no endpoint) or fallback (with reason)."""

    step: str
    mode: Mode
    reason: str | None = None
    detail: str | None = None  # which offline implementation ran, e.g. the understanding path


UnderstandingPath = Literal["gazetteer", "model", "model_intent", "hybrid"]


class Understanding(BaseModel):
    """Which offline reader produced the intent and slots of a turn, and what the NER +
    intent model proposed (kept even when the policy did not use it, for inspection)."""

    path: UnderstandingPath = Field(description="the path that ran (see agent.understand)")
    policy: UnderstandingPath = Field(description="the configured policy")
    intent_source: Literal["gazetteer", "model"] = Field(description="who decided the intent")
    slot_source: Literal["gazetteer", "model"] = Field(description="who filled the slots")
    model: str | None = Field(None, description="serving NER model, e.g. crf_aug; None: none")
    model_intent: Intent | None = Field(None, description="the model's intent (agent labels)")
    model_intent_score: float | None = None
    entities: list[dict[str, Any]] = Field(
        default_factory=list, description="the model's spans: label, text, start, end"
    )
    note: str | None = Field(None, description="why the model did not run, when it did not")


class CypherAttempt(BaseModel):
    cypher: str
    error: str | None = None


class ToolOutcome(BaseModel):
    """What a tool intent's adapter (`agent.tools`) returned; the field order is the order
    of the answer's JSON."""

    available: bool = Field(description="False: the tool lacks what it needs (said in detail)")
    feature: str = Field(description="the tool's name in the answer, e.g. 일정 → 패키지 매칭")
    kind: str = Field("", description="the answer's renderer: products / itinerary / mapping / ''")
    items: list[dict[str, Any]] = Field(default_factory=list)
    detail: str = ""
    data: dict[str, Any] = Field(
        default_factory=dict, description="the tool's typed result, dumped"
    )


class GraphResult(BaseModel):
    """How `graph_query` answered: `kind` is the offline template's name
    (`agent.cypher.GraphQuery.kind`), `llm`, `raw_cypher` (the user's own query) or
    `unsupported`; `summary` is the answer's sentence (left out when the answer builds it
    from the rows, or there is none)."""

    kind: str
    summary: str | None = Field(None, exclude_if=lambda v: v is None)


class GraphRefused(BaseModel):
    """The user's own Cypher, refused by the read-only gates (why, in `refused`)."""

    refused: str


# The `tool_result` of a turn: a tool's outcome, or how a graph question went.
ToolResult = ToolOutcome | GraphResult | GraphRefused


class Turn(BaseModel):
    """What a follow-up in the same thread can refine."""

    question: str
    intent: Intent
    slots: Slots
    picks: list[Pick] = Field(default_factory=list)


def keep_recent_turns(old: list[Turn], new: list[Turn]) -> list[Turn]:
    return (list(old or []) + list(new or []))[-10:]


# The turn logs (`steps`, `notes`, `timings_ms`): each node returns only its own entries
# and the reducers add them up. The first node of a turn replaces them instead
# (`starting_turn`): the thread's checkpoint still holds the previous turn's.
def add_timings(old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    return {**old, **new}


TURN_LOGS = ("steps", "notes", "timings_ms")


def starting_turn(update: dict[str, Any]) -> dict[str, Any]:
    """The update of a turn's first node, its turn logs written over the previous turn's
    (LangGraph's `Overwrite` bypasses the reducer) instead of added to them."""
    return {k: Overwrite(v) if k in TURN_LOGS else v for k, v in update.items()}


class InputState(TypedDict):
    question: str
    # Who asks (PALR's personalisation): kept across the turns of a thread; None: nobody.
    user_id: NotRequired[str | None]


class State(InputState, total=False):
    history: Annotated[list[Turn], keep_recent_turns]
    intent: Intent
    slots: Slots
    followup: bool
    cypher: str | None
    cypher_params: dict[str, Any]
    cypher_attempts: list[CypherAttempt]
    candidates: list[Candidate]
    # Merchants serving the asked dish (None: no dish asked), read once by `hyde` for
    # `backfill` and `relax` too.
    menu_ids: list[str] | None
    hyde_text: str | None
    picks: list[Pick]
    graph_rows: list[dict[str, Any]]
    tool_result: ToolResult | None
    understanding: Understanding
    steps: Annotated[list[StepMode], operator.add]
    notes: Annotated[list[str], operator.add]
    timings_ms: Annotated[dict[str, float], add_timings]  # node name → ms
    answer: str


class OutputState(TypedDict, total=False):
    """What a turn reports (`AgentService` builds its `AgentAnswer` from these keys)."""

    intent: Intent
    slots: Slots
    cypher: str | None
    cypher_params: dict[str, Any]
    cypher_attempts: list[CypherAttempt]
    hyde_text: str | None
    picks: list[Pick]
    graph_rows: list[dict[str, Any]]
    tool_result: ToolResult | None
    understanding: Understanding
    steps: list[StepMode]
    notes: list[str]
    timings_ms: dict[str, float]
    answer: str


STATE_TYPES = (
    Slots,
    Evidence,
    Candidate,
    Pick,
    StepMode,
    CypherAttempt,
    Turn,
    Understanding,
    ToolOutcome,
    GraphResult,
    GraphRefused,
)
