"""Random draws of experts (专家随机抽取), verifiable by anyone, names sealed until evaluation.

1. Request (ExpertDrawRequested, public): the project, the quotas by speciality, and whether
   the tenderee's city is avoided. It is one command, so the node signs a tree head at exactly
   its sequence number, a head nobody could know before the request was recorded.
2. Run (ExpertsDrawn, public): the seed is that head's root hash. Every expert of the pool is
   given a pseudonym for this draw, SHA-256(draw id ‖ expert id), which says nothing across
   draws. Experts who must be avoided (回避: employer is the tenderee, the agency or a bidder;
   a declared former employment, directorship, controlling interest or relative there within
   the rule's years; blacklisted or on leave on the evaluation day; already on another
   committee that day; drawn for the same tenderee as often as the rule allows within its
   period; from the tenderee's city when asked) are
   listed by pseudonym with the reason; the others are ranked by SHA-256(seed ‖ pseudonym) and
   each quota takes the first of its speciality not taken yet. The public record is the seed's
   head, every candidate's and avoided pseudonym, and a commitment to the chosen experts'
   identities (SHA-256 of their ids and a random salt); the identities themselves go into a
   confidential event (ExpertsDrawnSealed) until the evaluation begins.
3. Replace (ExpertReplaced, public; 补抽): before the reveal, a drawn expert who declines, does
   not show or recuses is replaced by the next of its speciality in the same order; the sealed
   set and its commitment are renewed, and the record says who left, why, and who came.
4. Reveal (DrawRevealed, public): the ids and the salt, so anyone can check the commitment and
   that the pseudonyms of the revealed experts are the ones the ranking chose.

`verify_draw` (and `ggzy experts verify-draw`) recomputes all of it from the public record.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import NewEvent, event_type
from ggzy.core.projections import projector
from ggzy.core.tables import events
from ggzy.evaluation.experts import relation_conflict, specialities, status_on
from ggzy.evaluation.tables import expert_engagements, experts
from ggzy.ledger import log
from ggzy.procedures.rules import Rule, add_rules, resolve
from ggzy.registry.handlers import Account, find_entity

add_rules(
    Rule(
        "committee_min_size",
        5,
        "count",
        "评标委员会成员人数（5 人以上单数）",
        "evaluation committee members (an odd number of at least)",
        "招标投标法 第37条",
        "S",
        "construction.",
    ),
    Rule(
        "committee_min_size",
        5,
        "count",
        "评标委员会成员人数（5 人以上单数）",
        "evaluation committee members (an odd number of at least)",
        "财政部令第87号 第47条",
        "G",
        "procurement.",
    ),
    *(
        Rule(
            "committee_min_size",
            3,
            "count",
            "谈判小组、询价小组或磋商小组成员人数（3 人以上单数）",
            "negotiation, inquiry or consultation group members (odd, at least)",
            source,
            confidence,
            method,
        )
        for method, source, confidence in (
            ("procurement.competitive_negotiation", "政府采购法 第38条", "S"),
            ("procurement.inquiry", "政府采购法 第40条", "S"),
            ("procurement.single_source", "政府采购法 第39条（协商小组，常见做法）", "G"),
            ("procurement.competitive_consultation", "财库〔2014〕214号", "G"),
        )
    ),
    *(
        Rule(
            "committee_min_size",
            5,
            "count",
            "评标小组成员人数（5 人以上单数）",
            "evaluation panel members (an odd number of at least)",
            "地方做法，待核实",
            "U",
            domain,
        )
        for domain in ("land.", "mining.")
    ),
    *(
        Rule(
            "expert_same_tenderee_max",
            2,
            "count",
            "同一专家在期间内为同一招标人评标的次数上限（超过则回避）",
            "draws of one expert for one tenderee within the period (more: avoided)",
            "各地评标专家管理办法（常见做法，待核实）",
            "U",
            domain,
        )
        for domain in ("construction.", "procurement.", "land.", "mining.")
    ),
    *(
        Rule(
            "expert_same_tenderee_days",
            365,
            "calendar_days",
            "计算同一招标人评标次数的期间",
            "the period over which draws for one tenderee are counted",
            "各地评标专家管理办法（常见做法，待核实）",
            "U",
            domain,
        )
        for domain in ("construction.", "procurement.", "land.", "mining.")
    ),
    *(
        Rule(
            "expert_former_employer_years",
            3,
            "count",
            "与供应商存在劳动关系等情形须回避的年限（年）",
            "years within which a former employment with a party is a ground to recuse",
            source,
            confidence,
            domain,
        )
        for domain, source, confidence in (
            ("procurement.", "政府采购法实施条例 第9条", "S"),
            ("construction.", "评标专家和评标专家库管理办法（常见做法，待核实）", "G"),
            ("land.", "地方做法，待核实", "U"),
            ("mining.", "地方做法，待核实", "U"),
        )
    ),
    Rule(
        "committee_large_min_size",
        7,
        "count",
        "采购预算金额较大时评标委员会成员人数",
        "committee members when the budget is large",
        "财政部令第87号 第47条",
        "G",
        "procurement.",
    ),
    Rule(
        "committee_large_budget",
        10_000_000,
        "yuan",
        "评标委员会须 7 人以上的采购预算金额",
        "the budget from which a committee has at least 7 members",
        "财政部令第87号 第47条",
        "G",
        "procurement.",
    ),
)

event_type("ExpertDrawRequested", "已申请随机抽取评标专家", "expert draw requested")
event_type("ExpertsDrawn", "评标专家已随机抽取（名单密封）", "experts drawn (names sealed)")
event_type("ExpertsDrawnSealed", "抽取名单（密封）", "drawn experts (sealed)", public=False)
event_type("DrawRevealed", "评标专家名单已解封", "drawn experts revealed")
event_type("ExpertReplaced", "抽中专家已替换（补抽）", "drawn expert replaced")
event_type("ExpertReplacedSealed", "补抽名单（密封）", "replacement (sealed)", public=False)
REPLACE_REASONS = {"declined": "拒绝参加", "no-show": "未到场", "recused": "主动回避"}


def _h(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def pseudonym(draw_id: str, expert_id: str) -> str:
    """An expert's name in one draw: unlinkable to its names in others."""
    return _h("ggzy-draw-pseudonym/1", draw_id, expert_id)


def rank_key(seed: str, name: str) -> str:
    """The order of the draw: by SHA-256 of the seed and the pseudonym."""
    return _h("ggzy-draw-rank/1", seed, name)


def commitment(expert_ids: list[str], salt: str) -> str:
    """The public commitment to the chosen experts' identities."""
    return _h("ggzy-draw-commitment/1", salt, *sorted(expert_ids))


def _draw_events(conn: Connection, draw_id: str) -> dict[str, Any]:
    rows = conn.execute(
        select(events.c.type, events.c.payload, events.c.seq)
        .where(events.c.subject_type == "draw", events.c.subject_id == draw_id)
        .order_by(events.c.seq)
    ).all()
    found: dict[str, Any] = {"replacements": [], "sealed": []}
    for r in rows:
        body = {**json.loads(r.payload), "seq": r.seq}
        if r.type == "ExpertReplaced":
            found["replacements"].append(body)
        elif r.type in ("ExpertsDrawnSealed", "ExpertReplacedSealed"):
            found["sealed"].append(body)
        found[r.type] = body
    if "ExpertDrawRequested" not in found:
        raise DomainError("unknown-draw", "没有该抽取", "no such draw", status=404)
    return found


def _check_committee(project: dict[str, Any], drawn: int, representatives: int) -> None:
    """Committee size by the method's rules (odd, at least the minimum, 7 for a large
    procurement budget), experts at least two thirds (招标投标法 第37条, 政府采购法 第38条)."""
    on = date.fromisoformat(project["rule_date"])
    method, region = project["method"], project["center"]
    minimum = resolve("committee_min_size", method, region, on)
    needed, basis = minimum.value, minimum
    if method.startswith("procurement."):
        large = resolve("committee_large_budget", method, region, on)
        if project["estimated_price"] >= large.value * 100:
            bigger = resolve("committee_large_min_size", method, region, on)
            if bigger.value > needed:
                needed, basis = bigger.value, bigger
    total = drawn + representatives
    if representatives < 0 or total < needed or total % 2 == 0:
        raise DomainError(
            "invalid-committee",
            f"评标委员会共 {total} 人不符合要求：{basis.describe_zh()}",
            f"a committee of {total} does not meet: {basis.describe_en()}",
            field="quotas",
            minimum=needed,
        )
    if drawn * 3 < total * 2:
        raise DomainError(
            "too-few-experts",
            "技术、经济等方面的专家不得少于成员总数的三分之二（招标投标法 第37条）",
            "experts must be at least two thirds of the committee (Tendering Law art. 37)",
            field="quotas",
        )


def request_draw(
    uow: Any,
    account: Account,
    project: dict[str, Any],
    quotas: dict[str, int],
    evaluation_day: str,
    avoid_local: bool = False,
    representatives: int = 0,
) -> dict[str, Any]:
    """Ask for a draw for a project's committee (center staff)."""
    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        raise forbidden("仅交易中心工作人员可抽取专家", "only center staff draw experts")
    bad = [k for k in quotas if k not in specialities()]
    if not quotas or bad or any(not isinstance(n, int) or n < 1 for n in quotas.values()):
        raise DomainError(
            "invalid-quotas",
            "须按专业分类给出抽取人数",
            "give a count per speciality",
            field="quotas",
        )
    _check_committee(project, sum(quotas.values()), representatives)
    try:
        day = date.fromisoformat(evaluation_day)
    except ValueError:
        raise DomainError(
            "invalid-date", "评标日期须为 YYYY-MM-DD", "evaluation_day: YYYY-MM-DD"
        ) from None
    draw_id = f"{project['code']}-D{secrets.token_hex(4)}"
    payload = {
        "draw": draw_id,
        "project": project["code"],
        "quotas": dict(sorted(quotas.items())),
        "evaluation_day": day.isoformat(),
        "avoid_local": avoid_local,
        "representatives": representatives,  # 招标人代表, not drawn
    }
    ev = uow.emit(NewEvent("ExpertDrawRequested", "draw", draw_id, payload))
    return {**payload, "seed_size": ev.seq}


def run_draw(uow: Any, account: Account, draw_id: str) -> dict[str, Any]:
    """Draw: seed from the signed head at the request, avoidance, ranking, sealed names."""
    from ggzy.bidding.handlers import bids_of
    from ggzy.procedures.engine import get_project

    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        raise forbidden("仅交易中心工作人员可抽取专家", "only center staff draw experts")
    found = _draw_events(uow.conn, draw_id)
    if "ExpertsDrawn" in found:
        raise DomainError("already-drawn", "已完成抽取", "already drawn", status=409)
    request = found["ExpertDrawRequested"]
    head = log.head_at(uow.conn, request["seq"])
    if head is None:
        raise DomainError("no-seed", "抽取申请的签名树头不存在", "no signed head at the request")
    seed = head.root_hash.hex()
    project = get_project(uow.conn, request["project"])
    parties = [
        entity
        for code in {project["tenderee"], project["agency"]}
        | {b["bidder"] for b in bids_of(uow.conn, project["code"], ("submitted", "opened"))}
        if code and (entity := find_entity(uow.conn, code)) is not None
    ]
    day = date.fromisoformat(request["evaluation_day"])
    on = date.fromisoformat(project["rule_date"])
    years = resolve("expert_former_employer_years", project["method"], project["center"], on)
    local = project["center"][:4]
    frequent = _frequent_for_tenderee(uow, project, draw_id)
    busy = engaged_on(uow.conn, day)
    candidates: list[dict[str, Any]] = []
    avoided: list[dict[str, str]] = []
    chosen_ids: list[str] = []
    for row in uow.conn.execute(select(experts).order_by(experts.c.id)).all():
        name = pseudonym(draw_id, row.id)
        specs = [s for s in json.loads(row.specialities) if s in request["quotas"]]
        if row.status != "active" or not specs:
            continue  # not in the pool for this draw: not listed at all
        standing = status_on(row, day)
        reason = None
        if standing != "active":
            reason = standing
        elif conflict := relation_conflict(row, parties, day, years.value):
            reason = conflict
        elif row.id in busy:
            reason = "busy"  # on another committee that day
        elif row.id in frequent:
            reason = "same-tenderee"
        elif request["avoid_local"] and row.region[:4] == local:
            reason = "local"
        if reason:
            avoided.append({"pseudonym": name, "reason": reason})
        else:
            candidates.append({"pseudonym": name, "specialities": specs, "id": row.id})
    selected = select_from(seed, request["quotas"], candidates)
    by_name = {c["pseudonym"]: c["id"] for c in candidates}
    short = {k: n for k, n in request["quotas"].items() if len(selected[k]) < n}
    if short:
        raise DomainError(
            "pool-too-small",
            f"可抽取的专家不足：{short}",
            f"not enough eligible experts for: {short}",
            status=409,
        )
    chosen_ids = [by_name[n] for names in selected.values() for n in names]
    salt = secrets.token_hex(16)
    public = {
        "draw": draw_id,
        "seed": {"tree_size": head.tree_size, "root_hash": seed},
        "candidates": [
            {"pseudonym": c["pseudonym"], "specialities": c["specialities"]}
            for c in sorted(candidates, key=lambda c: c["pseudonym"])
        ],
        "avoided": sorted(avoided, key=lambda a: a["pseudonym"]),
        "selected": selected,
        "commitment": commitment(chosen_ids, salt),
    }
    uow.emit(NewEvent("ExpertsDrawn", "draw", draw_id, public))
    uow.emit(
        NewEvent(
            "ExpertsDrawnSealed",
            "draw",
            draw_id,
            {"draw": draw_id, "experts": chosen_ids, "salt": salt, "day": day.isoformat()},
        )
    )
    return {k: public[k] for k in ("draw", "seed", "selected", "commitment")}


def engaged_on(conn: Connection, day: date) -> set[str]:
    """Experts already on a committee that day (drawn, not replaced)."""
    rows = conn.execute(
        select(expert_engagements.c.expert).where(expert_engagements.c.day == day)
    ).all()
    return {r.expert for r in rows}


@projector("ExpertsDrawnSealed", "ExpertReplacedSealed")
def _engaged(conn: Connection, ev: Any) -> None:
    """The newest sealed set of a draw is who sits that day; the primary key (expert, day)
    refuses an expert on two committees the same day, whatever the code above did."""
    p = ev.payload
    conn.execute(expert_engagements.delete().where(expert_engagements.c.draw == p["draw"]))
    day = date.fromisoformat(p["day"])
    for expert in p["experts"]:
        conn.execute(expert_engagements.insert().values(expert=expert, day=day, draw=p["draw"]))


def _frequent_for_tenderee(uow: Any, project: dict[str, Any], draw_id: str) -> set[str]:
    """Experts drawn for this project's tenderee as often as the rule allows in its period."""
    from datetime import timedelta

    from ggzy.procedures.engine import get_project

    on = date.fromisoformat(project["rule_date"])
    limit = resolve("expert_same_tenderee_max", project["method"], project["center"], on)
    days = resolve("expert_same_tenderee_days", project["method"], project["center"], on)
    since = uow.now - timedelta(days=days.value)
    rows = uow.conn.execute(
        select(events.c.type, events.c.subject_id, events.c.payload)
        .where(
            events.c.type.in_(
                ("ExpertDrawRequested", "ExpertsDrawnSealed", "ExpertReplacedSealed")
            ),
            events.c.recorded_at >= since,
            events.c.subject_id != draw_id,
        )
        .order_by(events.c.seq)
    ).all()
    projects: dict[str, str] = {}
    final: dict[str, list[str]] = {}
    for r in rows:
        body = json.loads(r.payload)
        if r.type == "ExpertDrawRequested":
            projects[r.subject_id] = body["project"]
        else:
            final[r.subject_id] = body["experts"]  # the newest sealed set of each draw
    tenderees: dict[str, str] = {}
    counts: dict[str, int] = {}
    for other, chosen in final.items():
        code = projects.get(other)
        if code is None:
            continue
        if code not in tenderees:
            tenderees[code] = get_project(uow.conn, code)["tenderee"]
        if tenderees[code] == project["tenderee"]:
            for expert in chosen:
                counts[expert] = counts.get(expert, 0) + 1
    return {e for e, n in counts.items() if n >= limit.value}


def select_from(
    seed: str, quotas: dict[str, int], candidates: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """Each quota, in code order, takes the first not yet taken of its speciality, ranked."""
    ranked = sorted(candidates, key=lambda c: rank_key(seed, c["pseudonym"]))
    taken: set[str] = set()
    out: dict[str, list[str]] = {}
    for code in sorted(quotas):
        picks = [
            c["pseudonym"]
            for c in ranked
            if code in c["specialities"] and c["pseudonym"] not in taken
        ]
        out[code] = picks[: quotas[code]]
        taken.update(out[code])
    return out


def next_in_line(
    seed: str, candidates: list[dict[str, Any]], speciality: str, used: set[str]
) -> str | None:
    """The next candidate of a speciality in the draw's order, not yet selected or replaced."""
    ranked = sorted(candidates, key=lambda c: rank_key(seed, c["pseudonym"]))
    return next(
        (
            c["pseudonym"]
            for c in ranked
            if speciality in c["specialities"] and c["pseudonym"] not in used
        ),
        None,
    )


def replace_expert(
    uow: Any, account: Account, draw_id: str, name: str, reason: str
) -> dict[str, Any]:
    """补抽: a drawn expert declines, does not show or recuses; the next in the draw's own
    order takes the seat, and the sealed set and its commitment are renewed."""
    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        raise forbidden("仅交易中心工作人员可补抽", "only center staff replace experts")
    if reason not in REPLACE_REASONS:
        raise DomainError(
            "invalid-reason",
            f"补抽原因须为：{'、'.join(REPLACE_REASONS.values())}",
            f"the reason must be one of {', '.join(REPLACE_REASONS)}",
            field="reason",
        )
    found = _draw_events(uow.conn, draw_id)
    drawn = found.get("ExpertsDrawn")
    revealed = "DrawRevealed" in found
    if drawn is None or (revealed and not _evaluation_allows_replacement(uow.conn, found)):
        raise DomainError(
            "not-replaceable",
            "只能在抽取后、评标委员会形成资格审查结论前补抽",
            "replace after the draw and before the committee concludes its qualification review",
            409,
        )
    selected = current_selection(drawn, found["replacements"])
    speciality = next((k for k, names in selected.items() if name in names), None)
    if speciality is None:
        raise DomainError("not-selected", "该专家不在抽中名单中", "not a drawn expert", status=409)
    used = {n for names in drawn["selected"].values() for n in names}
    used |= {r["replacement"] for r in found["replacements"]}
    successor = next_in_line(drawn["seed"]["root_hash"], drawn["candidates"], speciality, used)
    if successor is None:
        raise DomainError(
            "pool-too-small", "没有可补抽的专家", "no expert left to draw", status=409
        )
    ids = {pseudonym(draw_id, row.id): row.id for row in uow.conn.execute(select(experts.c.id))}
    chosen = [ids[n] for names in selected.values() for n in names if n != name] + [ids[successor]]
    salt = secrets.token_hex(16)
    public = {
        "draw": draw_id,
        "replaced": name,
        "speciality": speciality,
        "reason": reason,
        "replacement": successor,
        "commitment": commitment(chosen, salt),
    }
    if revealed:  # the evaluation has begun: the successor's identity is public like the rest
        public["revealed"] = ids[successor]
    uow.emit(NewEvent("ExpertReplaced", "draw", draw_id, public))
    uow.emit(
        NewEvent(
            "ExpertReplacedSealed",
            "draw",
            draw_id,
            {
                "draw": draw_id,
                "experts": chosen,
                "salt": salt,
                "day": found["ExpertDrawRequested"]["evaluation_day"],
            },
        )
    )
    from ggzy.evaluation.venues import reseat

    reseat(uow, draw_id, ids[name], ids[successor])
    return public


def _evaluation_allows_replacement(conn: Connection, found: dict[str, Any]) -> bool:
    """After the reveal a member is replaced only until the committee concludes its
    qualification review (实施条例 第48条: the replacement reviews again)."""
    from ggzy.evaluation.workbench import state

    s = state(conn, found["ExpertDrawRequested"]["project"])
    return s is None or (s["qualified"] is None and s["concluded"] is None)


def current_selection(
    drawn: dict[str, Any], replacements: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """The selection after the replacements, in their order."""
    selected = {k: list(v) for k, v in drawn["selected"].items()}
    for r in replacements:
        names = selected[r["speciality"]]
        names[names.index(r["replaced"])] = r["replacement"]
    return selected


def reveal(uow: Any, account: Account, draw_id: str) -> dict[str, Any]:
    """Unseal the names when the evaluation begins (center staff)."""
    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        raise forbidden("仅交易中心工作人员可解封名单", "only center staff reveal a draw")
    found = _draw_events(uow.conn, draw_id)
    if "ExpertsDrawnSealed" not in found:
        raise DomainError("not-drawn", "尚未抽取", "not drawn yet", status=409)
    if "DrawRevealed" in found:
        raise DomainError("already-revealed", "名单已解封", "already revealed", status=409)
    today = uow.now.astimezone(SHANGHAI).date().isoformat()
    if today < found["ExpertDrawRequested"]["evaluation_day"]:
        raise DomainError(
            "too-early", "评标开始前名单保持密封", "the names stay sealed until the evaluation", 409
        )
    sealed = found["sealed"][-1]  # after any replacement, the newest set
    payload = {"draw": draw_id, "experts": sealed["experts"], "salt": sealed["salt"]}
    uow.emit(NewEvent("DrawRevealed", "draw", draw_id, payload))
    return payload


def public_record(conn: Connection, draw_id: str) -> dict[str, Any]:
    """What anyone may read of a draw: the request, the drawn record, the reveal if made."""
    found = _draw_events(conn, draw_id)
    return {
        "request": found["ExpertDrawRequested"],
        "drawn": found.get("ExpertsDrawn"),
        "replacements": found["replacements"],
        "revealed": found.get("DrawRevealed"),
        "venues": found.get("VenuesAssigned"),
    }


def verify_draw(
    record: dict[str, Any], head: dict[str, Any] | None, public_key: str | None
) -> list[str]:
    """Recompute a draw from its public record; the problems found (empty: it verifies).

    head: the node's signed tree head at the request's sequence number (JSON form), checked
    against the node's public key when one is given."""
    from ggzy.ledger.signing import verify_signature

    problems: list[str] = []
    request, drawn = record["request"], record.get("drawn")
    if drawn is None:
        return ["尚未抽取 / not drawn yet"]
    seed = drawn["seed"]
    if seed["tree_size"] != request["seq"]:
        problems.append("种子不是抽取申请处的树头 / the seed is not the head at the request")
    if head is not None:
        if head["tree_size"] != seed["tree_size"] or head["root_hash"] != seed["root_hash"]:
            problems.append("种子与节点签名的树头不符 / the seed differs from the signed head")
        import base64

        if public_key and not verify_signature(
            public_key, head["signed_body"], base64.b64decode(head["signature"])
        ):
            problems.append("树头签名无效 / the head's signature is invalid")
    again = select_from(seed["root_hash"], request["quotas"], drawn["candidates"])
    if again != drawn["selected"]:
        problems.append("按公开数据重算的结果不同 / recomputing gives another selection")
    used = {n for names in drawn["selected"].values() for n in names}
    selected = {k: list(v) for k, v in drawn["selected"].items()}
    final_commitment = drawn["commitment"]
    revealed = record.get("revealed")
    reveal_seq = revealed.get("seq") if revealed else None
    before = [
        r for r in record.get("replacements") or [] if reveal_seq is None or r["seq"] < reveal_seq
    ]
    after = [r for r in record.get("replacements") or [] if r not in before]
    for r in before:
        expected = next_in_line(seed["root_hash"], drawn["candidates"], r["speciality"], used)
        if r["replaced"] not in selected.get(r["speciality"], []) or r["replacement"] != expected:
            problems.append(
                f"补抽不是按抽取顺序的下一位 / replacement {r['replacement'][:12]} is not next"
            )
            break
        used.add(r["replacement"])
        names = selected[r["speciality"]]
        names[names.index(r["replaced"])] = r["replacement"]
        final_commitment = r["commitment"]
    if record.get("venues"):
        from ggzy.evaluation.venues import verify_venues

        problems += verify_venues(seed["root_hash"], record["venues"])
    if revealed is not None:
        ids = revealed["experts"]
        if commitment(ids, revealed["salt"]) != final_commitment:
            problems.append("解封名单与承诺不符 / the revealed names do not match the commitment")
        names = sorted(pseudonym(drawn["draw"], i) for i in ids)
        chosen = sorted(n for picks in selected.values() for n in picks)
        if names != chosen:
            problems.append("解封名单不是抽中的专家 / the revealed experts were not the ones drawn")
    for r in after:  # replaced during the evaluation: next in line, and named at once
        expected = next_in_line(seed["root_hash"], drawn["candidates"], r["speciality"], used)
        if (
            r["replaced"] not in selected.get(r["speciality"], [])
            or r["replacement"] != expected
            or pseudonym(drawn["draw"], r.get("revealed", "")) != r["replacement"]
        ):
            problems.append(
                f"评标中的补抽不符 / replacement {r['replacement'][:12]} during the evaluation"
            )
            break
        used.add(r["replacement"])
        names = selected[r["speciality"]]
        names[names.index(r["replaced"])] = r["replacement"]
    return problems


def fetch_and_verify(
    url: str, draw_id: str, client: Any = None
) -> tuple[dict[str, Any], list[str]]:
    """Read a draw's public record, the node's key and the seed's signed head from a node's
    API, and recompute the draw (what `ggzy experts verify-draw` runs)."""
    import httpx

    base = url.rstrip("/")
    own = client is None
    client = client or httpx.Client(timeout=30)
    try:
        r = client.get(f"{base}/api/v1/draws/{draw_id}")
        if r.status_code != 200:
            return {}, [f"无法读取抽取记录 / cannot read the draw: HTTP {r.status_code}"]
        record = r.json()
        key = client.get(f"{base}/api/v1/node").json()["public_key"]
        size = record["request"]["seq"]
        heads = client.get(f"{base}/api/v1/ledger/tree-heads?after={size - 1}&limit=1").json()
    finally:
        if own:
            client.close()
    head = heads[0] if heads and heads[0]["tree_size"] == size else None
    problems = verify_draw(record, head, key)
    if head is None:
        problems.append("节点没有抽取申请处的签名树头 / no signed head at the request")
    return record, problems
