"""Rule rows of land-use rights (国有建设用地使用权) and mining-rights (矿业权) transfer.

Every row cites its source and carries the confidence tag of ../shared/rules.md §1.3 and §1.4:
[S2] matches a secondary public source, [G] general domain knowledge (local practice), [U]
uncertain. Land rows apply to every ``land.`` method, mining rows to every ``mining.`` method;
a province or center tightens them by adding a row for its region prefix (e.g. a listing of 10
working days where the local rule still follows the 2002 order).

Importing this module adds the rows once (ggzy.procedures.rules.add_rules refuses duplicates).
"""

from __future__ import annotations

from ggzy.procedures.rules import Rule, add_rules

LAND = "land."
MINING = "mining."
LAND_TENDER = "land.tender"  # the land tender (招标出让) is not declared yet; its rule is kept

ORDER_39 = "招标拍卖挂牌出让国有建设用地使用权规定（国土资源部令第39号，2007）"
MINING_SOURCE = "矿业权交易规则（国土资源部，2017；可能已被自然资源部后续规定取代）"
ONLINE_PRACTICE = "网上交易系统地方规则（常见做法，各地自定）"

LAND_RULES = (
    Rule(
        "announcement_min_days",
        20,
        "calendar_days",
        "出让公告须在招标、拍卖、挂牌开始日前至少",
        "the announcement is published at least this long before the tender, auction or "
        "listing starts",
        ORDER_39,
        "S2",
        LAND,
    ),
    Rule(
        "listing_min_days",
        10,
        "calendar_days",
        "挂牌时间不得少于",
        "the listing lasts at least",
        f"{ORDER_39}；2002年第11号令为10个工作日，部分地方仍按工作日，可按地区配置",
        "S2",
        LAND,
    ),
    Rule(
        "result_within_days",
        10,
        "working_days",
        "成交后公布出让结果不得迟于",
        "the result is published within this long of the deal",
        ORDER_39,
        "S2",
        LAND,
    ),
    Rule(
        "min_bidders",
        3,
        "count",
        "招标出让的投标人少于该数的，应重新招标",
        "a land tender with fewer bidders than this is tendered again",
        f"{ORDER_39}（招标出让）",
        "G",
        LAND_TENDER,
    ),
    Rule(
        "continue_window_minutes",
        10,
        "minutes",
        "挂牌截止后竞买人表示愿意继续竞价的时限（有人表示的转入网上竞价）",
        "window after the listing close in which a bidder may ask to continue (then a live "
        "online auction follows)",
        f"{ONLINE_PRACTICE}；询问是否继续竞价见{ORDER_39}",
        "G",
        LAND,
    ),
    Rule(
        "auction_countdown_minutes",
        5,
        "minutes",
        "网上竞价倒计时（每次有效出价后重新计时，届满无更高出价即结束）",
        "live-auction countdown, restarted by every higher bid; it ends the auction when it "
        "runs out",
        ONLINE_PRACTICE,
        "G",
        LAND,
    ),
)

MINING_RULES = (
    Rule(
        "announcement_min_days",
        20,
        "calendar_days",
        "矿业权出让公告须在挂牌、拍卖开始日前至少（日历日或工作日未确认）",
        "the announcement is published at least this long before the listing or auction "
        "starts (calendar or working days not confirmed)",
        f"{MINING_SOURCE}；公告义务见矿产资源法（2024）第19条",
        "U",
        MINING,
    ),
    Rule(
        "listing_min_days",
        10,
        "working_days",
        "挂牌时间不得少于",
        "the listing lasts at least",
        MINING_SOURCE,
        "U",
        MINING,
    ),
    Rule(
        "min_bidders",
        3,
        "count",
        "招标、拍卖的竞买人少于该数的不得进行（默认值，有资料称5人，存疑；挂牌不适用）",
        "a tender or auction needs at least this many qualified bidders (a default: one "
        "source says 5, which looks wrong; not for listings)",
        MINING_SOURCE,
        "U",
        MINING,
    ),
    Rule(
        "continue_window_minutes",
        10,
        "minutes",
        "挂牌截止后竞买人表示愿意继续竞价的时限（有人表示的转入网上竞价）",
        "window after the listing close in which a bidder may ask to continue (then a live "
        "online auction follows)",
        f"{ONLINE_PRACTICE}；参照土地挂牌出让（rules.md §1.4：沿用土地挂牌/拍卖流程）",
        "G",
        MINING,
    ),
    Rule(
        "auction_countdown_minutes",
        5,
        "minutes",
        "网上竞价倒计时（每次有效出价后重新计时，届满无更高出价即结束）",
        "live-auction countdown, restarted by every higher bid; it ends the auction when it "
        "runs out",
        ONLINE_PRACTICE,
        "G",
        MINING,
    ),
)

# Transfer by tender (招标出让): the sealed bids of the e-bidding rules, opened remotely.
TENDER_RULES = (
    Rule(
        "min_bids",
        3,
        "count",
        "投标人少于该数的，不得开标，重新招标",
        "fewer bids than this: no opening, tender again",
        "招标拍卖挂牌出让国有建设用地使用权规定（国土资源部令第39号）（投标人不足三人的应当重新招标）",
        "G",
        "land.tender",
    ),
    Rule(
        "min_bids",
        3,
        "count",
        "投标人少于该数的，不得开标（默认值，待确认）",
        "fewer bids than this: no opening (a default, to be confirmed)",
        MINING_SOURCE,
        "U",
        "mining.tender",
    ),
    *(
        Rule(
            "decrypt_window_minutes",
            30,
            "minutes",
            "开标后投标人远程解密时限",
            "time bidders have to decrypt their bids after opening",
            "电子招标投标办法；各地不见面开标规则（常见 30 分钟）",
            "G",
            prefix,
        )
        for prefix in ("land.tender", "mining.tender")
    ),
)

CONTRACT_RULES = tuple(
    Rule(
        "contract_within_days",
        10,
        "working_days",
        "成交后竞得人与出让人签订出让合同不得迟于（以成交确认书约定为准）",
        "the transfer contract is signed within this long of the deal (as the deal "
        "confirmation sets)",
        "招标拍卖挂牌出让国有建设用地使用权规定（国土资源部令第39号）；期限为地方常见做法",
        "G",
        prefix,
    )
    for prefix in (LAND, MINING)
)

add_rules(*LAND_RULES, *MINING_RULES, *TENDER_RULES, *CONTRACT_RULES)
