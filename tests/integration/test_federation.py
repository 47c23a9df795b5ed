"""Nodes as one network: three nodes on loopback, each with its own database and port, follow
each other's signed feeds, roam entities, and witness each other's ledgers."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select, text

from ggzy.bidding.tool import prepare_sealed_bid
from ggzy.bootstrap import Platform, create_platform
from ggzy.config import load_settings
from ggzy.core.codes import make_credit_code
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError
from ggzy.core.tables import events
from ggzy.exchange import peers
from ggzy.exchange.audit import audit
from ggzy.exchange.tables import peer_events
from ggzy.ledger import log
from ggzy.ledger.signing import NodeKey, verify_signature
from ggzy.migrate import upgrade
from ggzy.pki import bindings, trust
from ggzy.pki.signatures import sign_detached
from ggzy.pki.testca import TestCA
from ggzy.procedures.engine import perform
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app

PASSWORD = "correct-horse-9"


@dataclass
class Node:
    name: str
    platform: Platform
    url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def network(tmp_path: Path, clock: Any) -> Iterator[dict[str, Node]]:
    """Nodes a (武汉), b (黄冈) and c (孝感): separate SQLite databases, keys and ports."""
    nodes, servers = {}, []
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        settings = load_settings(
            database_url=f"sqlite:///{folder / 'ggzy.db'}", data_dir=folder, node_id=f"node-{name}"
        )
        upgrade(settings.database_url)
        platform = create_platform(settings, clock, NodeKey.generate())
        port = _free_port()
        config = uvicorn.Config(
            create_app(platform), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "a node did not start"
            time.sleep(0.02)
        servers.append((server, thread))
        nodes[name] = Node(name, platform, f"http://127.0.0.1:{port}")
    centers = {
        "a": ("420100", "武汉市公共资源交易中心", "武汉"),
        "c": ("420900", "孝感市公共资源交易中心", "孝感"),
    }
    centers["b"] = ("421100", "黄冈市公共资源交易中心", "黄冈")
    for name, node in nodes.items():
        with node.platform.command("system") as uow:
            registry.register_center(uow, *centers[name])
    try:
        yield nodes
    finally:
        for server, thread in servers:
            server.should_exit = True
            thread.join(timeout=10)
        for node in nodes.values():
            node.platform.engine.dispose()


def follow(reader: Node, *followed: Node) -> None:
    """reader follows each node; a node shares its registry only with nodes it follows too."""
    for node in followed:
        peers.add_peer(reader.platform, node.url)


def join(*nodes: Node) -> None:
    """Every node follows every other (the network's nodes exchange keys both ways)."""
    for reader in nodes:
        follow(reader, *(n for n in nodes if n is not reader))


def company(node: Node, n: int, name: str, kinds: list[str], username: str, region: str) -> Any:
    with node.platform.command("system") as uow:
        code = make_credit_code("9", "1", region, f"MA{n:06d}")
        registry.register_entity(
            uow,
            credit_code=code,
            name=name,
            kinds=kinds,
            legal_representative="王建国",
            contacts=[{"name": "李经办", "phone": "027-85551234"}],
            qualifications=[],
        )
        return registry.create_account(
            uow,
            username=username,
            display_name=name,
            password=PASSWORD,
            roles=["entity_admin"],
            entity=code,
        )


def roaming_bidder(a: Node, clock: Any) -> tuple[Any, dict[str, Any], TestCA]:
    """A CA on a's trust list and a bidder registered at a, with certificates bound there."""
    ca = TestCA.create("湖北测试数字证书CA", "ecdsa", now=clock.now())
    with a.platform.command("account:admin") as uow:
        trust.add_ca(uow, ca.cert.der, ca.name, "root")
    bidder = company(a, 11, "湖北楚天建设工程有限公司", ["bidder"], "chutian", "420100")
    keys = {u: ca.issue(bidder.display_name, bidder.entity, usage=u) for u in ("sign", "encrypt")}
    with a.platform.command(bidder.actor) as uow:
        for usage, cert in keys.items():
            bindings.bind_certificate(uow, bidder, cert.pem, usage)
    return bidder, keys, ca


def tender_at(c: Node, clock: Any) -> str:
    """A construction tender registered and announced at c (孝感)."""
    return tender_at_center(c, clock, "420900")


def tender_at_center(c: Node, clock: Any, center: str) -> str:
    """A construction tender registered and announced at a node's center."""
    tenderee = company(c, 1, f"{center}城市建设投资有限公司", ["tenderee"], f"ct{center}", center)
    sha, size = c.platform.documents.write([b"%PDF-1.4 tender document"])
    now = clock.now()
    with c.platform.engine.begin() as conn:
        register_document(conn, sha, size, "招标文件.pdf", "application/pdf", now)
    with c.platform.command(tenderee.actor, center) as uow:
        code = perform(
            uow,
            tenderee,
            None,
            "register_project",
            {"center": center, "title": "槐荫大道改造工程", "estimated_price": "9000000.00"},
            method="construction.open_tendering",
        )["code"]
    with c.platform.command(tenderee.actor, center) as uow:
        perform(
            uow,
            tenderee,
            code,
            "publish_announcement",
            {
                "tender_document": sha,
                "doc_sale_start": now.isoformat(),
                "doc_sale_end": (now + timedelta(days=7)).isoformat(),
                "bid_deadline": (now + timedelta(days=21, hours=1)).isoformat(),
                "announcement": "槐荫大道改造工程已批准建设，现公开招标。",
            },
        )
    return code


def test_an_entity_registered_at_one_node_signs_in_and_bids_at_another(network, clock):
    a, c = network["a"], network["c"]
    bidder, keys, _ = roaming_bidder(a, clock)
    code = tender_at(c, clock)
    join(a, c)
    result = peers.pull(c.platform, "node-a")
    assert result.refused is None and result.applied >= 6  # center, entity, account, CA, certs
    with httpx.Client(base_url=c.url) as http:
        challenge = http.post("/api/v1/auth/challenge").json()
        blob = sign_detached(challenge["sign"].encode(), keys["sign"].key, keys["sign"].der)
        login = http.post(
            "/api/v1/auth/certificate",
            json={
                "challenge": challenge["challenge"],
                "signature": base64.b64encode(blob).decode(),
            },
        )
        assert login.status_code == 200, login.text  # signed in at c with a's registration
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        assert http.get("/api/v1/me", headers=auth).json()["account"]["username"] == "chutian"
        r = http.post(f"/api/v1/projects/{code}/actions/obtain_documents", json={}, headers=auth)
        assert r.status_code == 200, r.text
        sealed = prepare_sealed_bid(
            project=code,
            bidder=bidder.entity,
            bidder_name=bidder.display_name,
            price=880_000_000,
            duration_days=360,
            quality="合格",
            sign_key=keys["sign"].key,
            sign_cert=keys["sign"].der,
            encrypt_cert=keys["encrypt"].der,
            now=clock.now(),
        )
        up = http.post(
            "/api/v1/documents",
            files={"file": ("bid.ggzyenv", sealed.envelope, "application/octet-stream")},
            headers=auth,
        )
        assert up.status_code == 201, up.text
        submitted = http.post(
            f"/api/v1/projects/{code}/actions/submit_bid",
            json={"sealed_file": up.json()["sha256"], "signature": sealed.signature},
            headers=auth,
        )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["receipt"]["sealed_sha256"] == sealed.sealed_sha256


def test_a_peer_receives_registrations_but_never_bids(network, clock):
    a, c = network["a"], network["c"]
    roaming_bidder(a, clock)
    join(a, c)
    code = tender_at(c, clock)
    with httpx.Client(base_url=c.url) as http:
        public = http.get("/api/v1/feed?after=0&limit=1000").json()
    shown = {e["type"] for e in public["entries"] if e["leaf"]}
    assert "ProjectRegistered" in shown and "EntityRegistered" not in shown
    result = peers.pull(a.platform, "node-c")
    with a.platform.read() as conn:
        kinds = {r.type for r in conn.execute(select(peer_events))}
        assert registry.find_entity(conn, make_credit_code("9", "1", "420900", "MA000001"))
    assert kinds >= {"EntityRegistered", "AccountCreated", "CenterRegistered"}
    assert not kinds & {"BidSubmitted", "ProjectRegistered"}
    assert result.verified_size > 0 and code


def test_every_verified_head_is_cosigned_and_the_audit_passes(network, clock):
    a, b, c = network["a"], network["b"], network["c"]
    roaming_bidder(a, clock)
    follow(b, a, c)
    follow(c, a)
    pulled = peers.pull_all(b.platform)  # one round of b's follower: both its peers
    assert [r.node_id for r in pulled] == ["node-a", "node-c"]
    assert all(r.refused is None for r in pulled)
    assert peers.pull(c.platform, "node-a").refused is None
    with httpx.Client(base_url=b.url) as http:
        [cosig] = http.get("/api/v1/ledger/cosignatures?node=node-a").json()
        b_key = http.get("/api/v1/node").json()["public_key"]
    assert verify_signature(b_key, cosig["signed_body"], base64.b64decode(cosig["signature"]))
    with a.platform.read() as conn:
        assert log.latest_head(conn).root_hash.hex() == cosig["root_hash"]
    report = audit([a.url, b.url, c.url])
    assert report.ok, report.failed
    assert sum("witnessed node-a" in line for line in report.passed) == 2


def rewrite_history(node: Node) -> None:
    """What an operator holding the node key could do: change an old event and rebuild the
    whole tree and its signed heads so that the node's own checks pass."""
    platform = node.platform
    with platform.engine.begin() as conn:
        for trigger in conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).scalars():
            conn.execute(text(f'DROP TRIGGER "{trigger}"'))
        conn.execute(
            text("UPDATE events SET payload = replace(payload, '楚天', '楚地') WHERE seq = 3")
        )
        conn.execute(text("DELETE FROM ledger_nodes"))
        conn.execute(text("DELETE FROM tree_heads"))
        conn.execute(text("UPDATE ledger_state SET size = 0"))
    from ggzy.core.projections import row_to_event

    with platform.engine.begin() as conn:
        rows = [row_to_event(r) for r in conn.execute(select(events).order_by(events.c.seq))]
        log.append_leaves(conn, 0, [ev.canonical() for ev in rows], log.NodeReader(conn))
        conn.execute(text("UPDATE ledger_state SET size = :n"), {"n": len(rows)})
        log.sign_head(
            conn, platform.node_key, platform.settings.node_id, len(rows), clock_now(node)
        )


def clock_now(node: Node) -> Any:
    return node.platform.clock.now()


def test_a_node_that_rewrites_its_history_is_caught_by_its_peers(network, clock):
    a, b = network["a"], network["b"]
    roaming_bidder(a, clock)
    follow(b, a)
    assert peers.pull(b.platform, "node-a").refused is None
    rewrite_history(a)
    company(a, 12, "武汉江城路桥集团有限公司", ["bidder"], "jiangcheng", "420100")  # a new head
    result = peers.pull(b.platform, "node-a")
    assert result.refused is not None and result.refused["kind"] == "root-mismatch"
    with b.platform.read() as conn:
        [peer] = peers.list_peers(conn)
        alert = conn.execute(select(events).where(events.c.type == "PeerHeadRefused")).one()
    assert peer["status"] == "alert" and alert.subject_id == "node-a"
    assert peers.pull(b.platform, "node-a").refused["kind"] == "root-mismatch"  # stays refused
    report = audit([a.url, b.url])
    assert not report.ok
    assert any("history rewritten" in line for line in report.failed)


def test_a_node_not_followed_back_reads_only_what_is_public(network, clock):
    a, c = network["a"], network["c"]
    roaming_bidder(a, clock)
    follow(c, a)  # a does not follow c: c is a stranger to a
    result = peers.pull(c.platform, "node-a")
    with c.platform.read() as conn:
        kinds = {r.type for r in conn.execute(select(peer_events))}
    assert result.refused is None and result.verified_size == result.read
    assert "CertificateAuthorityAdded" in kinds and "EntityRegistered" not in kinds


def test_a_credit_record_made_at_one_node_stops_a_bid_at_another(network, clock):
    from ggzy.credit import records

    a, c = network["a"], network["c"]
    bidder, keys, _ = roaming_bidder(c, clock)  # registered at c
    join(a, c)
    assert peers.pull(a.platform, "node-c").refused is None
    code = tender_at_center(a, clock, "420100")
    with c.platform.command("system") as uow:
        regulator = registry.create_account(
            uow,
            username="xg-jianguan",
            display_name="孝感市住建局监管员",
            password=PASSWORD,
            roles=["regulator"],
            center="420900",
        )
    with c.platform.command(regulator.actor) as uow:
        record = records.add_record(
            uow,
            regulator,
            {
                "credit_code": bidder.entity,
                "list": "tendering_ban",
                "authority": "孝感市住房和城乡建设局",
                "decision": "孝建罚〔2026〕3号",
                "reason": "弄虚作假骗取中标",
            },
        )
    assert peers.pull(a.platform, "node-c").applied >= 1
    with a.platform.read() as conn:
        roaming = registry.get_account(conn, bidder.username)
        assert [
            r["id"] for r in records.records_in_force(conn, bidder.entity, clock.now().date())
        ] == [record["id"]]
    with a.platform.command(roaming.actor, "420100") as uow:
        perform(uow, roaming, code, "obtain_documents", {})  # a warning only
    sealed = prepare_sealed_bid(
        project=code,
        bidder=bidder.entity,
        bidder_name=bidder.display_name,
        price=880_000_000,
        duration_days=360,
        quality="合格",
        sign_key=keys["sign"].key,
        sign_cert=keys["sign"].der,
        encrypt_cert=keys["encrypt"].der,
        now=clock.now(),
    )
    sha, size = a.platform.documents.write([sealed.envelope])
    with a.platform.engine.begin() as conn:
        register_document(conn, sha, size, "bid.ggzyenv", "application/octet-stream", clock.now())
    with pytest.raises(DomainError) as refused, a.platform.command(roaming.actor, "420100") as uow:
        perform(
            uow, roaming, code, "submit_bid", {"sealed_file": sha, "signature": sealed.signature}
        )
    assert refused.value.code == "credit-barred"


def test_a_bidder_sees_the_open_projects_of_every_node_in_one_workspace(network, clock):
    a, c = network["a"], network["c"]
    bidder, _, _ = roaming_bidder(a, clock)
    code = tender_at(c, clock)
    join(a, c)
    assert peers.pull(a.platform, "node-c").refused is None
    with httpx.Client(base_url=a.url) as http:
        [found] = http.get("/api/v1/network/projects?stage=bidding").json()
        assert found["code"] == code and found["url"] == f"{c.url}/projects/{code}"
        assert found["bid_deadline"] and found["node_id"] == "node-c"
        http.cookies.set("ggzy_csrf", "x" * 32)
        login = http.post(
            "/login",
            data={"username": bidder.username, "password": PASSWORD, "csrf_token": "x" * 32},
            follow_redirects=True,
        )
        assert login.status_code == 200 and login.url.path == "/workspace", login.text[:300]
        page = http.get("/workspace")
    assert "交易一张网" in page.text and found["url"] in page.text


def test_the_conformance_kit_passes_a_node_and_fails_one_whose_events_were_altered(network, clock):
    from ggzy.exchange.conformance import conformance

    a = network["a"]
    roaming_bidder(a, clock)
    tender_at_center(a, clock, "420100")
    schemas = Path(__file__).resolve().parents[2] / ".." / "shared" / "ocds" / "schema-1.1.5"
    report = conformance(a.url, ocds_schema=schemas if schemas.exists() else None)
    assert report.ok, [c for c in report.checks if not c.ok]
    names = [c.name.split()[0] for c in report.checks]
    assert names == ["identity", "tree", "feed", "resume", "proofs", "errors", "ocds"]
    [ocds] = [c for c in report.checks if c.name.startswith("ocds")]
    assert ocds.skipped != schemas.exists() and (ocds.skipped or "valid" in ocds.detail)
    with a.platform.engine.begin() as conn:  # an event changed behind the ledger's back
        for trigger in conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).scalars():
            conn.execute(text(f'DROP TRIGGER "{trigger}"'))
        conn.execute(text("UPDATE events SET payload = replace(payload, '楚天', '楚地')"))
    report = conformance(a.url)
    [feed] = [c for c in report.checks if c.name.startswith("feed")]
    assert not report.ok and not feed.ok and "does not match" in feed.detail


def test_an_account_registered_at_one_node_signs_in_with_its_password_at_another(network, clock):
    a, c = network["a"], network["c"]
    bidder, _, _ = roaming_bidder(a, clock)
    join(a, c)
    assert peers.pull(c.platform, "node-a").refused is None
    with httpx.Client(base_url=c.url) as http:
        good = http.post(
            "/api/v1/auth/token", json={"username": bidder.username, "password": PASSWORD}
        )
        bad = http.post(
            "/api/v1/auth/token", json={"username": bidder.username, "password": "x" * 9}
        )
        nobody = http.post("/api/v1/auth/token", json={"username": "nobody", "password": PASSWORD})
        direct = http.post(
            "/api/v1/federation/password-check",
            json={"username": bidder.username, "password": PASSWORD},
        )
    assert good.status_code == 200, good.text  # c asked a, signed both ways
    assert good.json()["account"]["username"] == bidder.username
    assert bad.status_code == 401 and nobody.status_code == 401
    with httpx.Client(base_url=a.url) as http:
        unsigned = http.post(
            "/api/v1/federation/password-check",
            json={"username": bidder.username, "password": PASSWORD},
        )
    assert unsigned.status_code == 403 and direct.status_code == 403  # only for peer nodes


def test_an_expert_admitted_at_one_node_is_in_the_pool_of_another(network, clock):
    from ggzy.core.codes import resident_id_check_char
    from ggzy.evaluation import experts

    a, b = network["a"], network["b"]
    first17 = "42110219800101123"
    with b.platform.command("public") as uow:
        applied = experts.apply(
            uow,
            {
                "name": "李建华",
                "id_number": first17 + resident_id_check_char(first17),
                "employer": make_credit_code("1", "2", "421100", "EX000001"),
                "region": "421102",
                "specialities": ["A02"],
                "title": "正高级",
                "years": 25,
                "username": "lijianhua",
                "password": PASSWORD,
            },
        )
    with b.platform.command("system") as uow:
        staff = registry.create_account(
            uow,
            username="staff.huanggang",
            display_name="黄冈中心",
            password=PASSWORD,
            roles=["center_staff"],
            center="421100",
        )
    with b.platform.command(staff.actor) as uow:
        experts.review(uow, staff, applied["expert"], True)
    join(a, b)
    assert peers.pull(a.platform, "node-b").refused is None
    with a.platform.read() as conn:
        [shared] = experts.pool(conn, clock.now().date(), "A02")
    assert shared["id"] == applied["expert"] and shared["status"] == "active"
    assert shared["home_node"] == "node-b"


def test_experts_admitted_at_one_node_are_drawn_for_a_project_at_another(network, clock):
    from ggzy.core.codes import resident_id_check_char
    from ggzy.evaluation import draws, experts
    from ggzy.procedures.engine import get_project

    a, b = network["a"], network["b"]
    with b.platform.command("system") as uow:
        b_staff = registry.create_account(
            uow,
            username="staff.huanggang",
            display_name="黄冈中心",
            password=PASSWORD,
            roles=["center_staff"],
            center="421100",
        )
    for n in range(1, 6):
        first17 = f"42110219800101{n:03d}"
        with b.platform.command("public") as uow:
            applied = experts.apply(
                uow,
                {
                    "name": f"黄冈专家{n}",
                    "id_number": first17 + resident_id_check_char(first17),
                    "employer": make_credit_code("1", "2", "421100", f"EX{n:06d}"),
                    "region": "421102",
                    "specialities": ["A02"],
                    "title": "高级",
                    "years": 20,
                    "username": f"hgexpert{n}",
                    "password": PASSWORD,
                },
            )
        with b.platform.command(b_staff.actor) as uow:
            experts.review(uow, b_staff, applied["expert"], True)
    code = tender_at_center(a, clock, "420100")
    join(a, b)
    assert peers.pull(a.platform, "node-b").refused is None
    with a.platform.command("system") as uow:
        a_staff = registry.create_account(
            uow,
            username="staff.wuhan",
            display_name="武汉中心",
            password=PASSWORD,
            roles=["center_staff"],
            center="420100",
        )
    with a.platform.command(a_staff.actor) as uow:
        asked = draws.request_draw(
            uow, a_staff, get_project(uow.conn, code), {"A02": 5}, "2026-03-24", avoid_local=True
        )
    with a.platform.command(a_staff.actor) as uow:
        draws.run_draw(uow, a_staff, asked["draw"])
    record, problems = draws.fetch_and_verify(a.url, asked["draw"])  # ggzy experts verify-draw
    assert problems == [] and len(record["drawn"]["selected"]["A02"]) == 5
    assert record["drawn"]["avoided"] == []  # Huanggang experts are not local to Wuhan
