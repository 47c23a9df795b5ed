"""The evaluation workbench (评标工作台): one committee across venues, each expert alone.

1. Open (EvaluationOpened, public): center staff open the evaluation of a project whose bids
   are opened and whose draw is revealed, with the scoring scheme of the tender documents
   (method, category, parameters, factors) and the bidders' declarations read by the committee
   (SME status, domestic products, brand). For comprehensive construction scoring a random K
   is drawn from the published choices with the draw's seed, so it is logged and recomputable.
2. Check in (ExpertCheckedIn): each drawn expert signs the recusal declaration and commitment
   (回避声明及承诺书) naming every bidder, with its personal certificate (个人证书); only then
   does it see the bids, and every view is an event (EvaluationViewed).
3. Qualification and compliance (QualificationSubmitted / QualificationConcluded): each expert
   passes or fails each bid with reasons; when all have, a bid fails by majority (少数服从多数).
4. Scoring (ScoresSubmitted): each expert scores the qualified bids alone — nobody sees anyone
   else's scores until all are in; then the system totals by ggzy.evaluation.methods (price
   score, SME deduction, abnormally low prices, deviation flags). A flagged expert may revise
   with a reason; the committee records its decision on each abnormally low price after the
   bidder's written explanation (AbnormalPriceDecided).
5. Conclude (EvaluationConcluded): the ranked candidates and the evaluation report (PDF,
   Chinese, amounts in 大写) stored as a document; every expert signs the exact PDF bytes with
   its certificate (EvaluationReportSigned). With every signature in, the procedure's
   `evaluate` action takes the committee's result (ggzy.evaluation.handlers).

Everything but the opening is confidential: experts' identities, views and scores are for the
committee and the officials; bidders learn nothing before the result.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select

from ggzy.core.calendar import SHANGHAI
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import NewEvent, event_type
from ggzy.core.tables import events
from ggzy.evaluation.tables import experts, seat_bookings, venues
from ggzy.registry.handlers import Account, find_entity

event_type("EvaluationOpened", "评标已开始", "evaluation opened")
event_type("ExpertCheckedIn", "评标专家已签到并签署回避声明", "expert checked in", public=False)
event_type("EvaluationViewed", "评标资料已查看", "evaluation material viewed", public=False)
event_type(
    "QualificationSubmitted", "专家已提交资格审查意见", "qualification findings", public=False
)
event_type(
    "QualificationConcluded", "资格和符合性审查结论", "qualification concluded", public=False
)
event_type("ScoresSubmitted", "专家已独立评分", "expert's scores submitted", public=False)
event_type("AbnormalPriceDecided", "异常低价审查结论", "abnormal price decided", public=False)
event_type("EvaluationConcluded", "评标报告已形成", "evaluation concluded", public=False)
event_type("EvaluationReportSigned", "评标专家已签署评标报告", "report signed", public=False)
event_type("LeaderVoted", "评标委员会推选组长", "committee leader vote", public=False)

SUBJECT = "evaluation"
METHOD_ZH = {
    "gp_comprehensive": "综合评分法",
    "gp_lowest_price": "最低评标价法",
    "construction_lowest_price": "经评审的最低投标价法",
    "construction_comprehensive": "综合评估法",
}
DECLARATION_KEYS = ("sme", "sme_share_pct", "domestic", "brand")


def _bad(code: str, zh: str, en: str, status: int = 422, **extra: Any) -> DomainError:
    return DomainError(code, zh, en, status=status, **extra)


# ------------------------------------------------------------------------------------- state


def state(conn: Connection, code: str) -> dict[str, Any] | None:
    """The evaluation of a project folded from its events (None: not opened)."""
    rows = conn.execute(
        select(events.c.type, events.c.payload, events.c.recorded_at, events.c.seq)
        .where(events.c.subject_type == SUBJECT, events.c.subject_id == code)
        .order_by(events.c.seq)
    ).all()
    if not rows:
        return None
    s: dict[str, Any] = {
        "checked_in": {},
        "qualification": {},
        "qualified": None,
        "scores": {},
        "revisions": {},
        "abnormal": {},
        "concluded": None,
        "signed": {},
        "votes": {},
        "views": 0,
    }
    for r in rows:
        p = json.loads(r.payload)
        if r.type == "EvaluationOpened":
            s["opened"] = p
            s["opened_at"] = r.recorded_at
        elif r.type == "ExpertCheckedIn":
            s["checked_in"][p["expert"]] = p
        elif r.type == "EvaluationViewed":
            s["views"] += 1
        elif r.type == "QualificationSubmitted":
            s["qualification"][p["expert"]] = p["findings"]
        elif r.type == "QualificationConcluded":
            s["qualified"] = p["results"]
        elif r.type == "ScoresSubmitted":
            s["scores"][p["expert"]] = p["scores"]
            if p.get("reason"):
                s["revisions"][p["expert"]] = p["reason"]
        elif r.type == "AbnormalPriceDecided":
            s["abnormal"][p["bidder"]] = p
        elif r.type == "EvaluationConcluded":
            s["concluded"] = p
            s["concluded_at"] = r.recorded_at
        elif r.type == "EvaluationReportSigned":
            s["signed"][p["expert"]] = p
        elif r.type == "LeaderVoted":
            s["votes"][p["expert"]] = p["vote"]
    if "opened" in s:
        _apply_replacements(conn, s)
    s["leader"] = leader_of(s["votes"], len(s.get("opened", {}).get("members", {})))
    return s


def _apply_replacements(conn: Connection, s: dict[str, Any]) -> None:
    """A member replaced during the evaluation (补抽 after the reveal): the successor takes
    the label, and everything the replaced member did is void (实施条例 第48条)."""
    from ggzy.evaluation.draws import _draw_events

    members = dict(s["opened"]["members"])
    for r in _draw_events(conn, s["opened"]["draw"])["replacements"]:
        gone, successor = _id_of(members, r), r.get("revealed")
        if successor is None or gone is None:
            continue  # replaced before the reveal: already in the opened committee
        members[successor] = members.pop(gone)
        for key in ("checked_in", "qualification", "scores", "revisions", "votes", "signed"):
            s[key].pop(gone, None)
    s["opened"] = {**s["opened"], "members": members}


def _id_of(members: dict[str, str], replacement: dict[str, Any]) -> str | None:
    from ggzy.evaluation.draws import pseudonym

    return next(
        (e for e in members if pseudonym(replacement["draw"], e) == replacement["replaced"]),
        None,
    )


def leader_of(votes: dict[str, str], size: int) -> str | None:
    """The label more than half of the committee voted for (组长), or None yet."""
    counts: dict[str, int] = {}
    for label in votes.values():
        counts[label] = counts.get(label, 0) + 1
    return next((label for label, n in counts.items() if n * 2 > size), None)


def opened_state(conn: Connection, code: str) -> dict[str, Any]:
    """The evaluation's state, or 409 when it has not been opened."""
    s = state(conn, code)
    if s is None:
        raise _bad("not-opened", "本项目尚未开始评标", "the evaluation has not been opened", 409)
    return s


def _member(conn: Connection, s: dict[str, Any], account: Account) -> tuple[str, str]:
    """The signed-in expert's (id, label) on this committee, or 403."""
    row = conn.execute(select(experts.c.id).where(experts.c.username == account.username)).first()
    members = s["opened"]["members"]
    if row is None or row.id not in members:
        raise forbidden("您不是本项目评标委员会成员", "you are not on this committee")
    return row.id, members[row.id]


def _checked_in_member(conn: Connection, s: dict[str, Any], account: Account) -> tuple[str, str]:
    expert, label = _member(conn, s, account)
    if expert not in s["checked_in"]:
        raise _bad(
            "not-checked-in",
            "请先签到并签署回避声明",
            "check in and sign the recusal declaration first",
            409,
        )
    return expert, label


def _official(account: Account) -> None:
    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        raise forbidden("仅交易中心工作人员可组织评标", "only center staff run the evaluation")


def _not_concluded(s: dict[str, Any]) -> None:
    if s["concluded"] is not None:
        raise _bad("concluded", "评标已结束", "the evaluation is concluded", 409)


# -------------------------------------------------------------------------------------- open


def _revealed_draw(conn: Connection, code: str) -> dict[str, Any]:
    """The project's newest revealed draw: {draw, experts, seed}."""
    from ggzy.evaluation.draws import _draw_events

    rows = conn.execute(
        select(events.c.subject_id, events.c.payload)
        .where(events.c.type == "ExpertDrawRequested")
        .order_by(events.c.seq.desc())
    ).all()
    for r in rows:
        if json.loads(r.payload)["project"] != code:
            continue
        found = _draw_events(conn, r.subject_id)
        if "DrawRevealed" in found:
            return {
                "draw": r.subject_id,
                "experts": found["DrawRevealed"]["experts"],
                "seed": found["ExpertsDrawn"]["seed"]["root_hash"],
                "day": found["ExpertDrawRequested"]["evaluation_day"],
            }
    raise _bad(
        "no-committee",
        "本项目没有已解封的专家抽取结果",
        "the project has no revealed draw of experts",
        409,
    )


def _opened_bids(conn: Connection, code: str) -> list[dict[str, Any]]:
    from ggzy.bidding.handlers import bids_of

    return [b["opened"] | {"seq": b["seq"]} for b in bids_of(conn, code, ("opened",))]


def _declarations(raw: Any, bidders: set[str]) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not set(raw) <= bidders:
        raise _bad(
            "invalid-declarations",
            "投标人声明须按已开标的投标人给出："
            "{统一社会信用代码: {sme, sme_share_pct, domestic, brand}}",
            "declarations: {credit code of an opened bid: {sme, sme_share_pct, domestic, brand}}",
            field="declarations",
        )
    out = {}
    for bidder, d in raw.items():
        if not isinstance(d, dict) or not set(d) <= set(DECLARATION_KEYS):
            raise _bad(
                "invalid-declarations",
                f"声明只能包含：{'、'.join(DECLARATION_KEYS)}",
                f"a declaration holds only {', '.join(DECLARATION_KEYS)}",
                field="declarations",
            )
        out[bidder] = d
    return out


def _no_floats(value: Any) -> Any:
    """Numbers with decimals as their exact text (events hold no floats): 0.5 → "0.5"."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {k: _no_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_floats(v) for v in value]
    return value


def _k(benchmark: dict[str, Any], seed: str) -> dict[str, Any]:
    """随机 K: drawn from the published choices with the draw's seed (recomputable)."""
    choices = benchmark.pop("k_choices", None)
    if choices is None:
        return benchmark
    if not isinstance(choices, list) or not choices:
        raise _bad("invalid-k", "K 值备选须为非空列表", "k_choices must be a non-empty list")
    pick = int(hashlib.sha256(f"ggzy-k/1\x1f{seed}".encode()).hexdigest(), 16) % len(choices)
    return {**benchmark, "k": choices[pick]}


def _case(
    scheme: dict[str, Any],
    bids: list[dict[str, Any]],
    declarations: dict[str, dict[str, Any]],
    qualified: dict[str, dict[str, Any]] | None,
    scores: dict[str, dict[str, dict[str, Any]]],
    abnormal: dict[str, dict[str, Any]],
    labels: dict[str, str],
) -> dict[str, Any]:
    """The case ggzy.evaluation.methods scores, from the evaluation's record."""
    case_bids = []
    for b in bids:
        bidder = str(b["bidder"])
        q = (qualified or {}).get(bidder, {"passed": True, "reason": ""})
        passed = q["passed"] and b.get("valid") is not False
        entry: dict[str, Any] = {
            "bidder": bidder,
            "price": int(b["price"]),
            "order": int(b["seq"]),
            "qualified": passed,
            **declarations.get(bidder, {}),
        }
        if not passed:
            entry["reason"] = q.get("reason") or "；".join(b.get("problems") or []) or "投标无效"
        if bidder in abnormal:
            entry["abnormal_explained"] = abnormal[bidder]["accepted"]
        if scheme.get("factors") and passed:
            entry["scores"] = {
                labels[e]: s[bidder] for e, s in sorted(scores.items()) if bidder in s
            }
        case_bids.append(entry)
    return {**scheme, "bids": case_bids}


def open_evaluation(
    uow: Any, account: Account, code: str, scheme: dict[str, Any], declarations: Any = None
) -> dict[str, Any]:
    """Open a project's evaluation with its scoring scheme (center staff)."""
    from ggzy.evaluation.methods import METHODS, evaluate_case
    from ggzy.procedures.engine import get_project

    _official(account)
    project = get_project(uow.conn, code)
    if project["stage"] != "opened":
        raise _bad("not-opened-bids", "开标完成后才能评标", "evaluate after the opening", 409)
    if state(uow.conn, code) is not None:
        raise _bad("already-opened", "已开始评标", "the evaluation is already open", 409)
    committee = _revealed_draw(uow.conn, code)
    if not isinstance(scheme, dict) or scheme.get("method") not in METHODS:
        raise _bad(
            "invalid-scheme",
            f"评标办法须为：{'、'.join(METHOD_ZH)}",
            f"method must be one of {', '.join(METHOD_ZH)}",
            field="scheme",
        )
    scheme = _no_floats(scheme)
    domain = "construction" if project["method"].startswith("construction.") else "gp"
    if not scheme["method"].startswith(domain):
        raise _bad(
            "wrong-method",
            "评标办法与项目的交易类型不符",
            "the method does not belong to the project's domain",
            field="scheme",
        )
    scheme = {
        **scheme,
        "date": project["rule_date"],
        "region": project["center"],
        "procedure": project["method"],
        "max_price": project["data"].get("max_price"),
    }
    scheme = {k: v for k, v in scheme.items() if v is not None}
    params = dict(scheme.get("params") or {})
    k_choices = None
    if isinstance(params.get("benchmark"), dict):
        k_choices = params["benchmark"].get("k_choices")
        params["benchmark"] = _k(dict(params["benchmark"]), committee["seed"])
    scheme["params"] = params
    bids = _opened_bids(uow.conn, code)
    bidders = {str(b["bidder"]) for b in bids}
    declared = _declarations(_no_floats(declarations), bidders)
    labels = {e: f"专家{i}" for i, e in enumerate(committee["experts"], 1)}
    # a dry run with every factor at its maximum checks the scheme against the rule bands
    listed = scheme.get("factors")
    factors: list[Any] = listed if isinstance(listed, list) else []
    full: dict[str, Any] = {
        str(f["code"]): f.get("max") for f in factors if isinstance(f, dict) and "code" in f
    }
    trial = _case(
        scheme,
        bids,
        declared,
        None,
        {"trial": dict.fromkeys(bidders, full)},
        {},
        {"trial": "trial"},
    )
    evaluate_case(trial)
    payload = {
        "project": code,
        "draw": committee["draw"],
        "scheme": scheme,
        "method_zh": METHOD_ZH[scheme["method"]],
        "declarations": declared,
        "members": labels,
        "size": len(labels),
        "k_choices": k_choices,  # K drawn from these with the draw's seed (SHA-256 mod n)
    }
    uow.emit(NewEvent("EvaluationOpened", SUBJECT, code, payload))
    return {k: payload[k] for k in ("project", "draw", "scheme", "method_zh", "size")}


# ---------------------------------------------------------------------------------- check-in


def declaration_text(conn: Connection, code: str, account: Account) -> str:
    """The recusal declaration and commitment (回避声明及承诺书) an expert signs at check-in."""
    from ggzy.procedures.engine import get_project

    s = opened_state(conn, code)
    expert, label = _member(conn, s, account)
    row = conn.execute(select(experts).where(experts.c.id == expert)).one()
    project = get_project(conn, code)
    names = []
    for b in _opened_bids(conn, code):
        entity = find_entity(conn, str(b["bidder"]))
        names.append(f"  - {entity['name'] if entity else b['bidder']}（{b['bidder']}）")
    return "\n".join(
        [
            "评标专家回避声明及承诺书",
            "",
            f"项目：{project['title']}（{code}）",
            f"本人：{row.name}（{row.id_masked}），{label}",
            "投标人：",
            *names,
            "",
            "本人声明：与上列投标人不存在劳动关系，不是其董事、监事、控股股东或实际控制人，"
            "与其法定代表人没有夫妻、直系血亲、三代以内旁系血亲或近姻亲关系，"
            "与其没有其他可能影响公正评审的关系"
            "（政府采购法实施条例 第9条；招标投标法实施条例 第46条）。",
            "本人承诺：独立、客观、公正评审；不私下接触投标人；不透露评审情况；遵守评标纪律。",
        ]
    )


def _certificate_signature(
    uow: Any, content: bytes, signature_b64: str, expert: str, what_zh: str, what_en: str
) -> dict[str, Any]:
    """Verify a detached CMS signature by the expert's own personal certificate."""
    from ggzy.pki.signatures import verify_detached
    from ggzy.pki.trust import check_person_certificate, raise_for_status

    try:
        blob = base64.b64decode(signature_b64 or "", validate=True)
    except (binascii.Error, ValueError):
        blob = b""
    verified = verify_detached(content, blob) if blob else None
    if verified is None or not verified.ok or verified.signer_certificate_der is None:
        reason = verified.reason if verified else "not base64"
        raise _bad(
            "bad-signature",
            f"{what_zh}签名验证失败：{reason}",
            f"the {what_en} signature does not verify: {reason}",
            field="signature",
        )
    id_hash = uow.conn.execute(select(experts.c.id_hash).where(experts.c.id == expert)).scalar_one()
    status = check_person_certificate(
        uow.conn, verified.signer_certificate_der, uow.now, "sign", id_hash
    )
    raise_for_status(status)
    return verified.to_dict()


def check_in(uow: Any, account: Account, code: str, signature: str) -> dict[str, Any]:
    """签到: the expert signs the recusal declaration with its personal certificate."""
    s = opened_state(uow.conn, code)
    _not_concluded(s)
    expert, label = _member(uow.conn, s, account)
    if expert in s["checked_in"]:
        raise _bad("already-checked-in", "已签到", "already checked in", 409)
    today = uow.now.astimezone(SHANGHAI).date().isoformat()
    text = declaration_text(uow.conn, code, account)
    verified = _certificate_signature(
        uow, text.encode(), signature, expert, "回避声明", "declaration"
    )
    seat = uow.conn.execute(
        select(seat_bookings.c.venue, seat_bookings.c.seat).where(
            seat_bookings.c.draw == s["opened"]["draw"], seat_bookings.c.occupant == expert
        )
    ).first()
    payload = {
        "project": code,
        "expert": expert,
        "label": label,
        "day": today,
        "declaration_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "signature": verified,
        "venue": seat.venue if seat else None,
        "seat": seat.seat if seat else None,
    }
    uow.emit(NewEvent("ExpertCheckedIn", SUBJECT, code, payload))
    return {"label": label, "checked_in": True, "venue": payload["venue"], "seat": payload["seat"]}


# ------------------------------------------------------------------------------------- views


def bids_for(uow: Any, account: Account, code: str) -> list[dict[str, Any]]:
    """The opened bids, for a checked-in member only; the view is recorded (EvaluationViewed)."""
    from ggzy.core.money import to_capitals

    s = opened_state(uow.conn, code)
    expert, label = _checked_in_member(uow.conn, s, account)
    uow.emit(
        NewEvent(
            "EvaluationViewed",
            SUBJECT,
            code,
            {"project": code, "expert": expert, "label": label, "what": "bids"},
        )
    )
    out = []
    for b in _opened_bids(uow.conn, code):
        entity = find_entity(uow.conn, str(b["bidder"]))
        out.append(
            {
                **{k: v for k, v in b.items() if k not in ("zh", "en")},
                "bidder_name": entity["name"] if entity else b["bidder"],
                "price_capitals": to_capitals(int(b["price"])),
                "declaration": s["opened"]["declarations"].get(str(b["bidder"]), {}),
            }
        )
    return out


def vote_leader(uow: Any, account: Account, code: str, label: str) -> dict[str, Any]:
    """推选组长: a member votes for a member; more than half of the committee elects one."""
    s = opened_state(uow.conn, code)
    _not_concluded(s)
    expert, own = _checked_in_member(uow.conn, s, account)
    if s["leader"] is not None:
        raise _bad("leader-elected", "组长已推选产生", "the leader is already elected", 409)
    if label not in s["opened"]["members"].values():
        raise _bad("unknown-member", "只能推选本委员会成员", "vote for a member of the committee")
    payload = {"project": code, "expert": expert, "label": own, "vote": label}
    uow.emit(NewEvent("LeaderVoted", SUBJECT, code, payload))
    votes = {**s["votes"], expert: label}
    return {"label": own, "voted": label, "leader": leader_of(votes, len(s["opened"]["members"]))}


def bid_package(uow: Any, account: Account, code: str, bidder: str) -> tuple[str, str]:
    """A bid's decrypted package (投标文件) for a checked-in member: (sha256, file name); the
    download is recorded (EvaluationViewed)."""
    s = opened_state(uow.conn, code)
    expert, label = _checked_in_member(uow.conn, s, account)
    bid = next((b for b in _opened_bids(uow.conn, code) if b["bidder"] == bidder), None)
    if bid is None or not bid.get("package_sha256"):
        raise _bad(
            "unknown-bid", "没有该投标人的已开标投标文件", "no opened bid of that bidder", 404
        )
    uow.emit(
        NewEvent(
            "EvaluationViewed",
            SUBJECT,
            code,
            {"project": code, "expert": expert, "label": label, "what": f"package:{bidder}"},
        )
    )
    return str(bid["package_sha256"]), f"{code}-{bidder}-bid.zip"


# ----------------------------------------------------------------------------- qualification


def submit_qualification(uow: Any, account: Account, code: str, raw: Any) -> dict[str, Any]:
    """资格和符合性审查: one expert passes or fails every bid (a failure with its reason)."""
    s = opened_state(uow.conn, code)
    _not_concluded(s)
    expert, label = _checked_in_member(uow.conn, s, account)
    if s["qualified"] is not None:
        raise _bad("qualification-closed", "资格审查已形成结论", "qualification is concluded", 409)
    bidders = [str(b["bidder"]) for b in _opened_bids(uow.conn, code)]
    if not isinstance(raw, list):
        raw = None
    findings = {}
    for item in raw or []:
        if not isinstance(item, dict) or item.get("bidder") not in bidders:
            raise _bad(
                "unknown-bidder", "审查意见中的投标人未参与开标", "a finding names no opened bid"
            )
        passed = item.get("passed")
        reason = str(item.get("reason") or "").strip()[:500]
        if not isinstance(passed, bool) or (not passed and not reason):
            raise _bad(
                "invalid-finding",
                "每项审查须写明通过与否，不通过须写明理由",
                "each finding says passed or not, with the reason for a failure",
            )
        findings[item["bidder"]] = {"passed": passed, "reason": reason}
    if raw is None or set(findings) != set(bidders):
        raise _bad(
            "incomplete-findings",
            "须对每一份已开标的投标文件给出审查意见",
            "give a finding for every opened bid",
        )
    payload = {"project": code, "expert": expert, "label": label, "findings": findings}
    uow.emit(NewEvent("QualificationSubmitted", SUBJECT, code, payload))
    done = {**s["qualification"], expert: findings}
    concluded = None
    if set(done) == set(s["opened"]["members"]):
        concluded = _majority(done, bidders)
        uow.emit(
            NewEvent(
                "QualificationConcluded", SUBJECT, code, {"project": code, "results": concluded}
            )
        )
    return {"label": label, "submitted": True, "concluded": concluded}


def _majority(done: dict[str, dict[str, Any]], bidders: list[str]) -> dict[str, Any]:
    """A bid passes unless more than half of the members fail it (少数服从多数)."""
    results = {}
    for bidder in bidders:
        fails = [f[bidder]["reason"] for f in done.values() if not f[bidder]["passed"]]
        results[bidder] = {
            "passed": len(fails) * 2 <= len(done),
            "votes": f"{len(done) - len(fails)}/{len(done)}",
            "reason": "；".join(dict.fromkeys(fails)),
        }
    return results


# ----------------------------------------------------------------------------------- scoring


def _score_value(value: Any, maximum: Any) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite():
        number = Decimal(-1)  # NaN and infinities are no score
    if isinstance(value, bool) or not (0 <= number <= Decimal(str(maximum))):
        raise _bad(
            "invalid-score",
            f"分值须在 0 到 {maximum} 之间",
            f"a score must be between 0 and {maximum}",
        )
    if number != number.quantize(Decimal("0.01")):
        raise _bad("invalid-score", "分值最多两位小数", "a score has at most two decimals")
    return str(number)


def submit_scores(
    uow: Any, account: Account, code: str, raw: Any, reason: str = ""
) -> dict[str, Any]:
    """独立评分: one expert's scores of every qualified bid on every factor; a revision after
    the first submission gives its reason."""
    s = opened_state(uow.conn, code)
    _not_concluded(s)
    expert, label = _checked_in_member(uow.conn, s, account)
    if s["qualified"] is None:
        raise _bad(
            "qualification-open", "资格审查结论形成后才能评分", "score after qualification", 409
        )
    factors = {f["code"]: f["max"] for f in s["opened"]["scheme"].get("factors") or []}
    if not factors:
        raise _bad("no-scoring", "本项目的评标办法不评分", "this method has no scoring", 409)
    qualified = [b for b, r in s["qualified"].items() if r["passed"]]
    if not isinstance(raw, dict) or set(raw) != set(qualified):
        raise _bad(
            "incomplete-scores",
            "须对每一份通过审查的投标文件评分",
            "score every bid that passed qualification",
        )
    scores = {}
    for bidder, given in raw.items():
        if not isinstance(given, dict) or set(given) != set(factors):
            raise _bad(
                "incomplete-scores",
                f"须对每个评分因素评分：{'、'.join(factors)}",
                f"score every factor: {', '.join(factors)}",
            )
        scores[bidder] = {f: _score_value(v, factors[f]) for f, v in given.items()}
    revising = expert in s["scores"]
    if revising and not reason.strip():
        raise _bad("reason-required", "修改评分须说明理由", "a revision needs its reason")
    payload: dict[str, Any] = {"project": code, "expert": expert, "label": label, "scores": scores}
    if revising:
        payload["reason"] = reason.strip()[:500]
    uow.emit(NewEvent("ScoresSubmitted", SUBJECT, code, payload))
    waiting = sorted(
        s["opened"]["members"][e] for e in s["opened"]["members"] if e not in {*s["scores"], expert}
    )
    return {"label": label, "submitted": True, "waiting_for": waiting}


def _all_scored(s: dict[str, Any]) -> bool:
    if not s["opened"]["scheme"].get("factors"):
        return s["qualified"] is not None
    return set(s["scores"]) == set(s["opened"]["members"])


def result(conn: Connection, s: dict[str, Any]) -> dict[str, Any]:
    """The committee's totals by the method (only when every score is in)."""
    from ggzy.evaluation.methods import evaluate_case

    case = _case(
        s["opened"]["scheme"],
        _opened_bids(conn, s["opened"]["project"]),
        s["opened"]["declarations"],
        s["qualified"],
        s["scores"],
        s["abnormal"],
        s["opened"]["members"],
    )
    return evaluate_case(case)


def summary(conn: Connection, account: Account, code: str) -> dict[str, Any]:
    """The totals, flags and abnormal prices: for members once every score is in."""
    s = opened_state(conn, code)
    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        _checked_in_member(conn, s, account)
    if not _all_scored(s):
        raise _bad(
            "scoring-open",
            "全部专家评分完成后才能汇总",
            "the totals wait for every expert's scores",
            409,
        )
    out = result(conn, s)
    out["revisions"] = {s["opened"]["members"][e]: r for e, r in s["revisions"].items()}
    return out


def decide_abnormal(
    uow: Any, account: Account, code: str, bidder: str, accepted: bool, explanation: str
) -> dict[str, Any]:
    """异常低价: the committee's decision after the bidder's written explanation (87号令 60条)."""
    s = opened_state(uow.conn, code)
    _not_concluded(s)
    _, label = _checked_in_member(uow.conn, s, account)
    if not _all_scored(s):
        raise _bad("scoring-open", "评分完成后再审查异常低价", "decide after the scoring", 409)
    flagged = {a["bidder"] for a in result(uow.conn, s)["abnormal"]}
    if bidder not in flagged and bidder not in s["abnormal"]:
        raise _bad("not-abnormal", "该报价未被认定为异常低价", "this price is not flagged", 409)
    if not isinstance(accepted, bool) or not explanation.strip():
        raise _bad(
            "invalid-decision",
            "须写明投标人的书面说明及委员会结论",
            "give the bidder's explanation and the committee's conclusion",
        )
    payload = {
        "project": code,
        "bidder": bidder,
        "accepted": accepted,
        "explanation": explanation.strip()[:1000],
        "recorded_by": label,
    }
    uow.emit(NewEvent("AbnormalPriceDecided", SUBJECT, code, payload))
    return payload


# ------------------------------------------------------------------------- conclude and sign


def conclude(uow: Any, account: Account, code: str, summary_text: str = "") -> dict[str, Any]:
    """形成评标报告: the ranked candidates and the PDF every member then signs."""
    from ggzy.evaluation.report import render_report
    from ggzy.procedures.engine import get_project
    from ggzy.procedures.rules import resolve

    _official(account)
    s = opened_state(uow.conn, code)
    _not_concluded(s)
    if set(s["checked_in"]) != set(s["opened"]["members"]) or not _all_scored(s):
        raise _bad(
            "evaluation-incomplete",
            "全部专家签到、审查并评分后才能形成评标报告",
            "every member must check in, review and score first",
            409,
        )
    out = result(uow.conn, s)
    pending = [a["bidder"] for a in out["abnormal"] if a.get("decision") == "pending"]
    if pending:
        raise _bad(
            "abnormal-pending",
            "尚有异常低价未形成结论",
            "an abnormally low price awaits the committee's decision",
            409,
            bidders=pending,
        )
    project = get_project(uow.conn, code)
    on = date.fromisoformat(project["rule_date"])
    limit = resolve("max_candidates", project["method"], project["center"], on).value
    report = _report(uow.conn, s, project, out, limit, summary_text, uow.now)
    pdf = render_report(report)
    sha, size = uow.platform.documents.write([pdf])
    register_document(
        uow.conn, sha, size, f"{code}-evaluation-report.pdf", "application/pdf", uow.now
    )
    payload = {
        "project": code,
        "report": sha,
        "method": s["opened"]["scheme"]["method"],
        "method_zh": s["opened"]["method_zh"],
        "ranked": out["ranked"],
        "rejected": out["rejected"],
        "candidates": out["ranked"][:limit],
        "summary": summary_text.strip()[:2000],
    }
    uow.emit(NewEvent("EvaluationConcluded", SUBJECT, code, payload, documents=(sha,)))
    return {"report": sha, "candidates": payload["candidates"], "rejected": out["rejected"]}


def _names(conn: Connection, codes: list[str]) -> dict[str, str]:
    out = {}
    for c in codes:
        entity = find_entity(conn, c)
        out[c] = entity["name"] if entity else c
    return out


def _report(
    conn: Connection,
    s: dict[str, Any],
    project: dict[str, Any],
    out: dict[str, Any],
    limit: int,
    summary_text: str,
    now: Any,
) -> dict[str, Any]:
    """The dict render_report lays out."""
    from ggzy.evaluation.experts import specialities

    opened = s["opened"]
    bids = _opened_bids(conn, project["code"])
    names = _names(conn, [str(b["bidder"]) for b in bids])
    labels = opened["members"]
    members = []
    venue_names = {v.id: v.name for v in conn.execute(select(venues.c.id, venues.c.name))}
    for expert, label in labels.items():
        row = conn.execute(select(experts).where(experts.c.id == expert)).one()
        seat = s["checked_in"][expert]
        spec = json.loads(row.specialities)[0]
        members.append(
            {
                "label": label,
                "name": row.name,
                "title": row.title,
                "speciality": specialities().get(spec, (spec,))[0],
                "venue": venue_names.get(seat.get("venue") or "", ""),
                "leader": label == s["leader"],
            }
        )
    assigned = _venues_of(conn, opened["draw"])
    factor_names = {f["code"]: f["name"] for f in opened["scheme"].get("factors") or []}

    def named(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {**i, "bidder_name": names.get(i.get("bidder", ""), i.get("bidder"))} for i in items
        ]

    return {
        "project": project["code"],
        "title": project["title"],
        "tenderee": _names(conn, [project["tenderee"]])[project["tenderee"]],
        "agency": _names(conn, [project["agency"]])[project["agency"]] if project["agency"] else "",
        "method": opened["scheme"]["method"],
        "method_zh": opened["method_zh"],
        "category_zh": {"goods": "货物", "services": "服务", "engineering": "工程"}.get(
            opened["scheme"].get("category", ""), ""
        ),
        "day": s["opened_at"].astimezone(SHANGHAI).date().isoformat(),
        "concluded_at": now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "venues": assigned,
        "committee": members,
        "factors": opened["scheme"].get("factors") or [],
        "price_weight": (opened["scheme"].get("params") or {}).get("price_weight"),
        "benchmark": out.get("benchmark"),
        "qualification": [
            {
                "bidder_name": names[b],
                "passed": r["passed"],
                "votes": r["votes"],
                "reason": r["reason"],
            }
            for b, r in (s["qualified"] or {}).items()
        ],
        "ranked": named(out["ranked"]),
        "rejected": named(out["rejected"]),
        "abnormal": [
            {**a, "explanation": s["abnormal"].get(a["bidder"], {}).get("explanation", "")}
            for a in named(out["abnormal"])
        ],
        "flags": [
            {
                **f,
                "factor": factor_names.get(f["factor"], f["factor"]),
                "explanation": next(
                    (r for e, r in s["revisions"].items() if labels[e] == f["expert"]), ""
                ),
            }
            for f in named(out["flags"])
        ],
        "scores": [
            {
                "expert": labels[e],
                "bidder_name": names[b],
                "factor": factor_names.get(f, f),
                "score": v,
            }
            for e, by_bidder in sorted(s["scores"].items(), key=lambda kv: labels[kv[0]])
            for b, by_factor in by_bidder.items()
            for f, v in by_factor.items()
        ],
        "candidates": named(out["ranked"][:limit]),
        "warnings": out.get("warnings", []),
        "summary": summary_text.strip(),
    }


def _venues_of(conn: Connection, draw_id: str) -> list[dict[str, str]]:
    from ggzy.evaluation.draws import _draw_events

    assigned = _draw_events(conn, draw_id).get("VenuesAssigned")
    if not assigned:
        return []
    return [{"name": assigned["main"]["name"], "role": "主场"}] + [
        {"name": v["name"], "role": "副场"} for v in assigned["secondary"]
    ]


def report_pdf(uow: Any, account: Account, code: str) -> bytes:
    """The report's PDF, for members and officials; a member's download is recorded."""
    s = opened_state(uow.conn, code)
    if s["concluded"] is None:
        raise _bad("not-concluded", "评标报告尚未形成", "the report is not ready", 409)
    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        expert, label = _checked_in_member(uow.conn, s, account)
        uow.emit(
            NewEvent(
                "EvaluationViewed",
                SUBJECT,
                code,
                {"project": code, "expert": expert, "label": label, "what": "report"},
            )
        )
    return uow.platform.documents.read(s["concluded"]["report"])


def sign_report(uow: Any, account: Account, code: str, signature: str) -> dict[str, Any]:
    """A member signs the report's exact PDF bytes with its personal certificate."""
    s = opened_state(uow.conn, code)
    if s["concluded"] is None:
        raise _bad("not-concluded", "评标报告尚未形成", "the report is not ready", 409)
    expert, label = _checked_in_member(uow.conn, s, account)
    if expert in s["signed"]:
        raise _bad("already-signed", "您已签署评标报告", "you already signed the report", 409)
    pdf = uow.platform.documents.read(s["concluded"]["report"])
    verified = _certificate_signature(uow, pdf, signature, expert, "评标报告", "report")
    payload = {
        "project": code,
        "expert": expert,
        "label": label,
        "report": s["concluded"]["report"],
        "signature": verified,
    }
    uow.emit(NewEvent("EvaluationReportSigned", SUBJECT, code, payload))
    missing = sorted(
        label_ for e, label_ in s["opened"]["members"].items() if e not in {*s["signed"], expert}
    )
    return {"label": label, "signed": True, "missing": missing}


def committee_result(conn: Connection, code: str) -> dict[str, Any] | None:
    """The committee's signed result for the procedure's evaluate action (None: the
    workbench was not used for this project)."""
    s = state(conn, code)
    if s is None:
        return None
    if s["concluded"] is None or set(s["signed"]) != set(s["opened"]["members"]):
        raise _bad(
            "report-unsigned",
            "评标报告须经全体评标委员会成员签署",
            "every member of the committee must sign the report first",
            409,
        )
    return s["concluded"]


def progress(conn: Connection, account: Account, code: str) -> dict[str, Any]:
    """Where the evaluation stands: for the committee's members and officials, by label."""
    s = opened_state(conn, code)
    own = None
    if not (
        account.has_role("center_staff")
        or account.has_role("platform_admin")
        or account.has_role("regulator")
    ):
        own = _member(conn, s, account)
    labels = s["opened"]["members"]
    return {
        "project": code,
        "method_zh": s["opened"]["method_zh"],
        "scheme": s["opened"]["scheme"],
        "me": own[1] if own else None,
        "members": [
            {
                "label": label,
                "checked_in": e in s["checked_in"],
                "qualification": e in s["qualification"],
                "scored": e in s["scores"],
                "signed": e in s["signed"],
            }
            for e, label in labels.items()
        ],
        "qualified": s["qualified"],
        "all_scored": _all_scored(s),
        "leader": s["leader"],
        "concluded": s["concluded"] is not None,
        "report": s["concluded"]["report"] if s["concluded"] else None,
        "views": s["views"],
    }


# ------------------------------------------------------------------- the workbench page


def member_view(conn: Connection, code: str, account: Account) -> dict[str, Any]:
    """The signed-in member's own part (label, seat, findings, scores, signature), or 403."""
    s = opened_state(conn, code)
    expert, label = _member(conn, s, account)
    checked = s["checked_in"].get(expert)
    venue = None
    if checked and checked.get("venue"):
        venue = conn.execute(
            select(venues.c.name, venues.c.address).where(venues.c.id == checked["venue"])
        ).first()
    return {
        "label": label,
        "checked_in": checked is not None,
        "venue_name": venue.name if venue else None,
        "venue_address": venue.address if venue else None,
        "seat": checked.get("seat") if checked else None,
        "findings": s["qualification"].get(expert),
        "scores": s["scores"].get(expert),
        "revision": s["revisions"].get(expert),
        "signed": expert in s["signed"],
    }


def bidder_names(conn: Connection, code: str) -> dict[str, str]:
    """The opened bids' bidders in opening order, credit code → name (public since 唱标)."""
    return _names(conn, [str(b["bidder"]) for b in _opened_bids(conn, code)])
