"""Identifiers, validated where they enter the platform (代码校验).

Covered here:

- unified social credit code (统一社会信用代码, GB 32100-2015), including the organisation-code
  check character of positions 9-17 (组织机构代码, GB 11714);
- administrative division codes (行政区划代码, GB/T 2260), from ``ggzy/data/regions.json``;
- resident ID numbers (公民身份号码, GB 11643-1999);
- the unified deal code (统一交易标识码) and lot codes (标段/包编号) of this platform.

Unified deal code: rules.md §5.5 says the official layout is unknown, so OpenGGZY defines one
(docs/decisions/0001-unified-deal-code.md). It is 18 characters::

    420100 2026 J 000123 J
    region year  | serial check
                 category (交易类别)

- region (1-6): a GB/T 2260 code accepted by :func:`validate_region_code`;
- year (7-10): four digits, 2000-2099, the year the code was assigned;
- category (11): one letter of :data:`DEAL_CATEGORIES` (J 工程建设, Z 政府采购, T 土地使用权,
  K 矿业权, C 国有产权, Q 其他);
- serial (12-17): six digits, 000001-999999, per (region, year, category);
- check (18): the GB 32100 MOD 31 scheme: character values are base-36 digit values
  (``0``-``9`` = 0-9, ``A`` = 10 ... ``Z`` = 35), weights ``3**(i-1) mod 31``, check character
  ``CREDIT_CHARS[(31 - sum mod 31) mod 31]``. Every position holds a digit except the category,
  whose letters have distinct values mod 31, so every single-character error and every adjacent
  transposition is detected (proof in the decision note).

A lot code (标段/包编号) is a deal code, ``-`` and a three-digit lot number:
``4201002026J000123J-001``.

    >>> make_deal_code("420100", 2026, "J", 123)
    '4201002026J000123J'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from ggzy.core.errors import DomainError

# ---------------------------------------------------------------------------------------------
# Administrative division codes (行政区划代码, GB/T 2260)
# ---------------------------------------------------------------------------------------------

_SIX_DIGITS = re.compile(r"[0-9]{6}")


@cache
def _region_data() -> tuple[dict[str, str], dict[str, str]]:
    """The (regions, special codes) tables shipped in ggzy/data/regions.json."""
    text = resources.files("ggzy").joinpath("data/regions.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return dict(data["regions"]), dict(data["special"])


def _bad_region(code: object, zh: str, en: str) -> DomainError:
    return DomainError("invalid-region-code", zh, en, field="region", value=str(code))


def _region_shape(code: str) -> str:
    """Strip a region code and check it is six ASCII digits, e.g. " 420100" -> "420100"."""
    if not isinstance(code, str):
        raise _bad_region(code, "行政区划代码应为文本", "the region code must be text")
    code = code.strip()
    if not _SIX_DIGITS.fullmatch(code):
        raise _bad_region(
            code,
            f"行政区划代码应为6位数字，收到“{code}”",
            f"a region code must be 6 digits, got {code!r}",
        )
    return code


def _known_ancestor(code: str) -> str | None:
    """The code itself if known, else its prefecture, else its province, else None."""
    regions, special = _region_data()
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if candidate in regions or candidate in special:
            return candidate
    return None


def validate_region_code(code: str) -> str:
    """Accept a known GB/T 2260 code, e.g. validate_region_code("420102") -> "420102".

    Rule: six digits, and either (a) the code is in regions.json (current codes) or is a special
    code (100000, national-level registration authorities), or (b) it is a county-level code
    (last two digits not 00) whose prefecture (first four digits + 00) is known: a county code
    created or renamed after our data snapshot is accepted and named after its prefecture or
    province (province fallback, see :func:`region_name`). Unknown prefectures and provinces
    are refused.
    """
    code = _region_shape(code)
    regions, special = _region_data()
    if code in regions or code in special:
        return code
    prefecture = code[:4] + "00"
    if code[4:] != "00" and prefecture in regions:
        return code
    raise _bad_region(
        code,
        f"行政区划代码{code}不是已知的行政区划",
        f"region code {code} is not a known administrative division",
    )


def region_name(code: str) -> str:
    """Name of a region, e.g. region_name("420100") -> "武汉市"; unknown counties fall back.

    For a code not in the table the name of the nearest known level is returned (prefecture,
    then province): region_name("420199") -> "武汉市".
    """
    code = _region_shape(code)
    ancestor = _known_ancestor(code)
    if ancestor is None:
        raise _bad_region(
            code,
            f"行政区划代码{code}不是已知的行政区划",
            f"region code {code} is not a known administrative division",
        )
    regions, special = _region_data()
    return regions.get(ancestor) or special[ancestor]


def region_full_name(code: str) -> str:
    """Province, prefecture and county names, e.g. "420102" -> "湖北省武汉市江岸区"."""
    code = validate_region_code(code)
    regions, special = _region_data()
    if code in special:
        return special[code]
    parts: list[str] = []
    for level in (code[:2] + "0000", code[:4] + "00", code):
        name = regions.get(level)
        # skip unknown levels and the "省直辖县级行政区划" placeholders (e.g. 429000)
        if name and "直辖县级" not in name and name not in parts:
            parts.append(name)
    return "".join(parts)


def province_of(code: str) -> str:
    """Province-level code of a region, e.g. province_of("429004") -> "420000"."""
    code = validate_region_code(code)
    _, special = _region_data()
    if code in special:
        return code
    return code[:2] + "0000"


# ---------------------------------------------------------------------------------------------
# Unified social credit code (统一社会信用代码, GB 32100-2015)
# ---------------------------------------------------------------------------------------------

#: The 31-character alphabet of GB 32100 (no I, O, S, V, Z); a character's value is its index.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1-17: 3**(i-1) mod 31.
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 组织机构代码 weights

#: Registration authority (登记管理部门, position 1) -> (zh, en).
CREDIT_AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "institutional staffing"),
    "2": ("外交", "foreign affairs"),
    "3": ("司法行政", "justice administration"),
    "4": ("文化", "culture"),
    "5": ("民政", "civil affairs"),
    "6": ("旅游", "tourism"),
    "7": ("宗教", "religious affairs"),
    "8": ("工会", "trade unions"),
    "9": ("工商（市场监管）", "market regulation (industry and commerce)"),
    "A": ("中央军委改革和编制办公室", "CMC reform and staffing office"),
    "N": ("农业", "agriculture"),
    "Y": ("其他", "other"),
}

#: Entity types (机构类别, position 2) allowed under each authority, per GB 32100-2015 annex A.
#: Authority "Y" (其他) defines only type 1 in the standard; we accept any type under "Y"
#: because other registration authorities are not standardised (be permissive where unsure).
CREDIT_KINDS: dict[str, dict[str, str]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "6": {
        "1": "外国旅游部门常驻代表机构",
        "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
        "9": "其他",
    },
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "基层工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    "Y": {"1": "其他"},
}


def _bad_credit(check: str, zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("invalid-credit-code", zh, en, field="credit_code", check=check, **extra)


def _credit_charset(text: str, first_position: int = 1) -> None:
    """Refuse the first character outside the GB 32100 alphabet, naming its position."""
    for offset, ch in enumerate(text):
        if ch not in CREDIT_CHARS:
            pos = first_position + offset
            raise _bad_credit(
                "charset",
                f"统一社会信用代码第{pos}位含非法字符“{ch}”"
                "（只允许数字和除 I、O、S、V、Z 外的大写字母）",
                f"character {pos} {ch!r} is not allowed (digits and capital letters except "
                "I, O, S, V, Z)",
                position=pos,
            )


def credit_code_check_char(first17: str) -> str:
    """Check character (position 18) of a credit code, e.g. "91510100MA0000007" -> "7"."""
    first17 = first17.strip().upper()
    if len(first17) != 17:
        raise _bad_credit(
            "length",
            f"计算校验位需要前17位，收到{len(first17)}位",
            f"the check character needs 17 characters, got {len(first17)}",
        )
    _credit_charset(first17)
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an organisation code body, e.g. "MA000000" -> "7"."""
    body8 = body8.strip().upper()
    if len(body8) != 8 or not all(ch.isascii() and ch.isalnum() for ch in body8):
        raise _bad_credit(
            "org-length",
            f"组织机构代码本体应为8位数字或大写字母，收到“{body8}”",
            f"an organisation code body is 8 digits or capital letters, got {body8!r}",
        )
    # digits count as themselves, letters as ord - 55 (A = 10)
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in body8]
    total = sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_credit_code(code: str) -> str:
    """Normalise and check a credit code, e.g. " 91510100ma00000077" -> "91510100MA00000077".

    Checks, in order: length 18; alphabet; registration authority (position 1) and entity type
    (position 2) pairs of GB 32100; region (positions 3-8): six digits whose province is known,
    or the national-level code 100000 (codes keep the division of their registration year, so
    abolished county codes are accepted); the final check character; the GB 11714 check
    character of the organisation code (positions 9-17). The error names the failing check.
    """
    if not isinstance(code, str):
        raise _bad_credit("type", "统一社会信用代码应为文本", "the credit code must be text")
    code = code.strip().upper()
    if len(code) != 18:
        raise _bad_credit(
            "length",
            f"统一社会信用代码应为18位，实际为{len(code)}位",
            f"a unified social credit code has 18 characters, got {len(code)}",
            length=len(code),
        )
    _credit_charset(code)
    authority, kind, region = code[0], code[1], code[2:8]
    if authority not in CREDIT_AUTHORITIES:
        raise _bad_credit(
            "authority",
            f"第1位登记管理部门代码“{authority}”不存在",
            f"registration authority code {authority!r} (position 1) does not exist",
        )
    if authority != "Y" and kind not in CREDIT_KINDS[authority]:
        raise _bad_credit(
            "kind",
            f"登记管理部门“{CREDIT_AUTHORITIES[authority][0]}”下不存在机构类别代码“{kind}”",
            f"entity type {kind!r} (position 2) does not exist under registration authority "
            f"{authority!r}",
        )
    _, special = _region_data()
    if not _SIX_DIGITS.fullmatch(region) or (
        region not in special and _known_ancestor(region[:2] + "0000") is None
    ):
        raise _bad_credit(
            "region",
            f"第3-8位登记管理机关行政区划码{region}不是已知的行政区划",
            f"positions 3-8 ({region}) are not a known administrative division code",
            region=region,
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise _bad_credit(
            "check",
            f"统一社会信用代码校验位错误，应为 {expected}",
            f"the check character is wrong, expected {expected}",
            expected=expected,
        )
    org_expected = org_code_check_char(code[8:16])
    if code[16] != org_expected:
        raise _bad_credit(
            "org-check",
            f"第9-17位主体标识码（组织机构代码）校验位错误，第17位应为 {org_expected}",
            f"the organisation code (positions 9-17) has a wrong check character, "
            f"expected {org_expected} at position 17",
            expected=org_expected,
        )
    return code


def is_valid_credit_code(code: object) -> bool:
    """True if the code passes validate_credit_code, e.g. "91510100MA00000077" -> True."""
    try:
        validate_credit_code(code)  # type: ignore[arg-type]
    except DomainError:
        return False
    return True


def make_credit_code(authority: str, kind: str, region: str, org_body8: str) -> str:
    """Build a valid credit code, e.g. make_credit_code("9", "1", "510100", "MA000000")."""
    body = org_body8.strip().upper()
    first17 = f"{authority.strip().upper()}{kind.strip().upper()}{region.strip()}"
    first17 += body + org_code_check_char(body)
    return validate_credit_code(first17 + credit_code_check_char(first17))


# ---------------------------------------------------------------------------------------------
# Resident ID number (公民身份号码, GB 11643-1999)
# ---------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _bad_id(check: str, zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("invalid-resident-id", zh, en, field="resident_id", check=check, **extra)


def resident_id_check_char(first17: str) -> str:
    """Check character of a resident ID, e.g. "11010519491231002" -> "X"."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise _bad_id(
            "format", "身份证号码前17位应为数字", "the first 17 characters must be digits"
        )
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(number: str, *, today: date | None = None) -> str:
    """Normalise and check a resident ID, e.g. "11010519491231002x" -> "11010519491231002X".

    Checks: 18 characters (old 15-digit numbers are refused with their own message), 17 digits
    plus a digit or X, a known province in positions 1-2 (older county codes are accepted), a
    real birth date not after ``today``, and the GB 11643 check character.
    """
    if not isinstance(number, str):
        raise _bad_id("type", "身份证号码应为文本", "the resident ID must be text")
    number = number.strip().upper()
    if len(number) == 15 and number.isascii() and number.isdigit():
        raise _bad_id(
            "legacy",
            "15位旧身份证号码不再受理，请使用18位公民身份号码",
            "old 15-digit ID numbers are not accepted; use the 18-character number",
        )
    if len(number) != 18:
        raise _bad_id(
            "length",
            f"公民身份号码应为18位，实际为{len(number)}位",
            f"a resident ID has 18 characters, got {len(number)}",
        )
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        raise _bad_id(
            "format",
            "公民身份号码应为17位数字加1位数字或X",
            "a resident ID is 17 digits followed by a digit or X",
        )
    if _known_ancestor(number[:2] + "0000") is None:
        raise _bad_id(
            "region",
            f"公民身份号码前6位地址码{number[:6]}不是已知的行政区划",
            f"the address code {number[:6]} is not a known administrative division",
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born > (today or date.today()) or born.year < 1850:
        raise _bad_id(
            "birth-date",
            f"公民身份号码中的出生日期{number[6:14]}无效",
            f"the birth date {number[6:14]} is not a valid date",
        )
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise _bad_id(
            "check",
            f"公民身份号码校验码错误，应为 {expected}",
            f"the check character is wrong, expected {expected}",
            expected=expected,
        )
    return number


def mask_resident_id(number: str, head: int = 6, tail: int = 4) -> str:
    """Hide the middle of an ID for display, e.g. "11010519491231002X" -> "110105********002X"."""
    number = number.strip().upper()
    if head < 0 or tail < 0 or len(number) <= head + tail:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[len(number) - tail :]


# ---------------------------------------------------------------------------------------------
# Unified deal code (统一交易标识码) and lot code (标段/包编号): see the module docstring
# ---------------------------------------------------------------------------------------------

#: Trading category letter (交易类别) -> (zh, en). New letters must keep distinct values mod 31.
DEAL_CATEGORIES: dict[str, tuple[str, str]] = {
    "J": ("工程建设", "construction"),
    "Z": ("政府采购", "government procurement"),
    "T": ("土地使用权", "land use rights"),
    "K": ("矿业权", "mining rights"),
    "C": ("国有产权", "state-owned property rights"),
    "Q": ("其他", "other"),
}
DEAL_YEAR_MIN, DEAL_YEAR_MAX = 2000, 2099
DEAL_SERIAL_MAX = 999_999
LOT_MAX = 999


@dataclass(frozen=True)
class DealCode:
    """The parts of a unified deal code, e.g. DealCode("420100", 2026, "J", 123)."""

    region: str
    year: int
    category: str
    serial: int

    @property
    def code(self) -> str:
        """The 18-character code, e.g. "4201002026J000123J"."""
        return make_deal_code(self.region, self.year, self.category, self.serial)

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class LotCode:
    """A lot (标段/包) of a deal, e.g. LotCode(DealCode("420100", 2026, "J", 123), 1)."""

    deal: DealCode
    lot_no: int

    @property
    def code(self) -> str:
        """The lot code, e.g. "4201002026J000123J-001"."""
        return make_lot_code(self.deal.code, self.lot_no)

    def __str__(self) -> str:
        return self.code


def _bad_deal(part: str, zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("invalid-deal-code", zh, en, field="deal_code", part=part, **extra)


def deal_code_check_char(first17: str) -> str:
    """Check character of a deal code, e.g. "4201002026J000123" -> "J" (GB 32100 MOD 31)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isalnum():
        raise _bad_deal("length", "计算校验位需要前17位", "the check character needs 17 characters")
    # value = base-36 digit value (0-9, A=10 ... Z=35); the sum is taken mod 31
    total = sum(int(ch, 36) * w for ch, w in zip(first17.upper(), CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def _deal_region(region: str) -> str:
    try:
        return validate_region_code(region)
    except DomainError as exc:
        raise _bad_deal(
            "region",
            f"统一交易标识码第1-6位行政区划代码无效：{exc.zh}",
            f"positions 1-6 of the deal code are not a valid region: {exc.en}",
        ) from exc


def _deal_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise _bad_deal("year", "年份应为整数", "the year must be an integer")
    if not DEAL_YEAR_MIN <= year <= DEAL_YEAR_MAX:
        raise _bad_deal(
            "year",
            f"统一交易标识码第7-10位年份{year}无效，应在{DEAL_YEAR_MIN}至{DEAL_YEAR_MAX}之间",
            f"the year {year} (positions 7-10) must be between {DEAL_YEAR_MIN} and {DEAL_YEAR_MAX}",
        )
    return year


def _deal_category(category: str) -> str:
    if category not in DEAL_CATEGORIES:
        letters = "、".join(DEAL_CATEGORIES)
        raise _bad_deal(
            "category",
            f"统一交易标识码第11位交易类别“{category}”无效，应为 {letters} 之一",
            f"the category {category!r} (position 11) must be one of {', '.join(DEAL_CATEGORIES)}",
        )
    return category


def _deal_serial(serial: int) -> int:
    if (
        isinstance(serial, bool)
        or not isinstance(serial, int)
        or not 1 <= serial <= DEAL_SERIAL_MAX
    ):
        raise _bad_deal(
            "serial",
            f"统一交易标识码第12-17位流水号应为1至{DEAL_SERIAL_MAX}，收到{serial}",
            f"the serial (positions 12-17) must be 1 to {DEAL_SERIAL_MAX}, got {serial}",
        )
    return serial


def make_deal_code(region: str, year: int, category: str, serial: int) -> str:
    """Build a unified deal code, e.g. make_deal_code("420100", 2026, "J", 123) -> "...J000123J"."""
    first17 = (
        f"{_deal_region(region)}{_deal_year(year):04d}"
        f"{_deal_category(category)}{_deal_serial(serial):06d}"
    )
    return first17 + deal_code_check_char(first17)


def validate_deal_code(code: str) -> DealCode:
    """Parse and check a deal code, e.g. "4201002026J000123J" -> DealCode("420100", 2026, ...)."""
    if not isinstance(code, str):
        raise _bad_deal("type", "统一交易标识码应为文本", "the deal code must be text")
    code = code.strip().upper()
    if len(code) != 18:
        raise _bad_deal(
            "length",
            f"统一交易标识码应为18位，实际为{len(code)}位",
            f"a unified deal code has 18 characters, got {len(code)}",
        )
    region = _deal_region(code[0:6])
    if not (code[6:10].isascii() and code[6:10].isdigit()):
        raise _bad_deal(
            "year",
            f"统一交易标识码第7-10位年份“{code[6:10]}”应为4位数字",
            f"the year {code[6:10]!r} (positions 7-10) must be 4 digits",
        )
    year = _deal_year(int(code[6:10]))
    category = _deal_category(code[10])
    if not (code[11:17].isascii() and code[11:17].isdigit()):
        raise _bad_deal(
            "serial",
            f"统一交易标识码第12-17位流水号“{code[11:17]}”应为6位数字",
            f"the serial {code[11:17]!r} (positions 12-17) must be 6 digits",
        )
    serial = _deal_serial(int(code[11:17]))
    expected = deal_code_check_char(code[:17])
    if code[17] != expected:
        raise _bad_deal(
            "check",
            f"统一交易标识码校验位错误，应为 {expected}",
            f"the check character is wrong, expected {expected}",
            expected=expected,
        )
    return DealCode(region, year, category, serial)


def is_valid_deal_code(code: object) -> bool:
    """True if the code passes validate_deal_code, e.g. "4201002026J000123J" -> True."""
    try:
        validate_deal_code(code)  # type: ignore[arg-type]
    except DomainError:
        return False
    return True


def make_lot_code(deal_code: str, lot_no: int) -> str:
    """Lot code of a deal, e.g. make_lot_code("4201002026J000123J", 1) -> "...J000123J-001"."""
    deal = validate_deal_code(deal_code)
    if isinstance(lot_no, bool) or not isinstance(lot_no, int) or not 1 <= lot_no <= LOT_MAX:
        raise DomainError(
            "invalid-lot-code",
            f"标段（包）号应为1至{LOT_MAX}，收到{lot_no}",
            f"the lot number must be 1 to {LOT_MAX}, got {lot_no}",
            field="lot_code",
            part="lot",
        )
    return f"{deal.code}-{lot_no:03d}"


def validate_lot_code(code: str) -> LotCode:
    """Parse and check a lot code, e.g. "4201002026J000123J-001" -> LotCode(..., lot_no=1)."""
    if not isinstance(code, str):
        raise DomainError(
            "invalid-lot-code",
            "标段（包）编号应为文本",
            "the lot code must be text",
            field="lot_code",
        )
    code = code.strip().upper()
    deal_part, sep, lot_part = code.partition("-")
    if not sep or len(lot_part) != 3 or not (lot_part.isascii() and lot_part.isdigit()):
        raise DomainError(
            "invalid-lot-code",
            f"标段（包）编号应为“统一交易标识码-三位标段号”，收到“{code}”",
            f"a lot code is '<deal code>-<3-digit lot number>', got {code!r}",
            field="lot_code",
            part="lot",
        )
    deal = validate_deal_code(deal_part)
    lot_no = int(lot_part)
    if lot_no < 1:
        raise DomainError(
            "invalid-lot-code",
            "标段（包）号不能为000",
            "the lot number cannot be 000",
            field="lot_code",
            part="lot",
        )
    return LotCode(deal, lot_no)
