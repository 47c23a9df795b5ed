"""Evaluation effects: the committee's review and the ranked candidates (评标报告)."""

from __future__ import annotations

from typing import Any

from ggzy.bidding.handlers import bids_of
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError
from ggzy.core.events import canonical_json, event_type
from ggzy.core.money import parse_yuan, to_capitals
from ggzy.evaluation.scoring import Review, rank_lowest_price
from ggzy.procedures.engine import Context, Outcome, effect
from ggzy.registry.handlers import find_entity

event_type("EvaluationCompleted", "评标完成", "evaluation completed")


def _reviews(raw: Any, bidders: set[str]) -> dict[str, Review]:
    """Parse the committee's findings: [{bidder, qualified, reason, adjustment}]."""
    bad = DomainError(
        "invalid-reviews",
        "评审意见须为列表：[{bidder, qualified, reason, adjustment}]",
        "reviews must be a list of {bidder, qualified, reason, adjustment}",
        field="reviews",
    )
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise bad
    out: dict[str, Review] = {}
    for item in raw:
        if not isinstance(item, dict) or item.get("bidder") not in bidders:
            raise DomainError(
                "unknown-bidder",
                "评审意见中的投标人未参与开标",
                "a review names a bidder whose bid was not opened",
                field="reviews",
            )
        qualified = item.get("qualified", True)
        reason = str(item.get("reason") or "").strip()
        if not isinstance(qualified, bool):
            raise bad
        if not qualified and not reason:
            raise DomainError(
                "reason-required",
                "否决投标须写明理由",
                "a rejected bid needs a reason",
                field="reviews",
            )
        adjustment = item.get("adjustment", "0")
        if isinstance(adjustment, float):
            raise bad
        sign = -1 if str(adjustment).strip().startswith("-") else 1
        out[item["bidder"]] = Review(
            qualified, reason, sign * parse_yuan(str(adjustment).strip().lstrip("-"))
        )
    return out


@effect("evaluate_lowest_price", outcomes=("ranked", "too_few"))
def _evaluate(ctx: Context) -> Outcome:
    """The committee's result: the workbench's signed report when the project used it
    (ggzy.evaluation.workbench), else the findings given here ranked by lowest evaluated
    price; at most N candidates (实施条例 art. 53)."""
    from ggzy.evaluation.workbench import committee_result

    p = ctx.project
    assert p is not None
    limit = ctx.rule("max_candidates").value

    def name(code: str) -> str:
        entity = find_entity(ctx.conn, code)
        return entity["name"] if entity else code

    signed = committee_result(ctx.conn, p["code"])
    if signed is not None:
        ranked = [
            {
                "rank": r["rank"],
                "bidder": r["bidder"],
                "price": r["price"],
                "evaluated_price": r["evaluated_price"],
                "total": r.get("total"),
            }
            for r in signed["ranked"]
        ]
        rejected = [{"bidder": r["bidder"], "reason": r["reason"]} for r in signed["rejected"]]
        method, sha = signed["method_zh"], signed["report"]
        documents: tuple[str, ...] = ()  # the report names the experts: not a public document
        summary = signed["summary"]
    else:
        opened = [
            b["opened"] | {"bid": b["seq"]} for b in bids_of(ctx.conn, p["code"], ("opened",))
        ]
        reviews = _reviews(ctx.data.get("reviews"), {str(b["bidder"]) for b in opened})
        for b in opened:  # a bid without a valid signature must be rejected (art. 51(1))
            if b.get("valid") is False:
                reasons = "；".join(b.get("problems") or []) or "投标文件无效 / invalid bid"
                reviews[str(b["bidder"])] = Review(False, reasons)
        ranked_bids, rejected_bids = rank_lowest_price(opened, reviews, p["data"].get("max_price"))
        ranked = [
            {
                "rank": r.rank,
                "bidder": r.bidder,
                "price": r.price,
                "evaluated_price": r.evaluated_price,
            }
            for r in ranked_bids
        ]
        rejected = [{"bidder": r.bidder, "reason": r.reason} for r in rejected_bids]
        method = "经评审的最低投标价法 / lowest evaluated price"
        summary = ctx.data.get("summary", "")
        report = {
            "project": p["code"],
            "title": p["title"],
            "method": method,
            "evaluated_at": ctx.now.isoformat(),
            "summary": summary,
            "candidates": [_candidate(r, name) for r in ranked[:limit]],
            "rejected": [r | {"bidder_name": name(r["bidder"])} for r in rejected],
            "all_ranked": [
                {k: r[k] for k in ("rank", "bidder", "evaluated_price")} for r in ranked
            ],
        }
        body = canonical_json(report).encode()
        sha, size = ctx.uow.platform.documents.write([body])
        register_document(
            ctx.conn, sha, size, f"{p['code']}-evaluation-report.json", "application/json", ctx.now
        )
        documents = (sha,)
    candidates = [_candidate(r, name) for r in ranked[:limit]]
    payload: dict[str, Any] = {
        "method": method,
        "candidates": candidates,
        "rejected": [r | {"bidder_name": name(r["bidder"])} for r in rejected],
        "summary": summary,
        "report": sha,
    }
    minimum = ctx.rule("min_responsive_bids")
    if len(ranked) < minimum.value:
        if not ranked:
            payload["zh"] = f"所有投标均被否决，依法重新招标（{minimum.source}）"
            payload["en"] = f"every bid was rejected: re-tender ({minimum.source})"
        else:
            payload["zh"] = f"通过评审的投标不足 {minimum.value} 家，废标（{minimum.source}）"
            payload["en"] = (
                f"fewer than {minimum.value} responsive bids: the tender fails ({minimum.source})"
            )
        payload["reason"] = "too-few-responsive"
        payload["minimum"] = minimum.value
        return Outcome(
            name="too_few",
            event="TenderFailed",
            payload=payload,
            documents=documents,
            set={"failed_at": ctx.now.isoformat(), "evaluation_report": sha},
        )
    return Outcome(
        name="ranked",
        payload=payload,
        documents=documents,
        set={
            "evaluated_at": ctx.now.isoformat(),
            "candidates": candidates,
            "evaluation_report": sha,
        },
    )


def _candidate(r: dict[str, Any], name: Any) -> dict[str, Any]:
    """A recommended candidate (中标候选人) as the notices show it."""
    out = {
        "rank": r["rank"],
        "bidder": r["bidder"],
        "bidder_name": name(r["bidder"]),
        "price": r["price"],
        "price_capitals": to_capitals(r["price"]),
        "evaluated_price": r["evaluated_price"],
    }
    if r.get("total") is not None:
        out["total"] = r["total"]
    return out
