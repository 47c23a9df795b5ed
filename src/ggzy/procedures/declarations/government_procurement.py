"""政府采购: government procurement methods under 政府采购法, 实施条例 and MoF Orders 87 / 74.

rules.md §1.2. Every period and quota is a rule-table key with the `procurement.` prefix,
added here with its source and confidence tag; a province or center tightens them by adding
rows for its region.
"""

from __future__ import annotations

from ggzy.procedures import library as std
from ggzy.procedures.declaration import Action, Field, Milestone, Procedure, Stage, Step
from ggzy.procedures.rules import Rule, add_rules

PROCUREMENT = "procurement."

add_rules(
    Rule(
        "doc_sale_min_days",
        5,
        "working_days",
        "招标文件提供期限自开始发出之日起不得少于",
        "tender documents available for at least",
        "政府采购法实施条例 第31条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "bid_prep_min_days",
        20,
        "calendar_days",
        "自招标文件开始发出之日起至投标截止不得少于",
        "from first issue of the tender documents to the bid deadline at least",
        "政府采购法 第35条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "clarification_min_days",
        15,
        "calendar_days",
        "可能影响投标文件编制的澄清或修改须在投标截止前至少",
        "clarifications that may affect bids at least this long before the deadline",
        "政府采购法实施条例 第31条；财政部令第87号 第27条",
        "G",
        PROCUREMENT,
    ),
    Rule(
        "min_bids",
        3,
        "count",
        "投标供应商不足该数的，不得开标（废标）",
        "fewer suppliers than this: the tender fails",
        "政府采购法 第36条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "min_responsive_bids",
        3,
        "count",
        "对招标文件作实质响应的供应商不足该数的，废标",
        "fewer substantively responsive suppliers than this: the tender fails",
        "政府采购法 第36条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "decrypt_window_minutes",
        30,
        "minutes",
        "开标后供应商远程解密时限",
        "time suppliers have to decrypt their bids after opening",
        "电子招标投标办法；各地不见面开标规则（常见 30 分钟）",
        "G",
        PROCUREMENT,
    ),
    Rule(
        "max_candidates",
        3,
        "count",
        "评标委员会推荐的中标候选人不超过",
        "at most this many ranked candidates",
        "财政部令第87号 第63条",
        "G",
        PROCUREMENT,
    ),
    Rule(
        "bid_bond_max_percent",
        2,
        "percent",
        "投标保证金不得超过采购项目预算金额的",
        "the bid bond may not exceed this share of the budget",
        "政府采购法实施条例 第33条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "winner_confirm_within_days",
        5,
        "working_days",
        "采购人自收到评审报告之日起确定中标（成交）供应商不得迟于",
        "the purchaser fixes the winner within this long of the evaluation report",
        "政府采购法实施条例 第43条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "award_in_rank_order",
        1,
        "count",
        "按评审报告推荐的排序确定中标（成交）供应商",
        "the winner is fixed in the order the report ranks",
        "政府采购法实施条例 第43条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "contract_within_days",
        30,
        "calendar_days",
        "中标、成交通知书发出后签订政府采购合同不得迟于",
        "contract signed within this long of the award notice",
        "政府采购法 第46条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "contract_publish_within_days",
        2,
        "working_days",
        "政府采购合同签订后公告不得迟于",
        "the contract is published within this long of signing",
        "政府采购法实施条例 第50条",
        "S",
        PROCUREMENT,
    ),
)

GP_ACTIVE = frozenset(
    {
        "registered",
        "plan_submitted",
        "approved",
        "bidding",
        "decrypting",
        "opened",
        "evaluated",
        "awarded",
    }
)


def _award(from_stage: str, to_stage: str, zh: str, en: str) -> Action:
    """The purchaser fixes the winner in rank order and the result is announced at once."""
    return Action(
        "award",
        zh,
        en,
        roles=std.TENDERER,
        stages=frozenset({from_stage}),
        event="AwardNoticeIssued",
        effect="award",
        to_stage=to_stage,
        within=("winner_confirm_within_days", "project:evaluated_at"),
        at="awarded_at",
        fields=std.award_fields(),
    )


def _publish_contract(stage: str) -> Action:
    return Action(
        "publish_contract",
        "公告政府采购合同",
        "publish the procurement contract",
        roles=std.TENDERER,
        stages=frozenset({stage}),
        event="ContractPublished",
        effect="publish_contract",
        within=("contract_publish_within_days", "project:contract_signed_at"),
        at="contract_published_at",
        fields=(Field("note", "公告说明", "note", "longtext", required=False),),
    )


def _after_award_milestones() -> tuple[Milestone, ...]:
    return (
        Milestone(
            "awarded_at",
            "确定中标供应商，发布中标结果公告",
            "winner fixed, result announced",
            (Step("evaluated_at"), Step("evaluated_at", "winner_confirm_within_days", "max")),
            stage="awarded",
        ),
        Milestone(
            "contract_signed_at",
            "签订政府采购合同",
            "contract signed",
            (Step("awarded_at"), Step("awarded_at", "contract_within_days", "max")),
            stage="contracted",
        ),
        Milestone(
            "contract_published_at",
            "公告政府采购合同",
            "contract published",
            (
                Step("contract_signed_at"),
                Step("contract_signed_at", "contract_publish_within_days", "max"),
            ),
        ),
    )


GP_OPEN_TENDERING = Procedure(
    code="procurement.open_tendering",
    zh="政府采购公开招标",
    en="Open tendering (government procurement)",
    domain="procurement",
    deal_category="Z",
    basis="政府采购法 第26、34–36条；政府采购法实施条例；财政部令第87号",
    stages=(
        Stage("registered", "已登记", "registered"),
        Stage("plan_submitted", "采购计划待核准", "plan awaiting approval"),
        Stage("approved", "采购计划已核准", "plan approved"),
        Stage("bidding", "采购公告已发布（投标中）", "announced, bids being received"),
        Stage("decrypting", "开标解密中", "opened, bids being decrypted"),
        Stage("opened", "已开标（唱标完成）", "bids opened and read out"),
        Stage("evaluated", "评标完成", "evaluated"),
        Stage("awarded", "中标结果已公告", "winner announced"),
        Stage("contracted", "合同已签订（履约中）", "contract signed, being performed"),
        Stage("accepted", "已验收（完成）", "accepted (closed)", final=True),
        Stage("failed", "废标", "failed", final=True),
        Stage("terminated", "已终止", "terminated", final=True),
    ),
    actions=(
        std.register_action(
            "登记采购项目",
            "register the procurement project",
            price=("采购预算（元）", "budget (yuan)"),
        ),
        *std.plan_actions("registered", "plan_submitted", "approved"),
        std.announcement_action(
            "approved", "bidding", "发布招标公告（采购公告）", "publish the tender announcement"
        ),
        *std.bidding_actions("bidding"),
        *std.opening_actions("bidding", "decrypting", "opened", "failed"),
        std.sign_document_action(
            frozenset({"bidding", "decrypting", "opened", "evaluated", "awarded"})
        ),
        std.evaluate_action("opened", "evaluated", "failed"),
        _award(
            "evaluated",
            "awarded",
            "确定中标供应商并发布中标结果公告",
            "fix the winner and announce the result",
        ),
        *std.contract_actions("awarded", "contracted", "accepted"),
        _publish_contract("contracted"),
        *std.supervision_actions(GP_ACTIVE, "terminated"),
    ),
    schedule=(
        Milestone("announced_at", "发布采购公告", "tender announcement published", stage="bidding"),
        Milestone(
            "doc_sale_start",
            "开始提供招标文件",
            "tender documents available",
            (Step("announced_at"),),
        ),
        Milestone(
            "doc_sale_end",
            "招标文件提供截止",
            "documents available until",
            (Step("doc_sale_start", "doc_sale_min_days"),),
        ),
        Milestone(
            "bid_deadline",
            "投标截止暨开标",
            "bid deadline and opening",
            (Step("doc_sale_start", "bid_prep_min_days"), Step("doc_sale_end")),
            stage="decrypting",
        ),
        Milestone(
            "clarification_last_day",
            "澄清或修改不顺延投标截止时间的最后一日",
            "last day for a clarification that keeps the deadline",
            (Step("bid_deadline", "clarification_min_days", "before"),),
        ),
        Milestone(
            "evaluated_at",
            "评标完成（评审报告）",
            "evaluation report",
            (Step("bid_deadline"),),
            stage="evaluated",
        ),
        *_after_award_milestones(),
    ),
)

PROCEDURES = (GP_OPEN_TENDERING,)
