"""Every declared trading method. Importing this package registers them with the engine."""

from __future__ import annotations

# Effects first: a declaration is checked against the effects that exist.
import ggzy.bidding.handlers
import ggzy.bidding.sealed
import ggzy.evaluation.handlers
import ggzy.procedures.award
import ggzy.procedures.signing  # noqa: F401
from ggzy.procedures.declarations.construction_open_tendering import CONSTRUCTION_OPEN_TENDERING
from ggzy.procedures.engine import register_procedure

ALL = (CONSTRUCTION_OPEN_TENDERING,)
for _procedure in ALL:
    register_procedure(_procedure)
