"""`ggzy bench opening`: open a project of N sealed bids of S MB each (不见面开标).

A fresh node gets N bidders, each with signing and encryption certificates from a test CA on
the trust list; each seals a bid package with an S MB attachment on its own side and submits
it before the deadline. At the deadline the platform opens, and every bidder submits its
content key: the timed part is the decryption of all N bids through the engine (unseal,
check the authenticated records, read and verify the package and its signature, check the
certificate, read out the price, store the package, keep its metadata) and the close. The
pure cipher cost of the same bytes, `openssl speed` of the same cipher in the same run, is
reported beside it.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PASSWORD = "bench-opening-9"


def _setup(folder: Path) -> Any:
    from ggzy.bootstrap import create_platform
    from ggzy.config import load_settings
    from ggzy.core.clock import MovableClock
    from ggzy.ledger.signing import NodeKey
    from ggzy.migrate import upgrade

    settings = load_settings(
        database_url=f"sqlite:///{folder / 'ggzy.db'}", data_dir=folder, node_id="bench-opening"
    )
    upgrade(settings.database_url)
    clock = MovableClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # Monday 09:00 Beijing
    return create_platform(settings, clock, NodeKey.generate())


def run(bids: int, size_mb: int) -> dict[str, Any]:
    """The benchmark; returns the JSON report."""
    from ggzy.bidding.sealed import pending_bidders
    from ggzy.bidding.tool import content_key_for, prepare_sealed_bid
    from ggzy.core.codes import make_credit_code
    from ggzy.core.documents import register_document
    from ggzy.pki import bindings, trust
    from ggzy.pki.envelope import read_header
    from ggzy.pki.testca import TestCA
    from ggzy.procedures.engine import get_project, perform
    from ggzy.procedures.scheduler import SYSTEM
    from ggzy.registry import handlers as registry

    folder = Path(tempfile.mkdtemp(prefix="ggzy-bench-opening-"))
    try:
        platform = _setup(folder)
        clock = platform.clock
        now = clock.now()

        def act(account: Any, code: str | None, action: str, data: dict[str, Any]) -> Any:
            with platform.command(account.actor, "420100") as uow:
                method = "construction.open_tendering" if code is None else None
                return perform(uow, account, code, action, data, method=method)

        ca = TestCA.create("基准测试CA", "ecdsa", now=now)
        with platform.command("system") as uow:
            registry.register_center(uow, "420100", "武汉市公共资源交易中心", "武汉")
            trust.add_ca(uow, ca.cert.der, ca.name, "root")
            accounts = []
            for i in range(bids + 1):
                code = make_credit_code("9", "1", "420100", f"MB{i:06d}")
                kinds = ["tenderee"] if i == 0 else ["bidder"]
                registry.register_entity(
                    uow,
                    credit_code=code,
                    name=f"基准测试单位{i:04d}有限公司",
                    kinds=kinds,
                    legal_representative="测试",
                    contacts=[{"name": "测试", "phone": "027-00000000"}],
                    qualifications=[],
                )
                accounts.append(
                    registry.create_account(
                        uow,
                        username=f"bench{i:04d}",
                        display_name=f"基准测试单位{i:04d}有限公司",
                        password=PASSWORD,
                        roles=["entity_admin"],
                        entity=code,
                    )
                )
        tenderee, bidders = accounts[0], accounts[1:]
        keys = {}
        for b in bidders:
            issued = {u: ca.issue(b.display_name, b.entity, usage=u) for u in ("sign", "encrypt")}
            with platform.command(b.actor) as uow:
                for usage, cert in issued.items():
                    bindings.bind_certificate(uow, b, cert.pem, usage)
            keys[b.username] = issued
        doc, size = platform.documents.write([b"%PDF-1.4 tender document"])
        with platform.engine.begin() as conn:
            register_document(conn, doc, size, "招标文件.pdf", "application/pdf", now)
        project = act(
            tenderee,
            None,
            "register_project",
            {"center": "420100", "title": "基准测试工程", "estimated_price": "900000000.00"},
        )["code"]
        act(
            tenderee,
            project,
            "publish_announcement",
            {
                "tender_document": doc,
                "doc_sale_start": now.isoformat(),
                "doc_sale_end": (now + timedelta(days=7)).isoformat(),
                "bid_deadline": (now + timedelta(days=21, hours=1)).isoformat(),
                "announcement": "基准测试",
            },
        )
        attachment = os.urandom(size_mb * 1_000_000)
        sealed = {}
        started = time.perf_counter()
        for i, b in enumerate(bidders):
            act(b, project, "obtain_documents", {})
            bid = prepare_sealed_bid(
                project=project,
                bidder=b.entity or "",
                bidder_name=b.display_name,
                price=800_000_000 + i * 100,
                duration_days=540,
                quality="合格",
                sign_key=keys[b.username]["sign"].key,
                sign_cert=keys[b.username]["sign"].der,
                encrypt_cert=keys[b.username]["encrypt"].der,
                attachments=[("技术标.pdf", i.to_bytes(8, "big") + attachment[8:])],
                now=clock.now(),
            )
            sha, length = platform.documents.write([bid.envelope])
            with platform.engine.begin() as conn:
                register_document(conn, sha, length, "bid.ggzyenv", "application/octet-stream", now)
            act(b, project, "submit_bid", {"sealed_file": sha, "signature": bid.signature})
            # the bidder keeps what it needs to unwrap its content key: the envelope's header
            # (holding every envelope, N x S MB, in this process would starve the page cache
            # the opening reads the sealed files from)
            sealed[b.entity] = (b, read_header(io.BytesIO(bid.envelope)).raw)
            del bid
        prepare_seconds = time.perf_counter() - started
        clock.set(now + timedelta(days=21, hours=2))
        started = time.perf_counter()
        act(SYSTEM, project, "open_bids", {})
        with platform.read() as conn:
            pending = pending_bidders(conn, project)
        for entity in pending:
            b, header = sealed[entity]
            key = content_key_for(header, keys[b.username]["encrypt"].key)
            result = act(b, project, "decrypt_bid", {"content_key": key.hex()})
        opening_seconds = time.perf_counter() - started
        with platform.read() as conn:
            stage = get_project(conn, project)["stage"]
        total_mb = bids * size_mb
        return {
            "bids": bids,
            "size_mb": size_mb,
            "stage": stage,
            "last_result": result.get("event"),
            "prepare_seconds": round(prepare_seconds, 1),
            "opening_seconds": round(opening_seconds, 1),
            "goal_seconds": 60,
            "opening_mb_s": round(total_mb / opening_seconds, 1),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def openssl_baseline(bids: int, size_mb: int) -> dict[str, Any]:
    """`openssl speed` of AES-256-GCM in this run, and the pure cipher time of the same bytes."""
    import shutil as _shutil

    from ggzy.cli import _openssl_cipher

    found = _openssl_cipher(_shutil.which("openssl"), ["aes-256-gcm"], 2)
    mb_s = found["mb_s"]
    return {
        "openssl_cipher": found["cipher"],
        "openssl_mb_s": mb_s,
        "pure_cipher_seconds": round(bids * size_mb / mb_s, 3) if mb_s else None,
    }
