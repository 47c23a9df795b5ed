"""Imported dirty OCDS data re-exported as a valid release package, every repair reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ggzy.cli import main
from ggzy.open_data.reexport import repaired_package
from ggzy.open_data.store import import_files, stored_releases
from ggzy.open_data.validate import package_errors

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "ocds"
REAL = SHARED / "real-2016" / "releases.jsonl"
SCHEMAS = SHARED / "schema-1.1.5"


def needs(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared OCDS test material not found at {path}")
    return path


def test_the_real_2016_releases_are_re_exported_valid_with_every_repair_listed(tmp_path):
    store = tmp_path / "ocds.duckdb"
    import_files(store, [needs(REAL)])
    before = stored_releases(store)
    out, report = tmp_path / "again.json", tmp_path / "repairs.json"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "export",
                "ocds-store",
                str(store),
                "--ocds-schema",
                str(needs(SCHEMAS)),
                "-o",
                str(out),
                "--report",
                str(report),
            ]
        )
    assert done.value.code in (0, None)
    package = json.loads(out.read_text(encoding="utf-8"))
    assert package_errors(package, SCHEMAS) == []
    assert len(package["releases"]) == 659  # none lost
    repairs = json.loads(report.read_text(encoding="utf-8"))
    assert repairs["dropped"] == [] and len(repairs["repairs"]) > 100
    assert all({"ocid", "path", "action"} <= set(r) for r in repairs["repairs"])
    assert stored_releases(store) == before  # the imported raw releases are left as they were


def test_a_value_is_converted_when_exact_and_removed_otherwise():
    schemas = needs(SCHEMAS)
    release = {
        "ocid": "ocds-abc123-1",
        "id": "1",
        "date": "2016-05-01",
        "tag": ["award"],
        "initiationType": "tender",
        "tender": {"id": "t1", "title": 2016, "procurementMethod": "公開招標"},
        "awards": {"id": "a1", "value": {"amount": "1200.50", "currency": "CNY"}},
    }
    package, repairs, dropped = repaired_package(
        [release], schemas, uri="https://example.invalid/p.json", publisher="t"
    )
    [r] = package["releases"]
    assert package_errors(package, schemas) == [] and dropped == []
    assert r["date"] == "2016-05-01T00:00:00Z" and r["tender"]["title"] == "2016"
    assert "procurementMethod" not in r["tender"]
    assert r["awards"][0]["value"]["amount"] == 1200.5
    assert {x["path"] for x in repairs} >= {"/releases/0/tender/procurementMethod"}
