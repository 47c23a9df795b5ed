"""Land-use rights and mining-rights transfer (出让, 招拍挂) on the declarative procedure engine.

The methods themselves are declarations (ggzy.procedures.declarations.land_transfer and
mining_transfer); this package holds what they need beyond the common effects:

- :mod:`ggzy.transfer.rules`: the land (``land.``) and mining (``mining.``) rule rows;
- :mod:`ggzy.transfer.tables`: projections of applications, deposits, quotes and the
  confidential reserve price (底价);
- :mod:`ggzy.transfer.applications`: registration, the reserve price, the announcement, bid
  applications and deposits (竞买申请、竞买保证金);
- :mod:`ggzy.transfer.listing`: listing quotes (挂牌报价), the listing close, the live online
  auction (网上竞价) and the result;
- :mod:`ggzy.transfer.declare`: the shared shape of a listing and an auction declaration;
- :mod:`ggzy.transfer.views`: what the public and a bidder see of a transfer.

The reserve price is confidential: it is set in an event type that is not public, kept in its
own projection (never in project data), compared only inside the closing effects and disclosed
in the result event.
"""
