"""Sealed bids opened only by their owners (投标文件加密与远程解密).

Submission: the bidder seals its signed bid package on its own side (ggzy.pki.envelope) to its
bound encryption certificate, and to the center's opening key when the center has one, signs
the sealed file's SHA-256 with its signing certificate and uploads both. The platform checks
the envelope's structure without any key, the signature and the certificates, stores the
sealed file and its hash, and cannot read the bid.

Opening: at the deadline the platform starts the opening (fewer bids than the minimum: 流标);
each bidder unwraps its content key on its own side and submits it within the decryption
window; the platform decrypts, checks the plaintext against the envelope's digest, checks the
package's signature, and reads the bid out (唱标). As a fallback, k officers of the center
submit their shares of the opening key; every share and every use is an event. When the
window closes, bids not decrypted count as withdrawn by their bidders (电子招标投标办法).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    select,
    update,
)

from ggzy.bidding.tables import bids
from ggzy.core.documents import document_info, register_document
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import NewEvent, RecordedEvent, event_type
from ggzy.core.money import to_capitals
from ggzy.core.projections import projection_table, projector
from ggzy.core.uow import UnitOfWork
from ggzy.db import UTCDateTime, metadata
from ggzy.procedures.engine import Context, Outcome, effect
from ggzy.registry.handlers import find_entity

event_type("OpeningStarted", "开标开始，进入解密", "opening started: decryption window open")
event_type(
    "BidDecryptionFailed",
    "投标文件未在时限内解密（视为撤销）",
    "bid not decrypted in time (treated as withdrawn)",
)
event_type("OpeningShareSubmitted", "开标密钥分片已提交", "opening-key share submitted")
event_type("OpeningKeyCreated", "交易中心开标密钥已生成", "center opening key created")

MAX_SIGNATURE = 100_000

# 开标密钥: a center's opening public key; the private key exists only as officers' shares.
opening_keys = projection_table(
    Table(
        "opening_keys",
        metadata,
        Column("key_id", String(64), primary_key=True),  # SHA-256 of the SPKI
        Column("center", String(16), nullable=False),
        Column("public_pem", Text, nullable=False),
        Column("threshold", Integer, nullable=False),
        Column("shares", Integer, nullable=False),
        Column("set_id", String(32), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
    )
)

# Shares handed in during one opening; deleted once used. Secret, not a projection.
opening_shares = Table(
    "opening_shares",
    metadata,
    Column("project", String(18), primary_key=True),
    Column("share_index", Integer, primary_key=True),
    Column("officer", String(64), nullable=False),
    Column("share", Text, nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=False),
)


# ---------------------------------------------------------------- opening keys


def create_opening_key(uow: UnitOfWork, center: str, k: int, n: int) -> list[str]:
    """Generate a center's opening key; returns the n shares (JSON) once, to hand to officers."""
    from ggzy.pki.envelope import Recipient, generate_opening_key

    if not 2 <= k <= n <= 20:
        raise DomainError(
            "invalid-threshold",
            "门限须满足 2 ≤ k ≤ n ≤ 20",
            "the threshold must satisfy 2 <= k <= n <= 20",
        )
    key = generate_opening_key(k, n, label=f"{center} 开标密钥 / opening key")
    recipient = Recipient.load(key.public_pem, opening=True)
    payload = {
        "center": center,
        "key_id": recipient.spki_sha256,
        "public_pem": key.public_pem.decode(),
        "threshold": k,
        "shares": n,
        "set_id": key.shares[0].set_id,
    }
    uow.emit(NewEvent("OpeningKeyCreated", "center", center, payload), center=center)
    return [s.to_json() for s in key.shares]


@projector("OpeningKeyCreated")
def _opening_key_created(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        opening_keys.insert().values(
            key_id=p["key_id"],
            center=p["center"],
            public_pem=p["public_pem"],
            threshold=p["threshold"],
            shares=p["shares"],
            set_id=p["set_id"],
            created_at=ev.recorded_at,
        )
    )


def current_opening_key(conn: Connection, center: str) -> dict[str, Any] | None:
    """The newest opening key of a center, or None if the center requires none."""
    row = conn.execute(
        select(opening_keys)
        .where(opening_keys.c.center == center)
        .order_by(opening_keys.c.created_at.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None


# ---------------------------------------------------------------- submission


def _bidder_certificate(conn: Connection, entity: str, key_ids: set[str]) -> dict[str, Any] | None:
    from ggzy.pki.bindings import certificates_of

    for cert in certificates_of(conn, entity, "encrypt"):
        from ggzy.pki.certs import parse_certificate

        info = parse_certificate(cert["pem"])
        if hashlib.sha256(info.der).hexdigest() in key_ids or (
            hashlib.sha256(info.spki_der).hexdigest() in key_ids
        ):
            return cert
    return None


@effect("submit_sealed_bid")
def _submit_sealed(ctx: Context) -> Outcome:
    """Accept a bidder-sealed bid: structure, recipients, signature and certificates checked."""
    from ggzy.bidding.handlers import current_bid, is_holder
    from ggzy.pki.envelope import inspect_stream
    from ggzy.procedures.signing import check_entity_signature

    p = ctx.project
    assert p is not None
    bidder = ctx.account.entity or ""
    if not is_holder(ctx.conn, p["code"], bidder):
        raise forbidden(
            "须先获取招标文件", "obtain the tender documents first", reason="not-a-holder"
        )
    sealed = ctx.data["sealed_file"]
    if document_info(ctx.conn, sealed) is None:
        raise DomainError(
            "unknown-document",
            "密封投标文件尚未上传",
            "the sealed bid file has not been uploaded",
            field="sealed_file",
        )
    with ctx.uow.platform.documents.path(sealed).open("rb") as fh:
        info = inspect_stream(fh)  # refuses garbage, truncation, broken framing
    header = info.header
    if header.project != p["code"] or header.bidder != bidder:
        raise DomainError(
            "envelope-mismatch",
            "密封文件的项目或投标人与本次递交不符",
            "the sealed file names another project or bidder",
            field="sealed_file",
            envelope_project=header.project,
            envelope_bidder=header.bidder,
        )
    key_ids = {e.get("key_id") for e in header.recipients} | {
        e.get("spki_sha256") for e in header.recipients
    }
    own = _bidder_certificate(ctx.conn, bidder, {k for k in key_ids if k})
    if own is None:
        raise DomainError(
            "no-bidder-recipient",
            "密封文件未加密给本单位已绑定的加密证书，开标时将无法解密",
            "the sealed file is not encrypted to a bound encryption certificate of the bidder",
            field="sealed_file",
        )
    opening = p["data"].get("opening_key")
    if opening and opening["key_id"] not in key_ids:
        raise DomainError(
            "no-opening-recipient",
            "本中心要求同时加密给开标密钥（备用解密），密封文件缺少该接收方",
            "this center requires the content key wrapped to its opening key as well",
            field="sealed_file",
        )
    verified = check_entity_signature(
        ctx, sealed, ctx.data["signature"], bidder, "递交签名", "submission signature"
    )
    previous = current_bid(ctx.conn, p["code"], bidder)
    payload = {
        "bidder": bidder,
        "sealed_sha256": sealed,
        "envelope_header_sha256": header.sha256.hex(),
        "envelope_version": header.version,
        "cipher": header.cipher,
        "recipients": sorted(k for k in key_ids if k),
        "declared": header.declared,
        "signature": verified.to_dict(),
        "replaces": previous["seq"] if previous else None,
        "origin": ctx.uow.origin,  # submitting IP and user agent (collusion evidence)
    }
    receipt = {
        "sealed_sha256": sealed,
        "received_at": ctx.now.isoformat(),
        "replaces": payload["replaces"],
    }
    return Outcome(payload=payload, documents=(sealed,), result={"receipt": receipt})


@effect("submit_sealed_quote")
def _submit_sealed_quote(ctx: Context) -> Outcome:
    """One quote that cannot be changed (询价: 一次报出不得更改的价格, 政府采购法 art. 40)."""
    from ggzy.bidding.handlers import current_bid

    p = ctx.project
    assert p is not None
    if current_bid(ctx.conn, p["code"], ctx.account.entity or "") is not None:
        raise DomainError(
            "quote-final",
            "询价采购中供应商只能一次报出不得更改的价格，已递交的报价不能更改或重新递交"
            "（政府采购法 第40条）",
            "in a request for quotation a supplier quotes once and cannot change it "
            "(Government Procurement Law art. 40)",
            status=409,
        )
    return _submit_sealed(ctx)


# ---------------------------------------------------------------- opening


def _pending(conn: Connection, project: str) -> list[dict[str, Any]]:
    q = select(bids).where(bids.c.project == project, bids.c.status == "submitted")
    return [dict(r._mapping) for r in conn.execute(q.order_by(bids.c.seq))]


def _pending_of(conn: Connection, project: str, bidder: str | None) -> dict[str, Any] | None:
    """One bidder's bid waiting to be decrypted (one indexed row, not the whole list)."""
    q = select(bids).where(
        bids.c.project == project, bids.c.status == "submitted", bids.c.bidder == bidder
    )
    row = conn.execute(q.order_by(bids.c.seq).limit(1)).first()
    return dict(row._mapping) if row else None


def _pending_count(conn: Connection, project: str) -> int:
    q = (
        select(func.count())
        .select_from(bids)
        .where(bids.c.project == project, bids.c.status == "submitted")
    )
    return int(conn.execute(q).scalar_one())


def pending_bidders(conn: Connection, project: str) -> list[str]:
    """Credit codes of the bidders whose bids still wait to be decrypted."""
    return [b["bidder"] for b in _pending(conn, project)]


def _opened(conn: Connection, project: str) -> list[dict[str, Any]]:
    q = select(bids).where(bids.c.project == project, bids.c.status == "opened")
    return [dict(r._mapping) for r in conn.execute(q.order_by(bids.c.seq))]


@effect("start_opening", outcomes=("decrypting", "failed"))
def _start_opening(ctx: Context) -> Outcome:
    """开标: too few bids → 流标; else publish who bid and open the decryption window."""
    p = ctx.project
    assert p is not None
    current = _pending(ctx.conn, p["code"])
    minimum = ctx.rule("min_bids")
    if len(current) < minimum.value:
        return Outcome(
            name="failed",
            event="TenderFailed",
            payload={
                "reason": "too-few-bids",
                "bids": len(current),
                "minimum": minimum.value,
                "basis": minimum.source,
                "zh": f"递交投标文件的投标人少于 {minimum.value} 个，不得开标，招标失败（流标）",
                "en": f"fewer than {minimum.value} bids: no opening, the tender failed",
            },
            set={"failed_at": ctx.now.isoformat()},
        )
    window = ctx.rule("decrypt_window_minutes")
    until = ctx.now + timedelta(minutes=window.value)
    bidders = [
        {
            "bidder": b["bidder"],
            "bidder_name": _name(ctx.conn, b["bidder"]),
            "sealed_sha256": b["sealed_sha256"],
        }
        for b in current
    ]
    return Outcome(
        name="decrypting",
        payload={
            "bids": len(current),
            "bidders": bidders,
            "decrypt_until": until.isoformat(),
            "basis": window.source,
        },
        set={"opened_at": ctx.now.isoformat(), "decrypt_until": until.isoformat()},
    )


def _bond(ctx: Context, bidder: str) -> dict[str, Any]:
    from ggzy.bidding.bonds import bond_status

    assert ctx.project is not None
    return bond_status(ctx.conn, ctx.project, bidder)


def _name(conn: Connection, code: str) -> str:
    entity = find_entity(conn, code)
    return entity["name"] if entity else code


def decrypt_and_read(
    ctx: Context, bid: dict[str, Any], content_key: bytes, by: str
) -> dict[str, Any]:
    """Decrypt one sealed bid with its content key, check it, and return its opening record."""
    from ggzy.bidding.evidence import package_metadata
    from ggzy.bidding.package import PackageScan, read_bid_package
    from ggzy.pki.envelope import unseal_stream
    from ggzy.pki.trust import check_certificate

    p = ctx.project
    assert p is not None
    store = ctx.uow.platform.documents
    # One pass over the sealed file: every record is authenticated, decrypted straight into a
    # temporary file in the store's root, hashed for the store (SHA-256) and, for stored
    # attachments, for the letter's check (PackageScan) on the way. The package is then read
    # from that file's central directory (small reads), and the file is moved into the store
    # under its hash with one fsync. On any refusal the temporary file is removed.
    with store.incoming(prefix=".opening-") as incoming:
        scan = PackageScan()
        with store.path(bid["sealed_sha256"]).open("rb") as src:
            unsealed = unseal_stream(src, incoming.file, content_key, digest=True, sink=scan.feed)
        incoming.file.flush()
        package = read_bid_package(incoming.path, scan=scan)
        ctx.emit(  # confidential: the document metadata, for collusion screening
            "BidEvidenceRecorded",
            {
                "bidder": bid["bidder"],
                "bid": bid["seq"],
                "documents": package_metadata(incoming.path),
            },
        )
        letter = package.letter
        problems = []
        if letter.get("project") != p["code"] or letter.get("bidder") != bid["bidder"]:
            problems.append(
                "投标函的项目或投标人与递交记录不符 / the bid letter names another "
                "project or bidder"
            )
        sig = package.signature
        if not sig.ok:
            problems.append(f"投标函签名无效 / the bid letter's signature is invalid: {sig.reason}")
        elif sig.credit_code != bid["bidder"]:
            problems.append(
                "投标函不是由投标人本单位的证书签名 / signed by another entity's certificate"
            )
        elif sig.signer_certificate_der is not None:
            status = check_certificate(
                ctx.conn,
                sig.signer_certificate_der,
                bid["submitted_at"],
                "sign",
                expect_credit_code=bid["bidder"],
            )
            if not status.ok:
                problems.append(
                    f"签名证书在递交时无效 / the signing certificate was not valid "
                    f"when the bid was submitted: {status.reason}"
                )
        assert unsealed.plaintext_sha256 is not None  # digest=True
        sha, size = incoming.adopt(  # archived: not read again during the opening
            unsealed.plaintext_sha256, unsealed.plaintext_length, drop_cache=True
        )
    register_document(
        ctx.conn, sha, size, f"{p['code']}-{bid['bidder']}-bid.zip", "application/zip", ctx.now
    )
    return {
        "bid": bid["seq"],
        "bidder": bid["bidder"],
        "bidder_name": _name(ctx.conn, bid["bidder"]),
        "price": package.price,
        "price_capitals": to_capitals(package.price),
        "price_corrected": package.price_corrected,
        "duration_days": letter.get("duration_days"),
        "quality": letter.get("quality"),
        "attachments": package.attachments,
        "sealed_sha256": bid["sealed_sha256"],
        "package_sha256": sha,
        "signature": sig.to_dict(),
        "valid": not problems,
        "problems": problems,
        "decrypted_by": by,
        "bond": _bond(ctx, bid["bidder"]),  # read out with the bid (唱标: 保证金情况)
        "submitted_at": bid["submitted_at"].isoformat(),
    }


def _finish_outcome(ctx: Context) -> Outcome:
    """After the last decryption or the window: enough valid bids → opened, else failed."""
    p = ctx.project
    assert p is not None
    opened = _opened(ctx.conn, p["code"])
    minimum = ctx.rule("min_bids")
    summary = [{"bidder": b["bidder"], "price": b["price"]} for b in opened]
    if len(opened) < minimum.value:
        return Outcome(
            name="failed",
            event="TenderFailed",
            payload={
                "reason": "too-few-decrypted",
                "bids": len(opened),
                "minimum": minimum.value,
                "basis": minimum.source,
                "zh": f"成功解密的投标文件少于 {minimum.value} 份，招标失败（流标）",
                "en": f"fewer than {minimum.value} bids decrypted: the tender failed",
            },
            set={"failed_at": ctx.now.isoformat()},
        )
    record = _opening_record(ctx, opened)
    on_the_spot = ctx.rule("opening_objection_minutes")  # 开标异议当场提出 (Reg. art. 44)
    objections_until = (ctx.now + timedelta(minutes=on_the_spot.value)).isoformat()
    return Outcome(
        name="opened",
        event="BidsOpened",
        payload={
            "bids": len(opened),
            "read_out": summary,
            "opening_record": record,
            "objections_until": objections_until,
        },
        set={
            "decrypted_at": ctx.now.isoformat(),
            "opening_record": record,
            "opening_objections_until": objections_until,
        },
        documents=(record,),
    )


def _opening_record(ctx: Context, opened: list[dict[str, Any]]) -> str:
    """Store the opening record (开标记录) as a document the parties can sign; its SHA-256."""
    p = ctx.project
    assert p is not None
    undecrypted = select(bids.c.bidder).where(
        bids.c.project == p["code"], bids.c.status == "undecrypted"
    )
    body = {
        "format": "ggzy-opening-record/1",
        "project": p["code"],
        "title": p["title"],
        "opened_at": p["data"].get("opened_at"),
        "closed_at": ctx.now.isoformat(),
        "bids": [json.loads(b["opened"]) for b in opened if b["opened"]],
        "undecrypted": [
            {"bidder": code, "bidder_name": _name(ctx.conn, code)}
            for code in ctx.conn.execute(undecrypted).scalars()
        ],
    }
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1).encode()
    sha, size = ctx.uow.platform.documents.write([data])
    register_document(
        ctx.conn, sha, size, f"{p['code']}-开标记录.json", "application/json", ctx.now
    )
    return sha


@effect("decrypt_bid", outcomes=("pending", "opened", "failed"))
def _decrypt_bid(ctx: Context) -> Outcome:
    """A bidder submits its unwrapped content key; its bid is decrypted and read out."""
    p = ctx.project
    assert p is not None
    mine = _pending_of(ctx.conn, p["code"], ctx.account.entity)
    if mine is None:
        raise DomainError(
            "nothing-to-decrypt",
            "没有待解密的本单位投标文件",
            "you have no bid waiting to be decrypted",
            status=409,
        )
    try:
        key = bytes.fromhex(ctx.data["content_key"].strip())
    except ValueError:
        key = b""
    if len(key) not in (16, 32):
        raise DomainError(
            "invalid-content-key",
            "内容密钥须为 32 或 64 位十六进制",
            "the content key must be 32 or 64 hex digits",
            field="content_key",
        )
    record = decrypt_and_read(ctx, mine, key, "bidder")
    if _pending_count(ctx.conn, p["code"]) > 1:
        return Outcome(name="pending", payload=record)  # the action's event is BidOpened
    ctx.emit("BidOpened", record)  # the last one: read out, then close the opening
    return _finish_outcome(ctx)


@effect("submit_opening_share", outcomes=("pending", "opened", "failed"))
def _submit_share(ctx: Context) -> Outcome:
    """备用解密: an officer hands in a share; with k shares the opening key opens what is left."""
    from ggzy.pki.envelope import read_header, recover_opening_key, unwrap_content_key
    from ggzy.pki.shamir import Share

    p = ctx.project
    assert p is not None
    opening = p["data"].get("opening_key")
    if not opening:
        raise DomainError(
            "no-opening-key", "本项目未使用开标密钥", "this project has no opening key", status=409
        )
    raw = ctx.data["share"]
    share = Share.from_json(raw if isinstance(raw, str) else json.dumps(raw))
    if share.set_id != opening["set_id"]:
        raise DomainError(
            "wrong-share",
            "该分片不属于本项目的开标密钥",
            "this share belongs to another opening key",
            field="share",
        )
    taken = ctx.conn.execute(
        select(opening_shares).where(opening_shares.c.project == p["code"])
    ).all()
    if any(r.share_index == share.index for r in taken):
        raise DomainError(
            "share-duplicate",
            f"第 {share.index} 份分片已提交",
            f"share {share.index} was already submitted",
            status=409,
        )
    if any(r.officer == ctx.account.username for r in taken):
        raise DomainError(
            "officer-duplicate",
            "每名开标人员只能提交一份分片",
            "each officer submits one share",
            status=409,
        )
    ctx.conn.execute(
        opening_shares.insert().values(
            project=p["code"],
            share_index=share.index,
            officer=ctx.account.username,
            share=share.to_json(),
            submitted_at=ctx.now,
        )
    )
    shares = [Share.from_json(r.share) for r in taken] + [share]
    handed_in = {
        "officer": ctx.account.username,
        "index": share.index,
        "threshold": share.threshold,
        "shares": len(shares),
    }
    if len(shares) < share.threshold:
        return Outcome(name="pending", payload=handed_in)  # event: OpeningShareSubmitted
    ctx.emit("OpeningShareSubmitted", handed_in)
    key = recover_opening_key(shares)
    ctx.conn.execute(delete(opening_shares).where(opening_shares.c.project == p["code"]))
    for bid in _pending(ctx.conn, p["code"]):
        with ctx.uow.platform.documents.path(bid["sealed_sha256"]).open("rb") as fh:
            header = read_header(fh)
        content_key = unwrap_content_key(header, key)
        ctx.emit("BidOpened", decrypt_and_read(ctx, bid, content_key, "officers"))
    return _finish_outcome(ctx)


@effect("finish_opening", outcomes=("opened", "failed"))
def _finish(ctx: Context) -> Outcome:
    """The window has closed: bids not decrypted count as withdrawn; then opened or 流标."""
    p = ctx.project
    assert p is not None
    for bid in _pending(ctx.conn, p["code"]):
        ctx.emit(
            "BidDecryptionFailed",
            {
                "bid": bid["seq"],
                "bidder": bid["bidder"],
                "bidder_name": _name(ctx.conn, bid["bidder"]),
                "zh": "未在解密时限内解密，视为撤销投标文件",
                "en": "not decrypted within the window: treated as withdrawn",
            },
        )
    return _finish_outcome(ctx)


@projector("BidDecryptionFailed")
def _decryption_failed(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(update(bids).where(bids.c.seq == ev.payload["bid"]).values(status="undecrypted"))
