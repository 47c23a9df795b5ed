"""Builders of real test data: a center, parties with accounts, an announced project.

parties = seed_parties(platform)          # 武汉 center, tenderee, agency, 4 bidders
code = announce(platform, parties)        # registered and announced, deadline +21 days
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ggzy.bidding.tool import SealedBid, content_key_for, prepare_sealed_bid
from ggzy.bootstrap import Platform
from ggzy.core.codes import make_credit_code
from ggzy.core.documents import register_document
from ggzy.core.money import parse_yuan
from ggzy.pki import bindings, trust
from ggzy.pki.testca import Issued, TestCA
from ggzy.procedures.engine import perform
from ggzy.registry import handlers as registry
from ggzy.registry.handlers import Account

METHOD = "construction.open_tendering"
PASSWORD = "correct-horse-9"
_PARTIES: dict[int, Parties] = {}  # the parties seeded on each platform, for bid()


@dataclass
class Parties:
    """The accounts of one test network."""

    tenderee: Account
    agency: Account
    bidders: list[Account]
    staff: Account
    codes: dict[str, str] = field(default_factory=dict)  # name -> credit code
    ca: TestCA | None = None
    keys: dict[str, dict[str, Issued]] = field(default_factory=dict)  # username -> usage -> cert
    sealed: dict[tuple[str, str], SealedBid] = field(default_factory=dict)  # (code, user) -> bid


def _company(uow: Any, n: int, name: str, kinds: list[str], username: str) -> Account:
    code = make_credit_code("9", "1", "420100", f"MA{n:06d}")
    registry.register_entity(
        uow,
        credit_code=code,
        name=name,
        kinds=kinds,
        legal_representative="王建国",
        contacts=[{"name": "李经办", "phone": "027-85551234", "email": f"{username}@example.cn"}],
        qualifications=[{"name": "建筑工程施工总承包", "grade": "一级", "number": f"D{n:08d}"}],
    )
    return registry.create_account(
        uow,
        username=username,
        display_name=name,
        password=PASSWORD,
        roles=["entity_admin"],
        entity=code,
    )


def seed_parties(platform: Platform, bidders: int = 4, certificates: bool = True) -> Parties:
    """Register the 武汉 center, a tenderee, an agency, bidders and center staff."""
    names = [
        "湖北楚天建设工程有限公司",
        "武汉江城路桥集团有限公司",
        "黄石磁湖建筑有限公司",
        "孝感槐荫市政工程有限公司",
        "鄂州凤凰建设有限公司",
        "咸宁温泉建工有限公司",
    ]
    with platform.command("system") as uow:
        registry.register_center(uow, "420100", "武汉市公共资源交易中心", "武汉")
        tenderee = _company(uow, 1, "武汉长江城建投资有限公司", ["tenderee"], "tenderee1")
        agency = _company(uow, 2, "湖北中诚招标代理有限公司", ["agency"], "agency1")
        accounts = [
            _company(uow, 10 + i, names[i], ["bidder"], f"bidder{i + 1}") for i in range(bidders)
        ]
        staff = registry.create_account(
            uow,
            username="staff.wuhan",
            display_name="武汉中心工作人员",
            password=PASSWORD,
            roles=["center_staff"],
            center="420100",
        )
    codes = {a.display_name: a.entity for a in [tenderee, agency, *accounts] if a.entity}
    parties = Parties(tenderee, agency, accounts, staff, codes)
    if certificates:  # a CA on the trust list and bound certificates, so bidders can bid
        give_certificates(platform, parties)
    _PARTIES[id(platform)] = parties
    return parties


def give_certificates(platform: Platform, parties: Parties, algorithm: str = "ecdsa") -> None:
    """A CA on the trust list; every bidder binds a signing and an encryption certificate."""
    ca = TestCA.create("湖北测试数字证书CA", algorithm, now=platform.clock.now())
    with platform.command("account:admin") as uow:
        trust.add_ca(uow, ca.cert.der, ca.name, "root")
    parties.ca = ca
    for bidder in parties.bidders:
        issued = {
            u: ca.issue(bidder.display_name, bidder.entity, usage=u) for u in ("sign", "encrypt")
        }
        with platform.command(bidder.actor) as uow:
            for usage, cert in issued.items():
                bindings.bind_certificate(uow, bidder, cert.pem, usage)
        parties.keys[bidder.username] = issued


def act(
    platform: Platform,
    account: Account,
    code: str | None,
    action: str,
    data: dict[str, Any],
    **kw: Any,
) -> dict[str, Any]:
    """Perform one action in its own command transaction."""
    with platform.command(account.actor) as uow:
        return perform(uow, account, code, action, data, **kw)


def register_project(platform: Platform, parties: Parties, **fields: Any) -> str:
    """Register a construction project as the tenderee; returns its unified deal code."""
    data = {
        "center": "420100",
        "title": "江城大道快速化改造工程施工",
        "estimated_price": "12000000.00",
        "max_price": "11800000.00",
        "state_capital": True,
        **fields,
    }
    return act(platform, parties.tenderee, None, "register_project", data, method=METHOD)["code"]


def tender_document(platform: Platform) -> str:
    """Store a real tender document and return its SHA-256."""
    sha, size = platform.documents.write(
        [b"%PDF-1.4\n% \xe6\x8b\x9b\xe6\xa0\x87\xe6\x96\x87\xe4\xbb\xb6\n"]
    )
    with platform.engine.begin() as conn:
        register_document(conn, sha, size, "招标文件.pdf", "application/pdf", platform.clock.now())
    return sha


def announcement(platform: Platform, sale_days: int = 7, deadline_days: int = 21) -> dict[str, str]:
    """Inputs of publish_announcement starting now (Monday 09:00 in the test clock)."""
    now = platform.clock.now()
    return {
        "tender_document": tender_document(platform),
        "doc_sale_start": now.isoformat(),
        "doc_sale_end": (now + timedelta(days=sale_days)).isoformat(),
        "bid_deadline": (now + timedelta(days=deadline_days, hours=1)).isoformat(),
        "bid_bond": "200000.00",
        "announcement": "江城大道快速化改造工程施工已批准建设，现进行公开招标。",
    }


def announce(platform: Platform, parties: Parties, **fields: Any) -> str:
    """A project registered and announced; returns its code."""
    code = register_project(platform, parties, **fields)
    act(platform, parties.tenderee, code, "publish_announcement", announcement(platform))
    return code


def seal(
    platform: Platform, parties: Parties, bidder: Account, code: str, price: str, **kw: Any
) -> SealedBid:
    """The bidder's tool: a signed bid package sealed to its own encryption certificate."""
    from ggzy.procedures.engine import get_project

    with platform.read() as conn:
        opening = get_project(conn, code)["data"].get("opening_key")
    keys = parties.keys[bidder.username]
    sealed = prepare_sealed_bid(
        project=code,
        bidder=bidder.entity or "",
        bidder_name=bidder.display_name,
        price=parse_yuan(price),
        duration_days=kw.get("duration_days", 540),
        quality=kw.get("quality", "合格"),
        sign_key=keys["sign"].key,
        sign_cert=keys["sign"].der,
        encrypt_cert=keys["encrypt"].der,
        opening_public_pem=opening["public_pem"] if opening else None,
        declared=kw.get(
            "declared", {"tool": "ggzy-test-bid-tool/1", "machine": f"M-{bidder.username}"}
        ),
        attachments=kw.get("attachments", ()),
        now=platform.clock.now(),
    )
    sha, size = platform.documents.write([sealed.envelope])
    with platform.engine.begin() as conn:
        register_document(
            conn, sha, size, "投标文件.ggzyenv", "application/x-ggzy-envelope", platform.clock.now()
        )
    return sealed


def bid(
    platform: Platform, bidder: Account, code: str, price: str, obtain: bool = True, **kw: Any
) -> dict[str, Any]:
    """Obtain the documents (once), seal a bid on the bidder's side and submit it."""
    parties = _PARTIES[id(platform)]
    if obtain:
        act(platform, bidder, code, "obtain_documents", {})
    sealed = seal(platform, parties, bidder, code, price, **kw)
    parties.sealed[(code, bidder.username)] = sealed
    return act(
        platform,
        bidder,
        code,
        "submit_bid",
        {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature},
    )


def decrypt(platform: Platform, parties: Parties, bidder: Account, code: str) -> dict[str, Any]:
    """The bidder unwraps its content key on its side and submits it (远程解密)."""
    sealed = parties.sealed[(code, bidder.username)]
    key = content_key_for(sealed.envelope, parties.keys[bidder.username]["encrypt"].key)
    return act(platform, bidder, code, "decrypt_bid", {"content_key": key.hex()})


def open_and_decrypt(platform: Platform, parties: Parties, code: str) -> dict[str, Any]:
    """Open at the deadline, then every bidder with a pending bid decrypts it (last result)."""
    from ggzy.bidding.sealed import pending_bidders

    result = act(platform, parties.staff, code, "open_bids", {})
    if result["stage"] != "decrypting":
        return result
    with platform.read() as conn:
        pending = pending_bidders(conn, code)
    for bidder in parties.bidders:
        if bidder.entity in pending:
            result = decrypt(platform, parties, bidder, code)
    return result
