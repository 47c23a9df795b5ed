"""Document metadata of a decrypted bid package (ggzy.bidding.evidence.package_metadata): the
Info dictionary at the end of a large stored PDF is read in place, not by reading the member
through (a ZipExtFile seeks forward by reading everything before)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ggzy.bidding.evidence import _SCAN, package_metadata, pdf_metadata

HEAD = b"%PDF-1.4\n3 0 obj << /Author (Li Ming) /Creator (WPS Office) >> endobj\n"
TAIL = b"9 0 obj << /Company (Jiangcheng Road) /Producer (WPS) >> endobj\n%%EOF\n"


def pdf(size: int) -> bytes:
    middle = os.urandom(max(0, size - len(HEAD) - len(TAIL)))
    return HEAD + middle.replace(b"/", b"_") + TAIL


def reference(path: Path) -> list[dict[str, Any]]:
    """What package_metadata answered before: head and tail through zipfile's own seek."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            with zf.open(info) as fh:
                head = fh.read(_SCAN)
                tail = b""
                if info.file_size > _SCAN:
                    fh.seek(max(_SCAN, info.file_size - _SCAN))
                    tail = fh.read(_SCAN)
            out.append(pdf_metadata(head, tail))
    return out


@pytest.mark.parametrize("size", [1_000, _SCAN, _SCAN + 1, _SCAN + 500, 2 * _SCAN + 3, 3 << 20])
@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_the_tail_of_a_pdf_is_read_in_place(tmp_path: Path, size: int, method: int) -> None:
    path = tmp_path / "bid.zip"
    body = pdf(size)
    with zipfile.ZipFile(path, "w", method) as zf:
        zf.writestr("bid.json", b"{}")
        info = zipfile.ZipInfo("attachments/报价文件.pdf", (2026, 3, 2, 9, 0, 0))
        info.compress_type = method
        info.extra = b"\xfe\xca\x04\x00abcd"  # an extra field shifts where the data starts
        zf.writestr(info, body)
    found = package_metadata(path)
    assert [e["name"] for e in found] == ["bid.json", "attachments/报价文件.pdf"]
    assert found[1]["zip_time"] == "2026-03-02T09:00:00"
    expected = reference(path)[1]
    assert {k: v for k, v in found[1].items() if k not in ("name", "zip_time")} == expected
    assert expected["author"] == "Li Ming" and expected["company"] == "Jiangcheng Road"


def test_every_pdf_of_the_package_is_read(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.pdf", pdf(5 * _SCAN))
        zf.writestr("b.pdf", pdf(100))
    path = tmp_path / "bid.zip"
    path.write_bytes(out.getvalue())
    found = package_metadata(path)
    assert [e.get("company") for e in found] == ["Jiangcheng Road", "Jiangcheng Road"]
