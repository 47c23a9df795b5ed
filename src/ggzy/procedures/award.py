"""Candidate publicity (中标候选人公示) and the award notice (中标通知书)."""

from __future__ import annotations

from datetime import datetime

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError
from ggzy.core.events import event_type
from ggzy.core.money import to_capitals
from ggzy.procedures import rules
from ggzy.procedures.engine import Context, Outcome, effect

event_type("CandidatesPublicized", "中标候选人公示", "candidates publicised")
event_type("AwardNoticeIssued", "中标结果公告 / 中标通知书已发出", "award notice issued")


@effect("publicize_candidates")
def _publicize(ctx: Context) -> Outcome:
    """Publish the ranked candidates for the publicity period."""
    p = ctx.project
    assert p is not None
    end = datetime.fromisoformat(ctx.data["publicity_end"])
    return Outcome(
        payload={
            "candidates": p["data"]["candidates"],
            "publicity_start": ctx.now.isoformat(),
            "publicity_end": end.isoformat(),
        },
        set={"publicity_start": ctx.now.isoformat(), "publicity_end": end.isoformat()},
    )


@effect("award")
def _award(ctx: Context) -> Outcome:
    """Fix the winner after publicity; state-funded projects take the first candidate (art. 55)."""
    p = ctx.project
    assert p is not None
    candidates = p["data"]["candidates"]
    winner_code = ctx.data.get("winner") or candidates[0]["bidder"]
    chosen = next((c for c in candidates if c["bidder"] == winner_code), None)
    if chosen is None:
        raise DomainError(
            "not-a-candidate",
            "中标人须为公示的中标候选人",
            "the winner must be a publicised candidate",
            field="winner",
        )
    reason = ctx.data.get("reason", "")
    in_order = "award_in_rank_order" in rules.keys_for(ctx.procedure.code)
    if chosen["rank"] != 1 and in_order and not reason:
        rule = ctx.rule("award_in_rank_order")
        raise DomainError(
            "reason-required",
            f"须按评审排序确定成交（中标）供应商，未选排名第一的须写明理由（{rule.source}）",
            f"the winner follows the ranking; choosing another needs a reason ({rule.source})",
            field="reason",
        )
    if chosen["rank"] != 1 and p["data"].get("state_capital") and not reason:
        raise DomainError(
            "reason-required",
            "国有资金控股项目未选择排名第一的中标候选人，须写明理由"
            "（如放弃中标、不能履行合同）（实施条例 第55条）",
            "a state-funded project choosing other than the first candidate needs a reason "
            "(Regulation art. 55)",
            field="reason",
        )
    contract_rule = ctx.rule("contract_within_days")
    contract_due = ctx.calendar.period_end(
        ctx.now.astimezone(SHANGHAI).date(), contract_rule.value, contract_rule.working
    )
    payload = {
        "winner": chosen["bidder"],
        "winner_name": chosen["bidder_name"],
        "price": chosen["price"],
        "price_capitals": to_capitals(chosen["price"]),
        "rank": chosen["rank"],
        "reason": reason,
        "contract_due": contract_due.isoformat(),
        "notice_zh": (
            f"经评标委员会评审并公示，确定{chosen['bidder_name']}为中标人，中标价"
            f"人民币{to_capitals(chosen['price'])}。请于 {contract_due.isoformat()} 前签订合同。"
        ),
    }
    return Outcome(
        payload=payload,
        set={
            "awarded_at": ctx.now.isoformat(),
            "winner": chosen["bidder"],
            "award_price": chosen["price"],
            "contract_due": contract_due.isoformat(),
        },
    )
