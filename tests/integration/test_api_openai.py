"""The OpenAI-compatible endpoint through the official `openai` client against a real
`tripgraph serve` process (uvicorn) over the tiny embedded graph: models, a completion with
its structured picks, a follow-up turn that refines the first, streaming (stage chunks, text
deltas, the answer on the last chunk, `[DONE]`), memory rebuilt for a transcript the server
has not seen, the bearer token, and OpenAI-shaped 4xx errors for bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.integration.test_api_contract import QUESTION, tiny_graph_env
from tests.processes import free_port as _free_port
from tripgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

TOKEN = "openai-test-token"
FOLLOW_UP = "다른 곳도 알려줘"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {**os.environ, **tiny_graph_env(tmp_path_factory), "TRIPGRAPH_API_TOKEN": TOKEN}
    port = _free_port()
    log = tmp_path_factory.mktemp("openai-api") / "serve.log"
    tripgraph = Path(sys.executable).parent / "tripgraph"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(tripgraph), "serve", "--port", str(port), "--log-level", "warning"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited with {proc.returncode}: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"serve not up after 120 s: {log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)  # uvicorn's shutdown closes the store
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key=TOKEN, max_retries=0, timeout=120)


def _extra(obj: Any, name: str) -> Any:
    return (obj.model_extra or {}).get(name)


def test_models(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["tripgraph"]


def test_completion_then_follow_up_refines_it(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="tripgraph", messages=[{"role": "user", "content": QUESTION}]
    )
    assert first.object == "chat.completion" and first.choices[0].finish_reason == "stop"
    text = first.choices[0].message.content
    answer = _extra(first, "tripgraph")
    assert text and text == answer["answer"]
    assert answer["mode"] == "offline" and answer["slots"]["region"] == "애월읍"
    assert len(answer["picks"]) == 3 and all(p["evidence"] for p in answer["picks"])
    assert all(p["name"] in text for p in answer["picks"])

    follow = client.chat.completions.create(
        model="tripgraph",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},  # ignored
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": text},
            {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
        ],
    )
    again = _extra(follow, "tripgraph")
    assert again["thread_id"] == answer["thread_id"]  # the same agent thread, continued
    assert again["slots"]["region"] == "애월읍" and again["slots"]["category"] == "흑돼지"
    assert {p["merchant_id"] for p in again["picks"]}.isdisjoint(
        {p["merchant_id"] for p in answer["picks"]}
    )
    assert not any("복원" in n for n in again["notes"])  # nothing had to be replayed


def test_streaming_and_a_streamed_follow_up(client: openai.OpenAI) -> None:
    def stream(messages: list[dict[str, Any]]) -> tuple[str, dict[str, Any], list[str]]:
        chunks = list(
            client.chat.completions.create(model="tripgraph", messages=messages, stream=True)  # type: ignore[arg-type]
        )
        assert {c.object for c in chunks} == {"chat.completion.chunk"}
        assert len({c.id for c in chunks}) == 1
        assert chunks[0].choices[0].delta.role == "assistant"
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
        stages = [s["stage"] for c in chunks if (s := _extra(c, "tripgraph_stage"))]
        text = "".join(c.choices[0].delta.content or "" for c in chunks)
        return text, _extra(chunks[-1], "tripgraph"), stages

    text, answer, stages = stream([{"role": "user", "content": QUESTION}])
    assert stages[:1] == ["understand"] and "select" in stages and stages[-1] == "answer"
    assert text == answer["answer"] and len(answer["picks"]) == 3
    text2, answer2, _ = stream(
        [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": text},
            {"role": "user", "content": FOLLOW_UP},
        ]
    )
    assert answer2["thread_id"] == answer["thread_id"] and text2 == answer2["answer"]
    assert {p["merchant_id"] for p in answer2["picks"]}.isdisjoint(
        {p["merchant_id"] for p in answer["picks"]}
    )


def test_stream_ends_with_done(base_url: str) -> None:
    body = {"model": "tripgraph", "stream": True, "messages": [{"role": "user", "content": "안녕"}]}
    with httpx.stream(
        "POST",
        f"{base_url}/v1/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        frames = [f for f in r.read().decode().split("\n\n") if f.strip()]
    assert all(f.startswith("data: ") for f in frames)
    assert frames[-1] == "data: [DONE]" and '"finish_reason":"stop"' in frames[-2]


def test_unknown_transcript_rebuilds_the_thread(client: openai.OpenAI) -> None:
    """An assistant message this server never wrote (another worker, a restart): a new
    thread whose memory comes from asking the earlier user message again."""
    done = client.chat.completions.create(
        model="tripgraph",
        messages=[
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "(an answer from before the restart)"},
            {"role": "user", "content": FOLLOW_UP},
        ],
    )
    answer = _extra(done, "tripgraph")
    assert answer["thread_id"].startswith("oai-")
    assert answer["slots"]["region"] == "애월읍" and len(answer["picks"]) == 3
    assert any("1턴" in n for n in answer["notes"])


def test_explicit_thread_id(client: openai.OpenAI) -> None:
    done = client.chat.completions.create(
        model="tripgraph",
        messages=[{"role": "user", "content": QUESTION}],
        extra_body={"thread_id": "client-held-1"},
    )
    assert _extra(done, "tripgraph")["thread_id"] == "client-held-1"


def test_errors_are_openai_shaped_and_never_500(base_url: str, client: openai.OpenAI) -> None:
    wrong = openai.OpenAI(base_url=f"{base_url}/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()
    with pytest.raises(openai.NotFoundError) as nf:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert nf.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as br:
        client.chat.completions.create(
            model="tripgraph", messages=[{"role": "assistant", "content": "hi"}]
        )
    assert br.value.code == "last_message_not_user"
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="tripgraph", messages=[{"role": "user", "content": " \x00 "}]
        )
    with pytest.raises(openai.UnprocessableEntityError) as ue:
        client.chat.completions.create(model="tripgraph", messages=[])
    assert ue.value.body and ue.value.body["type"] == "invalid_request_error"  # type: ignore[index]

    auth = {"Authorization": f"Bearer {TOKEN}"}
    bad_bodies: list[Any] = [
        None,
        [],
        {"model": "tripgraph"},
        {"model": "tripgraph", "messages": [{"role": "user", "content": [{"type": "image"}]}]},
        {"model": "tripgraph", "messages": [{"role": "robot", "content": "x"}]},
        {"model": "tripgraph", "messages": [{"role": "user", "content": "x" * 30_000}]},
        {"model": "tripgraph", "n": 2, "messages": [{"role": "user", "content": "x"}]},
        {"model": "tripgraph", "thread_id": "../../etc", "messages": [{"role": "user"}]},
    ]
    for body in bad_bodies:
        r = httpx.post(f"{base_url}/v1/chat/completions", json=body, headers=auth, timeout=60)
        assert r.status_code in (400, 422), (body, r.status_code, r.text)
        assert set(r.json()["error"]) == {"message", "type", "param", "code"}
    r = httpx.post(
        f"{base_url}/v1/chat/completions",
        content=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["error"]["type"] == "invalid_request_error"
