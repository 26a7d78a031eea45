"""A small graph view of a read-only query result: nodes and relationships, laid out and
rendered as SVG (inline in the chat UI) or a standalone HTML page (the API's view).

The stores hand back plain dicts — nodes as `{"_id", "_labels", ...props}`, relationships as
`{"_id", "_type", "_start", "_end", ...props}`, paths as `{"nodes", "relationships"}` — so
the view is found by walking every value of every row, whatever the query returned.
Pure Python + numpy: no JavaScript and nothing fetched from a CDN, so it renders offline.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from graph_schema import model

MAX_NODES = 150  # beyond this a picture stops being readable; the table still has every row

# One colour per label, in the order of the graph model (stable across queries).
_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
_LABEL_COLOUR = {spec.label: _PALETTE[i % len(_PALETTE)] for i, spec in enumerate(model.NODES)}
_KEY_OF = {spec.label: spec.key for spec in model.NODES}


class GraphNode(BaseModel):
    id: str
    labels: list[str] = Field(default_factory=list)
    caption: str
    properties: dict[str, Any] = Field(default_factory=dict)


class GraphEdge(BaseModel):
    id: str
    type: str
    source: str
    target: str
    properties: dict[str, Any] = Field(default_factory=dict)


class GraphView(BaseModel):
    """Nodes and relationships found in a result; `truncated` when nodes were left out."""

    nodes: list[GraphNode] = Field(default_factory=list)
    edges: list[GraphEdge] = Field(default_factory=list)
    truncated: bool = False


def _is_node(value: dict[str, Any]) -> bool:
    return "_id" in value and "_labels" in value


def _is_edge(value: dict[str, Any]) -> bool:
    return "_id" in value and "_type" in value and "_start" in value and "_end" in value


def _caption(labels: list[str], props: dict[str, Any], node_id: str) -> str:
    for key in ("name", "title"):
        if isinstance(props.get(key), str) and props[key]:
            return str(props[key])
    for label in labels:
        id_prop = _KEY_OF.get(label)
        if id_prop and props.get(id_prop) is not None:
            return str(props[id_prop])
    return f"{labels[0] if labels else 'node'} {node_id}"


def _walk(value: Any) -> Iterable[dict[str, Any]]:
    if isinstance(value, dict):
        if _is_node(value) or _is_edge(value):
            yield value
            return
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk(v)


def describe(value: Any) -> str | None:
    """A short text for a node, relationship or path value (None for anything else):
    `(:Merchant) 소랑 흑돈가`, `[:LOCATED_IN]`, `path (3 nodes)`."""
    if not isinstance(value, dict):
        return None
    if _is_edge(value):
        return f"[:{value['_type']}]"
    if _is_node(value):
        labels = [str(x) for x in value.get("_labels") or []]
        props = {k: v for k, v in value.items() if not k.startswith("_")}
        return f"(:{':'.join(labels)}) {_caption(labels, props, str(value['_id']))}"
    if set(value) == {"nodes", "relationships"}:
        return f"path ({len(value['nodes'])} nodes)"
    return None


def graph_from_rows(rows: Iterable[dict[str, Any]], max_nodes: int = MAX_NODES) -> GraphView:
    """Collect the distinct nodes and relationships in `rows`. Relationships whose end nodes
    were not returned get a placeholder node so that no returned relationship is hidden."""
    nodes: dict[str, GraphNode] = {}
    edges: dict[str, GraphEdge] = {}
    truncated = False
    for row in rows:
        for item in _walk(row):
            props = {k: v for k, v in item.items() if not k.startswith("_")}
            if _is_edge(item):
                eid = str(item["_id"])
                if eid not in edges:
                    edges[eid] = GraphEdge(
                        id=eid,
                        type=str(item["_type"]),
                        source=str(item["_start"]),
                        target=str(item["_end"]),
                        properties=props,
                    )
                continue
            nid = str(item["_id"])
            if nid in nodes:
                continue
            if len(nodes) >= max_nodes:
                truncated = True
                continue
            labels = [str(x) for x in item.get("_labels") or []]
            nodes[nid] = GraphNode(
                id=nid, labels=labels, caption=_caption(labels, props, nid), properties=props
            )
    kept: list[GraphEdge] = []
    for edge in edges.values():
        for end in (edge.source, edge.target):
            if end not in nodes:
                if len(nodes) >= max_nodes:
                    truncated = True
                    break
                nodes[end] = GraphNode(id=end, caption=f"({end})")
        else:
            kept.append(edge)
    return GraphView(nodes=list(nodes.values()), edges=kept, truncated=truncated)


def layout(
    view: GraphView, width: float, height: float, iterations: int = 120
) -> dict[str, tuple[float, float]]:
    """Fruchterman–Reingold spring layout, started on a circle so it is deterministic."""
    n = len(view.nodes)
    if n == 0:
        return {}
    index = {node.id: i for i, node in enumerate(view.nodes)}
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pos = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 0.5  # [n 2]
    if n == 1:
        pos[:] = 0.0
    pairs = np.array(
        [(index[e.source], index[e.target]) for e in view.edges if e.source != e.target], dtype=int
    ).reshape(-1, 2)  # [E 2]
    k = 1.0 / np.sqrt(n)  # ideal edge length in the unit square
    temperature = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]  # [n n 2]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)  # [n n]
        force = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)  # repulsion
        if len(pairs):
            d = pos[pairs[:, 0]] - pos[pairs[:, 1]]  # [E 2]
            dl = np.maximum(np.linalg.norm(d, axis=1), 1e-3)[:, None]
            pull = d / dl * (dl * dl / k)  # attraction along edges
            np.add.at(force, pairs[:, 0], -pull)
            np.add.at(force, pairs[:, 1], pull)
        force -= pos * 0.05 * n * k  # gentle gravity keeps components on screen
        length = np.maximum(np.linalg.norm(force, axis=1), 1e-9)[:, None]
        pos += force / length * np.minimum(length, temperature)
        temperature *= 0.97
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo < 1e-9, 1.0, hi - lo)
    margin = 60.0
    scaled = (pos - lo) / span
    xs = margin + scaled[:, 0] * (width - 2 * margin) if n > 1 else np.full(n, width / 2)
    ys = margin + scaled[:, 1] * (height - 2 * margin) if n > 1 else np.full(n, height / 2)
    return {node.id: (float(xs[i]), float(ys[i])) for i, node in enumerate(view.nodes)}


def _colour(node: GraphNode) -> str:
    for label in node.labels:
        if label in _LABEL_COLOUR:
            return _LABEL_COLOUR[label]
    return "#999999"


def _short(text: str, n: int = 14) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def render_svg(view: GraphView, width: int = 760, height: int = 480) -> str:
    """An SVG picture of the view: coloured nodes with captions, arrows labelled with the
    relationship type, a legend of labels, properties as hover titles."""
    esc = html.escape
    pos = layout(view, width, height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="24" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#888"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if not view.nodes:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
            'fill="#666">(no nodes or relationships in this result)</text>'
        )
    for edge in view.edges:
        (x1, y1), (x2, y2) = pos[edge.source], pos[edge.target]
        props = json.dumps(edge.properties, ensure_ascii=False, default=str)
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            'stroke="#aaa" stroke-width="1.2" marker-end="url(#arrow)">'
            f"<title>{esc(edge.type)} {esc(props)}</title></line>"
        )
        parts.append(
            f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 3:.1f}" '
            f'text-anchor="middle" fill="#777" font-size="9">{esc(edge.type)}</text>'
        )
    for node in view.nodes:
        x, y = pos[node.id]
        title = esc(
            f"{':'.join(node.labels)} "
            + json.dumps(node.properties, ensure_ascii=False, default=str)[:600]
        )
        parts.append(
            f'<g><title>{title}</title><circle cx="{x:.1f}" cy="{y:.1f}" r="16" '
            f'fill="{_colour(node)}" stroke="#fff" stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{y + 29:.1f}" text-anchor="middle" fill="#222">'
            f"{esc(_short(node.caption))}</text></g>"
        )
    labels = sorted({label for node in view.nodes for label in node.labels})
    for i, label in enumerate(labels):
        colour = _LABEL_COLOUR.get(label, "#999999")
        parts.append(
            f'<circle cx="14" cy="{16 + i * 16}" r="5" fill="{colour}"/>'
            f'<text x="24" y="{20 + i * 16}" fill="#333">{esc(label)}</text>'
        )
    summary = f"{len(view.nodes)} nodes · {len(view.edges)} relationships"
    if view.truncated:
        summary += f" (first {len(view.nodes)} nodes shown)"
    parts.append(
        f'<text x="{width - 8}" y="{height - 8}" text-anchor="end" fill="#666">'
        f"{esc(summary)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def render_html(
    view: GraphView, title: str = "tripgraph · graph view", query: str | None = None
) -> str:
    """A self-contained HTML page with the SVG (no scripts, no external assets)."""
    esc = html.escape
    query_block = f"<pre>{esc(query)}</pre>" if query else ""
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        "<style>body{font-family:sans-serif;margin:16px;color:#222}"
        "pre{background:#f5f5f5;padding:8px;white-space:pre-wrap}</style></head><body>"
        f"<h3>{esc(title)}</h3>{query_block}{render_svg(view)}</body></html>"
    )
