"""A question template (`templates.py`) rendered into a labelled `Example`: slot values
drawn or given, Korean particles resolved from the value before them, optional parts kept
or dropped, surface variation of the literal text and of the ending (`surface.py`), and
span offsets kept right through it all. `rerender` renders an example's template again
with other slot values, the way it was rendered first (augmentation, negatives)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from recsys_tools.nlu.examples import Example, Span
from recsys_tools.nlu.labels import Intent
from recsys_tools.nlu.surface import vary, vary_ending
from recsys_tools.nlu.templates import TEMPLATES


def template_text(template_id: str) -> str:
    return TEMPLATES[template_id]


def template_intent(template_id: str) -> Intent:
    return template_id.split("/", 1)[0]  # type: ignore[return-value]


def template_family(template_id: str) -> str:
    return template_id.rsplit("/", 1)[0]


_PART = re.compile(r"\[[^\]]*\]|\{[A-Z]+\}|[^\[{]+")
_JOSA = re.compile(r"^\((이|으|은|을|와)\)(랑|로|는|가|를|과|야)")


def _has_batchim(ch: str) -> bool:
    code = ord(ch) - 0xAC00
    return 0 <= code < 11172 and code % 28 != 0


def _rieul_batchim(ch: str) -> bool:
    code = ord(ch) - 0xAC00
    return 0 <= code < 11172 and code % 28 == 8


def _josa(prev: str, marker: re.Match[str]) -> str:
    a, b = marker.group(1), marker.group(2)
    batchim = _has_batchim(prev)
    if a == "와":  # (와)과: 과 after 받침
        return "과" if batchim else "와"
    if a == "으":  # (으)로: 로 after ㄹ 받침 too
        return "으로" if batchim and not _rieul_batchim(prev) else "로"
    if a == "이" and b in ("랑", "야"):
        return "이" + b if batchim else b
    pairs = {"은": ("은", "는"), "을": ("을", "를"), "이": ("이", "가")}
    yes, no = pairs[a]
    return yes if batchim else no


@dataclass
class _Renderer:
    """Turns a template into an Example, drawing values through `pick(slot) -> (label, value)`."""

    rng: random.Random | None = None  # set: literals get surface variation
    text: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    fills: list[tuple[str, str]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return sum(len(t) for t in self.text)

    def literal(self, s: str) -> None:
        m = _JOSA.match(s)
        if m:
            prev = self.text[-1][-1] if self.text and self.text[-1] else ""
            s = _josa(prev, m) + s[m.end() :]
        if self.rng is not None:
            s = vary(s, self.rng)
        self.text.append(s)

    def plain(self, value: str) -> None:
        """A slot value that is not an entity (a negative example): no span, no variation."""
        self.text.append(value)
        self.fills.append(("O", value))

    def slot(self, label: str, value: str) -> None:
        start = self.length
        self.text.append(value)
        self.spans.append(Span(start, start + len(value), label))
        self.fills.append((label, value))


def render(
    template_id: str,
    pick: Iterator[tuple[str, str]] | None,
    rng: random.Random,
    draw: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> Example:
    """Render one template. Slot values come from `pick` (an iterator of (label, value), used
    to re-fill) or are drawn from `draw[label]` lists of (label, value)."""
    r = _Renderer(rng)
    intent = template_intent(template_id)

    def emit(part: str) -> None:
        for piece in _PART.findall(part):
            if piece.startswith("{"):
                slot = piece[1:-1]
                if pick is not None:
                    label, value = next(pick)
                else:
                    assert draw is not None
                    label, value = rng.choice(list(draw[slot]))
                r.slot(label, value)
            else:
                r.literal(piece)

    for part in _PART.findall(template_text(template_id)):
        if part.startswith("["):
            if pick is not None or rng.random() < 0.5:
                emit(part[1:-1])
        else:
            emit(part)
    return _finish(r, intent, template_id)


def _finish(r: _Renderer, intent: Intent, template_id: str) -> Example:
    """Join the pieces; collapse runs of spaces (keeping span offsets right) and vary the end."""
    text, spans = "".join(r.text), list(r.spans)
    for m in reversed(list(re.finditer(r"\s{2,}", text))):
        cut = m.end() - m.start() - 1
        text = text[: m.start() + 1] + text[m.end() :]
        spans = [
            Span(
                s.start - cut if s.start >= m.end() else s.start,
                s.end - cut if s.end >= m.end() else s.end,
                s.label,
            )
            for s in spans
        ]
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    if lead:
        spans = [Span(s.start - lead, s.end - lead, s.label) for s in spans]
    if r.rng is not None:
        text = vary_ending(text, r.rng)
    return Example(text, intent, tuple(spans), template_id, tuple(r.fills))


def rerender(ex: Example, fills: list[tuple[str, str]], rng: random.Random) -> Example | None:
    """Render the example's template again with the given fills; optional parts that were
    dropped originally are dropped again (the template is cut to the parts that were used)."""
    template = template_text(ex.template_id)
    kept_template = _kept_parts(template, ex)
    if kept_template is None:
        return None
    r = _Renderer(rng)
    it = iter(fills)
    for piece in _PART.findall(kept_template):
        if piece.startswith("{"):
            label, value = next(it)
            if label == "O":
                r.plain(value)
            else:
                r.slot(label, value)
        else:
            r.literal(piece)
    return _finish(r, ex.intent, ex.template_id)


def _kept_parts(template: str, ex: Example) -> str | None:
    """The template with optional parts resolved the way `ex` was rendered (by slot count)."""
    parts = _PART.findall(template)
    optional = [i for i, p in enumerate(parts) if p.startswith("[")]
    n_slots = len(ex.fills)
    for mask in range(1 << len(optional)):
        pieces = []
        for i, p in enumerate(parts):
            if p.startswith("["):
                if mask >> optional.index(i) & 1:
                    pieces.append(p[1:-1])
            else:
                pieces.append(p)
        candidate = "".join(pieces)
        if len(re.findall(r"\{[A-Z]+\}", candidate)) == n_slots:
            labels = [label for label, _ in ex.fills]
            slots = re.findall(r"\{([A-Z]+)\}", candidate)
            if all(s == "PLACE" or s == lab for s, lab in zip(slots, labels, strict=True)):
                return candidate
    return None
