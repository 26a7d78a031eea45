"""Make Chainlit's page independent of CDNs.

Chainlit's bundled index.html links Google Fonts (preconnect + stylesheet) and KaTeX CSS on
jsDelivr. Offline those requests fail — or, behind a firewall that drops packets, hang and
hold up rendering — although nothing here needs them (no LaTeX; fonts fall back to the system
fonts named in public/tripgraph.css). This ASGI middleware drops every `<link>` to an
external host from the HTML pages Chainlit serves; everything else passes through untouched.
"""

from __future__ import annotations

import gzip
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

EXTERNAL_LINK = re.compile(rb"<link\b[^>]*\bhref=[\"']https?://[^\"']*[\"'][^>]*>\s*", re.I)


def strip_external_links(html: bytes) -> bytes:
    return EXTERNAL_LINK.sub(b"", html)


class OfflinePageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_filtered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                types = {k.lower(): v for k, v in message.get("headers", [])}
                if types.get(b"content-type", b"").startswith(b"text/html"):
                    start = message  # hold back until the body is complete
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                # Chainlit gzips its responses (its GZip middleware sits inside this one).
                gzipped = any(
                    k.lower() == b"content-encoding" and v == b"gzip"
                    for k, v in start.get("headers", [])
                )
                body = strip_external_links(gzip.decompress(body) if gzipped else body)
                headers = [
                    (k, v)
                    for k, v in start.get("headers", [])
                    if k.lower() not in (b"content-length", b"content-encoding")
                ]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, send_filtered)


def install_offline_page(app: Any) -> None:
    """Add the middleware to Chainlit's FastAPI app (before the server starts)."""
    if not any(m.cls is OfflinePageMiddleware for m in app.user_middleware):
        app.add_middleware(OfflinePageMiddleware)
