"""公开招标（依法必须招标的工程建设项目）: open tendering of a construction project.

招标投标法 arts. 16–47 and 实施条例 arts. 15–57; rules.md §1.1. The periods are rule-table
keys, so a province or center can tighten them without touching this file.
"""

from __future__ import annotations

from ggzy.procedures.declaration import Action, Field, MinPeriod, Procedure, Stage

TENDERER = frozenset({"tenderee", "agency"})
ORGANISER = frozenset({"tenderee", "agency", "center_staff", "system"})

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
        Stage("opened", "已开标", "bids opened"),
        Stage("evaluated", "评标完成", "evaluated"),
        Stage("publicized", "中标候选人公示中", "candidates publicised"),
        Stage("awarded", "已发中标通知书", "awarded", final=True),
        Stage("failed", "流标", "failed", final=True),
    ),
    actions=(
        Action(
            "register_project", "登记招标项目", "register the project",
            roles=TENDERER, stages=frozenset(), event="ProjectRegistered",
            effect="register_project", to_stage="registered", creates=True,
            fields=(
                Field("center", "交易中心", "trading center", max_len=16),
                Field("title", "项目名称", "project title", max_len=200),
                Field("tenderee", "招标人统一社会信用代码", "tenderee credit code", "entity", required=False,
                      help_zh="代理机构登记时填写委托的招标人"),
                Field("estimated_price", "估算价（元）", "estimated price (yuan)", "money"),
                Field("max_price", "最高投标限价（元）", "maximum bid price (yuan)", "money", required=False),
                Field("state_capital", "国有资金占控股或主导地位", "state-funded or state-controlled", "bool",
                      required=False),
                Field("investment_code", "投资项目统一代码", "investment project code", required=False, max_len=24),
                Field("description", "项目概况", "description", "longtext", required=False),
            ),
        ),
        Action(
            "publish_announcement", "发布招标公告", "publish the tender announcement",
            roles=TENDERER, stages=frozenset({"registered"}), event="AnnouncementPublished",
            effect="publish_announcement", to_stage="bidding",
            fields=(
                Field("tender_document", "招标文件（已上传文件的 SHA-256）", "tender document (SHA-256)", "document"),
                Field("doc_sale_start", "招标文件发售开始时间", "document sale starts", "datetime"),
                Field("doc_sale_end", "招标文件发售截止时间", "document sale ends", "datetime"),
                Field("bid_deadline", "投标截止时间（即开标时间）", "bid deadline (= opening)", "datetime"),
                Field("bid_bond", "投标保证金（元）", "bid bond (yuan)", "money", required=False),
                Field("announcement", "公告正文", "announcement text", "longtext", max_len=20000),
            ),
            periods=(
                MinPeriod("doc_sale_min_days", "field:doc_sale_start", "field:doc_sale_end"),
                MinPeriod("bid_prep_min_days", "field:doc_sale_start", "field:bid_deadline"),
            ),
        ),
        Action(
            "obtain_documents", "获取招标文件", "obtain the tender documents",
            roles=frozenset({"bidder"}), stages=frozenset({"bidding"}),
            event="TenderDocumentsObtained", effect="obtain_documents", public=False,
        ),
        Action(
            "ask_question", "提出疑问", "ask a question",
            roles=frozenset({"bidder"}), stages=frozenset({"bidding"}), event="QuestionAsked",
            effect="ask_question", before="project:bid_deadline", public=False,
            fields=(Field("text", "问题", "question", "longtext", max_len=5000),),
        ),
        Action(
            "clarify", "发布澄清/修改", "issue a clarification or amendment",
            roles=TENDERER, stages=frozenset({"bidding"}), event="ClarificationIssued",
            effect="clarify", before="project:bid_deadline",
            fields=(
                Field("text", "澄清或修改内容", "clarification text", "longtext", max_len=20000),
                Field("answers", "答复的问题编号", "questions answered", "json", required=False),
                Field("affects_bids", "可能影响投标文件编制", "may affect bid preparation", "bool",
                      required=False),
            ),
        ),
        Action(
            "submit_bid", "递交投标文件", "submit a bid",
            roles=frozenset({"bidder"}), stages=frozenset({"bidding"}), event="BidSubmitted",
            effect="submit_bid", before="project:bid_deadline", public=False,
            fields=(
                Field("price", "投标报价（元）", "bid price (yuan)", "money"),
                Field("duration_days", "工期（日历天）", "duration (days)", "int"),
                Field("quality", "质量标准", "quality standard", max_len=200),
                Field("bid_file", "投标文件（已上传文件的 SHA-256）", "bid file (SHA-256)", "document",
                      required=False),
            ),
        ),
        Action(
            "withdraw_bid", "撤回投标文件", "withdraw the bid",
            roles=frozenset({"bidder"}), stages=frozenset({"bidding"}), event="BidWithdrawn",
            effect="withdraw_bid", before="project:bid_deadline", public=False,
        ),
        Action(
            "open_bids", "开标", "open the bids",
            roles=ORGANISER, stages=frozenset({"bidding"}), event="BidsOpened",
            effect="open_bids", not_before="project:bid_deadline",
            outcomes={"opened": "opened", "failed": "failed"},
        ),
        Action(
            "evaluate", "评标（经评审的最低投标价法）", "evaluate (lowest evaluated price)",
            roles=ORGANISER - {"system"}, stages=frozenset({"opened"}),
            event="EvaluationCompleted", effect="evaluate_lowest_price",
            outcomes={"ranked": "evaluated", "all_rejected": "failed"},
            fields=(
                Field("reviews", "评审意见", "committee findings", "json", required=False),
                Field("summary", "评标报告摘要", "report summary", "longtext", required=False),
            ),
        ),
        Action(
            "publicize_candidates", "公示中标候选人", "publicise the candidates",
            roles=TENDERER, stages=frozenset({"evaluated"}), event="CandidatesPublicized",
            effect="publicize_candidates", to_stage="publicized",
            within=("publicity_within_days", "project:evaluated_at"),
            fields=(Field("publicity_end", "公示截止时间", "publicity ends", "datetime"),),
            periods=(MinPeriod("publicity_min_days", "now", "field:publicity_end"),),
        ),
        Action(
            "award", "确定中标人并发出中标通知书", "award and issue the notice",
            roles=TENDERER, stages=frozenset({"publicized"}), event="AwardNoticeIssued",
            effect="award", to_stage="awarded", not_before="project:publicity_end",
            fields=(
                Field("winner", "中标人统一社会信用代码", "winner credit code", "entity", required=False),
                Field("reason", "未选第一名的理由", "reason if not the first", "longtext", required=False),
            ),
        ),
    ),
)
