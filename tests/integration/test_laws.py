"""The library of laws and regulations: searchable, and tied to the rules the platform enforces."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ggzy import laws
from ggzy.web.app import create_app


def test_a_citation_names_each_article_and_the_implementing_regulation() -> None:
    assert laws.citations("招标投标法 第23条；实施条例 第21条") == [
        ("tendering-law", None),
        ("tendering-law", 23),
        ("tendering-regulation", None),
        ("tendering-regulation", 21),
    ]
    assert ("procurement-law", 35) in laws.citations("政府采购法 第26、34–36条")


def test_searching_what_is_enforced_finds_the_article_and_its_rule() -> None:
    found = {law["id"]: law for law in laws.search("投标截止")}
    article = next(a for a in found["tendering-law"]["articles"] if a["number"] == 24)
    assert any(r["key"] == "bid_prep_min_days" and r["value"] == 20 for r in article["rules"])


def test_an_article_number_narrows_the_law_to_that_article() -> None:
    [law] = laws.search("招标投标法 第24条")
    assert law["id"] == "tendering-law" and [a["number"] for a in law["articles"]] == [24]


def test_a_law_by_name_lists_the_methods_based_on_it() -> None:
    found = {law["id"]: law for law in laws.search("政府采购法")}
    methods = {m["code"] for m in found["procurement-law"]["methods"]}
    assert {"procurement.open_tendering", "procurement.single_source"} <= methods


def test_nothing_found_is_an_empty_list_and_an_unknown_law_a_problem(platform) -> None:
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    assert client.get("/api/v1/laws", params={"q": "不存在的法规"}).json() == []
    r = client.get("/api/v1/laws/no-such-law")
    assert r.status_code == 404 and r.json()["title_zh"]
    page = client.get("/laws", params={"q": "开标"})
    assert page.status_code == 200 and "招标投标法实施条例" in page.text
