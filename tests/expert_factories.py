"""Experts and draws for tests: admitted experts, drawn committees, their public records."""

from __future__ import annotations

from typing import Any

from factories import PASSWORD
from ggzy.core.codes import make_credit_code, resident_id_check_char
from ggzy.evaluation import draws, experts
from ggzy.ledger import log

DAY = "2026-03-24"


def id_number_of(n: int) -> str:
    """The resident ID of test expert n (what its personal certificate carries)."""
    first17 = f"420102197{n % 10}0101{n:03d}"
    return first17 + resident_id_check_char(first17)


def add_expert(
    platform: Any, staff: Any, n: int, specs=("A02",), employer=None, region="420102"
) -> str:
    """Apply and admit expert n (username expertNN); its id."""
    with platform.command("public") as uow:
        applied = experts.apply(
            uow,
            {
                "name": f"专家{n:02d}",
                "id_number": id_number_of(n),
                "employer": employer or make_credit_code("1", "2", "420100", f"EX{n:06d}"),
                "region": region,
                "specialities": list(specs),
                "title": "高级",
                "years": 10 + n,
                "username": f"expert{n:02d}",
                "password": PASSWORD,
            },
        )
    with platform.command(staff.actor) as uow:
        experts.review(uow, staff, applied["expert"], True)
    return applied["expert"]


def drawn(platform: Any, staff: Any, code: str, quotas: dict[str, int], **kw: Any) -> str:
    """Request and run a draw for a project; its id."""
    from ggzy.procedures.engine import get_project

    with platform.command(staff.actor) as uow:
        asked = draws.request_draw(
            uow, staff, get_project(uow.conn, code), quotas, kw.pop("day", DAY), **kw
        )
    with platform.command(staff.actor) as uow:
        draws.run_draw(uow, staff, asked["draw"])
    return asked["draw"]


def record_and_head(platform: Any, draw_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A draw's public record and the signed head at its request."""
    with platform.read() as conn:
        record = draws.public_record(conn, draw_id)
        head = log.head_at(conn, record["request"]["seq"]).as_json()
    return record, head


def auth(client: Any, username: str) -> dict[str, str]:
    """A bearer header for a user of the test client (password PASSWORD)."""
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


# ---------------------------------------------------------------- the evaluation workbench

WORKBENCH_SCHEME: dict[str, Any] = {
    "method": "construction_comprehensive",
    "category": "engineering",
    "params": {
        "benchmark": {
            "k_choices": [1, 2, 3],
            "exclude_extremes": False,
            "above_per_pct": 1,
            "below_per_pct": 0.5,
            "price_points": 60,
        }
    },
    "factors": [
        {"code": "org", "name": "施工组织设计", "max": 25, "kind": "technical"},
        {"code": "team", "name": "项目管理机构", "max": 15, "kind": "business"},
    ],
}


class Committee:
    """A project with three opened bids and a revealed committee of five experts, seated, each
    with its personal certificate (the same setup as tests/integration/test_workbench.py)."""

    def __init__(
        self,
        platform: Any,
        clock: Any,
        size: int = 5,
        pool: int = 0,
        gp_prices: tuple[str, ...] = (),
    ) -> None:
        """gp_prices: a government procurement open tender with these bids instead."""
        from factories import act, announce, announcement, bid, open_and_decrypt, seed_parties
        from ggzy.core.calendar import SHANGHAI
        from ggzy.evaluation import venues

        self.platform = platform
        self.size = size
        if gp_prices:
            from procurement_factories import approve, procurement_net, register

            self.parties = parties = procurement_net(platform)
            code = approve(
                platform, parties, register(platform, parties, "procurement.open_tendering")
            )
            fields = {**announcement(platform), "bid_bond": "60000.00"}
            act(platform, parties.tenderee, code, "publish_announcement", fields)
            self.code = code
        else:
            self.parties = parties = seed_parties(platform)
            self.code = code = announce(platform, parties)
        prices = gp_prices or ("10500000", "11000000", "11200000")
        for b, price in zip(parties.bidders[: len(prices)], prices, strict=True):
            bid(platform, b, code, price)
        clock.advance(days=21, hours=2)
        open_and_decrypt(platform, parties, code)
        staff = parties.staff
        with platform.command(staff.actor) as uow:
            venues.register_venue(
                uow,
                staff,
                {"name": "武汉市评标中心", "level": "city", "region": "420100", "seats": 10},
            )
        pool = max(pool, size)  # experts in the pool; `size` of them drawn
        self.ids = [add_expert(platform, staff, n) for n in range(1, pool + 1)]
        self.certs = {
            n: parties.ca.issue(
                "武汉市政工程设计研究院", None, holder=f"专家{n:02d}", person_id=id_number_of(n)
            )
            for n in range(1, pool + 1)
        }
        today = platform.clock.now().astimezone(SHANGHAI).date().isoformat()
        self.draw = drawn(platform, staff, code, {"A02": size}, day=today)
        with platform.command(staff.actor) as uow:
            venues.assign_venues(uow, staff, self.draw, secondary=0)
        with platform.command(staff.actor) as uow:
            draws.reveal(uow, staff, self.draw)
        self.bidders = [b.entity for b in parties.bidders[: len(prices)]]

    def expert(self, n: int) -> Any:
        """The account of expert n (username expertNN)."""
        from ggzy.registry.handlers import get_account

        with self.platform.read() as conn:
            return get_account(conn, f"expert{n:02d}")

    def label(self, n: int) -> str:
        """Expert n's label on the committee (专家1 … in the draw's order)."""
        from ggzy.evaluation import workbench

        with self.platform.read() as conn:
            return str(
                workbench.opened_state(conn, self.code)["opened"]["members"][self.ids[n - 1]]
            )

    def sign(self, n: int, content: bytes, cert_of: int | None = None) -> str:
        """A base64 detached CMS signature by expert n's personal certificate (or another's)."""
        import base64

        from ggzy.pki.signatures import sign_detached

        cert = self.certs[cert_of or n]
        return base64.b64encode(sign_detached(content, cert.key, cert.der)).decode()

    def enroll_custody(self, n: int, passphrase: str) -> str:
        """Put expert n's personal key in custody (去介质); its fingerprint."""
        from ggzy.pki import custody

        cert, account = self.certs[n], self.expert(n)
        with self.platform.command(account.actor) as uow:
            record = custody.enroll(
                uow, account.username, custody.pkcs8_der(cert.key), cert.der, passphrase
            )
        return record.fingerprint

    def run(self, fn: Any, who: Any, *args: Any) -> Any:
        """Call a workbench function as expert n (an int) or as an account."""
        account = self.expert(who) if isinstance(who, int) else who
        with self.platform.command(account.actor) as uow:
            return fn(uow, account, self.code, *args)

    def open(self, scheme: dict[str, Any] | None = None, declarations: Any = None) -> Any:
        """Center staff open the evaluation with the scheme."""
        from ggzy.evaluation import workbench

        return self.run(
            workbench.open_evaluation,
            self.parties.staff,
            scheme or WORKBENCH_SCHEME,
            declarations,
        )

    def check_in(self, n: int) -> Any:
        """Expert n signs the declaration with its certificate and checks in."""
        from ggzy.evaluation import workbench

        with self.platform.read() as conn:
            text = workbench.declaration_text(conn, self.code, self.expert(n))
        return self.run(workbench.check_in, n, self.sign(n, text.encode()))

    def qualify(self, n: int) -> Any:
        """Expert n passes every bid."""
        from ggzy.evaluation import workbench

        findings = [{"bidder": b, "passed": True, "reason": ""} for b in self.bidders]
        return self.run(workbench.submit_qualification, n, findings)

    def score(self, n: int, given: dict[str, Any] | None = None) -> Any:
        """Expert n scores every bid (20 and 12 unless given)."""
        from ggzy.evaluation import workbench

        scores = given or {b: {"org": "20", "team": "12"} for b in self.bidders}
        return self.run(workbench.submit_scores, n, scores)
