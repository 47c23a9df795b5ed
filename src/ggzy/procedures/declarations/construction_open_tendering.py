"""公开招标（依法必须招标的工程建设项目）: open tendering of a construction project.

招标投标法 arts. 16–47 and 实施条例 arts. 15–57; rules.md §1.1. The periods are rule-table
keys, so a province or center can tighten them without touching this file.
"""

from __future__ import annotations

from ggzy.procedures import library as std
from ggzy.procedures import objections as obj
from ggzy.procedures.declaration import Action, Field, Milestone, Procedure, Stage, Step

ACTIVE = frozenset(
    {"registered", "bidding", "decrypting", "opened", "evaluated", "publicized", "awarded"}
)
# 异议 (实施条例 arts. 22, 44, 54): the documents, the opening, the candidates.
OBJECTIONS = {
    "documents": obj.subject(
        "documents",
        "招标文件",
        "tender documents",
        frozenset({"bidding"}),
        "before",
        "bid_deadline",
        "objection_before_deadline_days",
        suspends=True,
    ),
    "opening": obj.subject(  # on the spot: while decrypting and a while after the read-out
        "opening",
        "开标",
        "opening",
        frozenset({"decrypting", "opened"}),
        "during",
        "opening_objections_until",
    ),
    "candidates": obj.subject(
        "candidates",
        "评标结果（中标候选人）",
        "evaluation result (candidates)",
        frozenset({"publicized"}),
        "during",
        "publicity_end",
        suspends=True,
    ),
}

CONSTRUCTION_OPEN_TENDERING = Procedure(
    code="construction.open_tendering",
    zh="工程建设项目公开招标",
    en="Open tendering (construction)",
    domain="construction",
    deal_category="J",
    basis="招标投标法；招标投标法实施条例",
    stages=(
        Stage("registered", "已登记", "registered"),
        Stage("bidding", "招标公告已发布（投标中）", "announced, bids being received"),
        Stage("decrypting", "开标解密中", "opened, bids being decrypted"),
        Stage("opened", "已开标（唱标完成）", "bids opened and read out"),
        Stage("evaluated", "评标完成", "evaluated"),
        Stage("publicized", "中标候选人公示中", "candidates publicised"),
        Stage("awarded", "已发中标通知书", "awarded"),
        Stage("contracted", "合同已签订（履约中）", "contract signed, being performed"),
        Stage("accepted", "已验收（完成）", "accepted (closed)", final=True),
        Stage("failed", "流标", "failed", final=True),
        Stage("terminated", "已终止", "terminated", final=True),
    ),
    actions=(
        std.register_action(
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
            )
        ),
        std.announcement_action("registered", "bidding"),
        *std.bidding_actions("bidding"),
        *std.opening_actions("bidding", "decrypting", "opened", "failed"),
        std.sign_document_action(
            frozenset({"bidding", "decrypting", "opened", "evaluated", "publicized", "awarded"})
        ),
        std.evaluate_action("opened", "evaluated", "failed"),
        *std.publicity_and_award_actions("evaluated", "publicized", "awarded"),
        Action(
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
        ),
        *std.contract_actions("awarded", "contracted", "accepted"),
        *std.bond_actions("bidding", frozenset({"contracted", "accepted", "failed", "terminated"})),
        *std.objection_actions(OBJECTIONS),
        *std.complaint_actions(
            ACTIVE | {"contracted"},
            ("documents", "opening", "candidates", "other"),
            {"objection_first": ("documents", "opening", "candidates")},
        ),
        *std.supervision_actions(ACTIVE, "terminated"),
    ),
    schedule=(
        Milestone("announced_at", "发布招标公告", "tender announcement published", stage="bidding"),
        Milestone(
            "doc_sale_start",
            "招标文件开始发售",
            "tender documents on sale",
            (Step("announced_at"),),
        ),
        Milestone(
            "doc_sale_end",
            "招标文件发售截止",
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
    ),
)
PROCEDURES = (CONSTRUCTION_OPEN_TENDERING,)
