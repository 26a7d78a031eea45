"""The OpenAI conversation → agent thread mapping, without a server: which thread a
transcript continues, what is replayed when it is unknown, what the last message must be."""

from __future__ import annotations

import pytest

from agent.api import ApiError
from agent.openai_compat import (
    REPLAY_TURNS,
    ChatCompletionRequest,
    ConversationThreads,
    plan_turn,
    text_deltas,
    transcript_of,
)


def _req(*messages: tuple[str, str], **extra: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "tripgraph", "messages": [{"role": r, "content": c} for r, c in messages]} | extra
    )


def test_first_turn_is_a_new_thread_and_the_answer_names_the_next() -> None:
    threads = ConversationThreads()
    turn = plan_turn(_req(("user", "애월 흑돼지집 추천해줘")), threads)
    assert turn.thread_id.startswith("oai-") and turn.replay == []
    threads.remember([*turn.transcript, ("assistant", "답 1")], turn.thread_id)
    follow = plan_turn(
        _req(
            ("system", "be nice"),  # not part of the transcript
            ("user", "애월 흑돼지집 추천해줘"),
            ("assistant", " 답 1\n"),  # clients may trim or pad: compared stripped
            ("user", "다른 곳도"),
        ),
        threads,
    )
    assert follow.thread_id == turn.thread_id and follow.replay == []
    assert follow.question == "다른 곳도"


def test_two_conversations_with_the_same_first_question_stay_apart() -> None:
    threads = ConversationThreads()
    a = plan_turn(_req(("user", "흑돼지")), threads)
    b = plan_turn(_req(("user", "흑돼지")), threads)
    assert a.thread_id != b.thread_id


def test_a_transcript_is_continued_once() -> None:
    """Regenerating an answer (the same transcript again) must not stack a turn onto the
    thread the first request already moved on: it gets a new thread, rebuilt by replay."""
    threads = ConversationThreads()
    first = plan_turn(_req(("user", "흑돼지")), threads)
    threads.remember([*first.transcript, ("assistant", "답")], first.thread_id)
    history = (("user", "흑돼지"), ("assistant", "답"), ("user", "다른 곳"))
    again = plan_turn(_req(*history), threads)
    regenerated = plan_turn(_req(*history), threads)
    assert again.thread_id == first.thread_id and again.replay == []
    assert regenerated.thread_id != first.thread_id and regenerated.replay == ["흑돼지"]


def test_unknown_transcript_replays_the_last_user_messages() -> None:
    threads = ConversationThreads()
    history: list[tuple[str, str]] = []
    for i in range(REPLAY_TURNS + 2):
        history += [("user", f"질문 {i}"), ("assistant", f"답 {i}")]
    turn = plan_turn(_req(*history, ("user", "마지막")), threads)
    assert turn.replay == [f"질문 {i}" for i in range(2, REPLAY_TURNS + 2)]


def test_explicit_thread_id_wins() -> None:
    turn = plan_turn(
        _req(("user", "a"), ("assistant", "b"), ("user", "c"), thread_id="mine"),
        ConversationThreads(),
    )
    assert turn.thread_id == "mine" and turn.replay == []


@pytest.mark.parametrize(
    "messages",
    [
        [("assistant", "hi")],
        [("system", "only a system prompt")],
        [("user", "   ")],
        [("user", "x" * 2001)],
    ],
)
def test_requests_the_agent_cannot_take_are_400(messages: list[tuple[str, str]]) -> None:
    with pytest.raises(ApiError) as err:
        plan_turn(_req(*messages), ConversationThreads())
    assert err.value.status == 400


def test_text_parts_are_joined_and_the_map_is_bounded() -> None:
    req = ChatCompletionRequest.model_validate(
        {
            "model": "tripgraph",
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
                }
            ],
        }
    )
    assert transcript_of(req.messages) == [("user", "a\nb")]
    threads = ConversationThreads(capacity=2)
    for i in range(3):
        threads.remember([("user", str(i))], f"t{i}")
    assert threads.claim([("user", "0")]) is None and threads.claim([("user", "2")]) == "t2"


def test_text_deltas_concatenate_back() -> None:
    text = "1. 가게\n   이유\n\n2. 다른 가게"
    assert "".join(text_deltas(text)) == text and len(text_deltas(text)) == 4
    assert text_deltas("") == [""]
