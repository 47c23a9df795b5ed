"""SM2 X.509 certificates and CRLs (GM/T 0015 profile of RFC 5280), built with asn1crypto.

Certificates and CRLs are signed with SM2-with-SM3 (OID 1.2.156.10197.1.501, no parameters)
over the DER of the TBS structure, with ZA computed from the issuer's public key and the default
user id ``1234567812345678``. Subject keys are id-ecPublicKey on sm2p256v1
(1.2.156.10197.1.301). Key identifiers are the leftmost 160 bits of SM3 over the public point
(the RFC 7093 method 1 construction with SM3 in place of SHA-256).

Example::

    root_key = generate_sm2_key()
    root = issue_sm2_certificate(
        {"common_name": "示例根CA", "country_name": "CN"}, root_key.public_key(), None,
        root_key, serial=1, not_before=start, not_after=end, ca=True, path_len=1,
        key_usage={"key_cert_sign", "crl_sign"},
    )
    assert verify_sm2_certificate(root, root)

cryptography can parse these certificates but cannot read their SM2 public key; use
``sm2_public_key_of_certificate`` (or ``sm2_public_from_spki`` on the SPKI DER) instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509

from ggzy.pki.sm import (
    SM2_WITH_SM3_OID,
    SM2PrivateKey,
    SM2PublicKey,
    sm2_public_from_spki,
    sm2_sign,
    sm2_verify,
    sm3,
)

__all__ = [
    "KEY_USAGE_NAMES",
    "issue_sm2_certificate",
    "issue_sm2_crl",
    "sm2_key_identifier",
    "sm2_public_key_of_certificate",
    "verify_sm2_certificate",
    "verify_sm2_crl",
    "verify_sm2_signed",
]

KEY_USAGE_NAMES = frozenset(asn1_x509.KeyUsage._map.values())
"""Key usage names accepted by issue_sm2_certificate (asn1crypto spelling)."""

_MAX_SERIAL = 1 << 159  # RFC 5280 4.1.2.2: positive, at most 20 octets


def _sig_alg() -> asn1_x509.SignedDigestAlgorithm:
    return asn1_x509.SignedDigestAlgorithm({"algorithm": SM2_WITH_SM3_OID})


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value.astimezone(UTC).replace(microsecond=0)


def _time(value: datetime) -> asn1_x509.Time:
    """RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds."""
    if value.year < 2050:
        return asn1_x509.Time({"utc_time": value})
    return asn1_x509.Time({"general_time": value})


def sm2_key_identifier(pub: SM2PublicKey) -> bytes:
    """Return the 20-byte key identifier: leftmost 160 bits of SM3(04 || x || y)."""
    return sm3(pub.point())[:20]


def sm2_public_key_of_certificate(cert_der: bytes) -> SM2PublicKey:
    """Return the SM2 public key in a DER certificate; raise ValueError if it is not SM2."""
    try:
        cert = asn1_x509.Certificate.load(bytes(cert_der), strict=True)
        spki = cert["tbs_certificate"]["subject_public_key_info"].dump()
    except Exception as exc:
        raise ValueError("not a DER X.509 certificate") from exc
    return sm2_public_from_spki(spki)


def _load_issuer(issuer_cert_der: bytes, issuer_key: SM2PrivateKey) -> asn1_x509.Certificate:
    try:
        issuer = asn1_x509.Certificate.load(bytes(issuer_cert_der), strict=True)
        issuer_spki = issuer["tbs_certificate"]["subject_public_key_info"].dump()
    except Exception as exc:
        raise ValueError("issuer_cert_der is not a DER X.509 certificate") from exc
    if sm2_public_from_spki(issuer_spki) != issuer_key.public_key():
        raise ValueError("issuer_key does not match the issuer certificate's public key")
    return issuer


def _issuer_key_id(issuer: asn1_x509.Certificate, issuer_key: SM2PrivateKey) -> bytes:
    ski = issuer.key_identifier_value
    return bytes(ski.native) if ski is not None else sm2_key_identifier(issuer_key.public_key())


def _key_usage_of(cert: asn1_x509.Certificate) -> set[str] | None:
    ku = cert.key_usage_value
    return None if ku is None else set(ku.native)


def _check_issuing_ca(
    issuer: asn1_x509.Certificate, child_ca: bool, child_path_len: int | None
) -> None:
    bc = issuer.basic_constraints_value
    if bc is None or not bc["ca"].native:
        raise ValueError("issuer certificate is not a CA (basicConstraints cA is not true)")
    usage = _key_usage_of(issuer)
    if usage is not None and "key_cert_sign" not in usage:
        raise ValueError("issuer certificate's keyUsage lacks key_cert_sign")
    issuer_path_len = bc["path_len_constraint"].native
    if child_ca and issuer_path_len is not None:
        if issuer_path_len == 0:
            raise ValueError("issuer has pathLenConstraint 0 and cannot issue CA certificates")
        if child_path_len is None or child_path_len >= issuer_path_len:
            raise ValueError(
                f"child CA pathLenConstraint must be below the issuer's ({issuer_path_len})"
            )


def _extra(extensions: Iterable[asn1_x509.Extension | Mapping[str, Any]]) -> list[Any]:
    return [
        e if isinstance(e, asn1_x509.Extension) else asn1_x509.Extension(dict(e))
        for e in extensions
    ]


def issue_sm2_certificate(
    subject: dict[str, str],
    subject_public: SM2PublicKey,
    issuer_cert_der: bytes | None,
    issuer_key: SM2PrivateKey,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    ca: bool,
    path_len: int | None,
    key_usage: set[str],
    extra_extensions: Iterable[asn1_x509.Extension | Mapping[str, Any]] = (),
    *,
    check_issuer: bool = True,
) -> bytes:
    """Issue an SM2-with-SM3 X.509 v3 certificate (issuer_cert_der None = self-signed); DER.

    subject is an asn1crypto ``Name.build`` dict (UTF8String, PrintableString for country and
    serial_number). Adds basicConstraints and keyUsage (both critical), subjectKeyIdentifier
    and authorityKeyIdentifier, then extra_extensions (asn1crypto Extension objects or dicts
    with extn_id, critical, extn_value). check_issuer=False skips the issuer's CA, keyUsage and
    pathLen checks, to build deliberately invalid chains in tests.
    """
    if not subject:
        raise ValueError("subject must name at least one attribute")
    if not isinstance(serial, int) or not 0 < serial < _MAX_SERIAL:
        raise ValueError("serial must be a positive integer of at most 20 octets")
    start, end = _utc(not_before, "not_before"), _utc(not_after, "not_after")
    if start >= end:
        raise ValueError("not_before must be earlier than not_after")
    unknown = set(key_usage) - KEY_USAGE_NAMES
    if unknown:
        raise ValueError(f"unknown key usage names: {sorted(unknown)}")
    if not ca and path_len is not None:
        raise ValueError("path_len is only allowed on CA certificates")
    if path_len is not None and path_len < 0:
        raise ValueError("path_len must be non-negative")
    if "key_cert_sign" in key_usage and not ca:
        raise ValueError("key_cert_sign requires ca=True (RFC 5280 4.2.1.3)")

    subject_name = asn1_x509.Name.build(subject)
    subject_key_id = sm2_key_identifier(subject_public)
    if issuer_cert_der is None:
        if issuer_key.public_key() != subject_public:
            raise ValueError("a self-signed certificate needs issuer_key matching subject_public")
        issuer_name = subject_name
        authority_key_id = subject_key_id
    else:
        issuer = _load_issuer(issuer_cert_der, issuer_key)
        if check_issuer:
            _check_issuing_ca(issuer, ca, path_len)
        issuer_name = issuer.subject
        authority_key_id = _issuer_key_id(issuer, issuer_key)

    extensions: list[Any] = [
        {
            "extn_id": "basic_constraints",
            "critical": True,
            "extn_value": {"ca": ca, "path_len_constraint": path_len},
        },
    ]
    if key_usage:
        extensions.append({"extn_id": "key_usage", "critical": True, "extn_value": set(key_usage)})
    extensions += [
        {"extn_id": "key_identifier", "critical": False, "extn_value": subject_key_id},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": authority_key_id},
        },
    ]
    extensions = [asn1_x509.Extension(e) for e in extensions] + _extra(extra_extensions)
    ids = [e["extn_id"].dotted for e in extensions]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate extension in extra_extensions")

    tbs = asn1_x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": _sig_alg(),
            "issuer": issuer_name,
            "validity": {"not_before": _time(start), "not_after": _time(end)},
            "subject": subject_name,
            "subject_public_key_info": asn1_keys.PublicKeyInfo.load(subject_public.to_der()),
            "extensions": extensions,
        }
    )
    signature = sm2_sign(issuer_key, tbs.dump())
    cert = asn1_x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": _sig_alg(), "signature_value": signature}
    )
    return bytes(cert.dump())


def issue_sm2_crl(
    issuer_cert_der: bytes,
    issuer_key: SM2PrivateKey,
    revoked: Sequence[tuple[int, datetime]],
    this_update: datetime,
    next_update: datetime,
    crl_number: int,
    reasons: Mapping[int, str] | None = None,
    *,
    check_issuer: bool = True,
) -> bytes:
    """Issue an SM2-with-SM3 v2 CRL listing (serial, revocation time) pairs; DER.

    Adds authorityKeyIdentifier and cRLNumber; reasons optionally maps a serial to an
    asn1crypto CRLReason name (e.g. "key_compromise"). check_issuer=False skips the issuer's
    keyUsage crl_sign check.
    """
    issuer = _load_issuer(issuer_cert_der, issuer_key)
    if check_issuer:
        usage = _key_usage_of(issuer)
        if usage is not None and "crl_sign" not in usage:
            raise ValueError("issuer certificate's keyUsage lacks crl_sign")
    start, end = _utc(this_update, "this_update"), _utc(next_update, "next_update")
    if start >= end:
        raise ValueError("this_update must be earlier than next_update")
    if not isinstance(crl_number, int) or not 0 <= crl_number < _MAX_SERIAL:
        raise ValueError("crl_number must be a non-negative integer of at most 20 octets")
    reasons = dict(reasons or {})
    serials = [s for s, _ in revoked]
    if len(serials) != len(set(serials)):
        raise ValueError("a serial number is listed twice in revoked")
    if set(reasons) - set(serials):
        raise ValueError("reasons names serials that are not in revoked")

    entries = []
    for serial, when in revoked:
        entry: dict[str, Any] = {
            "user_certificate": serial,
            "revocation_date": _time(_utc(when, "revocation time")),
        }
        if serial in reasons:
            entry["crl_entry_extensions"] = [
                {"extn_id": "crl_reason", "critical": False, "extn_value": reasons[serial]}
            ]
        entries.append(entry)

    tbs_fields: dict[str, Any] = {
        "version": "v2",
        "signature": _sig_alg(),
        "issuer": issuer.subject,
        "this_update": _time(start),
        "next_update": _time(end),
        "crl_extensions": [
            {
                "extn_id": "authority_key_identifier",
                "critical": False,
                "extn_value": {"key_identifier": _issuer_key_id(issuer, issuer_key)},
            },
            {"extn_id": "crl_number", "critical": False, "extn_value": crl_number},
        ],
    }
    if entries:  # RFC 5280 5.1.2.6: absent, not empty, when nothing is revoked
        tbs_fields["revoked_certificates"] = entries
    tbs = asn1_crl.TbsCertList(tbs_fields)
    signature = sm2_sign(issuer_key, tbs.dump())
    crl = asn1_crl.CertificateList(
        {"tbs_cert_list": tbs, "signature_algorithm": _sig_alg(), "signature": signature}
    )
    return bytes(crl.dump())


def verify_sm2_signed(tbs_der: bytes, signature_der: bytes, issuer_spki_der: bytes) -> bool:
    """Verify an SM2-with-SM3 signature over a TBS certificate or CRL with the issuer's SPKI."""
    try:
        issuer_public = sm2_public_from_spki(issuer_spki_der)
    except Exception:
        return False
    return sm2_verify(issuer_public, tbs_der, signature_der)


def verify_sm2_certificate(cert_der: bytes, issuer_cert_der: bytes) -> bool:
    """True if cert_der is SM2-with-SM3 signed by issuer_cert_der's key and names it as issuer.

    Checks the signature and the issuer name only: validity, extensions, revocation and the
    path are for the caller's path validation.
    """
    try:
        cert = asn1_x509.Certificate.load(bytes(cert_der), strict=True)
        issuer = asn1_x509.Certificate.load(bytes(issuer_cert_der), strict=True)
        tbs = cert["tbs_certificate"]
        if (
            cert["signature_algorithm"]["algorithm"].dotted != SM2_WITH_SM3_OID
            or tbs["signature"].dump() != cert["signature_algorithm"].dump()
            or tbs["issuer"] != issuer.subject
        ):
            return False
        return verify_sm2_signed(
            tbs.dump(),
            bytes(cert["signature_value"].native),
            issuer["tbs_certificate"]["subject_public_key_info"].dump(),
        )
    except Exception:
        return False


def verify_sm2_crl(crl_der: bytes, issuer_cert_der: bytes) -> bool:
    """True if crl_der is SM2-with-SM3 signed by issuer_cert_der's key and names it as issuer."""
    try:
        crl = asn1_crl.CertificateList.load(bytes(crl_der), strict=True)
        issuer = asn1_x509.Certificate.load(bytes(issuer_cert_der), strict=True)
        tbs = crl["tbs_cert_list"]
        if (
            crl["signature_algorithm"]["algorithm"].dotted != SM2_WITH_SM3_OID
            or tbs["signature"].dump() != crl["signature_algorithm"].dump()
            or tbs["issuer"] != issuer.subject
        ):
            return False
        return verify_sm2_signed(
            tbs.dump(),
            bytes(crl["signature"].native),
            issuer["tbs_certificate"]["subject_public_key_info"].dump(),
        )
    except Exception:
        return False
