"""政府采购: government procurement methods under 政府采购法, 实施条例 and MoF Orders 87 / 74.

rules.md §1.2. Every period and quota is a rule-table key with the `procurement.` prefix,
added here with its source and confidence tag; a province or center tightens them by adding
rows for its region.
"""

from __future__ import annotations

import ggzy.procedures.single_source  # noqa: F401  (its effects)
from ggzy.procedures import library as std
from ggzy.procedures import objections as obj
from ggzy.procedures.declaration import Action, Field, Milestone, MinPeriod, Procedure, Stage, Step
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

add_rules(
    Rule(
        "objection_within_days",
        7,
        "working_days",
        "供应商自知道或者应知其权益受到损害之日起提出质疑不得迟于",
        "a supplier challenges within this long of knowing",
        "政府采购法 第52条（采购文件自收到之日、结果自公告之日起算，财政部令第94号 第10条）",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "objection_answer_within_days",
        7,
        "working_days",
        "采购人、采购代理机构收到质疑后作出答复不得迟于",
        "the purchaser answers a challenge within",
        "政府采购法 第53条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "complaint_within_days",
        15,
        "working_days",
        "质疑答复期满后向财政部门投诉不得迟于",
        "a complaint within this long after the answer period ends",
        "政府采购法 第55条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "complaint_accept_within_days",
        5,
        "working_days",
        "财政部门收到投诉书后审查决定是否受理不得迟于",
        "the finance department decides whether to take a complaint up within",
        "财政部令第94号 第21条",
        "G",
        PROCUREMENT,
    ),
    Rule(
        "complaint_decide_within_days",
        30,
        "working_days",
        "财政部门收到投诉后作出处理决定不得迟于",
        "the finance department decides a complaint within",
        "政府采购法 第56条",
        "S",
        PROCUREMENT,
    ),
)

# 质疑 (政府采购法 art. 52): the documents (from obtaining them), the process (from the
# opening) and the result (from its announcement); none suspends by itself (the finance
# department may suspend while it handles a complaint, art. 57).
CHALLENGES = {
    "documents": obj.subject(
        "documents",
        "采购文件",
        "procurement documents",
        frozenset({"bidding"}),
        "within",
        "holder",
        "objection_within_days",
    ),
    "process": obj.subject(
        "process",
        "采购过程",
        "procurement process",
        frozenset({"decrypting", "opened", "evaluated"}),
        "within",
        "opened_at",
        "objection_within_days",
    ),
    "result": obj.subject(
        "result",
        "中标、成交结果",
        "result",
        frozenset({"awarded", "contracted"}),
        "within",
        "awarded_at",
        "objection_within_days",
    ),
}
SINGLE_SOURCE_CHALLENGES = {
    "single_source": obj.subject(
        "single_source",
        "单一来源公示",
        "single-source publicity",
        frozenset({"publicized"}),
        "during",
        "publicity_end",
    ),
    "result": CHALLENGES["result"],
}
COMPLAINT_RULES = {"always_objection_first": True, "complaint_counted_from": "answer_due"}


def _challenge_actions(
    subjects: dict[str, dict[str, object]], active: frozenset[str]
) -> tuple[Action, ...]:
    return (
        *std.objection_actions(subjects),
        *std.complaint_actions(active | {"contracted"}, tuple(subjects), COMPLAINT_RULES),
    )


# 政府采购法 arts. 30–31, 36–37: after a failed tender, with approval, the purchase may go on
# by competitive negotiation, competitive consultation, request for quotation or single source.
AFTER_FAILED_TENDER = (
    "procurement.competitive_negotiation",
    "procurement.competitive_consultation",
    "procurement.inquiry",
    "procurement.single_source",
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
        *std.bond_actions("bidding", frozenset({"contracted", "accepted", "failed", "terminated"})),
        *_challenge_actions(CHALLENGES, GP_ACTIVE),
        *std.supervision_actions(GP_ACTIVE, "terminated"),
        *std.failure_actions("failed", AFTER_FAILED_TENDER),
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

add_rules(
    Rule(
        "bond_cash_allowed",
        0,
        "count",
        "投标保证金应当以支票、汇票、本票或者金融机构、担保机构出具的保函等非现金形式提交"
        "（0 = 不收现金）",
        "the bond is non-cash: cheque, draft or a guarantee (0 = no cash)",
        "政府采购法实施条例 第33条",
        "S",
        PROCUREMENT,
    ),
    Rule(
        "bond_refund_within_days",
        5,
        "working_days",
        "采购合同签订后退还投标保证金不得迟于",
        "bid bonds are refunded within this long of the contract",
        "政府采购法实施条例 第33条",
        "S",
        PROCUREMENT,
    ),
)

INQUIRY = "procurement.inquiry"
SINGLE_SOURCE = "procurement.single_source"

add_rules(
    Rule(
        "bid_prep_min_days",
        3,
        "working_days",
        "自询价通知书发出之日起至供应商提交响应文件截止不得少于",
        "from the request for quotation to the response deadline at least",
        "财政部令第74号 第45条",
        "S2",
        INQUIRY,
    ),
    Rule(
        "clarification_min_days",
        3,
        "working_days",
        "可能影响响应文件编制的澄清或修改须在提交首次响应文件截止前至少",
        "clarifications that may affect responses at least this long before the deadline",
        "财政部令第74号 第10条",
        "G",
        INQUIRY,
    ),
    Rule(
        "single_source_publicity_min_days",
        5,
        "working_days",
        "单一来源采购方式公示期不得少于",
        "the sole supplier is publicised for at least",
        "政府采购法实施条例 第38条",
        "S",
        SINGLE_SOURCE,
    ),
)


def _gp_stages(competing: tuple[Stage, ...]) -> tuple[Stage, ...]:
    """Plan, approval, the method's own stages, then award, contract and acceptance."""
    return (
        Stage("registered", "已登记", "registered"),
        Stage("plan_submitted", "采购计划待核准", "plan awaiting approval"),
        Stage("approved", "采购计划已核准", "plan approved"),
        *competing,
        Stage("evaluated", "评审完成", "evaluated"),
        Stage("awarded", "成交结果已公告", "result announced"),
        Stage("contracted", "合同已签订（履约中）", "contract signed, being performed"),
        Stage("accepted", "已验收（完成）", "accepted (closed)", final=True),
        Stage("failed", "采购失败（废标）", "failed", final=True),
        Stage("terminated", "已终止", "terminated", final=True),
    )


def _gp_tail(
    active: frozenset[str], challenges: dict[str, dict[str, object]]
) -> tuple[Action, ...]:
    return (
        _award("evaluated", "awarded", "确定成交供应商并发布成交结果公告", "fix the supplier"),
        *std.contract_actions("awarded", "contracted", "accepted"),
        _publish_contract("contracted"),
        *_challenge_actions(challenges, active),
        *std.supervision_actions(active, "terminated"),
    )


GP_INQUIRY = Procedure(
    code=INQUIRY,
    zh="政府采购询价",
    en="Request for quotation (government procurement)",
    domain="procurement",
    deal_category="Z",
    basis="政府采购法 第32、40条；财政部令第74号",
    stages=_gp_stages(
        (
            Stage("bidding", "询价通知书已发出（报价中）", "request sent, quotes being received"),
            Stage("decrypting", "报价解密中", "quotes being decrypted"),
            Stage("opened", "报价已开启", "quotes opened"),
        )
    ),
    actions=(
        std.register_action(
            "登记询价采购项目", "register the project", price=("采购预算（元）", "budget (yuan)")
        ),
        *std.plan_actions("registered", "plan_submitted", "approved"),
        std.announcement_action(
            "approved",
            "bidding",
            "发出询价通知书",
            "send the request for quotation",
            periods=(MinPeriod("bid_prep_min_days", "field:doc_sale_start", "field:bid_deadline"),),
        ),
        *std.bidding_actions("bidding", submit_effect="submit_sealed_quote", withdrawal=False),
        *std.opening_actions("bidding", "decrypting", "opened", "failed"),
        std.evaluate_action("opened", "evaluated", "failed"),
        *_gp_tail(GP_ACTIVE, CHALLENGES),
    ),
    schedule=(
        Milestone("announced_at", "发出询价通知书", "request for quotation sent", stage="bidding"),
        Milestone(
            "doc_sale_start", "开始提供询价通知书", "request available", (Step("announced_at"),)
        ),
        Milestone(
            "bid_deadline",
            "报价截止暨开启",
            "quote deadline and opening",
            (Step("doc_sale_start", "bid_prep_min_days"),),
            stage="decrypting",
        ),
        Milestone(
            "clarification_last_day",
            "澄清或修改不顺延截止时间的最后一日",
            "last day for a clarification that keeps the deadline",
            (Step("bid_deadline", "clarification_min_days", "before"),),
        ),
        Milestone(
            "evaluated_at",
            "评审完成（评审报告）",
            "evaluation report",
            (Step("bid_deadline"),),
            stage="evaluated",
        ),
        *_after_award_milestones(),
    ),
)

SS_ACTIVE = frozenset(
    {"registered", "plan_submitted", "approved", "publicized", "evaluated", "awarded"}
)

GP_SINGLE_SOURCE = Procedure(
    code=SINGLE_SOURCE,
    zh="政府采购单一来源",
    en="Single-source procurement",
    domain="procurement",
    deal_category="Z",
    basis="政府采购法 第31、39条；政府采购法实施条例 第38条",
    stages=_gp_stages(
        (Stage("publicized", "单一来源公示中（协商）", "sole supplier publicised, negotiating"),)
    ),
    actions=(
        std.register_action(
            "登记单一来源采购项目",
            "register the project",
            price=("采购预算（元）", "budget (yuan)"),
        ),
        *std.plan_actions("registered", "plan_submitted", "approved"),
        Action(
            "publicize_single_source",
            "发布单一来源采购公示",
            "publicise the sole supplier",
            roles=std.TENDERER,
            stages=frozenset({"approved"}),
            event="SingleSourcePublicized",
            effect="single_source_publicity",
            to_stage="publicized",
            at="publicity_start",
            fields=(
                Field("supplier", "拟定的唯一供应商统一社会信用代码", "sole supplier", "entity"),
                Field("reason", "采用单一来源的理由和专业人员论证意见", "reason", "longtext"),
                Field("publicity_end", "公示截止时间", "publicity ends", "datetime"),
            ),
            periods=(MinPeriod("single_source_publicity_min_days", "now", "field:publicity_end"),),
        ),
        Action(
            "record_negotiation",
            "记录协商情况与成交价格（供应商签章确认）",
            "record the negotiation and price (confirmed by the supplier)",
            roles=std.TENDERER,
            stages=frozenset({"publicized"}),
            event="SingleSourceNegotiated",
            effect="record_single_source_negotiation",
            to_stage="evaluated",
            not_before="project:publicity_end",
            at="evaluated_at",
            fields=(
                Field("price", "协商确定的成交价格（元）", "negotiated price (yuan)", "money"),
                Field(
                    "minutes", "协商情况记录（SHA-256）", "negotiation record (SHA-256)", "document"
                ),
                Field(
                    "supplier_signature",
                    "供应商对协商记录的签章（CMS，Base64）",
                    "the supplier's signature over the record (base64 CMS)",
                    "longtext",
                    max_len=100_000,
                ),
            ),
        ),
        *_gp_tail(SS_ACTIVE, SINGLE_SOURCE_CHALLENGES),
    ),
    schedule=(
        Milestone("publicity_start", "单一来源公示开始", "publicity starts", stage="publicized"),
        Milestone(
            "publicity_end",
            "单一来源公示结束",
            "publicity ends",
            (Step("publicity_start", "single_source_publicity_min_days"),),
        ),
        Milestone(
            "evaluated_at",
            "协商确定成交价格",
            "price negotiated",
            (Step("publicity_end"),),
            stage="evaluated",
        ),
        *_after_award_milestones(),
    ),
)

PROCEDURES = (GP_OPEN_TENDERING, GP_INQUIRY, GP_SINGLE_SOURCE)
