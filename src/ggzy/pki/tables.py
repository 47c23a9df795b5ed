"""PKI tables: the network's trust list (a projection) and the imported revocation lists.

trusted_cas is rebuilt from CertificateAuthorityAdded/Removed events, which carry the
certificate itself. A CRL can be megabytes, so its event carries only its SHA-256 (the bytes go
to the document store, as every document does); crls and revoked_certificates are written by
the import command in the same transaction as its event and are not replayed.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, LargeBinary, String, Table, Text

from ggzy.db import UTCDateTime, metadata

# 受信任CA列表: root and intermediate certificates of every recognised CA, network-wide.
# ggzy.pki.trust marks it as a projection next to its projectors, so a process that loads
# the tables without the projectors never empties it on a rebuild.
trusted_cas = Table(
    "trusted_cas",
    metadata,
    Column("fingerprint", String(64), primary_key=True),  # SHA-256 of the DER, hex
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # root | intermediate
    Column("subject", Text, nullable=False),
    Column("issuer", Text, nullable=False),
    Column("serial", String(64), nullable=False),  # uppercase hex
    Column("algorithm", String(16), nullable=False),  # rsa | ecdsa-p256 | sm2
    Column("not_before", UTCDateTime(), nullable=False),
    Column("not_after", UTCDateTime(), nullable=False),
    Column("der", LargeBinary, nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
)

# 证书吊销列表: the newest imported CRL of each listed CA (keyed by the CA's fingerprint).
crls = Table(
    "crls",
    metadata,
    Column("issuer_fingerprint", String(64), primary_key=True),
    Column("issuer", Text, nullable=False),
    Column("crl_number", String(50)),  # decimal text: CRL numbers may have 20 octets
    Column("this_update", UTCDateTime(), nullable=False),
    Column("next_update", UTCDateTime()),
    Column("sha256", String(64), nullable=False),
    Column("der", LargeBinary, nullable=False),
    Column("revoked_count", Integer, nullable=False),
    Column("imported_by", String(64), nullable=False),
    Column("imported_at", UTCDateTime(), nullable=False),
)

# The serials listed by the stored CRL of each CA, for status look-ups.
revoked_certificates = Table(
    "revoked_certificates",
    metadata,
    Column("issuer_fingerprint", String(64), primary_key=True),
    Column("serial", String(64), primary_key=True),  # uppercase hex, as CertInfo.serial_hex
    Column("revoked_at", UTCDateTime(), nullable=False),
    Column("reason", String(32)),
    Index("ix_revoked_certificates_serial", "serial"),
)

# Secrets, not a projection: never rebuilt from events, never exported.
custody_keys = Table(
    "custody_keys",
    metadata,
    Column("fingerprint", String(64), primary_key=True),  # SHA-256 of the certificate DER
    Column("username", String(64), nullable=False),
    Column("certificate", LargeBinary, nullable=False),
    Column("salt", LargeBinary(16), nullable=False),
    Column("nonce", LargeBinary(12), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("time_cost", Integer, nullable=False),
    Column("memory_cost", Integer, nullable=False),
    Column("parallelism", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
