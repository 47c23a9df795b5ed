"""The evaluation report PDF (ggzy.evaluation.report): bytes, Chinese text, amounts, pages.

The text is read back with pypdf, which decodes the STSong-Light text (UniGB-UCS2-H, two bytes
per character) to Unicode; table cells wrap, so amounts in 大写 are looked up in the text with
all whitespace removed.
"""

from __future__ import annotations

import copy
import re
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from ggzy.core.money import format_yuan, to_capitals
from ggzy.evaluation.report import render_report, sample_report

SECTIONS = (
    "一、项目概况",
    "二、评标委员会",
    "三、资格审查与符合性审查",
    "四、否决投标",
    "五、评分汇总",
    "六、评分明细",
    "七、异常低价与评分偏离",
    "八、推荐的中标候选人",
    "九、评标委员会意见",
    "十、签字",
)
SIGNING_NOTE = "本报告由评标委员会成员以数字证书电子签名（电子签名法），签名另行存证于平台账本。"


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def small() -> tuple[dict[str, Any], bytes]:
    report = sample_report()
    return report, render_report(report)


@pytest.fixture(scope="module")
def long() -> tuple[dict[str, Any], bytes]:
    report = sample_report(bidders=60, experts=7, factors=5)
    return report, render_report(report)


def test_a_pdf_in_chinese_fonts_without_embedded_font_files(small: tuple[dict, bytes]) -> None:
    _, pdf = small
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/BaseFont /STSong-Light" in pdf
    assert b"/Encoding /UniGB-UCS2-H" in pdf
    assert b"/FontFile" not in pdf  # the CID font is the viewer's, nothing embedded


def test_same_dict_same_bytes_and_no_clock(small: tuple[dict, bytes]) -> None:
    report, pdf = small
    assert render_report(copy.deepcopy(report)) == pdf
    assert b"/CreationDate (D:20000101000000" in pdf  # invariant mode, not today's date


def test_another_dict_other_bytes(small: tuple[dict, bytes]) -> None:
    report, pdf = small
    changed = {**report, "summary": report["summary"] + "另附专家意见一份。"}
    assert render_report(changed) != pdf


def test_every_section_and_the_project_in_chinese(small: tuple[dict, bytes]) -> None:
    report, pdf = small
    text = "\n".join(pages_of(pdf))
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    flat = compact(text)
    for needle in (
        "评标报告",
        report["title"],
        report["tenderee"],
        report["agency"],
        "综合评分法",
        "主场：武汉市公共资源交易中心评标区",
        "副场：宜昌市公共资源交易中心远程评标室",
        "张卫东",
        "组长",
        "未提供有效的营业执照副本",
        "小微企业价格扣除10%",
        "报价合理，予以接受",
        SIGNING_NOTE,
    ):
        assert compact(needle) in flat, needle


def test_header_and_footer_on_every_page(long: tuple[dict, bytes]) -> None:
    report, pdf = long
    pages = pages_of(pdf)
    for number, text in enumerate(pages, 1):
        assert f"项目编号：{report['project']}" in text
        assert f"第 {number} 页 共 {len(pages)} 页" in text


def test_amounts_in_figures_and_capitals(small: tuple[dict, bytes]) -> None:
    report, pdf = small
    flat = compact("".join(pages_of(pdf)))
    candidates = report["candidates"]
    assert len(candidates) == 3
    for candidate in candidates:
        assert f"¥{format_yuan(candidate['price'])}" in flat
        assert to_capitals(candidate["price"]) in flat
    bench = report["benchmark"]["price"]
    assert f"评标基准价：¥{format_yuan(bench)}（大写：{to_capitals(bench)}）" in flat


def test_candidates_in_order(small: tuple[dict, bytes]) -> None:
    report, pdf = small
    flat = compact("".join(pages_of(pdf)))
    part = flat[flat.index("八、推荐的中标候选人") : flat.index("九、评标委员会意见")]
    names = [c["bidder_name"] for c in report["candidates"]]
    assert [part.index(name) for name in names] == sorted(part.index(name) for name in names)
    assert "第一中标候选人" in part and "第三中标候选人" in part


def test_a_long_report_splits_its_tables_over_pages(long: tuple[dict, bytes]) -> None:
    report, pdf = long
    pages = pages_of(pdf)
    assert len(pages) >= 15  # 60 bidders x 7 experts: 22 pages with reportlab 4.2–5.x
    # the score summary spans pages and repeats its header row on each of them
    summary_pages = [p for p in pages if "价格扣除/优惠" in p]
    assert len(summary_pages) >= 2
    flat = compact("".join(pages))
    for row in report["ranked"]:
        assert to_capitals(row["price"]) in flat, row["bidder_name"]
        assert format_yuan(row["price"]) in flat
    for label in ("专家1（张卫东）的评分", "专家7（赵明）的评分"):
        assert label in flat
    # the last expert's table lists every evaluated bidder (58: one failed, one rejected)
    assert len(report["ranked"]) == 58
    last = flat[flat.index("专家7（赵明）的评分") : flat.index("七、异常低价与评分偏离")]
    for row in report["ranked"]:
        assert compact(row["bidder_name"]) in last
    assert flat.count("签名：") == 7


def test_user_text_is_escaped() -> None:
    report = sample_report()
    name = 'A&B <科技> "有限" 公司'
    report["ranked"][0]["bidder_name"] = name
    report["summary"] = "第一行 <b>不是标记</b> & 第二行\n第三行"
    flat = compact("".join(pages_of(render_report(report))))
    assert compact(name) in flat
    assert compact("第一行 <b>不是标记</b> & 第二行") in flat


def test_empty_fields_and_sections() -> None:
    pages = pages_of(render_report({}))
    text = "\n".join(pages)
    for section in SECTIONS:
        assert section in text
    flat = compact(text)
    assert "四、否决投标Rejectedbids无" in flat
    assert "七、异常低价与评分偏离Abnormallylowprices,deviations无" in flat
    assert SIGNING_NOTE in flat


def test_lowest_price_method_without_scores() -> None:
    report = sample_report()
    for row in report["ranked"]:
        row.update(price_score=None, technical_score=None, business_score=None, total=None)
        row["deductions"] = None
    report.update(
        method="gp_lowest_price",
        method_zh="最低评标价法",
        tenderee="",
        agency=None,
        category_zh="",
        benchmark=None,
        price_weight=None,
        factors=[],
        scores=[],
        flags=[],
        abnormal=[],
        warnings=None,
        summary="",
    )
    flat = compact("".join(pages_of(render_report(report))))
    assert "最低评标价法（gp_lowest_price）" in flat
    assert "评标基准价" not in flat
    assert "六、评分明细Scoresbyexpert无" in flat
    first = report["ranked"][0]
    assert to_capitals(first["price"]) in flat


def test_many_factors_give_one_long_table_per_expert() -> None:
    report = sample_report()
    extra = [{"code": f"f{i}", "name": f"附加因素{i}", "max": 1} for i in range(1, 6)]
    report["factors"] = report["factors"] + extra
    bidder = report["ranked"][0]["bidder_name"]
    report["scores"] = report["scores"] + [
        {"expert": "专家2", "bidder_name": bidder, "factor": f"f{i}", "score": "0.50"}
        for i in range(1, 6)
    ]
    flat = compact("".join(pages_of(render_report(report))))
    part = flat[flat.index("专家2（李秀英）的评分") : flat.index("专家3（王建国）的评分")]
    assert part.startswith("专家2（李秀英）的评分投标人评审因素满分评分")
    assert f"{compact(bidder)}附加因素510.50" in part  # code f5 shown by its name
