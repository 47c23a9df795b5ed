"""矿业权出让: exploration and mining rights, by listing (挂牌) and auction (拍卖).

矿产资源法 (2024, in force from 2025-07-01) art. 17 requires competitive grant and art. 19 a
prior announcement; the operating periods come from the 2017 矿业权交易规则, which may have
been superseded, so every one of them is an [U] row under ``mining.`` in ggzy.transfer.rules
(rules.md §1.4). The methods reuse the land listing and auction (ggzy.transfer.declare) with
that separate rule set. No legal period for publishing the result is confirmed, so the result
notice has none here.
"""

from __future__ import annotations

from ggzy.procedures.declaration import Field
from ggzy.transfer.declare import (
    TransferDomain,
    auction_procedure,
    listing_procedure,
    tender_procedure,
)

BASIS = "矿产资源法（2024）第17条、第19条；矿业权交易规则（2017）"
RIGHT = (
    Field("right_type", "矿业权类型（探矿权/采矿权）", "right (exploration/mining)", max_len=16),
    Field("mineral", "矿种", "mineral", max_len=64),
    Field("location", "矿区位置", "location", max_len=200),
    Field("area", "矿区面积（平方千米）", "area (km²)", max_len=32),
    Field("term_years", "出让年限（年）", "term (years)", "int"),
)
MINING = TransferDomain(
    name="mining",
    deal_category="K",  # 矿业权 (ggzy.core.codes.DEAL_CATEGORIES)
    basis=BASIS,
    object_zh="矿业权",
    object_fields=RIGHT,
    result_rule=None,
)

MINING_LISTING = listing_procedure(
    code="mining.listing",
    zh="矿业权挂牌出让",
    en="Listing of mining rights",
    domain=MINING,
)
MINING_AUCTION = auction_procedure(
    code="mining.auction",
    zh="矿业权拍卖出让",
    en="Auction of mining rights",
    domain=MINING,
)
MINING_TENDER = tender_procedure(
    code="mining.tender",
    zh="矿业权招标出让",
    en="Tender of mining rights",
    domain=MINING,
)
PROCEDURES = (MINING_LISTING, MINING_AUCTION, MINING_TENDER)
