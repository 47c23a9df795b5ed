"""Every declared trading method. Importing this package registers them with the engine.

Each module here declares methods and lists them in a module-level ``PROCEDURES`` tuple; a
module whose methods need effects beyond the common ones below imports those effect modules
itself. Adding a method is adding a declaration here: nothing else names it.
"""

from __future__ import annotations

import importlib
import pkgutil

# The common effects first: a declaration is checked against the effects that exist.
import ggzy.bidding.bonds
import ggzy.bidding.hall
import ggzy.bidding.handlers
import ggzy.bidding.sealed
import ggzy.credit.records  # the credit check every tender action runs, and its rules
import ggzy.evaluation.draws  # the committee-size rules of the expert draws
import ggzy.evaluation.handlers
import ggzy.evaluation.methods  # the price-weight, SME and abnormal-low rules of the scoring
import ggzy.procedures.award
import ggzy.procedures.followup
import ggzy.procedures.lifecycle
import ggzy.procedures.signing  # noqa: F401
from ggzy.procedures.declaration import Procedure
from ggzy.procedures.declarations.construction_open_tendering import CONSTRUCTION_OPEN_TENDERING
from ggzy.procedures.engine import register_procedure


def _declared() -> tuple[Procedure, ...]:
    found: list[Procedure] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "PROCEDURES", ()))
    return tuple(found)


ALL = _declared()
for _procedure in ALL:
    register_procedure(_procedure)

__all__ = ["ALL", "CONSTRUCTION_OPEN_TENDERING"]
