"""Evaluation methods (ggzy.evaluation.methods), rules.md §2.1–2.2: one behaviour per test.

Money is in 分: WAN = 1 万元 = 1,000,000 分, so 100 * WAN is 100 万元. Every expected number is
worked out by hand in the comment above it (scores ROUND_HALF_UP to 2 decimals).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ggzy.core.errors import DomainError
from ggzy.evaluation.methods import evaluate_case, load_case
from ggzy.evaluation.scoring import Review, rank_lowest_price
from ggzy.procedures.rules import resolve

WAN = 1_000_000  # 1 万元 in 分
DATA = Path(__file__).resolve().parents[2] / "data" / "scoring"
GOODS_FACTORS = [
    {"code": "tech", "name": "技术方案", "max": 40, "kind": "technical"},
    {"code": "biz", "name": "商务", "max": 30, "kind": "business"},
]
WORKS_FACTORS = [
    {"code": "tech", "name": "施工组织设计", "max": 25, "kind": "technical"},
    {"code": "biz", "name": "项目管理机构", "max": 15, "kind": "business"},
]


def sheet(tech: Any, biz: Any, experts: int = 3) -> dict[str, dict[str, Any]]:
    """Every expert gives the same scores."""
    return {f"expert-{i}": {"tech": tech, "biz": biz} for i in range(1, experts + 1)}


def bid(bidder: str, price: int, tech: Any = 30, biz: Any = 20, **extra: Any) -> dict[str, Any]:
    return {"bidder": bidder, "price": price, "scores": sheet(tech, biz), **extra}


def gp_case(bids: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    """A goods lot scored by comprehensive scoring on 2026-06-01 (19号 bands), weight 30."""
    params = {"price_weight": 30, "sme_deduction": 10, "sme_consortium_deduction": 4}
    params |= over.pop("params", {})
    case = {
        "method": "gp_comprehensive",
        "category": "goods",
        "date": "2026-06-01",
        "params": params,
        "factors": GOODS_FACTORS,
        "bids": bids,
    }
    return case | over


def lowest_case(bids: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    """A goods lot by government-procurement lowest price, no scoring factors."""
    case = gp_case(bids, method="gp_lowest_price", factors=[], **over)
    case["params"].pop("price_weight")
    for b in bids:
        b.pop("scores", None)
    return case


def wbid(bidder: str, price: int, tech: Any = 20, biz: Any = 10) -> dict[str, Any]:
    """A construction bid scored by two experts (technical max 25, business max 15)."""
    return {"bidder": bidder, "price": price, "scores": sheet(tech, biz, experts=2)}


def works_case(bids: list[dict[str, Any]], **bench: Any) -> dict[str, Any]:
    """Construction comprehensive evaluation: K 2 %, 60 price points, −1 per % above, −0.5 below."""
    benchmark = {"k": 2, "price_points": 60, "above_per_pct": 1, "below_per_pct": "0.5"} | bench
    return {
        "method": "construction_comprehensive",
        "date": "2026-06-01",
        "params": {"benchmark": benchmark},
        "factors": WORKS_FACTORS,
        "bids": bids,
    }


def rows(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["bidder"]: r for r in result["ranked"]}


def order(result: dict[str, Any]) -> list[str]:
    return [r["bidder"] for r in result["ranked"]]


def refused(case: dict[str, Any]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        evaluate_case(case)
    return caught.value


# ---------------------------------------------------------------- GP comprehensive scoring


def test_gp_price_score_is_lowest_price_over_own_price_times_weight() -> None:
    result = evaluate_case(gp_case([bid("A", 100 * WAN), bid("B", 95 * WAN), bid("C", 90 * WAN)]))
    # benchmark 90 万: A 90/100 × 30 = 27.00; B 90/95 × 30 = 28.421… → 28.42; C 30.00
    # technical 30 + business 20 each: totals 77.00, 78.42, 80.00
    assert result["benchmark"] == {"kind": "lowest_evaluated_price", "price": 90 * WAN}
    assert [(r["bidder"], r["price_score"], r["total"]) for r in result["ranked"]] == [
        ("C", "30.00", "80.00"),
        ("B", "28.42", "78.42"),
        ("A", "27.00", "77.00"),
    ]
    assert [r["rank"] for r in result["ranked"]] == [1, 2, 3]


def test_gp_total_is_price_score_plus_mean_of_experts_per_factor() -> None:
    scores = {
        "expert-1": {"tech": 35, "biz": 25},
        "expert-2": {"tech": 33, "biz": 24},
        "expert-3": {"tech": 29, "biz": "26.5"},
    }
    result = evaluate_case(gp_case([{"bidder": "A", "price": 90 * WAN, "scores": scores}]))
    # tech (35 + 33 + 29) / 3 = 32.333… → 32.33; biz (25 + 24 + 26.5) / 3 = 25.1666… → 25.17
    # price 30.00 (the only bid is the benchmark); total 30.00 + 32.33 + 25.17 = 87.50
    row = rows(result)["A"]
    assert (row["technical_score"], row["business_score"], row["total"]) == (
        "32.33",
        "25.17",
        "87.50",
    )


def test_small_micro_deduction_lowers_the_evaluated_price_not_the_bid_price() -> None:
    result = evaluate_case(
        gp_case([bid("A", 100 * WAN, sme="small_micro"), bid("B", 95 * WAN), bid("C", 92 * WAN)])
    )
    # A: 100 万 − 10 % = 90 万 evaluated, the benchmark; B 90/95 × 30 = 28.42; C 90/92 × 30 = 29.35
    a, b, c = (rows(result)[x] for x in "ABC")
    assert (a["price"], a["evaluated_price"], a["price_score"]) == (100 * WAN, 90 * WAN, "30.00")
    assert a["deductions"] == [
        {
            "policy": "sme_small_micro",
            "pct": "10",
            "amount": 10 * WAN,
            "basis": "财库〔2022〕19号 第2条",
        }
    ]
    assert (b["price_score"], c["price_score"]) == ("28.42", "29.35")


def test_gp_comprehensive_tie_on_total_goes_to_the_lower_evaluated_price() -> None:
    # A: 90 万 → price 30.00 + 30 + 20 = 80.00; B: 100 万 → 27.00 + 33 + 20 = 80.00
    result = evaluate_case(gp_case([bid("B", 100 * WAN, tech=33), bid("A", 90 * WAN)]))
    assert [r["total"] for r in result["ranked"]] == ["80.00", "80.00"]
    assert order(result) == ["A", "B"]
    assert result["warnings"] == []


def test_gp_comprehensive_tie_on_total_and_price_goes_to_the_higher_technical_score() -> None:
    # both 90 万 → 30.00; A 30 + 32 + 18 = 80.00, C 30 + 30 + 20 = 80.00: technical 32 > 30
    result = evaluate_case(gp_case([bid("C", 90 * WAN), bid("A", 90 * WAN, tech=32, biz=18)]))
    assert order(result) == ["A", "C"]


def test_unbroken_tie_falls_back_to_submission_order_with_a_warning() -> None:
    result = evaluate_case(gp_case([bid("A", 90 * WAN, order=2), bid("B", 90 * WAN, order=1)]))
    assert order(result) == ["B", "A"]
    assert [r["rank"] for r in result["ranked"]] == [1, 2]  # never a shared rank
    assert len(result["warnings"]) == 1
    assert "A" in result["warnings"][0] and "documents decide" in result["warnings"][0]


def test_tie_break_override_replaces_the_default_chain() -> None:
    # totals tie at 80.00 (see above); with tie_break ["technical"] B (33) beats A (30)
    case = gp_case(
        [bid("B", 100 * WAN, tech=33), bid("A", 90 * WAN)], params={"tie_break": ["technical"]}
    )
    assert order(evaluate_case(case)) == ["B", "A"]


def test_precision_sets_the_decimals_of_every_score() -> None:
    case = gp_case([bid("B", 95 * WAN), bid("C", 90 * WAN)], params={"precision": 3})
    # 90/95 × 30 = 28.42105… → 28.421
    assert rows(evaluate_case(case))["B"]["price_score"] == "28.421"


# ---------------------------------------------------------------- GP lowest evaluated price


def test_gp_lowest_price_ranks_by_evaluated_price_and_has_no_price_score() -> None:
    result = evaluate_case(
        lowest_case([bid("A", 100 * WAN, sme="small_micro"), bid("B", 92 * WAN)])
    )
    # A: 100 万 − 10 % = 90 万 < B 92 万
    assert order(result) == ["A", "B"]
    assert rows(result)["A"]["evaluated_price"] == 90 * WAN
    assert (rows(result)["A"]["price_score"], rows(result)["A"]["total"]) == (None, None)
    assert result["benchmark"] is None


def test_gp_lowest_price_tie_goes_to_the_higher_technical_score() -> None:
    case = gp_case([bid("A", 90 * WAN, tech=28), bid("B", 90 * WAN, tech=31)])
    case["method"] = "gp_lowest_price"
    result = evaluate_case(case)
    # evaluated prices equal (90 万); technical 31 > 28
    assert order(result) == ["B", "A"]
    assert rows(result)["B"]["technical_score"] == "31.00"


# ---------------------------------------------------------------- SME price deduction


def test_consortium_with_a_30_percent_small_micro_share_gets_the_consortium_deduction() -> None:
    result = evaluate_case(lowest_case([bid("A", 100 * WAN, sme="consortium", sme_share_pct=30)]))
    # 19号: 4 % of 100 万 = 4 万 → 96 万
    assert rows(result)["A"]["evaluated_price"] == 96 * WAN
    assert rows(result)["A"]["deductions"][0]["policy"] == "sme_consortium"


def test_consortium_below_the_30_percent_share_gets_nothing() -> None:
    result = evaluate_case(
        lowest_case([bid("A", 100 * WAN, sme="consortium", sme_share_pct="29.9")])
    )
    assert rows(result)["A"]["evaluated_price"] == 100 * WAN  # a hard gate, not a taper
    assert rows(result)["A"]["deductions"] == []


def test_a_lot_reserved_for_smes_gets_no_sme_deduction() -> None:
    case = lowest_case([bid("A", 100 * WAN, sme="small_micro")], reserved_for_sme=True)
    assert rows(evaluate_case(case))["A"]["evaluated_price"] == 100 * WAN


@pytest.mark.parametrize(
    ("on", "rate", "allowed"),
    [
        ("2022-06-30", 6, True),  # 46号: 6–10
        ("2022-06-30", 10, True),
        ("2022-06-30", 12, False),
        ("2022-07-01", 12, True),  # 19号: 10–20
        ("2022-07-01", 20, True),
        ("2022-07-01", 6, False),
    ],
)
def test_small_micro_rate_must_lie_in_the_band_in_force_on_the_date(
    on: str, rate: int, allowed: bool
) -> None:
    case = lowest_case([bid("A", 100 * WAN, sme="small_micro")], date=on)
    case["params"] |= {"sme_deduction": rate, "sme_consortium_deduction": None}
    if allowed:
        # e.g. 12 % of 100 万 = 12 万 → 88 万
        assert rows(evaluate_case(case))["A"]["evaluated_price"] == (100 - rate) * WAN
    else:
        error = refused(case)
        assert (error.code, error.extra["field"]) == (
            "sme-rate-out-of-band",
            "params.sme_deduction",
        )


def test_46_band_gives_the_46_basis_in_the_deduction() -> None:
    case = lowest_case([bid("A", 100 * WAN, sme="small_micro")], date="2021-03-01")
    case["params"] |= {"sme_deduction": 8, "sme_consortium_deduction": 2}
    # 8 % of 100 万 = 8 万 → 92 万
    row = rows(evaluate_case(case))["A"]
    assert row["evaluated_price"] == 92 * WAN
    assert row["deductions"][0]["basis"] == "财库〔2020〕46号 第9条"


def test_consortium_rate_46_band_is_2_to_3_percent() -> None:
    case = lowest_case([bid("A", 100 * WAN)], date="2021-03-01")
    case["params"] |= {"sme_deduction": 8, "sme_consortium_deduction": 4}
    assert refused(case).code == "sme-rate-out-of-band"


def test_engineering_small_micro_band_is_3_to_5_percent() -> None:
    case = lowest_case([bid("A", 100 * WAN, sme="small_micro")], category="engineering")
    case["params"] |= {"sme_deduction": 5, "sme_consortium_deduction": 2}
    assert rows(evaluate_case(case))["A"]["evaluated_price"] == 95 * WAN
    case["params"]["sme_deduction"] = 10
    assert refused(case).code == "sme-rate-out-of-band"


def test_small_micro_bid_without_a_deduction_rate_is_refused() -> None:
    case = lowest_case([bid("A", 100 * WAN, sme="small_micro")])
    del case["params"]["sme_deduction"]
    assert refused(case).code == "missing-param"


def test_no_sme_band_before_46_is_in_force() -> None:
    case = lowest_case([bid("A", 100 * WAN, sme="small_micro")], date="2020-12-31")
    error = refused(case)
    assert (error.code, error.extra["field"]) == ("no-rule-in-force", "date")


# ---------------------------------------------------------------- domestic-product preference


def test_domestic_preference_stacks_with_the_sme_deduction() -> None:
    result = evaluate_case(lowest_case([bid("A", 100 * WAN, sme="small_micro", domestic=True)]))
    # additive: 10 % (10 万) + 20 % (20 万) of 100 万 → 70 万
    row = rows(result)["A"]
    assert row["evaluated_price"] == 70 * WAN
    assert [(d["policy"], d["amount"]) for d in row["deductions"]] == [
        ("sme_small_micro", 10 * WAN),
        ("domestic", 20 * WAN),
    ]


def test_multiplicative_stacking_takes_the_preference_from_the_reduced_price() -> None:
    case = lowest_case([bid("A", 100 * WAN, sme="small_micro", domestic=True)])
    case["params"]["stacking"] = "multiplicative"
    # 100 万 − 10 % = 90 万; 90 万 − 20 % (18 万) = 72 万
    assert rows(evaluate_case(case))["A"]["evaluated_price"] == 72 * WAN


def test_domestic_preference_is_ignored_with_a_warning_before_2026() -> None:
    result = evaluate_case(lowest_case([bid("A", 100 * WAN, domestic=True)], date="2025-12-31"))
    assert rows(result)["A"]["evaluated_price"] == 100 * WAN
    assert any("not in force" in w for w in result["warnings"])


def test_domestic_preference_param_before_2026_is_refused() -> None:
    case = lowest_case([bid("A", 100 * WAN)], date="2025-12-31")
    case["params"]["domestic_preference"] = 20
    assert refused(case).code == "domestic-not-in-force"


def test_domestic_preference_other_than_20_percent_is_refused() -> None:
    case = lowest_case([bid("A", 100 * WAN, domestic=True)], params={"domestic_preference": 15})
    assert refused(case).code == "domestic-rate"


# ---------------------------------------------------------------- price weight


@pytest.mark.parametrize(
    ("category", "weight", "allowed"),
    [
        ("goods", 30, True),
        ("goods", 60, True),
        ("goods", 25, False),
        ("goods", 61, False),
        ("services", 10, True),
        ("services", 35, False),
        ("engineering", 30, True),  # follows goods
        ("engineering", 20, False),
    ],
)
def test_price_weight_must_lie_in_the_band_of_the_category(
    category: str, weight: int, allowed: bool
) -> None:
    case = gp_case([bid("A", 90 * WAN)], category=category, params={"price_weight": weight})
    case["params"] |= {"sme_deduction": None, "sme_consortium_deduction": None}
    if allowed:
        assert rows(evaluate_case(case))["A"]["price_score"] == f"{weight}.00"
    else:
        error = refused(case)
        assert (error.code, error.extra["field"]) == (
            "price-weight-out-of-band",
            "params.price_weight",
        )


def test_comprehensive_scoring_without_a_price_weight_is_refused() -> None:
    case = gp_case([bid("A", 90 * WAN)])
    del case["params"]["price_weight"]
    assert refused(case).code == "missing-param"


def test_weights_not_adding_up_to_100_give_a_warning() -> None:
    case = gp_case([bid("A", 90 * WAN)], params={"price_weight": 40})
    # 40 + 40 + 30 = 110
    assert any("110" in w for w in evaluate_case(case)["warnings"])


# ---------------------------------------------------------------- same brand (Order 87 art. 31)


def test_same_brand_under_lowest_price_sends_the_cheapest_forward() -> None:
    case = lowest_case(
        [bid("A", 50 * WAN, brand="华为"), bid("B", 48 * WAN, brand="华为"), bid("C", 49 * WAN)]
    )
    result = evaluate_case(case)
    assert order(result) == ["B", "C"]
    assert result["rejected"][0]["bidder"] == "A"
    assert result["rejected"][0]["reason"].startswith("同品牌")


def test_same_brand_is_matched_without_regard_to_case() -> None:
    case = lowest_case([bid("A", 50 * WAN, brand="Huawei"), bid("B", 48 * WAN, brand="HUAWEI")])
    assert order(evaluate_case(case)) == ["B"]


def test_same_brand_under_comprehensive_scoring_sends_the_highest_score_forward() -> None:
    # benchmark 90 万 (B). A 100 万: 27.00 + 38 + 28 = 93.00; B 90 万: 30.00 + 30 + 20 = 80.00
    case = gp_case([bid("A", 100 * WAN, tech=38, biz=28, brand="X"), bid("B", 90 * WAN, brand="X")])
    result = evaluate_case(case)
    assert order(result) == ["A"]
    assert rows(result)["A"]["price_score"] == "27.00"  # scored against the same-brand B
    assert [r["bidder"] for r in result["rejected"]] == ["B"]


def test_same_brand_tie_is_left_to_the_documents_with_a_warning() -> None:
    case = lowest_case(
        [bid("A", 50 * WAN, brand="X", order=2), bid("B", 50 * WAN, brand="X", order=1)]
    )
    result = evaluate_case(case)
    assert order(result) == ["B"]  # order 1
    assert any("documents decide" in w for w in result["warnings"])


# ---------------------------------------------------------------- abnormally low price


def test_abnormally_low_below_half_the_mean() -> None:
    prices = {"A": 33, "B": 66, "C": 150, "D": 150, "E": 150}
    case = lowest_case([bid(k, v * WAN) for k, v in prices.items()])
    # mean 549 / 5 = 109.8 万, 50 % = 54.9 万: A 33 万 is below, B 66 万 is not;
    # second-lowest 66 万 × 50 % = 33 万: A is not below it (not strictly)
    assert evaluate_case(case)["abnormal"] == [
        {"bidder": "A", "triggers": ["mean"], "decision": "pending"}
    ]


def test_abnormally_low_below_half_the_second_lowest() -> None:
    case = lowest_case(
        [bid("A", 40 * WAN, abnormal_explained=True), bid("B", 100 * WAN), bid("C", 100 * WAN)]
    )
    # mean 80 万 × 50 % = 40 万: 40 万 is not below it; second-lowest 100 万 × 50 % = 50 万 > 40 万
    assert evaluate_case(case)["abnormal"] == [
        {"bidder": "A", "triggers": ["second_lowest"], "decision": "explained"}
    ]


def test_abnormally_low_below_45_percent_of_the_maximum_price() -> None:
    case = lowest_case(
        [bid("A", 44 * WAN, abnormal_explained=True), bid("B", 46 * WAN)], max_price=100 * WAN
    )
    # 45 % of 100 万 = 45 万: A 44 万 is below, B 46 万 is not; mean 45 万, second 46 万: no others
    assert evaluate_case(case)["abnormal"] == [
        {"bidder": "A", "triggers": ["max_price"], "decision": "explained"}
    ]


def test_unexplained_abnormally_low_bid_is_rejected_and_leaves_the_benchmark() -> None:
    case = gp_case(
        [bid("A", 100 * WAN), bid("B", 100 * WAN), bid("C", 30 * WAN, abnormal_explained=False)]
    )
    # mean 76.67 万 × 50 % = 38.33 万 > 30 万; second 100 万 × 50 % = 50 万 > 30 万
    result = evaluate_case(case)
    assert result["abnormal"] == [
        {"bidder": "C", "triggers": ["mean", "second_lowest"], "decision": "rejected"}
    ]
    assert result["rejected"][0]["bidder"] == "C" and "第60条" in result["rejected"][0]["reason"]
    # benchmark is now 100 万: A and B both 30.00
    assert result["benchmark"]["price"] == 100 * WAN
    assert [r["price_score"] for r in result["ranked"]] == ["30.00", "30.00"]


def test_abnormally_low_bid_not_yet_decided_stays_ranked_with_a_pending_warning() -> None:
    case = lowest_case([bid("A", 100 * WAN), bid("B", 100 * WAN), bid("C", 30 * WAN)])
    result = evaluate_case(case)
    assert order(result) == ["C", "A", "B"]
    assert result["abnormal"][0]["decision"] == "pending"
    assert any("pending" in w and "C" in w for w in result["warnings"])


def test_explained_abnormally_low_bid_is_kept_without_a_warning() -> None:
    case = lowest_case([bid("A", 100 * WAN), bid("C", 30 * WAN, abnormal_explained=True)])
    result = evaluate_case(case)
    assert order(result) == ["C", "A"]
    assert not any("pending" in w for w in result["warnings"])


def test_abnormal_triggers_are_configurable_and_can_be_switched_off() -> None:
    case = lowest_case([bid("A", 100 * WAN), bid("B", 100 * WAN), bid("C", 30 * WAN)])
    case["params"]["abnormal_low"] = {"mean_pct": None, "second_pct": 25}
    # mean off; 25 % of 100 万 = 25 万 < 30 万; no max_price
    assert evaluate_case(case)["abnormal"] == []


# ---------------------------------------------------------------- construction: lowest price


def test_construction_lowest_price_ranks_evaluated_then_bid_price_then_order() -> None:
    bids = [
        {"bidder": "A", "price": 103 * WAN, "adjustment": 2 * WAN},  # 105 万
        {"bidder": "B", "price": 100 * WAN, "adjustment": 5 * WAN},  # 105 万, lower bid price
        {"bidder": "C", "price": 104 * WAN},  # 104 万
        {"bidder": "D", "price": 100 * WAN, "adjustment": 5 * WAN},  # ties B on both
    ]
    case = {"method": "construction_lowest_price", "date": "2026-06-01", "bids": bids}
    result = evaluate_case(case)
    assert order(result) == ["C", "B", "D", "A"]
    assert rows(result)["A"]["evaluated_price"] == 105 * WAN
    assert rows(result)["A"]["deductions"][0]["policy"] == "adjustment"
    assert len(result["warnings"]) == 1 and "B, D" in result["warnings"][0]


def test_construction_lowest_price_agrees_with_the_existing_ranking() -> None:
    bids = [
        {"bidder": "A", "price": 100 * WAN, "adjustment": 5 * WAN},
        {"bidder": "B", "price": 103 * WAN, "adjustment": 2 * WAN},
        {"bidder": "C", "price": 120 * WAN},
        {"bidder": "E", "price": 90 * WAN, "qualified": False, "reason": "资质不符"},
    ]
    case = {
        "method": "construction_lowest_price",
        "date": "2026-06-01",
        "max_price": 110 * WAN,
        "bids": bids,
    }
    result = evaluate_case(case)
    ranked, rejected = rank_lowest_price(
        [{"bidder": b["bidder"], "price": b["price"], "bid": i} for i, b in enumerate(bids)],
        {
            "A": Review(adjustment=5 * WAN),
            "B": Review(adjustment=2 * WAN),
            "E": Review(qualified=False, reason="资质不符"),
        },
        110 * WAN,
    )
    assert [(r["bidder"], r["evaluated_price"]) for r in result["ranked"]] == [
        (r.bidder, r.evaluated_price) for r in ranked
    ]
    assert [r["bidder"] for r in result["rejected"]] == [r.bidder for r in rejected]
    assert result["rejected"][1]["reason"] == "资质不符"


def test_sme_flags_are_not_applied_by_construction_methods() -> None:
    bids = [{"bidder": "A", "price": 100 * WAN, "sme": "small_micro"}]
    case = {"method": "construction_lowest_price", "date": "2026-06-01", "bids": bids}
    result = evaluate_case(case)
    assert rows(result)["A"]["evaluated_price"] == 100 * WAN
    assert any("procurement policies" in w for w in result["warnings"])


# ---------------------------------------------------------------- construction: benchmark price


def test_construction_benchmark_keeps_every_bid_with_fewer_than_5() -> None:
    result = evaluate_case(
        works_case([wbid("A", 100 * WAN), wbid("B", 98 * WAN), wbid("C", 96 * WAN)])
    )
    # mean 98 万 × (1 − 2 %) = 96.04 万 = 96 040 000 分
    assert result["benchmark"] == {
        "kind": "mean_less_k",
        "count": 3,
        "excluded": [],
        "mean": 98 * WAN,
        "k": "2",
        "price": 96_040_000,
    }
    # A: 3.96 / 96.04 = 4.1233 % above → 60 − 4.1233 = 55.8767 → 55.88
    # B: 1.96 / 96.04 = 2.0408 % above → 57.9592 → 57.96
    # C: 0.04 / 96.04 = 0.041649 % below × 0.5 = 0.0208 → 59.9792 → 59.98
    assert {r["bidder"]: r["price_score"] for r in result["ranked"]} == {
        "A": "55.88",
        "B": "57.96",
        "C": "59.98",
    }
    # plus technical 20 and business 10 from both experts: C 89.98 first
    assert (order(result), rows(result)["C"]["total"]) == (["C", "B", "A"], "89.98")


def test_construction_benchmark_drops_the_highest_and_lowest_of_5_or_more() -> None:
    prices = {"A": 120, "B": 100, "C": 98, "D": 96, "E": 80}
    result = evaluate_case(works_case([wbid(k, v * WAN) for k, v in prices.items()]))
    # without A and E: mean (100 + 98 + 96) / 3 = 98 万 → × 0.98 = 96.04 万
    assert result["benchmark"]["excluded"] == ["E", "A"]
    assert (result["benchmark"]["count"], result["benchmark"]["price"]) == (3, 96_040_000)
    # A: 23.96 / 96.04 = 24.9479 % above → 35.0521 → 35.05
    # E: 16.04 / 96.04 = 16.7014 % below × 0.5 = 8.3507 → 51.6493 → 51.65
    assert (rows(result)["A"]["price_score"], rows(result)["E"]["price_score"]) == (
        "35.05",
        "51.65",
    )


def test_construction_benchmark_without_excluding_extremes_uses_every_valid_bid() -> None:
    prices = {"A": 120, "B": 100, "C": 98, "D": 96, "E": 80}
    case = works_case([wbid(k, v * WAN) for k, v in prices.items()], exclude_extremes=False)
    result = evaluate_case(case)
    # mean 494 / 5 = 98.8 万 × 0.98 = 96.824 万 = 96 824 000 分
    assert result["benchmark"]["price"] == 96_824_000
    # D 96 万: 0.824 / 96.824 = 0.85103 % below × 0.5 = 0.42551 → 59.57449 → 59.57
    assert rows(result)["D"]["price_score"] == "59.57"


def test_construction_benchmark_counts_only_valid_bids() -> None:
    bids = [wbid("A", 100 * WAN), wbid("B", 98 * WAN), wbid("C", 96 * WAN)]
    bids.append({"bidder": "X", "price": 50 * WAN, "qualified": False})
    bids.append({"bidder": "Y", "price": 200 * WAN})
    case = works_case(bids) | {"max_price": 150 * WAN}
    # X unqualified and Y above the maximum: the benchmark is the 96.04 万 of the three others
    result = evaluate_case(case)
    assert result["benchmark"]["price"] == 96_040_000
    assert [r["bidder"] for r in result["rejected"]] == ["X", "Y"]


def test_construction_price_score_is_floored_at_zero() -> None:
    case = works_case([wbid("A", 100 * WAN), wbid("B", 100 * WAN), wbid("C", 300 * WAN)], k=0)
    # mean 166.67 万; C is 80 % above → 60 − 80 < 0 → 0.00
    assert rows(evaluate_case(case))["C"]["price_score"] == "0.00"


def test_construction_comprehensive_ties_go_to_bid_price_then_technical() -> None:
    bids = [
        wbid("B", 110 * WAN, tech=20, biz=10),
        wbid("C", 110 * WAN, tech=22, biz=8),
        wbid("D", 90 * WAN, tech=18, biz=12),
        wbid("A", 90 * WAN, tech=20, biz=10),
    ]
    case = works_case(bids, k=0, below_per_pct=1)
    # mean 100 万, K 0: 10 % above or below → 50.00 each; every total 80.00
    # bid price 90 万 first (A, D), then technical: A 20 > D 18; C 22 > B 20
    result = evaluate_case(case)
    assert {r["total"] for r in result["ranked"]} == {"80.00"}
    assert order(result) == ["A", "D", "C", "B"]


def test_construction_comprehensive_without_benchmark_parameters_is_refused() -> None:
    case = works_case([wbid("A", 100 * WAN)])
    del case["params"]["benchmark"]["k"]
    error = refused(case)
    assert (error.code, error.extra["field"]) == ("missing-param", "params.benchmark.k")


# ---------------------------------------------------------------- expert deviation flags


def test_expert_score_far_from_the_others_is_flagged() -> None:
    scores = {
        "expert-1": {"tech": 35, "biz": 20},
        "expert-2": {"tech": 33, "biz": 20},
        "expert-3": {"tech": 20, "biz": 20},
    }
    result = evaluate_case(gp_case([{"bidder": "A", "price": 90 * WAN, "scores": scores}]))
    # expert-3: others' mean (35 + 33) / 2 = 34, |20 − 34| = 14 > 30 % × 40 = 12
    # expert-1: others (33 + 20) / 2 = 26.5, 8.5 ≤ 12; expert-2: 27.5, 5.5 ≤ 12
    assert result["flags"] == [
        {
            "expert": "expert-3",
            "bidder": "A",
            "factor": "tech",
            "score": "20.00",
            "others_mean": "34.00",
            "deviation": "-14.00",
        }
    ]


def test_deviation_exactly_at_the_limit_is_not_flagged() -> None:
    scores = {
        "expert-1": {"tech": 32, "biz": 20},
        "expert-2": {"tech": 32, "biz": 20},
        "expert-3": {"tech": 20, "biz": 20},
    }
    # |20 − 32| = 12 = 30 % × 40: not more than the limit
    assert (
        evaluate_case(gp_case([{"bidder": "A", "price": 90 * WAN, "scores": scores}]))["flags"]
        == []
    )


def test_no_deviation_flags_with_fewer_than_3_experts() -> None:
    scores = {"expert-1": {"tech": 40, "biz": 30}, "expert-2": {"tech": 0, "biz": 0}}
    result = evaluate_case(gp_case([{"bidder": "A", "price": 90 * WAN, "scores": scores}]))
    assert result["flags"] == []


def test_deviation_limit_is_configurable() -> None:
    scores = {
        "expert-1": {"tech": 32, "biz": 20},
        "expert-2": {"tech": 32, "biz": 20},
        "expert-3": {"tech": 25, "biz": 20},
    }
    case = gp_case([{"bidder": "A", "price": 90 * WAN, "scores": scores}])
    case["params"]["deviation_pct"] = 15
    # |25 − 32| = 7 > 15 % × 40 = 6
    assert [f["expert"] for f in evaluate_case(case)["flags"]] == ["expert-3"]


# ---------------------------------------------------------------- validation


def test_unknown_method_is_refused() -> None:
    error = refused(gp_case([bid("A", 90 * WAN)], method="lowest"))
    assert (error.code, error.extra["field"]) == ("unknown-method", "method")
    assert "未知评标办法" in error.zh and "unknown method" in error.en


def test_score_above_the_factor_maximum_is_refused() -> None:
    error = refused(gp_case([bid("A", 90 * WAN, tech=41)]))
    assert (error.code, error.extra["field"]) == (
        "score-out-of-range",
        "bids[0].scores.expert-1.tech",
    )


def test_negative_score_is_refused() -> None:
    assert refused(gp_case([bid("A", 90 * WAN, biz=-1)])).code == "score-out-of-range"


def test_expert_missing_a_bid_is_refused() -> None:
    b = bid("B", 95 * WAN)
    del b["scores"]["expert-3"]
    error = refused(gp_case([bid("A", 90 * WAN), b]))
    assert (error.code, error.extra["field"]) == ("missing-score", "bids[1].scores.expert-3")


def test_expert_missing_a_factor_is_refused() -> None:
    b = bid("A", 90 * WAN)
    del b["scores"]["expert-2"]["biz"]
    assert refused(gp_case([b])).extra["field"] == "bids[0].scores.expert-2.biz"


def test_unknown_factor_in_a_score_sheet_is_refused() -> None:
    b = bid("A", 90 * WAN)
    b["scores"]["expert-1"]["price"] = 10
    assert refused(gp_case([b])).code == "unknown-factor"


def test_float_money_is_refused() -> None:
    error = refused(gp_case([bid("A", 9800000.0)]))
    assert (error.code, error.extra["field"]) == ("float-money", "bids[0].price")


def test_fractional_money_read_from_json_is_refused() -> None:
    case = gp_case([bid("A", 90 * WAN)])
    text = json.dumps(case).replace(str(90 * WAN), f"{90 * WAN}.5")
    assert refused(load_case(text)).code == "float-money"


def test_unqualified_bids_need_no_scores() -> None:
    result = evaluate_case(
        gp_case([bid("A", 90 * WAN), {"bidder": "B", "price": 80 * WAN, "qualified": False}])
    )
    assert result["rejected"][0]["bidder"] == "B"


def test_misspelt_parameter_is_refused() -> None:
    error = refused(gp_case([bid("A", 90 * WAN)], params={"price_wieght": 30}))
    assert (error.code, error.extra["field"]) == ("unknown-key", "params")


def test_duplicate_bidder_is_refused() -> None:
    assert refused(gp_case([bid("A", 90 * WAN), bid("A", 95 * WAN)])).code == "duplicate-bidder"


def test_missing_date_is_refused() -> None:
    case = gp_case([bid("A", 90 * WAN)])
    del case["date"]
    assert refused(case).code == "invalid-date"


def test_invalid_json_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        load_case('{"method": ')
    assert caught.value.code == "invalid-json"


# ---------------------------------------------------------------- the rule table


def test_the_sme_bands_change_on_the_dates_of_46_and_19() -> None:
    def band(on: date) -> tuple[int, int]:
        low = resolve("sme_deduction_min_goods", "procurement.open_tendering", "", on)
        high = resolve("sme_deduction_max_goods", "procurement.open_tendering", "", on)
        return low.value, high.value

    assert band(date(2022, 6, 30)) == (6, 10)
    assert band(date(2022, 7, 1)) == (10, 20)


def test_the_rules_carry_the_confidence_tags_of_rules_md() -> None:
    on = date(2026, 6, 1)
    tags = {
        key: resolve(key, "procurement.open_tendering", "", on).confidence
        for key in (
            "gp_price_weight_min_goods",
            "gp_price_weight_min_engineering",
            "sme_deduction_min_goods",
            "sme_consortium_share",
            "domestic_preference",
            "abnormal_low_mean_pct",
        )
    }
    assert tags == {
        "gp_price_weight_min_goods": "S2",
        "gp_price_weight_min_engineering": "G",
        "sme_deduction_min_goods": "G",
        "sme_consortium_share": "S2",
        "domestic_preference": "S2",
        "abnormal_low_mean_pct": "U",
    }


# ---------------------------------------------------------------- example cases and the CLI


EXAMPLES = sorted(p.name.removesuffix(".case.json") for p in DATA.glob("*.case.json"))


def test_there_are_three_example_cases() -> None:
    assert len(EXAMPLES) == 3


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_case_gives_its_expected_result(name: str) -> None:
    case = load_case((DATA / f"{name}.case.json").read_text(encoding="utf-8"))
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert evaluate_case(case) == expected


def test_cli_scores_a_case_file_and_prints_json() -> None:
    from ggzy.cli import app

    name = EXAMPLES[0]
    run = CliRunner().invoke(app, ["evaluation", "score", str(DATA / f"{name}.case.json")])
    assert run.exit_code == 0, run.output
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert json.loads(run.stdout) == expected
    assert "\\u" not in run.stdout  # ensure_ascii=False


def test_cli_bad_case_is_one_bilingual_line_and_exit_2(tmp_path: Path) -> None:
    from ggzy.cli import app

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(gp_case([bid("A", 90 * WAN, tech=41)])), encoding="utf-8")
    run = CliRunner().invoke(app, ["evaluation", "score", str(path)])
    assert run.exit_code == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误") and " / error: " in lines[0]


def test_cli_unparsable_json_exits_2(tmp_path: Path) -> None:
    from ggzy.cli import app

    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    run = CliRunner().invoke(app, ["evaluation", "score", str(path)])
    assert run.exit_code == 2
    assert "invalid JSON" in run.stderr
