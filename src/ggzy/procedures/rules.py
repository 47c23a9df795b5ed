"""Versioned rule table (规则表): every legal period and quota, keyed by method, region and date.

A province or center may tighten a national minimum by adding a row for its region prefix; a
new row applies to projects created on or after its effective date. Each row cites its source
and carries the confidence tag of ../shared/rules.md ([S] statute checked, [S2] secondary,
[G] general knowledge, [U] uncertain).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ggzy.core.errors import DomainError

UNITS = {
    "calendar_days": ("日", "calendar days"),
    "working_days": ("个工作日", "working days"),
    "count": ("个", ""),
    "minutes": ("分钟", "minutes"),
    "percent": ("%", "%"),
    "yuan": ("元", "yuan"),
}


@dataclass(frozen=True)
class Rule:
    """One rule setting: its value, where and from when it applies, and its legal basis."""

    key: str
    value: int
    unit: str
    zh: str
    en: str
    source: str
    confidence: str
    method: str = "*"  # a method code, or * for every method of the domain prefix
    region: str = ""  # GB/T 2260 prefix ("" national, "42" Hubei, "420100" Wuhan)
    effective_from: date = date(2000, 1, 1)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"rule {self.key}: unknown unit {self.unit!r}")
        if self.confidence not in {"S", "S2", "G", "U"}:
            raise ValueError(f"rule {self.key}: confidence must be S, S2, G or U")
        if not self.source:
            raise ValueError(f"rule {self.key}: every rule cites its source")

    @property
    def working(self) -> bool:
        """True if the value counts working days (工作日)."""
        return self.unit == "working_days"

    def describe_zh(self) -> str:
        """'不少于 20 日（招标投标法 第24条）'."""
        return f"{self.zh}：{self.value}{UNITS[self.unit][0]}（{self.source}）"

    def describe_en(self) -> str:
        """'at least 20 calendar days (Tendering Law art. 24)'."""
        return f"{self.en}: {self.value} {UNITS[self.unit][1]} ({self.source})".replace("  ", " ")


CONSTRUCTION = "construction."

RULES: list[Rule] = [
    Rule(
        "doc_sale_min_days",
        5,
        "calendar_days",
        "招标文件发售期不得少于",
        "tender documents on sale at least",
        "招标投标法实施条例 第16条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "bid_prep_min_days",
        20,
        "calendar_days",
        "自招标文件开始发出之日起至投标截止不得少于",
        "from first issue of tender documents to bid deadline at least",
        "招标投标法 第24条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "clarification_min_days",
        15,
        "calendar_days",
        "澄清或修改须在投标截止前至少",
        "clarifications or amendments at least this long before the bid deadline",
        "招标投标法 第23条；实施条例 第21条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "min_bids",
        3,
        "count",
        "投标人少于该数不得开标（流标，重新招标）",
        "fewer bids than this: no opening, re-tender",
        "招标投标法实施条例 第44条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "decrypt_window_minutes",
        30,
        "minutes",
        "开标后投标人远程解密时限",
        "time bidders have to decrypt their bids after opening",
        "电子招标投标办法；各地不见面开标规则（常见 30 分钟）",
        "G",
        CONSTRUCTION,
    ),
    Rule(
        "max_candidates",
        3,
        "count",
        "中标候选人不超过",
        "at most this many ranked candidates",
        "招标投标法实施条例 第53条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "publicity_within_days",
        3,
        "calendar_days",
        "收到评标报告后公示中标候选人不得迟于",
        "candidates publicised within this long of the evaluation report",
        "招标投标法实施条例 第54条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "publicity_min_days",
        3,
        "calendar_days",
        "中标候选人公示期不得少于",
        "candidate publicity lasts at least",
        "招标投标法实施条例 第54条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "objection_before_deadline_days",
        10,
        "calendar_days",
        "对招标文件有异议的，应在投标截止时间前至少",
        "objections to the tender documents at least this long before the bid deadline",
        "招标投标法实施条例 第22条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "objection_answer_within_days",
        3,
        "calendar_days",
        "招标人自收到异议之日起作出答复不得迟于",
        "the tenderee answers an objection within",
        "招标投标法实施条例 第22、54条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "complaint_within_days",
        10,
        "calendar_days",
        "自知道或者应当知道之日起投诉不得迟于（异议答复期间不计算在内）",
        "a complaint within this long of knowing (the objection period not counted)",
        "招标投标法实施条例 第60条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "complaint_accept_within_days",
        3,
        "working_days",
        "行政监督部门收到投诉后决定是否受理不得迟于",
        "the supervising department decides whether to take a complaint up within",
        "招标投标法实施条例 第61条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "complaint_decide_within_days",
        30,
        "working_days",
        "自受理投诉之日起作出书面处理决定不得迟于",
        "the written decision on a complaint within",
        "招标投标法实施条例 第61条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "tender_report_within_days",
        15,
        "calendar_days",
        "确定中标人后向有关行政监督部门提交招标投标情况书面报告不得迟于",
        "written tendering report to the supervising authority within this long of the award",
        "招标投标法 第47条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "min_responsive_bids",
        1,
        "count",
        "通过评审的投标少于该数即否决全部、重新招标",
        "fewer responsive bids than this: every bid is rejected, re-tender",
        "招标投标法 第42条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "bid_bond_max_percent",
        2,
        "percent",
        "投标保证金不得超过招标项目估算价的",
        "the bid bond may not exceed this share of the estimated price",
        "招标投标法实施条例 第26条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "bond_cash_allowed",
        1,
        "count",
        "投标保证金可以现金或支票形式从投标人基本账户转出（1 = 允许）",
        "a bid bond may be paid in cash from the bidder's basic account (1 = yes)",
        "招标投标法实施条例 第26条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "bond_refund_within_days",
        5,
        "calendar_days",
        "书面合同签订后退还投标保证金及银行同期存款利息不得迟于",
        "bid bonds with bank interest are refunded within this long of the contract",
        "招标投标法实施条例 第57条",
        "S",
        CONSTRUCTION,
    ),
    Rule(
        "contract_within_days",
        30,
        "calendar_days",
        "中标通知书发出后签订合同不得迟于",
        "contract signed within this long of the award notice",
        "招标投标法 第46条",
        "S",
        CONSTRUCTION,
    ),
]


def add_rules(*new: Rule) -> None:
    """Add rows to the rule table (a declaration module adds its domain's rules on import)."""
    seen = {(r.key, r.method, r.region, r.effective_from) for r in RULES}
    for rule in new:
        ident = (rule.key, rule.method, rule.region, rule.effective_from)
        if ident in seen:
            raise ValueError(f"rule {rule.key} for {rule.method} {rule.region!r} is declared twice")
        seen.add(ident)
        RULES.append(rule)


def _matches(rule: Rule, method: str, region: str, on: date) -> bool:
    if rule.effective_from > on or not region.startswith(rule.region):
        return False
    return (
        rule.method == "*"
        or method == rule.method
        or (rule.method.endswith(".") and method.startswith(rule.method))
    )


def resolve(key: str, method: str, region: str, on: date) -> Rule:
    """The rule in force for a project: most specific region, then method, then newest date."""
    candidates = [r for r in RULES if r.key == key and _matches(r, method, region, on)]
    if not candidates:
        raise DomainError(
            "rule-missing",
            f"规则表中没有适用于 {method}（{region}，{on}）的规则 {key}",
            f"no rule {key} in force for {method} in {region} on {on}",
            status=500,
        )
    return max(
        candidates,
        key=lambda r: (len(r.region), len(r.method) if r.method != "*" else 0, r.effective_from),
    )


def keys_for(method: str) -> set[str]:
    """Every rule key that applies to a method somewhere."""
    return {
        r.key
        for r in RULES
        if r.method == "*"
        or r.method == method
        or (r.method.endswith(".") and method.startswith(r.method))
    }
