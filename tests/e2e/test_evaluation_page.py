"""The evaluation workbench page (评标工作台) through FastAPI's TestClient: members see their own
part by label, officials the progress and the report; bidders are refused without learning who
the experts are; an evaluation not yet opened is a friendly page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from expert_factories import Committee, auth
from ggzy.evaluation import workbench
from ggzy.web.app import create_app

EXPERT_NAMES = [f"专家{n:02d}" for n in range(1, 6)]


@pytest.fixture
def committee(platform, clock):
    return Committee(platform, clock)


@pytest.fixture
def client(platform):
    return TestClient(create_app(platform), raise_server_exceptions=False)


def _page(client, committee, username=None, path="/evaluation"):
    """The workbench (or with path "" the project page) as username, or anonymously."""
    headers = auth(client, username) if username else {}
    return client.get(f"/projects/{committee.code}{path}", headers=headers, follow_redirects=False)


def _others(body: str, n: int) -> list[str]:
    """The names of experts other than n found in a page."""
    return [name for i, name in enumerate(EXPERT_NAMES, 1) if i != n and name in body]


def test_the_workbench_is_a_friendly_page_before_the_evaluation_opens(committee, client):
    r = _page(client, committee, "staff.wuhan")
    assert r.status_code == 409
    assert "尚未开始评标" in r.text and "本项目尚未开始评标" in r.text
    assert 'id="evaluation"' not in r.text


def test_staff_see_the_progress_and_the_scheme_by_labels_only(committee, client):
    c = committee
    c.open()
    c.check_in(1)
    r = _page(client, c, "staff.wuhan")
    assert r.status_code == 200, r.text
    assert "评标工作台" in r.text and "综合评估法" in r.text
    assert "施工组织设计" in r.text and ">25<" in r.text
    rows = re.findall(r'data-member="(专家\d)"', r.text)
    assert sorted(rows) == [f"专家{i}" for i in range(1, 6)]
    assert _others(r.text, 0) == []  # no expert's name, only labels
    assert "全部专家签到、审查并评分后才能形成评标报告" in r.text
    assert "签署回避声明并签到" not in r.text


def test_a_member_sees_its_declaration_and_its_label_and_nobody_elses_name(committee, client):
    c = committee
    c.open()
    r = _page(client, c, "expert02")
    assert r.status_code == 200, r.text
    assert f"<strong data-me>{c.label(2)}</strong>" in r.text
    with c.platform.read() as conn:
        declaration = workbench.declaration_text(conn, c.code, c.expert(2))
    assert declaration.splitlines()[0] in r.text and "回避声明" in r.text
    assert "签署回避声明并签到" not in r.text  # no custody key: the pasted signature instead
    assert "ggzy sign declaration.txt" in r.text and "data-paste-sign" in r.text
    assert _others(r.text, 2) == []
    c.enroll_custody(2, "custody-passphrase-2026")
    r = _page(client, c, "expert02")
    assert "签署回避声明并签到" in r.text and "data-custody-sign" in r.text


def test_a_bidder_is_refused_and_learns_nobody_on_the_committee(committee, client):
    c = committee
    c.open()
    c.check_in(1)
    r = _page(client, c, "bidder1")
    assert r.status_code == 403
    assert "您不是本项目评标委员会成员" in r.text
    assert _others(r.text, 0) == [] and "data-member" not in r.text
    assert _page(client, c).status_code == 303  # anonymous: sign in first
    project = _page(client, c, "bidder1", path="")
    assert project.status_code == 200 and "data-evaluation-link" not in project.text


def test_the_project_page_and_the_workspace_link_the_workbench(committee, client):
    c = committee
    before = _page(client, c, "staff.wuhan", path="")
    assert before.status_code == 200 and "data-evaluation-link" not in before.text
    c.open()
    assert "data-evaluation-link" in _page(client, c, "staff.wuhan", path="").text
    assert "data-evaluation-link" in _page(client, c, "expert03", path="").text
    workspace = client.get("/workspace", headers=auth(client, "expert03"))
    assert "我的评标安排" in workspace.text
    assert f'href="/projects/{c.code}/evaluation"' in workspace.text


def test_the_phases_render_through_to_the_signed_report(committee, client, monkeypatch):
    c = committee
    c.open()
    for n in range(1, 6):
        c.check_in(n)
    c.qualify(1)
    r = _page(client, c, "expert01")
    assert "您的审查意见已提交" in r.text and "data-reload-bids" in r.text
    assert "每次查看均留痕" in r.text and "data-seat" in r.text
    for n in range(2, 6):
        c.qualify(n)
    r = _page(client, c, "expert01")
    assert "data-qualified" in r.text and "5/5" in r.text
    assert r.text.count('type="number"') == 6  # 3 bids × 2 factors, 0..max step 0.01
    assert 'max="25"' in r.text and 'step="0.01"' in r.text
    low = {b: {"org": "20", "team": "12"} for b in c.bidders}
    low[c.bidders[0]] = {"org": "5", "team": "12"}  # deviates: flagged
    c.score(1, low)
    r = _page(client, c, "expert01")
    assert "修改理由" in r.text and 'value="5"' in r.text  # its own scores, to revise
    assert "等待评分" in r.text
    for n in range(2, 6):
        c.score(n)
    r = _page(client, c, "expert02")
    assert "评分汇总" in r.text and "eval-flagged" in r.text and "评分偏离" in r.text
    staff = _page(client, c, "staff.wuhan")
    assert 'data-form="conclude"' in staff.text
    assert "评分汇总" in staff.text

    # an abnormally low price (procurement methods) waits for the committee's decision
    real = workbench.summary

    def with_abnormal(conn, account, code):
        out = real(conn, account, code)
        out["abnormal"] = [{"bidder": c.bidders[0], "triggers": ["mean"], "decision": "pending"}]
        return out

    monkeypatch.setattr(workbench, "summary", with_abnormal)
    r = _page(client, c, "expert02")
    assert 'data-form="abnormal"' in r.text and "明显低于其他有效投标报价的平均值" in r.text
    assert "尚有异常低价未形成结论" in _page(client, c, "staff.wuhan").text
    monkeypatch.setattr(workbench, "summary", real)

    c.run(workbench.conclude, c.parties.staff, "一致推荐")
    staff = _page(client, c, "staff.wuhan")
    assert "report.pdf" in staff.text and 'data-form="conclude"' not in staff.text
    r = _page(client, c, "expert02")
    assert "签署评标报告" not in r.text  # no custody key: the pasted signature instead
    assert "ggzy sign report.pdf" in r.text and "推荐的中标候选人" in r.text
    with c.platform.command(c.parties.staff.actor) as uow:
        pdf = workbench.report_pdf(uow, c.parties.staff, c.code)
    c.run(workbench.sign_report, 2, c.sign(2, pdf))
    r = _page(client, c, "expert02")
    assert "您已签署评标报告" in r.text
    assert _others(r.text, 2) == []
