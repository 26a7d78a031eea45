"""Prompt templates of the mapping LLM steps (few-shot): the project's one template type
(`prompts.base.ChatPrompt`), which declares its inputs and refuses to render without them."""

from __future__ import annotations

from prompts.base import ChatPrompt, PromptTemplate


def chat_messages(prompt: ChatPrompt, **values: str) -> list[dict[str, str]]:
    """The prompt as OpenAI chat messages (what the batch requests carry)."""
    return [m.to_openai() for m in prompt.messages(**values)]


PICK = ChatPrompt(
    "mapping.pick",
    system=PromptTemplate(
        "mapping.pick.system",
        "You match places between two databases. Given one internal place and numbered "
        "candidates from an external database, answer with the number of the candidate that is "
        "the same place, or 0 if none is. A different branch of the same brand, a station, "
        "parking lot or shop next to a sight, or another alley with a similar name is NOT the "
        "same place. Answer with the number only.",
    ),
    user=PromptTemplate(
        "mapping.pick.user",
        "Example 1\nInternal: 호젠지 요코초 / Hozenji Yokocho | 일본 오사카 호젠지 요코초 3-4 | "
        "attraction\n1. Janjan Yokocho Alley | tourist_attraction | 2300 m\n"
        "2. Hozenji Yokocho | tourist_attraction | 12 m\nAnswer: 2\n\n"
        "Example 2\nInternal: 사쿠라 라멘 난바점 / Sakura Ramen Namba | restaurant\n"
        "1. Sakura Ramen Umeda | restaurant | 180 m\nAnswer: 0\n\n"
        "Now\nInternal: {internal}\n{candidates}\nAnswer:",
        ("internal", "candidates"),
    ),
)

VERIFY = ChatPrompt(
    "mapping.verify",
    system=PromptTemplate(
        "mapping.verify.system",
        "Decide whether two place records name the same place (not merely a nearby one). "
        "Answer yes or no.",
    ),
    user=PromptTemplate(
        "mapping.verify.user",
        "Example\nA: 킹 우동 하카타점 / King Udon Hakata | restaurant\n"
        "B: Knig Udon Hakata | restaurant | 20 m apart\nAnswer: yes\n\n"
        "Example\nA: 에펠탑 / Eiffel Tower | attraction\n"
        "B: Eiffel Tower Parking | store | 300 m apart\nAnswer: no\n\n"
        "Now\nA: {internal}\nB: {external}\nAnswer:",
        ("internal", "external"),
    ),
)
