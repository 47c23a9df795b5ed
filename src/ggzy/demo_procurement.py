"""Government procurement in the demo network (演示：政府采购).

:func:`schedule_procurement` plans, on the demo seeder's clock, three purchases in Wuhan:

- an open tender whose plan the finance department approves online (审批直通车) and which is
  open for bids at the present;
- an open tender that fails with no bid at its deadline (废标); the purchaser asks to change
  the method, the finance department approves, and a competitive negotiation follows it;
- a single-source purchase whose sole supplier is being publicised at the present.

Every act goes through the procedure engine as the demo accounts; dates come from the rule
table and the seeder's working calendar. Schools, budgets and suppliers are fictional (虚构).
Call it after ``seeder.schedule_projects(start_day, present)`` and before ``seeder.run()``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ggzy.core.calendar import SHANGHAI, format_shanghai, shanghai_date
from ggzy.core.documents import register_document
from ggzy.core.money import format_yuan, parse_yuan
from ggzy.procedures.engine import perform
from ggzy.procedures.scheduler import SYSTEM

if TYPE_CHECKING:
    from ggzy.demo import _Seeder

CENTER = "420100"
PURCHASER = "tenderee2"
REGULATOR = "regulator"
GP = "procurement.open_tendering"


def _at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), SHANGHAI)


class _Buyer:
    """Plays one purchase's acts on the seeder."""

    def __init__(self, seeder: _Seeder, title: str, budget: str) -> None:
        self.s = seeder
        self.title = title
        self.budget = budget
        self.code = ""

    def act(self, who: str, action: str, data: dict[str, Any], method: str = GP) -> Any:
        account = SYSTEM if who == "system" else self.s.accounts[who]
        with self.s.platform.command(account.actor, center=CENTER) as uow:
            return perform(uow, account, self.code or None, action, data, method=method)

    def say(self, zh: str, en: str) -> None:
        self.s.say(f"[cyan]武汉[/cyan] [bold]{self.code}[/bold] {zh} / {en}")

    def document(self, name: str, text: str) -> str:
        sha, size = self.s.platform.documents.write([text.encode("utf-8")])
        with self.s.platform.engine.begin() as conn:
            register_document(
                conn, sha, size, name, "text/plain; charset=utf-8", self.s.clock.now()
            )
        return sha

    def register(self, method: str = GP, **extra: Any) -> None:
        data = {"center": CENTER, "title": self.title, "estimated_price": self.budget, **extra}
        self.code = self.act(PURCHASER, "register_project", data, method)["code"]
        self.say("登记采购项目", "procurement registered")

    def plan_and_approve(self) -> None:
        plan = {
            "plan_number": f"WHCG-{self.code[-7:]}",
            "budget": self.budget,
            "funding": "财政性资金",
            "items": self.title,
            "plan_document": self.document(f"{self.code}-预算批复.txt", "部门预算批复（演示）"),
        }
        self.act(PURCHASER, "submit_plan", plan)
        self.act(REGULATOR, "approve_plan", {"opinion": "同意，按政府采购法规定的方式采购"})
        self.say("采购计划报送并经财政部门核准（审批直通车）", "plan approved online")

    def announce(self) -> None:
        """Documents for 5 working days, the deadline 21 days out (moved past holidays)."""
        now = self.s.clock.now()
        day = shanghai_date(now)
        sale_end = _at(self.s.cal.period_end(day, 5, True), "17:00")
        deadline = _at(deadline_day(self.s, day), "09:30")
        budget = format_yuan(parse_yuan(self.budget))
        text = f"{self.title}招标公告：采购预算 {budget} 元（演示数据）"
        document = "\n".join(
            [
                "招 标 文 件",
                f"项目名称：{self.title}",
                f"项目编号（统一交易标识码）：{self.code}",
                f"采购预算：人民币 {budget} 元",
                "采购方式：公开招标（政府采购法 第26条）",
                f"招标文件提供期限：{format_shanghai(now)[:16]} 至 "
                f"{format_shanghai(sale_end)[:16]}",
                f"投标截止及开标时间：{format_shanghai(deadline)[:16]}（北京时间，不见面开标）",
                "评标办法：经评审的最低投标价法；实质性响应的供应商不足三家的，废标。",
                "（本文件为 OpenGGZY 演示数据，采购人与项目均为虚构。）",
            ]
        )
        fields = {
            "tender_document": self.document(f"{self.code}-招标文件.txt", document),
            "doc_sale_start": now.isoformat(),
            "doc_sale_end": sale_end.isoformat(),
            "bid_deadline": deadline.isoformat(),
            "announcement": text,
        }
        self.act(PURCHASER, "publish_announcement", fields)
        self.say("发布招标公告", "tender announced")


def deadline_day(seeder: _Seeder, announced: date) -> date:
    """The bid deadline's day: 21 days after the announcement, on a working day."""
    return seeder.cal.period_end(announced, 21, False)


def schedule_procurement(seeder: _Seeder) -> None:
    """Plan the three demo purchases on the seeder; they end before its present."""
    present = seeder.present
    if present is None:
        raise RuntimeError("schedule the tenders first: the seeder has no present")
    today = shanghai_date(present)
    first = seeder.wd_after(shanghai_date(seeder.clock.now()), 3)

    # (1) open for bids at the present
    open_buy = _Buyer(seeder, "武汉市第一中学智慧教室设备采购（演示）", "2860000.00")
    announce_day = seeder.wd_after(today, -2)
    seeder.at(_at(announce_day, "09:10"), open_buy.register)
    seeder.at(_at(announce_day, "09:20"), open_buy.plan_and_approve)
    seeder.at(_at(announce_day, "10:00"), open_buy.announce)

    def challenge() -> None:  # 质疑 within 7 working days of obtaining the documents
        open_buy.act("bidder3", "obtain_documents", {})
        raised = open_buy.act(
            "bidder3",
            "raise_objection",
            {
                "subject": "documents",
                "text": "技术参数第3.2条要求“86英寸触控一体机须为某品牌”，指向特定品牌，请予修改。",
            },
        )
        open_buy.say("供应商对采购文件提出质疑", "a supplier challenges the documents")
        open_buy.act(
            PURCHASER,
            "answer_objection",
            {
                "objection": raised["objection"],
                "answer": "经核实，已删除品牌表述，改为“性能不低于”的参数要求，详见更正公告。",
            },
        )
        open_buy.say("采购人答复质疑（7个工作日内）", "the purchaser answers the challenge")

    seeder.at(_at(announce_day, "15:00"), challenge)

    # (2) fails without bids, then a competitive negotiation follows with approval
    failed = _Buyer(seeder, "武汉市江岸区政务云运维服务采购（演示）", "1200000.00")
    deadline = _at(deadline_day(seeder, first), "09:30")
    seeder.at(_at(first, "09:10"), failed.register)
    seeder.at(_at(first, "09:20"), failed.plan_and_approve)
    seeder.at(_at(first, "10:00"), failed.announce)

    def fail() -> None:
        failed.act("system", "open_bids", {})
        failed.say("投标截止：无供应商投标，废标（平台自动执行）", "no bids: the tender failed")

    after = seeder.wd_after(shanghai_date(deadline), 1)

    def change() -> None:
        failed.act(
            PURCHASER,
            "request_method_change",
            {
                "method": "procurement.competitive_negotiation",
                "reason": "公开招标无供应商投标，拟采用竞争性谈判方式采购",
            },
        )
        failed.act(REGULATOR, "decide_method_change", {"approved": True, "opinion": "同意"})
        failed.say("财政部门批准变更为竞争性谈判", "change of method approved")
        follow = _Buyer(
            seeder, failed.title.replace("（演示）", "（竞争性谈判，演示）"), "1200000.00"
        )
        follow.register("procurement.competitive_negotiation", follows=failed.code)
        follow.say(f"重新组织采购（承接 {failed.code}）", "negotiation follows the failed tender")

    seeder.at(deadline + timedelta(minutes=1), fail)
    seeder.at(_at(after, "10:00"), change)

    # (3) a sole supplier publicised at the present
    single = _Buyer(seeder, "武汉市中心医院核磁共振设备原厂维保服务（单一来源，演示）", "980000.00")
    day = seeder.wd_after(today, -1)

    def publicise() -> None:
        end = _at(seeder.wd_after(day, 6), "17:00")
        single.act(
            PURCHASER,
            "publicize_single_source",
            {
                "supplier": seeder.accounts["bidder2"].entity,
                "reason": "原设备专有维保，只能从原供应商处采购（专业人员论证意见附后）",
                "publicity_end": end.isoformat(),
            },
        )
        single.say("单一来源采购公示（5个工作日以上）", "sole supplier publicised")

    seeder.at(_at(day, "09:10"), lambda: single.register("procurement.single_source"))
    seeder.at(_at(day, "09:20"), single.plan_and_approve)
    seeder.at(_at(day, "10:00"), publicise)
    latest = max(_at(today, "10:00"), _at(after, "10:00"))
    if latest > present + timedelta(days=1):
        raise RuntimeError("the demo purchases reach past the present; this is a bug")
