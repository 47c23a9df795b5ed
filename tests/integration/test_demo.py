"""The demo network: nine centers, every stage of open tendering on show, seeded once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from ggzy.bidding.tables import bids
from ggzy.bidding.tool import prepare_sealed_bid
from ggzy.bootstrap import Platform, create_platform
from ggzy.config import load_settings
from ggzy.core.calendar import statutory_holidays
from ggzy.core.clock import MovableClock
from ggzy.core.codes import is_valid_credit_code
from ggzy.core.documents import register_document
from ggzy.core.money import parse_yuan
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.demo import CENTERS, DEMO_PASSWORD, DemoSummary, seed_demo
from ggzy.ledger.signing import NodeKey
from ggzy.ledger.verify import verify_log
from ggzy.migrate import upgrade
from ggzy.pki.certs import load_der
from ggzy.pki.envelope import load_private_key
from ggzy.procedures.engine import get_project, list_projects, perform
from ggzy.registry import handlers as registry
from ggzy.registry.tables import credentials

WUHAN_CIRCLE = {
    "420100": "武汉",
    "420200": "黄石",
    "420700": "鄂州",
    "420900": "孝感",
    "421100": "黄冈",
    "421200": "咸宁",
    "429004": "仙桃",
    "429006": "天门",
    "429005": "潜江",
}

# Presents to seed at: after the Spring Festival holidays, just after the National Day holidays,
# and late December, when the open tenders' deadlines fall in a year whose holidays the
# calendar package does not know yet (the demo then declares a provisional schedule).
PRESENTS = {
    "march": datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
    "october": datetime(2026, 10, 9, 6, 17, 42, tzinfo=UTC),
    "december": datetime(2026, 12, 28, 7, 13, 5, tzinfo=UTC),
}


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash the demo passwords with small argon2 parameters: the hashing is not under test."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(registry, "_hasher", cheap, raising=False)


@dataclass
class Seeded:
    platform: Platform
    present: datetime
    summary: DemoSummary


@pytest.fixture(scope="module", params=sorted(PRESENTS))
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """A demo network seeded once per present on a migrated SQLite file (read-only tests)."""
    present = PRESENTS[request.param]
    data_dir: Path = tmp_path_factory.mktemp(f"demo-{request.param}")
    settings = load_settings(
        database_url=f"sqlite:///{data_dir / 'ggzy.db'}", data_dir=data_dir, node_id="demo-test"
    )
    upgrade(settings.database_url)
    clock = MovableClock(present)
    platform = create_platform(settings, clock, NodeKey.generate())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            registry,
            "_hasher",
            PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
            raising=False,
        )
        summary = seed_demo(platform, quiet=True)
    try:
        yield Seeded(platform, present, summary)
    finally:
        platform.engine.dispose()


def all_events(platform: Platform) -> list:
    with platform.read() as conn:
        return [row_to_event(r) for r in conn.execute(select(events).order_by(events.c.seq))]


def project_events(platform: Platform, code: str, type_: str) -> list:
    return [e for e in all_events(platform) if e.subject_id == code and e.type == type_]


def projects_in(platform: Platform, stage: str, method: str | None = None) -> list[dict]:
    with platform.read() as conn:
        found = list_projects(conn, stage=stage)
    return [p for p in found if method is None or p["method"] == method]


# ---------------------------------------------------------------- the network


def test_the_demo_network_is_the_nine_wuhan_circle_centers_on_one_node(seeded: Seeded) -> None:
    with seeded.platform.read() as conn:
        centers = registry.list_centers(conn)
    assert {c["code"] for c in centers} == set(WUHAN_CIRCLE)
    for c in centers:
        assert c["name"] == f"{WUHAN_CIRCLE[c['code']]}市公共资源交易中心"
        assert c["node_id"] == "demo-test"
    assert seeded.summary.centers == 9 and len(CENTERS) == 9


def test_entities_have_valid_credit_codes_of_their_city_spread_over_the_circle(
    seeded: Seeded,
) -> None:
    with seeded.platform.read() as conn:
        entities = registry.list_entities(conn)
    kinds = [k for e in entities for k in e["kinds"]]
    assert kinds.count("tenderee") == 4 and kinds.count("agency") == 2
    assert kinds.count("bidder") == 8
    for e in entities:
        assert is_valid_credit_code(e["credit_code"])
        assert e["credit_code"][2:8] == e["region"]
        assert e["contacts"] and e["contacts"][0]["phone"]
        if "bidder" in e["kinds"]:
            assert e["qualifications"], e["name"]
    assert {e["region"] for e in entities} == set(WUHAN_CIRCLE)


def test_every_demo_account_signs_in_with_the_documented_password(seeded: Seeded) -> None:
    usernames = {a.username for a in seeded.summary.accounts}
    expected = {"admin", "regulator", "tenderee1", "agency1", "bidder1", "bidder8", "expert01"}
    expected |= {c.staff for c in CENTERS}
    assert expected <= usernames and len(usernames) == 27
    hasher = PasswordHasher()
    with seeded.platform.read() as conn:
        rows = conn.execute(select(credentials.c.username, credentials.c.password_hash))
        hashes = {username: digest for username, digest in rows}
        for username in usernames:
            assert hasher.verify(hashes[username], DEMO_PASSWORD)
        staff = registry.get_account(conn, "staff.huanggang")
        assert staff is not None and staff.center == "421100"
        assert staff.roles == ("center_staff",)


# ---------------------------------------------------------------- the projects


def test_every_stage_is_on_show_at_the_present(seeded: Seeded) -> None:
    counts = seeded.summary.stage_counts()
    assert counts.get("awarded", 0) >= 2
    assert counts.get("failed", 0) == 2  # a construction tender, a procurement tender
    assert counts.get("publicized", 0) + counts.get("evaluated", 0) >= 1
    assert counts.get("bidding", 0) >= 2
    for project in projects_in(seeded.platform, "bidding"):
        deadline = datetime.fromisoformat(project["data"]["bid_deadline"])
        assert deadline > seeded.present + timedelta(days=10)
        sale_end = datetime.fromisoformat(project["data"]["doc_sale_end"])
        assert sale_end > seeded.present
    for project in projects_in(seeded.platform, "publicized"):
        assert datetime.fromisoformat(project["data"]["publicity_end"]) > seeded.present


def test_the_awards_are_in_different_centers_and_one_was_run_by_an_agency(
    seeded: Seeded,
) -> None:
    awarded = projects_in(seeded.platform, "awarded")
    assert len({p["center"] for p in awarded}) == len(awarded) >= 2
    assert any(p["agency"] for p in awarded)
    assert any(not p["agency"] for p in awarded)


def test_every_award_by_lowest_price_goes_to_the_lowest_qualified_evaluated_price(
    seeded: Seeded,
) -> None:
    platform = seeded.platform
    for project in projects_in(platform, "awarded"):
        code = project["code"]
        if project_events(platform, code, "EvaluationConcluded"):
            continue  # evaluated by a committee's comprehensive scores: the next test
        opened = {
            e.payload["bidder"]: e.payload["price"]
            for e in project_events(platform, code, "BidOpened")
        }
        (evaluation,) = project_events(platform, code, "EvaluationCompleted")
        rejected = {r["bidder"] for r in evaluation.payload["rejected"]}
        assert rejected and all(r["reason"] for r in evaluation.payload["rejected"])
        max_price = project["data"]["max_price"]
        qualified = {b: p for b, p in opened.items() if b not in rejected and p <= max_price}
        (award,) = project_events(platform, code, "AwardNoticeIssued")
        assert award.payload["price"] == min(qualified.values())
        assert award.payload["winner"] == min(qualified, key=qualified.__getitem__)
        assert min(opened.values()) < award.payload["price"]  # the cheapest bid was rejected
        assert project["data"]["winner"] == award.payload["winner"]


def test_one_award_comes_from_a_drawn_committees_signed_report(seeded: Seeded) -> None:
    from ggzy.evaluation import draws
    from ggzy.ledger import log

    platform = seeded.platform
    committee = [
        p
        for p in projects_in(platform, "awarded")
        if project_events(platform, p["code"], "EvaluationConcluded")
    ]
    assert len(committee) == 1
    code = committee[0]["code"]
    (concluded,) = project_events(platform, code, "EvaluationConcluded")
    signed = project_events(platform, code, "EvaluationReportSigned")
    assert len(signed) == 5 and all(s.payload["signature"]["ok"] for s in signed)
    (award,) = project_events(platform, code, "AwardNoticeIssued")
    assert award.payload["winner"] == concluded.payload["candidates"][0]["bidder"]
    (opened,) = project_events(platform, code, "EvaluationOpened")
    with platform.read() as conn:
        record = draws.public_record(conn, opened.payload["draw"])
        head = log.head_at(conn, record["request"]["seq"]).as_json()
    assert draws.verify_draw(record, head, platform.node_key.public_b64()) == []
    assert record["venues"]["secondary"]  # 远程异地: seated in other cities too


def test_the_opening_halls_show_sign_ins_and_an_objection_answered_on_the_spot(
    seeded: Seeded,
) -> None:
    from ggzy.bidding.hall import hall_view, load_hall

    platform = seeded.platform
    answered = []
    for project in projects_in(platform, "awarded", "construction.open_tendering"):
        with platform.read() as conn:
            hall = hall_view(load_hall(conn, project["code"]), official=False, entity=None)
        assert hall["phase"] == "opened" and hall["bidders"]
        assert all(b["signed_in_at"] for b in hall["bidders"])  # every bidder signed in
        answered += [o for o in hall["objections"] if o["answer"]]
    [objection] = answered
    assert "text" not in objection  # the objector and text only for officials


def test_the_full_tenders_show_questions_resubmissions_withdrawals_and_decryption(
    seeded: Seeded,
) -> None:
    platform = seeded.platform
    undecrypted = 0
    construction = "construction.open_tendering"
    for project in projects_in(platform, "awarded", construction) + projects_in(
        platform, "publicized", construction
    ):
        code = project["code"]
        assert 3 <= len(project_events(platform, code, "TenderDocumentsObtained")) <= 5
        assert len(project_events(platform, code, "QuestionAsked")) == 1
        (clarification,) = project_events(platform, code, "ClarificationIssued")
        assert clarification.payload["answers"]
        with platform.read() as conn:
            statuses = [r.status for r in conn.execute(select(bids).where(bids.c.project == code))]
        assert statuses.count("superseded") == 1
        assert statuses.count("withdrawn") == 1
        opened = project_events(platform, code, "BidOpened")
        assert statuses.count("opened") == len(opened) >= 3
        for ev in opened:  # decrypted by its bidder, its bid letter signed by the bidder
            assert ev.payload["valid"] and ev.payload["decrypted_by"] == "bidder"
            assert ev.payload["signature"]["ok"]
            assert ev.payload["signature"]["credit_code"] == ev.payload["bidder"]
        failed = project_events(platform, code, "BidDecryptionFailed")
        assert statuses.count("undecrypted") == len(failed)
        undecrypted += len(failed)
        (publicity,) = project_events(platform, code, "CandidatesPublicized")
        start = datetime.fromisoformat(publicity.payload["publicity_start"])
        end = datetime.fromisoformat(publicity.payload["publicity_end"])
        assert end - start >= timedelta(days=3)
    assert undecrypted == 1  # one bidder let the decryption window pass (视为撤销)


def test_the_failed_tender_had_only_two_bids(seeded: Seeded) -> None:
    (failed,) = projects_in(seeded.platform, "failed", "construction.open_tendering")
    (event,) = project_events(seeded.platform, failed["code"], "TenderFailed")
    assert event.payload["reason"] == "too-few-bids" and event.payload["bids"] == 2


def test_the_tender_documents_are_real_stored_files(seeded: Seeded) -> None:
    platform = seeded.platform
    announcements = [e for e in all_events(platform) if e.type == "AnnouncementPublished"]
    assert len(announcements) == 8  # six construction tenders, two procurement tenders
    for ev in announcements:
        (sha,) = ev.documents
        text = platform.documents.read(sha).decode("utf-8")
        assert ev.subject_id in text and "招 标 文 件" in text and "评标办法" in text


def test_the_clock_only_moved_forward_from_the_past_to_the_present(seeded: Seeded) -> None:
    times = [e.recorded_at for e in all_events(seeded.platform)]
    assert times == sorted(times)
    assert seeded.present - timedelta(days=62) <= times[0] < seeded.present - timedelta(days=55)
    assert times[-1] <= seeded.present
    assert seeded.platform.clock.now() == seeded.present  # the platform's own clock is back


def test_the_seeded_ledger_verifies(seeded: Seeded) -> None:
    with seeded.platform.read() as conn:
        report = verify_log(conn, seeded.platform.node_key.public_b64())
    assert report.ok, report.problems
    assert report.events == seeded.summary.events


def test_a_present_near_an_unpublished_year_declares_its_statutory_holidays_provisionally(
    seeded: Seeded,
) -> None:
    declared = [e for e in all_events(seeded.platform) if e.type == "HolidayScheduleDeclared"]
    years = [e.payload["year"] for e in declared]
    for e in declared:  # the statutory days of the year, never a made-up schedule
        expected = statutory_holidays(e.payload["year"])
        assert e.payload["holidays"] == [d.isoformat() for d in expected]
        assert "provisional" in e.payload["note"]
    if seeded.present.month == 12:
        assert years == [seeded.present.year + 1]
    elif seeded.present.month == 3:
        assert years == []


# ---------------------------------------------------------------- on every backend


def test_seeding_twice_changes_nothing_and_a_visitor_can_bid_right_away(
    platform: Platform,
) -> None:
    present = platform.clock.now()
    first = seed_demo(platform, quiet=True)
    assert first.created and first.password == DEMO_PASSWORD
    assert first.stage_counts() == {
        "awarded": 2,
        "bidding": 3,  # two construction tenders and a procurement open tender
        "failed": 2,  # a construction tender and a procurement tender without bids
        "publicized": 2,  # construction candidates and a single-source supplier
        "published": 2,  # the land and the mining result
        "registered": 1,  # the negotiation following the failed procurement tender
    }

    second = seed_demo(platform, quiet=True)
    assert not second.created
    assert (second.events, second.projects, second.accounts) == (
        first.events,
        first.projects,
        first.accounts,
    )

    with platform.read() as conn:
        visitor = registry.get_account(conn, "bidder2")
        open_tenders = [p["code"] for p in list_projects(conn, stage="bidding")]
    assert visitor is not None and platform.clock.now() == present
    keys = platform.settings.data_dir / "demo-keys" / "bidder2"  # the visitor's bid tool
    sign_key = load_private_key((keys / "sign.key.pem").read_bytes())
    sign_cert = load_der((keys / "sign.crt.pem").read_bytes())
    encrypt_cert = (keys / "encrypt.crt.pem").read_bytes()
    for code in open_tenders:
        with platform.read() as conn:
            opening = get_project(conn, code)["data"].get("opening_key")
        sealed = prepare_sealed_bid(
            project=code,
            bidder=visitor.entity or "",
            bidder_name=visitor.display_name.split(" ")[0],
            price=parse_yuan("11000000.00"),
            duration_days=300,
            quality="合格",
            sign_key=sign_key,
            sign_cert=sign_cert,
            encrypt_cert=encrypt_cert,
            opening_public_pem=opening["public_pem"] if opening else None,
            now=platform.clock.now(),
        )
        sha, size = platform.documents.write([sealed.envelope])
        with platform.command(visitor.actor, center=code[:6]) as uow:
            perform(uow, visitor, code, "obtain_documents", {})
            register_document(
                uow.conn, sha, size, "bid.sealed", "application/octet-stream", uow.now
            )
            receipt = perform(
                uow,
                visitor,
                code,
                "submit_bid",
                {"sealed_file": sha, "signature": sealed.signature},
            )
        assert receipt["receipt"]["sealed_sha256"] == sealed.sealed_sha256 == sha
    with platform.read() as conn:
        for code in open_tenders:
            assert get_project(conn, code)["stage"] == "bidding"
        payloads = [json.loads(r.payload) for r in conn.execute(select(events.c.payload))]
    assert all("password" not in json.dumps(p) for p in payloads)


def test_the_failed_procurement_tender_is_followed_by_an_approved_negotiation(
    seeded: Seeded,
) -> None:
    (failed,) = projects_in(seeded.platform, "failed", "procurement.open_tendering")
    assert failed["data"]["method_change"]["approved"] is True
    follow = failed["data"]["followed_by"]
    (negotiation,) = projects_in(
        seeded.platform, "registered", "procurement.competitive_negotiation"
    )
    assert negotiation["code"] == follow and negotiation["data"]["follows"] == failed["code"]


def test_a_procurement_tender_and_a_single_source_are_live_at_the_present(seeded: Seeded) -> None:
    (open_tender,) = projects_in(seeded.platform, "bidding", "procurement.open_tendering")
    assert open_tender["data"]["plan_approved_at"] < open_tender["data"]["announced_at"]
    assert list(open_tender["data"]["objection_answers"]) == ["1"]  # a challenge, answered
    (single,) = projects_in(seeded.platform, "publicized", "procurement.single_source")
    assert datetime.fromisoformat(single["data"]["publicity_end"]) > seeded.present


def test_the_demo_bans_one_bidder_and_writes_its_notices_for_the_national_platform(
    seeded: Seeded,
) -> None:
    from ggzy.credit.records import list_records

    platform = seeded.platform
    with platform.read() as conn:
        [record] = list_records(conn)
    assert record["list"] == "tendering_ban" and record["repaired_at"] is None
    manifest = platform.settings.data_dir / "exchange" / "national" / "manifest.jsonl"
    lines = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert len(lines) >= 5 and all((manifest.parent / x["file"]).exists() for x in lines)
