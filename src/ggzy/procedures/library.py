"""Standard actions (通用环节) that methods compose: a method's declaration picks these and
adds its own, so a new method is a list, not new code.

Each function returns Action declarations bound to the stage names the caller passes; the
effects they name live in ggzy.bidding, ggzy.evaluation and ggzy.procedures.
"""

from __future__ import annotations

from collections.abc import Mapping

from ggzy.procedures.declaration import Action, Field, MinPeriod

TENDERER = frozenset({"tenderee", "agency"})
ORGANISER = frozenset({"tenderee", "agency", "center_staff", "system"})
REGULATOR = frozenset({"regulator"})


def register_action(
    zh: str = "登记招标项目",
    en: str = "register the project",
    price: tuple[str, str] = ("估算价（元）", "estimated price (yuan)"),
    extra: tuple[Field, ...] = (),
) -> Action:
    """The creating action: center, title, tenderee (when an agency registers), price, extras."""
    return Action(
        "register_project",
        zh,
        en,
        roles=TENDERER,
        stages=frozenset(),
        event="ProjectRegistered",
        effect="register_project",
        to_stage="registered",
        creates=True,
        fields=(
            Field("center", "交易中心", "trading center", max_len=16),
            Field("title", "项目名称", "project title", max_len=200),
            Field(
                "tenderee",
                "招标人统一社会信用代码",
                "tenderee credit code",
                "entity",
                required=False,
                help_zh="代理机构登记时填写委托的招标人",
            ),
            Field("estimated_price", price[0], price[1], "money"),
            Field(
                "max_price",
                "最高投标限价（元）",
                "maximum bid price (yuan)",
                "money",
                required=False,
            ),
            *extra,
            Field(
                "approval_document",
                "项目审批、核准或备案文件（已上传文件的 SHA-256）",
                "project approval (SHA-256), where required",
                "document",
                required=False,
                help_zh="依法需要审批、核准的项目须提交（招标投标法实施条例 第7条）",
            ),
            Field("description", "项目概况", "description", "longtext", required=False),
            Field(
                "follows",
                "重新组织的原项目（流标/废标项目的统一交易标识码）",
                "the failed project this one follows (deal code)",
                required=False,
                max_len=18,
            ),
        ),
    )


def failure_actions(failed: str, change_to: tuple[str, ...] = ()) -> tuple[Action, ...]:
    """After a failure: ask the supervising department to change the method (and its answer).

    change_to: the methods the law allows next; re-tendering under the same method needs no
    action here, only a new registration that `follows` the failed project.
    """
    if not change_to:
        return ()
    return (
        Action(
            "request_method_change",
            "申请变更采购（招标）方式",
            "ask to change the method",
            roles=TENDERER,
            stages=frozenset({failed}),
            event="MethodChangeRequested",
            effect="request_method_change",
            params={"to": change_to},
            fields=(
                Field("method", "拟采用的方式（方式代码）", "method code", max_len=64),
                Field("reason", "理由", "reason", "longtext", max_len=5000),
            ),
        ),
        Action(
            "decide_method_change",
            "审批变更方式申请",
            "decide on the change of method",
            roles=REGULATOR,
            stages=frozenset({failed}),
            event="MethodChangeDecided",
            effect="decide_method_change",
            fields=(
                Field("approved", "批准", "approved", "bool"),
                Field("opinion", "审批意见", "opinion", "longtext", required=False),
            ),
        ),
    )


def plan_actions(registered: str, submitted: str, approved: str) -> tuple[Action, ...]:
    """Procurement plan (采购计划) reported by the purchaser and approved online by the finance
    department before anything is published (审批直通车)."""
    return (
        Action(
            "submit_plan",
            "报送采购计划",
            "submit the procurement plan",
            roles=TENDERER,
            stages=frozenset({registered}),
            event="ProcurementPlanSubmitted",
            effect="submit_plan",
            to_stage=submitted,
            fields=(
                Field("plan_number", "采购计划编号", "procurement plan number", max_len=64),
                Field("budget", "采购预算（元）", "budget (yuan)", "money"),
                Field("funding", "资金性质", "source of funds", max_len=100),
                Field("items", "采购需求概述", "what is bought", "longtext", max_len=5000),
                Field(
                    "plan_document",
                    "采购计划或预算批复文件（已上传文件的 SHA-256）",
                    "procurement plan or budget approval (SHA-256)",
                    "document",
                ),
            ),
        ),
        Action(
            "approve_plan",
            "核准采购计划（审批直通车）",
            "approve the procurement plan",
            roles=REGULATOR,
            stages=frozenset({submitted}),
            event="ProcurementPlanApproved",
            effect="approve_plan",
            to_stage=approved,
            fields=(Field("opinion", "审核意见", "opinion", "longtext", required=False),),
        ),
        Action(
            "return_plan",
            "退回采购计划",
            "return the procurement plan",
            roles=REGULATOR,
            stages=frozenset({submitted}),
            event="ProcurementPlanReturned",
            effect="return_plan",
            to_stage=registered,
            fields=(Field("reason", "退回理由", "reason", "longtext"),),
        ),
    )


SALE_AND_PREPARATION = (
    MinPeriod("doc_sale_min_days", "field:doc_sale_start", "field:doc_sale_end"),
    MinPeriod("bid_prep_min_days", "field:doc_sale_start", "field:bid_deadline"),
)


def announcement_action(
    from_stage: str,
    to_stage: str,
    zh: str = "发布招标公告",
    en: str = "publish the tender announcement",
    periods: tuple[MinPeriod, ...] = SALE_AND_PREPARATION,
) -> Action:
    """The announcement with the documents, their sale period and the deadline."""
    return Action(
        "publish_announcement",
        zh,
        en,
        roles=TENDERER,
        stages=frozenset({from_stage}),
        event="AnnouncementPublished",
        effect="publish_announcement",
        to_stage=to_stage,
        at="announced_at",
        fields=(
            Field(
                "tender_document",
                "招标文件（已上传文件的 SHA-256）",
                "tender document (SHA-256)",
                "document",
            ),
            Field("doc_sale_start", "招标文件发售开始时间", "document sale starts", "datetime"),
            Field("doc_sale_end", "招标文件发售截止时间", "document sale ends", "datetime"),
            Field(
                "bid_deadline",
                "投标截止时间（即开标时间）",
                "bid deadline (= opening)",
                "datetime",
            ),
            Field("bid_bond", "投标保证金（元）", "bid bond (yuan)", "money", required=False),
            Field("announcement", "公告正文", "announcement text", "longtext", max_len=20000),
        ),
        periods=periods,
    )


def bidding_actions(
    bidding: str, submit_effect: str = "submit_sealed_bid", withdrawal: bool = True
) -> tuple[Action, ...]:
    """Documents, questions, clarifications, sealed bids and withdrawal while bids are open.

    submit_effect: "submit_sealed_quote" for one unchangeable quote (询价), without withdrawal.
    """
    actions = (
        Action(
            "obtain_documents",
            "获取招标文件",
            "obtain the tender documents",
            roles=frozenset({"bidder"}),
            stages=frozenset({bidding}),
            event="TenderDocumentsObtained",
            effect="obtain_documents",
            public=False,
        ),
        Action(
            "ask_question",
            "提出疑问",
            "ask a question",
            roles=frozenset({"bidder"}),
            stages=frozenset({bidding}),
            event="QuestionAsked",
            effect="ask_question",
            before="project:bid_deadline",
            public=False,
            fields=(Field("text", "问题", "question", "longtext", max_len=5000),),
        ),
        Action(
            "clarify",
            "发布澄清/修改",
            "issue a clarification or amendment",
            roles=TENDERER,
            stages=frozenset({bidding}),
            event="ClarificationIssued",
            effect="clarify",
            before="project:bid_deadline",
            fields=(
                Field("text", "澄清或修改内容", "clarification text", "longtext", max_len=20000),
                Field("answers", "答复的问题编号", "questions answered", "json", required=False),
                Field(
                    "affects_bids",
                    "可能影响投标文件编制",
                    "may affect bid preparation",
                    "bool",
                    required=False,
                ),
            ),
        ),
        Action(
            "submit_bid",
            "递交投标文件（投标人本地加密）",
            "submit a bid sealed on the bidder's side",
            roles=frozenset({"bidder"}),
            stages=frozenset({bidding}),
            event="BidSubmitted",
            effect=submit_effect,
            before="project:bid_deadline",
            public=False,
            fields=(
                Field(
                    "sealed_file",
                    "密封投标文件（ggzy bid seal 生成，已上传文件的 SHA-256）",
                    "sealed bid file (made by `ggzy bid seal`; SHA-256 of the upload)",
                    "document",
                ),
                Field(
                    "signature",
                    "递交签名（签名证书对密封文件的 CMS 分离式签名，Base64）",
                    "submission signature (base64 CMS over the sealed file)",
                    "longtext",
                    max_len=100_000,
                ),
            ),
        ),
    )
    withdraw = Action(
        "withdraw_bid",
        "撤回投标文件",
        "withdraw the bid",
        roles=frozenset({"bidder"}),
        stages=frozenset({bidding}),
        event="BidWithdrawn",
        effect="withdraw_bid",
        before="project:bid_deadline",
        public=False,
    )
    return (*actions, withdraw) if withdrawal else actions


def opening_actions(bidding: str, decrypting: str, opened: str, failed: str) -> tuple[Action, ...]:
    """Sign-in, opening at the deadline, remote decryption by each bidder, officers' fallback
    shares (不见面开标)."""
    return (
        Action(
            "sign_in_opening",
            "开标签到（数字证书签名）",
            "sign in to the opening (certificate signature)",
            roles=frozenset({"bidder"}),
            stages=frozenset({bidding}),
            event="BidderSignedIn",
            effect="sign_in_opening",
            before="project:bid_deadline",
            public=False,
            fields=(
                Field(
                    "signature",
                    "签到签名（对签到声明的 CMS 分离式签名，Base64）",
                    "signature over the sign-in statement (base64 detached CMS)",
                    "longtext",
                    max_len=100_000,
                ),
            ),
        ),
        Action(
            "open_bids",
            "开标（进入远程解密）",
            "open the bids (start remote decryption)",
            roles=ORGANISER,
            stages=frozenset({bidding}),
            event="OpeningStarted",
            effect="start_opening",
            not_before="project:bid_deadline",
            auto=True,
            outcomes={"decrypting": decrypting, "failed": failed},
        ),
        Action(
            "decrypt_bid",
            "解密本单位投标文件",
            "decrypt my bid",
            roles=frozenset({"bidder"}),
            stages=frozenset({decrypting}),
            event="BidOpened",
            effect="decrypt_bid",
            before="project:decrypt_until",
            outcomes={"pending": decrypting, "opened": opened, "failed": failed},
            fields=(
                Field(
                    "content_key",
                    "内容密钥（ggzy bid unwrap 得到的十六进制）",
                    "content key (hex, from `ggzy bid unwrap`)",
                    max_len=64,
                ),
            ),
        ),
        Action(
            "submit_opening_share",
            "提交开标密钥分片（备用解密）",
            "hand in an opening-key share (fallback decryption)",
            roles=frozenset({"center_staff"}),
            stages=frozenset({decrypting}),
            event="OpeningShareSubmitted",
            effect="submit_opening_share",
            outcomes={"pending": decrypting, "opened": opened, "failed": failed},
            fields=(Field("share", "密钥分片（JSON）", "key share (JSON)", "json"),),
        ),
        Action(
            "finish_opening",
            "结束解密（未解密的视为撤销）",
            "close decryption (undecrypted bids count as withdrawn)",
            roles=ORGANISER,
            stages=frozenset({decrypting}),
            event="BidsOpened",
            effect="finish_opening",
            not_before="project:decrypt_until",
            auto=True,
            outcomes={"opened": opened, "failed": failed},
        ),
    )


def sign_document_action(stages: frozenset[str]) -> Action:
    """Electronic signatures on the tender document, opening record and evaluation report."""
    return Action(
        "sign_document",
        "电子签章（招标文件、开标记录、评标报告）",
        "sign a document (tender document, opening record, evaluation report)",
        roles=frozenset({"tenderee", "agency", "bidder"}),
        stages=stages,
        event="DocumentSigned",
        effect="sign_document",
        fields=(
            Field("document", "文件（SHA-256）", "document (SHA-256)", "document"),
            Field(
                "signature",
                "签章（CMS 分离式签名，Base64）",
                "signature (base64 detached CMS)",
                "longtext",
                max_len=100_000,
            ),
        ),
    )


def evaluate_action(opened: str, evaluated: str, failed: str) -> Action:
    """The committee's evaluation by lowest evaluated price."""
    return Action(
        "evaluate",
        "评标（经评审的最低投标价法）",
        "evaluate (lowest evaluated price)",
        roles=ORGANISER - {"system"},
        stages=frozenset({opened}),
        event="EvaluationCompleted",
        effect="evaluate_lowest_price",
        outcomes={"ranked": evaluated, "too_few": failed},
        at="evaluated_at",
        fields=(
            Field("reviews", "评审意见", "committee findings", "json", required=False),
            Field("summary", "评标报告摘要", "report summary", "longtext", required=False),
        ),
    )


def award_fields() -> tuple[Field, ...]:
    """The winner (default: the first candidate) and the reason for another choice."""
    return (
        Field("winner", "中标人统一社会信用代码", "winner credit code", "entity", required=False),
        Field("reason", "未选第一名的理由", "reason if not the first", "longtext", required=False),
    )


def publicity_and_award_actions(
    evaluated: str, publicized: str, awarded: str
) -> tuple[Action, ...]:
    """Candidate publicity (中标候选人公示) and then the award notice (construction)."""
    return (
        Action(
            "publicize_candidates",
            "公示中标候选人",
            "publicise the candidates",
            roles=TENDERER,
            stages=frozenset({evaluated}),
            event="CandidatesPublicized",
            effect="publicize_candidates",
            to_stage=publicized,
            within=("publicity_within_days", "project:evaluated_at"),
            at="publicity_start",
            fields=(Field("publicity_end", "公示截止时间", "publicity ends", "datetime"),),
            periods=(MinPeriod("publicity_min_days", "now", "field:publicity_end"),),
        ),
        Action(
            "award",
            "确定中标人并发出中标通知书",
            "award and issue the notice",
            roles=TENDERER,
            stages=frozenset({publicized}),
            event="AwardNoticeIssued",
            effect="award",
            to_stage=awarded,
            not_before="project:publicity_end",
            at="awarded_at",
            fields=award_fields(),
        ),
    )


def contract_actions(awarded: str, contracted: str, accepted: str) -> tuple[Action, ...]:
    """The contract signed by both parties within its period, then performance and acceptance."""
    return (
        Action(
            "sign_contract",
            "签署合同（双方数字证书签章）",
            "sign the contract (both parties, with certificates)",
            roles=frozenset({"tenderee", "bidder"}),
            stages=frozenset({awarded}),
            event="ContractSigned",
            effect="sign_contract",
            within=("contract_within_days", "project:awarded_at"),
            at="contract_signed_at",
            outcomes={"pending": awarded, "signed": contracted},
            fields=(
                Field(
                    "contract", "合同文本（已上传文件的 SHA-256）", "contract (SHA-256)", "document"
                ),
                Field("amount", "合同金额（元）", "contract amount (yuan)", "money"),
                Field(
                    "signature",
                    "本方签章（对合同文本的 CMS 分离式签名，Base64）",
                    "your signature (base64 detached CMS over the contract)",
                    "longtext",
                    max_len=100_000,
                ),
            ),
        ),
        Action(
            "record_performance",
            "记录履约情况",
            "record contract performance",
            roles=TENDERER,
            stages=frozenset({contracted}),
            event="PerformanceRecorded",
            effect="record_performance",
            fields=(
                Field("text", "履约情况", "what happened", "longtext", max_len=5000),
                Field("paid", "本次支付金额（元）", "amount paid (yuan)", "money", required=False),
                Field("document", "附件（SHA-256）", "attachment (SHA-256)", "document", False),
            ),
        ),
        Action(
            "record_acceptance",
            "组织验收",
            "record the acceptance",
            roles=TENDERER,
            stages=frozenset({contracted}),
            event="AcceptanceRecorded",
            effect="record_acceptance",
            outcomes={"passed": accepted, "failed": contracted},
            fields=(
                Field("passed", "验收合格", "accepted", "bool"),
                Field("report", "验收报告（SHA-256）", "acceptance report (SHA-256)", "document"),
                Field("opinion", "验收意见", "opinion", "longtext", required=False),
            ),
        ),
    )


def supervision_actions(active: frozenset[str], terminated: str) -> tuple[Action, ...]:
    """A regulator suspends and resumes; a regulator or the tenderee terminates (终止)."""
    return (
        Action(
            "suspend",
            "暂停项目（行政监督）",
            "suspend the project (supervision)",
            roles=REGULATOR,
            stages=active,
            event="ProjectSuspended",
            effect="suspend",
            fields=(Field("reason", "暂停理由", "reason", "longtext", max_len=5000),),
        ),
        Action(
            "resume",
            "恢复项目（期限相应顺延）",
            "resume the project (time limits move on)",
            roles=REGULATOR,
            stages=active,
            event="ProjectResumed",
            effect="resume",
            while_suspended=True,
        ),
        Action(
            "terminate",
            "终止项目",
            "terminate the project",
            roles=REGULATOR | {"tenderee"},
            stages=active,
            event="ProjectTerminated",
            effect="terminate",
            to_stage=terminated,
            while_suspended=True,
            fields=(Field("reason", "终止理由", "reason", "longtext", max_len=5000),),
        ),
    )


def objection_actions(subjects: Mapping[str, Mapping[str, object]]) -> tuple[Action, ...]:
    """A bidder objects (异议 / 质疑) to one of the declared subjects; the tenderee answers.

    subjects: name -> ggzy.procedures.objections.subject(...), each with its stages, window
    and whether a pending objection suspends the project.
    """
    stages = frozenset(st for s in subjects.values() for st in s["stages"])  # type: ignore[attr-defined]
    return (
        Action(
            "raise_objection",
            "提出异议（质疑）",
            "raise an objection",
            roles=frozenset({"bidder"}),
            stages=stages,
            event="ObjectionRaised",
            effect="raise_objection",
            public=False,
            while_suspended=True,
            params={"subjects": subjects},
            fields=(
                Field(
                    "subject",
                    "异议事项（" + "、".join(f"{k}={v['zh']}" for k, v in subjects.items()) + "）",
                    "subject (" + ", ".join(subjects) + ")",
                    max_len=32,
                ),
                Field("text", "异议内容与理由", "objection and grounds", "longtext", max_len=20000),
                Field("evidence", "证明材料（SHA-256）", "evidence (SHA-256)", "document", False),
            ),
        ),
        Action(
            "answer_objection",
            "答复异议（质疑）",
            "answer an objection",
            roles=TENDERER,
            stages=stages,
            event="ObjectionAnswered",
            effect="answer_objection",
            while_suspended=True,
            fields=(
                Field("objection", "异议编号", "objection number", "int"),
                Field("answer", "答复内容", "answer", "longtext", max_len=20000),
            ),
        ),
    )


def complaint_actions(
    active: frozenset[str], subjects: tuple[str, ...], params: Mapping[str, object]
) -> tuple[Action, ...]:
    """A complaint (投诉) to the supervising department, admitted or not, then decided.

    params: objection_first (subjects that need an objection first), always_objection_first,
    complaint_counted_from ("answer" or "answer_due").
    """
    return (
        Action(
            "file_complaint",
            "向行政监督部门投诉",
            "complain to the supervising department",
            roles=frozenset({"bidder"}),
            stages=active,
            event="ComplaintFiled",
            effect="file_complaint",
            public=False,
            while_suspended=True,
            params=params,
            fields=(
                Field(
                    "subject",
                    "投诉事项（" + "、".join(subjects) + "）",
                    "subject (" + ", ".join(subjects) + ")",
                    max_len=32,
                ),
                Field(
                    "text",
                    "投诉内容、请求与理由",
                    "complaint and grounds",
                    "longtext",
                    max_len=20000,
                ),
            ),
        ),
        Action(
            "accept_complaint",
            "决定是否受理投诉",
            "decide whether to take up a complaint",
            roles=REGULATOR,
            stages=active,
            event="ComplaintAccepted",
            effect="accept_complaint",
            while_suspended=True,
            fields=(
                Field("complaint", "投诉编号", "complaint number", "int"),
                Field("accepted", "受理", "taken up", "bool"),
                Field("reason", "不予受理的理由", "reason for refusing", "longtext", False),
            ),
        ),
        Action(
            "decide_complaint",
            "作出投诉处理决定",
            "decide the complaint",
            roles=REGULATOR,
            stages=active,
            event="ComplaintDecided",
            effect="decide_complaint",
            while_suspended=True,
            fields=(
                Field("complaint", "投诉编号", "complaint number", "int"),
                Field("upheld", "投诉成立", "upheld", "bool"),
                Field("decision", "处理决定", "decision", "longtext", max_len=20000),
            ),
        ),
    )


def bond_actions(bidding: str, refund_stages: frozenset[str]) -> tuple[Action, ...]:
    """Bid bonds: cash received on the project's sub-account, an electronic guarantee lodged,
    and the refund after the contract (ggzy.bidding.bonds)."""
    return (
        Action(
            "record_bond_payment",
            "登记投标保证金到账（保证金子账号）",
            "record a bid bond received on the project's sub-account",
            roles=frozenset({"center_staff"}),
            stages=frozenset({bidding}),
            event="BondPaid",
            effect="record_bond_payment",
            before="project:bid_deadline",
            public=False,
            fields=(
                Field("bidder", "投标人统一社会信用代码", "bidder credit code", "entity"),
                Field("amount", "到账金额（元）", "amount received (yuan)", "money"),
                Field(
                    "payer_name",
                    "付款户名（须为投标人基本账户）",
                    "payer account name",
                    max_len=200,
                ),
                Field("reference", "银行流水号", "bank reference", max_len=64),
            ),
        ),
        Action(
            "lodge_guarantee",
            "提交电子保函",
            "lodge an electronic guarantee",
            roles=frozenset({"bidder"}),
            stages=frozenset({bidding}),
            event="GuaranteeLodged",
            effect="lodge_guarantee",
            before="project:bid_deadline",
            public=False,
            fields=(
                Field(
                    "guarantee",
                    "电子保函（JSON，SHA-256）",
                    "guarantee letter (SHA-256)",
                    "document",
                ),
                Field(
                    "signature",
                    "出具机构对保函的签章（CMS，Base64）",
                    "the institution's signature over the letter (base64 CMS)",
                    "longtext",
                    max_len=100_000,
                ),
            ),
        ),
        Action(
            "refund_bonds",
            "退还投标保证金（含同期存款利息）",
            "refund the bid bonds (with interest)",
            roles=frozenset({"center_staff"}),
            stages=refund_stages,
            event="BondsRefunded",
            effect="refund_bonds",
            fields=(
                Field(
                    "interest_rate_bp",
                    "银行同期活期存款年利率（基点）",
                    "bank demand-deposit rate (basis points a year)",
                    "int",
                    required=False,
                ),
            ),
        ),
    )
