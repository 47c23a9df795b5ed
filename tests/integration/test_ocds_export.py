"""OCDS export of the demo network: valid OCDS 1.1, one release per public change, public only.

The demo (every method and stage) is seeded once for the module; the tests read it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from ggzy.bootstrap import Platform, create_platform
from ggzy.config import load_settings
from ggzy.core.codes import is_valid_credit_code
from ggzy.core.money import to_capitals
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.demo import seed_demo
from ggzy.ledger.merkle import leaf_hash
from ggzy.ledger.signing import NodeKey
from ggzy.migrate import upgrade
from ggzy.open_data.ocds import Release, build_releases, release_package
from ggzy.open_data.store import import_files
from ggzy.open_data.validate import package_errors
from ggzy.procedures.engine import list_projects
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app

SCHEMAS = Path(__file__).resolve().parents[2] / ".." / "shared" / "ocds" / "schema-1.1.5"
PRESENT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8000"
PREFIX = "ocds-ggzy01-"
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


@dataclass
class Demo:
    platform: Platform
    data_dir: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo network, seeded once on a migrated SQLite file (read-only tests)."""
    data_dir = tmp_path_factory.mktemp("ocds-demo")
    settings = load_settings(
        database_url=f"sqlite:///{data_dir / 'ggzy.db'}", data_dir=data_dir, node_id="demo-test"
    )
    upgrade(settings.database_url)
    platform = create_platform(settings, _clock(), NodeKey.generate())
    with pytest.MonkeyPatch.context() as mp:
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        mp.setattr(registry, "_hasher", cheap, raising=False)
        seed_demo(platform, quiet=True)
    try:
        yield Demo(platform, data_dir)
    finally:
        platform.engine.dispose()


def _clock() -> Any:
    from ggzy.core.clock import MovableClock

    return MovableClock(PRESENT)


def releases(demo: Demo, **filters: Any) -> list[Release]:
    with demo.platform.read() as conn:
        return build_releases(conn, prefix=PREFIX, base_url=BASE, **filters)


def package(found: list[Release]) -> dict[str, Any]:
    return release_package(
        found, uri=f"{BASE}/api/v1/ocds/releases", publisher="测试节点", base_url=BASE
    )


def of_project(found: list[Release], code: str) -> list[dict[str, Any]]:
    return [r.body for r in found if r.project == code]


def projects(demo: Demo) -> list[dict[str, Any]]:
    with demo.platform.read() as conn:
        return list_projects(conn)


def project_events(demo: Demo) -> list[Any]:
    with demo.platform.read() as conn:
        q = select(events).where(events.c.subject_type == "project").order_by(events.c.seq)
        return [row_to_event(r) for r in conn.execute(q)]


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}/{i}")
    else:
        yield path, value


def needs_schemas() -> Path:
    if not SCHEMAS.exists():
        pytest.skip(f"the official OCDS schemas are not at {SCHEMAS} (../shared/ocds)")
    return SCHEMAS


# ---------------------------------------------------------------- validity and coverage


def test_the_whole_export_is_a_valid_ocds_1_1_release_package_with_the_extension(
    demo: Demo,
) -> None:
    schemas = needs_schemas()
    found = releases(demo)
    assert package_errors(package(found), schemas) == []
    assert package(found)["extensions"] == [f"{BASE}/api/v1/ocds/extension/extension.json"]


def test_every_center_s_package_is_valid_too(demo: Demo) -> None:
    schemas = needs_schemas()
    for center in sorted({p["center"] for p in projects(demo)}):
        found = releases(demo, center=center)
        assert found and {r.body["ggzy"]["center"]["id"] for r in found} == {center}
        assert package_errors(package(found), schemas) == [], center


def test_every_project_of_every_method_is_exported(demo: Demo) -> None:
    found = releases(demo)
    exported = {r.body["ggzy"]["tradingMethod"]["code"] for r in found}
    assert exported == {p["method"] for p in projects(demo)}
    assert {"construction", "procurement", "land", "mining"} == {m.split(".")[0] for m in exported}
    assert {r.project for r in found} == {p["code"] for p in projects(demo)}


# ---------------------------------------------------------------- releases and identifiers


def test_an_awarded_tender_has_one_release_per_public_change_with_its_tag(demo: Demo) -> None:
    (project,) = [
        p
        for p in projects(demo)
        if p["stage"] == "awarded" and not p["agency"] and p["method"].startswith("constr")
    ]
    bodies = of_project(releases(demo), project["code"])
    assert [(b["tag"], b["ggzy"]["evidence"]["eventType"]) for b in bodies] == [
        (["planning"], "ProjectRegistered"),
        (["tender"], "AnnouncementPublished"),
        (["tenderAmendment"], "ClarificationIssued"),
        (["tenderUpdate"], "OpeningStarted"),
        (["tenderUpdate"], "BidsOpened"),
        (["award"], "CandidatesPublicized"),
        (["awardUpdate"], "AwardNoticeIssued"),
    ]
    assert [b["tender"]["status"] for b in bodies] == ["planning"] + ["active"] * 5 + ["complete"]
    assert [b["awards"][0]["status"] for b in bodies if "awards" in b] == ["pending", "active"]
    assert len({b["id"] for b in bodies}) == len(bodies)
    assert [b["date"] for b in bodies] == sorted(b["date"] for b in bodies)


def test_a_release_keeps_its_id_and_content_in_every_export(demo: Demo) -> None:
    first = [r.body for r in releases(demo)]
    assert [r.body for r in releases(demo)] == first


def test_the_ocid_is_the_configured_prefix_and_the_unified_deal_code(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GGZY_OCID_PREFIX", "ocds-a1b2c3-")
    prefix = load_settings().ocid_prefix
    with demo.platform.read() as conn:
        found = build_releases(conn, prefix=prefix, base_url=BASE)
    for r in found:
        assert (
            r.body["ocid"]
            == f"ocds-a1b2c3-{r.project}"
            == f"ocds-a1b2c3-{r.body['ggzy']['dealCode']}"
        )
        assert r.body["id"] == f"{r.project}-{r.seq}"
    monkeypatch.delenv("GGZY_OCID_PREFIX")
    assert load_settings().ocid_prefix == "ocds-ggzy01-"


def test_each_release_names_its_ledger_event_and_leaf_hash(demo: Demo) -> None:
    by_seq = {ev.seq: ev for ev in project_events(demo)}
    for r in releases(demo):
        evidence = r.body["ggzy"]["evidence"]
        ev = by_seq[evidence["eventSeq"]]
        assert ev.public and evidence["eventType"] == ev.type
        assert evidence["leafHash"] == leaf_hash(ev.canonical()).hex()


def test_parties_are_identified_by_their_unified_social_credit_code(demo: Demo) -> None:
    for r in releases(demo):
        parties = {p["id"]: p for p in r.body["parties"]}
        for party in parties.values():
            assert party["identifier"]["scheme"] == "CN-USCC"
            assert party["id"] == f"CN-USCC-{party['identifier']['id']}"
            assert is_valid_credit_code(party["identifier"]["id"])
            assert party["roles"]
        for path, value in walk(r.body):
            if path.endswith("/id") and str(value).startswith("CN-USCC-"):
                assert value in parties, (r.body["id"], path)  # every reference resolves


def test_buyer_and_procuring_entity_follow_who_runs_the_project(demo: Demo) -> None:
    found = releases(demo)
    for project in projects(demo):
        body = of_project(found, project["code"])[-1]
        roles = {p["identifier"]["id"]: p["roles"] for p in body["parties"]}
        if project["method"].split(".")[0] in ("land", "mining"):
            assert "buyer" not in body and roles[project["tenderee"]] == ["procuringEntity"]
        elif project["agency"]:
            assert roles[project["tenderee"]] == ["buyer"]
            assert roles[project["agency"]] == ["procuringEntity"]
        else:
            assert roles[project["tenderee"]] == ["buyer", "procuringEntity"]


# ---------------------------------------------------------------- amounts and dates


def test_amounts_are_the_platform_s_fen_in_yuan_exactly_with_capitals(demo: Demo) -> None:
    found = releases(demo)
    text = json.dumps(package(found), ensure_ascii=False)
    exact = json.loads(text, parse_float=Decimal)
    for path, value in walk(exact):
        if path.endswith("/amount") and not isinstance(value, str):
            assert (value * 100) == int(value * 100), path  # whole fen
    for project in projects(demo):
        last = of_project(found, project["code"])[-1]
        if project["data"].get("award_price"):
            award = last["awards"][0]
            fen = project["data"]["award_price"]
            assert Decimal(str(award["value"]["amount"])) * 100 == fen
            assert award["value"] == {
                "amount": award["value"]["amount"],
                "currency": "CNY",
                "amountInWords": to_capitals(fen),
            }
        if project["data"].get("max_price"):
            assert (
                Decimal(str(last["tender"]["value"]["amount"])) * 100
                == project["data"]["max_price"]
            )


def test_every_date_is_iso_8601_in_beijing_time(demo: Demo) -> None:
    dates = [
        (path, value)
        for r in releases(demo)
        for path, value in walk(r.body)
        if isinstance(value, str) and ISO.match(value)
    ]
    assert len(dates) > 100
    for path, value in dates:
        assert value.endswith("+08:00"), (path, value)
        datetime.fromisoformat(value)


# ---------------------------------------------------------------- only what is public


def test_no_bidder_or_number_of_bids_is_published_before_the_opening(demo: Demo) -> None:
    found = releases(demo)
    bidders = {
        ev.payload["bidder"]
        for ev in project_events(demo)
        if ev.type == "BidSubmitted" and ev.payload.get("bidder")
    }
    assert bidders
    for project in projects(demo):
        if project["stage"] not in ("bidding", "registered", "approved"):
            continue
        for body in of_project(found, project["code"]):
            tender = body["tender"]
            assert "tenderers" not in tender and "numberOfTenderers" not in tender
            assert "bidOpening" not in body["ggzy"]
            text = json.dumps(body, ensure_ascii=False)
            assert not any(code in text for code in bidders - {project["tenderee"]})


def test_no_confidential_event_s_content_is_exported(demo: Demo) -> None:
    all_events = project_events(demo)
    public_text = {
        str(v) for ev in all_events if ev.public for _, v in walk(ev.payload) if v is not None
    }
    with demo.platform.read() as conn:
        names = {e["name"] for e in registry.list_entities(conn)}
        codes = {e["credit_code"] for e in registry.list_entities(conn)}
    secrets = (
        {
            str(v)
            for ev in all_events
            if not ev.public
            for _, v in walk(ev.payload)
            if isinstance(v, str) and len(v) >= 8
        }
        - public_text
        - names
        - codes
    )
    assert any("唱标" in s for s in secrets)  # a bidder's question (QuestionAsked) is among them
    exported = package(releases(demo))
    leaves = {str(v) for _, v in walk(exported)}
    text = json.dumps(exported, ensure_ascii=False)
    # a confidential value is neither an exported value nor inside one (long texts)
    leaked = sorted(s for s in secrets if s in leaves or (len(s) >= 16 and s in text))
    assert leaked == []


def test_the_reserve_price_of_a_transfer_is_never_exported(demo: Demo) -> None:
    reserves = [
        ev.payload["reserve_price"] for ev in project_events(demo) if ev.type == "ReservePriceSet"
    ]
    assert len(reserves) == 2
    found = releases(demo)
    text = json.dumps(package(found), ensure_ascii=False)
    for fen in reserves:
        assert to_capitals(fen) not in text
        amounts = [v for r in found for p, v in walk(r.body) if p.endswith("/amount")]
        assert Decimal(fen) / 100 not in {Decimal(str(a)) for a in amounts}
    assert "reserve" not in text.lower() and "底价" not in text


# ---------------------------------------------------------------- filters and the API


def test_releases_are_filtered_by_center_and_by_date(demo: Demo) -> None:
    everything = releases(demo)
    since = date(2026, 2, 1)
    later = releases(demo, since=since)
    assert 0 < len(later) < len(everything)
    assert all(r.body["date"] >= "2026-02-01T00:00:00+08:00" for r in later)
    assert {r.body["id"] for r in later} == {
        r.body["id"] for r in everything if r.body["date"] >= "2026-02-01T00:00:00+08:00"
    }
    wuhan = releases(demo, center="420100")
    assert 0 < len(wuhan) < len(everything)


def test_the_api_pages_the_releases_and_links_the_next_page(demo: Demo) -> None:
    client = TestClient(create_app(demo.platform))
    url = "/api/v1/ocds/releases?limit=10"
    pages = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        pages.append(answer.json())
        link = answer.headers.get("link")
        url = re.match(r"<([^>]+)>; rel=\"next\"", link).group(1) if link else ""
    ids = [r["id"] for page in pages for r in page["releases"]]
    assert len(pages) > 2 and all(len(p["releases"]) <= 10 for p in pages)
    assert ids == [r.body["id"] for r in releases(demo)]
    base = str(client.base_url)
    assert pages[0]["extensions"] == [f"{base}/api/v1/ocds/extension/extension.json"]
    if SCHEMAS.exists():
        assert package_errors(pages[0], SCHEMAS) == []


def test_the_api_filters_and_refuses_an_unknown_center(demo: Demo) -> None:
    client = TestClient(create_app(demo.platform), raise_server_exceptions=False)
    answer = client.get("/api/v1/ocds/releases", params={"center": "421100", "since": "2026-01-01"})
    assert answer.status_code == 200
    assert {r["ggzy"]["center"]["id"] for r in answer.json()["releases"]} == {"421100"}
    missing = client.get("/api/v1/ocds/releases", params={"center": "999999"})
    assert missing.status_code == 404 and missing.json()["code"] == "not-found"
    assert client.get("/api/v1/ocds/releases", params={"since": "soon"}).status_code == 422


def test_the_node_serves_the_extension_its_packages_declare(demo: Demo) -> None:
    client = TestClient(create_app(demo.platform), raise_server_exceptions=False)
    declared = client.get("/api/v1/ocds/releases?limit=1").json()["extensions"][0]
    meta = client.get(declared)
    assert meta.status_code == 200 and meta.json()["schemas"] == ["release-schema.json"]
    readme = meta.json()["documentationUrl"]["en"]
    schema = client.get(declared.replace("extension.json", "release-schema.json")).json()
    assert "ggzy" in schema["properties"]
    page = client.get(readme)
    assert page.status_code == 200 and "`ggzy/dealCode`" in page.text
    assert client.get("/api/v1/ocds/extension/secrets.json").status_code == 404


# ---------------------------------------------------------------- round trip


def test_the_export_imports_back_cleanly_with_equal_amounts(demo: Demo, tmp_path: Path) -> None:
    found = releases(demo)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(package(found), ensure_ascii=False), encoding="utf-8")
    store = tmp_path / "ocds.duckdb"
    report = import_files(store, [path])
    assert (report.seen, report.imported, sum(report.issues.values())) == (
        len(found),
        len(found),
        0,
    )
    assert list(report.publishers) == ["ocds-ggzy01"]
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        stored = {
            (ocid, rid, award): amount
            for ocid, rid, award, amount in con.execute(
                "SELECT a.ocid, r.release_id, a.award_id, a.amount FROM awards a "
                "JOIN releases r USING (release_key)"
            ).fetchall()
        }
        tenders = dict(con.execute("SELECT release_id, tender_amount FROM releases").fetchall())
    finally:
        con.close()
    exported = {
        (r.body["ocid"], r.body["id"], a["id"]): Decimal(str(a["value"]["amount"]))
        for r in found
        for a in r.body.get("awards", [])
    }
    assert stored == exported and exported
    for r in found:
        value = r.body["tender"].get("value")
        assert tenders[r.body["id"]] == (Decimal(str(value["amount"])) if value else None)


# ---------------------------------------------------------------- the commands


def ggzy(demo: Demo, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env["GGZY_DATA_DIR"] = str(demo.data_dir)
    env["GGZY_DATABASE_URL"] = f"sqlite:///{demo.data_dir / 'ggzy.db'}"
    env["COLUMNS"] = "160"
    return subprocess.run(
        [sys.executable, "-m", "ggzy", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ggzy_export_ocds_writes_a_valid_package_and_import_reads_it_back(
    demo: Demo, tmp_path: Path
) -> None:
    out = tmp_path / "wuhan.json"
    result = ggzy(demo, "export", "ocds", "--output", str(out), "--center", "420100")
    assert result.returncode == 0, result.stderr
    assert "exported" in result.stderr and str(out) in result.stderr
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["releases"] and exported["uri"].endswith("/api/v1/ocds/releases?center=420100")
    if SCHEMAS.exists():
        assert package_errors(exported, SCHEMAS) == []
    store = tmp_path / "store.duckdb"
    imported = ggzy(demo, "import", "ocds", str(out), "--store", str(store), "--json")
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    n = len(exported["releases"])
    assert report["releases"] == {"seen": n, "imported": n, "duplicate": 0, "rejected": 0}
    assert report["issues"] == {}
    table = ggzy(demo, "import", "ocds", str(out), "--store", str(store))
    assert table.returncode == 0 and "ocds-ggzy01" in table.stdout and "duplicate" in table.stdout


def test_the_commands_refuse_bad_input_with_one_readable_line(demo: Demo, tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("<html>not json</html>", encoding="utf-8")
    cases = [
        (("import", "ocds", str(tmp_path / "missing.json")), "cannot read"),
        (("import", "ocds", str(junk)), "neither JSON nor JSON lines"),
        (("export", "ocds", "--since", "2026-02-30"), "--since must be YYYY-MM-DD"),
        (("export", "ocds", "--center", "999999"), "not found"),
    ]
    for args, message in cases:
        result = ggzy(demo, *args)
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, result.stderr)
        assert "Traceback" not in result.stderr
