"""The chat UI in a real browser: `tripgraph ui` on a free loopback port over the tiny
embedded graph, driven by Debian's headless Chromium through Playwright.

Every request to a host other than the UI's own is blocked (and recorded): the page must load
and answer without the CDNs Chainlit's bundle links. Screenshots go to runs/screenshots/;
UPDATE_SCREENSHOTS=1 also refreshes the copy under docs/screenshots/ that the README shows.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_api_contract import QUESTION, tiny_graph_env
from tests.processes import free_port as _free_port
from tripgraph.settings import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = PROJECT_ROOT / "runs" / "screenshots"
DOC_SHOTS = PROJECT_ROOT / "docs" / "screenshots"
STAGES = [
    "① 질문 이해 · 슬롯",
    "② Text2Cypher · 1차 후보",
    "③ HyDE 리뷰 검색 · 재정렬",
    "⑤ 최종 선택 · 근거 리뷰",
]


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"UI exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"UI not up after {timeout:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def ui_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is missing: apt-get install -y chromium "
            "(scripts/system-deps.sh installs it)"
        )
    env = {**os.environ, **tiny_graph_env(tmp_path_factory)}
    port = _free_port()
    log = tmp_path_factory.mktemp("ui") / "ui.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "tripgraph"), "ui", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc, log, timeout=240)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def send(page: Any, text: str) -> None:
    """Type into the composer and submit; the button is enabled once the socket is up."""
    from playwright.sync_api import expect

    composer = page.locator("#chat-input")
    composer.fill(text)
    page.locator("#chat-submit").click(timeout=60_000)
    expect(composer).to_have_value("", timeout=30_000)


# The tallest scrollable element: Chainlit scrolls the conversation inside a container, so a
# full-page screenshot needs a viewport tall enough to hold all of it.
_CONTENT_HEIGHT = """() => Math.max(0, ...[...document.querySelectorAll('*')]
  .filter(e => /auto|scroll/.test(getComputedStyle(e).overflowY))
  .map(e => e.scrollHeight))"""


def screenshot(page: Any, path: Path) -> None:
    page.wait_for_timeout(400)  # steps animate open
    height = min(int(page.evaluate(_CONTENT_HEIGHT)) + 260, 8000)
    page.set_viewport_size({"width": 1280, "height": max(height, 900)})
    page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.timeout(600)  # a loaded CI machine: building the graph + starting the UI
def test_ui_answers_with_steps_and_three_picks(ui_url: str) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", route.request.url)
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.goto(ui_url, wait_until="domcontentloaded")

            # Starter questions (Korean) are offered on a new thread.
            expect(page.get_by_text("애월 · 부모님 · 흑돼지")).to_be_visible(timeout=60_000)

            send(page, QUESTION)
            for title in STAGES:
                expect(page.get_by_text(title).first).to_be_visible(timeout=120_000)
            # The answer: three picks, each with a cited review.
            answer = page.locator('[data-step-type="assistant_message"]').last
            picks = answer.locator(".font-bold", has_text=re.compile(r"^[123]\. "))
            expect(picks).to_have_count(3, timeout=120_000)
            expect(answer.get_by_text(re.compile(r"^오프라인 모드 · "))).to_be_visible()
            expect(answer.get_by_text(re.compile(r"리뷰 R\d+")).first).to_be_visible()
            screenshot(page, SHOTS / "ui.png")

            # Read-only Cypher from the chat, drawn as a graph; a write is refused.
            send(
                page,
                "/cypher MATCH (m:Merchant)-[r:LOCATED_IN]->(p:Place {name: '애월읍'}) "
                "RETURN m, r, p LIMIT 8",
            )
            graph = page.locator("img[alt='graph.svg']").last
            expect(graph).to_be_visible(timeout=60_000)
            expect(page.get_by_text(re.compile(r"노드 \d+ · 관계 \d+"))).to_be_visible()
            graph.evaluate("img => img.decode()")  # drawn, not just in the DOM
            assert graph.evaluate("img => img.naturalWidth") > 0
            # Tall enough that the fixed composer does not cover the message.
            page.set_viewport_size({"width": 1280, "height": 2400})
            page.wait_for_timeout(400)
            page.locator('[data-step-type="assistant_message"]').last.screenshot(
                path=str(SHOTS / "ui-cypher.png")
            )
            page.set_viewport_size({"width": 1280, "height": 900})
            send(page, "/cypher MATCH (n) DETACH DELETE n")
            refused = page.get_by_text("읽기 전용 쿼리만 실행할 수 있어요")
            expect(refused).to_be_visible(timeout=60_000)
        finally:
            browser.close()

    # The page asked for the CDNs only if the offline filter failed; record what was blocked.
    assert not [u for u in blocked if "fonts.g" in u or "katex" in u], blocked
    assert (SHOTS / "ui.png").stat().st_size > 20_000
    if os.environ.get("UPDATE_SCREENSHOTS"):
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        for name in ("ui.png", "ui-cypher.png"):
            shutil.copy(SHOTS / name, DOC_SHOTS / name)
