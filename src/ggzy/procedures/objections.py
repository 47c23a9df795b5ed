"""Objections (异议 / 质疑) and complaints (投诉), with their windows and suspension.

A declaration says, in its actions' params, which subjects a bidder may object to, in which
stages, within which window and whether a pending objection suspends the project:

- construction (招标投标法实施条例 arts. 22, 44, 54, 60–61): objections to the tender
  documents at least 10 days before the deadline, to the candidates during the publicity,
  answered within 3 days, the process suspended until then; a complaint within 10 days of
  knowing, after the objection for those subjects; accepted or not within 3 working days,
  decided within 30 working days.
- government procurement (政府采购法 arts. 52–57): a challenge (质疑) within 7 working days
  of knowing, answered within 7 working days; a complaint within 15 working days after the
  answer period; decided within 30 working days.

An objection names its objector only to the officials: who bids is confidential (Law 22).
So the records with identities (project data "objections", "complaints") are set only by
confidential events; the public answer and decision events set only their status by number
("objection_answers", "complaint_status").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import event_type
from ggzy.procedures.engine import Context, Outcome, effect
from ggzy.procedures.lifecycle import moved_after_suspension
from ggzy.procedures.schedule import last_day_before

event_type("ObjectionRaised", "异议（质疑）已提出", "objection raised", public=False)
event_type("ObjectionAnswered", "异议（质疑）已答复", "objection answered")
event_type("ComplaintFiled", "投诉已提交", "complaint filed", public=False)
event_type("ComplaintAccepted", "投诉受理决定", "complaint admissibility decided", public=False)
event_type("ComplaintDecided", "投诉处理决定", "complaint decided")

WINDOWS = {
    "before": "at least the rule's period before the moment (e.g. 10 days before the deadline)",
    "within": "within the rule's period after the moment (e.g. 7 working days of knowing)",
    "during": "before the moment (e.g. the end of the candidate publicity)",
}


def subject(
    name: str,
    zh: str,
    en: str,
    stages: frozenset[str],
    window: str,
    moment: str,
    rule: str | None = None,
    suspends: bool = False,
) -> dict[str, Any]:
    """One thing a bidder may object to; declarations put these in the action's params."""
    if window not in WINDOWS:
        raise ValueError(f"objection window {window!r} is not one of {sorted(WINDOWS)}")
    if window != "during" and rule is None:
        raise ValueError(f"a {window} window needs a rule")
    return {
        "zh": zh,
        "en": en,
        "stages": sorted(stages),
        "window": window,
        "moment": moment,
        "rule": rule,
        "suspends": suspends,
        "name": name,
    }


def _day(value: str) -> date:
    return datetime.fromisoformat(value).astimezone(SHANGHAI).date()


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(SHANGHAI).date()


def _moment(ctx: Context, ref: str) -> str | None:
    """A project moment; "holder" is when this bidder obtained the documents."""
    p = ctx.project
    assert p is not None
    if ref == "holder":
        from sqlalchemy import select

        from ggzy.procedures.tables import document_holders

        row = ctx.conn.execute(
            select(document_holders.c.obtained_at).where(
                document_holders.c.project == p["code"],
                document_holders.c.entity == ctx.account.entity,
            )
        ).first()
        if row is not None:
            return str(row.obtained_at.isoformat())
        ref = "announced_at"
    value = p["data"].get(ref)
    return value if isinstance(value, str) else None


def _check_window(ctx: Context, s: dict[str, Any]) -> None:
    when = _moment(ctx, s["moment"])
    if when is None:
        return
    today = _today(ctx)
    if s["window"] == "during":
        ok = ctx.now < datetime.fromisoformat(when)
        last = _day(when)
        basis_zh, basis_en = "须在期间内提出", "must be raised within the period"
    else:
        rule = ctx.rule(s["rule"])
        if s["window"] == "before":
            last = last_day_before(ctx.calendar, _day(when), rule.value, rule.working)
        else:
            last = ctx.calendar.period_end(_day(when), rule.value, rule.working)
        ok = today <= last
        basis_zh, basis_en = rule.describe_zh(), rule.describe_en()
    if not ok:
        raise DomainError(
            "objection-too-late",
            f"对{s['zh']}的异议（质疑）已超过期限（最后一日 {last}）：{basis_zh}",
            f"too late to object to the {s['en']} (the last day was {last}): {basis_en}",
            status=409,
            last_day=last.isoformat(),
        )


@effect("raise_objection")
def _raise(ctx: Context) -> Outcome:
    """A bidder objects; a suspending subject halts the project until every such objection
    is answered."""
    p = ctx.project
    assert p is not None
    subjects: dict[str, dict[str, Any]] = ctx.action.params["subjects"]  # type: ignore[assignment]
    s = subjects.get(ctx.data["subject"])
    if s is None:
        raise DomainError(
            "unknown-subject",
            f"异议事项须为：{'、'.join(v['zh'] for v in subjects.values())}",
            f"the subject must be one of: {', '.join(subjects)}",
            field="subject",
        )
    if p["stage"] not in s["stages"]:
        raise DomainError(
            "objection-wrong-stage",
            f"当前阶段不能对{s['zh']}提出异议",
            f"no objection to the {s['en']} in this stage",
            status=409,
        )
    if not ctx.account.entity:  # potential bidders or other interested parties (Reg. 22, 54)
        raise forbidden("异议（质疑）须由市场主体提出", "objections come from an entity")
    _check_window(ctx, s)
    answer_rule = ctx.rule("objection_answer_within_days")
    due = ctx.calendar.period_end(_today(ctx), answer_rule.value, answer_rule.working)
    record = {
        "id": len(p["data"].get("objections") or []) + 1,
        "subject": s["name"],
        "by": ctx.account.entity,
        "raised_at": ctx.now.isoformat(),
        "answer_due": due.isoformat(),
        "suspends": s["suspends"],
    }
    objections = [*(p["data"].get("objections") or []), record]
    updates: dict[str, Any] = {"objections": objections}
    if s["suspends"] and not p["data"].get("suspended"):
        updates["suspended"] = {
            "at": ctx.now.isoformat(),
            "by": "objection",
            "kind": "objection",
            "reason": f"对{s['zh']}的异议待答复 / objection to the {s['en']} pending",
            "stage": p["stage"],
        }
    payload = {
        "objection": record["id"],
        "subject": s["name"],
        "by": ctx.account.entity,
        "text": ctx.data["text"],
        "evidence": ctx.data.get("evidence"),
        "answer_due": record["answer_due"],
        "suspends": s["suspends"],
    }
    docs = (ctx.data["evidence"],) if ctx.data.get("evidence") else ()
    return Outcome(
        payload=payload,
        set=updates,
        documents=docs,
        result={"objection": record["id"], "answer_due": record["answer_due"]},
    )


@effect("answer_objection")
def _answer(ctx: Context) -> Outcome:
    """The tenderee answers; with no suspending objection left open, the project resumes and
    the moments still ahead move by the days it stood still."""
    p = ctx.project
    assert p is not None
    objections = p["data"].get("objections") or []
    answers = dict(p["data"].get("objection_answers") or {})
    wanted = ctx.data["objection"]
    target = next((o for o in objections if o["id"] == wanted), None)
    if target is None:
        raise DomainError(
            "unknown-objection", f"没有编号为 {wanted} 的异议", f"no objection {wanted}", 404
        )
    if str(wanted) in answers:
        raise DomainError("already-answered", "该异议已答复", "already answered", status=409)
    answers[str(wanted)] = ctx.now.isoformat()
    late = _today(ctx) > date.fromisoformat(target["answer_due"])
    updates: dict[str, Any] = {"objection_answers": answers}
    payload: dict[str, Any] = {
        "objection": wanted,
        "subject": target["subject"],
        "answer": ctx.data["answer"],
        "late": late,
    }
    suspended = p["data"].get("suspended")
    still_open = [o for o in objections if o["suspends"] and str(o["id"]) not in answers]
    if suspended and suspended.get("kind") == "objection" and not still_open:
        days, moved = moved_after_suspension(ctx, suspended)
        updates |= {"suspended": None, **moved}
        payload |= {"resumed": True, "days": days, "moved": moved}
    return Outcome(payload=payload, set=updates)


@effect("file_complaint")
def _complain(ctx: Context) -> Outcome:
    """A complaint to the supervising department, after the objection where the law wants one
    first, within the complaint period counted from the answer (or its due day)."""
    p = ctx.project
    assert p is not None
    params = ctx.action.params
    objections = p["data"].get("objections") or []
    answers = p["data"].get("objection_answers") or {}
    own = [o for o in objections if o["by"] == ctx.account.entity]
    subject_name = ctx.data["subject"]
    first: set[str] = set(params.get("objection_first", ()))  # type: ignore[call-overload]
    prior = [o for o in own if o["subject"] == subject_name]
    start = ctx.now
    if subject_name in first or params.get("always_objection_first"):
        if not prior:
            raise DomainError(
                "objection-first",
                "就此事项投诉前须先提出异议（质疑）",
                "object to the tenderee first; a complaint about this comes after",
                status=409,
            )
        last = prior[-1]
        answered_at = answers.get(str(last["id"]))
        if not answered_at and _today(ctx) <= date.fromisoformat(last["answer_due"]):
            raise DomainError(
                "objection-pending",
                f"异议（质疑）尚在答复期内（至 {last['answer_due']}），答复后或期满后方可投诉",
                f"the objection may still be answered until {last['answer_due']}",
                status=409,
            )
        counted_from = params.get("complaint_counted_from", "answer")
        if counted_from == "answer_due" or not answered_at:
            start = datetime.combine(
                date.fromisoformat(last["answer_due"]), datetime.min.time(), SHANGHAI
            )
        else:
            start = datetime.fromisoformat(answered_at)
    rule = ctx.rule("complaint_within_days")
    last_day = ctx.calendar.period_end(start.astimezone(SHANGHAI).date(), rule.value, rule.working)
    if _today(ctx) > last_day:
        raise DomainError(
            "complaint-too-late",
            f"投诉已超过期限（最后一日 {last_day}）：{rule.describe_zh()}",
            f"too late to complain (the last day was {last_day}): {rule.describe_en()}",
            status=409,
        )
    complaints = p["data"].get("complaints") or []
    record = {
        "id": len(complaints) + 1,
        "subject": subject_name,
        "by": ctx.account.entity,
        "filed_at": ctx.now.isoformat(),
    }
    payload = {
        "complaint": record["id"],
        "subject": subject_name,
        "by": ctx.account.entity,
        "text": ctx.data["text"],
    }
    status = {**(p["data"].get("complaint_status") or {}), str(record["id"]): "filed"}
    return Outcome(
        payload=payload,
        set={"complaints": [*complaints, record], "complaint_status": status},
        result={"complaint": record["id"]},
    )


def _complaint(ctx: Context, status: str) -> tuple[dict[str, str], dict[str, Any]]:
    p = ctx.project
    assert p is not None
    statuses = dict(p["data"].get("complaint_status") or {})
    wanted = ctx.data["complaint"]
    target = next((c for c in p["data"].get("complaints") or [] if c["id"] == wanted), None)
    if target is None:
        raise DomainError(
            "unknown-complaint", f"没有编号为 {wanted} 的投诉", f"no complaint {wanted}", 404
        )
    if statuses.get(str(wanted)) != status:
        raise DomainError(
            "complaint-state",
            f"该投诉当前状态为 {statuses.get(str(wanted))}，不能执行此操作",
            f"the complaint is {statuses.get(str(wanted))}",
            status=409,
        )
    return statuses, target


def _regulator_deadline(ctx: Context, target: dict[str, Any], rule_key: str) -> bool:
    """True if the regulator acts after its period (recorded as late, never refused)."""
    rule = ctx.rule(rule_key)
    due = ctx.calendar.period_end(_day(target["filed_at"]), rule.value, rule.working)
    return _today(ctx) > due


@effect("accept_complaint")
def _accept(ctx: Context) -> Outcome:
    """The regulator decides whether to take the complaint up (受理 / 不予受理)."""
    statuses, target = _complaint(ctx, "filed")
    accepted = bool(ctx.data["accepted"])
    if not accepted and not ctx.data.get("reason"):
        raise DomainError(
            "reason-required", "不予受理须说明理由", "a refusal needs a reason", field="reason"
        )
    statuses[str(target["id"])] = "accepted" if accepted else "rejected"
    late = _regulator_deadline(ctx, target, "complaint_accept_within_days")
    return Outcome(
        payload={
            "complaint": target["id"],
            "accepted": accepted,
            "reason": ctx.data.get("reason", ""),
            "late": late,
        },
        set={"complaint_status": statuses},
    )


@effect("decide_complaint")
def _decide(ctx: Context) -> Outcome:
    """The regulator's decision (投诉处理决定): dismissed, or upheld with its remedy."""
    statuses, target = _complaint(ctx, "accepted")
    upheld = bool(ctx.data["upheld"])
    statuses[str(target["id"])] = "upheld" if upheld else "dismissed"
    late = _regulator_deadline(ctx, target, "complaint_decide_within_days")
    return Outcome(
        payload={
            "complaint": target["id"],
            "upheld": upheld,
            "decision": ctx.data["decision"],
            "late": late,
        },
        set={"complaint_status": statuses},
    )
