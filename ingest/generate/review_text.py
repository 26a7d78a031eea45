"""Phrase banks and the composer of Korean review texts.

A review is an optional opening (who the writer came with, local or traveller), two to four
aspect clauses whose polarity follows the review's sentiment or, for attributes such as
parking, the merchant's facts, an optional reaction of the party and a closing that matches
the rating. Clauses come in a full form ("직원분들이 친절해요") and, where natural, a
connective form ("직원분들이 친절하고") so that two of them can share one sentence;
connectives, endings and sentence marks are drawn so texts do not read as clones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ingest.gazetteer import Attribute, ReviewParty
from ingest.generate.korean import eul_reul, eun_neun, i_ga, iran_rang

Clause = tuple[str, str | None]  # (full sentence, connective form or None)

ASPECTS: tuple[str, ...] = (
    "taste",
    "service",
    "price",
    "atmosphere",
    "portion",
    "cleanliness",
    "waiting",
    "parking",
    "ocean_view",
    "kid_friendly",
    "group_seating",
    "quiet",
    "pet_friendly",
)
# Aspects whose polarity is the merchant's boolean attribute of the same name.
ATTRIBUTE_ASPECTS: tuple[Attribute, ...] = (
    "parking",
    "ocean_view",
    "kid_friendly",
    "group_seating",
    "quiet",
    "pet_friendly",
)

# Attribute phrases. A merchant only gets the True phrases of attributes it has and the False
# phrases of those it lacks (tested); no phrase of one side is a substring of the other side.
ATTRIBUTE_PHRASES: dict[Attribute, dict[bool, tuple[Clause, ...]]] = {
    "parking": {
        True: (
            ("주차 편해요", "주차도 편하고"),
            ("전용 주차장이 있어서 편했어요", "전용 주차장이 있고"),
            ("주차장이 넓어서 차 가져가기 좋아요", "주차장도 넓고"),
            ("주차 공간이 넉넉해요", "주차 공간도 넉넉하고"),
        ),
        False: (
            ("주차가 불편해요", "주차가 불편하고"),
            ("주차할 데가 없어서 골목에 겨우 댔어요", None),
            ("주차장이 없어서 근처 공영주차장 이용했어요", None),
            ("주차는 거의 불가능해요", None),
        ),
    },
    "ocean_view": {
        True: (
            ("바다 뷰가 정말 예뻐요", "바다 뷰가 정말 예쁘고"),
            ("창밖으로 바다가 보여서 좋았어요", "창밖으로 바다가 보이고"),
            ("오션뷰 최고예요", None),
            ("노을 질 때 바다 전망이 끝내줘요", None),
            ("바다 보면서 먹으니 분위기가 두 배예요", None),
        ),
        False: (("바다가 보이는 자리는 없어요", None),),
    },
    "kid_friendly": {
        True: (
            ("아기의자가 있어서 편했어요", "아기의자도 있고"),
            ("아이랑 가기 좋아요", "아이랑 가기 좋고"),
            ("키즈 메뉴도 있어요", "키즈 메뉴도 있고"),
            ("아이들이 잘 먹었어요", None),
            ("아이 동반하기에 부담 없는 곳이에요", None),
        ),
        False: (
            ("아이랑 가기엔 좀 불편했어요", None),
            ("아기의자가 없어서 아쉬웠어요", None),
            ("아이 데려가기엔 어려운 분위기예요", None),
        ),
    },
    "group_seating": {
        True: (
            ("단체석이 있어서 모임하기 좋아요", "단체석도 있고"),
            ("여럿이 가도 자리가 넉넉해요", "여럿이 가도 자리가 넉넉하고"),
            ("룸이 있어서 단체 모임에 딱이에요", None),
        ),
        False: (
            ("자리가 좁아서 여럿이 가긴 힘들어요", None),
            ("테이블이 적어서 단체로는 어려워요", None),
        ),
    },
    "quiet": {
        True: (
            ("조용해서 대화하기 좋아요", "조용해서 대화하기 좋고"),
            ("분위기가 조용하고 아늑해요", "조용하고 아늑하고"),
            ("한적해서 여유롭게 있다 왔어요", None),
        ),
        False: (
            ("좀 시끄러웠어요", None),
            ("사람이 많아서 정신없었어요", None),
            ("음악 소리가 커서 대화하기 힘들었어요", None),
        ),
    },
    "pet_friendly": {
        True: (
            ("반려견 동반 가능해서 좋았어요", None),
            ("강아지랑 같이 들어갈 수 있어요", None),
            ("애견 동반 가능한 곳이라 편했어요", None),
        ),
        False: (("반려견은 입장이 안 돼요", None),),
    },
}

_QUALITY_PHRASES: dict[str, dict[bool, tuple[Clause, ...]]] = {
    "service": {
        True: (
            ("직원분들이 친절해요", "직원분들이 친절하고"),
            ("사장님이 정말 친절하세요", "사장님도 친절하시고"),
            ("서비스가 좋아요", "서비스도 좋고"),
            ("응대가 빠르고 친절했어요", None),
            ("직원분이 메뉴 설명을 잘 해주셨어요", None),
        ),
        False: (
            ("직원 응대가 좀 불친절했어요", None),
            ("서비스는 아쉬웠어요", None),
            ("주문이 자꾸 누락됐어요", None),
            ("음식이 너무 늦게 나왔어요", None),
        ),
    },
    "price": {
        True: (
            ("가격 대비 만족스러워요", "가격 대비 만족스럽고"),
            ("가성비 좋아요", "가성비도 좋고"),
            ("가격도 착해요", "가격도 착하고"),
            ("이 정도면 가격 괜찮은 편이에요", None),
        ),
        False: (
            ("가격이 좀 비싸요", "가격이 좀 비싸고"),
            ("양에 비해 가격이 세요", None),
            ("관광지 물가라 비싼 편이에요", None),
            ("가격은 사악해요", None),
        ),
    },
    "atmosphere": {
        True: (
            ("분위기가 좋아요", "분위기도 좋고"),
            ("인테리어가 예뻐요", "인테리어도 예쁘고"),
            ("감성 가득한 곳이에요", None),
            ("사진 찍기 좋은 곳이에요", None),
        ),
        False: (("인테리어는 평범해요", None), ("분위기는 좀 어수선했어요", None)),
    },
    "portion": {
        True: (
            ("양이 푸짐해요", "양도 푸짐하고"),
            ("양이 많아서 배불리 먹었어요", None),
            ("반찬도 푸짐하게 나와요", "반찬도 푸짐하고"),
        ),
        False: (("양이 좀 적어요", "양이 좀 적고"), ("양이 생각보다 적었어요", None)),
    },
    "cleanliness": {
        True: (
            ("매장이 깨끗해요", "매장도 깨끗하고"),
            ("위생적이라 좋았어요", None),
            ("화장실도 깨끗했어요", None),
        ),
        False: (("테이블이 좀 지저분했어요", None), ("청결은 아쉬워요", None)),
    },
    "waiting": {
        True: (
            ("웨이팅 없이 바로 들어갔어요", None),
            ("회전이 빨라서 금방 앉았어요", None),
            ("예약하고 가서 기다리지 않았어요", None),
        ),
        False: (
            ("웨이팅이 한 시간 넘게 있었어요", None),
            ("대기가 길어요", "대기가 길고"),
            ("줄이 길어서 한참 기다렸어요", None),
        ),
    },
}

_TASTE_GENERIC: dict[bool, tuple[Clause, ...]] = {
    True: (
        ("음식이 전체적으로 맛있어요", "음식이 전체적으로 맛있고"),
        ("간이 딱 적당해요", "간도 적당하고"),
        ("반찬 하나하나 다 맛있어요", None),
        ("진짜 맛집 인정이에요", None),
    ),
    False: (
        ("음식 맛이 평범했어요", "맛은 평범했고"),
        ("간이 좀 셌어요", None),
        ("기대했던 맛은 아니었어요", None),
    ),
}
_TASTE_BY_CATEGORY: dict[str, dict[bool, tuple[Clause, ...]]] = {
    "흑돼지": {
        True: (
            ("고기가 두툼하고 육즙이 가득해요", "고기가 두툼하고 육즙도 가득하고"),
            ("멜젓에 찍어 먹으니 꿀맛이에요", None),
            ("직원분이 직접 구워주셔서 더 맛있었어요", None),
        ),
        False: (("고기가 좀 질겼어요", None), ("비계가 너무 많았어요", None)),
    },
    "해산물": {
        True: (
            ("해산물이 정말 싱싱해요", "해산물이 싱싱하고"),
            ("국물이 시원해요", "국물도 시원하고"),
        ),
        False: (("해산물이 신선하지 않았어요", None), ("비린 맛이 좀 났어요", None)),
    },
    "회": {
        True: (
            ("회가 쫄깃하고 신선해요", "회가 신선하고"),
            ("두툼하게 썰어주셔서 식감이 좋아요", None),
        ),
        False: (("회가 신선하지 않았어요", None), ("회 두께가 너무 얇았어요", None)),
    },
    "전복": {
        True: (("전복이 큼직하고 쫄깃해요", "전복이 큼직하고"), ("내장까지 넣어서 고소해요", None)),
        False: (("전복이 너무 작았어요", None),),
    },
    "갈치조림": {
        True: (("갈치가 두툼하고 살이 부드러워요", None), ("양념이 밥도둑이에요", None)),
        False: (("갈치가 생각보다 얇았어요", None), ("양념이 너무 달았어요", None)),
    },
    "고기국수": {
        True: (
            ("국물이 진하고 깔끔해요", "국물이 진하고 깔끔하고"),
            ("면이 쫄깃해요", "면도 쫄깃하고"),
        ),
        False: (("국물이 좀 밍밍했어요", None), ("면이 불어 있었어요", None)),
    },
    "해장국": {
        True: (("국물이 진해서 해장에 딱이에요", None), ("건더기가 가득해요", "건더기도 가득하고")),
        False: (("국물이 좀 밍밍했어요", None),),
    },
    "카페": {
        True: (
            ("커피가 고소하고 맛있어요", "커피가 고소하고"),
            ("디저트가 하나같이 맛있어요", None),
        ),
        False: (("커피가 너무 연했어요", None), ("디저트가 너무 달았어요", None)),
    },
    "베이커리": {
        True: (("빵이 촉촉하고 맛있어요", "빵이 촉촉하고"), ("갓 구운 빵이라 따뜻했어요", None)),
        False: (("빵이 좀 퍽퍽했어요", None),),
    },
    "브런치": {
        True: (("플레이팅이 예쁘고 맛도 좋아요", None), ("재료가 신선해요", "재료가 신선하고")),
        False: (("비주얼에 비해 맛은 평범했어요", None),),
    },
}
_TASTE_MENU: dict[bool, tuple[str, ...]] = {
    True: (
        "{m_ig} 정말 맛있었어요",
        "{m_en} 꼭 드셔보세요",
        "{m} 시켰는데 기대 이상이었어요",
        "{m_ig} 여기 시그니처인데 왜 유명한지 알겠어요",
        "{m_ig} 진짜 인생 맛이에요",
        "{m_eul} 먹으러 또 가고 싶어요",
    ),
    False: ("{m_en} 기대보다 별로였어요", "{m_ig} 너무 짰어요", "{m} 시켰는데 좀 실망했어요"),
}
_TASTE_MENU_CONN: dict[bool, tuple[str, ...]] = {
    True: ("{m_ig} 정말 맛있었고", "{m_en} 특히 맛있었고"),
    False: ("{m_en} 기대보다 별로였고",),
}

_OPENINGS_LEAD: dict[ReviewParty, tuple[str, ...]] = {
    "부모님": (
        "부모님 모시고 갔는데",
        "엄마 아빠 모시고 갔는데",
        "부모님이랑 제주 여행 중에 들렀는데",
        "효도 여행으로 부모님 모시고 왔는데",
    ),
    "아이": ("아이랑 같이 갔는데", "아이 둘 데리고 갔는데", "아기랑 함께 방문했는데"),
    "가족": ("가족 여행 와서 들렀는데", "가족들이랑 저녁 먹으러 갔는데", "온가족이 함께 갔는데"),
    "커플": (
        "여자친구랑 데이트로 갔는데",
        "남편이랑 둘이 갔는데",
        "신혼여행 중에 들렀는데",
        "남자친구랑 갔는데",
    ),
    "친구": ("친구들이랑 여행 와서 들렀는데", "친구랑 둘이 갔는데", "모임으로 방문했는데"),
    "혼자": ("혼자 여행 중에 들렀는데", "혼밥하러 갔는데", "혼자 갔는데"),
}
_OPENINGS_SENTENCE: dict[ReviewParty, tuple[str, ...]] = {
    "부모님": ("부모님 모시고 다녀왔어요", "어머니 생신이라 부모님 모시고 방문했습니다"),
    "아이": ("아이랑 함께 방문했어요", "아이들 데리고 다녀왔어요"),
    "가족": ("가족 여행으로 방문했어요", "가족 외식으로 다녀왔습니다"),
    "커플": ("데이트하러 다녀왔어요", "와이프랑 둘이 다녀왔어요"),
    "친구": ("친구들이랑 다녀왔어요", "동창 모임으로 방문했어요"),
    "혼자": ("혼자 다녀왔어요", "혼행 중에 들렀어요"),
}
_LOCAL_NOTES = (
    "동네 단골집이에요",
    "제주 사는 사람으로서 자주 가는 곳이에요",
    "도민 맛집 인정합니다",
)
_TOURIST_NOTES = (
    "제주 여행 첫날 들렀어요",
    "여행 마지막 날 방문했어요",
    "{r} 놀러 갔다가 들렀어요",
    "{r} 숙소 근처라 찾아갔어요",
)

_PARTY_REACTION: dict[ReviewParty, dict[bool, tuple[str, ...]]] = {
    "부모님": {
        True: (
            "부모님이 정말 좋아하셨어요",
            "어머니가 또 오자고 하셨어요",
            "부모님도 맛있게 드셨어요",
        ),
        False: ("부모님 모시고 가기엔 별로였어요",),
    },
    "아이": {True: ("아이도 신나게 먹었어요",), False: ("아이가 별로 안 좋아했어요",)},
    "가족": {
        True: ("가족 모두 만족했어요", "식구들 다 좋아했어요"),
        False: ("가족들 반응이 별로였어요",),
    },
    "커플": {
        True: ("데이트 코스로 딱이에요", "둘이 오붓하게 먹기 좋았어요"),
        False: ("데이트로 가기엔 아쉬워요",),
    },
    "친구": {
        True: ("친구들도 다 만족했어요", "친구들이랑 수다 떨기 좋았어요"),
        False: ("친구들 반응은 그저 그랬어요",),
    },
    "혼자": {
        True: ("혼자 먹기에도 부담 없었어요", "혼밥하기 편한 곳이에요"),
        False: ("혼자 가기엔 눈치 보였어요",),
    },
}
_CLOSINGS: dict[int, tuple[str, ...]] = {
    5: (
        "재방문 의사 100%예요",
        "다음에 또 올게요",
        "강추합니다",
        "제주 오면 꼭 다시 들를 거예요",
        "완전 추천해요",
        "여기는 무조건 가세요",
    ),
    4: ("재방문 의사 있어요", "추천할 만해요", "다음에 또 가볼게요", "전체적으로 만족스러웠어요"),
    3: ("그냥 무난했어요", "한 번쯤 가볼 만해요", "나쁘진 않았어요", "평범한 편이에요"),
    2: ("재방문은 안 할 것 같아요", "기대에 못 미쳤어요", "굳이 찾아갈 곳은 아니에요"),
    1: ("비추입니다", "다시는 안 갈 거예요", "돈이 아까웠어요"),
}
_POS_CONNECTIVES = ("", "", "", "그리고 ", "또 ", "특히 ", "무엇보다 ", "게다가 ")
_FIRST_CONNECTIVES = ("", "", "", "일단 ", "우선 ")
_CONTRAST = ("다만 ", "근데 ", "아쉬운 점은 ", "하지만 ", "그런데 ", "아쉽게도 ")
_POS_MARKS = (".", ".", ".", "!", "!!", " ㅎㅎ", "~", ". ")
_NEG_MARKS = (".", ".", ".", " ㅠㅠ", "..", " ㅜㅜ")


@dataclass(frozen=True)
class ReviewContext:
    """Everything the composer needs about one review."""

    party: ReviewParty
    local: bool
    rating: int
    aspects: tuple[str, ...]
    polarity: tuple[bool, ...]  # one per aspect
    category: str
    menus: tuple[str, ...]  # the merchant's menu, signature dishes first
    region_short: str
    reaction: bool  # add the party's reaction


def _clauses(aspect: str, positive: bool, ctx: ReviewContext, rnd: random.Random) -> Clause:
    if aspect in ATTRIBUTE_PHRASES:
        return rnd.choice(ATTRIBUTE_PHRASES[aspect][positive])
    if aspect != "taste":
        return rnd.choice(_QUALITY_PHRASES[aspect][positive])
    u = rnd.random()
    if u < 0.5 and ctx.menus:
        menu = ctx.menus[0] if rnd.random() < 0.6 else rnd.choice(ctx.menus)
        fill = {"m": menu, "m_ig": i_ga(menu), "m_en": eun_neun(menu), "m_eul": eul_reul(menu)}
        full = rnd.choice(_TASTE_MENU[positive]).format(**fill)
        conn = rnd.choice(_TASTE_MENU_CONN[positive]).format(**fill) if rnd.random() < 0.5 else None
        return full, conn
    bank = _TASTE_BY_CATEGORY.get(ctx.category)
    if bank is not None and u < 0.8:
        return rnd.choice(bank[positive])
    return rnd.choice(_TASTE_GENERIC[positive])


def compose_review(ctx: ReviewContext, rnd: random.Random) -> str:
    sentences: list[str] = []
    lead = ""
    opening = rnd.random()
    if opening < 0.45:
        lead = rnd.choice(_OPENINGS_LEAD[ctx.party]) + " "
    elif opening < 0.7:
        sentences.append(rnd.choice(_OPENINGS_SENTENCE[ctx.party]) + rnd.choice(_POS_MARKS[:4]))
    if not lead and rnd.random() < 0.15:
        note = rnd.choice(_LOCAL_NOTES if ctx.local else _TOURIST_NOTES)
        sentences.append(note.format(r=ctx.region_short) + ".")
    if rnd.random() < 0.1 and len(ctx.menus) >= 2:
        sentences.append(f"{iran_rang(ctx.menus[0])} {ctx.menus[1]} 시켰어요.")

    order = sorted(range(len(ctx.aspects)), key=lambda k: (not ctx.polarity[k], rnd.random()))
    if rnd.random() < 0.25:
        rnd.shuffle(order)
    seen_positive = seen_negative = False
    pending_conn: str | None = None
    used: set[str] = set()
    for n_done, k in enumerate(order):
        positive = ctx.polarity[k]
        full, conn = _clauses(ctx.aspects[k], positive, ctx, rnd)
        if pending_conn is not None:
            sentences[-1] = (
                sentences[-1] + " " + full + rnd.choice(_POS_MARKS if positive else _NEG_MARKS)
            )
            pending_conn = None
            continue
        if positive:
            prefix = rnd.choice(_FIRST_CONNECTIVES if n_done == 0 else _POS_CONNECTIVES)
            if seen_negative:
                prefix = rnd.choice(("그래도 ", "대신 ", "그래도 "))
        else:
            prefix = rnd.choice(_CONTRAST) if seen_positive and not seen_negative else ""
        if prefix in used:
            prefix = ""
        used.add(prefix)
        if lead:
            prefix, lead = lead, ""
        nxt = order[n_done + 1] if n_done + 1 < len(order) else None
        if (
            conn is not None
            and nxt is not None
            and ctx.polarity[nxt] == positive
            and rnd.random() < 0.4
        ):
            sentences.append(prefix + conn)
            pending_conn = conn
        else:
            sentences.append(prefix + full + rnd.choice(_POS_MARKS if positive else _NEG_MARKS))
        seen_positive |= positive
        seen_negative |= not positive
    if ctx.reaction:
        good = ctx.rating >= 4
        sentences.append(rnd.choice(_PARTY_REACTION[ctx.party][good]) + ".")
    if rnd.random() < 0.6:
        sentences.append(rnd.choice(_CLOSINGS[ctx.rating]) + rnd.choice(_POS_MARKS[:5]))
    return " ".join(s.strip() for s in sentences).replace("  ", " ")
