"""The demo network's certificates: three CAs (RSA, ECDSA P-256, SM2) recognised network-wide.

Every demo entity gets a signing and an encryption certificate from the CA of its turn, so a
certificate from one city's CA signs in another city's project. One bidder's earlier signing
certificate is revoked by its CA's CRL, so a newcomer sees a revoked certificate refused; one
bidder keeps its signing key in custody (去介质). Keys and certificates are written under
<data dir>/demo-keys/ for trying `ggzy bid seal` by hand (demo only: unencrypted keys).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ggzy.bootstrap import Platform
from ggzy.pki import bindings, trust
from ggzy.pki.custody import enroll
from ggzy.pki.testca import Issued, TestCA
from ggzy.registry.handlers import Account

CA_PLAN = (  # (root name, issuing CA name, algorithm)
    ("湖北省数字证书认证管理中心 RSA 根CA", "湖北CA 业务证书签发CA（RSA）", "rsa"),
    ("武汉数字认证 ECC 根CA", "武汉数字认证 业务CA（ECDSA P-256）", "ecdsa"),
    ("国密SM2 根CA（华中）", "国密SM2 业务CA（华中）", "sm2"),
)
CUSTODY_USER = "bidder3"
CUSTODY_PASSPHRASE = "demo-passphrase-2026"
REVOKED_USER = "bidder8"


@dataclass
class DemoPki:
    """What seed_pki made: the issuing CAs and every entity's certificates."""

    cas: list[TestCA] = field(default_factory=list)
    certificates: dict[str, dict[str, Issued]] = field(default_factory=dict)  # user -> usage
    revoked: Issued | None = None


def seed_pki(
    platform: Platform, accounts: dict[str, Account], keys_dir: Path, say: Callable[[str], None]
) -> DemoPki:
    """Create the three CAs, list them, issue and bind every entity's certificates."""
    now = platform.clock.now()
    out = DemoPki()
    for root_name, issuing_name, algorithm in CA_PLAN:
        root = TestCA.create(root_name, algorithm, now=now - timedelta(days=400), days=7300)
        issuing = root.intermediate(issuing_name)
        issuing.now = now
        out.cas.append(issuing)
        with platform.command("account:admin") as uow:
            trust.add_ca(uow, root.cert.der, root_name, "root")
            trust.add_ca(uow, issuing.cert.der, issuing_name, "intermediate")
    say(
        f"已登记 {len(out.cas)} 个数字证书认证机构（RSA、ECDSA、SM2），全网互认 / "
        "3 CAs recognised network-wide"
    )
    holders = [a for a in accounts.values() if a.entity and "entity_admin" in a.roles]
    for i, account in enumerate(sorted(holders, key=lambda a: a.username)):
        ca = out.cas[i % len(out.cas)]
        company = account.display_name.split(" ")[0]
        issued = {
            usage: ca.issue(company, account.entity, usage=usage, days=1095)
            for usage in ("sign", "encrypt")
        }
        out.certificates[account.username] = issued
        with platform.command(account.actor) as uow:
            for usage, cert in issued.items():
                bindings.bind_certificate(uow, account, cert.pem, usage)
            if account.username == CUSTODY_USER:
                enroll(
                    uow,
                    account.username,
                    _pkcs8(issued["sign"]),
                    issued["sign"].der,
                    CUSTODY_PASSPHRASE,
                )
        _write_keys(keys_dir / account.username, issued)
    say(
        f"已为 {len(holders)} 个市场主体签发并绑定签名、加密证书 / signing and encryption "
        f"certificates issued and bound for {len(holders)} entities"
    )
    _write_cas(keys_dir / "cas", out.cas)
    return out


def revoke_demo_certificate(
    platform: Platform, pki: DemoPki, accounts: dict[str, Account], say: Callable[[str], None]
) -> None:
    """Revoke the REVOKED_USER's signing certificate and import each CA's fresh CRL."""
    now = platform.clock.now()
    victim = pki.certificates.get(REVOKED_USER, {}).get("sign")
    for ca in pki.cas:
        ca.now = now
        listed: Sequence[Any] = [victim] if victim and _issued_by(ca, victim) else []
        crl = ca.crl(
            listed,
            number=2,
            this_update=now - timedelta(hours=1),
            next_update=now + timedelta(days=365),
            revoked_at=now - timedelta(hours=1),
        )
        with platform.command("account:admin") as uow:
            trust.import_crl(uow, crl)
    pki.revoked = victim
    say(
        f"{REVOKED_USER} 的签名证书已被CA吊销，吊销列表已导入 / {REVOKED_USER}'s signing "
        "certificate revoked; CRLs imported"
    )


def _issued_by(ca: TestCA, cert: Issued) -> bool:
    return cert.info.issuer == ca.cert.info.subject


def _pkcs8(issued: Issued) -> bytes:
    from ggzy.pki.certs import load_der

    return load_der(issued.key_pem(), "PRIVATE KEY")


def _write_keys(folder: Path, issued: dict[str, Issued]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for usage, cert in issued.items():
        (folder / f"{usage}.crt.pem").write_text(cert.pem, encoding="ascii")
        key_path = folder / f"{usage}.key.pem"
        key_path.write_bytes(cert.key_pem())
        key_path.chmod(0o600)


def _write_cas(folder: Path, cas: list[TestCA]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, ca in enumerate(cas, start=1):
        (folder / f"ca{n}-root.crt.pem").write_text(ca.root.cert.pem, encoding="ascii")
        (folder / f"ca{n}-issuing.crt.pem").write_text(ca.cert.pem, encoding="ascii")
