"""BIO-constrained decoding for the softmax taggers (BiLSTM, e5).

A tagger that picks each tag on its own breaks entities apart: "이번 주말" comes out as
"이번" + "주말", a stray I-MENU lands inside a POI. Viterbi over the per-position tag
log-probabilities with the BIO grammar as the only transition rule (I-X only after B-X or
I-X; no entity starts on a space) returns the most probable *well-formed* tag sequence:

    best(t, j) = lp(t, j) + max_{i: allowed(i, j)} best(t-1, i)

No transition scores are learnt; it is the decoding half of a CRF with 0/-inf transitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from recsys_tools.nlu.labels import BIO_TAGS

_NEG = -1e9


@lru_cache(maxsize=1)
def _grammar() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """allowed[i, j] (tag i then tag j), start_ok[j], begins[j] (B- tags)."""
    n = len(BIO_TAGS)
    allowed = np.ones((n, n), dtype=bool)
    start_ok = np.ones(n, dtype=bool)
    begins = np.array([t.startswith("B-") for t in BIO_TAGS])
    for j, tag in enumerate(BIO_TAGS):
        if tag.startswith("I-"):
            label = tag[2:]
            start_ok[j] = False
            allowed[:, j] = [p in (f"B-{label}", f"I-{label}") for p in BIO_TAGS]
    return allowed, start_ok, begins


def bio_viterbi(log_probs: np.ndarray, is_space: Sequence[bool] | None = None) -> list[int]:
    """Tag ids [L] of the best BIO-valid path through `log_probs` [L T] (tag order BIO_TAGS).
    Positions marked in `is_space` may continue an entity but never begin one."""
    allowed, start_ok, begins = _grammar()
    length = log_probs.shape[0]
    if length == 0:
        return []
    trans = np.where(allowed, 0.0, _NEG)  # [T T]
    emit = log_probs.astype(np.float64).copy()  # [L T]
    if is_space is not None:
        emit[np.asarray(is_space, dtype=bool)[:, None] & begins[None, :]] = _NEG
    score = emit[0] + np.where(start_ok, 0.0, _NEG)  # [T]
    back = np.zeros((length, emit.shape[1]), dtype=np.int64)
    for t in range(1, length):
        cand = score[:, None] + trans  # [T_prev T]
        back[t] = cand.argmax(0)
        score = cand.max(0) + emit[t]
    path = [int(score.argmax())]
    for t in range(length - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]
