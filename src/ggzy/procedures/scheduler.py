"""The platform acts on time by itself: due automatic actions (e.g. 开标 at the deadline).

`run_due(platform)` performs, as the platform ("system"), every declared `auto` action whose
moment has come. `ggzy serve` calls it every few seconds; it is idempotent, because an action
that ran moved the project out of the stage where it applies.
"""

from __future__ import annotations

import logging
from typing import Any

from ggzy.bootstrap import Platform
from ggzy.core.errors import DomainError
from ggzy.procedures.engine import PROCEDURES, get_project, list_projects, moment_of, perform
from ggzy.registry.handlers import Account

log = logging.getLogger("ggzy.scheduler")
SYSTEM = Account("system", "交易平台", None, None, ("system",))


def due_actions(platform: Platform) -> list[tuple[str, str]]:
    """(project code, action) pairs whose automatic action is due now."""
    now = platform.clock.now()
    due = []
    with platform.read() as conn:
        for proc in PROCEDURES.values():
            for action in (a for a in proc.actions if a.auto):
                for stage in action.stages:
                    for project in list_projects(conn, stage=stage, limit=10_000):
                        if project["method"] != proc.code or project["data"].get("suspended"):
                            continue
                        when = moment_of(action.not_before or "", project)
                        if when is not None and when <= now:
                            due.append((project["code"], action.name))
    return due


def run_due(platform: Platform) -> list[dict[str, Any]]:
    """Perform every due automatic action, each in its own transaction."""
    results = []
    for code, action in due_actions(platform):
        try:
            with platform.command(SYSTEM.actor) as uow:
                project = get_project(uow.conn, code)
                results.append(perform(uow, SYSTEM, project["code"], action, {}))
        except DomainError as exc:  # e.g. another worker ran it first: logged, never lost
            log.warning("automatic %s of %s refused: %s", action, code, exc)
    return results
