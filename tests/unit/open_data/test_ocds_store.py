"""`ggzy import ocds`'s store: every release imported or listed with why, raw JSON kept."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ggzy.core.errors import DomainError
from ggzy.open_data.store import import_files, stored_releases

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "ocds"
REAL = SHARED / "real-2016"
FICTIONAL = SHARED / "fictional-example-1.1"


def needs(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared OCDS test material not found at {path}")
    return path


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def query(store: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql, list(args)).fetchall()
    finally:
        con.close()


def release(ocid: str = "ocds-abc123-1", rid: str = "1", **fields: Any) -> dict[str, Any]:
    return {
        "ocid": ocid,
        "id": rid,
        "date": "2016-01-01T00:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        **fields,
    }


def package(*releases: dict[str, Any], publisher: str = "Test publisher") -> dict[str, Any]:
    return {
        "uri": "https://example.org/p.json",
        "version": "1.1",
        "publishedDate": "2016-01-01T00:00:00Z",
        "publisher": {"name": publisher},
        "releases": list(releases),
    }


def issues(store: Path) -> list[tuple[str, str, str | None]]:
    return query(store, "SELECT kind, path, value FROM import_issues ORDER BY kind, path")


# ---------------------------------------------------------------- inputs


def test_a_release_package_fills_releases_parties_awards_contracts_and_items(
    tmp_path: Path,
) -> None:
    r = release(
        parties=[{"id": "GB-COH-1", "name": "AnyCorp", "roles": ["supplier"]}],
        buyer={"id": "GB-LAC-2", "name": "Barnet"},
        tender={
            "id": "t",
            "title": "Cycle lanes",
            "value": {"amount": 12000000.5, "currency": "GBP"},
            "items": [{"id": "1", "description": "lanes", "quantity": 3}],
        },
        awards=[
            {
                "id": "a1",
                "status": "active",
                "value": {"amount": 11000000, "currency": "GBP"},
                "suppliers": [{"id": "GB-COH-1", "name": "AnyCorp"}],
            }
        ],
        contracts=[
            {
                "id": "c1",
                "awardID": "a1",
                "status": "active",
                "value": {"amount": 11000000, "currency": "GBP"},
            }
        ],
    )
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [write(tmp_path, "p.json", package(r))])
    assert (report.seen, report.imported, report.rejected) == (1, 1, 0)
    assert query(store, "SELECT tender_amount, tender_currency, buyer_id FROM releases") == [
        (Decimal("12000000.5"), "GBP", "GB-LAC-2")
    ]
    parties = query(store, "SELECT party_id, roles FROM parties ORDER BY party_id")
    assert parties == [("GB-COH-1", ["supplier"]), ("GB-LAC-2", ["buyer"])]
    assert query(store, "SELECT award_id, amount, supplier_ids FROM awards") == [
        ("a1", Decimal(11000000), ["GB-COH-1"])
    ]
    assert query(store, "SELECT contract_id, award_id FROM contracts") == [("c1", "a1")]
    assert query(store, "SELECT section, item_id, quantity FROM items") == [("tender", "1", 3)]
    assert issues(store) == []


def test_json_lines_keep_a_broken_line_as_a_rejected_release_with_its_text(
    tmp_path: Path,
) -> None:
    lines = [json.dumps(release(rid="1")), "{not json", json.dumps(release(rid="2"))]
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [write(tmp_path, "r.jsonl", "\n".join(lines))])
    assert (report.seen, report.imported, report.rejected) == (3, 2, 1)
    rejected = query(store, "SELECT locator, raw_json FROM raw_releases WHERE outcome = 'rejected'")
    assert rejected == [("r.jsonl:2", "{not json")]
    assert [k for k, _, _ in issues(store)] == ["invalid-json"]


def test_a_record_package_lists_releases_given_only_by_url_and_keeps_its_compiled_release(
    tmp_path: Path,
) -> None:
    record = {
        "uri": "https://example.org/r.json",
        "version": "1.1",
        "publishedDate": "2016-01-01T00:00:00Z",
        "publisher": {"name": "P"},
        "records": [
            {
                "ocid": "ocds-abc123-9",
                "releases": [
                    {
                        "url": "https://example.org/p.json#r1",
                        "date": "2016-01-01T00:00:00Z",
                        "tag": ["tender"],
                    },
                    release(ocid="ocds-abc123-9", rid="r2"),
                ],
                "compiledRelease": release(ocid="ocds-abc123-9", rid="compiled", tag=["compiled"]),
            }
        ],
    }
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [write(tmp_path, "record.json", record)])
    assert (report.seen, report.imported, report.rejected) == (2, 1, 1)
    linked = query(store, "SELECT ocid, outcome FROM raw_releases WHERE outcome = 'rejected'")
    assert linked == [("ocds-abc123-9", "rejected")]
    assert issues(store) == [("linked-release", "", "https://example.org/p.json#r1")]
    (compiled,) = query(store, "SELECT raw_json FROM compiled_releases")
    assert json.loads(compiled[0])["id"] == "compiled"


def test_the_same_release_again_is_listed_as_a_duplicate_not_imported_twice(
    tmp_path: Path,
) -> None:
    store = tmp_path / "ocds.duckdb"
    path = write(tmp_path, "p.json", package(release()))
    import_files(store, [path])
    again = import_files(store, [path])
    assert (again.seen, again.imported, again.duplicates) == (1, 0, 1)
    assert query(store, "SELECT count(*) FROM releases") == [(1,)]
    assert query(store, "SELECT outcome FROM raw_releases ORDER BY release_key") == [
        ("imported",),
        ("duplicate",),
    ]


def test_a_second_release_with_the_same_id_but_other_content_is_imported_and_flagged(
    tmp_path: Path,
) -> None:
    first, second = release(language="en"), release(language="es")
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [write(tmp_path, "p.json", package(first, second))])
    assert report.imported == 2
    assert issues(store) == [("duplicate-release-id", "/id", "1")]


def test_dirty_values_are_imported_as_well_as_they_can_be_and_each_is_listed(
    tmp_path: Path,
) -> None:
    dirty = release(
        id=42,
        date="2014-02-05",
        tag="award",
        tender={"value": {"amount": "1,234.50", "currency": "mdl"}, "status": "Executed"},
        awards={"value": {"amount": "", "currency": ""}, "date": ""},
    )
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [write(tmp_path, "d.json", dirty)])
    assert report.imported == 1
    row = query(store, "SELECT release_id, tags, tender_amount, date FROM releases")[0]
    assert row[:3] == ("42", ["award"], Decimal("1234.50"))
    assert row[3].year == 2014
    assert query(store, "SELECT award_id, amount FROM awards") == [(None, None)]
    assert Counter(k for k, _, _ in issues(store)) == Counter(
        {
            "not-a-string": 1,  # the id 42
            "date-without-time": 1,
            "not-an-array": 2,  # tag, awards
            "amount-as-string": 1,
            "invalid-currency": 1,
            "not-in-codelist": 1,  # tender status "Executed"
            "empty-amount": 1,
            "empty-date": 1,
            "missing-award-id": 1,
        }
    )


def test_something_that_is_no_release_is_kept_and_listed(tmp_path: Path) -> None:
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [write(tmp_path, "a.json", [release(), 7, {"hello": 1}])])
    assert (report.seen, report.imported, report.rejected) == (3, 1, 2)
    assert sorted(k for k, _, _ in issues(store)) == ["not-a-release", "not-an-object"]
    assert query(store, "SELECT raw_json FROM raw_releases WHERE outcome = 'rejected'") == [
        ("7",),
        ('{"hello": 1}',),
    ]


def test_a_file_that_is_not_json_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    store = tmp_path / "ocds.duckdb"
    good = write(tmp_path, "good.json", package(release()))
    bad = write(tmp_path, "bad.json", "this is { not json")
    with pytest.raises(DomainError) as info:
        import_files(store, [good, bad])
    assert info.value.code == "invalid-ocds-file" and "bad.json" in info.value.en
    assert not store.exists()


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as info:
        import_files(tmp_path / "ocds.duckdb", [tmp_path / "nowhere.json"])
    assert "nowhere.json" in info.value.zh and "cannot read" in info.value.en


# ---------------------------------------------------------------- the shared material


def test_every_one_of_the_659_real_2016_releases_is_accounted_for(tmp_path: Path) -> None:
    source = needs(REAL / "releases.jsonl")
    expected = json.loads((REAL / "provenance_counts.json").read_text(encoding="utf-8"))
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [source])
    assert report.seen == 659 == report.imported + report.duplicates + report.rejected
    assert report.imported == 659  # dirty, but every one is a release
    assert sorted(c["seen"] for c in report.publishers.values()) == sorted(expected.values())
    lines = source.read_text(encoding="utf-8").splitlines()
    raw = query(store, "SELECT locator, raw_json FROM raw_releases ORDER BY release_key")
    assert [json.loads(text) for _, text in raw] == [json.loads(line) for line in lines]
    assert query(store, "SELECT count(DISTINCT ocid) FROM releases") == [(559,)]
    kinds = report.to_dict()["issues"]
    assert kinds["duplicate-release-id"] == 40  # UK and Paraguay releases republished changed
    assert kinds["empty-amount"] == 69  # the only amounts given as strings are empty ones
    flagged = query(store, "SELECT count(DISTINCT release_key) FROM import_issues")[0][0]
    assert 0 < flagged < 659


def test_the_fictional_example_round_trips_through_the_store(tmp_path: Path) -> None:
    source = needs(FICTIONAL / "ocds-213czf-000-00001.json")
    original = json.loads(source.read_text(encoding="utf-8"))
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [source])
    assert (report.imported, sum(report.issues.values())) == (6, 0)
    assert stored_releases(store) == original["releases"]
    awards = query(store, "SELECT DISTINCT award_id, status, amount, currency FROM awards")
    assert sorted(awards) == [
        ("ocds-213czf-000-00001-award-01", "active", Decimal(11000000), "GBP"),
        ("ocds-213czf-000-00001-award-01", "pending", Decimal(11000000), "GBP"),
    ]
    record = json.loads(
        (FICTIONAL / "record-ocds-213czf-000-00001.json").read_text(encoding="utf-8")
    )
    again = import_files(store, [FICTIONAL / "record-ocds-213czf-000-00001.json"])
    assert (again.imported, again.rejected) == (0, 6)  # the record only links its releases
    (compiled,) = query(store, "SELECT raw_json FROM compiled_releases")
    assert json.loads(compiled[0]) == record["records"][0]["compiledRelease"]
