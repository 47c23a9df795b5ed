"""The archive checklist (归档清单) of a project, derived from its method's declaration.

Every document input of every action (资料要件) is an item; the project's events say which
file was given for it, by whom and when. Documents the platform writes itself (opening
record, evaluation report, the signed contract) are items too. The same declaration drives
the form, the API schema and this list, so they cannot disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from ggzy.core.documents import document_info
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.procedures.engine import get_procedure

GENERATED = {  # project data key -> (中文, English), documents the platform writes itself
    "opening_record": ("开标记录", "opening record"),
    "evaluation_report": ("评标（评审）报告", "evaluation report"),
    "negotiation_record": ("协商情况记录", "negotiation record"),
}


def _file(conn: Connection, sha: str) -> dict[str, Any]:
    info = document_info(conn, sha)
    return {
        "sha256": sha,
        "name": info["filename"] if info else None,
        "size": info["size"] if info else None,
    }


def checklist(conn: Connection, project: dict[str, Any]) -> list[dict[str, Any]]:
    """Every document item of the project's method, with what was filed for it."""
    proc = get_procedure(project["method"])
    q = select(events).where(
        events.c.subject_type == "project", events.c.subject_id == project["code"]
    )
    recorded = [row_to_event(r) for r in conn.execute(q.order_by(events.c.seq))]
    performed: dict[str, list[Any]] = {}
    for ev in recorded:
        performed.setdefault(str(ev.payload.get("action", "")), []).append(ev)
    items: list[dict[str, Any]] = []
    for action in proc.actions:
        for f in action.fields:
            if f.kind != "document":
                continue
            done = performed.get(action.name, [])
            filed = [
                {
                    **_file(conn, ev.payload["attached"][f.name]),
                    "seq": ev.seq,
                    "actor": ev.actor,
                    "at": ev.recorded_at.isoformat(),
                }
                for ev in done
                if f.name in (ev.payload.get("attached") or {})
            ]
            status = "filed" if filed else ("not-provided" if done else "pending")
            items.append(
                {
                    "action": action.name,
                    "action_zh": action.zh,
                    "field": f.name,
                    "zh": f.zh.split("（")[0],
                    "en": f.en,
                    "required": f.required,
                    "status": status,
                    "files": filed,
                }
            )
    data = project["data"]
    generated = [(k, data.get(k)) for k in GENERATED]
    contract = data.get("contract")
    if isinstance(contract, dict) and len(contract.get("signed_by", {})) >= 2:
        generated.append(("contract", contract.get("document")))
    for key, sha in generated:
        if not isinstance(sha, str):
            continue
        zh, en = GENERATED.get(key, ("双方签署的合同", "signed contract"))
        items.append(
            {
                "action": None,
                "action_zh": "平台生成 / 双方签署",
                "field": key,
                "zh": zh,
                "en": en,
                "required": True,
                "status": "filed",
                "files": [_file(conn, sha)],
            }
        )
    return items
