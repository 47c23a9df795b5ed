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
