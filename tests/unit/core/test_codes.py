"""Identifiers: credit codes, region codes, resident IDs, unified deal codes and lot codes."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from ggzy.core.codes import (
    CREDIT_CHARS,
    DEAL_CATEGORIES,
    DealCode,
    LotCode,
    credit_code_check_char,
    deal_code_check_char,
    is_valid_credit_code,
    is_valid_deal_code,
    make_credit_code,
    make_deal_code,
    make_lot_code,
    mask_resident_id,
    org_code_check_char,
    province_of,
    region_full_name,
    region_name,
    validate_credit_code,
    validate_deal_code,
    validate_lot_code,
    validate_region_code,
    validate_resident_id,
)
from ggzy.core.errors import DomainError

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
VECTOR_FILE = SHARED / "vectors" / "cn_codes.json"
VECTORS = json.loads(VECTOR_FILE.read_text(encoding="utf-8")) if VECTOR_FILE.exists() else {}
VALID = VECTORS.get("uscc_valid_examples", [])
INVALID = VECTORS.get("uscc_invalid_examples", [])
SYNTHETIC = "91510100MA00000077"  # rules.md §5.1, computed, not a real company
DEAL = "4201002026J000123J"


def _ids(entries: list[dict]) -> list[str]:
    return [entry["code"] for entry in entries]


# --- unified social credit code (统一社会信用代码) -----------------------------------------------


@pytest.mark.parametrize("entry", VALID, ids=_ids(VALID))
def test_every_valid_vector_code_is_accepted(entry: dict) -> None:
    assert validate_credit_code(entry["code"]) == entry["code"]


@pytest.mark.parametrize("entry", VALID, ids=_ids(VALID))
def test_every_valid_vector_code_has_the_vector_check_character(entry: dict) -> None:
    assert credit_code_check_char(entry["code"][:17]) == entry["check_char"]


@pytest.mark.parametrize("entry", VALID, ids=_ids(VALID))
def test_every_valid_vector_code_has_a_correct_organisation_code_check(entry: dict) -> None:
    org = entry["organization_code"]
    assert org_code_check_char(org[:8]) == org[8]


@pytest.mark.parametrize("entry", INVALID, ids=_ids(INVALID))
def test_every_invalid_vector_code_is_refused_unless_only_lower_case(entry: dict) -> None:
    code = entry["code"]
    if code != code.upper() and is_valid_credit_code(code.upper()):
        # our choice (the vector asks projects to choose): normalise lower case, do not reject
        assert validate_credit_code(code) == code.upper()
        return
    with pytest.raises(DomainError) as caught:
        validate_credit_code(code)
    assert caught.value.code == "invalid-credit-code"


def test_synthetic_vector_is_valid() -> None:
    assert validate_credit_code(SYNTHETIC) == SYNTHETIC


def test_lower_case_and_surrounding_spaces_are_normalised() -> None:
    assert validate_credit_code("  91510100ma00000077 ") == SYNTHETIC


def test_check_character_error_names_the_expected_character() -> None:
    with pytest.raises(DomainError) as caught:
        validate_credit_code("914403001922038217")
    error = caught.value
    assert error.zh == "统一社会信用代码校验位错误，应为 6"
    assert error.en == "the check character is wrong, expected 6"
    assert error.extra["check"] == "check"
    assert error.extra["expected"] == "6"
    assert error.status == 422


def test_changed_authority_a_is_refused_by_the_check_character_expecting_k() -> None:
    with pytest.raises(DomainError) as caught:
        validate_credit_code("A1110000600037341L")
    assert caught.value.extra == {
        "field": "credit_code",
        "check": "check",
        "expected": "K",
    }


def test_wrong_length_error_names_the_length() -> None:
    with pytest.raises(DomainError) as caught:
        validate_credit_code("9111000080210043B")
    assert caught.value.extra["check"] == "length"
    assert "17" in caught.value.zh


def test_forbidden_letter_error_names_its_position() -> None:
    with pytest.raises(DomainError) as caught:
        validate_credit_code("9111000080210O433B")
    assert caught.value.extra["check"] == "charset"
    assert caught.value.extra["position"] == 14
    assert "“O”" in caught.value.zh


def test_unknown_registration_authority_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        validate_credit_code("B1110000600037341L")
    assert caught.value.extra["check"] == "authority"


def test_entity_type_not_defined_for_the_authority_is_refused() -> None:
    # 9 (市场监管) defines only 1 企业, 2 个体工商户, 3 农民专业合作社
    with pytest.raises(DomainError) as caught:
        validate_credit_code("94110000600037341L")
    assert caught.value.extra["check"] == "kind"


def test_region_with_unknown_province_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        validate_credit_code("91990100MA00000077")
    assert caught.value.extra["check"] == "region"
    assert caught.value.extra["region"] == "990100"


def test_abolished_county_code_of_a_known_province_is_accepted() -> None:
    # 110228 密云县 became 110118 密云区 in 2015; codes keep their registration-year division
    assert is_valid_credit_code(make_credit_code("9", "1", "110228", "MA000000"))


def test_national_level_region_100000_is_accepted() -> None:
    assert validate_credit_code("91100000100003962T") == "91100000100003962T"


def test_organisation_code_check_error_names_the_expected_character() -> None:
    first17 = "91510100MA0000008"  # organisation code check should be 7
    with pytest.raises(DomainError) as caught:
        validate_credit_code(first17 + credit_code_check_char(first17))
    assert caught.value.extra["check"] == "org-check"
    assert caught.value.extra["expected"] == "7"


def test_make_credit_code_rebuilds_the_synthetic_vector() -> None:
    assert make_credit_code("9", "1", "510100", "MA000000") == SYNTHETIC


def test_make_credit_code_builds_codes_for_other_authorities() -> None:
    code = make_credit_code("5", "3", "420100", "MJ0000AB")  # 民政 / 基金会, Wuhan
    assert validate_credit_code(code) == code


def test_is_valid_credit_code_answers_false_instead_of_raising() -> None:
    assert is_valid_credit_code("914403001922038217") is False
    assert is_valid_credit_code(None) is False


def test_credit_alphabet_has_31_characters_without_i_o_s_v_z() -> None:
    assert len(CREDIT_CHARS) == 31
    assert not set("IOSVZ") & set(CREDIT_CHARS)


# --- administrative division codes (行政区划代码) ------------------------------------------------


def test_region_data_has_all_34_province_level_divisions() -> None:
    provinces = {code for code in map(str, range(110000, 830000, 10000)) if _known_region(code)}
    assert len(provinces) == 34
    assert {"420000", "710000", "810000", "820000"} <= provinces


def _known_region(code: str) -> bool:
    try:
        validate_region_code(code)
    except DomainError:
        return False
    return True


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("420000", "湖北省"),
        ("420100", "武汉市"),
        ("420102", "江岸区"),
        ("420106", "武昌区"),
        ("420111", "洪山区"),
        ("420115", "江夏区"),
        ("420200", "黄石市"),
        ("420700", "鄂州市"),
        ("420900", "孝感市"),
        ("421100", "黄冈市"),
        ("421200", "咸宁市"),
        ("429004", "仙桃市"),
        ("429005", "潜江市"),
        ("429006", "天门市"),
    ],
)
def test_hubei_regions_are_named(code: str, name: str) -> None:
    assert region_name(code) == name


@pytest.mark.parametrize(
    ("code", "sample"), sorted(VECTORS.get("gbt2260", {}).get("samples", {}).items())
)
def test_vector_region_samples_have_their_current_names(code: str, sample: str) -> None:
    current = re.sub(r"^\[[^\]]*\]", "", sample.split(",")[-1])  # "[1990-]南山区" -> 南山区
    assert region_name(code) == current


@pytest.mark.parametrize(
    "entry", [e for e in VALID if e["region_name_gbt2260"]], ids=lambda e: e["code"]
)
def test_vector_credit_code_regions_have_the_vector_names(entry: dict) -> None:
    assert region_name(entry["region_code"]) == entry["region_name_gbt2260"]


def test_full_name_joins_province_prefecture_and_county() -> None:
    assert region_full_name("420102") == "湖北省武汉市江岸区"


def test_full_name_skips_the_directly_administered_placeholder() -> None:
    assert region_full_name("429004") == "湖北省仙桃市"


def test_new_county_under_a_known_prefecture_is_accepted_and_named_after_it() -> None:
    assert validate_region_code("420199") == "420199"
    assert region_name("420199") == "武汉市"


def test_county_under_an_unknown_prefecture_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        validate_region_code("429901")
    assert caught.value.code == "invalid-region-code"


@pytest.mark.parametrize("code", ["42010", "4201000", "42O100", "", "４２０１００"])
def test_region_code_must_be_six_ascii_digits(code: str) -> None:
    with pytest.raises(DomainError):
        validate_region_code(code)


def test_province_of_gives_the_province_level_code() -> None:
    assert province_of("429004") == "420000"
    assert province_of("420102") == "420000"


# --- resident ID (公民身份号码) -------------------------------------------------------------------


def test_standard_example_resident_id_is_valid() -> None:
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"


def test_lower_case_x_is_normalised() -> None:
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


def test_resident_id_check_error_names_the_expected_character() -> None:
    with pytest.raises(DomainError) as caught:
        validate_resident_id("110105194912310021")
    assert caught.value.code == "invalid-resident-id"
    assert caught.value.extra["expected"] == "X"


def test_impossible_birth_date_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        validate_resident_id("110105194902310020")
    assert caught.value.extra["check"] == "birth-date"


def test_birth_date_after_today_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        validate_resident_id("11010519491231002X", today=date(1949, 12, 30))
    assert caught.value.extra["check"] == "birth-date"


def test_old_fifteen_digit_number_is_refused_with_its_own_message() -> None:
    with pytest.raises(DomainError) as caught:
        validate_resident_id("110105491231002")
    assert caught.value.extra["check"] == "legacy"


def test_mask_hides_the_birth_date() -> None:
    assert mask_resident_id("11010519491231002X") == "110105********002X"


# --- unified deal code (统一交易标识码) and lot code (标段/包编号) -------------------------


def test_deal_code_is_region_year_category_serial_and_check() -> None:
    assert make_deal_code("420100", 2026, "J", 123) == DEAL


def test_validate_deal_code_returns_its_parts() -> None:
    assert validate_deal_code(DEAL) == DealCode("420100", 2026, "J", 123)
    assert DealCode("420100", 2026, "J", 123).code == DEAL


@pytest.mark.parametrize("category", sorted(DEAL_CATEGORIES))
def test_every_category_round_trips(category: str) -> None:
    code = make_deal_code("429004", 2031, category, 999_999)
    assert validate_deal_code(code.lower()) == DealCode("429004", 2031, category, 999_999)


def test_categories_carry_chinese_and_english_names() -> None:
    assert DEAL_CATEGORIES["Z"] == ("政府采购", "government procurement")
    assert all(zh and en for zh, en in DEAL_CATEGORIES.values())


def test_category_letters_have_distinct_check_values() -> None:
    values = [int(letter, 36) % 31 for letter in DEAL_CATEGORIES]
    assert len(set(values)) == len(values)


SAMPLE_DEALS = [make_deal_code("420100", 2026, c, s) for c in DEAL_CATEGORIES for s in (1, 9807)]
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize("code", SAMPLE_DEALS)
def test_every_single_character_error_is_detected(code: str) -> None:
    for position, original in enumerate(code):
        for replacement in ALPHANUMERIC:
            if replacement != original:
                typo = code[:position] + replacement + code[position + 1 :]
                assert not is_valid_deal_code(typo), typo


@pytest.mark.parametrize("code", SAMPLE_DEALS)
def test_every_adjacent_transposition_is_detected(code: str) -> None:
    for position in range(len(code) - 1):
        a, b = code[position], code[position + 1]
        if a != b:
            swapped = code[:position] + b + a + code[position + 2 :]
            assert not is_valid_deal_code(swapped), swapped


@pytest.mark.parametrize(
    ("code", "part"),
    [
        ("4201002026J000123", "length"),
        ("9901002026J000123J", "region"),
        ("4201001999J000123J", "year"),
        ("4201002026X000123J", "category"),
        ("4201002026J000000J", "serial"),
        ("4201002026J0001A3J", "serial"),
    ],
)
def test_deal_code_error_names_the_failing_part(code: str, part: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_deal_code(code)
    assert caught.value.code == "invalid-deal-code"
    assert caught.value.extra["part"] == part


def test_deal_code_check_error_names_the_expected_character() -> None:
    with pytest.raises(DomainError) as caught:
        validate_deal_code(DEAL[:17] + "K")
    assert caught.value.extra["part"] == "check"
    assert caught.value.zh == "统一交易标识码校验位错误，应为 J"


def test_deal_check_character_is_computed_over_the_first_17_characters() -> None:
    assert deal_code_check_char(DEAL[:17]) == DEAL[17]


@pytest.mark.parametrize(
    ("region", "year", "category", "serial"),
    [
        ("420100", 2026, "J", 0),
        ("420100", 2026, "J", 1_000_000),
        ("420100", 1999, "J", 1),
        ("420100", 2026, "S", 1),
        ("990100", 2026, "J", 1),
    ],
)
def test_make_deal_code_refuses_bad_parts(region: str, year: int, category: str, serial: int):
    with pytest.raises(DomainError):
        make_deal_code(region, year, category, serial)


def test_lot_code_appends_a_three_digit_lot_number() -> None:
    assert make_lot_code(DEAL, 1) == DEAL + "-001"


def test_validate_lot_code_returns_the_deal_and_lot_number() -> None:
    lot = validate_lot_code(DEAL + "-012")
    assert lot == LotCode(DealCode("420100", 2026, "J", 123), 12)
    assert lot.code == DEAL + "-012"


@pytest.mark.parametrize("code", [DEAL + "-000", DEAL + "-1", DEAL + "001", DEAL[:17] + "K-001"])
def test_malformed_lot_codes_are_refused(code: str) -> None:
    with pytest.raises(DomainError):
        validate_lot_code(code)


def test_lot_number_above_999_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        make_lot_code(DEAL, 1000)
    assert caught.value.code == "invalid-lot-code"
