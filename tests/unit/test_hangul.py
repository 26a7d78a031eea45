"""Hangul as sounds: the sound key, one-jamo slips and the Revised Romanisation."""

from __future__ import annotations

import pytest

from agent.understand.hangul import one_jamo_typo, romanise, sound_key


@pytest.mark.parametrize(
    ("a", "b"),
    [("돈까스", "돈가스"), ("졸임", "조림"), ("한싴", "한식"), ("카패", "카페"), ("국쑤", "국수")],
)
def test_spellings_that_sound_alike_share_a_key(a: str, b: str) -> None:
    assert sound_key(a) == sound_key(b) and len(sound_key(a)) == len(a)


def test_different_words_keep_different_keys() -> None:
    assert sound_key("대전") != sound_key("대정") and sound_key("안덕") != sound_key("한덕")


@pytest.mark.parametrize(
    ("a", "b", "slip"),
    [
        ("서귀표", "서귀포", True),
        ("성삼", "성산", True),
        ("헙재", "협재", True),
        ("대전", "대천", True),
        ("안녕", "안덕", False),
        ("서귀포", "서귀포시", False),
    ],
)
def test_one_jamo_slips(a: str, b: str, slip: bool) -> None:
    assert one_jamo_typo(a, b) is slip


@pytest.mark.parametrize(
    ("hangul", "roman"),
    [
        ("협재", "hyeopjae"),
        ("한림", "hallim"),
        ("김녕", "gimnyeong"),
        ("신라", "silla"),
        ("백록담", "baengnokdam"),
        ("법환", "beophwan"),
        ("좋아", "joa"),
        ("월정리", "woljeongni"),
    ],
)
def test_revised_romanisation(hangul: str, roman: str) -> None:
    assert romanise(hangul) == roman
