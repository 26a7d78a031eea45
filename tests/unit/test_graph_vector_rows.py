"""The pre-rendered `set_vectors` rows of the FalkorDB store say what the client would."""

from __future__ import annotations

import numpy as np
from falkordb.helpers import stringify_param_value

from graph_schema.falkordb_query import VectorRowsLiteral


def _parse(text: str) -> list[tuple[str, list[float]]]:
    out = []
    for part in text[2:-2].split("},{"):
        key, vec = part.split(",vec:[")
        out.append((key.removeprefix("key:"), [float(x) for x in vec.rstrip("]").split(",")]))
    return out


def test_float32_vectors_come_back_exactly() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((5, 64)).astype(np.float32)
    vectors[0, :8] = 0.0
    keys = [f"R{i}" for i in range(5)]
    parsed = _parse(str(VectorRowsLiteral(list(zip(keys, vectors.tolist(), strict=True)))))
    assert [k for k, _ in parsed] == [stringify_param_value(k) for k in keys]
    back = np.array([v for _, v in parsed], dtype=np.float32)
    assert np.array_equal(back, vectors)


def test_keys_are_quoted_like_the_client_quotes_them() -> None:
    text = str(VectorRowsLiteral([('a"b\\c', [0.5, 0.25])]))
    assert text == '[{key:"a\\"b\\\\c",vec:[0.5,0.25]}]'


def test_mixed_dimensions_each_get_their_own_format() -> None:
    text = str(VectorRowsLiteral([("a", [1.0]), ("b", [1.0, 2.0, 3.0])]))
    assert text == '[{key:"a",vec:[1]},{key:"b",vec:[1,2,3]}]'
