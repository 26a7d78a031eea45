"""Question templates per intent, grouped in paraphrase families.

A family is one way of asking (e.g. "what is near POI?") written several ways: other word
order, other verbs, other politeness. The held-out-template splits hold out *whole families*,
so a test question never has a near-paraphrase in training and the score speaks about
unseen phrasing, not about a reworded training template.

Syntax: `{SLOT}` is an entity slot (an entity label, or PLACE for any place label); `[...]` is an
optional part (kept with probability 1/2); a Korean particle written as `(이)랑`, `(으)로`,
`(은)는`, `(이)가`, `(을)를`, `(와)과`, `(이)야` right after a slot is resolved from the last
syllable of the value (받침 or not), so re-filled slots stay grammatical.

Literal text avoids words that are slot values elsewhere (카페, 가성비, 단체, 비싼 …): an
unlabelled occurrence would contradict the labelled ones.
"""

from __future__ import annotations

from recsys_tools.nlu.labels import Intent

Family = tuple[str, ...]

TEMPLATE_FAMILIES: dict[Intent, tuple[Family, ...]] = {
    "recommend_place": (
        (
            "{REGION}에서 {PARTY}(이)랑 갈 {ATTRIBUTE} {CATEGORY} 추천해줘",
            "{PARTY}(이)랑 {REGION} 가면 {ATTRIBUTE} {CATEGORY} 어디가 좋아?",
            "{ATTRIBUTE} {CATEGORY} {REGION}에서 {PARTY}(이)랑 가려는데 추천 좀",
        ),
        (
            "{REGION} {CATEGORY} 맛집 알려줘",
            "{REGION} 맛집 추천",
            "{REGION} 근처 {CATEGORY} 맛집 리스트 뽑아줘",
            "맛집 찾는 중 {REGION} {CATEGORY}",
        ),
        (
            "[{DATE}에 ]{PARTY}(이)랑 {REGION} 가는데 {MENU} 잘하는 집 있어?",
            "{REGION}에서 {MENU} 제일 잘하는 데가 어디야",
            "{MENU} 잘하는 {REGION} 식당 아는 데 있어?",
        ),
        (
            "{AGE} {PARTY}(이)가 좋아할 만한 {REGION} {CATEGORY} 추천",
            "{AGE}한테 인기 많은 {REGION} {CATEGORY} 어디야",
            "{AGE} 입맛에 맞는 {CATEGORY} {REGION}에 있을까",
        ),
        (
            "{COUNT}이서 갈 만한 {ATTRIBUTE} 식당 {REGION}에 있을까?",
            "{AGE} {COUNT} 같이 밥 먹기 좋은 {REGION} 식당 있나요",
            "{REGION} {MENU} 맛집 {COUNT} 예약 가능한 곳",
            "{COUNT}(이)야 {REGION}에서 다 같이 먹을 식당 찾아줘",
        ),
        (
            "{POI} 근처 {CATEGORY} 맛집 어디야?",
            "{POI} 주변에 {ATTRIBUTE} {CATEGORY} 있어?",
            "[{CITY} ]{POI} 가는 길에 {MENU} 먹을 데 추천 좀",
            "{DATE} 점심에 {POI} 들렀다가 먹을 {CATEGORY} 추천",
            "{POI} 구경하고 나서 밥 먹을 데 있을까",
        ),
        (
            "{PRICE} {MENU} 먹을 수 있는 {REGION} 식당",
            "{REGION} 쪽 {PRICE} {CATEGORY} 추천해 주세요",
            "{REGION}에서 {PRICE} {CATEGORY} 찾는 중인데 {PARTY}(이)랑 가기 좋은 데 알려줘",
            "{PRICE} {CATEGORY} {REGION}에 어디 있어",
        ),
        (
            "{REGION}에 {MENU} 맛있는 곳 좀 찾아줘",
            "{CITY} 가면 {MENU} 어디서 먹어야 돼?",
            "{MENU} 먹으러 {REGION} 갈 건데 어디 가야 해?",
            "{CITY}에서 {MENU} 먹고 싶은데 괜찮은 가게 있어?",
        ),
        (
            "{PARTY}(와)과 {DATE} 저녁 먹을 {REGION} {CATEGORY} 추천 부탁해",
            "{DATE} {PARTY} 기념일 저녁 {REGION}에서 먹을 만한 데",
            "{PARTY} 모시고 갈 {ATTRIBUTE} {MENU} 집 {REGION}에서 추천해줘",
        ),
        (
            "{CATEGORY} 땡기는데 {REGION}에 {ATTRIBUTE} 곳 있어?",
            "{MENU} 땡긴다 {REGION} 어디 가지",
            "갑자기 {MENU} 먹고 싶네 {POI} 근처에 있어?",
        ),
        (
            "{ATTRIBUTE} {CATEGORY} 중에 {REGION}에서 제일 괜찮은 곳은?",
            "{REGION} {CATEGORY} 중 {ATTRIBUTE} 되는 곳 하나만 골라줘",
            "{CITY} {REGION} 근처에 {ATTRIBUTE} {CATEGORY} 알려줄래",
        ),
        (
            "{REGION}에서 뭐 먹지?",
            "{DATE} {REGION} 가서 밥 어디서 먹을까",
            "{PARTY}(이)랑 {REGION}에서 먹을 거 추천해줘",
        ),
    ),
    "recommend_products": (
        (
            "{DATE}에 {PARTY}(이)랑 {CITY} 여행 가려는데 패키지 추천해줘",
            "{PARTY}(이)랑 {DATE} {CITY} 가는 패키지 뭐가 좋아?",
            "{CITY} 패키지 여행 추천 좀 {PARTY}(이)랑 갈 거야",
        ),
        (
            "{COUNTRY} {PRICE} 패키지 상품 있어?",
            "{PRICE}(으)로 갈 수 있는 {COUNTRY} 여행 상품 보여줘",
            "{PARTY} 여행 {CITY} 상품 {PRICE} 위주로 추천",
            "예산 {PRICE}인데 {COUNTRY} 갈 만한 상품 있을까",
        ),
        (
            "{CITY} {COUNT} {DATE} 호텔 추천",
            "{CITY}에서 {COUNT}이서 묵을 {ATTRIBUTE} 숙소 추천",
            "[{COUNT} ]{CITY} 숙소 {PRICE} 괜찮은 데 있을까",
            "{DATE} {CITY} 묵을 만한 호텔 골라줘",
            "{POI} 가까운 호텔 예약할 만한 거 있어?",
        ),
        (
            "{AGE} {PARTY} 여행으로 {CITY} 어때? 상품 추천해줘",
            "{AGE}한테 인기 있는 {CITY} 패키지",
            "요즘 {AGE} {PARTY}(이)가 많이 가는 여행 상품 뭐야",
        ),
        (
            "{CITY} 액티비티 상품 중에 {PARTY}(이)랑 하기 좋은 거",
            "{POI} 가는 {CITY} 투어 상품 있어?",
            "{CITY}에서 할 만한 체험 상품 추천해줘",
            "{PARTY}(이)랑 {CITY} 가서 할 투어 예약하고 싶어",
        ),
        (
            "나한테 맞는 여행 상품 추천해줘",
            "내 취향에 맞는 {COUNTRY} 상품 뭐 있어?",
            "내가 좋아할 만한 여행 상품 골라줘",
            "지난번에 본 거 기준으로 나한테 맞는 상품 추천",
        ),
        (
            "{DATE} {COUNTRY} 자유여행 상품 골라줘",
            "{COUNTRY} {CITY} {DATE} 출발 패키지 알려줘",
            "{DATE} 출발하는 {CITY} 에어텔 있어?",
        ),
        (
            "{DATE} {PARTY}(와)과 갈 {COUNTRY} 휴양 상품 추천 좀",
            "{PARTY}(이)랑 쉬러 갈 {ATTRIBUTE} 리조트 패키지",
            "{COUNTRY} 힐링 여행 상품 뭐 있어",
        ),
        (
            "{CITY} 여행 상품 예약하려는데 뭐가 좋아",
            "{DATE} {COUNT} {COUNTRY} 여행 상품 찾아줘",
            "{COUNTRY} 가는 상품 중에 {ATTRIBUTE} 되는 거 추천",
        ),
        (
            "요즘 제일 잘 나가는 {CITY} 패키지 추천",
            "인기 많은 {COUNTRY} 여행 상품 보여줘",
            "{DATE}에 많이 팔리는 {CITY} 상품 추천해줘",
        ),
    ),
    "viewed_together": (
        (
            "이 {CITY} 패키지랑 비슷한 상품 보여줘",
            "이거랑 비슷한 {COUNTRY} 상품 더 보여줘",
            "이 패키지랑 유사한 {PARTY} 여행 상품",
        ),
        (
            "방금 본 {CITY} 호텔이랑 비슷한 거 있어?",
            "아까 본 {POI} 투어랑 비슷한 거 찾아줘",
            "방금 봤던 상품이랑 비슷한 거",
        ),
        (
            "{POI} 투어랑 같이 많이 보는 상품 뭐야?",
            "이 상품 본 사람들이 같이 본 상품은?",
            "{CITY} 호텔 본 사람들이 함께 본 {CITY} 액티비티",
            "다른 사람들은 이거 보고 뭐 봤어?",
        ),
        (
            "{CITY} {DATE} 상품 말고 비슷한 다른 거 추천",
            "지금 보는 {COUNTRY} 패키지 대신 고를 만한 비슷한 거",
            "이거 말고 대체할 만한 상품 있어?",
            "이 상품 매진이던데 비슷한 거 없어?",
        ),
        (
            "{PRICE} 비슷한 가격대로 다른 {CITY} 상품 있어?",
            "이거랑 가격대 비슷한 {COUNTRY} 상품",
            "비슷한 가격에 {CITY} 가는 다른 패키지",
        ),
        (
            "비슷한 상품 더 보여줄래?",
            "이런 느낌 상품 더 없어?",
            "이거랑 비슷한 거 몇 개 더 추천해줘",
        ),
        (
            "{POI} 입장권이랑 비슷한 체험 상품 있어?",
            "{POI} 투어 같은 다른 체험 뭐 있어",
            "이 액티비티랑 성격 비슷한 거 {CITY}에도 있어?",
        ),
        (
            "이 {CITY} 호텔이랑 분위기 비슷한 숙소",
            "이 숙소처럼 {ATTRIBUTE} 되는 비슷한 호텔 찾아줘",
            "저번에 본 {COUNTRY} 상품이랑 닮은 거 있어?",
        ),
    ),
    "itinerary": (
        (
            "{DATE} 일정이 {POI}, {POI}, {POI}인데 맞는 패키지 있어?",
            "일정이 {POI}, {POI}인데 이거 다 가는 상품 있어?",
            "내 일정은 {POI}(이)랑 {POI}(이)야. 맞는 패키지 찾아줘",
        ),
        (
            "첫날 {POI} 둘째 날 {POI} 가는 일정에 맞는 상품 찾아줘",
            "{DATE} {CITY} 일정: 1일차 {POI}, 2일차 {POI}. 이거랑 맞는 상품?",
            "1일차 {POI} 2일차 {POI} 3일차 {POI} 코스랑 겹치는 패키지",
            "day1 {POI} day2 {POI} 이 일정 커버하는 상품",
        ),
        (
            "{CITY}에서 {POI}(이)랑 {POI} 들르는 패키지 있나요",
            "{POI}(와)과 {POI}(을)를 모두 가는 투어 있어?",
            "일정표에 있는 {POI}(이)랑 {POI} 다 들어간 상품 골라줘",
            "{COUNT} {CITY} {DATE} 일정 짰는데 {POI}, {POI} 포함된 상품 추천",
        ),
        (
            "내 일정 {POI} → {POI} → {POI}(이)랑 제일 비슷한 여행 상품",
            "{POI} -> {POI} -> {POI} 순서로 도는 패키지 있어?",
            "{POI}에서 시작해서 {POI}(으)로 끝나는 코스 상품",
        ),
        (
            "여행 계획표 {POI} {POI} {POI} 기준으로 패키지 매칭해줘",
            "이 일정표({POI}, {POI}, {POI})에 가장 많이 겹치는 상품은?",
            "짜놓은 일정이랑 겹치는 곳 제일 많은 상품 알려줘",
            "내 동선이랑 일치율 높은 패키지 찾아줘",
        ),
        (
            "{POI} 다음에 {REGION} 가는 코스 포함 패키지",
            "{REGION} 찍고 {POI} 가는 코스 있는 상품",
            "{POI} 들렀다가 {REGION}(으)로 넘어가는 투어 있어?",
        ),
        (
            "{PARTY}(이)랑 {POI}, {POI} 도는 일정인데 패키지로 갈 수 있어?",
            "자유여행으로 {POI}, {POI} 가려던 거 패키지로 대체 가능?",
            "이 일정 그대로 패키지 상품으로 바꿀 수 있을까: {POI}, {POI}",
        ),
        (
            "플래너에 넣은 {POI}, {POI} 일정으로 상품 추천해줘",
            "저장한 일정({POI}, {POI}) 기반으로 맞는 패키지 있어?",
            "{DATE} 여행 일정 {POI} {POI} 보고 패키지 골라줘",
        ),
    ),
    "place_mapping": (
        (
            "{POI} 어디에 있어?",
            "{POI} 위치 알려줘",
            "{POI}(이)가 어디야?",
            "{POI} 주소 좀 알려줘",
        ),
        (
            "{POI}(은)는 {CITY} 어느 지역이야?",
            "{REGION}(이)가 어느 시에 속해?",
            "{CITY}(은)는 어느 나라야?",
            "{POI}(은)는 어느 동네에 있어?",
        ),
        (
            "{POI} 근처에 뭐 있어?",
            "{REGION} 주변 명소 뭐가 있어?",
            "{POI} 옆에 같이 볼 만한 데 있어?",
            "{POI} 주변 볼거리 알려줘",
        ),
        (
            "{CITY}에 있는 관광지 알려줘",
            "{REGION}에 가볼 만한 곳 있어?",
            "{CITY} 가면 꼭 가봐야 하는 곳",
            "{REGION} 구경할 데 어디 있어",
        ),
        (
            "{POI}에서 {POI}까지 가까워?",
            "{POI}(이)랑 {POI} 거리 얼마나 돼?",
            "{REGION}에서 {POI}까지 걸어갈 수 있어?",
        ),
        (
            "{POI} 가는 법 알려줘",
            "{REGION}에서 {POI} 어떻게 가?",
            "{POI}까지 가는 길 좀",
        ),
        (
            "{COUNTRY}에서 {CITY} 말고 갈 만한 도시는?",
            "{COUNTRY}에 {CITY} 같은 도시 또 어디 있어?",
            "{COUNTRY} 여행지 중에 {CITY} 빼고 가볼 도시",
        ),
        (
            "{POI}(이)가 뭐 하는 곳이야?",
            "{POI}(은)는 어떤 곳이야?",
            "{REGION}(은)는 어떤 동네야?",
        ),
        (
            "{POI} 몇 시에 열어?",
            "{POI} 운영 시간 알려줘",
            "{POI} 입장 가능한 시간이 언제야?",
        ),
    ),
    "graph_question": (
        (
            "{REGION}에 {CATEGORY} 가게가 몇 개야?",
            "{MENU} 파는 가게 수는?",
            "{ATTRIBUTE} 되는 {REGION} 식당 개수",
            "{REGION}에서 평점 4점 넘는 {CATEGORY} 몇 곳이야",
        ),
        (
            "{COUNTRY} 패키지 상품 몇 개 있어?",
            "{POI}(을)를 방문하는 상품은 몇 개야?",
            "{CITY} 가는 상품 총 몇 개야",
            "등록된 {CITY} 호텔 상품 수 알려줘",
        ),
        (
            "{CITY} 상품 중에 가격이 제일 높은 건 뭐야?",
            "{COUNTRY} 패키지 중 가격 제일 낮은 상품은?",
            "{REGION} {CATEGORY} 중 평점 제일 낮은 곳은?",
        ),
        (
            "{REGION} {CATEGORY} 평균 평점 알려줘",
            "{CITY} 패키지 평균 가격이 얼마야",
            "{CATEGORY} 가게들 평균 리뷰 수는?",
        ),
        (
            "리뷰가 가장 많은 {REGION} 식당은?",
            "{PARTY} 리뷰가 제일 많은 {CATEGORY} 가게는 어디야?",
            "{REGION}에서 리뷰 수 1위 {CATEGORY}",
        ),
        (
            "{AGE} 손님 비율이 높은 {CATEGORY} 목록",
            "{PARTY} 방문 비중이 제일 큰 {REGION} 가게",
            "{REGION} 리뷰 중 {AGE} 비율은 얼마나 돼?",
        ),
        (
            "{REGION} {CATEGORY} 가게 전부 목록으로 뽑아줘",
            "평점 순으로 {REGION} {CATEGORY} 리스트 보여줘",
            "{COUNTRY} 상품 전체 목록 가격순으로",
        ),
        (
            "{POI}(을)를 포함한 상품들 평균 가격은?",
            "{MENU} 파는 가게 중 {ATTRIBUTE} 되는 데는 몇 곳?",
            "{CITY}에 {CATEGORY} 몇 개 있고 평점은 어때?",
        ),
        (
            "{REGION}(이)랑 {REGION} 중 {CATEGORY} 더 많은 곳은?",
            "{CITY}(와)과 {CITY} 상품 수 비교해줘",
            "{REGION} 대 {REGION} 평균 평점 비교",
        ),
    ),
    "out_of_scope": (
        (
            "오늘 {CITY} 날씨 어때?",
            "{DATE} {CITY} 비 와?",
            "{CITY} 지금 기온 몇 도야",
        ),
        (
            "{COUNTRY} 환율 알려줘",
            "엔화 환율 지금 얼마야",
            "달러 얼마에 바꿔야 돼?",
        ),
        (
            "{DATE} 비행기 표 취소하고 싶어",
            "{CITY}까지 비행시간 얼마나 걸려?",
            "항공권 마일리지 조회해줘",
            "{DATE} 출발 항공편 지연됐어?",
        ),
        (
            "파이썬으로 정렬하는 코드 짜줘",
            "엑셀 함수 좀 알려줘",
            "이메일 답장 대신 써줘",
        ),
        (
            "안녕 넌 누구야?",
            "심심한데 얘기 좀 하자",
            "고마워 잘 자",
            "너 이름이 뭐야",
        ),
        (
            "{CITY} 시차가 몇 시간이야?",
            "{COUNTRY} 비자 필요해?",
            "여권 재발급 어떻게 해?",
            "{COUNTRY} 입국할 때 서류 뭐 필요해",
        ),
        (
            "노래 추천해줘",
            "{DATE} 로또 번호 알려줘",
            "재밌는 영화 뭐 있어",
            "넷플릭스 볼 만한 거",
        ),
        (
            "{COUNTRY} 말 몇 마디 가르쳐줘",
            "일본어로 감사합니다가 뭐야",
            "{MENU}(을)를 영어로 뭐라고 해?",
        ),
        (
            "{COUNTRY} 대통령 누구야",
            "{COUNTRY} 인구 몇 명이야",
            "{CITY} 역사 알려줘",
        ),
        (
            "배가 아픈데 무슨 약 먹어야 해",
            "회의 일정 좀 잡아줘",
            "택배 언제 와?",
        ),
    ),
}

# Flat view: template id "intent/family/member" -> template text.
TEMPLATES: dict[str, str] = {
    f"{intent}/{f}/{m}": text
    for intent, families in TEMPLATE_FAMILIES.items()
    for f, family in enumerate(families)
    for m, text in enumerate(family)
}
