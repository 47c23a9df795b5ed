"""The evaluation workbench (评标工作台): experts check in with their personal certificates,
review and score alone, the system totals by the method, the committee's report is a PDF
every expert signs, and the procedure takes the committee's signed result."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from expert_factories import WORKBENCH_SCHEME, auth
from expert_factories import Committee as BaseCommittee
from factories import act
from ggzy.core.errors import DomainError
from ggzy.core.tables import events
from ggzy.evaluation import draws, workbench
from ggzy.pki.signatures import sign_detached
from ggzy.web.app import create_app

SCHEME = WORKBENCH_SCHEME


class Committee(BaseCommittee):
    """A project with three opened bids and a revealed committee of five, seated."""

    def check_in_all(self):
        for n in range(1, 6):
            with self.platform.read() as conn:
                text = workbench.declaration_text(conn, self.code, self.expert(n))
            self.run(workbench.check_in, n, self.sign(n, text.encode()))

    def qualify_all(self, failing=None, fails=0):
        for n in range(1, 6):
            findings = [
                {
                    "bidder": b,
                    "passed": not (b == failing and n <= fails),
                    "reason": "项目经理无注册建造师证书" if b == failing and n <= fails else "",
                }
                for b in self.bidders
            ]
            last = self.run(workbench.submit_qualification, n, findings)
        return last

    def score_all(self, scores=None):
        with self.platform.read() as conn:
            qualified = [
                b for b, r in workbench.state(conn, self.code)["qualified"].items() if r["passed"]
            ]
        for n in range(1, 6):
            given = (scores or {}).get(n) or {b: {"org": 20, "team": 12} for b in qualified}
            self.run(workbench.submit_scores, n, given)


@pytest.fixture
def committee(platform, clock):
    return Committee(platform, clock)


def test_the_whole_evaluation_ends_in_the_committees_signed_result(committee):
    c = committee
    opened = c.open()
    assert opened["scheme"]["params"]["benchmark"]["k"] in (1, 2, 3)  # 随机 K, logged
    c.check_in_all()
    c.qualify_all()
    c.score_all(
        {
            1: {
                c.bidders[0]: {"org": 24, "team": 14},
                c.bidders[1]: {"org": 20, "team": 12},
                c.bidders[2]: {"org": 18, "team": 10},
            }
        }
    )
    concluded = c.run(workbench.conclude, c.parties.staff, "一致推荐")
    assert concluded["candidates"][0]["bidder"] == c.bidders[0]
    with c.platform.command(c.parties.staff.actor) as uow:
        pdf = workbench.report_pdf(uow, c.parties.staff, c.code)
    assert pdf.startswith(b"%PDF")
    with pytest.raises(DomainError) as early:
        act(c.platform, c.parties.tenderee, c.code, "evaluate", {})
    assert early.value.code == "report-unsigned"
    for n in range(1, 6):
        signed = c.run(workbench.sign_report, n, c.sign(n, pdf))
    assert signed["missing"] == []
    result = act(c.platform, c.parties.tenderee, c.code, "evaluate", {})
    assert result["stage"] == "evaluated"
    with c.platform.read() as conn:
        from ggzy.procedures.engine import get_project

        project = get_project(conn, c.code)
    assert project["data"]["evaluation_report"] == concluded["report"]
    assert [x["bidder"] for x in project["data"]["candidates"]] == [
        r["bidder"] for r in concluded["candidates"]
    ]


def test_a_bid_fails_qualification_only_by_majority(committee):
    c = committee
    c.open()
    c.check_in_all()
    two = c.qualify_all(failing=c.bidders[2], fails=2)
    assert two["concluded"][c.bidders[2]] == {
        "passed": True,
        "votes": "3/5",
        "reason": "项目经理无注册建造师证书",
    }


def test_three_of_five_failing_a_bid_reject_it_and_nobody_scores_it(committee):
    c = committee
    c.open()
    c.check_in_all()
    concluded = c.qualify_all(failing=c.bidders[2], fails=3)["concluded"]
    assert concluded[c.bidders[2]]["passed"] is False
    with pytest.raises(DomainError) as extra:
        c.run(workbench.submit_scores, 1, {b: {"org": 20, "team": 12} for b in c.bidders})
    assert extra.value.code == "incomplete-scores"


def test_an_expert_sees_the_bids_only_after_checking_in_and_every_view_is_recorded(committee):
    c = committee
    c.open()
    with pytest.raises(DomainError) as early:
        c.run(workbench.bids_for, 1)
    assert early.value.code == "not-checked-in"
    c.check_in_all()
    seen = c.run(workbench.bids_for, 1)
    c.run(workbench.bids_for, 1)
    assert {b["bidder"] for b in seen} == set(c.bidders) and seen[0]["price_capitals"]
    with c.platform.read() as conn:
        views = conn.execute(
            select(events.c.payload).where(events.c.type == "EvaluationViewed")
        ).all()
    with c.platform.read() as conn:
        label = workbench.state(conn, c.code)["opened"]["members"][c.ids[0]]
    assert [json.loads(v.payload)["label"] for v in views] == [label, label]


def test_a_declaration_signed_with_another_experts_certificate_is_refused(committee):
    c = committee
    c.open()
    with c.platform.read() as conn:
        text = workbench.declaration_text(conn, c.code, c.expert(1))
    with pytest.raises(DomainError) as wrong:
        c.run(workbench.check_in, 1, c.sign(1, text.encode(), cert_of=2))
    assert wrong.value.code == "wrong-person"


def test_scores_stay_hidden_until_every_expert_has_scored(committee):
    c = committee
    c.open()
    c.check_in_all()
    c.qualify_all()
    c.run(workbench.submit_scores, 1, {b: {"org": 20, "team": 12} for b in c.bidders})
    with pytest.raises(DomainError) as hidden, c.platform.read() as conn:
        workbench.summary(conn, c.expert(1), c.code)
    assert hidden.value.code == "scoring-open"


def test_an_abnormally_deviating_score_is_flagged_and_a_revision_needs_a_reason(committee):
    c = committee
    c.open()
    c.check_in_all()
    c.qualify_all()
    low = {b: {"org": 20, "team": 12} for b in c.bidders}
    low[c.bidders[0]] = {"org": 5, "team": 12}  # 15 below the others' 20: over 30 % of 25
    c.score_all({1: low})
    with c.platform.read() as conn:
        flags = workbench.summary(conn, c.expert(2), c.code)["flags"]
        label = workbench.state(conn, c.code)["opened"]["members"][c.ids[0]]
    assert [(f["expert"], f["bidder"], f["factor"]) for f in flags] == [
        (label, c.bidders[0], "org")
    ]
    with pytest.raises(DomainError) as no_reason:
        c.run(workbench.submit_scores, 1, low)
    assert no_reason.value.code == "reason-required"
    c.run(workbench.submit_scores, 1, low, "该投标人施工组织设计缺少关键工序，维持原评分")
    with c.platform.read() as conn:
        revisions = workbench.summary(conn, c.expert(2), c.code)["revisions"]
    assert revisions == {label: "该投标人施工组织设计缺少关键工序，维持原评分"}


def test_only_committee_members_and_officials_see_the_evaluation(committee, platform):
    c = committee
    c.open()
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    bidder = auth(client, "bidder1")
    assert client.get(f"/api/v1/projects/{c.code}/evaluation", headers=bidder).status_code == 403
    assert (
        client.get(f"/api/v1/projects/{c.code}/evaluation/bids", headers=bidder).status_code == 403
    )
    staff = client.get(f"/api/v1/projects/{c.code}/evaluation", headers=auth(client, "staff.wuhan"))
    assert staff.status_code == 200 and len(staff.json()["members"]) == 5
    public = client.get(f"/api/v1/projects/{c.code}/events").text
    assert "专家01" not in public and "ExpertCheckedIn" not in public


def test_the_api_runs_check_in_with_a_certificate_signature(committee, platform):
    c = committee
    c.open()
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    me = auth(client, "expert03")
    text = client.get(f"/api/v1/projects/{c.code}/evaluation/declaration", headers=me)
    assert text.status_code == 200 and "回避声明" in text.text
    bad = client.post(
        f"/api/v1/projects/{c.code}/evaluation/check-in",
        headers=me,
        json={"signature": "bm90IGEgc2lnbmF0dXJl"},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "bad-signature"
    good = client.post(
        f"/api/v1/projects/{c.code}/evaluation/check-in",
        headers=me,
        json={"signature": c.sign(3, text.content)},
    )
    assert good.status_code == 200, good.text
    assert good.json()["venue"] and good.json()["seat"]


def test_a_scheme_outside_the_rule_bands_is_refused_at_the_opening(committee):
    c = committee
    with pytest.raises(DomainError) as wrong:
        c.open({**SCHEME, "method": "gp_comprehensive"})
    assert wrong.value.code == "wrong-method"
    bad = {**SCHEME, "factors": [{"code": "org", "name": "施工组织设计", "max": -5}]}
    with pytest.raises(DomainError):
        c.open(bad)


def test_an_entity_certificate_is_not_an_experts_signature(committee):
    c = committee
    c.open()
    with c.platform.read() as conn:
        text = workbench.declaration_text(conn, c.code, c.expert(1)).encode()
    company = c.parties.keys["bidder1"]["sign"]
    signature = base64.b64encode(sign_detached(text, company.key, company.der)).decode()
    with pytest.raises(DomainError) as refused:
        c.run(workbench.check_in, 1, signature)
    assert refused.value.code == "no-resident-id"


def test_the_leader_is_whom_more_than_half_of_the_committee_votes_for(committee):
    c = committee
    c.open()
    c.check_in_all()
    with c.platform.read() as conn:
        label = workbench.state(conn, c.code)["opened"]["members"][c.ids[1]]
    results = [c.run(workbench.vote_leader, n, label) for n in (1, 2, 3)]
    assert [r["leader"] for r in results] == [None, None, label]
    with pytest.raises(DomainError) as again:
        c.run(workbench.vote_leader, 4, label)
    assert again.value.code == "leader-elected"
    with c.platform.read() as conn:
        assert workbench.progress(conn, c.parties.staff, c.code)["leader"] == label


def test_a_no_show_is_replaced_during_the_evaluation_and_the_successor_takes_the_seat(
    platform, clock
):
    from expert_factories import record_and_head

    c = Committee(platform, clock, size=5, pool=6)
    c.open()
    with c.platform.read() as conn:
        members = workbench.state(conn, c.code)["opened"]["members"]
    [spare] = [e for e in c.ids if e not in members]
    absent = next(iter(members))
    with c.platform.command(c.parties.staff.actor) as uow:
        replaced = draws.replace_expert(
            uow, c.parties.staff, c.draw, draws.pseudonym(c.draw, absent), "no-show"
        )
    assert replaced["revealed"] == spare  # named at once: the evaluation has begun
    record, head = record_and_head(c.platform, c.draw)
    assert draws.verify_draw(record, head, c.platform.node_key.public_b64()) == []
    with c.platform.read() as conn:
        now = workbench.state(conn, c.code)["opened"]["members"]
    assert absent not in now and now[spare] == members[absent]
    n = c.ids.index(spare) + 1
    with c.platform.read() as conn:
        text = workbench.declaration_text(conn, c.code, c.expert(n))
    assert c.run(workbench.check_in, n, c.sign(n, text.encode()))["seat"]


def test_no_replacement_once_the_qualification_review_is_concluded(committee):
    c = committee
    c.open()
    c.check_in_all()
    c.qualify_all()
    with c.platform.read() as conn:
        member = next(iter(workbench.state(conn, c.code)["opened"]["members"]))
    with pytest.raises(DomainError) as late, c.platform.command(c.parties.staff.actor) as uow:
        draws.replace_expert(
            uow, c.parties.staff, c.draw, draws.pseudonym(c.draw, member), "recused"
        )
    assert late.value.code == "not-replaceable"


GP_SCHEME = {
    "method": "gp_comprehensive",
    "category": "goods",
    "params": {"price_weight": 30, "sme_deduction": 10, "sme_consortium_deduction": 4},
    "factors": [
        {"code": "tech", "name": "技术参数响应", "max": 40, "kind": "technical"},
        {"code": "biz", "name": "商务与售后服务", "max": 30, "kind": "business"},
    ],
}


def test_procurement_scoring_deducts_for_a_small_firm_and_waits_for_the_abnormal_price_decision(
    platform, clock
):
    c = Committee(
        platform, clock, gp_prices=("2860000.00", "2790000.00", "2935000.00", "1200000.00")
    )
    small, cheap = c.bidders[1], c.bidders[3]
    c.open(GP_SCHEME, {small: {"sme": "small_micro"}})
    c.check_in_all()
    for n in range(1, 6):
        c.run(
            workbench.submit_qualification,
            n,
            [{"bidder": b, "passed": True, "reason": ""} for b in c.bidders],
        )
    for n in range(1, 6):
        c.run(workbench.submit_scores, n, {b: {"tech": 30, "biz": 20} for b in c.bidders})
    with c.platform.read() as conn:
        totals = workbench.summary(conn, c.expert(1), c.code)
    by = {r["bidder"]: r for r in totals["ranked"]}
    assert by[small]["evaluated_price"] == 251_100_000  # 2,790,000 less 10 % (财库〔2022〕19号)
    # 1,200,000 is below 50 % of the mean of the four (2,446,250): explained in writing first
    assert [a["bidder"] for a in totals["abnormal"]] == [cheap]
    with pytest.raises(DomainError) as pending:
        c.run(workbench.conclude, c.parties.staff)
    assert pending.value.code == "abnormal-pending"
    c.run(
        workbench.decide_abnormal,
        2,
        cheap,
        False,
        "投标人书面说明未能提供成本构成证明，不能证明其报价合理，投标无效",
    )
    concluded = c.run(workbench.conclude, c.parties.staff)
    assert cheap in {r["bidder"] for r in concluded["rejected"]}
    # price score = lowest evaluated price / own × 30: the small firm's 2,511,000 is the lowest
    assert concluded["candidates"][0]["bidder"] == small
    assert concluded["candidates"][0]["price_score"] == "30.00"


def test_lowest_evaluated_price_needs_no_scores_and_ranks_by_price(committee):
    c = committee
    c.open({"method": "construction_lowest_price", "category": "engineering"})
    c.check_in_all()
    c.qualify_all(failing=c.bidders[0], fails=3)  # the cheapest fails by majority
    with pytest.raises(DomainError) as none:
        c.run(workbench.submit_scores, 1, {})
    assert none.value.code == "no-scoring"
    concluded = c.run(workbench.conclude, c.parties.staff)
    assert [r["bidder"] for r in concluded["candidates"]] == c.bidders[1:]
    assert concluded["rejected"][0]["reason"] == "项目经理无注册建造师证书"


@pytest.mark.parametrize(
    "scheme",
    [
        {**SCHEME, "factors": 5},
        {**SCHEME, "factors": [{"name": "无代码", "max": 10}]},
        {**SCHEME, "factors": [{"code": "org", "name": "施工组织设计", "max": "many"}]},
        {"method": "construction_comprehensive"},
        {**SCHEME, "params": {"benchmark": {"k_choices": "2"}}},
    ],
)
def test_a_malformed_scheme_is_a_clear_4xx_and_opens_nothing(committee, platform, scheme):
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    staff = auth(client, "staff.wuhan")
    r = client.post(
        f"/api/v1/projects/{committee.code}/evaluation", headers=staff, json={"scheme": scheme}
    )
    assert 400 <= r.status_code < 500 and r.json()["title_zh"], r.text
    with platform.read() as conn:
        assert workbench.state(conn, committee.code) is None


@pytest.mark.parametrize("score", ["NaN", "Infinity", "-1", "25.001", True, "二十"])
def test_a_score_that_is_not_a_number_in_range_is_refused(committee, score):
    c = committee
    c.open()
    c.check_in_all()
    c.qualify_all()
    given = {b: {"org": 20, "team": 12} for b in c.bidders}
    given[c.bidders[0]]["org"] = score
    with pytest.raises(DomainError) as bad:
        c.run(workbench.submit_scores, 1, given)
    assert bad.value.code == "invalid-score"


def test_a_member_downloads_a_decrypted_bid_package_and_the_download_is_recorded(
    committee, platform
):
    c = committee
    c.open()
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    url = f"/api/v1/projects/{c.code}/evaluation/bids/{c.bidders[0]}/package"
    me = auth(client, "expert01")
    early = client.get(url, headers=me)
    assert early.status_code == 409 and early.json()["code"] == "not-checked-in"
    assert client.get(url, headers=auth(client, "bidder2")).status_code == 403
    c.check_in_all()
    r = client.get(url, headers=me)
    assert r.status_code == 200 and r.content.startswith(b"PK")
    assert r.headers["content-type"] == "application/zip"
    with platform.read() as conn:
        [view] = [
            json.loads(v.payload)
            for v in conn.execute(
                select(events.c.payload).where(events.c.type == "EvaluationViewed")
            )
        ]
    assert view["what"] == f"package:{c.bidders[0]}"
    missing = client.get(url.replace(c.bidders[0], c.parties.bidders[3].entity), headers=me)
    assert missing.status_code == 404 and missing.json()["title_zh"]
