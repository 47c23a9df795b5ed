"""国有建设用地使用权出让: state-owned construction land, by listing (挂牌), auction (拍卖)
and tender (招标).

招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号, 2007); rules.md §1.3. The periods
are rule-table keys under ``land.`` (ggzy.transfer.rules), so a province or center can change
them (e.g. a listing of 10 working days) without touching this file. The shared shape of the
two methods is in ggzy.transfer.declare.

The tender (招标出让) takes sealed bids like construction tendering and awards the highest
valid price not below the reserve (ggzy.transfer.tender).
"""

from __future__ import annotations

from ggzy.procedures.declaration import Field
from ggzy.transfer.declare import (
    TransferDomain,
    auction_procedure,
    listing_procedure,
    tender_procedure,
)

BASIS = "招标拍卖挂牌出让国有建设用地使用权规定（国土资源部令第39号）"
PARCEL = (
    Field("parcel_no", "宗地编号", "parcel number", max_len=64),
    Field("location", "宗地坐落", "location", max_len=200),
    Field("area", "出让面积（平方米）", "area (m²)", max_len=32),
    Field("land_use", "规划用途", "planned use", max_len=64),
    Field("term_years", "出让年限（年）", "term (years)", "int"),
    Field("plot_ratio", "容积率", "plot ratio", required=False, max_len=32),
)
LAND = TransferDomain(
    name="land",
    deal_category="T",  # 土地使用权 (ggzy.core.codes.DEAL_CATEGORIES)
    basis=BASIS,
    object_zh="国有建设用地使用权",
    object_fields=PARCEL,
    result_rule="result_within_days",
)

LAND_LISTING = listing_procedure(
    code="land.listing",
    zh="国有建设用地使用权挂牌出让",
    en="Listing of state-owned construction land use rights",
    domain=LAND,
)
LAND_AUCTION = auction_procedure(
    code="land.auction",
    zh="国有建设用地使用权拍卖出让",
    en="Auction of state-owned construction land use rights",
    domain=LAND,
)
LAND_TENDER = tender_procedure(
    code="land.tender",
    zh="国有建设用地使用权招标出让",
    en="Tender of state-owned construction land use rights",
    domain=LAND,
)
PROCEDURES = (LAND_LISTING, LAND_AUCTION, LAND_TENDER)
