"""Land and mining-rights transfer in the demo network (演示：土地与矿业权出让).

:func:`schedule_transfers` plans, on the demo seeder's clock, one land listing (挂牌) in Wuhan
that turns into a live online auction (网上竞价) at the close and ends in a deal, and one mining
listing in Huangshi that ends in a deal at its highest quote; both results are then published.
Every act goes through the procedure engine with the demo accounts (the transferor is a demo
tenderee, the host the center's staff, the bidders demo bidders) and the timed acts the platform
performs itself (挂牌开始, 挂牌截止, 竞价结束) are performed as the platform, when due. Periods
come from the rule table and the seeder's working calendar, so they respect the rules the engine
enforces anyway. Parcels, rights and prices are fictional (虚构).

Call it after ``seeder.schedule_projects(start_day, present)`` and before ``seeder.run()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ggzy.core.calendar import SHANGHAI, format_shanghai, shanghai_date
from ggzy.core.documents import register_document
from ggzy.core.money import format_yuan, parse_yuan
from ggzy.procedures import rules
from ggzy.procedures.engine import get_project, perform
from ggzy.procedures.scheduler import SYSTEM
from ggzy.registry.handlers import Account

if TYPE_CHECKING:
    from ggzy.demo import _Seeder


@dataclass
class _Transfer:
    """One demo transfer: who runs it, what is transferred, its prices and its acts."""

    key: str
    method: str
    center: str
    short: str  # the center's short name, for the log
    host: str  # the center's staff username (主持人)
    transferor: str  # a demo tenderee username (出让人)
    title: str
    fields: dict[str, Any]
    start_price: str
    increment: str
    deposit: str
    reserve: str  # 底价, confidential until the result
    bidders: tuple[str, ...]
    quotes: tuple[tuple[str, str], ...]  # the listing quotes, in order
    continuing: tuple[str, ...] = ()  # bidders asking to continue at the close
    live_bids: tuple[tuple[str, str], ...] = ()  # the live auction's bids, in order
    code: str = ""  # set when the registration has been played


LAND = _Transfer(
    key="land",
    method="land.listing",
    center="420100",
    short="武汉",
    host="staff.wuhan",
    transferor="tenderee1",
    title="武汉长江新区起步区（2026）J07号地块国有建设用地使用权（演示）",
    fields={
        "parcel_no": "长江新区（2026）J07号",
        "location": "长江新区谌家矶大道以东、江北快速路以北",
        "area": "45216.83",
        "land_use": "二类居住用地（R2）兼容商业",
        "term_years": 70,
        "plot_ratio": "≤2.5",
        "description": "受武汉市自然资源和规划局委托挂牌出让；竞得人须按出让合同约定配建幼儿园一所"
        "（本项目为 OpenGGZY 演示数据，宗地与单位均为虚构）。",
    },
    start_price="48000000.00",
    increment="500000.00",
    deposit="9600000.00",
    reserve="50880000.00",
    bidders=("bidder1", "bidder2", "bidder3"),
    quotes=(
        ("bidder1", "48000000.00"),
        ("bidder2", "48500000.00"),
        ("bidder3", "49500000.00"),
        ("bidder1", "50000000.00"),
    ),
    continuing=("bidder2", "bidder3"),
    live_bids=(
        ("bidder2", "50500000.00"),
        ("bidder3", "51000000.00"),
        ("bidder1", "51500000.00"),
        ("bidder2", "52000000.00"),
    ),
)
MINING = _Transfer(
    key="mining",
    method="mining.listing",
    center="420200",
    short="黄石",
    host="staff.huangshi",
    transferor="tenderee2",
    title="大冶市金山店铁矿东段采矿权（演示）",
    fields={
        "right_type": "采矿权",
        "mineral": "铁矿",
        "location": "黄石市大冶市金山店镇",
        "area": "1.8342",
        "term_years": 10,
        "description": "受湖北省自然资源厅委托挂牌出让；竞得人须具备矿山开采及安全生产条件"
        "（本项目为 OpenGGZY 演示数据，矿区与单位均为虚构）。",
    },
    start_price="12000000.00",
    increment="200000.00",
    deposit="2400000.00",
    reserve="12350000.00",
    bidders=("bidder4", "bidder3"),
    quotes=(("bidder4", "12000000.00"), ("bidder3", "12200000.00"), ("bidder4", "12600000.00")),
)


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


class _Player:
    """Plans the acts of the demo transfers on the seeder and performs them when played."""

    def __init__(self, seeder: _Seeder) -> None:
        self.s = seeder
        self.last: datetime | None = None

    def at(self, when: datetime, fn: Callable[[], None]) -> None:
        self.last = max(self.last or when, when)
        self.s.at(when, fn)

    def period_end(self, t: _Transfer, key: str, start: date) -> date:
        """The last day of a rule's period from start, for the transfer's method and center."""
        rule = rules.resolve(key, t.method, t.center, start)
        return self.s.cal.period_end(start, rule.value, rule.working)

    def act(
        self, t: _Transfer, who: str | Account, action: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        account = who if isinstance(who, Account) else self.s.accounts[who]
        with self.s.platform.command(account.actor, center=t.center) as uow:
            return perform(uow, account, t.code or None, action, data, method=t.method)

    def say(self, t: _Transfer, zh: str, en: str, extra: str = "") -> None:
        tail = f" {extra}" if extra else ""
        self.s.say(f"[cyan]{t.short}[/cyan] [bold]{t.code}[/bold] {zh} / {en}{tail}")

    def document(self, t: _Transfer, name: str, text: str) -> str:
        """Store a demo document (出让文件, 成交确认书) and return its SHA-256."""
        body = text.encode("utf-8")
        sha, size = self.s.platform.documents.write([body])
        with self.s.platform.engine.begin() as conn:
            register_document(
                conn, sha, size, name, "text/plain; charset=utf-8", self.s.clock.now()
            )
        return sha

    # ------------------------------------------------------------ planning

    def plan(self, t: _Transfer, announce: date) -> None:
        """Every act of a listing from its registration to its result notice."""
        start_day = self.period_end(t, "announcement_min_days", announce)
        end_day = self.period_end(t, "listing_min_days", start_day)
        listing_start, listing_end = _at(start_day, "09:00"), _at(end_day, "15:00")
        apply_day = self.s.wd_after(announce, 1)
        deposit_day = self.s.wd_after(apply_day, 1)
        self.at(_at(announce, "09:40"), lambda: self.register(t))
        self.at(_at(announce, "09:50"), lambda: self.set_reserve(t))
        self.at(_at(announce, "10:30"), lambda: self.announce(t, listing_start, listing_end))
        for i, bidder in enumerate(t.bidders):
            self.at(_at(apply_day, "10:00") + timedelta(minutes=25 * i), self._apply(t, bidder))
            self.at(_at(deposit_day, "14:00") + timedelta(minutes=10 * i), self._confirm(t, bidder))
        self.at(
            listing_start, lambda: self.platform(t, "start_listing", "挂牌开始", "listing started")
        )
        quote_days = [start_day]
        while len(quote_days) < len(t.quotes):
            quote_days.append(self.s.wd_after(quote_days[-1], 1))
        if quote_days[-1] >= end_day:
            raise RuntimeError("the demo listing is too short for its quotes; this is a bug")
        for i, ((bidder, price), day) in enumerate(zip(t.quotes, quote_days, strict=True)):
            self.at(_at(day, "10:15") + timedelta(minutes=7 * i), self._quote(t, bidder, price))
        for i, bidder in enumerate(t.continuing):
            self.at(listing_end + timedelta(minutes=3 + i), self._continue(t, bidder))
        window = rules.resolve("continue_window_minutes", t.method, t.center, announce)
        close = listing_end + timedelta(minutes=window.value)
        self.at(close, lambda: self.platform(t, "close_listing", "挂牌截止", "listing closed"))
        last = close
        if t.live_bids:
            countdown = rules.resolve("auction_countdown_minutes", t.method, t.center, announce)
            step = timedelta(minutes=max(countdown.value - 2, 1))  # every bid within its countdown
            for i, (bidder, price) in enumerate(t.live_bids, start=1):
                last = close + step * i
                self.at(last, self._bid(t, bidder, price))
            last += timedelta(minutes=countdown.value)
            self.at(last, lambda: self.platform(t, "close_auction", "竞价结束", "auction closed"))
        self.at(_at(self.s.wd_after(shanghai_date(last), 1), "10:00"), lambda: self.publish(t))

    def _apply(self, t: _Transfer, bidder: str) -> Callable[[], None]:
        return lambda: self.apply(t, bidder)

    def _confirm(self, t: _Transfer, bidder: str) -> Callable[[], None]:
        return lambda: self.confirm(t, bidder)

    def _quote(self, t: _Transfer, bidder: str, price: str) -> Callable[[], None]:
        return lambda: self.quote(t, bidder, price, "quote")

    def _continue(self, t: _Transfer, bidder: str) -> Callable[[], None]:
        return lambda: self.declare_continue(t, bidder)

    def _bid(self, t: _Transfer, bidder: str, price: str) -> Callable[[], None]:
        return lambda: self.quote(t, bidder, price, "auction_bid")

    # ------------------------------------------------------------ acts

    def register(self, t: _Transfer) -> None:
        data = {"center": t.center, "title": t.title, "start_price": t.start_price, **t.fields}
        t.code = self.act(t, t.transferor, "register_project", data)["code"]
        self.say(t, "登记出让项目", "transfer registered", t.title)

    def set_reserve(self, t: _Transfer) -> None:
        self.act(t, t.transferor, "set_reserve", {"reserve_price": t.reserve})
        self.say(t, "出让人设定底价（保密）", "reserve price set (confidential)")

    def announce(self, t: _Transfer, start: datetime, end: datetime) -> None:
        text = (
            f"{t.title}挂牌出让公告\n起始价人民币{format_yuan(parse_yuan(t.start_price))}元，"
            f"增价幅度{format_yuan(parse_yuan(t.increment))}元，"
            f"竞买保证金{format_yuan(parse_yuan(t.deposit))}元。\n"
            f"挂牌时间：{format_shanghai(start)[:16]} 至 {format_shanghai(end)[:16]}（北京时间），"
            "挂牌截止时有竞买人表示愿意继续竞价的，转入网上竞价。\n"
            "（本公告为 OpenGGZY 演示数据。）"
        )
        document = self.document(t, f"{t.code}-出让文件.txt", text)
        data = {
            "transfer_document": document,
            "listing_start": start.isoformat(),
            "listing_end": end.isoformat(),
            "increment": t.increment,
            "deposit": t.deposit,
            "announcement": text,
        }
        self.act(t, t.transferor, "publish_announcement", data)
        self.say(
            t,
            "发布挂牌出让公告",
            "listing announced",
            f"（挂牌 {format_shanghai(start)[:10]} 至 {format_shanghai(end)[:16]}）",
        )

    def apply(self, t: _Transfer, bidder: str) -> None:
        result = self.act(t, bidder, "apply", {})
        self.say(t, f"竞买人提交竞买申请，竞买号 {result['paddle']}", "application to bid")

    def declare_continue(self, t: _Transfer, bidder: str) -> None:
        self.act(t, bidder, "declare_continue", {})
        self.say(t, "竞买人表示愿意继续竞价", "a bidder asks to continue")

    def confirm(self, t: _Transfer, bidder: str) -> None:
        account = self.s.accounts[bidder]
        data = {"bidder": account.entity, "amount": t.deposit, "reference": f"DEMO{t.code[-8:]}"}
        self.act(t, t.host, "confirm_deposit", data)

    def platform(self, t: _Transfer, action: str, zh: str, en: str) -> None:
        result = self.act(t, SYSTEM, action, {})
        stage = {"auction": "，转入网上竞价", "deal": "，成交", "failed": "，流拍"}
        extra = ""
        if result.get("winner"):
            name = next(
                a.display_name for a in self.s.accounts.values() if a.entity == result["winner"]
            )
            extra = f"→ {name.split()[0]} ¥{format_yuan(result['price'])}"
        self.say(t, f"{zh}{stage.get(result['stage'] or '', '')}（平台自动执行）", en, extra)

    def quote(self, t: _Transfer, bidder: str, price: str, action: str) -> None:
        result = self.act(t, bidder, action, {"price": price})
        zh, en = ("竞价出价", "auction bid") if action == "auction_bid" else ("挂牌报价", "quote")
        shown = f"竞买号 {result['current_paddle']} ¥{format_yuan(result['current_price'])}"
        self.say(t, zh, en, shown)

    def publish(self, t: _Transfer) -> None:
        with self.s.platform.read() as conn:
            data = get_project(conn, t.code)["data"]
        text = f"{t.title}出让结果：成交价人民币{format_yuan(data['award_price'])}元。"
        confirmation = self.document(t, f"{t.code}-成交确认书.txt", text)
        self.act(t, t.transferor, "publish_result", {"text": text, "confirmation": confirmation})
        self.say(
            t,
            "[green]发布出让结果公告[/green]",
            "result published",
            f"¥{format_yuan(data['award_price'])}",
        )


def schedule_transfers(seeder: _Seeder) -> None:
    """Plan the demo land listing (with a live auction) and mining listing on the seeder.

    The acts start on the second and third working day of the seeder's clock and are played by
    seeder.run(). Raises RuntimeError if they would reach past the seeder's present.
    """
    player = _Player(seeder)
    first = shanghai_date(seeder.clock.now())
    for spec, offset in ((LAND, 1), (MINING, 2)):
        t = replace(spec, code="")  # a fresh copy: the demo may be seeded more than once
        player.plan(t, seeder.wd_after(first, offset))
    if seeder.present is not None and player.last is not None and player.last > seeder.present:
        raise RuntimeError("the demo transfers reach past the present; this is a bug")
