"""政府采购竞争性谈判与竞争性磋商: negotiation and consultation as declarations.

政府采购法 art. 30 and 38; 财政部令第74号 (negotiation); 财库〔2014〕214号 (consultation);
rules.md §1.2 and §2.2. The shape follows the open tendering declaration: the plan and its
approval first, then the documents and the first sealed responses, the negotiation with each
supplier separately, the final quotes as a second sealed round, the review, the result, the
contract and its acceptance, with supervision throughout. The effects are in
ggzy.procurement.negotiation.

The rows below are method-specific: they override the `procurement.` defaults of
government_procurement.py for these two methods only. Values tagged [G] or [U] are not checked
against the official text: a province or center corrects them by adding rows for its region.
The negotiation declares no minimum availability of its documents: rules.md §1.2 gives none
(the 5 working days of the open tender would exceed the 3-working-day response period).
"""

from __future__ import annotations

from dataclasses import replace

import ggzy.procurement.negotiation  # noqa: F401  (registers the effects)
from ggzy.procedures import library as std
from ggzy.procedures import objections as obj
from ggzy.procedures.declaration import (
    Action,
    Field,
    Milestone,
    Procedure,
    Stage,
    Step,
)
from ggzy.procedures.rules import Rule, add_rules
from ggzy.procurement.negotiation import CONSULTATION, NEGOTIATION

TZ_74 = "财政部令第74号"
CK_214 = "财库〔2014〕214号"

add_rules(
    # ---- competitive negotiation (竞争性谈判)
    Rule(
        "bid_prep_min_days",
        3,
        "working_days",
        "自谈判文件发出之日起至供应商提交首次响应文件截止之日不得少于",
        "from issue of the negotiation documents to the first-response deadline at least",
        f"{TZ_74} 第29条",
        "S2",
        NEGOTIATION,
    ),
    Rule(
        "clarification_min_days",
        3,
        "working_days",
        "可能影响响应文件编制的澄清或修改须在提交首次响应文件截止之日前至少",
        "clarifications that may affect responses at least this long before the deadline",
        TZ_74,
        "G",
        NEGOTIATION,
    ),
    Rule(
        "min_bids",
        3,
        "count",
        "提交首次响应文件的供应商不足该数的，采购失败",
        "fewer suppliers responding than this: the procurement fails",
        "政府采购法 第38条",
        "S",
        NEGOTIATION,
    ),
    Rule(
        "min_responsive_bids",
        3,
        "count",
        "实质性响应并提交最后报价的供应商不足该数的，采购失败",
        "fewer responsive suppliers with final quotes than this: the procurement fails",
        "政府采购法 第38条",
        "S",
        NEGOTIATION,
    ),
    # ---- competitive consultation (竞争性磋商)
    Rule(
        "bid_prep_min_days",
        10,
        "calendar_days",
        "自磋商文件开始发出之日起至供应商提交首次响应文件截止之日不得少于",
        "from first issue of the consultation documents to the first-response deadline at least",
        f"{CK_214} 第10条",
        "S2",
        CONSULTATION,
    ),
    Rule(
        "doc_sale_min_days",
        5,
        "working_days",
        "磋商文件的发售期限自开始之日起不得少于",
        "consultation documents on sale for at least",
        f"{CK_214} 第10条",
        "G",
        CONSULTATION,
    ),
    Rule(
        "clarification_min_days",
        5,
        "calendar_days",
        "可能影响响应文件编制的澄清或修改须在提交首次响应文件截止时间前至少",
        "clarifications that may affect responses at least this long before the deadline",
        f"{CK_214} 第10条",
        "G",
        CONSULTATION,
    ),
    Rule(
        "min_bids",
        3,
        "count",
        "提交首次响应文件的供应商不足该数的，采购失败",
        "fewer suppliers responding than this: the procurement fails",
        CK_214,
        "G",
        CONSULTATION,
    ),
    Rule(
        "min_responsive_bids",
        3,
        "count",
        "实质性响应并提交最后报价的供应商不足该数的，采购失败",
        "fewer responsive suppliers with final quotes than this: the procurement fails",
        CK_214,
        "G",
        CONSULTATION,
    ),
    Rule(
        "min_suppliers_exception",
        2,
        "count",
        "市场竞争不充分的科研项目、需要扶持的科技成果转化项目及部分政府购买服务项目，供应商可为",
        "research, technology-transfer and some purchased-service projects may go on with",
        CK_214,
        "U",
        CONSULTATION,
    ),
    Rule(
        "price_weight_goods_min",
        30,
        "percent",
        "货物项目价格分值占总分值的比重不得低于",
        "goods: the price weight is at least",
        CK_214,
        "G",
        CONSULTATION,
    ),
    Rule(
        "price_weight_goods_max",
        60,
        "percent",
        "货物项目价格分值占总分值的比重不得高于",
        "goods: the price weight is at most",
        CK_214,
        "G",
        CONSULTATION,
    ),
    Rule(
        "price_weight_services_min",
        10,
        "percent",
        "服务项目价格分值占总分值的比重不得低于",
        "services: the price weight is at least",
        CK_214,
        "G",
        CONSULTATION,
    ),
    Rule(
        "price_weight_services_max",
        30,
        "percent",
        "服务项目价格分值占总分值的比重不得高于",
        "services: the price weight is at most",
        CK_214,
        "G",
        CONSULTATION,
    ),
)


def _stages(word: str, word_en: str) -> tuple[Stage, ...]:
    return (
        Stage("registered", "已登记", "registered"),
        Stage("plan_submitted", "采购计划待核准", "plan awaiting approval"),
        Stage("approved", "采购计划已核准", "plan approved"),
        Stage(
            "bidding",
            f"{word}公告已发布（首次响应文件递交中）",
            "announced, first responses being received",
        ),
        Stage("decrypting", "首次响应文件解密中", "first responses being decrypted"),
        Stage("negotiating", f"{word}中", f"{word_en} under way"),
        Stage("final_quoting", "最后报价递交中", "final quotes being received"),
        Stage("final_decrypting", "最后报价解密中", "final quotes being decrypted"),
        Stage("quoted", "最后报价已解密（待评审）", "final quotes opened, to be reviewed"),
        Stage("ranked", "评审完成", "reviewed and ranked"),
        Stage("concluded", "成交结果已公告", "result announced"),
        Stage("contracted", "合同已签订（履约中）", "contract signed, being performed"),
        Stage("accepted", "已验收（完成）", "accepted (closed)", final=True),
        Stage("failed", "采购失败", "failed", final=True),
        Stage("terminated", "已终止", "terminated", final=True),
    )


# 质疑 and 投诉 (政府采购法 arts. 52–57), as for open tendering: the documents from obtaining
# them, the process from the first opening, the result from its announcement.
CHALLENGES = {
    "documents": obj.subject(
        "documents",
        "磋商（谈判）文件",
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
        frozenset(
            {"decrypting", "negotiating", "final_quoting", "final_decrypting", "quoted", "ranked"}
        ),
        "within",
        "responses_opened_at",
        "objection_within_days",
    ),
    "result": obj.subject(
        "result",
        "成交结果",
        "result",
        frozenset({"concluded", "contracted"}),
        "within",
        "awarded_at",
        "objection_within_days",
    ),
}
COMPLAINTS = {"always_objection_first": True, "complaint_counted_from": "answer_due"}

ACTIVE = frozenset(
    {
        "registered",
        "plan_submitted",
        "approved",
        "bidding",
        "decrypting",
        "negotiating",
        "final_quoting",
        "final_decrypting",
        "quoted",
        "ranked",
        "concluded",
    }
)
BIDDER = frozenset({"bidder"})
SUPPLIER = Field("supplier", "供应商统一社会信用代码", "supplier credit code", "entity")
CONTENT_KEY = Field(
    "content_key",
    "内容密钥（ggzy bid unwrap 得到的十六进制）",
    "content key (hex, from `ggzy bid unwrap`)",
    max_len=64,
)
SHARE = Field("share", "密钥分片（JSON）", "key share (JSON)", "json")


def _relabel(fields: tuple[Field, ...], labels: dict[str, tuple[str, str]]) -> tuple[Field, ...]:
    return tuple(
        replace(f, zh=labels[f.name][0], en=labels[f.name][1]) if f.name in labels else f
        for f in fields
    )


def _announcement(word: str, word_en: str, consultation: bool) -> Action:
    base = std.announcement_action(
        "approved", "bidding", f"发布{word}公告（{word}文件）", f"publish the {word_en} notice"
    )
    fields = _relabel(
        base.fields,
        {
            "tender_document": (
                f"{word}文件（已上传文件的 SHA-256）",
                f"{word_en} documents (SHA-256)",
            ),
            "doc_sale_start": (f"{word}文件提供开始时间", "documents available from"),
            "doc_sale_end": (f"{word}文件提供截止时间", "documents available until"),
            "bid_deadline": (
                "提交首次响应文件截止时间（即开启时间）",
                "first-response deadline (= opening)",
            ),
            "bid_bond": ("保证金（元）", "bond (yuan)"),
        },
    )
    if not consultation:
        periods = tuple(p for p in base.periods if p.rule != "doc_sale_min_days")
        return replace(base, fields=fields, periods=periods)
    terms = (
        Field(
            "category",
            "采购品目类别（货物/服务/工程）",
            "category (goods/services/works)",
            max_len=16,
        ),
        Field(
            "price_weight",
            "价格权值（%，综合评分法中价格分占总分的比重）",
            "price weight (% of the total score)",
            "int",
        ),
    )
    return replace(base, fields=fields + terms, effect="publish_consultation_announcement")


def _responding(word: str) -> tuple[Action, ...]:
    actions = []
    for a in std.bidding_actions("bidding"):
        if a.name == "submit_bid":
            a = replace(
                a,
                zh="递交首次响应文件（供应商本地加密）",
                en="submit the first response sealed on the supplier's side",
            )
        elif a.name == "withdraw_bid":
            a = replace(a, zh="撤回首次响应文件", en="withdraw the first response")
        elif a.name == "obtain_documents":
            a = replace(a, zh=f"获取{word}文件", en="obtain the documents")
        actions.append(a)
    return tuple(actions)


def _sealed_round(
    first: bool, sealed: str, decrypting: str, opened: str, deadline: str
) -> tuple[Action, ...]:
    """Opening at the deadline, each supplier's remote decryption, officers' fallback shares
    and the end of the window, for the first responses or the final quotes."""
    what, what_en = ("首次响应文件", "first responses") if first else ("最后报价", "final quotes")
    prefix = "first" if first else "final"
    own = "decrypt_response" if first else "decrypt_final_quote"
    effects = (
        ("open_first_responses", "decrypt_first_response", "first_response_share")
        if first
        else ("open_final_quotes", "decrypt_final_quote", "final_quote_share")
    )
    return (
        Action(
            "open_responses" if first else "open_final_quotes",
            f"开启{what}（进入远程解密，不唱标）",
            f"open the {what_en} (remote decryption, nothing read out)",
            roles=std.ORGANISER,
            stages=frozenset({sealed}),
            event="SealedRoundOpened",
            effect=effects[0],
            not_before=f"project:{deadline}",
            auto=True,
            outcomes={"decrypting": decrypting, "failed": "failed"},
        ),
        Action(
            own,
            f"解密本单位{what}",
            f"decrypt my {what_en[:-1]}",
            roles=BIDDER,
            stages=frozenset({decrypting}),
            event="ResponseDecrypted",
            effect=effects[1],
            before="project:decrypt_until",
            public=False,
            outcomes={"pending": decrypting, "opened": opened, "failed": "failed"},
            fields=(CONTENT_KEY,),
        ),
        Action(
            f"submit_{prefix}_opening_share",
            f"提交开标密钥分片（{what}备用解密）",
            f"hand in an opening-key share ({what_en}, fallback decryption)",
            roles=frozenset({"center_staff"}),
            stages=frozenset({decrypting}),
            event="OpeningShareSubmitted",
            effect=effects[2],
            outcomes={"pending": decrypting, "opened": opened, "failed": "failed"},
            fields=(SHARE,),
        ),
        Action(
            "close_responses" if first else "close_final_quotes",
            f"结束{what}解密（未解密的视为撤回）",
            f"close the decryption of the {what_en} (undecrypted ones count as withdrawn)",
            roles=std.ORGANISER,
            stages=frozenset({decrypting}),
            event="ResponsesOpened",
            effect="close_first_responses" if first else "close_final_quotes",
            not_before="project:decrypt_until",
            auto=True,
            outcomes={"opened": opened, "failed": "failed"},
        ),
    )


def _negotiation(word: str, word_en: str) -> tuple[Action, ...]:
    return (
        Action(
            "negotiate",
            f"记录一轮{word}（与单一供应商分别进行）",
            f"record a {word_en} round with one supplier",
            roles=std.TENDERER,
            stages=frozenset({"negotiating"}),
            event="NegotiationRecorded",
            effect="record_negotiation",
            public=False,
            fields=(
                SUPPLIER,
                Field(
                    "minutes",
                    f"{word}记录（已签字，已上传文件的 SHA-256）",
                    "signed minutes (SHA-256)",
                    "document",
                ),
                Field("summary", "摘要", "summary", "longtext", required=False),
                Field(
                    "changes",
                    "采购需求（技术、服务要求或合同草案条款）的实质性变动",
                    "substantive change of the requirements",
                    "longtext",
                    required=False,
                    max_len=20000,
                    help_zh="经采购人代表确认；将同时书面通知所有继续参加的供应商",
                ),
                Field(
                    "changes_document",
                    "变动后的采购需求（SHA-256）",
                    "changed requirements (SHA-256)",
                    "document",
                    required=False,
                ),
            ),
        ),
        Action(
            "exclude_supplier",
            "认定供应商未实质性响应（不再参加）",
            "find a supplier non-responsive (it takes no further part)",
            roles=std.TENDERER,
            stages=frozenset({"negotiating"}),
            event="SupplierExcluded",
            effect="exclude_supplier",
            public=False,
            fields=(SUPPLIER, Field("reason", "理由", "reason", "longtext", max_len=5000)),
        ),
        Action(
            "withdraw_from_negotiation",
            f"退出{word}（提交最后报价前）",
            f"withdraw from the {word_en} (before the final quote)",
            roles=BIDDER,
            stages=frozenset({"negotiating", "final_quoting"}),
            event="SupplierWithdrew",
            effect="withdraw_from_negotiation",
            before="project:final_quote_deadline",
            public=False,
            fields=(Field("reason", "理由", "reason", "longtext", required=False),),
        ),
        Action(
            "invite_final_quotes",
            f"结束{word}，要求继续参加的供应商提交最后报价",
            "invite the remaining suppliers to final quotes",
            roles=std.TENDERER,
            stages=frozenset({"negotiating"}),
            event="FinalQuotesInvited",
            effect="invite_final_quotes",
            outcomes={"invited": "final_quoting", "failed": "failed"},
            fields=(
                Field(
                    "final_quote_deadline",
                    "最后报价截止时间（即开启时间）",
                    "final-quote deadline (= opening)",
                    "datetime",
                ),
                Field("note", "说明", "note", "longtext", required=False),
            ),
        ),
        Action(
            "submit_final_quote",
            "递交最后报价（供应商本地加密）",
            "submit the final quote sealed on the supplier's side",
            roles=BIDDER,
            stages=frozenset({"final_quoting"}),
            event="BidSubmitted",
            effect="submit_final_quote",
            before="project:final_quote_deadline",
            public=False,
            fields=(
                Field(
                    "sealed_file",
                    "密封的最后报价（ggzy bid seal 生成，已上传文件的 SHA-256）",
                    "sealed final quote (made by `ggzy bid seal`; SHA-256 of the upload)",
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


REVIEW_FIELDS = (
    Field(
        "panel",
        "评审小组成员（姓名列表）",
        "panel members (list of names)",
        "json",
        required=False,
    ),
    Field("summary", "评审报告摘要", "report summary", "longtext", required=False),
)


def _review(consultation: bool) -> Action:
    if consultation:
        return Action(
            "evaluate",
            "磋商小组综合评分（价格分按低价优先法计算）",
            "comprehensive scoring by the consultation panel",
            roles=std.ORGANISER - {"system"},
            stages=frozenset({"quoted"}),
            event="ReviewCompleted",
            effect="score_consultation",
            outcomes={"ranked": "ranked", "too_few": "failed"},
            at="evaluated_at",
            fields=(
                Field(
                    "reviews",
                    "评审意见：[{supplier, responsive, reason, technical, other}]",
                    "findings: [{supplier, responsive, reason, technical, other}]",
                    "json",
                    help_zh="technical、other 为价格以外的得分（字符串，至多两位小数），"
                    "合计不超过 100 − 价格权值",
                ),
                *REVIEW_FIELDS,
            ),
        )
    return Action(
        "evaluate",
        "谈判小组评审（最后报价最低者成交）",
        "review by the negotiation panel (lowest final price)",
        roles=std.ORGANISER - {"system"},
        stages=frozenset({"quoted"}),
        event="ReviewCompleted",
        effect="rank_lowest_final_quote",
        outcomes={"ranked": "ranked", "too_few": "failed"},
        at="evaluated_at",
        fields=(
            Field(
                "reviews",
                "评审意见：[{supplier, responsive, reason}]",
                "findings: [{supplier, responsive, reason}]",
                "json",
                required=False,
            ),
            *REVIEW_FIELDS,
        ),
    )


def _after_review() -> tuple[Action, ...]:
    return (
        Action(
            "award",
            "确定成交供应商并发布成交结果公告",
            "fix the supplier and announce the result",
            roles=std.TENDERER,
            stages=frozenset({"ranked"}),
            event="AwardNoticeIssued",
            effect="award_deal",
            to_stage="concluded",
            within=("winner_confirm_within_days", "project:evaluated_at"),
            at="awarded_at",
            fields=(
                Field(
                    "winner",
                    "成交供应商统一社会信用代码（默认排名第一）",
                    "supplier credit code (default: the first)",
                    "entity",
                    required=False,
                ),
                Field("reason", "未选排名第一的理由", "reason if not the first", "longtext", False),
            ),
        ),
        *std.contract_actions("concluded", "contracted", "accepted"),
        Action(
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
        ),
        *std.objection_actions(CHALLENGES),
        *std.complaint_actions(ACTIVE | {"contracted"}, tuple(CHALLENGES), COMPLAINTS),
        *std.supervision_actions(ACTIVE, "terminated"),
    )


def _schedule(word: str, consultation: bool) -> tuple[Milestone, ...]:
    sale_end = (Step("doc_sale_start", "doc_sale_min_days"),) if consultation else ()
    return (
        Milestone("announced_at", f"发布{word}公告", "notice published", stage="bidding"),
        Milestone(
            "doc_sale_start",
            f"开始提供{word}文件",
            "documents available",
            (Step("announced_at"),),
        ),
        Milestone(
            "doc_sale_end",
            f"{word}文件提供截止",
            "documents available until",
            (Step("doc_sale_start"), *sale_end),
        ),
        Milestone(
            "bid_deadline",
            "提交首次响应文件截止暨开启",
            "first-response deadline and opening",
            (Step("doc_sale_start", "bid_prep_min_days"), Step("doc_sale_end")),
            stage="decrypting",
        ),
        Milestone(
            "clarification_last_day",
            "澄清或修改不顺延截止时间的最后一日",
            "last day for a clarification that keeps the deadline",
            (Step("bid_deadline", "clarification_min_days", "before"),),
        ),
        Milestone(
            "final_quote_deadline",
            "最后报价截止暨开启",
            "final-quote deadline and opening",
            (Step("bid_deadline"),),
            stage="final_decrypting",
        ),
        Milestone(
            "evaluated_at",
            "评审完成（评审报告）",
            "review report",
            (Step("final_quote_deadline"),),
            stage="ranked",
        ),
        Milestone(
            "awarded_at",
            "确定成交供应商，发布成交结果公告",
            "supplier fixed, result announced",
            (Step("evaluated_at"), Step("evaluated_at", "winner_confirm_within_days", "max")),
            stage="concluded",
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


def _procedure(
    code: str, zh: str, en: str, word: str, word_en: str, basis: str, consultation: bool
) -> Procedure:
    register = std.register_action(
        "登记采购项目",
        "register the procurement project",
        price=("采购预算（元）", "budget (yuan)"),
        extra=(
            (
                Field(
                    "few_suppliers_exception",
                    "适用供应商可为两家的例外情形",
                    "the two-supplier exception applies",
                    "bool",
                    required=False,
                    help_zh="市场竞争不充分的科研项目、需要扶持的科技成果转化项目等",
                ),
                Field(
                    "exception_ground",
                    "例外情形的依据",
                    "ground of the exception",
                    "longtext",
                    required=False,
                ),
            )
            if consultation
            else ()
        ),
    )
    if consultation:
        register = replace(register, effect="register_consultation")
    return Procedure(
        code=code,
        zh=zh,
        en=en,
        domain="procurement",
        deal_category="Z",
        basis=basis,
        stages=_stages(word, word_en),
        actions=(
            register,
            *std.plan_actions("registered", "plan_submitted", "approved"),
            _announcement(word, word_en, consultation),
            *_responding(word),
            *_sealed_round(True, "bidding", "decrypting", "negotiating", "bid_deadline"),
            *_negotiation(word, word_en),
            *_sealed_round(
                False, "final_quoting", "final_decrypting", "quoted", "final_quote_deadline"
            ),
            _review(consultation),
            *_after_review(),
        ),
        schedule=_schedule(word, consultation),
    )


GP_COMPETITIVE_NEGOTIATION = _procedure(
    NEGOTIATION,
    "政府采购竞争性谈判",
    "Competitive negotiation (government procurement)",
    "谈判",
    "negotiation",
    "政府采购法 第30、38条；政府采购法实施条例；财政部令第74号",
    consultation=False,
)
GP_COMPETITIVE_CONSULTATION = _procedure(
    CONSULTATION,
    "政府采购竞争性磋商",
    "Competitive consultation (government procurement)",
    "磋商",
    "consultation",
    "政府采购法；政府采购法实施条例；财库〔2014〕214号",
    consultation=True,
)

PROCEDURES = (GP_COMPETITIVE_NEGOTIATION, GP_COMPETITIVE_CONSULTATION)
