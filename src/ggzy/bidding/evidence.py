"""Evidence for collusion screening (围标串标线索), kept with every bid.

At submission: the submitting IP and user agent, the machine code and hardware ids the bid
tool declares in the sealed envelope's header, and the certificate that signed the upload
(kept per bidder; bound to one entity, so it is not a shared signal).
At opening: the decrypted package's document metadata — each file's time in the ZIP and, for
PDF and Office attachments, their author, last editor, company, creating tool and dates. All of
it stays in confidential events; `screening` groups the bidders that share a value, as the
招标投标法实施条例 art. 40 presumptions (the same machine, the same author, documents made by
the same unit or person) and rules.md §3 ask to flag. A shared value is a lead for the
evaluation committee and the regulator, not a finding.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, select

from ggzy.core.events import event_type
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events

event_type(
    "BidEvidenceRecorded", "投标文件元数据已留存", "bid document metadata kept", public=False
)

_PDF_KEYS = ("Author", "Creator", "Producer", "Company", "CreationDate", "ModDate")
_PDF_FIELD = re.compile(
    rb"/(" + b"|".join(k.encode() for k in _PDF_KEYS) + rb")\s*\(([^)]{0,200})\)"
)
_OOXML_FIELDS = {
    "docProps/core.xml": {"creator": "dc:creator", "last_modified_by": "cp:lastModifiedBy",
                          "created": "dcterms:created", "modified": "dcterms:modified"},
    "docProps/app.xml": {"company": "Company", "application": "Application"},
}  # fmt: skip
_SCAN = 64 * 1024  # metadata sits near the start or the end of a PDF
MAX_MEMBER = 64 << 20  # Office files larger than this are not opened for metadata
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader (30 bytes)


def _pdf_text(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):  # a PDF text string in UTF-16BE
        return raw[2:].decode("utf-16-be", "replace")
    return raw.decode("utf-8", "replace")


def pdf_metadata(head: bytes, tail: bytes) -> dict[str, str]:
    """The Info dictionary's literal strings of a PDF (Author, Creator, Producer, …)."""
    found: dict[str, str] = {}
    for chunk in (head, tail):
        for key, value in _PDF_FIELD.findall(chunk):
            found.setdefault(key.decode().lower(), _pdf_text(value).strip())
    return found


def ooxml_metadata(data: bytes) -> dict[str, str]:
    """docProps of a .docx/.xlsx/.pptx: creator, last editor, company, application, dates."""
    found: dict[str, str] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as office:
            names = set(office.namelist())
            for part, fields in _OOXML_FIELDS.items():
                if part not in names or office.getinfo(part).file_size > 1 << 20:
                    continue
                xml = office.read(part).decode("utf-8", "replace")
                for key, tag in fields.items():
                    match = re.search(rf"<{tag}[^>]*>([^<]{{0,200}})</{tag}>", xml)
                    if match:
                        found[key] = match.group(1).strip()
    except (zipfile.BadZipFile, KeyError, ValueError):
        return {}
    return found


def _stored_slice(raw: BinaryIO, info: zipfile.ZipInfo, start: int, length: int) -> bytes:
    """Bytes start..start+length of a stored member, read in place (a ZipExtFile seeks forward
    by reading, and checking, everything before)."""
    raw.seek(info.header_offset)
    head = raw.read(_LOCAL_HEADER.size)
    if len(head) < _LOCAL_HEADER.size:
        raise zipfile.BadZipFile(f"truncated local header of {info.filename!r}")
    fields = _LOCAL_HEADER.unpack(head)
    raw.seek(info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11] + start)
    return raw.read(max(0, min(length, info.file_size - start)))


def package_metadata(path: Path) -> list[dict[str, Any]]:
    """Per file of a (checked) bid package: its name, ZIP time and document metadata."""
    out: list[dict[str, Any]] = []
    with path.open("rb") as raw, zipfile.ZipFile(raw) as zf:
        for info in zf.infolist():
            entry: dict[str, Any] = {
                "name": info.filename,
                "zip_time": "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}".format(*info.date_time),
            }
            lower = info.filename.lower()
            if lower.endswith(".pdf"):
                with zf.open(info) as fh:
                    head = fh.read(_SCAN)
                    tail = b""
                    if info.file_size > _SCAN:  # the Info dictionary is often near the end
                        start = max(_SCAN, info.file_size - _SCAN)
                        if info.compress_type == zipfile.ZIP_STORED:
                            tail = _stored_slice(raw, info, start, _SCAN)
                        else:
                            fh.seek(start)
                            tail = fh.read(_SCAN)
                entry.update(pdf_metadata(head, tail))
            elif lower.endswith((".docx", ".xlsx", ".pptx")) and info.file_size <= MAX_MEMBER:
                entry.update(ooxml_metadata(zf.read(info)))
            out.append(entry)
    return out


# ---------------------------------------------------------------- screening

SIGNALS = {  # key -> (中文, English)
    "ip": ("相同的递交 IP 地址", "the same submitting IP address"),
    "machine": ("相同的投标工具机器码", "the same bid-tool machine code"),
    "hardware": ("相同的硬件标识（网卡、硬盘等）", "the same hardware id (NIC, disk, …)"),
    "author": ("投标文件作者（编制人）相同", "the same document author"),
    "company": ("文件属性中的单位名称相同", "the same company in document properties"),
}


def _declared_values(declared: dict[str, Any], *names: str) -> list[str]:
    values: list[str] = []
    for key, value in declared.items():
        if any(n in key.lower() for n in names):
            values += [str(v) for v in (value if isinstance(value, list) else [value]) if v]
    return values


def evidence_of(conn: Connection, project: str) -> dict[str, dict[str, Any]]:
    """What was kept for each bidder: its last submission's origin, declaration and signer,
    and the metadata of its decrypted package."""
    q = select(events).where(
        events.c.subject_type == "project",
        events.c.subject_id == project,
        events.c.type.in_(("BidSubmitted", "BidEvidenceRecorded")),
    )
    kept: dict[str, dict[str, Any]] = {}
    for row in conn.execute(q.order_by(events.c.seq)):
        ev = row_to_event(row)
        bidder = str(ev.payload.get("bidder"))
        entry = kept.setdefault(bidder, {"bidder": bidder})
        if ev.type == "BidSubmitted":
            signature = ev.payload.get("signature") or {}
            entry.update(
                submitted_at=ev.recorded_at.isoformat(),
                origin=ev.payload.get("origin") or {},
                declared=ev.payload.get("declared") or {},
                signer=signature.get("signer_certificate_sha256"),
            )
        else:
            entry["documents"] = ev.payload.get("documents") or []
    return kept


def screening(conn: Connection, project: str) -> dict[str, Any]:
    """Every value two or more bidders share, by signal, with the bidders sharing it."""
    kept = evidence_of(conn, project)
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for bidder, e in kept.items():
        values: list[tuple[str, str]] = []
        if ip := (e.get("origin") or {}).get("ip"):
            values.append(("ip", ip))
        declared = e.get("declared") or {}
        values += [("machine", v) for v in _declared_values(declared, "machine")]
        values += [("hardware", v) for v in _declared_values(declared, "hardware")]
        for doc in e.get("documents") or []:
            for key in ("author", "creator", "last_modified_by"):
                if doc.get(key):
                    values.append(("author", str(doc[key])))
            if doc.get("company"):
                values.append(("company", str(doc["company"])))
        for value in set(values):
            seen[value].add(bidder)
    shared = [
        {
            "signal": signal,
            "zh": SIGNALS[signal][0],
            "en": SIGNALS[signal][1],
            "value": value,
            "bidders": sorted(bidders),
        }
        for (signal, value), bidders in sorted(seen.items())
        if len(bidders) > 1
    ]
    return {"project": project, "bidders": list(kept.values()), "shared": shared}
