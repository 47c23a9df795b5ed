"""A certificate authority for tests and the demo network (测试CA): roots, intermediates,
end-entity certificates and CRLs shaped like those of real Chinese CAs.

    ca = TestCA.create("湖北省数字证书认证中心", algorithm="rsa", now=now)
    sub = ca.intermediate("湖北CA 企业证书签发中心")
    cert = sub.issue("武汉长江城建投资有限公司", "91420100MA0000001X", usage="sign")
    crl = sub.crl([cert], number=1)

Algorithms: "rsa" (2048 by default, 3072 on request), "ecdsa" (P-256) and "sm2" (GB/T 32918;
through ggzy.pki.sm2cert, imported only when an SM2 CA is made). Subjects follow Chinese CA
practice: C=CN, O and CN the company name, serialNumber the unified social credit code.
Signing certificates carry digitalSignature + nonRepudiation; encryption certificates
keyEncipherment (RSA) or keyAgreement (ECDSA), keyEncipherment + dataEncipherment +
keyAgreement (SM2). Every object comes back as DER with its private key.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ggzy.pki.certs import CertInfo, parse_certificate

__all__ = ["ALGORITHMS", "Issued", "TestCA"]

ALGORITHMS = ("rsa", "ecdsa", "sm2")
KEY_USAGE_NAMES = (
    "digital_signature",
    "content_commitment",  # nonRepudiation
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)
CA_USAGE = frozenset({"digital_signature", "key_cert_sign", "crl_sign"})


def end_entity_usage(algorithm: str, usage: str) -> frozenset[str]:
    """Key usage of an end-entity certificate, e.g. ("rsa", "encrypt") -> keyEncipherment."""
    if usage in ("sign", "login"):
        return frozenset({"digital_signature", "content_commitment"})
    if usage != "encrypt":
        raise ValueError(f"usage is sign, login or encrypt, not {usage!r}")
    return {
        "rsa": frozenset({"key_encipherment", "data_encipherment"}),
        "ecdsa": frozenset({"key_agreement"}),
        "sm2": frozenset({"key_encipherment", "data_encipherment", "key_agreement"}),
    }[algorithm]


@dataclass(frozen=True)
class Issued:
    """A certificate (DER) with its private key."""

    der: bytes
    key: Any = field(repr=False)  # cryptography private key, or ggzy.pki.sm.SM2PrivateKey

    @property
    def info(self) -> CertInfo:
        """The parsed certificate (weak keys allowed, so refused test certificates parse)."""
        return parse_certificate(self.der, strict=False)

    @property
    def pem(self) -> str:
        """The certificate as PEM text."""
        return self.info.pem()

    @property
    def serial(self) -> int:
        """The serial number."""
        return self.info.serial

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER, hex."""
        return self.info.fingerprint

    def key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (test and demo use only)."""
        if hasattr(self.key, "private_bytes"):
            data: bytes = self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return data
        return bytes(self.key.to_pem())


class TestCA:
    """One CA: its certificate and key, and the CA above it (None for a root)."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        name: str,
        algorithm: str,
        cert: Issued,
        parent: TestCA | None,
        now: datetime,
    ) -> None:
        self.name = name
        self.algorithm = algorithm
        self.cert = cert
        self.parent = parent
        self.now = now

    # ------------------------------------------------------------------ CAs

    @classmethod
    def create(
        cls,
        name: str = "OpenGGZY 测试根CA",
        algorithm: str = "rsa",
        *,
        now: datetime | None = None,
        key_size: int = 2048,
        days: int = 3650,
        path_len: int | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> TestCA:
        """A self-signed root CA valid from a day before `now` for `days` days."""
        _check_algorithm(algorithm)
        now = _aware(now or datetime.now(UTC))
        start = not_before or now - timedelta(days=1)
        end = not_after or start + timedelta(days=days)
        key = _new_key(algorithm, key_size)
        name_attrs = _ca_name(name)
        cert = _issue(
            algorithm,
            subject=name_attrs,
            subject_key=key,
            issuer=name_attrs,
            issuer_key=key,
            issuer_cert=None,
            not_before=start,
            not_after=end,
            ca=True,
            path_len=path_len,
            usage=CA_USAGE,
            eku=(),
        )
        return cls(name, algorithm, Issued(cert, key), None, now)

    def intermediate(
        self,
        name: str,
        *,
        path_len: int | None = 0,
        ca: bool = True,
        key_usage: Iterable[str] = CA_USAGE,
        key_size: int = 2048,
        days: int = 1825,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> TestCA:
        """A subordinate CA of the same algorithm; ca=False makes a broken one for tests."""
        start = not_before or self.now - timedelta(days=1)
        end = not_after or start + timedelta(days=days)
        key = _new_key(self.algorithm, key_size)
        cert = _issue(
            self.algorithm,
            subject=_ca_name(name),
            subject_key=key,
            issuer=_ca_name(self.name),
            issuer_key=self.cert.key,
            issuer_cert=self.cert.der,
            not_before=start,
            not_after=end,
            ca=ca,
            path_len=path_len if ca else None,
            usage=frozenset(key_usage),
            eku=(),
        )
        return TestCA(name, self.algorithm, Issued(cert, key), self, self.now)

    @property
    def chain(self) -> list[bytes]:
        """DER of this CA and every CA above it except the root (the intermediates)."""
        out: list[bytes] = []
        ca: TestCA | None = self
        while ca is not None and ca.parent is not None:
            out.append(ca.cert.der)
            ca = ca.parent
        return out

    @property
    def root(self) -> TestCA:
        """The root CA of this CA."""
        ca = self
        while ca.parent is not None:
            ca = ca.parent
        return ca

    # ------------------------------------------------------------------ end entities

    def issue(
        self,
        company: str,
        credit_code: str | None,
        *,
        usage: str = "sign",
        key_usage: Iterable[str] | None = None,
        key_size: int = 2048,
        days: int = 730,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        holder: str | None = None,
        person_id: str | None = None,
    ) -> Issued:
        """An entity certificate: CN and O the company (or CN the holder), serialNumber the code.

        person_id makes a personal certificate (个人证书): serialNumber the resident ID, CN the
        holder, O the employer (`company`), no credit code.

        usage: "sign" (digitalSignature + nonRepudiation) or "encrypt" (keyEncipherment for
        RSA, keyAgreement for ECDSA); key_usage overrides it with asn1crypto/cryptography names.
        key_size applies to RSA (1024 makes a weak certificate for tests).
        """
        start = not_before or self.now - timedelta(days=1)
        end = not_after or start + timedelta(days=days)
        chosen = (
            frozenset(key_usage)
            if key_usage is not None
            else end_entity_usage(self.algorithm, usage)
        )
        key = _new_key(self.algorithm, key_size)
        attrs = [(NameOID.COUNTRY_NAME, "CN"), (NameOID.ORGANIZATION_NAME, company)]
        if credit_code or person_id:
            attrs.append((NameOID.SERIAL_NUMBER, person_id or credit_code or ""))
        attrs.append((NameOID.COMMON_NAME, holder or company))
        eku = (ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION)
        cert = _issue(
            self.algorithm,
            subject=attrs,
            subject_key=key,
            issuer=_ca_name(self.name),
            issuer_key=self.cert.key,
            issuer_cert=self.cert.der,
            not_before=start,
            not_after=end,
            ca=False,
            path_len=None,
            usage=_normalise_usage(chosen),
            eku=eku,
        )
        return Issued(cert, key)

    # ------------------------------------------------------------------ revocation

    def crl(
        self,
        revoked: Sequence[Issued | int | tuple[int, datetime]] = (),
        *,
        number: int = 1,
        this_update: datetime | None = None,
        next_update: datetime | None = None,
        revoked_at: datetime | None = None,
    ) -> bytes:
        """A CRL (DER) of this CA listing certificates, serials or (serial, date) pairs.

        thisUpdate defaults to an hour before `now`, nextUpdate to 7 days after thisUpdate,
        the revocation date of plain entries to `revoked_at` or thisUpdate.
        """
        start = this_update or self.now - timedelta(hours=1)
        end = next_update or start + timedelta(days=7)
        entries: list[tuple[int, datetime]] = []
        for item in revoked:
            if isinstance(item, Issued):
                entries.append((item.serial, revoked_at or start))
            elif isinstance(item, tuple):
                entries.append((item[0], _aware(item[1])))
            else:
                entries.append((int(item), revoked_at or start))
        if self.algorithm == "sm2":
            return bytes(
                _sm2cert().issue_sm2_crl(
                    self.cert.der,
                    self.cert.key,
                    entries,
                    start,
                    end,
                    number,
                    {serial: "key_compromise" for serial, _ in entries},
                    check_issuer=False,
                )
            )
        issuer_info = self.cert.info
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(x509.load_der_x509_certificate(self.cert.der).subject)
            .last_update(start)
            .next_update(end)
            .add_extension(x509.CRLNumber(number), critical=False)
        )
        if issuer_info.subject_key_id is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier(issuer_info.subject_key_id, None, None),
                critical=False,
            )
        for serial, when in entries:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(when)
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        crl = builder.sign(self.cert.key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.DER)


# ---------------------------------------------------------------------- helpers


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")


def _aware(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime refused: give a timezone-aware datetime")
    return dt.astimezone(UTC)


def _sm2cert() -> Any:
    try:
        from ggzy.pki import sm2cert
    except ImportError as exc:
        raise RuntimeError("SM2 certificates need ggzy.pki.sm2cert") from exc
    return sm2cert


def _new_key(algorithm: str, key_size: int) -> Any:
    if algorithm == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    if algorithm == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    from ggzy.pki.sm import generate_sm2_key

    return generate_sm2_key()


def _ca_name(name: str) -> list[tuple[x509.ObjectIdentifier, str]]:
    return [
        (NameOID.COUNTRY_NAME, "CN"),
        (NameOID.ORGANIZATION_NAME, name),
        (NameOID.COMMON_NAME, name),
    ]


def _normalise_usage(names: Iterable[str]) -> frozenset[str]:
    """Accept asn1crypto names too ("non_repudiation" is cryptography's content_commitment)."""
    out = {"content_commitment" if n == "non_repudiation" else n for n in names}
    unknown = out - set(KEY_USAGE_NAMES)
    if unknown:
        raise ValueError(f"unknown key usage {sorted(unknown)}; use {KEY_USAGE_NAMES}")
    return frozenset(out)


def _issue(
    algorithm: str,
    *,
    subject: list[tuple[x509.ObjectIdentifier, str]],
    subject_key: Any,
    issuer: list[tuple[x509.ObjectIdentifier, str]],
    issuer_key: Any,
    issuer_cert: bytes | None,
    not_before: datetime,
    not_after: datetime,
    ca: bool,
    path_len: int | None,
    usage: frozenset[str],
    eku: Sequence[x509.ObjectIdentifier],
) -> bytes:
    """Build and sign one certificate; SM2 goes through ggzy.pki.sm2cert."""
    usage = _normalise_usage(usage)
    serial = secrets.randbits(63) | (1 << 62)  # positive, 8 bytes, never zero
    if algorithm == "sm2":
        # sm2cert takes asn1crypto names; the issuer name comes from issuer_cert
        names = {"content_commitment": "non_repudiation"}
        sm2_usage = {names.get(u, u) for u in usage}
        if not ca:
            sm2_usage.discard("key_cert_sign")  # a broken non-CA "intermediate" for tests
        extra = []
        if eku:
            extra.append(
                {
                    "extn_id": "extended_key_usage",
                    "critical": False,
                    "extn_value": [oid.dotted_string for oid in eku],
                }
            )
        return bytes(
            _sm2cert().issue_sm2_certificate(
                {_ASN1_NAMES[oid]: value for oid, value in subject},
                subject_key.public_key(),
                issuer_cert,
                issuer_key,
                serial,
                not_before,
                not_after,
                ca,
                path_len,
                sm2_usage,
                extra,
                check_issuer=False,  # tests build deliberately broken chains too
            )
        )
    public = subject_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_x509_name(subject))
        .issuer_name(_x509_name(issuer))
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature="digital_signature" in usage,
                content_commitment="content_commitment" in usage,
                key_encipherment="key_encipherment" in usage,
                data_encipherment="data_encipherment" in usage,
                key_agreement="key_agreement" in usage,
                key_cert_sign="key_cert_sign" in usage,
                crl_sign="crl_sign" in usage,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if issuer_cert is not None:
        issuer_ski = x509.load_der_x509_certificate(issuer_cert).extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        )
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski.value),
            critical=False,
        )
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False
        )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER)


_ASN1_NAMES = {
    NameOID.COUNTRY_NAME: "country_name",
    NameOID.ORGANIZATION_NAME: "organization_name",
    NameOID.COMMON_NAME: "common_name",
    NameOID.SERIAL_NUMBER: "serial_number",
}


def _x509_name(attrs: list[tuple[x509.ObjectIdentifier, str]]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs])
