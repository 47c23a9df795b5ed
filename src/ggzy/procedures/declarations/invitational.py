"""Restricted competition: open tendering with prequalification (资格预审), invitational tendering
(邀请招标) of construction projects, and invitational tendering in government procurement.

招标投标法 art. 17 and 实施条例 arts. 15–22, 36 (rules.md §1.1); 政府采购法 arts. 29, 34 and
实施条例 art. 21 (rules.md §1.2). Who may bid is fixed before the tender documents are issued:
by the prequalification, by the tenderee's invitations, or by the platform's verifiable random
draw among the prequalified suppliers (ggzy.bidding.invitation); then obtaining the documents
and bidding are refused to anyone else. The rest is open tendering, action for action.

The rules below are rows for these methods only (exact method codes), so the rule tables of
the other methods of the same domains do not change.
"""

from __future__ import annotations

from dataclasses import replace

import ggzy.bidding.invitation  # noqa: F401  (registers the effects these methods name)
from ggzy.procedures import library as std
from ggzy.procedures import objections as obj
from ggzy.procedures.declaration import (
    Action,
    Field,
    Milestone,
    MinPeriod,
    Procedure,
    Stage,
    Step,
)
from ggzy.procedures.declarations.construction_open_tendering import OBJECTIONS
from ggzy.procedures.declarations.government_procurement import CHALLENGES, COMPLAINT_RULES
from ggzy.procedures.rules import Rule, add_rules

PREQUALIFIED = "construction.prequalified_tendering"
INVITATIONAL = "construction.invitational_tendering"
GP_INVITATIONAL = "procurement.invitational_tendering"

add_rules(
    # ---- construction, prequalification (招标投标法实施条例)
    Rule(
        "pq_doc_sale_min_days",
        5,
        "calendar_days",
        "资格预审文件发售期不得少于",
        "prequalification documents on sale at least",
        "招标投标法实施条例 第16条",
        "S",
        PREQUALIFIED,
    ),
    Rule(
        "pq_application_min_days",
        5,
        "calendar_days",
        "自资格预审文件停止发售之日起至提交资格预审申请文件截止不得少于",
        "from the end of the sale of the prequalification documents to the application "
        "deadline at least",
        "招标投标法实施条例 第17条",
        "S",
        PREQUALIFIED,
    ),
    Rule(
        "pq_clarification_min_days",
        3,
        "calendar_days",
        "可能影响资格预审申请文件编制的澄清或修改须在提交截止前至少",
        "clarifications that may affect applications at least this long before the deadline",
        "招标投标法实施条例 第21条",
        "S",
        PREQUALIFIED,
    ),
    Rule(
        "pq_objection_before_deadline_days",
        2,
        "calendar_days",
        "对资格预审文件有异议的，应在提交资格预审申请文件截止时间前至少",
        "objections to the prequalification documents at least this long before the deadline",
        "招标投标法实施条例 第22条",
        "S",
        PREQUALIFIED,
    ),
    Rule(
        "pq_min_qualified",
        3,
        "count",
        "通过资格预审的申请人少于该数的，应当重新招标",
        "fewer qualified applicants than this: re-tender",
        "招标投标法实施条例 第19条",
        "S",
        PREQUALIFIED,
    ),
    # ---- construction, invitations (招标投标法)
    Rule(
        "invite_min_bidders",
        3,
        "count",
        "邀请招标应当向不少于该数的潜在投标人发出投标邀请书",
        "invitational tendering invites at least this many bidders",
        "招标投标法 第17条",
        "S",
        INVITATIONAL,
    ),
    # ---- government procurement, prequalification and the random draw
    Rule(
        "pq_doc_sale_min_days",
        5,
        "working_days",
        "资格预审文件提供期限不得少于",
        "prequalification documents available for at least",
        "财政部令第87号 第18条",
        "G",
        GP_INVITATIONAL,
    ),
    Rule(
        "pq_application_min_days",
        5,
        "working_days",
        "提交资格预审申请文件的时间自公告发布之日起不得少于",
        "from the prequalification notice to the application deadline at least",
        "政府采购法实施条例 第21条",
        "S",
        GP_INVITATIONAL,
    ),
    Rule(
        "pq_clarification_min_days",
        3,
        "calendar_days",
        "可能影响资格预审申请文件编制的澄清或修改须在提交截止前至少",
        "clarifications that may affect applications at least this long before the deadline",
        "财政部令第87号 第27条",
        "G",
        GP_INVITATIONAL,
    ),
    Rule(
        "pq_min_qualified",
        3,
        "count",
        "资格预审合格的供应商少于该数的，无法随机选择，资格预审失败、重新采购",
        "fewer qualified suppliers than this: none can be drawn, procure again",
        "政府采购法 第34条",
        "S",
        GP_INVITATIONAL,
    ),
    Rule(
        "draw_min_suppliers",
        3,
        "count",
        "从符合资格条件的供应商中随机选择、发出投标邀请书的供应商不少于",
        "at least this many qualified suppliers are drawn at random and invited",
        "政府采购法 第34条",
        "S",
        GP_INVITATIONAL,
    ),
)


# ---------------------------------------------------------------- actions


def prequalification_actions(
    from_stage: str, pq: str, qualified: str, failed: str, application_from: str
) -> tuple[Action, ...]:
    """Notice, documents, clarifications, signed applications and the committee's review.

    application_from is the moment the application period counts from: the end of the sale
    (`field:pq_sale_end`, construction) or the notice itself (`now`, procurement).
    """
    return (
        Action(
            "publish_pq_notice",
            "发布资格预审公告",
            "publish the prequalification notice",
            roles=std.TENDERER,
            stages=frozenset({from_stage}),
            event="PrequalificationNoticePublished",
            effect="publish_pq_notice",
            to_stage=pq,
            at="pq_announced_at",
            fields=(
                Field(
                    "pq_document",
                    "资格预审文件（已上传文件的 SHA-256）",
                    "prequalification document (SHA-256)",
                    "document",
                ),
                Field("pq_sale_start", "资格预审文件发售开始时间", "sale starts", "datetime"),
                Field("pq_sale_end", "资格预审文件发售截止时间", "sale ends", "datetime"),
                Field(
                    "pq_deadline",
                    "提交资格预审申请文件截止时间",
                    "application deadline",
                    "datetime",
                ),
                Field("notice", "公告正文", "notice text", "longtext", max_len=20000),
            ),
            periods=(
                MinPeriod("pq_doc_sale_min_days", "field:pq_sale_start", "field:pq_sale_end"),
                MinPeriod("pq_application_min_days", application_from, "field:pq_deadline"),
            ),
        ),
        Action(
            "obtain_pq_documents",
            "获取资格预审文件",
            "obtain the prequalification documents",
            roles=frozenset({"bidder"}),
            stages=frozenset({pq}),
            event="PrequalificationDocumentsObtained",
            effect="obtain_pq_documents",
            public=False,
        ),
        Action(
            "clarify_prequalification",
            "发布资格预审文件澄清/修改",
            "clarify or amend the prequalification documents",
            roles=std.TENDERER,
            stages=frozenset({pq}),
            event="PrequalificationClarified",
            effect="clarify_prequalification",
            before="project:pq_deadline",
            fields=(
                Field("text", "澄清或修改内容", "clarification text", "longtext", max_len=20000),
                Field(
                    "affects_applications",
                    "可能影响资格预审申请文件编制",
                    "may affect the applications",
                    "bool",
                    required=False,
                ),
            ),
        ),
        Action(
            "apply_prequalification",
            "递交资格预审申请文件（数字证书签章）",
            "apply for prequalification (signed with a certificate)",
            roles=frozenset({"bidder"}),
            stages=frozenset({pq}),
            event="PrequalificationApplied",
            effect="apply_prequalification",
            before="project:pq_deadline",
            public=False,
            fields=(
                Field(
                    "application",
                    "资格预审申请文件（已上传文件的 SHA-256）",
                    "application document (SHA-256)",
                    "document",
                ),
                Field(
                    "signature",
                    "申请人签章（对申请文件的 CMS 分离式签名，Base64）",
                    "applicant's signature (base64 detached CMS over the document)",
                    "longtext",
                    max_len=100_000,
                ),
            ),
        ),
        Action(
            "review_prequalification",
            "资格审查（逐一记录合格与否及理由）",
            "review the applications (each qualified or not, with reasons)",
            roles=std.ORGANISER - {"system"},
            stages=frozenset({pq}),
            event="PrequalificationCompleted",
            effect="review_prequalification",
            not_before="project:pq_deadline",
            outcomes={"qualified": qualified, "too_few": failed},
            at="pq_reviewed_at",
            fields=(
                Field(
                    "reviews",
                    "审查意见：[{applicant, qualified, reason}]",
                    "findings: [{applicant, qualified, reason}]",
                    "json",
                ),
                Field("summary", "资格审查报告摘要", "report summary", "longtext", required=False),
            ),
        ),
    )


def admitted_bidding_actions(bidding: str) -> tuple[Action, ...]:
    """The standard bidding actions, with obtaining documents and bidding kept to the admitted."""
    swap = {
        "obtain_documents": (
            "obtain_documents_if_admitted",
            "获取招标文件（限资格合格或受邀请者）",
        ),
        "submit_bid": (
            "submit_sealed_bid_if_admitted",
            "递交投标文件（投标人本地加密；限资格合格或受邀请者）",
        ),
    }
    return tuple(
        replace(a, effect=swap[a.name][0], zh=swap[a.name][1]) if a.name in swap else a
        for a in std.bidding_actions(bidding)
    )


def _tender_report() -> Action:
    return Action(
        "file_tender_report",
        "提交招标投标情况书面报告",
        "file the written tendering report",
        roles=std.TENDERER,
        stages=frozenset({"awarded", "contracted"}),
        event="TenderReportFiled",
        effect="file_tender_report",
        within=("tender_report_within_days", "project:awarded_at"),
        at="tender_report_at",
        fields=(Field("report", "书面报告（SHA-256）", "report (SHA-256)", "document"),),
    )


def _construction_competition() -> tuple[Action, ...]:
    """From bidding to acceptance, as in open tendering (招标投标法 arts. 28–47)."""
    return (
        *admitted_bidding_actions("bidding"),
        *std.opening_actions("bidding", "decrypting", "opened", "failed"),
        std.sign_document_action(
            frozenset({"bidding", "decrypting", "opened", "evaluated", "publicized", "awarded"})
        ),
        std.evaluate_action("opened", "evaluated", "failed"),
        *std.publicity_and_award_actions("evaluated", "publicized", "awarded"),
        _tender_report(),
        *std.contract_actions("awarded", "contracted", "accepted"),
    )


def _construction_register(*extra: Field) -> Action:
    return std.register_action(
        extra=(
            Field(
                "state_capital",
                "国有资金占控股或主导地位",
                "state-funded or state-controlled",
                "bool",
                required=False,
            ),
            Field(
                "investment_code",
                "投资项目统一代码",
                "investment project code",
                required=False,
                max_len=24,
            ),
            *extra,
        )
    )


# ---------------------------------------------------------------- stages and schedules


def _stages(before: tuple[Stage, ...], publicity: bool, failed_zh: str) -> tuple[Stage, ...]:
    return (
        *before,
        Stage("bidding", "投标中", "bids being received"),
        Stage("decrypting", "开标解密中", "opened, bids being decrypted"),
        Stage("opened", "已开标（唱标完成）", "bids opened and read out"),
        Stage("evaluated", "评标完成", "evaluated"),
        *((Stage("publicized", "中标候选人公示中", "candidates publicised"),) if publicity else ()),
        Stage("awarded", "已发中标通知书", "awarded"),
        Stage("contracted", "合同已签订（履约中）", "contract signed, being performed"),
        Stage("accepted", "已验收（完成）", "accepted (closed)", final=True),
        Stage("failed", failed_zh, "failed", final=True),
        Stage("terminated", "已终止", "terminated", final=True),
    )


def _pq_stages() -> tuple[Stage, ...]:
    return (
        Stage("prequalifying", "资格预审中", "prequalification under way"),
        Stage("pq_failed", "资格预审失败（重新招标）", "prequalification failed (re-tender)", True),
        Stage("qualified", "资格预审完成", "prequalification completed"),
    )


def prequalification_milestones(construction: bool) -> tuple[Milestone, ...]:
    """The prequalification's dated points, from the notice to the committee's review."""
    deadline_steps = (
        (Step("pq_sale_end", "pq_application_min_days"),)
        if construction
        else (Step("pq_announced_at", "pq_application_min_days"), Step("pq_sale_end"))
    )
    objection = (
        (
            Milestone(
                "pq_objection_last_day",
                "对资格预审文件提出异议的最后一日",
                "last day to object to the prequalification documents",
                (Step("pq_deadline", "pq_objection_before_deadline_days", "before"),),
            ),
        )
        if construction
        else ()
    )
    return (
        Milestone(
            "pq_announced_at",
            "发布资格预审公告",
            "prequalification notice published",
            stage="prequalifying",
        ),
        Milestone(
            "pq_sale_start",
            "资格预审文件开始发售",
            "prequalification documents on sale",
            (Step("pq_announced_at"),),
        ),
        Milestone(
            "pq_sale_end",
            "资格预审文件发售截止",
            "sale of the prequalification documents ends",
            (Step("pq_sale_start", "pq_doc_sale_min_days"),),
        ),
        Milestone(
            "pq_deadline",
            "提交资格预审申请文件截止",
            "application deadline",
            deadline_steps,
        ),
        *objection,
        Milestone(
            "pq_clarification_last_day",
            "资格预审澄清或修改不顺延截止时间的最后一日",
            "last day for a clarification that keeps the application deadline",
            (Step("pq_deadline", "pq_clarification_min_days", "before"),),
        ),
        Milestone(
            "pq_reviewed_at",
            "资格审查完成，发出资格预审结果通知书",
            "applications reviewed, results notified",
            (Step("pq_deadline"),),
            stage="qualified",
        ),
    )


def _tender_milestones(after: str, zh: str) -> tuple[Milestone, ...]:
    """The documents' issue, sale and deadline, counted like open tendering."""
    return (
        Milestone("announced_at", zh, "invitations to bid sent", (Step(after),), stage="bidding"),
        Milestone(
            "doc_sale_start",
            "招标文件开始发售（提供）",
            "tender documents on sale",
            (Step("announced_at"),),
        ),
        Milestone(
            "doc_sale_end",
            "招标文件发售（提供）截止",
            "document sale ends",
            (Step("doc_sale_start", "doc_sale_min_days"),),
        ),
        Milestone(
            "bid_deadline",
            "投标截止暨开标",
            "bid deadline and opening",
            (Step("doc_sale_start", "bid_prep_min_days"), Step("doc_sale_end")),
            stage="decrypting",
        ),
    )


def _construction_milestones(after: str, zh: str) -> tuple[Milestone, ...]:
    return (
        *_tender_milestones(after, zh),
        Milestone(
            "objection_last_day",
            "对招标文件提出异议的最后一日",
            "last day to object to the tender documents",
            (Step("bid_deadline", "objection_before_deadline_days", "before"),),
        ),
        Milestone(
            "clarification_last_day",
            "澄清或修改不顺延投标截止时间的最后一日",
            "last day for a clarification that keeps the deadline",
            (Step("bid_deadline", "clarification_min_days", "before"),),
        ),
        Milestone(
            "evaluated_at",
            "评标完成（评标报告）",
            "evaluation report",
            (Step("bid_deadline"),),
            stage="evaluated",
        ),
        Milestone(
            "publicity_start",
            "中标候选人公示开始",
            "candidate publicity starts",
            (Step("evaluated_at"), Step("evaluated_at", "publicity_within_days", "max")),
            stage="publicized",
        ),
        Milestone(
            "publicity_end",
            "中标候选人公示结束",
            "candidate publicity ends",
            (Step("publicity_start", "publicity_min_days"),),
        ),
        Milestone(
            "awarded_at",
            "确定中标人，发出中标通知书",
            "award notice issued",
            (Step("publicity_end"),),
            stage="awarded",
        ),
        Milestone(
            "tender_report_at",
            "向行政监督部门提交招标投标情况书面报告",
            "written tendering report filed",
            (Step("awarded_at"), Step("awarded_at", "tender_report_within_days", "max")),
        ),
        Milestone(
            "contract_signed_at",
            "签订书面合同",
            "contract signed",
            (Step("awarded_at"), Step("awarded_at", "contract_within_days", "max")),
            stage="contracted",
        ),
    )


# ---------------------------------------------------------------- construction: prequalification

# 异议 on the prequalification documents at least 2 days before the application deadline
# (实施条例 art. 22), then as open tendering (documents, opening, candidates).
PQ_OBJECTIONS = {
    "pq_documents": obj.subject(
        "pq_documents",
        "资格预审文件",
        "prequalification documents",
        frozenset({"prequalifying"}),
        "before",
        "pq_deadline",
        "pq_objection_before_deadline_days",
        suspends=True,
    ),
    **OBJECTIONS,
}

PQ_ACTIVE = frozenset(
    {
        "registered",
        "prequalifying",
        "qualified",
        "bidding",
        "decrypting",
        "opened",
        "evaluated",
        "publicized",
        "awarded",
    }
)

CONSTRUCTION_PREQUALIFIED_TENDERING = Procedure(
    code=PREQUALIFIED,
    zh="工程建设项目公开招标（资格预审）",
    en="Open tendering with prequalification (construction)",
    domain="construction",
    deal_category="J",
    basis="招标投标法 第18条；招标投标法实施条例 第15–22、36条",
    stages=(
        Stage("registered", "已登记", "registered"),
        *_pq_stages(),
        *_stages((), publicity=True, failed_zh="流标"),
    ),
    actions=(
        _construction_register(),
        *prequalification_actions(
            "registered", "prequalifying", "qualified", "pq_failed", "field:pq_sale_end"
        ),
        std.announcement_action(
            "qualified",
            "bidding",
            "向通过资格预审的申请人发出投标邀请书（发售招标文件）",
            "invite the qualified applicants to bid (tender documents on sale)",
        ),
        *_construction_competition(),
        *std.objection_actions(PQ_OBJECTIONS),
        *std.complaint_actions(
            PQ_ACTIVE | {"contracted"},
            (*PQ_OBJECTIONS, "other"),
            {"objection_first": tuple(PQ_OBJECTIONS)},
        ),
        *std.supervision_actions(PQ_ACTIVE, "terminated"),
    ),
    schedule=(
        *prequalification_milestones(construction=True),
        *_construction_milestones("pq_reviewed_at", "向合格申请人发出投标邀请书"),
    ),
)


# ---------------------------------------------------------------- construction: invitations

INVITED_ACTIVE = frozenset(
    {
        "registered",
        "invited",
        "bidding",
        "decrypting",
        "opened",
        "evaluated",
        "publicized",
        "awarded",
    }
)

CONSTRUCTION_INVITATIONAL_TENDERING = Procedure(
    code=INVITATIONAL,
    zh="工程建设项目邀请招标",
    en="Invitational tendering (construction)",
    domain="construction",
    deal_category="J",
    basis="招标投标法 第10、17条；招标投标法实施条例 第8条",
    stages=(
        Stage("registered", "已登记", "registered"),
        Stage("invited", "受邀投标人已确定", "invitees named"),
        *_stages((), publicity=True, failed_zh="流标"),
    ),
    actions=(
        _construction_register(
            Field(
                "invitation_ground",
                "采用邀请招标的理由及核准情况（实施条例 第8条）",
                "why invitational tendering, and its approval (Regulation art. 8)",
                "longtext",
                max_len=5000,
            ),
        ),
        Action(
            "invite_bidders",
            "确定受邀投标人（不少于3个）",
            "name the invited bidders (at least 3)",
            roles=std.TENDERER,
            stages=frozenset({"registered"}),
            event="BidInvitationsSent",
            effect="invite_bidders",
            to_stage="invited",
            public=False,
            at="invited_at",
            fields=(
                Field(
                    "invitees",
                    "受邀投标人统一社会信用代码列表",
                    "credit codes of the invited bidders",
                    "json",
                ),
            ),
        ),
        std.announcement_action(
            "invited",
            "bidding",
            "发出投标邀请书（发售招标文件）",
            "send the invitations to bid (tender documents on sale)",
        ),
        *_construction_competition(),
        *std.objection_actions(OBJECTIONS),
        *std.complaint_actions(
            INVITED_ACTIVE | {"contracted"},
            (*OBJECTIONS, "other"),
            {"objection_first": tuple(OBJECTIONS)},
        ),
        *std.supervision_actions(INVITED_ACTIVE, "terminated"),
    ),
    schedule=(
        Milestone("invited_at", "确定受邀投标人", "invitees named", stage="invited"),
        *_construction_milestones("invited_at", "发出投标邀请书"),
    ),
)


# ---------------------------------------------------------------- procurement: invitations


def _gp_award() -> Action:
    """The purchaser fixes the winner in rank order and the result is announced at once."""
    return Action(
        "award",
        "确定中标供应商并发布中标结果公告",
        "fix the winner and announce the result",
        roles=std.TENDERER,
        stages=frozenset({"evaluated"}),
        event="AwardNoticeIssued",
        effect="award",
        to_stage="awarded",
        within=("winner_confirm_within_days", "project:evaluated_at"),
        at="awarded_at",
        fields=std.award_fields(),
    )


def _gp_publish_contract() -> Action:
    return Action(
        "publish_contract",
        "公告政府采购合同",
        "publish the procurement contract",
        roles=std.TENDERER,
        stages=frozenset({"contracted"}),
        event="ContractPublished",
        effect="publish_contract",
        within=("contract_publish_within_days", "project:contract_signed_at"),
        at="contract_published_at",
        fields=(Field("note", "公告说明", "note", "longtext", required=False),),
    )


GP_ACTIVE = frozenset(
    {
        "registered",
        "plan_submitted",
        "approved",
        "prequalifying",
        "qualified",
        "drawing",
        "drawn",
        "bidding",
        "decrypting",
        "opened",
        "evaluated",
        "awarded",
    }
)

GP_INVITATIONAL_TENDERING = Procedure(
    code=GP_INVITATIONAL,
    zh="政府采购邀请招标",
    en="Invitational tendering (government procurement)",
    domain="procurement",
    deal_category="Z",
    basis="政府采购法 第29、34–36条；政府采购法实施条例 第21、23条；财政部令第87号",
    stages=(
        Stage("registered", "已登记", "registered"),
        Stage("plan_submitted", "采购计划待核准", "plan awaiting approval"),
        Stage("approved", "采购计划已核准", "plan approved"),
        *_pq_stages(),
        Stage("drawing", "待平台随机抽取供应商", "suppliers about to be drawn"),
        Stage("drawn", "受邀供应商已随机抽取", "suppliers drawn"),
        *_stages((), publicity=False, failed_zh="废标"),
    ),
    actions=(
        std.register_action(
            "登记采购项目",
            "register the procurement project",
            price=("采购预算（元）", "budget (yuan)"),
            extra=(
                Field(
                    "invitation_ground",
                    "采用邀请招标的理由（政府采购法 第29条）",
                    "why invitational tendering (Government Procurement Law art. 29)",
                    "longtext",
                    max_len=5000,
                ),
            ),
        ),
        *std.plan_actions("registered", "plan_submitted", "approved"),
        *prequalification_actions("approved", "prequalifying", "qualified", "pq_failed", "now"),
        Action(
            "request_draw",
            "申请随机抽取供应商",
            "ask the platform to draw suppliers at random",
            roles=std.TENDERER,
            stages=frozenset({"qualified"}),
            event="SupplierDrawRequested",
            effect="request_draw",
            to_stage="drawing",
            fields=(
                Field(
                    "count",
                    "抽取供应商数量（不少于3家）",
                    "how many suppliers to draw (at least 3)",
                    "int",
                ),
            ),
        ),
        Action(
            "draw_suppliers",
            "随机抽取供应商（以申请后的账本签名树头为种子）",
            "draw the suppliers (seeded by the ledger's tree head after the request)",
            roles=std.ORGANISER,
            stages=frozenset({"drawing"}),
            event="SuppliersDrawn",
            effect="draw_suppliers",
            to_stage="drawn",
            not_before="project:draw_requested_at",
            auto=True,
            public=False,
            at="drawn_at",
        ),
        std.announcement_action(
            "drawn",
            "bidding",
            "向抽取的供应商发出投标邀请书（提供招标文件）",
            "invite the drawn suppliers to bid (tender documents available)",
        ),
        *admitted_bidding_actions("bidding"),
        *std.opening_actions("bidding", "decrypting", "opened", "failed"),
        std.sign_document_action(
            frozenset({"bidding", "decrypting", "opened", "evaluated", "awarded"})
        ),
        std.evaluate_action("opened", "evaluated", "failed"),
        _gp_award(),
        *std.contract_actions("awarded", "contracted", "accepted"),
        _gp_publish_contract(),
        *std.objection_actions(CHALLENGES),
        *std.complaint_actions(GP_ACTIVE | {"contracted"}, tuple(CHALLENGES), COMPLAINT_RULES),
        *std.supervision_actions(GP_ACTIVE, "terminated"),
    ),
    schedule=(
        *prequalification_milestones(construction=False),
        Milestone(
            "drawn_at",
            "随机抽取受邀供应商",
            "suppliers drawn",
            (Step("pq_reviewed_at"),),
            stage="drawn",
        ),
        *_tender_milestones("drawn_at", "向抽取的供应商发出投标邀请书"),
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
    ),
)

PROCEDURES = (
    CONSTRUCTION_PREQUALIFIED_TENDERING,
    CONSTRUCTION_INVITATIONAL_TENDERING,
    GP_INVITATIONAL_TENDERING,
)
