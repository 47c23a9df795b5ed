"""OCDS import (开放数据导入) into a DuckDB analytics store, losing nothing.

    report = import_files(Path("var/ocds.duckdb"), [Path("releases.jsonl")])

Accepted inputs: release packages, record packages, JSON lines (one release or package per
line), a JSON array of releases, a single release. Real data is dirty, so every release found
is kept: its raw JSON text goes to `raw_releases` with what became of it (imported, duplicate,
rejected), the fields analysis needs go to `releases`, `parties`, `awards`, `contracts` and
`items`, and every problem met goes to `import_issues` (kind, JSON path, message, value). A
release is refused only when it is not a JSON object at all; anything else is imported as
well as it can be, with its problems listed:

- missing or non-string ocid / id, duplicate ids: a second release with the same ocid and id
  but other content is imported and flagged (duplicate-release-id); the same content again is
  not imported twice (duplicate-release);
- odd dates (a day without time, a time without offset, empty or unreadable text);
- amounts as strings or empty strings, missing or malformed currencies;
- arrays given as objects (wrapped), tags given as a string, values outside closed codelists.

Amounts are stored as DECIMAL(38, 8) from the JSON text's exact decimal (no float error).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ggzy.core.errors import DomainError
from ggzy.open_data.values import decimal_amount, parse_ocds_date

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    source_id INTEGER PRIMARY KEY, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    format VARCHAR NOT NULL, imported_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS raw_releases (
    release_key INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, locator VARCHAR NOT NULL,
    publisher VARCHAR NOT NULL, ocid VARCHAR, release_id VARCHAR, outcome VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL, raw_json VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS releases (
    release_key INTEGER PRIMARY KEY, ocid VARCHAR, release_id VARCHAR, publisher VARCHAR,
    date TIMESTAMPTZ, date_raw VARCHAR, tags VARCHAR[], initiation_type VARCHAR,
    language VARCHAR, buyer_id VARCHAR, buyer_name VARCHAR, tender_id VARCHAR,
    tender_title VARCHAR, tender_status VARCHAR, procurement_method VARCHAR,
    procurement_method_details VARCHAR, main_procurement_category VARCHAR,
    tender_amount DECIMAL(38, 8), tender_currency VARCHAR, number_of_tenderers INTEGER,
    tender_start TIMESTAMPTZ, tender_end TIMESTAMPTZ, deal_code VARCHAR);
CREATE TABLE IF NOT EXISTS parties (
    release_key INTEGER NOT NULL, ocid VARCHAR, party_id VARCHAR, name VARCHAR,
    scheme VARCHAR, identifier VARCHAR, roles VARCHAR[], country VARCHAR,
    found_in VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS awards (
    release_key INTEGER NOT NULL, ocid VARCHAR, award_id VARCHAR, title VARCHAR,
    status VARCHAR, date TIMESTAMPTZ, amount DECIMAL(38, 8), currency VARCHAR,
    supplier_ids VARCHAR[], supplier_names VARCHAR[]);
CREATE TABLE IF NOT EXISTS contracts (
    release_key INTEGER NOT NULL, ocid VARCHAR, contract_id VARCHAR, award_id VARCHAR,
    title VARCHAR, status VARCHAR, date_signed TIMESTAMPTZ, amount DECIMAL(38, 8),
    currency VARCHAR, period_start TIMESTAMPTZ, period_end TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS items (
    release_key INTEGER NOT NULL, ocid VARCHAR, section VARCHAR NOT NULL, parent_id VARCHAR,
    item_id VARCHAR, description VARCHAR, scheme VARCHAR, classification VARCHAR,
    quantity DECIMAL(38, 8), unit VARCHAR, unit_amount DECIMAL(38, 8), unit_currency VARCHAR);
CREATE TABLE IF NOT EXISTS compiled_releases (
    source_id INTEGER NOT NULL, locator VARCHAR NOT NULL, ocid VARCHAR, raw_json VARCHAR);
CREATE TABLE IF NOT EXISTS import_issues (
    release_key INTEGER, source_id INTEGER NOT NULL, locator VARCHAR NOT NULL,
    publisher VARCHAR, ocid VARCHAR, release_id VARCHAR, kind VARCHAR NOT NULL,
    path VARCHAR NOT NULL, message VARCHAR NOT NULL, value VARCHAR);
"""

# Closed codelists of OCDS 1.1 (schema-1.1.5/codelists) the analysis relies on.
CODELISTS = {
    "tag": {
        "planning",
        "planningUpdate",
        "tender",
        "tenderAmendment",
        "tenderUpdate",
        "tenderCancellation",
        "award",
        "awardUpdate",
        "awardCancellation",
        "contract",
        "contractUpdate",
        "contractAmendment",
        "implementation",
        "implementationUpdate",
        "contractTermination",
        "compiled",
    },
    "initiationType": {"tender"},
    "tender/status": {
        "planning",
        "planned",
        "active",
        "cancelled",
        "unsuccessful",
        "complete",
        "withdrawn",
    },
    "tender/procurementMethod": {"open", "selective", "limited", "direct"},
    "awards/status": {"pending", "active", "cancelled", "unsuccessful"},
    "contracts/status": {"pending", "active", "cancelled", "terminated"},
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_OCID_PREFIX = re.compile(r"^(ocds-[0-9a-z]{6})")
_LEADING_CODE = re.compile(r"^([A-Za-z]+(?:-[A-Za-z]+)*)-")
MAX_DECIMALS = Decimal("0.00000001")

ISSUE_TEXT = {  # kind -> what it means, for the report
    "invalid-json": "不是合法的 JSON / not valid JSON",
    "not-an-object": "不是 JSON 对象 / not a JSON object",
    "not-a-release": "对象不是发布（无 ocid/id/tag） / an object that is no release",
    "linked-release": "记录中仅有链接、未内嵌的发布 / a record's release given only by URL",
    "missing-ocid": "缺少 ocid / no ocid",
    "missing-id": "缺少发布 id / no release id",
    "not-a-string": "应为字符串 / should be a string",
    "duplicate-release": "重复的发布（内容相同，未再导入） / the same release again",
    "duplicate-release-id": "ocid 与 id 重复但内容不同 / same ocid and id, other content",
    "duplicate-id": "同一数组内 id 重复 / an id repeated in one array",
    "missing-date": "缺少日期 / no date",
    "empty-date": "日期为空 / empty date",
    "invalid-date": "无法解析的日期 / unreadable date",
    "date-without-time": "日期缺少时间（按 UTC 零点） / a day without time (read as 00:00 UTC)",
    "date-without-timezone": "时间缺少时区（按 UTC） / a time without offset (read as UTC)",
    "missing-tag": "缺少 tag / no tag",
    "not-an-array": "应为数组（已按单元素处理） / should be an array (wrapped)",
    "not-an-object-field": "应为对象（已忽略） / should be an object (ignored)",
    "amount-as-string": "金额为字符串 / an amount given as text",
    "empty-amount": "金额为空字符串 / an empty amount",
    "invalid-amount": "无法解析的金额 / unreadable amount",
    "amount-precision": "金额超过 8 位小数（已四舍五入） / more than 8 decimals (rounded)",
    "missing-currency": "金额缺少币种 / an amount without currency",
    "invalid-currency": "币种不是 ISO 4217 代码 / not an ISO 4217 currency code",
    "not-in-codelist": "不在 OCDS 封闭代码表中 / not in the closed OCDS codelist",
    "missing-award-id": "授标缺少 id / an award without id",
    "missing-contract-id": "合同缺少 id / a contract without id",
    "missing-party-id": "参与方缺少 id / a party without id",
}


def _as_dict(value: Any) -> dict[str, Any]:
    """value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


@dataclass
class Issue:
    """One problem with one release (or with an input item that was no release)."""

    kind: str
    path: str
    message: str
    value: str | None = None


@dataclass
class Item:
    """A release (or something that should have been one) found in an input file."""

    locator: str
    obj: Any
    raw: str
    publisher_hint: str | None = None
    issues: list[Issue] = field(default_factory=list)
    rejected: str | None = None  # the issue kind that keeps it out of the analysis tables


@dataclass
class ImportReport:
    """What an import did: counts per publisher, releases imported, issues by kind."""

    files: list[str] = field(default_factory=list)
    seen: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    publishers: dict[str, Counter[str]] = field(default_factory=dict)
    issues: Counter[str] = field(default_factory=Counter)

    def count(self, publisher: str, outcome: str, issues: int) -> None:
        """Record one release's outcome."""
        c = self.publishers.setdefault(publisher, Counter())
        c["seen"] += 1
        c[outcome] += 1
        c["issues"] += issues
        self.seen += 1
        if outcome == "imported":
            self.imported += 1
        elif outcome == "duplicate":
            self.duplicates += 1
        else:
            self.rejected += 1

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON (the CLI's --json)."""
        return {
            "files": self.files,
            "releases": {
                "seen": self.seen,
                "imported": self.imported,
                "duplicate": self.duplicates,
                "rejected": self.rejected,
            },
            "publishers": {
                name: {
                    k: c.get(k, 0) for k in ("seen", "imported", "duplicate", "rejected", "issues")
                }
                for name, c in sorted(self.publishers.items())
            },
            "issues": dict(sorted(self.issues.items(), key=lambda kv: (-kv[1], kv[0]))),
        }


# ---------------------------------------------------------------- reading inputs


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _digest(value: Any) -> str:
    canonical = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _bad_file(path: Path, zh: str, en: str) -> DomainError:
    return DomainError("invalid-ocds-file", f"{path}：{zh}", f"{path}: {en}", file=str(path))


def read_file(path: Path) -> tuple[str, list[Item], list[tuple[str, Any]]]:
    """The format of a file, the releases in it, and its compiled releases (records)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _bad_file(
            path, f"无法读取文件（{exc.strerror}）", f"cannot read the file ({exc.strerror})"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad_file(path, "不是 UTF-8 文本", "not UTF-8 text") from None
    name = path.name
    compiled: list[tuple[str, Any]] = []
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        parsed: list[tuple[int, str, Any, json.JSONDecodeError | None]] = []
        for n, line in lines:
            try:
                parsed.append((n, line, json.loads(line), None))
            except json.JSONDecodeError as line_error:
                parsed.append((n, line, None, line_error))
        if len(lines) < 2 or not any(isinstance(p[2], dict) for p in parsed):
            raise _bad_file(
                path,
                f"不是 JSON 或 JSON Lines（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）",
                f"neither JSON nor JSON lines (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            ) from None
        items: list[Item] = []
        for n, line, obj, error in parsed:
            locator = f"{name}:{n}"
            if error is not None:
                item = Item(locator, None, line)
                _reject(item, "invalid-json", f"{error.msg} (column {error.colno})", line[:200])
                items.append(item)
            else:
                items.extend(_from_document(obj, locator, line, compiled))
        return "jsonl", items, compiled
    items = list(_from_document(document, name, None, compiled))
    return _format_of(document), items, compiled


def _format_of(document: Any) -> str:
    if isinstance(document, dict) and isinstance(document.get("releases"), list):
        return "release-package"
    if isinstance(document, dict) and isinstance(document.get("records"), list):
        return "record-package"
    if isinstance(document, list):
        return "array"
    return "release"


def _reject(item: Item, kind: str, message: str, value: str | None = None) -> None:
    item.issues.append(Issue(kind, "", message, value))
    item.rejected = kind


def _package_publisher(doc: dict[str, Any]) -> str | None:
    publisher = doc.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        return publisher["name"] or None
    return publisher if isinstance(publisher, str) and publisher else None


def _from_document(
    doc: Any, locator: str, raw_line: str | None, compiled: list[tuple[str, Any]]
) -> Iterator[Item]:
    if isinstance(doc, list):
        for i, element in enumerate(doc):
            yield from _from_document(element, f"{locator}#/{i}", None, compiled)
        return
    if not isinstance(doc, dict):
        item = Item(locator, doc, raw_line or _dumps(doc))
        _reject(
            item, "not-an-object", f"a JSON {type(doc).__name__}, not an object", _dumps(doc)[:200]
        )
        yield item
        return
    publisher = _package_publisher(doc)
    if "releases" in doc and "ocid" not in doc and "records" not in doc:
        releases = doc["releases"]
        if not isinstance(releases, list):
            releases = [releases]
        for i, release in enumerate(releases):
            yield _release_item(release, f"{locator}#/releases/{i}", None, publisher)
        return
    if "records" in doc and "ocid" not in doc:
        records = doc["records"] if isinstance(doc["records"], list) else [doc["records"]]
        for j, record in enumerate(records):
            where = f"{locator}#/records/{j}"
            if not isinstance(record, dict):
                item = Item(where, record, _dumps(record))
                _reject(
                    item, "not-an-object", "a record that is not an object", _dumps(record)[:200]
                )
                yield item
                continue
            if record.get("compiledRelease") is not None:
                compiled.append((f"{where}/compiledRelease", record["compiledRelease"]))
            releases = record.get("releases") or []
            if not isinstance(releases, list):
                releases = [releases]
            for i, release in enumerate(releases):
                yield _release_item(release, f"{where}/releases/{i}", None, publisher, record)
        return
    yield _release_item(doc, locator, raw_line, publisher)


def _release_item(
    release: Any,
    locator: str,
    raw_line: str | None,
    publisher: str | None,
    record: dict[str, Any] | None = None,
) -> Item:
    item = Item(locator, release, raw_line or _dumps(release), publisher)
    if not isinstance(release, dict):
        _reject(
            item, "not-an-object", f"a JSON {type(release).__name__}, not an object", item.raw[:200]
        )
    elif "url" in release and not {"ocid", "id"} & set(release):
        _reject(
            item,
            "linked-release",
            "the record links to this release without embedding it",
            str(release.get("url")),
        )
        if record is not None and isinstance(record.get("ocid"), str):
            item.obj = {**release, "ocid": record["ocid"]}
    elif not {"ocid", "id", "tag"} & set(release):
        _reject(item, "not-a-release", "an object without ocid, id or tag", item.raw[:200])
    return item


def publisher_of(release: Any, hint: str | None) -> str:
    """Who published a release: its registered ocid prefix, else the package's publisher
    (or the collector's packageInfo), else the ocid's leading code, else "(unknown)"."""
    ocid = release.get("ocid") if isinstance(release, dict) else None
    ocid = ocid if isinstance(ocid, str) else None
    if ocid and (m := _OCID_PREFIX.match(ocid)):
        return m.group(1)
    if hint:
        return hint
    info = release.get("packageInfo") if isinstance(release, dict) else None
    if isinstance(info, dict):
        name = _package_publisher(info)
        if name:
            return name
    if ocid and (m := _LEADING_CODE.match(ocid)):
        return m.group(1)
    return "(unknown)"


# ---------------------------------------------------------------- one release's rows


class _Checker:
    """Reads one release defensively, noting each problem met."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues

    def note(self, kind: str, path: str, message: str, value: Any = None) -> None:
        """Record a problem."""
        shown = None if value is None else (value if isinstance(value, str) else _dumps(value))
        self.issues.append(Issue(kind, path, message, shown[:500] if shown else shown))

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        """value if it is an object, else {} (noting the problem when it is not null)."""
        if isinstance(value, dict):
            return value
        if value is not None:
            self.note("not-an-object-field", path, "expected an object", value)
        return {}

    def array(self, value: Any, path: str) -> list[Any]:
        """value as a list; an object is wrapped as a one-element list, with an issue."""
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.note("not-an-array", path, f"expected an array, found a {type(value).__name__}", None)
        return [value]

    def text(self, value: Any, path: str) -> str | None:
        """A string field; numbers are turned into text with an issue."""
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.note(
                "not-a-string", path, f"a {type(value).__name__} where a string is expected", value
            )
            return str(value)
        self.note(
            "not-a-string", path, f"a {type(value).__name__} where a string is expected", value
        )
        return _dumps(value)

    def date(self, value: Any, path: str) -> datetime | None:
        """A date-time field, noting odd forms."""
        parsed, problem = parse_ocds_date(value)
        if problem:
            self.note(problem, path, ISSUE_TEXT[problem], value)
        return parsed

    def code(self, value: Any, path: str, codelist: str) -> str | None:
        """A closed-codelist field: unknown codes are kept and noted."""
        text = self.text(value, path)
        if text is not None and text not in CODELISTS[codelist]:
            self.note("not-in-codelist", path, f"not in the closed {codelist} codelist", text)
        return text

    def amount(self, value: Any, path: str) -> tuple[Decimal | None, str | None]:
        """A Value object's amount (exact) and currency."""
        v = self.obj(value, path)
        if not v:
            return None, None
        raw = v.get("amount")
        amount: Decimal | None = None
        if isinstance(raw, str):
            if raw.strip() == "":
                self.note("empty-amount", f"{path}/amount", ISSUE_TEXT["empty-amount"], raw)
            else:
                amount = decimal_amount(raw)
                kind = "amount-as-string" if amount is not None else "invalid-amount"
                self.note(kind, f"{path}/amount", ISSUE_TEXT[kind], raw)
        elif raw is not None:
            amount = decimal_amount(raw)
            if amount is None:
                self.note("invalid-amount", f"{path}/amount", ISSUE_TEXT["invalid-amount"], raw)
        if amount is not None and amount.quantize(MAX_DECIMALS) != amount:
            self.note(
                "amount-precision", f"{path}/amount", ISSUE_TEXT["amount-precision"], str(amount)
            )
            amount = amount.quantize(MAX_DECIMALS)
        if amount is not None and abs(amount) >= Decimal(10) ** 30:
            self.note("invalid-amount", f"{path}/amount", "the amount is out of range", str(amount))
            amount = None
        currency = v.get("currency")
        if amount is not None and currency in (None, ""):
            self.note(
                "missing-currency", f"{path}/currency", ISSUE_TEXT["missing-currency"], currency
            )
        elif currency not in (None, "") and (
            not isinstance(currency, str) or not _CURRENCY.match(currency)
        ):
            self.note(
                "invalid-currency", f"{path}/currency", ISSUE_TEXT["invalid-currency"], currency
            )
        return amount, self.text(currency, f"{path}/currency") if currency != "" else None


def _org_key(org: dict[str, Any]) -> str | None:
    ident = _as_dict(org.get("identifier"))
    for candidate in (
        org.get("id"),
        f"{ident.get('scheme')}-{ident.get('id')}"
        if ident.get("scheme") and ident.get("id")
        else None,
        ident.get("id"),
        org.get("name"),
    ):
        if candidate not in (None, ""):
            return str(candidate)
    return None


@dataclass
class Rows:
    """The analysis rows of one release."""

    release: dict[str, Any]
    parties: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


def release_rows(r: dict[str, Any], publisher: str, issues: list[Issue]) -> Rows:
    """Extract a release's analysis rows; problems are appended to issues."""
    c = _Checker(issues)
    ocid = c.text(r.get("ocid"), "/ocid")
    if not ocid:
        c.note("missing-ocid", "/ocid", ISSUE_TEXT["missing-ocid"], r.get("ocid"))
    release_id = c.text(r.get("id"), "/id")
    if release_id in (None, ""):
        c.note("missing-id", "/id", ISSUE_TEXT["missing-id"], r.get("id"))
        release_id = None
    if r.get("date") is None:
        c.note("missing-date", "/date", ISSUE_TEXT["missing-date"])
    date = c.date(r.get("date"), "/date")
    raw_tags = r.get("tag")
    if raw_tags is None:
        c.note("missing-tag", "/tag", ISSUE_TEXT["missing-tag"])
    tags = [c.code(t, "/tag", "tag") for t in c.array(raw_tags, "/tag")]
    initiation = r.get("initiationType")
    initiation_type = (
        c.code(initiation, "/initiationType", "initiationType") if initiation is not None else None
    )
    buyer = c.obj(r.get("buyer"), "/buyer")
    tender = c.obj(r.get("tender"), "/tender")
    tender_amount, tender_currency = c.amount(tender.get("value"), "/tender/value")
    period = c.obj(tender.get("tenderPeriod"), "/tender/tenderPeriod")
    number = tender.get("numberOfTenderers")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
        c.note(
            "not-a-string" if isinstance(number, str) else "invalid-amount",
            "/tender/numberOfTenderers",
            "numberOfTenderers should be an integer",
            number,
        )
        number = int(number) if isinstance(number, str) and number.isdigit() else None
    ext = _as_dict(r.get("ggzy"))
    rows = Rows(
        {
            "ocid": ocid,
            "release_id": release_id,
            "publisher": publisher,
            "date": date,
            "date_raw": r.get("date") if isinstance(r.get("date"), str) else None,
            "tags": [t for t in tags if t is not None],
            "initiation_type": initiation_type,
            "language": c.text(r.get("language"), "/language"),
            "buyer_id": c.text(buyer.get("id"), "/buyer/id"),
            "buyer_name": c.text(buyer.get("name"), "/buyer/name"),
            "tender_id": c.text(tender.get("id"), "/tender/id"),
            "tender_title": c.text(tender.get("title"), "/tender/title"),
            "tender_status": c.code(tender.get("status"), "/tender/status", "tender/status")
            if tender.get("status") is not None
            else None,
            "procurement_method": c.code(
                tender.get("procurementMethod"),
                "/tender/procurementMethod",
                "tender/procurementMethod",
            )
            if tender.get("procurementMethod") is not None
            else None,
            "procurement_method_details": c.text(
                tender.get("procurementMethodDetails"), "/tender/procurementMethodDetails"
            ),
            "main_procurement_category": c.text(
                tender.get("mainProcurementCategory"), "/tender/mainProcurementCategory"
            ),
            "tender_amount": tender_amount,
            "tender_currency": tender_currency,
            "number_of_tenderers": number,
            "tender_start": c.date(period.get("startDate"), "/tender/tenderPeriod/startDate"),
            "tender_end": c.date(period.get("endDate"), "/tender/tenderPeriod/endDate"),
            "deal_code": ext.get("dealCode") if isinstance(ext.get("dealCode"), str) else None,
        }
    )
    awards = c.array(r.get("awards"), "/awards")
    _parties(r, tender, awards, rows, c, ocid)
    _awards(awards, rows, c, ocid)
    _contracts(r, rows, c, ocid)
    _items(tender.get("items"), "/tender/items", "tender", tender.get("id"), rows, c, ocid)
    return rows


def _parties(
    r: dict[str, Any],
    tender: dict[str, Any],
    awards: list[Any],
    rows: Rows,
    c: _Checker,
    ocid: str | None,
) -> None:
    found: dict[str, dict[str, Any]] = {}

    def add(org: Any, path: str, role: str | None, source: str) -> None:
        o = c.obj(org, path)
        if not o:
            return
        key = _org_key(o)
        if key is None:
            c.note("missing-party-id", path, ISSUE_TEXT["missing-party-id"], o)
            key = f"(unnamed {path})"
        ident = _as_dict(o.get("identifier"))
        roles = (
            [str(x) for x in c.array(o.get("roles"), f"{path}/roles")]
            if source == "parties"
            else []
        )
        if role and role not in roles:
            roles.append(role)
        if key in found:
            if source == "parties":
                c.note("duplicate-id", f"{path}/id", ISSUE_TEXT["duplicate-id"], key)
            found[key]["roles"] = list(dict.fromkeys(found[key]["roles"] + roles))
            return
        address = _as_dict(o.get("address"))
        found[key] = {
            "party_id": key,
            "name": c.text(o.get("name"), f"{path}/name")
            or c.text(ident.get("legalName"), f"{path}/identifier/legalName"),
            "scheme": c.text(ident.get("scheme"), f"{path}/identifier/scheme"),
            "identifier": c.text(ident.get("id"), f"{path}/identifier/id"),
            "roles": roles,
            "country": address.get("countryName")
            if isinstance(address.get("countryName"), str)
            else None,
            "found_in": source,
        }

    for i, party in enumerate(c.array(r.get("parties"), "/parties")):
        add(party, f"/parties/{i}", None, "parties")
    add(r.get("buyer"), "/buyer", "buyer", "buyer")
    add(tender.get("procuringEntity"), "/tender/procuringEntity", "procuringEntity", "tender")
    for i, org in enumerate(c.array(tender.get("tenderers"), "/tender/tenderers")):
        add(org, f"/tender/tenderers/{i}", "tenderer", "tender")
    for i, award in enumerate(awards):
        if isinstance(award, dict):
            for j, org in enumerate(c.array(award.get("suppliers"), f"/awards/{i}/suppliers")):
                add(org, f"/awards/{i}/suppliers/{j}", "supplier", "awards")
    rows.parties = [{"ocid": ocid, **p} for p in found.values()]


def _unique_id(
    c: _Checker, obj: dict[str, Any], path: str, seen: set[str], missing: str
) -> str | None:
    """An award's or contract's id, noting it missing or repeated within its array."""
    ident = c.text(obj.get("id"), f"{path}/id")
    if ident in (None, ""):
        c.note(missing, f"{path}/id", ISSUE_TEXT[missing])
    elif ident in seen:
        c.note("duplicate-id", f"{path}/id", ISSUE_TEXT["duplicate-id"], ident)
    seen.add(ident or "")
    return ident


def _awards(awards: list[Any], rows: Rows, c: _Checker, ocid: str | None) -> None:
    seen: set[str] = set()
    for i, raw in enumerate(awards):
        path = f"/awards/{i}"
        award = c.obj(raw, path)
        if not award:
            continue
        award_id = _unique_id(c, award, path, seen, "missing-award-id")
        amount, currency = c.amount(award.get("value"), f"{path}/value")
        suppliers = [
            s for s in c.array(award.get("suppliers"), f"{path}/suppliers") if isinstance(s, dict)
        ]
        rows.awards.append(
            {
                "ocid": ocid,
                "award_id": award_id or None,
                "title": c.text(award.get("title"), f"{path}/title"),
                "status": c.code(award.get("status"), f"{path}/status", "awards/status")
                if award.get("status") not in (None, "")
                else None,
                "date": c.date(award.get("date"), f"{path}/date"),
                "amount": amount,
                "currency": currency,
                "supplier_ids": [k for s in suppliers if (k := _org_key(s))],
                "supplier_names": [str(s.get("name")) for s in suppliers if s.get("name")],
            }
        )
        _items(award.get("items"), f"{path}/items", "award", award_id, rows, c, ocid)


def _contracts(r: dict[str, Any], rows: Rows, c: _Checker, ocid: str | None) -> None:
    seen: set[str] = set()
    for i, raw in enumerate(c.array(r.get("contracts"), "/contracts")):
        path = f"/contracts/{i}"
        contract = c.obj(raw, path)
        if not contract:
            continue
        contract_id = _unique_id(c, contract, path, seen, "missing-contract-id")
        amount, currency = c.amount(contract.get("value"), f"{path}/value")
        period = c.obj(contract.get("period"), f"{path}/period")
        rows.contracts.append(
            {
                "ocid": ocid,
                "contract_id": contract_id or None,
                "award_id": c.text(contract.get("awardID"), f"{path}/awardID"),
                "title": c.text(contract.get("title"), f"{path}/title"),
                "status": c.code(contract.get("status"), f"{path}/status", "contracts/status")
                if contract.get("status") not in (None, "")
                else None,
                "date_signed": c.date(contract.get("dateSigned"), f"{path}/dateSigned"),
                "amount": amount,
                "currency": currency,
                "period_start": c.date(period.get("startDate"), f"{path}/period/startDate"),
                "period_end": c.date(period.get("endDate"), f"{path}/period/endDate"),
            }
        )
        _items(contract.get("items"), f"{path}/items", "contract", contract_id, rows, c, ocid)


def _items(
    raw: Any, path: str, section: str, parent: Any, rows: Rows, c: _Checker, ocid: str | None
) -> None:
    for i, entry in enumerate(c.array(raw, path)):
        item = c.obj(entry, f"{path}/{i}")
        if not item:
            continue
        classification = _as_dict(item.get("classification"))
        unit = _as_dict(item.get("unit"))
        unit_amount, unit_currency = c.amount(unit.get("value"), f"{path}/{i}/unit/value")
        quantity = decimal_amount(item.get("quantity"))
        rows.items.append(
            {
                "ocid": ocid,
                "section": section,
                "parent_id": str(parent) if parent is not None else None,
                "item_id": c.text(item.get("id"), f"{path}/{i}/id"),
                "description": c.text(item.get("description"), f"{path}/{i}/description"),
                "scheme": c.text(classification.get("scheme"), f"{path}/{i}/classification/scheme"),
                "classification": c.text(classification.get("id"), f"{path}/{i}/classification/id"),
                "quantity": quantity.quantize(MAX_DECIMALS)
                if quantity is not None and abs(quantity) < 10**29
                else None,
                "unit": c.text(unit.get("name"), f"{path}/{i}/unit/name"),
                "unit_amount": unit_amount,
                "unit_currency": unit_currency,
            }
        )


# ---------------------------------------------------------------- the store


def connect(store: Path) -> Any:
    """Open (creating) the DuckDB analytics store and its tables."""
    import duckdb

    store.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(store))
    con.execute(SCHEMA)
    return con


def _insert(con: Any, table: str, rows: list[dict[str, Any]], chunk: int = 200) -> None:
    """Insert rows in multi-row statements (DuckDB's executemany goes one row at a time)."""
    if not rows:
        return
    columns = list(rows[0])
    one = "(" + ", ".join("?" for _ in columns) + ")"
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(one for _ in part)}",
            [row[c] for row in part for c in columns],
        )


def import_files(
    store: Path, paths: list[Path], report: ImportReport | None = None
) -> ImportReport:
    """Import OCDS files into the store; every release is imported or listed with why.

    A file that is not JSON (nor JSON lines) or cannot be read raises DomainError before
    anything of it is stored; files are read in full before the store is touched.
    """
    report = report or ImportReport()
    parsed = [(path, *read_file(path)) for path in paths]  # refuse bad files before writing
    con = connect(store)
    try:
        for path, fmt, items, compiled in parsed:
            _import_one(con, path, fmt, items, compiled, report)
    finally:
        con.close()
    return report


def _import_one(
    con: Any,
    path: Path,
    fmt: str,
    items: list[Item],
    compiled: list[tuple[str, Any]],
    report: ImportReport,
) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    con.execute("BEGIN TRANSACTION")
    try:
        source_id = con.execute("SELECT coalesce(max(source_id), 0) + 1 FROM sources").fetchone()[0]
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?)",
            [source_id, str(path), digest, fmt, datetime.now(UTC)],
        )
        next_key = con.execute(
            "SELECT coalesce(max(release_key), 0) + 1 FROM raw_releases"
        ).fetchone()[0]
        known = {
            row[0]: row[1]
            for row in con.execute(
                "SELECT sha256, release_key FROM raw_releases WHERE outcome = 'imported'"
            ).fetchall()
        }
        ids = {
            (row[0], row[1]): row[2]
            for row in con.execute(
                "SELECT ocid, release_id, min(release_key) FROM releases "
                "WHERE release_id IS NOT NULL GROUP BY ocid, release_id"
            ).fetchall()
        }
        tables: dict[str, list[dict[str, Any]]] = {
            t: []
            for t in (
                "raw_releases",
                "releases",
                "parties",
                "awards",
                "contracts",
                "items",
                "import_issues",
            )
        }
        for item in items:
            key = next_key
            next_key += 1
            publisher = publisher_of(item.obj, item.publisher_hint)
            obj = _as_dict(item.obj)
            sha = (
                _digest(item.obj)
                if item.obj is not None
                else hashlib.sha256(item.raw.encode()).hexdigest()
            )
            outcome = "rejected" if item.rejected else "imported"
            if outcome == "imported" and sha in known:
                outcome = "duplicate"
                item.issues.append(
                    Issue(
                        "duplicate-release",
                        "",
                        f"the same release is already imported as release_key {known[sha]}",
                        None,
                    )
                )
            rows = None
            if outcome == "imported":
                rows = release_rows(obj, publisher, item.issues)
                pair = (rows.release["ocid"], rows.release["release_id"])
                if pair[1] is not None and pair in ids:
                    item.issues.append(
                        Issue(
                            "duplicate-release-id",
                            "/id",
                            f"another release with this ocid and id (release_key {ids[pair]}) "
                            "has other content",
                            pair[1],
                        )
                    )
                elif pair[1] is not None:
                    ids[pair] = key
                known[sha] = key
            ocid = obj.get("ocid") if isinstance(obj.get("ocid"), str) else None
            release_id = str(obj["id"]) if obj.get("id") not in (None, "") else None
            tables["raw_releases"].append(
                {
                    "release_key": key,
                    "source_id": source_id,
                    "locator": item.locator,
                    "publisher": publisher,
                    "ocid": ocid,
                    "release_id": release_id,
                    "outcome": outcome,
                    "sha256": sha,
                    "raw_json": item.raw,
                }
            )
            if rows is not None:
                tables["releases"].append({"release_key": key, **rows.release})
                for name in ("parties", "awards", "contracts", "items"):
                    tables[name].extend({"release_key": key, **row} for row in getattr(rows, name))
            for issue in item.issues:
                tables["import_issues"].append(
                    {
                        "release_key": key,
                        "source_id": source_id,
                        "locator": item.locator,
                        "publisher": publisher,
                        "ocid": ocid,
                        "release_id": release_id,
                        "kind": issue.kind,
                        "path": issue.path,
                        "message": issue.message,
                        "value": issue.value,
                    }
                )
                report.issues[issue.kind] += 1
            report.count(publisher, outcome, len(item.issues))
        for table, rows_of_table in tables.items():
            _insert(con, table, rows_of_table)
        _insert(
            con,
            "compiled_releases",
            [
                {
                    "source_id": source_id,
                    "locator": where,
                    "ocid": release.get("ocid") if isinstance(release, dict) else None,
                    "raw_json": _dumps(release),
                }
                for where, release in compiled
            ],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    report.files.append(str(path))


def stored_releases(store: Path, ocid: str | None = None) -> list[dict[str, Any]]:
    """The raw JSON of the imported releases (in import order), e.g. to publish them again."""
    con = connect(store)
    try:
        q = "SELECT raw_json FROM raw_releases WHERE outcome = 'imported'"
        args: list[Any] = []
        if ocid is not None:
            q += " AND ocid = ?"
            args.append(ocid)
        return [
            json.loads(row[0]) for row in con.execute(q + " ORDER BY release_key", args).fetchall()
        ]
    finally:
        con.close()
