"""The shape of a transfer method (出让方式) as declarations: a listing (挂牌) and an auction
(拍卖) differ only in how the bidding starts, and land and mining differ only in their object
fields and their rule set (rules.md §1.4: reuse the land listing/auction with a separate rule
set). The methods themselves are in ggzy.procedures.declarations.land_transfer and
mining_transfer.

Roles reuse the engine's: tenderee is the transferor (出让人), bidder the bidder (竞买人),
center_staff the host (主持人), system the platform (which performs the timed closes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import ggzy.transfer.applications
import ggzy.transfer.listing
import ggzy.transfer.rules  # noqa: F401  (effects and rules exist before the declarations)
from ggzy.procedures.declaration import (
    Action,
    Field,
    Milestone,
    MinPeriod,
    Procedure,
    Stage,
    Step,
)

TRANSFEROR = frozenset({"tenderee", "agency"})
OFFICIALS = frozenset({"tenderee", "agency", "center_staff"})
HOST = frozenset({"center_staff"})
PLATFORM = frozenset({"system", "center_staff"})
BIDDER = frozenset({"bidder"})

REGISTERED = Stage("registered", "已登记", "registered")
ANNOUNCED = Stage("announced", "出让公告期（接受竞买申请）", "announced: applications open")
LISTING = Stage("bidding", "挂牌中（接受报价）", "listing: quotes being received")
AUCTION = Stage("auction", "网上竞价中", "live online auction")
DEAL = Stage("deal", "已成交（待公布结果）", "deal concluded, result to be published")
PUBLISHED = Stage("published", "出让结果已公布（待签出让合同）", "result published, contract due")
CONTRACTED = Stage(
    "contracted", "出让合同已签订（价款缴纳、交付中）", "contract signed, being performed"
)
DELIVERED = Stage("accepted", "已交付（完成）", "delivered (closed)", final=True)
FAILED = Stage("failed", "流拍（未成交）", "no deal", final=True)
TERMINATED = Stage("terminated", "已终止", "terminated", final=True)


def _supervision(active: frozenset[str]) -> tuple[Action, ...]:
    """A regulator suspends, resumes (every moment ahead moves) or terminates the transfer."""
    from ggzy.procedures import library as std

    return std.supervision_actions(active, "terminated")


PRICE = Field("price", "报价（元）", "quote (yuan)", "money")


@dataclass(frozen=True)
class TransferDomain:
    """What a land or mining transfer method adds to the common shape."""

    name: str  # the Procedure's domain: land | mining
    deal_category: str  # letter of the unified deal code (T 土地使用权, K 矿业权)
    basis: str
    object_zh: str  # what is transferred, e.g. 国有建设用地使用权
    object_fields: tuple[Field, ...]  # its attributes, asked at registration
    result_rule: str | None  # rule key of the result notice's time limit, if one is known


def register(object_fields: tuple[Field, ...], object_zh: str) -> Action:
    """The creating action: center, title, transferor, start price and the object's fields."""
    return Action(
        "register_project",
        f"登记{object_zh}出让项目",
        "register the transfer",
        roles=TRANSFEROR,
        stages=frozenset(),
        event="ProjectRegistered",
        effect="register_transfer",
        to_stage="registered",
        creates=True,
        fields=(
            Field("center", "交易中心", "trading center", max_len=16),
            Field("title", "项目名称", "project title", max_len=200),
            Field(
                "tenderee",
                "出让人统一社会信用代码",
                "transferor credit code",
                "entity",
                required=False,
                help_zh="代理机构登记时填写委托的出让人",
            ),
            Field("start_price", "起始价（元）", "start price (yuan)", "money"),
            *object_fields,
            Field("description", "出让条件及其他说明", "conditions and notes", "longtext", False),
        ),
    )


def set_reserve() -> Action:
    """底价: set by the transferor, in a confidential event, before the announcement.

    It is decided with the start price and the deposit (rules.md §1.3) and cannot change once
    the announcement is out and bidders have applied.
    """
    return Action(
        "set_reserve",
        "设定底价（保密）",
        "set the reserve price (confidential)",
        roles=TRANSFEROR,
        stages=frozenset({"registered"}),
        event="ReservePriceSet",
        effect="set_reserve",
        public=False,
        fields=(
            Field(
                "reserve_price",
                "底价（元）",
                "reserve price (yuan)",
                "money",
                help_zh="集体决策确定，成交结果公布前保密",
            ),
        ),
    )


def _announcement_fields(*timing: Field) -> tuple[Field, ...]:
    return (
        Field(
            "transfer_document",
            "出让文件（已上传文件的 SHA-256）",
            "transfer document (SHA-256)",
            "document",
        ),
        *timing,
        Field("increment", "增价幅度（元）", "bid increment (yuan)", "money"),
        Field("deposit", "竞买保证金（元）", "bid deposit (yuan)", "money"),
        Field(
            "apply_deadline",
            "竞买申请截止时间",
            "application deadline",
            "datetime",
            required=False,
            help_zh="不填则为挂牌截止时间或拍卖开始时间",
        ),
        Field("announcement", "公告正文", "announcement text", "longtext", max_len=20000),
    )


def _applications(bidding: frozenset[str], deposit_before: str) -> tuple[Action, ...]:
    return (
        Action(
            "apply",
            "提交竞买申请",
            "apply to bid",
            roles=BIDDER,
            stages=bidding,
            event="TransferApplicationSubmitted",
            effect="apply_to_bid",
            before="project:apply_deadline",
            public=False,
        ),
        Action(
            "confirm_deposit",
            "确认竞买保证金到账",
            "confirm a bid deposit",
            roles=OFFICIALS,
            stages=bidding,
            event="DepositConfirmed",
            effect="confirm_deposit",
            before=deposit_before,
            public=False,
            fields=(
                Field("bidder", "竞买人统一社会信用代码", "bidder credit code", "entity"),
                Field("amount", "到账金额（元）", "amount received (yuan)", "money"),
                Field("reference", "银行流水号", "bank reference", required=False, max_len=64),
            ),
        ),
    )


def _live_auction() -> tuple[Action, ...]:
    return (
        Action(
            "auction_bid",
            "竞价出价",
            "bid in the live auction",
            roles=BIDDER,
            stages=frozenset({"auction"}),
            event="AuctionBidMade",
            effect="auction_bid",
            before="project:auction_ends_at",
            fields=(Field("price", "出价（元）", "bid (yuan)", "money"),),
        ),
        Action(
            "close_auction",
            "竞价结束（倒计时届满）",
            "close the auction (countdown over)",
            roles=PLATFORM,
            stages=frozenset({"auction"}),
            event="TransferDealt",
            effect="close_auction",
            not_before="project:auction_ends_at",
            auto=True,
            outcomes={"deal": "deal", "failed": "failed"},
        ),
    )


def _publish_result(result_rule: str | None) -> Action:
    return Action(
        "publish_result",
        "发布出让结果公告",
        "publish the transfer result",
        roles=OFFICIALS,
        stages=frozenset({"deal"}),
        event="TransferResultPublished",
        effect="publish_result",
        to_stage="published",
        within=(result_rule, "project:closed_at") if result_rule else None,
        at="result_published_at",
        fields=(
            Field("text", "结果公告正文", "result notice", "longtext", False, 20000),
            Field(
                "confirmation",
                "成交确认书（已上传文件的 SHA-256）",
                "deal confirmation (SHA-256)",
                "document",
                required=False,
            ),
        ),
    )


def _contract() -> tuple[Action, ...]:
    """出让合同: signed by the transferor and the winner with their certificates at the deal
    price, within the period of the deal confirmation; price payments and delivery recorded."""
    from ggzy.procedures import library as std

    return std.contract_actions("published", "contracted", "accepted")


def _contract_milestones() -> tuple[Milestone, ...]:
    return (
        Milestone("awarded_at", "确定竞得人（中标人）", "winner fixed", (Step("closed_at"),)),
        Milestone(
            "contract_signed_at",
            "签订出让合同",
            "transfer contract signed",
            (Step("awarded_at"), Step("awarded_at", "contract_within_days", "max")),
            stage="contracted",
        ),
    )


def _result_milestones(result_rule: str | None) -> tuple[Milestone, ...]:
    steps: tuple[Step, ...] = (Step("closed_at"),)
    if result_rule:
        steps += (Step("closed_at", result_rule, "max"),)
    return (
        Milestone(
            "result_published_at",
            "发布出让结果公告",
            "result published",
            steps,
            stage="published",
        ),
    )


def listing_procedure(code: str, zh: str, en: str, domain: TransferDomain) -> Procedure:
    """A listing (挂牌出让) with its close, the live auction it may turn into, and the result."""
    bidding = frozenset({"announced", "bidding"})
    return Procedure(
        code=code,
        zh=zh,
        en=en,
        domain=domain.name,
        deal_category=domain.deal_category,
        basis=domain.basis,
        stages=(
            REGISTERED,
            ANNOUNCED,
            LISTING,
            AUCTION,
            DEAL,
            PUBLISHED,
            CONTRACTED,
            DELIVERED,
            FAILED,
            TERMINATED,
        ),
        actions=(
            register(domain.object_fields, domain.object_zh),
            set_reserve(),
            Action(
                "publish_announcement",
                "发布挂牌出让公告",
                "publish the listing announcement",
                roles=TRANSFEROR,
                stages=frozenset({"registered"}),
                event="TransferAnnounced",
                effect="announce_listing",
                to_stage="announced",
                at="announced_at",
                fields=_announcement_fields(
                    Field("listing_start", "挂牌开始时间", "listing starts", "datetime"),
                    Field("listing_end", "挂牌截止时间", "listing ends", "datetime"),
                ),
                periods=(
                    MinPeriod("announcement_min_days", "now", "field:listing_start"),
                    MinPeriod("listing_min_days", "field:listing_start", "field:listing_end"),
                ),
            ),
            *_applications(bidding, "project:listing_end"),
            Action(
                "start_listing",
                "挂牌开始",
                "start the listing",
                roles=PLATFORM,
                stages=frozenset({"announced"}),
                event="ListingStarted",
                effect="start_listing",
                to_stage="bidding",
                not_before="project:listing_start",
                auto=True,
            ),
            Action(
                "quote",
                "挂牌报价",
                "quote",
                roles=BIDDER,
                stages=frozenset({"bidding"}),
                event="ListingQuoteMade",
                effect="listing_quote",
                not_before="project:listing_start",
                before="project:listing_end",
                fields=(PRICE,),
            ),
            Action(
                "record_quote_slip",
                "确认书面报价单（现场挂牌）",
                "confirm a written quote slip (on-site listing)",
                roles=HOST,
                stages=frozenset({"bidding"}),
                event="QuoteSlipRecorded",
                effect="record_quote_slip",
                before="project:continue_until",
                fields=(
                    Field("paddle", "竞买号", "bidder number", "int"),
                    PRICE,
                    Field("handed_in_at", "报价单递交时间", "slip handed in at", "datetime"),
                    Field(
                        "slip",
                        "报价单扫描件（已上传文件的 SHA-256）",
                        "scan of the slip (SHA-256)",
                        "document",
                    ),
                ),
            ),
            Action(
                "adjust_increment",
                "调整增价幅度",
                "adjust the increment",
                roles=OFFICIALS,
                stages=frozenset({"bidding"}),
                event="IncrementAdjusted",
                effect="adjust_increment",
                before="project:listing_end",
                fields=(
                    Field("increment", "增价幅度（元）", "bid increment (yuan)", "money"),
                    Field("reason", "调整理由", "reason", "longtext", required=False),
                ),
            ),
            Action(
                "declare_continue",
                "表示愿意继续竞价",
                "ask to continue bidding",
                roles=BIDDER,
                stages=frozenset({"bidding"}),
                event="ContinueBiddingDeclared",
                effect="declare_continue",
                not_before="project:listing_end",
                before="project:continue_until",
                public=False,
            ),
            Action(
                "close_listing",
                "挂牌截止（确定竞得人或转入网上竞价）",
                "close the listing (deal, no deal or live auction)",
                roles=PLATFORM,
                stages=frozenset({"bidding"}),
                event="TransferDealt",
                effect="close_listing",
                not_before="project:continue_until",
                auto=True,
                outcomes={"deal": "deal", "failed": "failed", "auction": "auction"},
            ),
            *_live_auction(),
            _publish_result(domain.result_rule),
            *_contract(),
            *_supervision(frozenset({"registered", "announced", "bidding", "auction", "deal"})),
        ),
        schedule=(
            Milestone("announced_at", "发布挂牌出让公告", "announcement", stage="announced"),
            Milestone(
                "listing_start",
                "挂牌开始",
                "listing starts",
                (Step("announced_at", "announcement_min_days"),),
                stage="bidding",
            ),
            Milestone(
                "listing_end",
                "挂牌截止",
                "listing ends",
                (Step("listing_start", "listing_min_days"),),
            ),
            Milestone(
                "closed_at",
                "确定是否成交（或网上竞价结束）",
                "deal or no deal (or the live auction's end)",
                (Step("listing_end"),),
                stage="deal",
            ),
            *_result_milestones(domain.result_rule),
            *_contract_milestones(),
        ),
    )


def auction_procedure(code: str, zh: str, en: str, domain: TransferDomain) -> Procedure:
    """An auction (拍卖出让): the live online auction from its announced start."""
    return Procedure(
        code=code,
        zh=zh,
        en=en,
        domain=domain.name,
        deal_category=domain.deal_category,
        basis=domain.basis,
        stages=(
            REGISTERED,
            ANNOUNCED,
            AUCTION,
            DEAL,
            PUBLISHED,
            CONTRACTED,
            DELIVERED,
            FAILED,
            TERMINATED,
        ),
        actions=(
            register(domain.object_fields, domain.object_zh),
            set_reserve(),
            Action(
                "publish_announcement",
                "发布拍卖出让公告",
                "publish the auction announcement",
                roles=TRANSFEROR,
                stages=frozenset({"registered"}),
                event="TransferAnnounced",
                effect="announce_auction",
                to_stage="announced",
                at="announced_at",
                fields=_announcement_fields(
                    Field(
                        "auction_start", "拍卖（网上竞价）开始时间", "auction starts", "datetime"
                    ),
                ),
                periods=(MinPeriod("announcement_min_days", "now", "field:auction_start"),),
            ),
            *_applications(frozenset({"announced"}), "project:auction_start"),
            Action(
                "start_auction",
                "拍卖开始",
                "start the auction",
                roles=PLATFORM,
                stages=frozenset({"announced"}),
                event="AuctionStarted",
                effect="start_auction",
                not_before="project:auction_start",
                auto=True,
                outcomes={"auction": "auction", "failed": "failed"},
            ),
            *_live_auction(),
            _publish_result(domain.result_rule),
            *_contract(),
            *_supervision(frozenset({"registered", "announced", "auction", "deal"})),
        ),
        schedule=(
            Milestone("announced_at", "发布拍卖出让公告", "announcement", stage="announced"),
            Milestone(
                "auction_start",
                "拍卖开始",
                "auction starts",
                (Step("announced_at", "announcement_min_days"),),
                stage="auction",
            ),
            Milestone(
                "closed_at",
                "竞价结束，确定是否成交",
                "auction ends: deal or no deal",
                (Step("auction_start"),),
                stage="deal",
            ),
            *_result_milestones(domain.result_rule),
            *_contract_milestones(),
        ),
    )


def tender_procedure(code: str, zh: str, en: str, domain: TransferDomain) -> Procedure:
    """A tender (招标出让): sealed bids opened remotely, the highest valid price wins."""
    import ggzy.transfer.tender  # noqa: F401  (its effects)
    from ggzy.procedures import library as std

    bidding = frozenset({"bidding"})
    decrypting, opened = "decrypting", "opened"
    standard = {a.name: a for a in std.bidding_actions("bidding", withdrawal=True)}
    return Procedure(
        code=code,
        zh=zh,
        en=en,
        domain=domain.name,
        deal_category=domain.deal_category,
        basis=domain.basis,
        stages=(
            REGISTERED,
            Stage("bidding", "招标出让公告已发布（投标中）", "announced, bids being received"),
            Stage(decrypting, "开标解密中", "opened, bids being decrypted"),
            Stage(opened, "已开标（唱标完成）", "bids opened and read out"),
            DEAL,
            PUBLISHED,
            CONTRACTED,
            DELIVERED,
            FAILED,
            TERMINATED,
        ),
        actions=(
            register(domain.object_fields, domain.object_zh),
            set_reserve(),
            replace(
                std.announcement_action(
                    "registered",
                    "bidding",
                    "发布招标出让公告",
                    "publish the tender announcement",
                    periods=(
                        MinPeriod(
                            "announcement_min_days", "field:doc_sale_start", "field:bid_deadline"
                        ),
                    ),
                ),
                effect="announce_transfer_tender",
            ),
            standard["obtain_documents"],
            Action(
                "apply",
                "提交竞买申请",
                "apply to bid",
                roles=BIDDER,
                stages=bidding,
                event="TransferApplicationSubmitted",
                effect="apply_to_bid",
                before="project:bid_deadline",
                public=False,
            ),
            Action(
                "confirm_deposit",
                "确认投标（竞买）保证金到账",
                "confirm a bid deposit",
                roles=OFFICIALS,
                stages=bidding,
                event="DepositConfirmed",
                effect="confirm_deposit",
                before="project:bid_deadline",
                public=False,
                fields=(
                    Field("bidder", "投标人统一社会信用代码", "bidder credit code", "entity"),
                    Field("amount", "到账金额（元）", "amount received (yuan)", "money"),
                    Field("reference", "银行流水号", "bank reference", required=False, max_len=64),
                ),
            ),
            standard["ask_question"],
            standard["clarify"],
            replace(standard["submit_bid"], effect="submit_sealed_bid_with_deposit"),
            standard["withdraw_bid"],
            *std.opening_actions("bidding", decrypting, opened, "failed"),
            Action(
                "evaluate",
                "评标定标（价高者得，不低于底价）",
                "award to the highest valid bid (not below the reserve)",
                roles=OFFICIALS,
                stages=frozenset({opened}),
                event="TransferDealt",
                effect="evaluate_highest_price",
                outcomes={"deal": "deal", "failed": "failed"},
                at="closed_at",
            ),
            _publish_result(domain.result_rule),
            *_contract(),
            *_supervision(frozenset({"registered", "bidding", "decrypting", "opened", "deal"})),
        ),
        schedule=(
            Milestone("announced_at", "发布招标出让公告", "announcement", stage="bidding"),
            Milestone(
                "doc_sale_start", "开始发售招标文件", "documents on sale", (Step("announced_at"),)
            ),
            Milestone(
                "bid_deadline",
                "投标截止暨开标",
                "bid deadline and opening",
                (Step("doc_sale_start", "announcement_min_days"),),
                stage=decrypting,
            ),
            Milestone(
                "closed_at",
                "评标定标（确定是否成交）",
                "deal or no deal",
                (Step("bid_deadline"),),
                stage="deal",
            ),
            *_result_milestones(domain.result_rule),
            *_contract_milestones(),
        ),
    )
