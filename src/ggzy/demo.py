"""The demo network (演示网络): the nine Wuhan-circle trading centers on one node, a dozen
fictional market entities with accounts, and six construction tenders driven through open
tendering on a movable clock, so a newcomer sees every stage at once. The bidders play the
bid tool with their demo certificates: each bid is signed and sealed on the bidder's side, and
at the opening each bidder decrypts its own bid remotely (one lets the window pass, so its bid
counts as withdrawn).

    summary = seed_demo(create_platform())
    summary.stage_counts()  # {"awarded": 2, "bidding": 2, "failed": 1, "publicized": 1}

The movable clock starts about 60 days before the present, on a working day at 09:00 Beijing
time, and only moves forward: every act happens at a plausible office hour and respects the
legal periods, which the engine checks anyway. Seeding ends at the present, with two tenders
still open for bids, so a visitor can sign in as ``bidder2`` and bid right away.

Every demo account signs in with :data:`DEMO_PASSWORD`. All names, codes and projects are
fictional (虚构); the unified social credit codes are valid by construction.
"""

from __future__ import annotations

import base64
import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from rich.console import Console
from sqlalchemy import select

from ggzy.bidding.hall import sign_in_statement
from ggzy.bidding.tables import bids
from ggzy.bidding.tool import SealedBid, content_key_for, prepare_sealed_bid
from ggzy.bootstrap import Platform
from ggzy.core.calendar import (
    SHANGHAI,
    WorkingCalendar,
    end_of_day,
    format_shanghai,
    shanghai_date,
    statutory_holidays,
)
from ggzy.core.clock import MovableClock
from ggzy.core.codes import make_credit_code
from ggzy.core.documents import register_document
from ggzy.core.money import format_yuan, parse_yuan, to_capitals
from ggzy.demo_pki import DemoPki, revoke_demo_certificate, seed_pki
from ggzy.ledger import log
from ggzy.pki.signatures import sign_detached
from ggzy.pki.testca import Issued
from ggzy.procedures.calendar_days import declare_holidays
from ggzy.procedures.engine import get_procedure, get_project, list_projects, perform
from ggzy.registry import handlers as registry

DEMO_PASSWORD = "demo12345"
METHOD = "construction.open_tendering"
DEMO_MARKER_CENTER = "420100"  # the network counts as seeded once this center exists
DAYS_BACK = 60  # the movable clock starts this many days before the present
PROVISIONAL_HORIZON = timedelta(days=90)  # how far ahead the demo needs the working calendar
DECRYPT_GAP = timedelta(minutes=4)  # bidders decrypt one after another after the opening


# ---------------------------------------------------------------- the network, as data


@dataclass(frozen=True)
class DemoCenter:
    """A trading center of the demo node and the username of its staff account."""

    code: str
    name: str
    short_name: str
    staff: str
    staff_name: str


CENTERS: tuple[DemoCenter, ...] = (
    DemoCenter("420100", "武汉市公共资源交易中心", "武汉", "staff.wuhan", "刘晓红"),
    DemoCenter("420200", "黄石市公共资源交易中心", "黄石", "staff.huangshi", "陈志刚"),
    DemoCenter("420700", "鄂州市公共资源交易中心", "鄂州", "staff.ezhou", "杨丽娟"),
    DemoCenter("420900", "孝感市公共资源交易中心", "孝感", "staff.xiaogan", "黄文斌"),
    DemoCenter("421100", "黄冈市公共资源交易中心", "黄冈", "staff.huanggang", "吴海燕"),
    DemoCenter("421200", "咸宁市公共资源交易中心", "咸宁", "staff.xianning", "徐国庆"),
    DemoCenter("429004", "仙桃市公共资源交易中心", "仙桃", "staff.xiantao", "胡春梅"),
    DemoCenter("429006", "天门市公共资源交易中心", "天门", "staff.tianmen", "郭振华"),
    DemoCenter("429005", "潜江市公共资源交易中心", "潜江", "staff.qianjiang", "何雪莲"),
)
CENTER_NAMES = {c.code: c for c in CENTERS}

BUILDING = ("建筑工程施工总承包", "一级")
MUNICIPAL = ("市政公用工程施工总承包", "一级")
WATER = ("水利水电工程施工总承包", "二级")


@dataclass(frozen=True)
class DemoEntity:
    """A fictional market entity; its account has the same username as its key."""

    key: str  # also the username of its administrator account
    name: str
    kind: str  # bidder | tenderee | agency
    region: str  # GB/T 2260 code of its registration authority
    org_body: str  # positions 9-16 of its credit code (GB 11714 body)
    legal_representative: str
    contact: tuple[str, str, str]  # name, phone, e-mail
    qualifications: tuple[tuple[str, str], ...] = ()

    @property
    def credit_code(self) -> str:
        """A valid unified social credit code issued in the entity's city (企业, 市场监管)."""
        return make_credit_code("9", "1", self.region, self.org_body)


ENTITIES: tuple[DemoEntity, ...] = (
    # 招标人 (tenderees)
    DemoEntity(
        "tenderee1",
        "武汉长江城建投资有限公司",
        "tenderee",
        "420100",
        "MA4K2C7D",
        "周建国",
        ("李明轩", "027-85661203", "liminxuan@cjcj.example.cn"),
    ),
    DemoEntity(
        "tenderee2",
        "黄石市临港产业发展集团有限公司",
        "tenderee",
        "420200",
        "MA49WQ3L",
        "方德明",
        ("柯晓燕", "0714-6358812", "kexiaoyan@hslg.example.cn"),
    ),
    DemoEntity(
        "tenderee3",
        "黄冈市水务建设投资有限公司",
        "tenderee",
        "421100",
        "MA4A8F2N",
        "汪立新",
        ("童海峰", "0713-8662047", "tonghaifeng@hgsw.example.cn"),
    ),
    DemoEntity(
        "tenderee4",
        "孝感市城市建设投资开发有限公司",
        "tenderee",
        "420900",
        "MA4B1R6T",
        "涂卫东",
        ("肖静", "0712-2853361", "xiaojing@xgct.example.cn"),
    ),
    # 招标代理机构 (agencies)
    DemoEntity(
        "agency1",
        "湖北荆楚工程咨询有限公司",
        "agency",
        "420100",
        "MA4C5H9P",
        "邓宏伟",
        ("宋佳琪", "027-87335016", "songjiaqi@jczx.example.cn"),
        (("工程招标代理机构（登记）", "—"), ("工程咨询单位资信", "甲级")),
    ),
    DemoEntity(
        "agency2",
        "咸宁鄂南建设项目管理有限公司",
        "agency",
        "421200",
        "MA4D7K1Q",
        "余振华",
        ("骆婷", "0715-8126620", "luoting@enxm.example.cn"),
        (("工程招标代理机构（登记）", "—"), ("工程监理综合资质", "甲级")),
    ),
    # 投标人 (bidders)
    DemoEntity(
        "bidder1",
        "湖北楚天建设工程有限公司",
        "bidder",
        "420100",
        "MA4E3M8R",
        "张志强",
        ("王建华", "027-59302218", "wangjianhua@chutian.example.cn"),
        (BUILDING, MUNICIPAL),
    ),
    DemoEntity(
        "bidder2",
        "鄂州凤凰建设集团有限公司",
        "bidder",
        "420700",
        "MA4F6N2U",
        "熊大勇",
        ("程丽", "0711-3207745", "chengli@fhjs.example.cn"),
        (BUILDING, ("市政公用工程施工总承包", "二级")),
    ),
    DemoEntity(
        "bidder3",
        "黄冈大别山建工集团有限公司",
        "bidder",
        "421100",
        "MA4G9P4W",
        "夏国平",
        ("詹小兵", "0713-8391576", "zhanxiaobing@dbsjg.example.cn"),
        (BUILDING, MUNICIPAL, WATER),
    ),
    DemoEntity(
        "bidder4",
        "黄石磁湖建筑工程有限公司",
        "bidder",
        "420200",
        "MA4H2Q6X",
        "石磊",
        ("费红英", "0714-6250398", "feihongying@chjz.example.cn"),
        (("建筑工程施工总承包", "二级"), ("市政公用工程施工总承包", "二级")),
    ),
    DemoEntity(
        "bidder5",
        "仙桃沔阳路桥工程有限公司",
        "bidder",
        "429004",
        "MA4J5R1Y",
        "郑伟",
        ("彭芳", "0728-3326719", "pengfang@myluqiao.example.cn"),
        (MUNICIPAL, ("公路工程施工总承包", "二级")),
    ),
    DemoEntity(
        "bidder6",
        "天门竟陵建设工程有限公司",
        "bidder",
        "429006",
        "MA4K8T3A",
        "鲁光明",
        ("汤敏", "0728-5216054", "tangmin@jljs.example.cn"),
        (BUILDING, ("市政公用工程施工总承包", "二级")),
    ),
    DemoEntity(
        "bidder7",
        "潜江江汉市政工程有限公司",
        "bidder",
        "429005",
        "MA4L1U7B",
        "谢长江",
        ("曹晓军", "0728-6238150", "caoxiaojun@jhsz.example.cn"),
        (MUNICIPAL, WATER),
    ),
    DemoEntity(
        "bidder8",
        "咸宁温泉水利水电工程有限公司",
        "bidder",
        "421200",
        "MA4M4W9C",
        "邹建民",
        ("严丹", "0715-8267431", "yandan@wqsl.example.cn"),
        (WATER, ("市政公用工程施工总承包", "二级")),
    ),
)
ENTITY_BY_KEY = {e.key: e for e in ENTITIES}
ACCOUNT_KIND_ZH = {"bidder": "投标人", "tenderee": "招标人", "agency": "招标代理机构"}


# ---------------------------------------------------------------- the summary


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in: username, who it is, its role in Chinese, and its entity or center."""

    username: str
    display_name: str
    role: str
    affiliation: str


@dataclass(frozen=True)
class DemoProject:
    """A demo project's code, title, center and current stage."""

    code: str
    title: str
    center: str
    center_name: str
    stage: str
    stage_zh: str
    bid_deadline: str | None
    winner: str | None
    runner: str  # the tenderee or agency running it
    method: str = ""  # the trading method's code, e.g. construction.open_tendering
    committee: bool = False  # evaluated on the workbench by a drawn committee


@dataclass
class DemoSummary:
    """What the demo network holds: counts, projects by stage, accounts and their password."""

    created: bool  # False when the network was already seeded and nothing changed
    password: str
    centers: int
    entities: int
    events: int
    accounts: list[DemoAccount] = field(default_factory=list)
    projects: list[DemoProject] = field(default_factory=list)

    def stage_counts(self) -> dict[str, int]:
        """Projects per stage, e.g. {"awarded": 2, "bidding": 2, "failed": 1, ...}."""
        counts: dict[str, int] = {}
        for p in self.projects:
            counts[p.stage] = counts.get(p.stage, 0) + 1
        return dict(sorted(counts.items()))


def summarize(platform: Platform, *, created: bool = False) -> DemoSummary:
    """Read the demo network's current state (accounts, projects, counts) from the database."""
    from ggzy.evaluation import workbench

    with platform.read() as conn:
        centers = {c["code"]: c for c in registry.list_centers(conn)}
        entities = {e["credit_code"]: e for e in registry.list_entities(conn)}
        accounts: list[DemoAccount] = []
        for username in _demo_usernames():
            account = registry.get_account(conn, username)
            if account is None:
                continue
            accounts.append(_describe_account(account, centers, entities))
        projects: list[DemoProject] = []
        for p in sorted(list_projects(conn, limit=1000), key=lambda p: p["code"]):
            stage = get_procedure(p["method"]).stage(p["stage"])
            runner = entities.get(p["agency"] or p["tenderee"], {}).get("name", p["tenderee"])
            winner = p["data"].get("winner")
            projects.append(
                DemoProject(
                    code=p["code"],
                    title=p["title"],
                    center=p["center"],
                    center_name=centers.get(p["center"], {}).get("name", p["center"]),
                    stage=p["stage"],
                    stage_zh=stage.zh,
                    bid_deadline=p["data"].get("bid_deadline"),
                    winner=entities[winner]["name"] if winner in entities else winner,
                    runner=runner,
                    method=p["method"],
                    committee=workbench.state(conn, p["code"]) is not None,
                )
            )
        events = log.current_size(conn)
    return DemoSummary(
        created=created,
        password=DEMO_PASSWORD,
        centers=len(centers),
        entities=len(entities),
        events=events,
        accounts=accounts,
        projects=projects,
    )


def _demo_usernames() -> list[str]:
    experts = ["expert01", "expert08"]  # two of the 30 experts of the pool
    return ["admin", "regulator", *(c.staff for c in CENTERS), *(e.key for e in ENTITIES), *experts]


def _describe_account(
    account: registry.Account, centers: dict[str, Any], entities: dict[str, Any]
) -> DemoAccount:
    if account.entity and account.entity in entities:
        entity = entities[account.entity]
        kinds = "、".join(ACCOUNT_KIND_ZH.get(k, k) for k in entity["kinds"])
        return DemoAccount(account.username, account.display_name, kinds, entity["name"])
    role = "、".join(registry.ACCOUNT_ROLES[r][0] for r in account.roles)
    where = centers.get(account.center or "", {}).get("name", "全部交易中心")
    return DemoAccount(account.username, account.display_name, role, where)


# ---------------------------------------------------------------- seeding


def is_seeded(platform: Platform) -> bool:
    """True once the demo network exists (its marker center 420100 is registered)."""
    with platform.read() as conn:
        return any(c["code"] == DEMO_MARKER_CENTER for c in registry.list_centers(conn))


def seed_demo(
    platform: Platform, *, console: Console | None = None, quiet: bool = False
) -> DemoSummary:
    """Seed the demo network once; a second call changes nothing and returns the summary.

    The platform's clock is the present: seeding runs on a MovableClock from about 60 days
    before it up to it, then the platform's own clock is put back.
    """
    if is_seeded(platform):
        return summarize(platform, created=False)
    out = console or Console(highlight=False, soft_wrap=True)
    present_clock = platform.clock
    present = present_clock.now()
    provisional = _provisional_years(present)
    calendar = WorkingCalendar()
    for year in provisional:
        calendar.declare_year(year, statutory_holidays(year) or [date(year, 1, 1)], [])
    start_day = _next_working_day(calendar, shanghai_date(present) - timedelta(days=DAYS_BACK))
    clock = MovableClock(_at(start_day, "09:00"))
    platform.clock = clock
    try:
        seeder = _Seeder(platform, clock, calendar, out, quiet)
        seeder.seed_network(provisional)
        pki = seed_pki(
            platform, seeder.accounts, platform.settings.data_dir / "demo-keys", seeder.say
        )
        seeder.pki = pki
        from ggzy.demo_evaluation import seed_experts_and_venues

        seed_experts_and_venues(seeder)  # the shared expert pool and the venues with seats
        seeder.schedule_projects(start_day, present)
        from ggzy.demo_transfer import schedule_transfers

        schedule_transfers(seeder)  # a land listing (live auction, deal) and a mining listing
        from ggzy.demo_procurement import schedule_procurement

        schedule_procurement(seeder)  # open tender, failed tender + negotiation, single source
        seeder.run()
        clock.set(max(present_clock.now(), clock.now()))
        revoke_demo_certificate(platform, pki, seeder.accounts, seeder.say)
        _credit_and_media(platform, seeder)
    finally:
        platform.clock = present_clock
    return summarize(platform, created=True)


def _credit_and_media(platform: Platform, seeder: _Seeder) -> None:
    """A tendering ban on the bidder whose certificate was revoked (失信联合惩戒: its next bid is
    refused), and a file drop for the national platform that every notice is written to."""
    from ggzy.credit.records import add_record
    from ggzy.exchange.media import add_medium, deliver_round

    regulator = seeder.accounts["regulator"]
    today = shanghai_date(platform.clock.now())
    with platform.command(regulator.actor) as uow:
        add_record(
            uow,
            regulator,
            {
                "credit_code": ENTITY_BY_KEY["bidder8"].credit_code,
                "list": "tendering_ban",
                "authority": "湖北省住房和城乡建设厅",
                "decision": f"鄂建罚〔{today.year}〕8号",
                "reason": "以他人名义投标、弄虚作假骗取中标（招标投标法实施条例 第68条）",
                "starts": today.isoformat(),
                "ends": (today + timedelta(days=365)).isoformat(),
            },
        )
    seeder.say(f"信用：{ENTITY_BY_KEY['bidder8'].name} 被取消投标资格一年（失信联合惩戒）")
    folder = (platform.settings.data_dir / "exchange" / "national").resolve()
    with platform.engine.begin() as conn:
        add_medium(
            conn, "file", "全国公共资源交易平台（数据交换目录）", str(folder), platform.clock.now()
        )
    sent = deliver_round(platform)
    seeder.say(f"信息发布：{sent['delivered']} 条公告已写入 {folder}")


def _provisional_years(present: datetime) -> list[int]:
    """Years the demo touches whose statutory holidays are not published in the calendar
    package: from the clock's start to the end of the open tenders' procedures (awards and
    contracts included, about 90 days ahead). The demo declares their statutory holidays
    (全国年节及纪念日放假办法) provisionally; the 调休 days only the State Council can publish."""
    today = shanghai_date(present)
    first = (today - timedelta(days=DAYS_BACK + 10)).year
    last = (today + PROVISIONAL_HORIZON).year
    known = WorkingCalendar().known_years()
    return [y for y in range(first, last + 1) if y not in known]


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def _next_working_day(calendar: WorkingCalendar, day: date) -> date:
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass
class _Tender:
    """One demo project: who runs it, what it is, and (once registered) its deal code."""

    key: str
    center: str
    title: str
    runner: str  # username acting for the tenderer side (tenderee or agency)
    tenderee: str | None  # entity key of the tenderee when an agency runs the project
    estimated: str
    max_price: str
    bond: str
    qualification: str
    description: str
    duration: int  # 计划工期, calendar days
    code: str = ""
    questions: list[int] = field(default_factory=list)
    undecrypted: str | None = None  # a bidder who does not decrypt at the opening (视为撤销)


@dataclass(order=True)
class _Step:
    when: datetime
    order: int
    run: Callable[[], None] = field(compare=False)


class _Seeder:
    """Registers the network and plays the projects' acts in time order on the clock."""

    def __init__(
        self,
        platform: Platform,
        clock: MovableClock,
        calendar: WorkingCalendar,
        console: Console,
        quiet: bool,
    ) -> None:
        self.platform = platform
        self.clock = clock
        self.cal = calendar
        self.console = console
        self.quiet = quiet
        self.accounts: dict[str, registry.Account] = {}
        self.steps: list[_Step] = []  # a heap: acts may plan further acts while running
        self._order = itertools.count()
        self.present: datetime | None = None
        self.pki: DemoPki | None = None
        self.sealed: dict[tuple[str, str], SealedBid] = {}  # (project, bidder) -> latest bid
        self.expert_certs: dict[str, Issued] = {}  # expert username -> personal certificate

    # ------------------------------------------------------------ output

    def say(self, text: str) -> None:
        if not self.quiet:
            stamp = format_shanghai(self.clock.now())[:16]
            self.console.print(f"[dim]{stamp}[/dim] {text}")

    def milestone(self, t: _Tender, zh: str, en: str, extra: str = "") -> None:
        short = CENTER_NAMES[t.center].short_name
        tail = f" {extra}" if extra else ""
        self.say(f"[cyan]{short}[/cyan] [bold]{t.code}[/bold] {zh} / {en}{tail}")

    # ------------------------------------------------------------ the network

    def seed_network(self, provisional_years: Sequence[int]) -> None:
        """Centers, holidays not yet published, entities and every demo account."""
        with self.platform.command("system") as uow:
            for c in CENTERS:
                registry.register_center(uow, c.code, c.name, c.short_name)
            for year in provisional_years:
                days = statutory_holidays(year)
                what = "法定节假日（不含调休）" if days else "仅元旦"
                declare_holidays(
                    uow,
                    year,
                    days or [date(year, 1, 1)],
                    [],
                    note=f"演示临时补充：{what}，待国务院公布后由交易中心更正 / demo provisional",
                )
                self.say(
                    f"[yellow]{year} 年放假安排尚未收录：演示临时补充{what}，"
                    f"待公布后由交易中心更正 / holidays of {year} not published: the demo "
                    "declares the statutory days provisionally (make-up days unknown)[/yellow]"
                )
            self._account(uow, "admin", "平台管理员", ["platform_admin"])
            self._account(uow, "regulator", "湖北省公共资源交易监督管理局 监督员", ["regulator"])
        self.say(f"已登记 {len(CENTERS)} 个交易中心 / {len(CENTERS)} trading centers registered")
        for c in CENTERS:
            with self.platform.command("account:admin", center=c.code) as uow:
                self._account(uow, c.staff, c.staff_name, ["center_staff"], center=c.code)
        for e in ENTITIES:
            with self.platform.command(f"account:{e.key}", center=e.region) as uow:
                registry.register_entity(
                    uow,
                    credit_code=e.credit_code,
                    name=e.name,
                    kinds=[e.kind],
                    legal_representative=e.legal_representative,
                    contacts=[{"name": e.contact[0], "phone": e.contact[1], "email": e.contact[2]}],
                    qualifications=[
                        {
                            "name": n,
                            "grade": g,
                            "number": f"D{e.region[:4]}{i:02d}{e.org_body[-4:]}",
                        }
                        for i, (n, g) in enumerate(e.qualifications, start=1)
                    ],
                    region=e.region,
                )
                self._account(
                    uow, e.key, f"{e.name} {e.contact[0]}", ["entity_admin"], entity=e.credit_code
                )
        self.say(
            f"已登记 {len(ENTITIES)} 个市场主体及其账号，演示密码 {DEMO_PASSWORD} / "
            f"{len(ENTITIES)} market entities and their accounts registered"
        )

    def _account(self, uow: Any, username: str, name: str, roles: list[str], **kw: Any) -> None:
        self.accounts[username] = registry.create_account(
            uow, username=username, display_name=name, password=DEMO_PASSWORD, roles=roles, **kw
        )

    # ------------------------------------------------------------ scheduling

    def at(self, when: datetime, fn: Callable[[], None]) -> None:
        heapq.heappush(self.steps, _Step(when, next(self._order), fn))

    def wd_after(self, day: date, n: int = 1) -> date:
        return self.cal.add_working_days(day, n)

    def schedule_projects(self, start: date, present: datetime) -> None:
        """Plan every act of the six projects against the calendar (nothing runs yet)."""
        self.present = present
        today = shanghai_date(present)
        recent = self.wd_after(today, -1)  # the last working day before today

        # (a) awarded, run by the tenderee itself, in Wuhan
        a1 = _Tender(
            "a1",
            "420100",
            "武汉长江新区滨江大道（二期）市政道路及排水工程施工",
            "tenderee1",
            None,
            "18600000.00",
            "18200000.00",
            "200000.00",
            "市政公用工程施工总承包一级",
            "道路全长约2.3公里，含道路、排水、照明及绿化工程，计划工期360日历天。",
            360,
        )
        self.full_tender(
            a1,
            announce=start,
            obtainers=["bidder1", "bidder2", "bidder3", "bidder5", "bidder7"],
            question=(
                "bidder3",
                "招标文件第五章工程量清单中雨水管道DN1200的管材要求为II级还是III级钢筋混凝土管？",
            ),
            answer="经核实，雨水管道DN1200采用II级钢筋混凝土管（承插口），工程量清单项目特征描述同步更正。",
            bids=[
                ("bidder1", "17635420.00"),
                ("bidder2", "17980000.00"),
                ("bidder3", "17452800.00"),
                ("bidder5", "16985300.00"),
                ("bidder7", "17768900.00"),
            ],
            resubmit=("bidder2", "17316500.00"),
            withdraw=("bidder3", "17288600.00"),
            undecrypted="bidder7",
            objection=(
                "bidder1",
                "唱标时第三家投标人的投标报价大写与小写是否一致，请当场核对。",
                "经当场核对开标记录，该投标人投标函中报价大写与小写一致，异议不成立。",
            ),
            reject=(
                "bidder5",
                "拟派项目经理未取得市政公用工程专业一级注册建造师执业资格，"
                "不满足招标文件资格要求（否决投标，招标投标法实施条例 第51条）",
            ),
            finish="awarded",
        )
        # (a) awarded, run by an agency on behalf of the tenderee, in Huanggang
        a2 = _Tender(
            "a2",
            "421100",
            "黄冈市白潭湖片区供水管网改造工程施工",
            "agency1",
            "tenderee3",
            "9350000.00",
            "9200000.00",
            "90000.00",
            "市政公用工程施工总承包二级及以上",
            "改造DN100～DN600供水管道约18公里及附属阀门井、消火栓，计划工期240日历天。",
            240,
        )
        self.full_tender(
            a2,
            announce=self.wd_after(start, 1),
            obtainers=["bidder3", "bidder6", "bidder7", "bidder8"],
            question=("bidder6", "施工期间是否允许分段停水？停水时间是否由投标人自行协调？"),
            answer="施工须分段进行，每次停水不超过8小时，停水计划由中标人报招标人及供水主管部门批准后实施。",
            bids=[
                ("bidder3", "8985000.00"),
                ("bidder6", "9126400.00"),
                ("bidder7", "9054300.00"),
                ("bidder8", "8763200.00"),
            ],
            resubmit=("bidder6", "8892700.00"),
            withdraw=("bidder7", "8938500.00"),
            reject=(
                "bidder8",
                "投标文件未按招标文件要求加盖投标人电子印章及法定代表人电子签章"
                "（否决投标，招标投标法实施条例 第51条）",
            ),
            finish="awarded",
        )
        # (b) failed: only two bids (流标), in Xiaogan
        f1 = _Tender(
            "f1",
            "420900",
            "孝感市孝南区书院街小学教学楼改扩建工程施工",
            "tenderee4",
            None,
            "4800000.00",
            "4720000.00",
            "50000.00",
            "建筑工程施工总承包三级及以上",
            "新建四层教学楼一栋，建筑面积约3600平方米，计划工期300日历天。",
            300,
        )
        self.full_tender(
            f1,
            announce=self.wd_after(start, 2),
            obtainers=["bidder2", "bidder4", "bidder6"],
            bids=[("bidder4", "4586000.00"), ("bidder6", "4612300.00")],
            finish="failed",
        )
        # (c) opened, evaluated and in candidate publicity now, run by an agency, in Huangshi
        p1 = _Tender(
            "p1",
            "420200",
            "黄石新港物流园区综合仓储中心建设工程施工",
            "agency2",
            "tenderee2",
            "26800000.00",
            "26500000.00",
            "300000.00",
            "建筑工程施工总承包一级",
            "新建钢结构仓库三栋及综合楼一栋，总建筑面积约4.2万平方米，计划工期420日历天。",
            420,
        )
        open_day = self.wd_after(recent, -1)
        self.full_tender(
            p1,
            announce=self._latest_announcement(open_day),
            deadline_day=open_day,
            obtainers=["bidder1", "bidder2", "bidder4", "bidder6"],
            question=("bidder4", "钢结构工程是否允许专业分包？"),
            answer="钢结构制作安装可依法分包给具有相应资质的专业承包单位，须在投标文件中载明。",
            bids=[
                ("bidder1", "25968000.00"),
                ("bidder2", "26135500.00"),
                ("bidder4", "26470000.00"),
                ("bidder6", "25713200.00"),
            ],
            resubmit=("bidder2", "25896300.00"),
            withdraw=("bidder4", "26215800.00"),
            reject=(
                "bidder6",
                "拟派项目经理经核查同时在其他在建工程担任项目经理"
                "（不满足投标人须知资格要求，否决投标）",
            ),
            finish="publicized",
            present=present,
        )
        # (d) two projects receiving bids now, deadlines in the future
        b1 = _Tender(
            "b1",
            "420100",
            "武汉市新洲区阳逻港区疏港道路提升改造工程施工",
            "tenderee1",
            None,
            "12450000.00",
            "12200000.00",
            "150000.00",
            "市政公用工程施工总承包一级",
            "道路提升改造约3.1公里，含路面、交通安全设施及雨污分流改造，计划工期300日历天。",
            300,
        )
        self.open_tender(
            b1,
            announce=recent,
            hhmm="10:00",
            activity=[("bidder1", None), ("bidder3", "12036800.00")],
        )
        b2 = _Tender(
            "b2",
            "420900",
            "孝感临空经济区污水处理厂提标改造工程施工",
            "agency2",
            "tenderee4",
            "15800000.00",
            "15600000.00",
            "150000.00",
            "市政公用工程施工总承包一级",
            "出水标准由一级A提升至地表准IV类，新建深度处理车间及配套管网，计划工期330日历天。",
            330,
        )
        self.open_tender(b2, announce=recent, hhmm="14:00", activity=[("bidder7", None)])
        if self.steps and max(s.when for s in self.steps) > present:
            raise RuntimeError("demo schedule reaches past the present; this is a bug")

    def _latest_announcement(self, open_day: date) -> date:
        """The latest working day whose 20-day bid preparation period ends by open_day."""
        rule = ("bid_prep_min_days", 20)
        day = open_day - timedelta(days=rule[1])
        while not (
            self.cal.is_working_day(day) and self.cal.period_end(day, rule[1], False) <= open_day
        ):
            day -= timedelta(days=1)
        return day

    def full_tender(
        self,
        t: _Tender,
        *,
        announce: date,
        obtainers: Sequence[str],
        bids: Sequence[tuple[str, str]],
        finish: str,
        deadline_day: date | None = None,
        question: tuple[str, str] | None = None,
        answer: str = "",
        resubmit: tuple[str, str] | None = None,
        withdraw: tuple[str, str] | None = None,
        reject: tuple[str, str] | None = None,
        undecrypted: str | None = None,
        objection: tuple[str, str, str] | None = None,
        present: datetime | None = None,
    ) -> None:
        """A tender from registration to its finishing stage: awarded, failed or publicized.

        Every bidder signs in to the opening half an hour before the deadline (开标签到).
        undecrypted: a bidder who lets the decryption window pass at the opening, so its bid
        counts as withdrawn (视为撤销) when the window closes.
        objection: (bidder, text, answer) of an objection raised at the opening on the spot,
        after the reading of bids, and answered there (实施条例 art. 44)."""
        t.undecrypted = undecrypted
        deadline_day = deadline_day or self.cal.period_end(announce, 20, False)
        deadline = _at(deadline_day, "09:30")
        sale_end = _at(self.cal.period_end(announce, 5, False), "17:00")
        days = [
            announce + timedelta(days=i)
            for i in range(1, (deadline_day - announce).days)
            if self.cal.is_working_day(announce + timedelta(days=i))
        ]
        self.at(_at(announce, "09:30"), lambda: self.register(t))
        self.at(_at(announce, "10:00"), lambda: self.announce(t, sale_end, deadline))
        for i, bidder in enumerate(obtainers):
            self.at(
                _at(days[0], "09:05") + timedelta(minutes=17 * i),
                partial(self.bidder_act, t, bidder, "obtain_documents"),
            )
        if question:
            asker, text = question
            self.at(_at(days[1], "15:20"), lambda: self.ask(t, asker, text))
            self.at(_at(days[2], "10:30"), lambda: self.clarify(t, answer, days[2], deadline_day))
        for i, (bidder, price) in enumerate(bids):
            self.at(
                _at(days[-4], "09:10") + timedelta(minutes=41 * i),
                partial(self.bid, t, bidder, price),
            )
        if resubmit:
            self.at(_at(days[-3], "10:15"), lambda: self.bid(t, resubmit[0], resubmit[1]))
        if withdraw:
            self.at(_at(days[-3], "14:40"), lambda: self.bidder_act(t, withdraw[0], "withdraw_bid"))
            self.at(_at(days[-2], "11:05"), lambda: self.bid(t, withdraw[0], withdraw[1]))
        signing_in = dict.fromkeys(b for b, _ in bids)
        for i, bidder in enumerate(signing_in):
            when = deadline - timedelta(minutes=30) + timedelta(minutes=3 * i)
            self.at(when, partial(self.sign_in, t, bidder))
        self.at(deadline, lambda: self.open(t))
        if objection:
            by, text, reply = objection
            raised = deadline + timedelta(minutes=35)
            self.at(raised, partial(self.object_at_opening, t, by, text))
            self.at(raised + timedelta(minutes=6), partial(self.answer_at_opening, t, reply))
        if finish == "failed":
            return
        self.at(_at(deadline_day, "14:30"), lambda: self.evaluate(t, reject))
        publicity_day = self.wd_after(deadline_day, 1)
        last = self.cal.period_end(publicity_day, 3, False)
        if present is not None:  # still in publicity at the present: at least a day to go
            while end_of_day(last) <= present + timedelta(days=1):
                last = self.wd_after(last, 1)
        self.at(_at(publicity_day, "10:00"), lambda: self.publicize(t, end_of_day(last)))
        if finish == "awarded":
            self.at(_at(self.wd_after(last, 1), "10:00"), lambda: self.award(t))

    def open_tender(
        self, t: _Tender, *, announce: date, hhmm: str, activity: Sequence[tuple[str, str | None]]
    ) -> None:
        """A tender announced recently and still receiving bids; documents on sale until the
        working day before its deadline, so a visitor can take part at once."""
        deadline_day = self.cal.period_end(announce, 20, False)
        deadline = _at(deadline_day, "09:30")
        sale_end = _at(self.wd_after(deadline_day, -1), "17:00")
        ann = _at(announce, hhmm)
        self.at(ann - timedelta(minutes=30), lambda: self.register(t))
        self.at(ann, lambda: self.announce(t, sale_end, deadline))
        for i, (bidder, price) in enumerate(activity):
            when = ann + timedelta(hours=1, minutes=23 * i)
            self.at(when, partial(self.bidder_act, t, bidder, "obtain_documents"))
            if price:
                self.at(
                    when + timedelta(hours=1),
                    partial(self.bid, t, bidder, price),
                )

    def run(self) -> None:
        """Play every planned act in time order, moving the clock forward to each (an act may
        plan later acts, e.g. the opening plans the bidders' decryptions)."""
        while self.steps:
            step = heapq.heappop(self.steps)
            if self.present is not None and step.when > self.present:
                raise RuntimeError("demo schedule reaches past the present; this is a bug")
            self.clock.set(step.when)
            step.run()

    # ------------------------------------------------------------ acts

    def act(self, who: str, t: _Tender, action: str, data: dict[str, Any]) -> dict[str, Any]:
        account = self.accounts[who]
        with self.platform.command(account.actor, center=t.center) as uow:
            return perform(uow, account, t.code, action, data)

    def register(self, t: _Tender) -> None:
        data: dict[str, Any] = {
            "center": t.center,
            "title": t.title,
            "estimated_price": t.estimated,
            "max_price": t.max_price,
            "state_capital": True,
            "description": t.description,
        }
        if t.tenderee:
            data["tenderee"] = ENTITY_BY_KEY[t.tenderee].credit_code
        account = self.accounts[t.runner]
        with self.platform.command(account.actor, center=t.center) as uow:
            result = perform(uow, account, None, "register_project", data, method=METHOD)
        t.code = result["code"]
        self.milestone(t, "登记赋码", "registered", t.title)

    def announce(self, t: _Tender, sale_end: datetime, deadline: datetime) -> None:
        now = self.clock.now()
        account = self.accounts[t.runner]
        with self.platform.command(account.actor, center=t.center) as uow:
            project = get_project(uow.conn, t.code)
            body = _tender_document(t, project, now, sale_end, deadline).encode("utf-8")
            sha, size = self.platform.documents.write([body])
            register_document(
                uow.conn, sha, size, f"{t.code}-招标文件.txt", "text/plain; charset=utf-8", uow.now
            )
            perform(
                uow,
                account,
                t.code,
                "publish_announcement",
                {
                    "tender_document": sha,
                    "doc_sale_start": now.astimezone(SHANGHAI).isoformat(),
                    "doc_sale_end": sale_end.isoformat(),
                    "bid_deadline": deadline.isoformat(),
                    "bid_bond": t.bond,
                    "announcement": _announcement(t, project, now, sale_end, deadline),
                },
            )
        self.milestone(
            t, "发布招标公告", "announced", f"（投标截止 {format_shanghai(deadline)[:16]}）"
        )

    def bidder_act(
        self, t: _Tender, bidder: str, action: str, data: dict[str, Any] | None = None
    ) -> None:
        self.act(bidder, t, action, data or {})

    def certificates(self, bidder: str) -> dict[str, Issued]:
        """The bidder's demo signing and encryption certificates (with their keys)."""
        if self.pki is None:
            raise RuntimeError("the demo PKI is seeded before any bid; this is a bug")
        issued = self.pki.certificates[bidder]
        if self.pki.revoked is not None and issued["sign"].der == self.pki.revoked.der:
            raise RuntimeError(f"{bidder}'s signing certificate is revoked; this is a bug")
        return issued

    def bid(self, t: _Tender, bidder: str, price: str) -> None:
        """Seal the bid on the bidder's side (bid tool), upload the envelope, submit it."""
        entity = ENTITY_BY_KEY[bidder]
        issued = self.certificates(bidder)
        with self.platform.read() as conn:
            opening = get_project(conn, t.code)["data"].get("opening_key")
        sealed = prepare_sealed_bid(
            project=t.code,
            bidder=entity.credit_code,
            bidder_name=entity.name,
            price=parse_yuan(price),
            duration_days=t.duration,
            quality="合格",
            sign_key=issued["sign"].key,
            sign_cert=issued["sign"].der,
            encrypt_cert=issued["encrypt"].der,
            opening_public_pem=opening["public_pem"] if opening else None,
            attachments=[("施工组织设计.txt", _work_plan(t, entity).encode("utf-8"))],
            now=self.clock.now(),
        )
        sha, size = self.platform.documents.write([sealed.envelope])
        account = self.accounts[bidder]
        with self.platform.command(account.actor, center=t.center) as uow:
            register_document(
                uow.conn,
                sha,
                size,
                f"{t.code}-投标文件.sealed",
                "application/octet-stream",
                uow.now,
            )
            perform(
                uow,
                account,
                t.code,
                "submit_bid",
                {"sealed_file": sha, "signature": sealed.signature},
            )
        self.sealed[(t.code, bidder)] = sealed  # a resubmission replaces the earlier bid

    def sign_in(self, t: _Tender, bidder: str) -> None:
        """开标签到: the bidder signs the sign-in statement with its signing certificate."""
        issued = self.certificates(bidder)["sign"]
        statement = sign_in_statement(t.code, ENTITY_BY_KEY[bidder].credit_code)
        blob = sign_detached(statement, issued.key, issued.der)
        self.act(bidder, t, "sign_in_opening", {"signature": base64.b64encode(blob).decode()})

    def object_at_opening(self, t: _Tender, bidder: str, text: str) -> None:
        """A bidder objects to the opening on the spot, after the reading of bids."""
        self.act(bidder, t, "raise_objection", {"subject": "opening", "text": text})
        self.milestone(t, "投标人当场提出开标异议", "an objection to the opening, on the spot")

    def answer_at_opening(self, t: _Tender, answer: str) -> None:
        """The tenderee's side answers the opening objection on the spot."""
        self.act(t.runner, t, "answer_objection", {"objection": 1, "answer": answer})
        self.milestone(t, "招标人当场答复异议", "the objection answered on the spot")

    def ask(self, t: _Tender, bidder: str, text: str) -> None:
        result = self.act(bidder, t, "ask_question", {"text": text})
        t.questions.append(result["seq"])  # a question is numbered by its event's seq

    def clarify(self, t: _Tender, text: str, on: date, deadline_day: date) -> None:
        # 实施条例 art. 21: a clarification that may affect bids needs 15 days to the deadline
        affects = self.cal.period_end(on, 15, False) <= deadline_day
        data = {"text": text, "answers": list(t.questions), "affects_bids": affects}
        self.act(t.runner, t, "clarify", data)
        self.milestone(t, "发布澄清答疑", "clarification issued")

    def open(self, t: _Tender) -> None:
        """开标: the center starts the opening; each bidder then decrypts its own bid remotely
        a few minutes apart (one may let the window pass, and the center closes it)."""
        result = self.act(CENTER_NAMES[t.center].staff, t, "open_bids", {})
        if result["stage"] == "failed":
            self.milestone(t, "[red]投标人不足3家，流标[/red]", "failed: too few bids")
            return
        with self.platform.read() as conn:
            until = datetime.fromisoformat(get_project(conn, t.code)["data"]["decrypt_until"])
            pending = [
                r.bidder
                for r in conn.execute(
                    select(bids.c.bidder)
                    .where(bids.c.project == t.code, bids.c.status == "submitted")
                    .order_by(bids.c.seq)
                )
            ]
        self.milestone(
            t,
            "开标（不见面开标），投标人远程解密",
            "opening started, bidders decrypt remotely",
            f"（解密截止 {format_shanghai(until)[11:16]}）",
        )
        by_code = {e.credit_code: e.key for e in ENTITIES}
        decrypting = [by_code[code] for code in pending if by_code[code] != t.undecrypted]
        now = self.clock.now()
        gap = min(DECRYPT_GAP, (until - now) / (len(pending) + 1))  # all within the window
        for i, bidder in enumerate(decrypting, start=1):
            self.at(now + gap * i, partial(self.decrypt, t, bidder))
        if len(decrypting) < len(pending):
            self.at(until, lambda: self.finish_opening(t))

    def decrypt(self, t: _Tender, bidder: str) -> None:
        """The bidder unwraps its content key on its own side and hands it in (decrypt_bid)."""
        sealed = self.sealed[(t.code, bidder)]
        key = content_key_for(sealed.envelope, self.certificates(bidder)["encrypt"].key)
        result = self.act(bidder, t, "decrypt_bid", {"content_key": key.hex()})
        self._opening_done(t, result["stage"])

    def finish_opening(self, t: _Tender) -> None:
        """The decryption window has closed: bids not decrypted count as withdrawn."""
        if t.undecrypted:
            name = ENTITY_BY_KEY[t.undecrypted].name
            self.milestone(
                t,
                f"[yellow]解密时限届满，{name}未解密，视为撤销投标[/yellow]",
                "a bid not decrypted in time counts as withdrawn",
            )
        result = self.act(CENTER_NAMES[t.center].staff, t, "finish_opening", {})
        self._opening_done(t, result["stage"])

    def _opening_done(self, t: _Tender, stage: str) -> None:
        if stage == "opened":
            self.milestone(t, "解密完成，唱标", "bids decrypted and read out")
        elif stage == "failed":
            self.milestone(t, "[red]有效解密的投标不足3家，流标[/red]", "failed: too few decrypted")

    def evaluate(self, t: _Tender, reject: tuple[str, str] | None) -> None:
        from ggzy.demo_evaluation import COMMITTEE_TENDERS, evaluate_by_committee

        if t.key in COMMITTEE_TENDERS:  # a drawn committee, seated across cities, signs
            evaluate_by_committee(self, t, reject)
            return
        reviews = []
        if reject:
            reviews.append(
                {
                    "bidder": ENTITY_BY_KEY[reject[0]].credit_code,
                    "qualified": False,
                    "reason": reject[1],
                }
            )
        self.act(
            CENTER_NAMES[t.center].staff,
            t,
            "evaluate",
            {
                "reviews": reviews,
                "summary": "评标委员会由5人组成（招标人代表1人、随机抽取专家4人），"
                "采用经评审的最低投标价法，对通过初步评审和详细评审的投标按评标价由低到高排序。",
            },
        )
        self.milestone(t, "评标完成", "evaluated")

    def publicize(self, t: _Tender, end: datetime) -> None:
        self.act(t.runner, t, "publicize_candidates", {"publicity_end": end.isoformat()})
        self.milestone(
            t,
            "公示中标候选人",
            "candidates publicised",
            f"（公示至 {format_shanghai(end - timedelta(seconds=1))[:10]}）",
        )

    def award(self, t: _Tender) -> None:
        self.act(t.runner, t, "award", {})
        with self.platform.read() as conn:
            data = get_project(conn, t.code)["data"]
        winner = next(e.name for e in ENTITIES if e.credit_code == data["winner"])
        self.milestone(
            t,
            "[green]发出中标通知书[/green]",
            "awarded",
            f"→ {winner} ¥{format_yuan(data['award_price'])}",
        )


# ---------------------------------------------------------------- documents


def _work_plan(t: _Tender, entity: DemoEntity) -> str:
    """A short technical proposal attached to a demo bid (施工组织设计, fictional)."""
    return (
        f"{t.title}\n施工组织设计（摘要）\n投标人：{entity.name}\n"
        f"计划工期：{t.duration}日历天；质量标准：合格；安全文明施工：省级标准化工地。\n"
        "（本文件为 OpenGGZY 演示数据。）\n"
    )


def _parties(t: _Tender, project: dict[str, Any]) -> tuple[str, str]:
    tenderee = next(e.name for e in ENTITIES if e.credit_code == project["tenderee"])
    agency = ENTITY_BY_KEY[t.runner].name if t.tenderee else "—（招标人自行招标）"
    return tenderee, agency


def _announcement(
    t: _Tender, project: dict[str, Any], now: datetime, sale_end: datetime, deadline: datetime
) -> str:
    tenderee, agency = _parties(t, project)
    center = CENTER_NAMES[t.center].name
    max_fen = parse_yuan(t.max_price)
    return (
        f"{t.title}招标公告\n"
        f"1. 招标条件：本招标项目已批准建设，招标人为{tenderee}，"
        "项目已具备招标条件，现进行公开招标。\n"
        f"2. 项目概况与招标范围：{t.description}最高投标限价人民币{to_capitals(max_fen)}"
        f"（¥{format_yuan(max_fen)}）。\n"
        f"3. 投标人资格要求：具备{t.qualification}资质，具有有效的安全生产许可证；"
        "本次招标不接受联合体投标。\n"
        f"4. 招标文件的获取：{format_shanghai(now)[:16]} 至 {format_shanghai(sale_end)[:16]}，"
        f"登录{center}电子交易系统免费下载。\n"
        f"5. 投标文件的递交：投标截止时间（开标时间）为 {format_shanghai(deadline)[:16]}，"
        f"投标人应在截止时间前通过电子交易系统递交加密投标文件，逾期送达的不予受理。\n"
        f"6. 开标方式：不见面开标，投标人在线解密。\n"
        f"7. 联系方式：招标人 {tenderee}；招标代理机构 {agency}；交易场所 {center}。\n"
        "（本项目为 OpenGGZY 演示数据，单位与项目均为虚构。）"
    )


def _tender_document(
    t: _Tender, project: dict[str, Any], now: datetime, sale_end: datetime, deadline: datetime
) -> str:
    tenderee, agency = _parties(t, project)
    max_fen = parse_yuan(t.max_price)
    return "\n".join(
        [
            t.title,
            "招 标 文 件（施工）",
            "",
            f"项目编号（统一交易标识码）：{t.code}",
            f"招标人：{tenderee}",
            f"招标代理机构：{agency}",
            f"交易中心：{CENTER_NAMES[t.center].name}",
            f"发布日期：{format_shanghai(now)[:10]}",
            "",
            "第一章 招标公告",
            _announcement(t, project, now, sale_end, deadline),
            "",
            "第二章 投标人须知",
            f"2.1 资格要求：{t.qualification}；拟派项目经理须具备相应专业注册建造师执业资格。",
            f"2.2 投标保证金：人民币{to_capitals(parse_yuan(t.bond))}，"
            "以电子保函或银行转账方式提交。",
            "2.3 投标有效期：90日历天。",
            "2.4 投标文件须使用CA数字证书加密并加盖电子印章，逾期或未加密的投标文件不予受理。",
            "",
            "第三章 评标办法（经评审的最低投标价法）",
            "3.1 初步评审：形式、资格、响应性评审，不符合任一项的否决其投标。",
            "3.2 详细评审：按评标价由低到高排序，推荐不超过3名中标候选人。",
            "3.3 投标报价高于最高投标限价的，否决其投标。",
            "",
            "第四章 合同条款及格式（采用《标准施工招标文件》通用合同条款）",
            "",
            "第五章 工程量清单",
            f"最高投标限价：¥{format_yuan(max_fen)}（{to_capitals(max_fen)}）",
            "",
            "第六章 图纸",
            "第七章 技术标准和要求：执行国家及湖北省现行施工质量验收规范，质量标准为合格。",
            "",
            "（本文件为 OpenGGZY 演示数据，单位与项目均为虚构。）",
            "",
        ]
    )


__all__ = [
    "CENTERS",
    "DEMO_PASSWORD",
    "ENTITIES",
    "DemoAccount",
    "DemoProject",
    "DemoSummary",
    "is_seeded",
    "seed_demo",
    "summarize",
]
