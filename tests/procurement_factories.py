"""Procurement test network: the seeded parties plus a finance-department regulator and a
signing certificate for the purchaser; helpers for plans, contracts and signatures."""

from __future__ import annotations

import base64
from typing import Any

from factories import PASSWORD, Parties, act, seed_parties
from ggzy.core.documents import register_document
from ggzy.pki import bindings
from ggzy.pki.signatures import sign_detached
from ggzy.procedures.engine import get_project
from ggzy.registry import handlers as registry


def procurement_net(platform: Any) -> Parties:
    """Parties, a regulator of the finance department (parties.regulator) and a signing
    certificate for the purchaser (it signs the contract)."""
    parties = seed_parties(platform, bidders=4)
    with platform.command("system") as uow:
        regulator = registry.create_account(
            uow,
            username="czj.wuhan",
            display_name="武汉市财政局政府采购监管处",
            password=PASSWORD,
            roles=["regulator"],
        )
    assert parties.ca is not None
    sign = parties.ca.issue(parties.tenderee.display_name, parties.tenderee.entity, usage="sign")
    with platform.command(parties.tenderee.actor) as uow:
        bindings.bind_certificate(uow, parties.tenderee, sign.pem, "sign")
    parties.keys[parties.tenderee.username] = {"sign": sign}
    parties.regulator = regulator  # type: ignore[attr-defined]
    return parties


def register(platform: Any, net: Parties, method: str, **fields: Any) -> str:
    """A procurement project registered by the purchaser; its code."""
    data = {
        "center": "420100",
        "title": "武汉市第一中学教学设备采购",
        "estimated_price": "3000000.00",
        **fields,
    }
    return act(platform, net.tenderee, None, "register_project", data, method=method)["project"]


def plan_document(platform: Any) -> str:
    """An uploaded budget approval (预算批复), the document a procurement plan files."""
    return stored_document(
        platform, "武财预〔2026〕12号 关于下达2026年部门预算的批复", "预算批复.pdf"
    )


def approve(platform: Any, net: Parties, code: str) -> str:
    """Submit the procurement plan and have the finance department approve it."""
    act(
        platform,
        net.tenderee,
        code,
        "submit_plan",
        {
            "plan_number": "WHCG-2026-0101",
            "budget": "3000000.00",
            "funding": "财政性资金",
            "items": "交互式智能黑板 60 套、学生计算机 200 台",
            "plan_document": plan_document(platform),
        },
    )
    act(platform, net.regulator, code, "approve_plan", {"opinion": "同意"})  # type: ignore[attr-defined]
    return code


def stage(platform: Any, code: str) -> str:
    with platform.read() as conn:
        return str(get_project(conn, code)["stage"])


def data(platform: Any, code: str) -> dict[str, Any]:
    with platform.read() as conn:
        return dict(get_project(conn, code)["data"])


def stored_document(platform: Any, text: str, name: str = "合同.txt") -> str:
    """A text document uploaded to the store; its SHA-256."""
    sha, size = platform.documents.write([text.encode()])
    with platform.engine.begin() as conn:
        register_document(conn, sha, size, name, "text/plain", platform.clock.now())
    return sha


def signature(platform: Any, net: Parties, username: str, sha: str) -> str:
    """username's detached CMS signature over a stored document, base64."""
    issued = net.keys[username]["sign"]
    blob = platform.documents.path(sha).read_bytes()
    return base64.b64encode(sign_detached(blob, issued.key, issued.der)).decode()
