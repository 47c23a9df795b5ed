"""The bid package (投标文件包): the plaintext a bidder signs, then seals with `ggzy bid seal`.

Format "ggzy-bid/1": a ZIP file (members stored or deflated, nothing else) holding

- ``bid.json``: the bid letter (投标函), canonical JSON (keys sorted, no spaces, UTF-8, non-ASCII
  kept, ggzy.pki.envelope.canonical_json)::

      {"attachments": [{"name": "报价清单.pdf", "sha256": "<hex>", "size": 123456}, ...],
       "bidder": "<统一社会信用代码>", "bidder_name": "武汉长江城建投资有限公司",
       "created_at": "2026-03-02T01:00:00Z", "declared": {"tool": "…", "hardware_id": [...]},
       "duration_days": 540, "format": "ggzy-bid/1", "price": 1234567890,
       "price_capitals": "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整", "project": "<统一交易标识码>",
       "quality": "合格"}

  project is a unified deal code or a lot code (ggzy.core.codes); price is integer fen (分),
  > 0, and price_capitals its amount in words (to_capitals); duration_days an int >= 0;
  declared free metadata of the bid tool (values text or lists of text); created_at ISO 8601
  with a time zone (written in UTC, whole seconds). No other keys.
- ``attachments/<name>`` for every entry of the list, and nothing else. A name is 1-200
  characters, NFC, without path separators, ``..``, control or format characters or
  ``<>:"|?*``, does not start or end with a dot or a space, is no Windows device name (CON,
  NUL, COM1, …) and is unique ignoring case: sanitise_attachment_name makes one of any text.
- ``bid.json.p7s``: a detached CMS signature (ggzy.pki.signatures.sign_detached) over the
  exact bytes of bid.json by the bidder's signing certificate, whose credit code must be the
  letter's bidder. bid.json lists the SHA-256 and size of every attachment, so the signature
  covers the whole package.

The builder writes bid.json, bid.json.p7s, then the attachments; readers must not rely on the
order. A member is deflated only when that saves at least 5% and stays within the reader's
200:1 ratio, else stored. ZIP times are Beijing time (UTC+8) of created_at.

Reading (read_bid_package) refuses, with DomainError "bid-package-invalid" (422) and a
bilingual message naming the problem (extra "problem" and, where it applies, "member"): more
than max_files members; absolute, parent-relative or otherwise unsafe member names; duplicate
members; encrypted members or other compression methods; a member expanding more than 200:1, or
declared or actually read sizes beyond max_total (zip bombs); a missing bid.json or
bid.json.p7s; a malformed letter; members the letter does not list, listed attachments that are
missing or whose SHA-256 or size differ. If the figures and the words of the price differ, the
words prevail (rules.md §5.4 大写为准): the package's price is the capitals' amount and
price_corrected is True. The signature is verified but never refused here: BidPackage.signature
says ok or why not, and signed_by_bidder whether the signer's credit code is the bidder's.

    >>> blob = build_bid_package(project=code, bidder=credit, bidder_name="…", price=12345678,
    ...     duration_days=540, quality="合格", attachments=[("报价.pdf", Path("报价.pdf"))],
    ...     signing_key=key, signing_certificate_der=cert, created_at=now)
    >>> package = read_bid_package(blob)
    >>> package.price, package.signature.ok, package.signed_by_bidder
    (12345678, True, True)
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO, NoReturn

from ggzy.core.codes import validate_credit_code, validate_deal_code, validate_lot_code
from ggzy.core.errors import DomainError
from ggzy.core.money import check_price_consistency, to_capitals
from ggzy.pki.envelope import canonical_json, load_private_key, public_key_from_spki, spki_der
from ggzy.pki.signatures import VerifiedSignature, sign_detached, verify_detached

__all__ = [
    "FORMAT",
    "LETTER",
    "MAX_NAME_LENGTH",
    "MAX_RATIO",
    "SIGNATURE",
    "BidPackage",
    "PackageScan",
    "attachment_name_problem",
    "build_bid_package",
    "read_bid_package",
    "sanitise_attachment_name",
    "write_bid_package",
]

FORMAT = "ggzy-bid/1"
LETTER = "bid.json"
SIGNATURE = "bid.json.p7s"
ATTACHMENTS = "attachments/"
MAX_NAME_LENGTH = 200
MAX_RATIO = 200  # uncompressed : compressed, per member
MAX_LETTER = 1 << 20  # bid.json and bid.json.p7s are small
DEFAULT_MAX_TOTAL = 2 << 30  # 2 GiB
DEFAULT_MAX_FILES = 1000
_BLOCK = 1 << 20
_SURVEY_GIVE_UP = 4 << 20  # stop trial compression once this much proved incompressible
_STORE_ABOVE = 0.95  # store when deflating saves less than 5%
_BEIJING = timezone(timedelta(hours=8))
_KEYS = frozenset(
    {
        "attachments",
        "bidder",
        "bidder_name",
        "created_at",
        "declared",
        "duration_days",
        "format",
        "price",
        "price_capitals",
        "project",
        "quality",
    }
)
_ATTACHMENT_KEYS = frozenset({"name", "sha256", "size"})
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_BAD_NAME_CHARS = frozenset('/\\<>:"|?*')
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_DEVICE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_NO_DECLARED: Mapping[str, str] = MappingProxyType({})


# ---------------------------------------------------------------- errors


def _invalid(problem: str, zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("bid-package-invalid", zh, en, 422, problem=problem, **extra)


def _bad_letter(zh: str, en: str, **extra: Any) -> DomainError:
    return _invalid(
        "letter-malformed",
        f"投标函 bid.json 格式错误：{zh}",
        f"bid.json is malformed: {en}",
        **extra,
    )


def _bad_input(zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("invalid-bid-letter", zh, en, 422, **extra)


# ---------------------------------------------------------------- attachment names


def attachment_name_problem(name: object) -> str | None:
    """Why a name is not a valid attachment name (English), or None, e.g. "a/b" -> "…separator"."""
    if not isinstance(name, str) or not name:
        return "the name is empty or not text"
    if len(name) > MAX_NAME_LENGTH:
        return f"the name is longer than {MAX_NAME_LENGTH} characters"
    if unicodedata.normalize("NFC", name) != name:
        return "the name is not in Unicode NFC form"
    for ch in name:
        if ch in "/\\":
            return "the name contains a path separator"
        if ch in _BAD_NAME_CHARS:
            return f"the name contains the character {ch!r}"
        if unicodedata.category(ch) in _BAD_CATEGORIES:
            return f"the name contains the control or format character U+{ord(ch):04X}"
    if ".." in name:
        return 'the name contains ".."'
    if name[0] in "." or name[0].isspace() or name[-1] == "." or name[-1].isspace():
        return "the name starts or ends with a dot or a space"
    if name.split(".")[0].strip().upper() in _DEVICE_NAMES:
        return "the name is a Windows device name"
    return None


def _clean(name: str) -> str:
    name = "".join(
        "_" if ch in _BAD_NAME_CHARS or unicodedata.category(ch) in _BAD_CATEGORIES else ch
        for ch in name
    )
    name = re.sub(r"\.{2,}", ".", name)
    return re.sub(r"^[\s.]+|[\s.]+$", "", name)


def sanitise_attachment_name(name: str) -> str:
    """A valid attachment name from any text: the last path component, unsafe characters as _.

    e.g. "../../etc/passwd" -> "passwd", "C:\\标书\\报价.pdf" -> "报价.pdf", "a..b?.pdf" ->
    "a.b_.pdf", "" -> "attachment"; long names are cut to 200 characters keeping the extension.
    """
    if not isinstance(name, str):
        raise TypeError(f"attachment names are text, not {type(name).__name__}")
    text = unicodedata.normalize("NFC", name)
    parts = [p for p in re.split(r"[/\\]", text) if _clean(p)]
    text = _clean(parts[-1]) if parts else ""
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and 0 < len(ext) <= 20:
            text = _clean(stem[: MAX_NAME_LENGTH - len(ext) - 1]) + "." + ext
        else:
            text = text[:MAX_NAME_LENGTH]
        text = _clean(text)
    if text and text.split(".")[0].strip().upper() in _DEVICE_NAMES:
        text = ("_" + text)[:MAX_NAME_LENGTH]
    text = text or "attachment"
    problem = attachment_name_problem(text)
    if problem is not None:  # pragma: no cover - the steps above rule every problem out
        raise AssertionError(f"sanitised name {text!r}: {problem}")
    return text


def _unique_name(name: str, taken: set[str]) -> str:
    """name, or name with " (2)", " (3)", … before the extension if taken (ignoring case)."""
    if name.casefold() not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    for n in range(2, 100_000):
        suffix = f" ({n}){dot}{ext}"
        candidate = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .") + suffix
        if candidate.casefold() not in taken:
            return candidate
    raise _bad_input("附件重名过多", "too many attachments with the same name")  # pragma: no cover


# ---------------------------------------------------------------- building


@dataclass
class _Source:
    name: str  # the sanitised attachment name
    data: bytes | None
    path: Path | None
    sha256: str = ""
    size: int = 0
    method: int = zipfile.ZIP_STORED

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            view = memoryview(self.data)
            for start in range(0, len(view), _BLOCK):
                yield bytes(view[start : start + _BLOCK])
            return
        assert self.path is not None
        with self.path.open("rb") as fh:
            while block := fh.read(_BLOCK):
                yield block


def _survey(source: _Source) -> None:
    """SHA-256, size and the compression method: deflate only if it pays and stays <= 200:1."""
    digest = hashlib.sha256()
    size = compressed = 0
    compressor: Any = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    for block in source.chunks():
        digest.update(block)
        size += len(block)
        if compressor is not None:
            compressed += len(compressor.compress(block))
            if size >= _SURVEY_GIVE_UP and compressed > size * _STORE_ABOVE:
                compressor = None  # incompressible (PDF, JPEG, ZIP): store it, stop trying
    if compressor is not None:
        compressed += len(compressor.flush())
    source.sha256, source.size = digest.hexdigest(), size
    deflate = (
        compressor is not None
        and compressed <= size * _STORE_ABOVE
        and size <= MAX_RATIO * compressed
    )
    source.method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    local = when.astimezone(_BEIJING)
    if local.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def _write_member(zf: zipfile.ZipFile, arcname: str, source: _Source, when: datetime) -> None:
    info = zipfile.ZipInfo(arcname, _zip_time(when))
    info.compress_type = source.method
    info.file_size = source.size
    info.external_attr = 0o644 << 16
    digest = hashlib.sha256()
    with zf.open(info, "w") as dst:
        for block in source.chunks():
            digest.update(block)
            dst.write(block)
    if digest.hexdigest() != source.sha256:
        raise _bad_input(
            f"附件 {source.name} 在打包过程中被修改",
            f"the attachment {source.name} changed while it was being packed",
            attachment=source.name,
        )
    if info.file_size > MAX_RATIO * info.compress_size:  # pragma: no cover - _survey prevents it
        raise AssertionError(f"{arcname} compressed beyond {MAX_RATIO}:1")


def _project_code(project: str) -> str:
    if not isinstance(project, str):
        raise TypeError(f"the project code is text, not {type(project).__name__}")
    if "-" in project:
        return validate_lot_code(project).code
    return validate_deal_code(project).code


def _text(value: object, what_zh: str, what_en: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what_en} is text, not {type(value).__name__}")
    if not value.strip():
        raise _bad_input(f"{what_zh}不能为空", f"{what_en} cannot be empty")
    return value


def _declared_value(key: str, value: object) -> str | list[str]:
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _bad_input(
        f"申报信息 {key} 应为文本或文本列表",
        f"the declared value {key!r} must be text or a list of text",
    )


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_bid_package(
    out: BinaryIO,
    *,
    project: str,
    bidder: str,
    bidder_name: str,
    price: int,
    duration_days: int,
    quality: str,
    attachments: Sequence[tuple[str, bytes | Path]],
    signing_key: Any,
    signing_certificate_der: bytes,
    declared: Mapping[str, str | Sequence[str]] = _NO_DECLARED,
    created_at: datetime,
    passphrase: bytes | str | None = None,
) -> BidPackage:
    """Write a signed bid package to a binary stream; the answer describes what was written.

    Attachments given as a Path are streamed (read twice: a survey pass, then the write, which
    checks the file did not change). See build_bid_package for the arguments.
    """
    if isinstance(price, float):
        raise TypeError("the price is integer fen (分), never a float")
    if isinstance(price, bool) or not isinstance(price, int):
        raise TypeError(f"the price is integer fen (分), not {type(price).__name__}")
    if price <= 0:
        raise DomainError(
            "invalid-amount",
            "投标报价必须大于零",
            "the bid price must be above zero",
            field="price",
        )
    capitals = to_capitals(price)
    if isinstance(duration_days, bool) or not isinstance(duration_days, int):
        raise TypeError(f"duration_days is an int, not {type(duration_days).__name__}")
    if duration_days < 0:
        raise _bad_input("工期不能为负数", "the duration cannot be negative", field="duration_days")
    if not isinstance(created_at, datetime) or created_at.tzinfo is None:
        raise ValueError("created_at must be a timezone-aware datetime")
    when = created_at.astimezone(UTC).replace(microsecond=0)
    project = _project_code(project)
    bidder = validate_credit_code(bidder)
    bidder_name = _text(bidder_name, "投标人名称", "the bidder name")
    quality = _text(quality, "质量标准", "the quality commitment")
    declared_out: dict[str, str | list[str]] = {}
    for key, value in declared.items():
        if not isinstance(key, str) or not key:
            raise _bad_input("申报信息的名称不能为空", "declared metadata keys are non-empty text")
        declared_out[key] = _declared_value(key, value)

    # the key, the certificate and the bidder must fit before any attachment is read
    from ggzy.pki.certs import parse_certificate

    key = (
        load_private_key(bytes(signing_key), passphrase)
        if isinstance(signing_key, bytes | bytearray)
        else signing_key
    )
    cert = parse_certificate(bytes(signing_certificate_der), strict=False)
    if spki_der(key.public_key()) != spki_der(public_key_from_spki(cert.spki_der)):
        raise DomainError(
            "key-certificate-mismatch",
            "私钥与证书不匹配",
            "the private key does not belong to the certificate",
        )
    if cert.credit_code != bidder:
        raise DomainError(
            "signer-not-bidder",
            f"签名证书的统一社会信用代码（{cert.credit_code or '无'}）与投标人 {bidder} 不一致",
            f"the signing certificate's credit code ({cert.credit_code or 'none'}) is not the "
            f"bidder's {bidder}",
        )

    sources: list[_Source] = []
    taken: set[str] = set()
    for item in attachments:
        name, content = item
        final = _unique_name(sanitise_attachment_name(name), taken)
        taken.add(final.casefold())
        if isinstance(content, bytes | bytearray | memoryview):
            source = _Source(final, bytes(content), None)
        elif isinstance(content, Path):
            source = _Source(final, None, content)
        else:
            raise TypeError(f"attachment {name!r}: bytes or a Path, not {type(content).__name__}")
        _survey(source)
        sources.append(source)

    listed = [{"name": s.name, "sha256": s.sha256, "size": s.size} for s in sources]
    letter: dict[str, Any] = {
        "format": FORMAT,
        "project": project,
        "bidder": bidder,
        "bidder_name": bidder_name,
        "price": price,
        "price_capitals": capitals,
        "duration_days": duration_days,
        "quality": quality,
        "declared": declared_out,
        "attachments": listed,
        "created_at": _iso(when),
    }
    bid_json = canonical_json(letter)
    p7s = sign_detached(bid_json, key, cert.der, signing_time=when)
    signature = verify_detached(bid_json, p7s)
    if not signature.ok:  # pragma: no cover - a fresh signature always verifies
        raise AssertionError(f"the new signature does not verify: {signature.reason}")

    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for arcname, data in ((LETTER, bid_json), (SIGNATURE, p7s)):
            member = _Source(arcname, data, None)
            _survey(member)
            _write_member(zf, arcname, member, when)
        for source in sources:
            _write_member(zf, ATTACHMENTS + source.name, source, when)
    return BidPackage(
        letter=letter,
        price=price,
        price_corrected=False,
        attachments=listed,
        signature=signature,
        bid_json_sha256=hashlib.sha256(bid_json).hexdigest(),
    )


def build_bid_package(
    *,
    project: str,
    bidder: str,
    bidder_name: str,
    price: int,
    duration_days: int,
    quality: str,
    attachments: Sequence[tuple[str, bytes | Path]],
    signing_key: Any,
    signing_certificate_der: bytes,
    declared: Mapping[str, str | Sequence[str]] = _NO_DECLARED,
    created_at: datetime,
    passphrase: bytes | str | None = None,
) -> bytes:
    """The ZIP bytes of a signed bid package (投标文件包).

    project: unified deal code or lot code; bidder: credit code, which the signing
    certificate must carry; price: integer fen > 0 (a float raises TypeError); attachments:
    (name, bytes or Path), names sanitised (sanitise_attachment_name) and made unique;
    signing_key: a private key object or PEM/DER bytes (passphrase for locked PEM);
    signing_certificate_der: DER or PEM; declared: bid tool metadata (text or lists of text);
    created_at: timezone-aware, also the signature's signingTime.
    """
    out = io.BytesIO()
    write_bid_package(
        out,
        project=project,
        bidder=bidder,
        bidder_name=bidder_name,
        price=price,
        duration_days=duration_days,
        quality=quality,
        attachments=attachments,
        signing_key=signing_key,
        signing_certificate_der=signing_certificate_der,
        declared=declared,
        created_at=created_at,
        passphrase=passphrase,
    )
    return out.getvalue()


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class BidPackage:
    """A read bid package: the letter as signed, the prevailing price, the signature check."""

    letter: dict[str, Any]
    price: int  # fen; the capitals' amount when figures and words differ
    price_corrected: bool  # figures and capitals differed: the capitals prevailed
    attachments: list[dict[str, Any]]  # [{"name", "sha256", "size"}], as listed
    signature: VerifiedSignature  # ok may be False: signature.reason says why
    bid_json_sha256: str

    @property
    def project(self) -> str:
        return str(self.letter["project"])

    @property
    def bidder(self) -> str:
        return str(self.letter["bidder"])

    @property
    def signed_by_bidder(self) -> bool:
        """The signature verifies and its certificate carries the letter's credit code."""
        return self.signature.ok and self.signature.credit_code == self.bidder

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.signed_by_bidder,
            "letter": self.letter,
            "price": self.price,
            "price_corrected": self.price_corrected,
            "attachments": self.attachments,
            "bid_json_sha256": self.bid_json_sha256,
            "signature": self.signature.to_dict(),
            "signed_by_bidder": self.signed_by_bidder,
        }


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_letter(raw: bytes) -> tuple[dict[str, Any], int, bool]:
    """The letter, the prevailing price and whether the capitals corrected the figures."""
    try:
        letter = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except _DuplicateKey as exc:
        raise _bad_letter(f"键 {exc} 重复", f"the key {exc} appears twice") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise _bad_letter("不是 UTF-8 JSON", f"not UTF-8 JSON: {first}") from None
    if not isinstance(letter, dict):
        raise _bad_letter("应为 JSON 对象", "not a JSON object")
    missing, unknown = sorted(_KEYS - letter.keys()), sorted(letter.keys() - _KEYS)
    if letter.get("format") != FORMAT:
        raise _bad_letter(
            f"格式标识应为 {FORMAT}，收到 {letter.get('format')!r}",
            f"the format tag must be {FORMAT}, got {letter.get('format')!r}",
        )
    if missing:
        raise _bad_letter(f"缺少字段 {', '.join(missing)}", f"missing {', '.join(missing)}")
    if unknown:
        raise _bad_letter(f"未知字段 {', '.join(unknown)}", f"unknown keys {', '.join(unknown)}")

    def need(ok: bool, key: str, zh: str, en: str) -> None:
        if not ok:
            raise _bad_letter(f"{key} {zh}", f"{key} {en}", field=key)

    for key in ("project", "bidder"):
        need(isinstance(letter[key], str), key, "应为文本", "must be text")
    code, bidder = letter["project"], letter["bidder"]
    try:
        normal = validate_lot_code(code).code if "-" in code else validate_deal_code(code).code
        normal_bidder = validate_credit_code(bidder)
    except DomainError as exc:
        raise _bad_letter(exc.zh, exc.en, field=exc.extra.get("field")) from None
    need(normal == code, "project", "应为规范写法", "is not in its normal form")
    need(normal_bidder == bidder, "bidder", "应为规范写法", "is not in its normal form")
    for key in ("bidder_name", "quality"):
        value = letter[key]
        need(
            isinstance(value, str) and bool(value.strip()),
            key,
            "应为非空文本",
            "must be non-empty text",
        )
    price = letter["price"]
    need(
        _is_int(price) and price > 0,
        "price",
        "应为大于零的整数（分）",
        "must be an integer number of fen above zero",
    )
    need(isinstance(letter["price_capitals"], str), "price_capitals", "应为文本", "must be text")
    duration = letter["duration_days"]
    need(
        _is_int(duration) and duration >= 0,
        "duration_days",
        "应为非负整数",
        "must be an integer >= 0",
    )
    declared = letter["declared"]
    need(
        isinstance(declared, dict)
        and all(
            k
            and (
                isinstance(v, str)
                or (isinstance(v, list) and all(isinstance(item, str) for item in v))
            )
            for k, v in declared.items()
        ),
        "declared",
        "应为对象，值为文本或文本列表",
        "must be an object of text or lists of text",
    )
    created = letter["created_at"]
    try:
        moment = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        moment = None
    need(
        moment is not None and moment.tzinfo is not None,
        "created_at",
        "应为带时区的 ISO 8601 时间",
        "must be an ISO 8601 time with a time zone",
    )
    listed = letter["attachments"]
    need(isinstance(listed, list), "attachments", "应为列表", "must be a list")
    seen: set[str] = set()
    for entry in listed:
        need(
            isinstance(entry, dict) and entry.keys() == _ATTACHMENT_KEYS,
            "attachments",
            "的每项应恰为 name、sha256、size",
            "entries must have exactly name, sha256 and size",
        )
        name = entry["name"]
        problem = attachment_name_problem(name)
        if problem is not None:
            raise _bad_letter(
                f"附件名 {name!r} 不安全：{problem}",
                f"the attachment name {name!r} is unsafe: {problem}",
                member=f"{ATTACHMENTS}{name}" if isinstance(name, str) else None,
            )
        need(
            name.casefold() not in seen,
            "attachments",
            f"中附件名 {name} 重复",
            f"lists the name {name!r} twice",
        )
        seen.add(name.casefold())
        need(
            isinstance(entry["sha256"], str) and bool(_SHA256_HEX.fullmatch(entry["sha256"])),
            "attachments",
            f"中 {name} 的 sha256 应为64位小写十六进制",
            f"entry {name!r}: sha256 must be 64 lowercase hex digits",
        )
        need(
            _is_int(entry["size"]) and entry["size"] >= 0,
            "attachments",
            f"中 {name} 的 size 应为非负整数",
            f"entry {name!r}: size must be an integer >= 0",
        )

    try:
        amount, corrected = check_price_consistency(price, letter["price_capitals"])
    except DomainError as exc:
        raise _bad_letter(
            f"大写金额无效：{exc.zh}", f"price_capitals: {exc.en}", field="price_capitals"
        ) from None
    need(amount > 0, "price_capitals", "金额应大于零", "must be above zero")
    if canonical_json(letter) != raw:
        raise _bad_letter(
            "不是规范 JSON（键排序、无空格、UTF-8 原文）",
            "not canonical JSON (sorted keys, no spaces, UTF-8 kept)",
        )
    return letter, amount, corrected


def _entry_count(fh: BinaryIO) -> int | None:
    """Members the end-of-central-directory record declares (ZIP64 too), before parsing it."""
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    span = min(size, 22 + 0xFFFF)
    fh.seek(size - span)
    tail = fh.read(span)
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" else tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    if count == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        fh.seek(int.from_bytes(tail[at - 12 : at - 4], "little"))
        record = fh.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) == 56:
            count = int.from_bytes(record[32:40], "little")
    return count


def _unsafe_member(name: str) -> str | None:
    """Why a member name could escape or confuse an extraction, or None."""
    if not name:
        return "an empty name"
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return "an absolute path"
    parts = re.split(r"[/\\]", name)
    if ".." in parts:
        return "a parent-relative path (..)"
    if "\\" in name:
        return "a backslash in the path"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        return "a control character"
    return None


def _corrupt(member: str, exc: BaseException) -> DomainError:
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return _invalid(
        "corrupt",
        f"投标文件包成员 {member} 已损坏",
        f"the member {member} of the bid package is corrupt: {first}",
        member=member,
    )


_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    KeyError,
)


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit
        self.limit = limit

    def charge(self, info: zipfile.ZipInfo) -> None:
        """Count a member read elsewhere (PackageScan) as stream would."""
        self.left -= info.file_size
        if self.left < 0:
            raise _invalid(
                "too-large",
                f"投标文件包解压后超过 {self.limit} 字节",
                f"the bid package expands beyond {self.limit} bytes",
                member=info.filename,
            )

    def stream(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The member's bytes in blocks, no more than declared nor than the total allows."""
        name = info.filename
        got = 0
        try:
            with zf.open(info) as fh:
                while block := fh.read(_BLOCK):
                    got += len(block)
                    self.left -= len(block)
                    if self.left < 0:
                        raise _invalid(
                            "too-large",
                            f"投标文件包解压后超过 {self.limit} 字节",
                            f"the bid package expands beyond {self.limit} bytes",
                            member=name,
                        )
                    if got > info.file_size:  # pragma: no cover - zipfile stops at file_size
                        raise _invalid(
                            "zip-bomb",
                            f"成员 {name} 解压后大于声明的大小",
                            f"the member {name} expands beyond its declared size",
                            member=name,
                        )
                    yield block
        except _ZIP_ERRORS as exc:
            raise _corrupt(name, exc) from None
        if got != info.file_size:
            raise _corrupt(name, EOFError(f"{got} of {info.file_size} bytes"))

    def read(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        return b"".join(self.stream(zf, info))


def _check_members(infos: list[zipfile.ZipInfo], max_total: int) -> dict[str, zipfile.ZipInfo]:
    members: dict[str, zipfile.ZipInfo] = {}
    folded: set[str] = set()
    declared_total = 0
    for info in infos:
        name = info.filename
        problem = _unsafe_member(info.orig_filename) or _unsafe_member(name)
        if info.orig_filename != name and problem is None:
            problem = "a NUL character"
        if problem:
            raise _invalid(
                "unsafe-name",
                f"投标文件包成员路径不安全（{problem}）：{info.orig_filename!r}",
                f"unsafe member name in the bid package ({problem}): {info.orig_filename!r}",
                member=info.orig_filename,
            )
        if name.casefold() in folded:
            raise _invalid(
                "duplicate-member",
                f"投标文件包成员重复：{name}",
                f"the bid package holds {name} twice",
                member=name,
            )
        folded.add(name.casefold())
        if info.flag_bits & 0x1:
            raise _invalid(
                "encrypted",
                f"投标文件包成员 {name} 已加密（ZIP 口令），无法核验",
                f"the member {name} is password-encrypted and cannot be checked",
                member=name,
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _invalid(
                "compression",
                f"投标文件包成员 {name} 的压缩方式不受支持（仅限存储或 deflate）",
                f"the member {name} uses compression method {info.compress_type}; "
                "only stored and deflated are allowed",
                member=name,
            )
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise _corrupt(name, ValueError("a stored member whose sizes differ"))
        if info.file_size > MAX_RATIO * info.compress_size:
            raise _invalid(
                "zip-bomb",
                f"投标文件包成员 {name} 压缩比异常（声明 {info.file_size} 字节，"
                f"压缩后 {info.compress_size} 字节，上限 {MAX_RATIO}:1），疑似压缩炸弹",
                f"the member {name} declares {info.file_size} bytes from "
                f"{info.compress_size} compressed (more than {MAX_RATIO}:1): a zip bomb?",
                member=name,
            )
        declared_total += info.file_size
        if declared_total > max_total:
            raise _invalid(
                "too-large",
                f"投标文件包解压后超过 {max_total} 字节",
                f"the bid package declares more than {max_total} bytes uncompressed",
                member=name,
            )
        members[name] = info
    return members


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader (30 bytes)
_LOCAL_MAGIC = b"PK\x03\x04"
_DATA_DESCRIPTOR = 0x08  # general purpose flag: sizes follow the data
_ZIP64_EXTRA = 0x0001
_ZIP64_MARK = 0xFFFFFFFF


@dataclass(frozen=True)
class _Scanned:
    """A stored member whose data PackageScan hashed as it went by."""

    data_start: int
    size: int
    sha256: str
    crc: int


def _zip64_sizes(extra: bytes) -> tuple[int, int] | None:
    """(uncompressed, compressed) from a local header's ZIP64 extra field, or None."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + length]
        if kind == _ZIP64_EXTRA:
            return struct.unpack_from("<QQ", body) if len(body) >= 16 else None
        at += 4 + length
    return None


class PackageScan:
    """Hashes the stored members of a ZIP while its bytes stream past once, from offset 0.

    Feed it every byte of the file in order (e.g. as unseal_stream's sink while the file is
    written); read_bid_package(path, scan=scan) then takes a stored member's SHA-256 and
    CRC-32 from here instead of reading the member again, but only where the local header at
    the offset the central directory names was seen and the data it hashed is exactly the
    region zipfile reads. Anything else (deflated members, data descriptors, headers the scan
    did not reach, a mismatch) is read from the file as before: the checks stay the same.
    """

    def __init__(self, max_members: int = DEFAULT_MAX_FILES) -> None:
        self.position = 0  # bytes fed so far
        self.members: dict[int, _Scanned] = {}  # local header offset -> what was hashed
        self._max = max_members
        self._stopped = False
        self._start = 0  # offset of the local header being read
        self._head = bytearray()
        self._need = _LOCAL_HEADER.size
        self._left = -1  # data bytes of the member still to come; -1 while in a header
        self._data_start = 0
        self._size = 0
        self._sha: Any = None
        self._crc = 0

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """The next bytes of the file."""
        view = memoryview(data).cast("B")
        end = self.position + len(view)
        while view and not self._stopped:
            if self._left < 0:
                take = min(len(view), self._need - len(self._head))
                self._head += view[:take]
                view = view[take:]
                self.position += take
                if len(self._head) < self._need:
                    continue
                if self._need == _LOCAL_HEADER.size:
                    fields = _LOCAL_HEADER.unpack(self._head)
                    if fields[0] != _LOCAL_MAGIC:  # the central directory, or not a ZIP
                        self._stopped = True
                        break
                    self._need += fields[10] + fields[11]
                    if len(self._head) < self._need:
                        continue
                self._begin()
            else:
                take = min(len(view), self._left)
                if self._sha is not None:
                    part = view[:take]
                    self._sha.update(part)
                    self._crc = zlib.crc32(part, self._crc)
                view = view[take:]
                self.position += take
                self._left -= take
            if self._left == 0:
                self._end()
        self.position = end

    def _begin(self) -> None:
        fields = _LOCAL_HEADER.unpack_from(self._head)
        flags, method, compressed, size = fields[3], fields[4], fields[8], fields[9]
        if flags & _DATA_DESCRIPTOR:  # where the data ends is not known from the header
            self._stopped = True
            return
        if _ZIP64_MARK in (compressed, size):
            sizes = _zip64_sizes(bytes(self._head[_LOCAL_HEADER.size + fields[10] :]))
            if sizes is None:
                self._stopped = True
                return
            size = sizes[0] if size == _ZIP64_MARK else size
            compressed = sizes[1] if compressed == _ZIP64_MARK else compressed
        self._data_start = self.position
        self._size = self._left = compressed
        stored = method == zipfile.ZIP_STORED and compressed == size
        self._sha = hashlib.sha256() if stored and len(self.members) < self._max else None
        self._crc = 0

    def _end(self) -> None:
        if self._sha is not None:
            self.members[self._start] = _Scanned(
                self._data_start, self._size, self._sha.hexdigest(), self._crc
            )
        self._start = self.position
        self._head = bytearray()
        self._need = _LOCAL_HEADER.size
        self._left = -1
        self._sha = None

    def lookup(self, zf: zipfile.ZipFile, fh: BinaryIO, info: zipfile.ZipInfo) -> _Scanned | None:
        """What was hashed of a stored member, if it is the very region zipfile would read."""
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
            return None
        seen = self.members.get(info.header_offset)
        if seen is None or seen.size != info.compress_size:
            return None
        try:  # zipfile's own checks of the local header (magic, name, flags), no data read
            zf.open(info).close()
            fh.seek(info.header_offset)
            head = fh.read(_LOCAL_HEADER.size)
            fields = _LOCAL_HEADER.unpack(head)
        except (*_ZIP_ERRORS, struct.error) as exc:
            raise _corrupt(info.filename, exc) from None
        start = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
        return seen if start == seen.data_start else None


def read_bid_package(
    data: bytes | bytearray | memoryview | Path,
    *,
    max_total: int = DEFAULT_MAX_TOTAL,
    max_files: int = DEFAULT_MAX_FILES,
    scan: PackageScan | None = None,
) -> BidPackage:
    """Open a bid package safely, check it against its letter and verify the signature.

    A Path is read as a stream (attachments are hashed, never held in memory). Refusals are
    DomainError "bid-package-invalid" (see the module docstring); an unreadable file raises
    OSError. The signature is verified, not required: see BidPackage.signature. scan: a
    PackageScan fed every byte of this very file as it was written; stored attachments it
    hashed are not read again.
    """
    if isinstance(data, Path):
        with data.open("rb") as fh:
            return _read(fh, max_total, max_files, scan)
    return _read(io.BytesIO(bytes(data)), max_total, max_files, scan)


def _read(
    fh: BinaryIO, max_total: int, max_files: int, scan: PackageScan | None = None
) -> BidPackage:
    try:
        count = _entry_count(fh)
    except _ZIP_ERRORS:
        count = None
    too_many = _invalid(
        "too-many-files",
        f"投标文件包成员过多（上限 {max_files} 个）",
        f"the bid package has more than {max_files} members",
    )
    if count is not None and count > max_files:
        raise too_many
    try:
        fh.seek(0)
        zf = zipfile.ZipFile(fh)
    except _ZIP_ERRORS as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise _invalid(
            "not-zip",
            "投标文件包不是有效的 ZIP 文件",
            f"the bid package is not a valid ZIP file: {first}",
        ) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > max_files:
            raise too_many
        members = _check_members(infos, max_total)
        if LETTER not in members:
            raise _invalid(
                "missing-letter",
                "投标文件包缺少投标函 bid.json",
                "the bid package has no bid.json",
                member=LETTER,
            )
        if SIGNATURE not in members:
            raise _invalid(
                "missing-signature",
                "投标文件包缺少投标函签名 bid.json.p7s",
                "the bid package has no signature bid.json.p7s",
                member=SIGNATURE,
            )
        for name in (LETTER, SIGNATURE):
            if members[name].file_size > MAX_LETTER:
                raise _invalid(
                    "too-large",
                    f"{name} 过大（上限 {MAX_LETTER} 字节）",
                    f"{name} is larger than {MAX_LETTER} bytes",
                    member=name,
                )
        budget = _Budget(max_total)
        raw = budget.read(zf, members[LETTER])
        letter, price, corrected = _parse_letter(raw)
        listed: list[dict[str, Any]] = letter["attachments"]
        expected = {LETTER, SIGNATURE} | {ATTACHMENTS + entry["name"] for entry in listed}
        for name, info in members.items():
            if name not in expected and not (name == ATTACHMENTS and info.is_dir()):
                raise _invalid(
                    "unlisted-member",
                    f"投标文件包含投标函未列出的文件：{name}",
                    f"the bid package holds {name}, which bid.json does not list",
                    member=name,
                )
        for entry in listed:
            name = ATTACHMENTS + entry["name"]
            if name not in members:
                raise _invalid(
                    "missing-attachment",
                    f"投标函列出的附件缺失：{entry['name']}",
                    f"the attachment {entry['name']} listed in bid.json is missing",
                    member=name,
                )
        p7s = budget.read(zf, members[SIGNATURE])
        for entry in listed:
            name = ATTACHMENTS + entry["name"]
            info = members[name]
            if info.file_size != entry["size"]:
                raise _mismatch(entry, "size", info.file_size)
            seen = scan.lookup(zf, fh, info) if scan is not None else None
            if seen is not None:  # hashed as it was written: what zipfile would check
                budget.charge(info)
                if seen.crc != info.CRC:
                    raise _corrupt(name, zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}"))
                found = seen.sha256
            else:
                digest = hashlib.sha256()
                for block in budget.stream(zf, info):
                    digest.update(block)
                found = digest.hexdigest()
            if found != entry["sha256"]:
                raise _mismatch(entry, "sha256", found)
    return BidPackage(
        letter=letter,
        price=price,
        price_corrected=corrected,
        attachments=[dict(entry) for entry in listed],
        signature=verify_detached(raw, p7s),
        bid_json_sha256=hashlib.sha256(raw).hexdigest(),
    )


def _mismatch(entry: dict[str, Any], what: str, found: object) -> DomainError:
    name = entry["name"]
    what_zh = "SHA-256 摘要" if what == "sha256" else "大小"
    return _invalid(
        "attachment-mismatch",
        f"附件 {name} 的{what_zh}与投标函所列不符（列出 {entry[what]}，实际 {found}）",
        f"the attachment {name} does not match bid.json: {what} {found}, listed {entry[what]}",
        member=ATTACHMENTS + name,
        field=what,
    )
