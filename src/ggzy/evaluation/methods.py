"""Evaluation methods (评标办法): score and rank one lot's bids, pure functions, no database.

rules.md §2.1 (construction) and §2.2 (government procurement). One entry point,
``evaluate_case(case) -> result``; ``load_case(text)`` reads a case from JSON (numbers with a
fraction become Decimal, so scores never pass through float). ``ggzy evaluation score CASE.json``
prints the result. docs/scoring-cases.md has worked examples.

Case (a dict; unknown keys are refused so that a misspelt key cannot pass silently)
---------------------------------------------------------------------------------------
- ``method`` (required): ``gp_comprehensive`` (政府采购综合评分法), ``gp_lowest_price``
  (政府采购最低评标价法), ``construction_lowest_price`` (经评审的最低投标价法) or
  ``construction_comprehensive`` (综合评估法).
- ``category``: ``goods`` | ``services`` | ``engineering``; required for the ``gp_`` methods
  (it picks the price-weight and SME bands), defaults to ``engineering`` for construction.
- ``date`` (required): ``YYYY-MM-DD``, the day whose rules apply (46号 or 19号 SME bands, the
  domestic-product preference from 2026-01-01). ``region`` (optional, GB/T 2260 prefix, default
  "" national) and ``procedure`` (optional procedure code such as
  ``procurement.open_tendering``; default the domain prefix) pick the rule rows as well.
- ``max_price`` (optional): integer 分; a bid above it is rejected.
- ``reserved_for_sme`` (optional, default false): a lot reserved for SMEs gets no SME deduction.
- ``title``, ``note`` (optional): free text, ignored.
- ``params`` (optional dict):
  - ``price_weight``: percent, required for ``gp_comprehensive``; must lie in the band of the
    category (rules ``gp_price_weight_min_<category>`` / ``..._max_<category>``: goods and
    engineering 30–60, services 10–30).
  - ``sme_deduction``: percent deducted for a small or micro enterprise bidding alone (prison
    enterprises and disability-welfare units are passed as small_micro); required when such a
    bid is scored on a lot not reserved for SMEs; must lie in the band in force on ``date``
    (``sme_deduction_min/max_<category>``: 46号 from 2021-01-01 goods/services 6–10, 19号 from
    2022-07-01 goods/services 10–20, engineering 3–5).
  - ``sme_consortium_deduction``: percent for a consortium or subcontract whose small/micro share
    (``sme_share_pct`` of the bid) is at least ``sme_consortium_share`` (30); below that share
    nothing is deducted (a hard gate). Band ``sme_consortium_min/max_<category>``: 46号 2–3,
    19号 4–6, engineering 1–2.
  - ``domestic_preference``: percent for bids with ``domestic: true``, from 2026-01-01 only;
    defaults to (and must equal) the rule ``domestic_preference`` (20); stacks with the SME
    deduction.
  - ``stacking``: ``additive`` (default: every deduction is a share of the bid price) or
    ``multiplicative`` (the domestic preference is taken from the price left after the SME
    deduction). How 国办发〔2025〕34号 stacks is not confirmed [U].
  - ``abnormal_low``: ``{"mean_pct", "second_pct", "max_price_pct"}``, percents; a missing key
    takes its rule (50 / 50 / 45, [U]), null switches that trigger off.
  - ``benchmark`` (``construction_comprehensive``, required): ``k`` (percent, drawn at the
    opening), ``price_points``, ``above_per_pct``, ``below_per_pct`` (points per percent above or
    below the benchmark price), ``exclude_extremes`` (default true).
  - ``deviation_pct``: flag an expert's factor score that differs from the mean of the other
    experts by more than this percent of the factor's maximum (default rule
    ``score_deviation_pct``, 30); only with three experts or more.
  - ``precision``: decimals of the scores, 0–6, default 2 (ROUND_HALF_UP).
  - ``tie_break``: the keys after the primary one, from ``price`` (evaluated price ↑),
    ``bid_price`` ↑, ``technical`` ↓, ``business`` ↓. Defaults: gp_comprehensive total ↓ then
    ``["price", "technical"]``; gp_lowest_price evaluated price ↑ then ``["technical"]``;
    construction_lowest_price evaluated price ↑ then ``["bid_price"]``;
    construction_comprehensive total ↓ then ``["bid_price", "technical"]``. Submission order
    always comes last, with a warning that the documents decide (e.g. a random draw).
- ``factors``: ``[{"code", "name", "max", "kind": "technical" | "business"}]``; required for
  the comprehensive methods, optional for the lowest-price ones (then only a tie-break).
- ``bids``: ``[{"bidder", "price", ...}]``:
  - ``bidder`` (required, unique), ``price`` (required, integer 分 > 0; a float is refused),
    ``order`` (submission order, default the position in the list, 1-based);
  - ``qualified`` (default true) and ``reason``: the committee's qualification and
    responsiveness finding (资格/符合性审查);
  - ``adjustment``: integer 分 added to the price by ``construction_lowest_price`` (评标价格调整);
  - ``sme``: ``small_micro`` | ``consortium`` | null, ``sme_share_pct`` (consortium only),
    ``domestic`` (bool), ``brand`` (core product brand): procurement methods only;
  - ``abnormal_explained``: the committee's finding on a flagged abnormally low price: true
    (justified, kept), false (invalid, rejected), null (not decided yet: kept, with a warning);
  - ``scores``: ``{expert: {factor code: score}}``; every expert scores every factor of every
    bid that is evaluated (scores are numbers or numeric strings, 0 ≤ score ≤ the factor's max).

Result
------
``{"method", "ranked", "rejected", "flags", "abnormal", "benchmark", "warnings"}``:

- ``ranked``: ``[{"rank", "bidder", "price", "evaluated_price", "price_score",
  "technical_score", "business_score", "total", "deductions"}]``, ranks 1, 2, 3 … (never
  shared); money in integer 分, scores as strings with ``precision`` decimals; the lowest-price
  methods have no price score and no total (null), and technical and business scores only when
  factors are given. ``deductions``: ``[{"policy", "pct", "amount", "basis"}]`` with policy
  ``sme_small_micro``, ``sme_consortium``, ``domestic`` or ``adjustment``. The evaluated price is
  only for scoring: the contract price is the bid price.
- ``rejected``: ``[{"bidder", "reason"}]`` (above the maximum price, not qualified, abnormally low
  and not justified, same brand).
- ``flags``: ``[{"expert", "bidder", "factor", "score", "others_mean", "deviation"}]``.
- ``abnormal``: ``[{"bidder", "triggers", "decision"}]``, triggers among ``mean``,
  ``second_lowest``, ``max_price``; decision ``explained``, ``rejected`` or ``pending``.
- ``benchmark``: gp_comprehensive ``{"kind": "lowest_evaluated_price", "price"}``;
  construction_comprehensive ``{"kind": "mean_less_k", "count", "excluded", "mean", "k",
  "price"}``; null otherwise.
- ``warnings``: bilingual lines (pending decisions, ties decided by submission order, …).

Procedure (government procurement): reject bids above the maximum price and unqualified bids;
compute evaluated prices (SME and domestic deductions); check and average the expert scores;
flag deviating scores; find abnormally low prices among the responsive bids and apply the
committee's decisions; price scores against the lowest evaluated price (低价优先法:
benchmark / evaluated price × price weight); keep one bid per brand (the best-ranked, Order 87
art. 31); rank. Construction: the same without the procurement policies; the comprehensive
method scores price against mean × (1 − K %).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from ggzy.core.errors import DomainError
from ggzy.procedures.rules import Rule, add_rules, resolve

PROCUREMENT = "procurement."
CONSTRUCTION = "construction."
METHODS = {
    "gp_comprehensive": PROCUREMENT,
    "gp_lowest_price": PROCUREMENT,
    "construction_lowest_price": CONSTRUCTION,
    "construction_comprehensive": CONSTRUCTION,
}
CATEGORIES = ("goods", "services", "engineering")
CATEGORY_ZH = {"goods": "货物", "services": "服务", "engineering": "工程"}
TIE_KEYS = ("price", "bid_price", "technical", "business")
DEFAULT_TIE_BREAK = {
    "gp_comprehensive": ("price", "technical"),
    "gp_lowest_price": ("technical",),
    "construction_lowest_price": ("bid_price",),
    "construction_comprehensive": ("bid_price", "technical"),
}
TIE_KEY_ZH = {
    "total": "总分",
    "price": "评审价格",
    "bid_price": "投标报价",
    "technical": "技术得分",
    "business": "商务得分",
}

D46 = date(2021, 1, 1)  # 财库〔2020〕46号 in force
D19 = date(2022, 7, 1)  # 财库〔2022〕19号 in force
D2026 = date(2026, 1, 1)  # 国办发〔2025〕34号 domestic-product preference
SRC46 = "财库〔2020〕46号 第9条"
SRC19 = "财库〔2022〕19号 第2条"
SRC87_WEIGHT = "财政部令第87号 第55条"


def _bands() -> list[Rule]:
    """The percent bands of §2.2 as rule rows: (key, category, from, low, high, source, conf)."""
    rows: list[tuple[str, str, date, int, int, str, str]] = [
        ("gp_price_weight", "goods", date(2000, 1, 1), 30, 60, SRC87_WEIGHT, "S2"),
        ("gp_price_weight", "services", date(2000, 1, 1), 10, 30, SRC87_WEIGHT, "S2"),
        (
            "gp_price_weight",
            "engineering",
            date(2000, 1, 1),
            30,
            60,
            f"{SRC87_WEIGHT}（政府采购工程通常参照货物）",
            "G",
        ),
        ("sme_deduction", "goods", D46, 6, 10, SRC46, "G"),
        ("sme_deduction", "services", D46, 6, 10, SRC46, "G"),
        ("sme_deduction", "goods", D19, 10, 20, SRC19, "G"),
        ("sme_deduction", "services", D19, 10, 20, SRC19, "G"),
        ("sme_deduction", "engineering", D46, 3, 5, f"{SRC46}（工程；19号未见调整，待核实）", "G"),
        ("sme_consortium", "goods", D46, 2, 3, SRC46, "G"),
        ("sme_consortium", "services", D46, 2, 3, SRC46, "G"),
        ("sme_consortium", "goods", D19, 4, 6, SRC19, "G"),
        ("sme_consortium", "services", D19, 4, 6, SRC19, "G"),
        ("sme_consortium", "engineering", D46, 1, 2, f"{SRC46}（工程；19号未见调整，待核实）", "G"),
    ]
    meaning = {
        "gp_price_weight": (
            "综合评分法价格分权值（{cat}）",
            "price weight of comprehensive scoring ({cat})",
        ),
        "sme_deduction": (
            "小微企业价格扣除比例（{cat}）",
            "small/micro enterprise price deduction ({cat})",
        ),
        "sme_consortium": (
            "联合体或分包小微企业占比达标时的价格扣除比例（{cat}）",
            "deduction for a consortium or subcontract with enough small/micro share ({cat})",
        ),
    }
    rules: list[Rule] = []
    for key, cat, since, low, high, source, conf in rows:
        zh, en = meaning[key]
        for end, value, end_zh, end_en in (
            ("min", low, "下限", "at least"),
            ("max", high, "上限", "at most"),
        ):
            rules.append(
                Rule(
                    f"{key}_{end}_{cat}",
                    value,
                    "percent",
                    zh.format(cat=CATEGORY_ZH[cat]) + end_zh,
                    f"{en.format(cat=cat)}, {end_en}",
                    source,
                    conf,
                    PROCUREMENT,
                    "",
                    since,
                )
            )
    return rules


ABNORMAL_SOURCE = "财政部令第87号 第60条；数值触发条件据称见财政部后续指导，待核实"
DEVIATION_SOURCE = "{basis}（评分畸高、畸低须复核）；阈值为平台默认值，待核实"

add_rules(
    *_bands(),
    Rule(
        "sme_consortium_share",
        30,
        "percent",
        "联合体或分包中小微企业合同份额不低于该比例方可享受价格扣除",
        "a consortium or subcontract gets the deduction only with at least this small/micro share",
        SRC46,
        "S2",
        PROCUREMENT,
        "",
        D46,
    ),
    Rule(
        "domestic_preference",
        20,
        "percent",
        "本国产品价格评审优惠（扣除比例，可与中小企业扣除叠加）",
        "domestic-product price preference (a deduction that stacks with the SME one)",
        "国办发〔2025〕34号",
        "S2",
        PROCUREMENT,
        "",
        D2026,
    ),
    Rule(
        "abnormal_low_mean_pct",
        50,
        "percent",
        "报价低于有效投标平均价的该比例须要求书面说明（异常低价）",
        "a price below this share of the mean responsive price must be explained (abnormally low)",
        ABNORMAL_SOURCE,
        "U",
        PROCUREMENT,
    ),
    Rule(
        "abnormal_low_second_pct",
        50,
        "percent",
        "报价低于次低有效报价的该比例须要求书面说明（异常低价）",
        "a price below this share of the second-lowest responsive price must be explained",
        ABNORMAL_SOURCE,
        "U",
        PROCUREMENT,
    ),
    Rule(
        "abnormal_low_max_pct",
        45,
        "percent",
        "报价低于最高限价的该比例须要求书面说明（异常低价）",
        "a price below this share of the maximum price must be explained (abnormally low)",
        ABNORMAL_SOURCE,
        "U",
        PROCUREMENT,
    ),
    *(
        Rule(
            "score_deviation_pct",
            30,
            "percent",
            "专家单项评分偏离其他专家平均分超过该项满分的该比例时提示复核",
            "flag an expert's factor score this far (share of the factor's max) from the others'",
            DEVIATION_SOURCE.format(basis=basis),
            "U",
            domain,
        )
        for domain, basis in (
            (PROCUREMENT, "财政部令第87号 第64条"),
            (CONSTRUCTION, "评标委员会和评标方法暂行规定"),
        )
    ),
)

CASE_KEYS = {
    "method",
    "category",
    "date",
    "region",
    "procedure",
    "max_price",
    "reserved_for_sme",
    "params",
    "factors",
    "bids",
    "title",
    "note",
}
PARAM_KEYS = {
    "price_weight",
    "sme_deduction",
    "sme_consortium_deduction",
    "domestic_preference",
    "stacking",
    "abnormal_low",
    "benchmark",
    "deviation_pct",
    "precision",
    "tie_break",
}
BID_KEYS = {
    "bidder",
    "price",
    "order",
    "qualified",
    "reason",
    "adjustment",
    "sme",
    "sme_share_pct",
    "domestic",
    "brand",
    "abnormal_explained",
    "scores",
    "name",
    "note",
}
ABNORMAL_KEYS = ("mean_pct", "second_pct", "max_price_pct")
BENCHMARK_KEYS = {"k", "exclude_extremes", "above_per_pct", "below_per_pct", "price_points"}
HUNDRED = Decimal(100)


# ---------------------------------------------------------------- input checking


def _bad(code: str, zh: str, en: str, where: str) -> DomainError:
    return DomainError(code, f"{zh}（{where}）", f"{en} ({where})", field=where)


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad("invalid-case", "应为对象", "must be an object", where)
    return value


def _known(value: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _bad(
            "unknown-key",
            f"未知字段 {', '.join(unknown)}",
            f"unknown key {', '.join(unknown)}",
            where,
        )


def _money(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float | Decimal):
            raise _bad(
                "float-money",
                "金额须为整数（单位：分），不得使用小数",
                "money must be an integer number of fen (分), not a float",
                where,
            )
        raise _bad("invalid-money", "金额须为整数（分）", "money must be an integer (fen)", where)
    return value


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise _bad("invalid-number", "应为数字", "must be a number", where)
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise _bad("invalid-number", "应为数字", "must be a number", where) from None
    if not number.is_finite():
        raise _bad("invalid-number", "应为有限数字", "must be a finite number", where)
    return number


def _percent(value: Any, where: str, *, positive: bool = False) -> Decimal:
    pct = _number(value, where)
    if pct < 0 or pct > HUNDRED or (positive and pct == 0):
        low = "(0" if positive else "[0"
        raise _bad(
            "invalid-percent",
            f"百分比须在 {low}, 100] 之间",
            f"a percent must lie in {low}, 100]",
            where,
        )
    return pct


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _bad("invalid-flag", "应为 true 或 false", "must be true or false", where)
    return value


def _text(value: Any, where: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad("invalid-text", "应为非空字符串", "must be a non-empty string", where)
    return value.strip()


@dataclass(frozen=True)
class _Factor:
    code: str
    name: str
    max: Decimal
    kind: str


@dataclass
class _Bid:
    index: int
    bidder: str
    price: int
    order: int
    qualified: bool
    reason: str
    adjustment: int
    sme: str | None
    sme_share: Decimal | None
    domestic: bool
    brand: str
    explained: bool | None
    raw_scores: Any
    scores: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    evaluated: int = 0
    deductions: list[dict[str, Any]] = field(default_factory=list)
    price_score: Decimal | None = None
    technical: Decimal | None = None
    business: Decimal | None = None
    total: Decimal | None = None


@dataclass
class _Ctx:
    method: str
    domain: str
    category: str
    on: date
    region: str
    procedure: str
    precision: int
    warnings: list[str] = field(default_factory=list)

    def rule(self, key: str, what_zh: str, what_en: str) -> Rule:
        try:
            return resolve(key, self.procedure, self.region, self.on)
        except DomainError as exc:
            if exc.code != "rule-missing":
                raise
            raise _bad(
                "no-rule-in-force",
                f"{self.on} 没有适用的{what_zh}规则（{key}）",
                f"no {what_en} rule ({key}) in force on {self.on}",
                "date",
            ) from None

    def q(self, value: Decimal) -> Decimal:
        rounded = value.quantize(Decimal(1).scaleb(-self.precision), rounding=ROUND_HALF_UP)
        return abs(rounded) if rounded == 0 else rounded

    def s(self, value: Decimal | None) -> str | None:
        return None if value is None else str(self.q(value))


def _context(case: dict[str, Any], params: dict[str, Any]) -> _Ctx:
    method = case.get("method")
    if method not in METHODS:
        raise _bad(
            "unknown-method",
            f"未知评标办法 {method!r}，应为 {'、'.join(METHODS)}",
            f"unknown method {method!r}, expected one of {', '.join(METHODS)}",
            "method",
        )
    domain = METHODS[method]
    category = case.get("category", "engineering" if domain == CONSTRUCTION else None)
    if category not in CATEGORIES:
        raise _bad(
            "unknown-category",
            f"采购品目类别 {category!r} 应为 goods、services 或 engineering",
            f"category {category!r} must be goods, services or engineering",
            "category",
        )
    raw_date = case.get("date")
    try:
        on = date.fromisoformat(raw_date) if isinstance(raw_date, str) else None
    except ValueError:
        on = None
    if on is None:
        raise _bad(
            "invalid-date",
            "评审日期 date 须为 YYYY-MM-DD",
            "date must be given as YYYY-MM-DD",
            "date",
        )
    region = _text(case.get("region"), "region")
    if region and not region.isdigit():
        raise _bad(
            "invalid-region",
            "地区须为行政区划代码前缀",
            "region must be a GB/T 2260 prefix",
            "region",
        )
    procedure = _text(case.get("procedure"), "procedure") or domain
    if not procedure.startswith(domain):
        raise _bad(
            "invalid-procedure",
            f"交易方式 {procedure} 与评标办法 {method} 不属于同一领域",
            f"procedure {procedure} is not of the domain of method {method}",
            "procedure",
        )
    precision = params.get("precision", 2)
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 6:
        raise _bad(
            "invalid-param",
            "小数位数须为 0–6 的整数",
            "precision must be an integer 0–6",
            "params.precision",
        )
    return _Ctx(method, domain, category, on, region, procedure, precision)


def _factors(case: dict[str, Any], ctx: _Ctx) -> list[_Factor]:
    raw = case.get("factors", [])
    if not isinstance(raw, list):
        raise _bad("invalid-case", "factors 应为数组", "factors must be a list", "factors")
    factors: list[_Factor] = []
    for i, item in enumerate(raw):
        where = f"factors[{i}]"
        item = _dict(item, where)
        _known(item, {"code", "name", "max", "kind"}, where)
        code = _text(item.get("code"), f"{where}.code", required=True)
        if any(f.code == code for f in factors):
            raise _bad(
                "duplicate-factor", f"评审因素 {code} 重复", f"factor {code} is listed twice", where
            )
        top = _number(item.get("max"), f"{where}.max")
        if top <= 0:
            raise _bad(
                "invalid-factor",
                "评审因素满分须大于 0",
                "a factor's max must be above 0",
                f"{where}.max",
            )
        kind = item.get("kind")
        if kind not in ("technical", "business"):
            raise _bad(
                "invalid-factor",
                "评审因素类别须为 technical 或 business",
                "a factor's kind must be technical or business",
                f"{where}.kind",
            )
        factors.append(_Factor(code, _text(item.get("name"), f"{where}.name") or code, top, kind))
    if not factors and ctx.method.endswith("_comprehensive"):
        raise _bad(
            "missing-factors",
            "综合评分需要评审因素 factors",
            "comprehensive scoring needs the scoring factors",
            "factors",
        )
    return factors


def _bids(case: dict[str, Any]) -> list[_Bid]:
    raw = case.get("bids")
    if not isinstance(raw, list) or not raw:
        raise _bad("missing-bids", "没有投标 bids", "the case has no bids", "bids")
    bids: list[_Bid] = []
    for i, item in enumerate(raw):
        where = f"bids[{i}]"
        item = _dict(item, where)
        _known(item, BID_KEYS, where)
        bidder = _text(item.get("bidder"), f"{where}.bidder", required=True)
        if any(b.bidder == bidder for b in bids):
            raise _bad(
                "duplicate-bidder",
                f"投标人 {bidder} 重复",
                f"bidder {bidder} is listed twice",
                where,
            )
        if "price" not in item:
            raise _bad(
                "missing-price", "缺少投标报价", "the bid price is missing", f"{where}.price"
            )
        price = _money(item["price"], f"{where}.price")
        if price <= 0:
            raise _bad(
                "invalid-money",
                "投标报价须大于 0",
                "the bid price must be above 0",
                f"{where}.price",
            )
        order = item.get("order", i + 1)
        if isinstance(order, bool) or not isinstance(order, int):
            raise _bad(
                "invalid-order",
                "递交顺序须为整数",
                "the submission order must be an integer",
                f"{where}.order",
            )
        if any(b.order == order for b in bids):
            raise _bad(
                "duplicate-order",
                f"递交顺序 {order} 重复",
                f"submission order {order} is used twice",
                f"{where}.order",
            )
        sme = item.get("sme")
        if sme not in (None, "small_micro", "consortium"):
            raise _bad(
                "invalid-sme",
                "sme 须为 small_micro、consortium 或 null",
                "sme must be small_micro, consortium or null",
                f"{where}.sme",
            )
        share = item.get("sme_share_pct")
        if sme == "consortium" and share is None:
            raise _bad(
                "missing-sme-share",
                "联合体或分包须给出小微企业合同份额 sme_share_pct",
                "a consortium or subcontract needs its small/micro share sme_share_pct",
                f"{where}.sme_share_pct",
            )
        explained = item.get("abnormal_explained")
        bids.append(
            _Bid(
                index=i,
                bidder=bidder,
                price=price,
                order=order,
                qualified=_bool(item.get("qualified", True), f"{where}.qualified"),
                reason=_text(item.get("reason"), f"{where}.reason"),
                adjustment=_money(item.get("adjustment", 0), f"{where}.adjustment"),
                sme=sme,
                sme_share=None if share is None else _percent(share, f"{where}.sme_share_pct"),
                domestic=_bool(item.get("domestic", False), f"{where}.domestic"),
                brand=_text(item.get("brand"), f"{where}.brand"),
                explained=None
                if explained is None
                else _bool(explained, f"{where}.abnormal_explained"),
                raw_scores=item.get("scores", {}),
            )
        )
    return bids


def _round_fen(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _optional_rule(ctx: _Ctx, key: str) -> Rule | None:
    try:
        return resolve(key, ctx.procedure, ctx.region, ctx.on)
    except DomainError as exc:
        if exc.code == "rule-missing":
            return None
        raise


def _in_band(
    ctx: _Ctx, params: dict[str, Any], name: str, key: str, code: str, what: tuple[str, str]
) -> tuple[Decimal | None, Rule | None]:
    """The percent params[name] checked against the band rules key_min/max_<category>."""
    if params.get(name) is None:
        return None, None
    where = f"params.{name}"
    value = _percent(params[name], where)
    low = ctx.rule(f"{key}_min_{ctx.category}", what[0], what[1])
    high = ctx.rule(f"{key}_max_{ctx.category}", what[0], what[1])
    if not low.value <= value <= high.value:
        raise _bad(
            code,
            f"{what[0]} {value}% 超出 {ctx.on} 适用于{CATEGORY_ZH[ctx.category]}的 "
            f"{low.value}%–{high.value}% 区间（{high.source}）",
            f"{what[1]} {value} % is outside the {low.value}–{high.value} % band for "
            f"{ctx.category} in force on {ctx.on} ({high.source})",
            where,
        )
    return value, high


def _tie_chain(params: dict[str, Any], ctx: _Ctx) -> tuple[str, ...]:
    primary = "total" if ctx.method.endswith("_comprehensive") else "price"
    raw = params.get("tie_break")
    if raw is None:
        return (primary, *DEFAULT_TIE_BREAK[ctx.method])
    if (
        not isinstance(raw, list)
        or any(k not in TIE_KEYS for k in raw)
        or len(set(raw)) != len(raw)
        or primary in raw
    ):
        raise _bad(
            "invalid-param",
            f"tie_break 须为 {'、'.join(TIE_KEYS)} 中不重复的项（不含首要排序项）",
            f"tie_break must list distinct keys among {', '.join(TIE_KEYS)}, not the primary one",
            "params.tie_break",
        )
    return (primary, *raw)


# ---------------------------------------------------------------- scores


def _score(bids: list[_Bid], factors: list[_Factor], ctx: _Ctx) -> list[str]:
    """Check every expert's sheet for every evaluated bid; set the technical and business means."""
    experts: list[str] = []
    for b in bids:
        raw = _dict({} if b.raw_scores is None else b.raw_scores, f"bids[{b.index}].scores")
        if raw and not factors:
            raise _bad(
                "unknown-factor",
                "给出了专家评分但没有评审因素 factors",
                "scores are given but no factors",
                f"bids[{b.index}].scores",
            )
        experts += [e for e in raw if e not in experts]
    if factors and bids and not experts:
        raise _bad("missing-score", "没有专家评分", "no expert has scored", "bids[].scores")
    codes = {f.code for f in factors}
    for b in bids:
        raw = b.raw_scores or {}
        for expert in experts:
            where = f"bids[{b.index}].scores.{expert}"
            if expert not in raw:
                raise _bad(
                    "missing-score",
                    f"专家 {expert} 未对投标人 {b.bidder} 评分",
                    f"expert {expert} has not scored bidder {b.bidder}",
                    where,
                )
            sheet = _dict(raw[expert], where)
            extra = sorted(set(sheet) - codes)
            if extra:
                raise _bad(
                    "unknown-factor",
                    f"未知评审因素 {', '.join(extra)}",
                    f"unknown factor {', '.join(extra)}",
                    where,
                )
            b.scores[expert] = {}
            for f in factors:
                if f.code not in sheet:
                    raise _bad(
                        "missing-score",
                        f"专家 {expert} 未对投标人 {b.bidder} 的“{f.name}”评分",
                        f"expert {expert} has not scored {f.code} of bidder {b.bidder}",
                        f"{where}.{f.code}",
                    )
                value = _number(sheet[f.code], f"{where}.{f.code}")
                if value < 0 or value > f.max:
                    raise _bad(
                        "score-out-of-range",
                        f"“{f.name}”得分 {value} 不在 0–{f.max} 之间",
                        f"the score {value} of {f.code} is outside 0–{f.max}",
                        f"{where}.{f.code}",
                    )
                b.scores[expert][f.code] = value
        if factors:
            means = {
                f.code: sum((b.scores[e][f.code] for e in experts), Decimal(0)) / len(experts)
                for f in factors
            }
            b.technical = ctx.q(
                sum((means[f.code] for f in factors if f.kind == "technical"), Decimal(0))
            )
            b.business = ctx.q(
                sum((means[f.code] for f in factors if f.kind == "business"), Decimal(0))
            )
    return experts


def _flags(
    bids: list[_Bid], factors: list[_Factor], experts: list[str], pct: Decimal, ctx: _Ctx
) -> list[dict[str, Any]]:
    """Scores further than pct % of the factor's max from the mean of the other experts."""
    if len(experts) < 3:
        return []
    flags = []
    for b in bids:
        for f in factors:
            for e in experts:
                others = [b.scores[o][f.code] for o in experts if o != e]
                mean = sum(others, Decimal(0)) / len(others)
                deviation = b.scores[e][f.code] - mean
                if abs(deviation) * HUNDRED > pct * f.max:
                    flags.append(
                        {
                            "expert": e,
                            "bidder": b.bidder,
                            "factor": f.code,
                            "score": ctx.s(b.scores[e][f.code]),
                            "others_mean": ctx.s(mean),
                            "deviation": ctx.s(deviation),
                        }
                    )
    return flags


# ---------------------------------------------------------------- government procurement


def _gp_prices(bids: list[_Bid], params: dict[str, Any], reserved: bool, ctx: _Ctx) -> None:
    """Evaluated price = bid price less the SME and domestic-product deductions."""
    sme, sme_rule = _in_band(
        ctx,
        params,
        "sme_deduction",
        "sme_deduction",
        "sme-rate-out-of-band",
        ("小微企业价格扣除比例", "the small/micro price deduction"),
    )
    cons, cons_rule = _in_band(
        ctx,
        params,
        "sme_consortium_deduction",
        "sme_consortium",
        "sme-rate-out-of-band",
        ("联合体（分包）价格扣除比例", "the consortium/subcontract deduction"),
    )
    stacking = params.get("stacking", "additive")
    if stacking not in ("additive", "multiplicative"):
        raise _bad(
            "invalid-param",
            "stacking 须为 additive 或 multiplicative",
            "stacking must be additive or multiplicative",
            "params.stacking",
        )
    dom_rule = _optional_rule(ctx, "domestic_preference")
    dom: Decimal | None = None
    if dom_rule is None:
        if params.get("domestic_preference") is not None:
            raise _bad(
                "domestic-not-in-force",
                f"本国产品价格评审优惠自 {D2026} 起实施，{ctx.on} 不适用",
                f"the domestic-product preference applies from {D2026}, not on {ctx.on}",
                "params.domestic_preference",
            )
        if any(b.domestic for b in bids):
            ctx.warnings.append(
                f"{ctx.on} 本国产品价格评审优惠尚未实施，domestic 未予考虑 / the domestic-product "
                f"preference is not in force on {ctx.on}: domestic is ignored"
            )
    else:
        dom = Decimal(dom_rule.value)
        if params.get("domestic_preference") is not None:
            given = _percent(params["domestic_preference"], "params.domestic_preference")
            if given != dom:
                raise _bad(
                    "domestic-rate",
                    f"本国产品价格评审优惠为 {dom}%（{dom_rule.source}），不是 {given}%",
                    f"the domestic-product preference is {dom} % ({dom_rule.source}), "
                    f"not {given} %",
                    "params.domestic_preference",
                )
    gate: Rule | None = None
    for b in bids:
        parts: list[tuple[str, Decimal, str]] = []
        where = f"bids[{b.index}]"
        if not reserved and b.sme == "small_micro":
            if sme is None or sme_rule is None:
                raise _bad(
                    "missing-param",
                    "有小微企业投标，须给出扣除比例 sme_deduction",
                    "a small or micro enterprise bids: give the deduction sme_deduction",
                    "params.sme_deduction",
                )
            parts.append(("sme_small_micro", sme, sme_rule.source))
        elif not reserved and b.sme == "consortium" and b.sme_share is not None:
            gate = gate or ctx.rule(
                "sme_consortium_share", "联合体小微企业份额", "consortium share"
            )
            if b.sme_share >= gate.value:
                if cons is None or cons_rule is None:
                    raise _bad(
                        "missing-param",
                        "有符合条件的联合体或分包，须给出扣除比例 sme_consortium_deduction",
                        "a qualifying consortium or subcontract bids: give "
                        "sme_consortium_deduction",
                        "params.sme_consortium_deduction",
                    )
                parts.append(("sme_consortium", cons, cons_rule.source))
        if b.domestic and dom is not None and dom_rule is not None:
            parts.append(("domestic", dom, dom_rule.source))
        taken = 0
        for policy, pct, basis in parts:
            base = b.price if stacking == "additive" else b.price - taken
            amount = _round_fen(base * pct / HUNDRED)
            taken += amount
            b.deductions.append(
                {"policy": policy, "pct": str(pct), "amount": amount, "basis": basis}
            )
        b.evaluated = b.price - taken
        if b.evaluated <= 0:
            raise _bad(
                "invalid-money",
                "扣除后评审价格须大于 0",
                "the evaluated price must be above 0",
                where,
            )


def _abnormal(
    bids: list[_Bid], params: dict[str, Any], max_price: int | None, ctx: _Ctx
) -> tuple[list[dict[str, Any]], list[_Bid]]:
    """Abnormally low prices (Order 87 art. 60) and the bids the committee found unjustified."""
    raw = _dict(params.get("abnormal_low") or {}, "params.abnormal_low")
    _known(raw, set(ABNORMAL_KEYS), "params.abnormal_low")
    rule_keys = dict(
        zip(
            ABNORMAL_KEYS,
            ("abnormal_low_mean_pct", "abnormal_low_second_pct", "abnormal_low_max_pct"),
            strict=True,
        )
    )
    limits: dict[str, Decimal] = {}
    for key in ABNORMAL_KEYS:
        if key in raw and raw[key] is None:
            continue  # this trigger is switched off
        limits[key] = (
            _percent(raw[key], f"params.abnormal_low.{key}")
            if key in raw
            else Decimal(ctx.rule(rule_keys[key], "异常低价", "abnormally low price").value)
        )
    if not bids:
        return [], []
    prices = sorted(b.evaluated for b in bids)
    total, n = sum(prices), len(prices)
    found: list[dict[str, Any]] = []
    out: list[_Bid] = []
    for b in bids:
        triggers = []
        if "mean_pct" in limits and b.evaluated * HUNDRED * n < limits["mean_pct"] * total:
            triggers.append("mean")
        if (
            "second_pct" in limits
            and n >= 2
            and b.evaluated * HUNDRED < limits["second_pct"] * prices[1]
        ):
            triggers.append("second_lowest")
        if (
            "max_price_pct" in limits
            and max_price is not None
            and b.evaluated * HUNDRED < limits["max_price_pct"] * max_price
        ):
            triggers.append("max_price")
        if not triggers:
            continue
        decision = {True: "explained", False: "rejected", None: "pending"}[b.explained]
        found.append({"bidder": b.bidder, "triggers": triggers, "decision": decision})
        if decision == "rejected":
            out.append(b)
        elif decision == "pending":
            ctx.warnings.append(
                f"投标人 {b.bidder} 报价异常低，评标委员会尚未对其书面说明作出认定（pending），"
                "结果暂不确定 / "
                f"bidder {b.bidder}: abnormally low price, the committee's decision on its "
                "written explanation is pending"
            )
    return found, out


def _price_weight(params: dict[str, Any], factors: list[_Factor], ctx: _Ctx) -> Decimal:
    if params.get("price_weight") is None:
        raise _bad(
            "missing-param",
            "综合评分法须给出价格权值 price_weight",
            "comprehensive scoring needs the price weight price_weight",
            "params.price_weight",
        )
    weight, _ = _in_band(
        ctx,
        params,
        "price_weight",
        "gp_price_weight",
        "price-weight-out-of-band",
        ("价格分权值", "the price weight"),
    )
    assert weight is not None
    full = weight + sum((f.max for f in factors), Decimal(0))
    if full != HUNDRED:
        ctx.warnings.append(
            f"价格权值与评审因素满分之和为 {full}，不是 100 / the price weight and the factors' "
            f"maxima add up to {full}, not 100"
        )
    return weight


def _gp_price_scores(bids: list[_Bid], weight: Decimal, ctx: _Ctx) -> dict[str, Any]:
    """低价优先法: price score = lowest evaluated price / evaluated price × weight."""
    base = min(b.evaluated for b in bids)
    for b in bids:
        b.price_score = ctx.q(Decimal(base) / b.evaluated * weight)
        b.total = b.price_score + (b.technical or 0) + (b.business or 0)
    return {"kind": "lowest_evaluated_price", "price": base}


def _rank_key(b: _Bid, chain: tuple[str, ...]) -> tuple[Decimal | int, ...]:
    values = {
        "total": lambda: -(b.total or 0),
        "price": lambda: b.evaluated,
        "bid_price": lambda: b.price,
        "technical": lambda: -(b.technical or 0),
        "business": lambda: -(b.business or 0),
    }
    return tuple(values[k]() for k in chain)


def _tie_warning(names: list[str], chain: tuple[str, ...], what_zh: str, what_en: str) -> str:
    return (
        f"投标人 {'、'.join(names)} 按{'、'.join(TIE_KEY_ZH[k] for k in chain)}仍并列，"
        f"{what_zh}暂按递交顺序确定，应以招标（采购）文件规定的方式（如随机抽取）确定 / "
        f"bidders {', '.join(names)} "
        f"are still tied on {', '.join(chain)}: {what_en} by submission order for now, the "
        "documents decide (e.g. a random draw)"
    )


def _same_brand(
    bids: list[_Bid], chain: tuple[str, ...], rejected: list[dict[str, str]], ctx: _Ctx
) -> list[_Bid]:
    """Order 87 art. 31: bids of one brand count as one bidder; the best-ranked goes forward."""
    groups: dict[str, list[_Bid]] = {}
    for b in bids:
        if b.brand:
            groups.setdefault(b.brand.casefold(), []).append(b)
    out: set[str] = set()
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda b: (_rank_key(b, chain), b.order))
        best = group[0]
        ties = [b.bidder for b in group if _rank_key(b, chain) == _rank_key(best, chain)]
        if len(ties) > 1:
            ctx.warnings.append(
                _tie_warning(
                    ties,
                    chain,
                    f"同品牌（{best.brand}）中参加排名者",
                    "the same-brand bid going forward",
                )
            )
        for other in group[1:]:
            out.add(other.bidder)
            rejected.append(
                {
                    "bidder": other.bidder,
                    "reason": f"同品牌（{other.brand}）投标人按一家计，由 {best.bidder} 参加排名"
                    f"（财政部令第87号 第31条） / same brand {other.brand}: counted as one bidder, "
                    f"{best.bidder} goes forward (Order 87 art. 31)",
                }
            )
    return [b for b in bids if b.bidder not in out]


# ---------------------------------------------------------------- construction


def _construction_params(
    params: dict[str, Any], factors: list[_Factor], ctx: _Ctx
) -> dict[str, Any]:
    raw = params.get("benchmark")
    if raw is None:
        raise _bad(
            "missing-param",
            "综合评估法须给出评标基准价参数 benchmark",
            "comprehensive evaluation needs the benchmark parameters",
            "params.benchmark",
        )
    raw = _dict(raw, "params.benchmark")
    _known(raw, BENCHMARK_KEYS, "params.benchmark")
    for key in ("k", "price_points", "above_per_pct", "below_per_pct"):
        if raw.get(key) is None:
            raise _bad(
                "missing-param",
                f"缺少评标基准价参数 {key}",
                f"the benchmark parameter {key} is missing",
                f"params.benchmark.{key}",
            )
    k = _percent(raw["k"], "params.benchmark.k")
    if k == HUNDRED:
        raise _bad("invalid-percent", "K 值须小于 100", "K must be below 100", "params.benchmark.k")
    points = _number(raw["price_points"], "params.benchmark.price_points")
    above = _number(raw["above_per_pct"], "params.benchmark.above_per_pct")
    below = _number(raw["below_per_pct"], "params.benchmark.below_per_pct")
    if points <= 0 or above < 0 or below < 0:
        raise _bad(
            "invalid-param",
            "价格分满分须大于 0，扣分标准不得为负",
            "price_points must be above 0 and the deductions per percent not negative",
            "params.benchmark",
        )
    full = points + sum((f.max for f in factors), Decimal(0))
    if full != HUNDRED:
        ctx.warnings.append(
            f"价格分与评审因素满分之和为 {full}，不是 100 / the price points and the factors' "
            f"maxima add up to {full}, not 100"
        )
    return {
        "k": k,
        "points": points,
        "above": above,
        "below": below,
        "exclude": _bool(raw.get("exclude_extremes", True), "params.benchmark.exclude_extremes"),
    }


def _construction_scores(bids: list[_Bid], bm: dict[str, Any], ctx: _Ctx) -> dict[str, Any] | None:
    """Benchmark = mean of valid prices (extremes out with ≥ 5) × (1 − K %); score by distance."""
    if not bids:
        return None
    pool = sorted(bids, key=lambda b: (b.price, b.order))
    excluded: list[str] = []
    if bm["exclude"] and len(pool) >= 5:
        excluded = [pool[0].bidder, pool[-1].bidder]
        pool = pool[1:-1]
    mean = Decimal(sum(b.price for b in pool)) / len(pool)
    price = _round_fen(mean * (HUNDRED - bm["k"]) / HUNDRED)
    if price <= 0:
        raise _bad(
            "invalid-param",
            "评标基准价须大于 0",
            "the benchmark price must be above 0",
            "params.benchmark",
        )
    for b in bids:
        pct = (b.price - price) * HUNDRED / price
        lost = bm["above"] * pct if pct > 0 else bm["below"] * -pct
        b.price_score = ctx.q(max(Decimal(0), bm["points"] - lost))
        b.total = b.price_score + (b.technical or 0) + (b.business or 0)
    return {
        "kind": "mean_less_k",
        "count": len(pool),
        "excluded": excluded,
        "mean": _round_fen(mean),
        "k": str(bm["k"]),
        "price": price,
    }


# ---------------------------------------------------------------- ranking and entry points


def _rank(bids: list[_Bid], chain: tuple[str, ...], ctx: _Ctx) -> list[_Bid]:
    ordered = sorted(bids, key=lambda b: (_rank_key(b, chain), b.order))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and _rank_key(ordered[j + 1], chain) == _rank_key(
            ordered[i], chain
        ):
            j += 1
        if j > i:
            names = [b.bidder for b in ordered[i : j + 1]]
            ctx.warnings.append(_tie_warning(names, chain, "名次", "ranked"))
        i = j + 1
    return ordered


def _evaluate(case: dict[str, Any], params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    max_price = None if case.get("max_price") is None else _money(case["max_price"], "max_price")
    if max_price is not None and max_price <= 0:
        raise _bad(
            "invalid-money", "最高限价须大于 0", "the maximum price must be above 0", "max_price"
        )
    reserved = _bool(case.get("reserved_for_sme", False), "reserved_for_sme")
    factors = _factors(case, ctx)
    bids = _bids(case)
    chain = _tie_chain(params, ctx)
    gp = ctx.domain == PROCUREMENT
    weight = _price_weight(params, factors, ctx) if ctx.method == "gp_comprehensive" else None
    bm = (
        _construction_params(params, factors, ctx)
        if ctx.method == "construction_comprehensive"
        else None
    )
    if params.get("deviation_pct") is None:
        deviation = Decimal(ctx.rule("score_deviation_pct", "评分偏离", "score deviation").value)
    else:
        deviation = _percent(params["deviation_pct"], "params.deviation_pct", positive=True)

    rejected: list[dict[str, str]] = []
    responsive: list[_Bid] = []
    above = (
        "投标报价超过最高限价，投标无效（财政部令第87号 第63条） / the bid price is above the "
        "maximum price: invalid (Order 87 art. 63)"
        if gp
        else "投标报价高于最高投标限价（实施条例 第51条） / the bid price is above the maximum "
        "bid price (Regulation art. 51)"
    )
    for b in bids:
        if max_price is not None and b.price > max_price:
            rejected.append({"bidder": b.bidder, "reason": above})
        elif not b.qualified:
            reason = (
                b.reason
                or "未通过资格审查或符合性审查 / failed the qualification or responsiveness review"
            )
            rejected.append({"bidder": b.bidder, "reason": reason})
        else:
            responsive.append(b)
    if any(b.adjustment for b in responsive) and ctx.method != "construction_lowest_price":
        ctx.warnings.append(
            "adjustment 仅用于经评审的最低投标价法，本办法未予考虑 / adjustment is used by "
            "construction_lowest_price only and is ignored here"
        )
    experts = _score(responsive, factors, ctx)
    flags = _flags(responsive, factors, experts, deviation, ctx)

    abnormal: list[dict[str, Any]] = []
    benchmark: dict[str, Any] | None = None
    if gp:
        _gp_prices(responsive, params, reserved, ctx)
        abnormal, invalid = _abnormal(responsive, params, max_price, ctx)
        for b in invalid:
            rejected.append(
                {
                    "bidder": b.bidder,
                    "reason": "报价明显低于其他有效报价且不能证明其合理性，投标无效"
                    "（财政部令第87号 第60条） / abnormally low price not justified: invalid "
                    "(Order 87 art. 60)",
                }
            )
        responsive = [b for b in responsive if b not in invalid]
        if weight is not None and responsive:
            benchmark = _gp_price_scores(responsive, weight, ctx)
        responsive = _same_brand(responsive, chain, rejected, ctx)
    else:
        if any(b.sme or b.domestic for b in bids):
            ctx.warnings.append(
                "中小企业价格扣除和本国产品优惠是政府采购政策，本评标办法未适用 / the SME and "
                "domestic-product deductions are procurement policies, not applied by this method"
            )
        for b in responsive:
            b.evaluated = b.price
            if ctx.method == "construction_lowest_price" and b.adjustment:
                b.evaluated += b.adjustment
                b.deductions.append(
                    {
                        "policy": "adjustment",
                        "pct": None,
                        "amount": b.adjustment,
                        "basis": "招标文件规定的评标价格调整 / the documents' price corrections",
                    }
                )
        if bm is not None:
            benchmark = _construction_scores(responsive, bm, ctx)

    ranked = _rank(responsive, chain, ctx)
    if not ranked:
        ctx.warnings.append("没有有效投标 / no responsive bid remains")
    return {
        "method": ctx.method,
        "ranked": [
            {
                "rank": i + 1,
                "bidder": b.bidder,
                "price": b.price,
                "evaluated_price": b.evaluated,
                "price_score": ctx.s(b.price_score),
                "technical_score": ctx.s(b.technical),
                "business_score": ctx.s(b.business),
                "total": ctx.s(b.total),
                "deductions": b.deductions,
            }
            for i, b in enumerate(ranked)
        ],
        "rejected": rejected,
        "flags": flags,
        "abnormal": abnormal,
        "benchmark": benchmark,
        "warnings": ctx.warnings,
    }


def evaluate_case(case: dict[str, Any]) -> dict[str, Any]:
    """Score and rank one lot's bids by its method; the result the committee reports."""
    case = _dict(case, "case")
    _known(case, CASE_KEYS, "case")
    params = _dict(case.get("params") or {}, "params")
    _known(params, PARAM_KEYS, "params")
    ctx = _context(case, params)
    with localcontext() as decimals:
        decimals.prec = 40
        return _evaluate(case, params, ctx)


def load_case(text: str) -> dict[str, Any]:
    """Parse a case from JSON text, numbers with a fraction as Decimal (never float)."""
    try:
        case = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise DomainError(
            "invalid-json",
            f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}",
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            field="case",
        ) from None
    return _dict(case, "case")
