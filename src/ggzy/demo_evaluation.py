"""Demo: the shared expert pool, venues and seats, and one tender evaluated end to end by a
committee drawn at random and seated across cities (远程异地评标).

Thirty fictional experts in eight Hubei cities apply and are admitted, each with a personal
certificate; province, city and county venues are registered. For the Wuhan road tender the
committee is drawn (seed: the signed head at the request), seated at the main venue in Wuhan
and at random secondary venues, revealed, checks in by signing the recusal declaration, reviews
and scores alone by comprehensive evaluation with a random K, and signs the PDF report; the
procedure then takes the committee's signed result.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from ggzy.core.calendar import SHANGHAI
from ggzy.core.codes import make_credit_code, resident_id_check_char
from ggzy.evaluation import draws, experts, venues, workbench
from ggzy.evaluation.tables import experts as expert_table
from ggzy.pki.signatures import sign_detached
from ggzy.pki.testca import Issued

if TYPE_CHECKING:
    from ggzy.demo import _Seeder, _Tender

COMMITTEE_TENDERS = {"a1"}  # tenders the demo evaluates with a drawn committee

# (姓名, 常住地, 专业, 职称, 年限) — fictional
EXPERTS = [
    ("周建平", "420102", ["A02", "B01"], "正高级", 26),
    ("李晓梅", "420106", ["A02"], "高级", 18),
    ("王志强", "420111", ["A02", "A03"], "高级", 21),
    ("陈丽华", "420103", ["B01"], "高级", 15),
    ("张国栋", "420105", ["A01", "A02"], "正高级", 29),
    ("刘洪波", "420202", ["A02"], "高级", 17),
    ("吴敏", "420203", ["B01", "B02"], "高级", 14),
    ("郑海涛", "420502", ["A02", "A04"], "高级", 22),
    ("孙静", "420503", ["A02"], "高级", 12),
    ("何卫东", "420602", ["A02", "A03"], "正高级", 27),
    ("胡晓燕", "420606", ["B01"], "高级", 16),
    ("高明", "420702", ["A02"], "高级", 19),
    ("罗建华", "420902", ["A02", "A01"], "高级", 23),
    ("梁红", "421002", ["A02"], "高级", 13),
    ("宋文杰", "421102", ["A02", "B01"], "高级", 20),
    ("唐丽", "421202", ["A02"], "高级", 11),
    ("韩斌", "420102", ["A01"], "高级", 18),
    ("冯雪", "420106", ["C01"], "高级", 10),
    ("曹志刚", "420502", ["A04", "A05"], "正高级", 28),
    ("邓超", "420602", ["A06"], "高级", 15),
    ("彭丽娟", "420202", ["B02", "B03"], "高级", 17),
    ("曾凡军", "420902", ["A03"], "高级", 24),
    ("萧红梅", "421102", ["D02"], "高级", 12),
    ("田野", "421202", ["A01", "A06"], "高级", 16),
    ("董建新", "420702", ["B01"], "高级", 21),
    ("袁媛", "420111", ["C03"], "中级", 8),
    ("蒋伟", "421002", ["A02", "A03"], "高级", 19),
    ("蔡明亮", "420503", ["A02"], "高级", 14),
    ("潘晓东", "420606", ["A02", "B01"], "高级", 22),
    ("杜娟", "421202", ["B01"], "高级", 13),
]

VENUES = [  # (名称, 级别, 行政区划, 机位, 地址, 登记的交易中心工作人员)
    ("湖北省公共资源交易中心远程评标区", "province", "420100", 24, "武汉市江汉区", "staff.wuhan"),
    ("武汉市公共资源交易中心评标区", "city", "420100", 16, "武汉市江岸区", "staff.wuhan"),
    ("黄石市公共资源交易中心评标室", "city", "420200", 8, "黄石市下陆区", "staff.huangshi"),
    ("鄂州市公共资源交易中心评标室", "city", "420700", 6, "鄂州市鄂城区", "staff.ezhou"),
    ("孝感市公共资源交易中心评标室", "city", "420900", 8, "孝感市孝南区", "staff.xiaogan"),
    ("黄冈市公共资源交易中心评标室", "city", "421100", 8, "黄冈市黄州区", "staff.huanggang"),
    ("咸宁市公共资源交易中心评标室", "city", "421200", 6, "咸宁市咸安区", "staff.xianning"),
    ("仙桃市公共资源交易中心评标室", "city", "429004", 6, "仙桃市干河街道", "staff.xiantao"),
    ("嘉鱼县公共资源交易中心评标室", "county", "421221", 4, "嘉鱼县鱼岳镇", "staff.xianning"),
]

SCHEME = {
    "method": "construction_comprehensive",
    "category": "engineering",
    "params": {
        "benchmark": {
            "k_choices": ["1", "1.5", "2", "2.5", "3"],
            "exclude_extremes": True,
            "above_per_pct": "1",
            "below_per_pct": "0.5",
            "price_points": 60,
        }
    },
    "factors": [
        {"code": "org", "name": "施工组织设计", "max": 25, "kind": "technical"},
        {"code": "team", "name": "项目管理机构", "max": 15, "kind": "business"},
    ],
}


def _id_number(n: int) -> str:
    first17 = f"42010219{60 + n % 30:02d}0{1 + n % 9}1{n % 3}{n:03d}"
    return first17 + resident_id_check_char(first17)


def seed_experts_and_venues(seeder: _Seeder) -> None:
    """Admit the demo experts (each with a personal certificate) and register the venues."""
    assert seeder.pki is not None
    platform, staff = seeder.platform, seeder.accounts["staff.wuhan"]
    ca = seeder.pki.cas[0]
    for n, (name, region, specs, title, years) in enumerate(EXPERTS, start=1):
        username = f"expert{n:02d}"
        employer = make_credit_code("1", "2", region[:4] + "00", f"PJ{n:06d}")
        with platform.command("public") as uow:
            applied = experts.apply(
                uow,
                {
                    "name": name,
                    "id_number": _id_number(n),
                    "phone": f"139{n:08d}",
                    "employer": employer,
                    "employer_name": f"湖北省{name[0]}氏工程咨询有限公司",
                    "region": region,
                    "specialities": specs,
                    "title": title,
                    "years": years,
                    "username": username,
                    "password": _password(),
                },
            )
        with platform.command(staff.actor, center="420100") as uow:
            experts.review(uow, staff, applied["expert"], True)
        seeder.expert_certs[username] = ca.issue(
            f"湖北省{name[0]}氏工程咨询有限公司", None, holder=name, person_id=_id_number(n)
        )
    seeder.say(
        f"评标专家库：{len(EXPERTS)} 名专家在线申请并经审核入库，各持个人数字证书 / "
        f"{len(EXPERTS)} experts admitted to the shared pool"
    )
    for name, level, region, seats, address, who in VENUES:
        account = seeder.accounts[who]
        with platform.command(account.actor, center=account.center) as uow:
            venues.register_venue(
                uow,
                account,
                {
                    "name": name,
                    "level": level,
                    "region": region,
                    "seats": seats,
                    "address": address,
                },
            )
    seeder.say(f"评标场地：{len(VENUES)} 个省、市、县评标场地及机位已登记 / venues registered")


def _password() -> str:
    from ggzy.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _sign(cert: Issued, content: bytes) -> str:
    return base64.b64encode(sign_detached(content, cert.key, cert.der)).decode()


def evaluate_by_committee(seeder: _Seeder, t: _Tender, reject: tuple[str, str] | None) -> None:
    """Draw, seat, reveal, check in, review, score, conclude, sign, then the evaluate action."""
    from ggzy.demo import CENTER_NAMES, ENTITY_BY_KEY
    from ggzy.procedures.engine import get_project

    platform = seeder.platform
    staff = seeder.accounts[CENTER_NAMES[t.center].staff]
    day = seeder.clock.now().astimezone(SHANGHAI).date().isoformat()

    def run(account: Any, fn: Any, *args: Any) -> Any:
        with platform.command(account.actor, center=account.center) as uow:
            return fn(uow, account, *args)

    with platform.read() as conn:
        project = get_project(conn, t.code)
    asked = run(staff, draws.request_draw, project, {"A02": 4, "B01": 1}, day, True)
    draw_id = asked["draw"]
    drawn = run(staff, draws.run_draw, draw_id)
    seated = run(staff, venues.assign_venues, draw_id, 2)
    where = "、".join(v["name"] for v in seated["secondary"])
    seeder.milestone(
        t,
        f"随机抽取评标专家 5 名（回避本地专家，种子为树头 {drawn['seed']['tree_size']}），"
        f"主场 {seated['main']['name']}，副场 {where}",
        f"experts drawn: {draw_id}",
    )
    run(staff, draws.reveal, draw_id)
    opened = run(staff, workbench.open_evaluation, t.code, SCHEME)
    k = opened["scheme"]["params"]["benchmark"]["k"]
    with platform.read() as conn:
        members = workbench.opened_state(conn, t.code)["opened"]["members"]
        usernames = {
            r.id: r.username
            for r in conn.execute(expert_table.select().where(expert_table.c.id.in_(members)))
        }
    bids = None
    rejected = ENTITY_BY_KEY[reject[0]].credit_code if reject else None
    certs = seeder.expert_certs
    order = sorted(members, key=lambda e: members[e])
    for expert in order:
        account = _account(platform, usernames[expert])
        with platform.read() as conn:
            text = workbench.declaration_text(conn, t.code, account)
        run(account, workbench.check_in, t.code, _sign(certs[usernames[expert]], text.encode()))
        bids = run(account, workbench.bids_for, t.code)
    assert bids is not None
    for expert in order:  # 推选组长: members vote for 专家1 until more than half have
        voted = run(_account(platform, usernames[expert]), workbench.vote_leader, t.code, "专家1")
        if voted["leader"]:
            break
    for expert in order:
        account = _account(platform, usernames[expert])
        findings = [
            {
                "bidder": b["bidder"],
                "passed": b["bidder"] != rejected,
                "reason": reject[1] if reject and b["bidder"] == rejected else "",
            }
            for b in bids
        ]
        run(account, workbench.submit_qualification, t.code, findings)
    passed = [b["bidder"] for b in bids if b["bidder"] != rejected]
    for i, expert in enumerate(order):
        account = _account(platform, usernames[expert])
        scores = {
            bidder: {"org": 17 + (j * 3 + i) % 7, "team": 10 + (j + i) % 4}
            for j, bidder in enumerate(passed)
        }
        run(account, workbench.submit_scores, t.code, scores)
    concluded = run(
        staff,
        workbench.conclude,
        t.code,
        "评标委员会由随机抽取的5名专家组成，分别在主场和副场远程异地评标；"
        f"采用综合评估法，评标基准价下浮系数 K={k}% 于评标开始时随机确定。",
    )
    pdf = platform.documents.read(concluded["report"])
    for expert in order:
        account = _account(platform, usernames[expert])
        run(account, workbench.sign_report, t.code, _sign(certs[usernames[expert]], pdf))
    seeder.milestone(
        t,
        f"评标委员会完成资格审查与独立评分，K={k}%，评标报告经 5 名专家数字证书签名",
        "committee report signed",
    )
    seeder.act(staff.username, t, "evaluate", {})
    seeder.milestone(t, "评标完成", "evaluated")


def _account(platform: Any, username: str) -> Any:
    from ggzy.registry.handlers import get_account

    with platform.read() as conn:
        return get_account(conn, username)
