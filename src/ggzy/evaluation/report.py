"""The evaluation report (评标报告) as a PDF: Chinese text, amounts in figures and 大写.

``render_report(report) -> bytes`` lays the report out with reportlab platypus on A4, in the
built-in CID font ``STSong-Light`` (no font file is embedded or downloaded; PDF viewers supply
the Song face). The output is deterministic, the same dict gives the same bytes (``invariant=1``,
no clock is read), because the experts sign the exact bytes. Every page carries a header with the
project code and a footer "第 N 页 共 M 页"; long tables split across pages and repeat their
header row. ``sample_report()`` builds a realistic example (tests, demo).

Input (a dict; a missing key, None or "" is shown as "/" in a table, or "无" for a section)
--------------------------------------------------------------------------------------------
- ``project`` (项目编号), ``title`` (项目名称), ``tenderee`` (招标人/采购人), ``agency`` (代理机构),
  ``method`` (code such as ``gp_comprehensive``) and ``method_zh`` (综合评分法), ``category_zh``
  (货物/服务/工程), ``day`` (evaluation day, ``YYYY-MM-DD``, Asia/Shanghai), ``concluded_at``
  (display string such as ``2026-03-24 16:30``): text.
- ``venues``: ``[{"name", "role"}]``, role ``主场`` or ``副场`` (远程异地评标).
- ``committee``: ``[{"label", "name", "title", "speciality", "venue", "leader": bool}]``.
- ``factors``: ``[{"code", "name", "max"}]``; ``price_weight``: percent or None.
- ``benchmark``: ``{"price": 分, "kind": text or code}`` or None (评标基准价).
- ``qualification``: ``[{"bidder_name", "passed": bool, "votes": "5/5", "reason"}]``.
- ``ranked``: ``[{"rank", "bidder_name", "price", "evaluated_price", "price_score",
  "technical_score", "business_score", "total", "deductions": [text]}]``; money in integer 分,
  scores as text (None for the lowest-price methods).
- ``rejected``: ``[{"bidder_name", "reason"}]`` (否决投标).
- ``abnormal``: ``[{"bidder_name", "triggers": [text], "decision": "accepted" | "rejected" |
  None, "explanation"}]`` (异常低价; ``explained``/``pending`` are read as accepted/None).
- ``flags``: ``[{"expert", "bidder_name", "factor", "score", "others_mean", "explanation"}]``
  (评分偏离).
- ``scores``: ``[{"expert", "bidder_name", "factor", "score"}]``, every expert's score of every
  factor (评分明细); ``factor`` is a factor's name (or its code).
- ``candidates``: ``[{"rank", "bidder_name", "price"}]``, the recommended candidates in order.
- ``warnings``: ``[text]``; ``summary``: the committee's opinion, free text.

Amounts use ``ggzy.core.money.format_yuan`` (figures, "¥950,000.00") and ``to_capitals``
(大写, "玖拾伍万元整"). User text is XML-escaped before it reaches Paragraph markup.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ggzy.core.money import format_yuan, to_capitals

FONT = "STSong-Light"
#: Latin-1 symbols (¥) are drawn in Helvetica: the GB1 CMap of STSong-Light may not map them.
LATIN_FONT = "Helvetica"
NONE = "/"  # not applicable / not given, as in Chinese score sheets
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 18 * mm
#: more factors than this and 评分明细 becomes one long table (expert, bidder, factor, score)
MATRIX_MAX_FACTORS = 8

pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_GREY = colors.HexColor("#666666")
_LINE = colors.HexColor("#808080")
_HEAD_BG = colors.HexColor("#E8E8E8")
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
_STYLES = {
    "title": ParagraphStyle(
        "title", parent=_BODY, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=2
    ),
    "subtitle": ParagraphStyle(
        "subtitle", parent=_BODY, fontSize=10, alignment=TA_CENTER, textColor=_GREY
    ),
    "project": ParagraphStyle(
        "project", parent=_BODY, fontSize=13, leading=19, alignment=TA_CENTER, spaceBefore=6
    ),
    "h1": ParagraphStyle(
        "h1", parent=_BODY, fontSize=13, leading=19, spaceBefore=12, spaceAfter=5, keepWithNext=1
    ),
    "h2": ParagraphStyle(
        "h2", parent=_BODY, fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=3, keepWithNext=1
    ),
    "body": _BODY,
    "note": ParagraphStyle("note", parent=_BODY, fontSize=9, leading=13, textColor=_GREY),
    "cell": ParagraphStyle("cell", parent=_BODY, fontSize=8, leading=10.5),
    "num": ParagraphStyle("num", parent=_BODY, fontSize=8, leading=10.5, alignment=TA_RIGHT),
    "head": ParagraphStyle("head", parent=_BODY, fontSize=8, leading=10.5, alignment=TA_CENTER),
    "center": ParagraphStyle("center", parent=_BODY, fontSize=8, leading=10.5, alignment=TA_CENTER),
}
_CN_NUMERALS = "一二三四五六七八九十"
_DECISIONS = {
    "accepted": "报价合理，予以接受",
    "explained": "报价合理，予以接受",
    "rejected": "不能证明报价合理性，否决投标",
    "pending": "待评标委员会认定",
    None: "待评标委员会认定",
}
_TRIGGERS = {
    "mean": "低于有效投标报价平均值的一定比例",
    "second_lowest": "低于其他有效投标报价中最低者的一定比例",
    "max_price": "低于最高投标限价的一定比例",
}
_BENCHMARKS = {
    "lowest_evaluated_price": "满足招标文件要求且评审价格最低的投标报价（低价优先法）",
    "mean_less_k": "有效投标报价算术平均值下浮 K%",
}


# ---------------------------------------------------------------------------------- text helpers


def _text(value: Any, empty: str = NONE) -> str:
    """Display text of a field: None or blank gives ``empty``."""
    if value is None:
        return empty
    text = str(value).strip()
    return text or empty


def _markup(value: Any, empty: str = NONE) -> str:
    """Escaped Paragraph markup of a field; line breaks are kept."""
    return escape(_text(value, empty)).replace("\n", "<br/>")


def _p(value: Any, style: str = "cell", empty: str = NONE) -> Paragraph:
    return Paragraph(_markup(value, empty), _STYLES[style])


def _raw(markup: str, style: str = "cell") -> Paragraph:
    """A Paragraph from markup already escaped."""
    return Paragraph(markup, _STYLES[style])


def _figures(fen: int | None) -> str:
    """Markup of an amount in figures, e.g. ¥950,000.00."""
    if fen is None:
        return NONE
    return f'<font name="{LATIN_FONT}">¥</font>{format_yuan(fen)}'


def _capitals(fen: int | None) -> str:
    """Markup of an amount in 大写; "/" when absent or negative (no capitals for those)."""
    if fen is None or fen < 0:
        return NONE
    return escape(to_capitals(fen))


def _both(fen: int | None) -> str:
    """Figures with the 大写 below them (one table cell)."""
    if fen is None:
        return NONE
    return f'{_figures(fen)}<br/><font size="7">{_capitals(fen)}</font>'


def _ordinal(rank: Any) -> str:
    """第一 … 第十, then digits."""
    if isinstance(rank, int) and not isinstance(rank, bool) and 1 <= rank <= 10:
        return "第" + _CN_NUMERALS[rank - 1]
    return f"第{_text(rank, '?')}"


def _rows(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = report.get(key)
    return [row for row in value if isinstance(row, dict)] if value else []


def _texts(value: Any) -> list[str]:
    """A list of non-blank texts from a list (or a single text)."""
    if value is None:
        return []
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


# --------------------------------------------------------------------------------------- layout


def _heading(number: int, zh: str, en: str) -> Paragraph:
    return _raw(
        f'{_CN_NUMERALS[number - 1]}、{escape(zh)} <font size="8" color="#666666">{en}</font>',
        "h1",
    )


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[Flowable]],
    widths: Sequence[float],
    *,
    row_height: float | None = None,
) -> Table:
    """A grid table at the full frame width; ``widths`` are fractions; the header repeats."""
    frame = PAGE_WIDTH - 2 * MARGIN_X
    data: list[list[Any]] = [[_p(h, "head") for h in header]]
    data.extend(list(row) for row in rows)
    heights = None if row_height is None else [None] + [row_height] * len(rows)
    table = Table(
        data,
        colWidths=[frame * w for w in widths],
        rowHeights=heights,
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, _LINE),
                ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _none() -> Paragraph:
    return _p("无", "body")


def _overview(report: dict[str, Any]) -> list[Flowable]:
    method = _text(report.get("method_zh"), "")
    code = _text(report.get("method"), "")
    if method and code:
        method = f"{method}（{code}）"
    venues = []
    for venue in _rows(report, "venues"):
        role = _text(venue.get("role"), "")
        name = _text(venue.get("name"))
        venues.append(f"{role}：{name}" if role else name)
    pairs = [
        ("项目编号", report.get("project")),
        ("项目名称", report.get("title")),
        ("招标人（采购人）", report.get("tenderee")),
        ("招标代理机构", report.get("agency")),
        ("评标办法", method),
        ("采购品目类别", report.get("category_zh")),
        ("评标日期", report.get("day")),
        ("评标结束时间", report.get("concluded_at")),
        ("评标场地", "\n".join(venues)),
    ]
    rows = [[_p(label, "center"), _p(value)] for label, value in pairs]
    frame = PAGE_WIDTH - 2 * MARGIN_X
    table = Table(rows, colWidths=[frame * 0.22, frame * 0.78], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, _LINE),
                ("BACKGROUND", (0, 0), (0, -1), _HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [_heading(1, "项目概况", "Project"), table]


def _committee(report: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_heading(2, "评标委员会", "Committee")]
    members = _rows(report, "committee")
    if not members:
        return [*out, _none()]
    rows = [
        [
            _p(m.get("label"), "center"),
            _p(m.get("name"), "center"),
            _p(m.get("title"), "center"),
            _p(m.get("speciality")),
            _p(m.get("venue")),
            _p("组长" if m.get("leader") else "成员", "center"),
        ]
        for m in members
    ]
    header = ["编号", "姓名", "职称", "专业", "评标场地", "职务"]
    out.append(_table(header, rows, [0.1, 0.13, 0.11, 0.22, 0.34, 0.1]))
    return out


def _qualification(report: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_heading(3, "资格审查与符合性审查", "Qualification")]
    bidders = _rows(report, "qualification")
    if not bidders:
        return [*out, _none()]
    rows = []
    for i, b in enumerate(bidders, 1):
        passed = b.get("passed")
        verdict = NONE if passed is None else ("通过" if passed else "不通过")
        rows.append(
            [
                _p(i, "center"),
                _p(b.get("bidder_name")),
                _p(verdict, "center"),
                _p(b.get("votes"), "center"),
                _p(b.get("reason")),
            ]
        )
    header = ["序号", "投标人", "结论", "表决", "理由"]
    out.append(_table(header, rows, [0.07, 0.33, 0.1, 0.1, 0.4]))
    return out


def _rejected(report: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_heading(4, "否决投标", "Rejected bids")]
    bidders = _rows(report, "rejected")
    if not bidders:
        return [*out, _none()]
    rows = [
        [_p(i, "center"), _p(b.get("bidder_name")), _p(b.get("reason"))]
        for i, b in enumerate(bidders, 1)
    ]
    out.append(_table(["序号", "投标人", "否决理由"], rows, [0.07, 0.33, 0.6]))
    return out


def _factor_table(report: dict[str, Any]) -> list[Flowable]:
    factors = _rows(report, "factors")
    weight = report.get("price_weight")
    if not factors and weight is None:
        return []
    rows = [
        [_p(f.get("code"), "center"), _p(f.get("name")), _p(f.get("max"), "num")] for f in factors
    ]
    if weight is not None:
        rows.append([_p("price", "center"), _p("价格"), _p(f"{_text(weight)}", "num")])
    return [
        _raw("（一）评审因素与分值", "h2"),
        _table(["代码", "评审因素", "满分（分）"], rows, [0.2, 0.6, 0.2]),
    ]


def _benchmark(report: dict[str, Any]) -> list[Flowable]:
    bm = report.get("benchmark")
    if not isinstance(bm, dict) or bm.get("price") is None:
        return []
    kind = _text(bm.get("kind"), "")
    kind = _BENCHMARKS.get(kind, kind)
    line = f"评标基准价：{_figures(bm['price'])}（大写：{_capitals(bm['price'])}）"
    if kind:
        line += f"；取值方法：{escape(kind)}"
    return [Spacer(1, 4), _raw(line, "body")]


def _scores_summary(report: dict[str, Any]) -> list[Flowable]:
    factors = _factor_table(report)
    out: list[Flowable] = [_heading(5, "评分汇总", "Scores"), *factors]
    ranked = _rows(report, "ranked")
    out.append(_raw("（二）得分与排序" if factors else "得分与排序", "h2"))
    if not ranked:
        return [*out, _none(), *_benchmark(report)]
    rows = [
        [
            _p(r.get("rank"), "center"),
            _p(r.get("bidder_name")),
            _raw(_both(r.get("price")), "num"),
            _raw(_figures(r.get("evaluated_price")), "num"),
            _p(r.get("price_score"), "num"),
            _p(r.get("technical_score"), "num"),
            _p(r.get("business_score"), "num"),
            _p(r.get("total"), "num"),
            _p("\n".join(_texts(r.get("deductions")))),
        ]
        for r in ranked
    ]
    header = ["排名", "投标人", "投标报价（元）", "评审价格（元）", "价格分", "技术分", "商务分"]
    header += ["总分", "价格扣除/优惠"]
    widths = [0.05, 0.18, 0.17, 0.14, 0.075, 0.075, 0.075, 0.075, 0.16]
    out.append(_table(header, rows, widths))
    out.append(
        _p("注：投标报价下方为大写金额；评审价格仅用于价格评分，合同价格以投标报价为准。", "note")
    )
    return out + _benchmark(report)


def _ordered(values: Iterable[str]) -> list[str]:
    """Distinct values in first-seen order."""
    return list(dict.fromkeys(values))


def _score_details(report: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_heading(6, "评分明细", "Scores by expert")]
    scores = _rows(report, "scores")
    if not scores:
        return [*out, _none()]
    factors = _rows(report, "factors")
    by_code = {_text(f.get("code"), ""): _text(f.get("name")) for f in factors if f.get("code")}
    maxima = {_text(f.get("name")): f.get("max") for f in factors}

    def factor_of(row: dict[str, Any]) -> str:
        name = _text(row.get("factor"))
        return by_code.get(name, name)

    names = _ordered([_text(f.get("name")) for f in factors] + [factor_of(s) for s in scores])
    labels = [_text(m.get("label")) for m in _rows(report, "committee")]
    experts = _ordered(labels + [_text(s.get("expert")) for s in scores])
    member = {_text(m.get("label")): _text(m.get("name"), "") for m in _rows(report, "committee")}
    ranked = [_text(r.get("bidder_name")) for r in _rows(report, "ranked")]
    bidders = _ordered(ranked + [_text(s.get("bidder_name")) for s in scores])
    cell: dict[tuple[str, str, str], Any] = {}
    for s in scores:
        cell[(_text(s.get("expert")), _text(s.get("bidder_name")), factor_of(s))] = s.get("score")

    def max_of(name: str) -> str:
        top = maxima.get(name)
        return f"\n（{_text(top)}）" if top is not None else ""

    for expert in experts:
        if not any(key[0] == expert for key in cell):
            continue
        who = f"{expert}（{member[expert]}）" if member.get(expert) else expert
        heading = _p(f"{who} 的评分", "h2")
        if len(names) <= MATRIX_MAX_FACTORS:
            rows = []
            for i, bidder in enumerate(bidders, 1):
                values = [cell.get((expert, bidder, name)) for name in names]
                if all(v is None for v in values):
                    continue
                numbers = [_decimal(v) for v in values]
                total = (
                    str(sum(n for n in numbers if n is not None))
                    if all(n is not None for n in numbers)
                    else None
                )
                rows.append(
                    [_p(i, "center"), _p(bidder)]
                    + [_p(v, "num") for v in values]
                    + [_p(total, "num")]
                )
            header = ["序号", "投标人"] + [f"{n}{max_of(n)}" for n in names] + ["合计"]
            share = 0.6 / (len(names) + 1)
            widths = [0.06, 0.34] + [share] * (len(names) + 1)
            table = _table(header, rows, widths)
        else:
            rows = []
            for bidder in bidders:
                for name in names:
                    value = cell.get((expert, bidder, name))
                    if value is None:
                        continue
                    rows.append(
                        [_p(bidder), _p(name), _p(maxima.get(name), "num"), _p(value, "num")]
                    )
            table = _table(["投标人", "评审因素", "满分", "评分"], rows, [0.4, 0.34, 0.13, 0.13])
        out += [heading, table]
    return out


def _anomalies(report: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_heading(7, "异常低价与评分偏离", "Abnormally low prices, deviations")]
    abnormal = _rows(report, "abnormal")
    flags = _rows(report, "flags")
    if not abnormal and not flags:
        return [*out, _none()]
    out.append(_raw("（一）异常低价", "h2"))
    if abnormal:
        rows = [
            [
                _p(a.get("bidder_name")),
                _p("\n".join(_TRIGGERS.get(t, t) for t in _texts(a.get("triggers")))),
                _p(_DECISIONS.get(a.get("decision"), _text(a.get("decision")))),
                _p(a.get("explanation")),
            ]
            for a in abnormal
        ]
        header = ["投标人", "触发情形", "评标委员会认定", "说明"]
        out.append(_table(header, rows, [0.22, 0.26, 0.2, 0.32]))
    else:
        out.append(_none())
    out.append(_raw("（二）评分偏离", "h2"))
    if flags:
        rows = [
            [
                _p(f.get("expert"), "center"),
                _p(f.get("bidder_name")),
                _p(f.get("factor")),
                _p(f.get("score"), "num"),
                _p(f.get("others_mean"), "num"),
                _p(f.get("explanation")),
            ]
            for f in flags
        ]
        header = ["专家", "投标人", "评审因素", "评分", "其他专家均值", "说明"]
        out.append(_table(header, rows, [0.08, 0.22, 0.14, 0.08, 0.12, 0.36]))
    else:
        out.append(_none())
    return out


def _candidates(report: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_heading(8, "推荐的中标候选人", "Recommended candidates")]
    candidates = _rows(report, "candidates")
    if not candidates:
        return [*out, _none()]
    rows = [
        [
            _p(f"{_ordinal(c.get('rank') or i)}中标候选人", "center"),
            _p(c.get("bidder_name")),
            _raw(_figures(c.get("price")), "num"),
            _raw(_capitals(c.get("price"))),
        ]
        for i, c in enumerate(candidates, 1)
    ]
    header = ["排序", "投标人", "投标报价（元）", "投标报价（大写）"]
    out.append(_table(header, rows, [0.17, 0.35, 0.18, 0.3]))
    return out


def _opinion(report: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_heading(9, "评标委员会意见", "Opinion")]
    out.append(_p(report.get("summary"), "body", empty="无"))
    warnings = _texts(report.get("warnings"))
    if warnings:
        out.append(_raw("评审提示：", "h2"))
        out += [_p(f"{i}. {w}", "body") for i, w in enumerate(warnings, 1)]
    return out


def _signatures(report: dict[str, Any]) -> list[Flowable]:
    members = _rows(report, "committee")
    rows = [
        [
            _p(m.get("label"), "center"),
            _p(m.get("name"), "center"),
            _p("组长" if m.get("leader") else "成员", "center"),
            _p("签名：________________", "cell"),
        ]
        for m in members
    ]
    parts: list[Flowable] = [_heading(10, "签字", "Signatures")]
    if rows:
        parts.append(
            _table(["编号", "姓名", "职务", "签名"], rows, [0.15, 0.2, 0.15, 0.5], row_height=26)
        )
    else:
        parts.append(_none())
    parts += [
        Spacer(1, 6),
        _p(
            "本报告由评标委员会成员以数字证书电子签名（电子签名法），签名另行存证于平台账本。",
            "note",
        ),
        _p(f"评标日期：{_text(report.get('day'))}", "note"),
    ]
    return [KeepTogether(parts)]


# -------------------------------------------------------------------------------- page furniture


class _NumberedCanvas(canvas.Canvas):
    """A canvas that knows the page count when it draws the footers ("第 N 页 共 M 页")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw every footer with the page count, then write the PDF."""
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(_GREY)
            self.drawCentredString(
                PAGE_WIDTH / 2, MARGIN_BOTTOM / 2, f"第 {self._pageNumber} 页 共 {total} 页"
            )
            self.restoreState()
            super().showPage()
        super().save()


def _header(project: str) -> Any:
    def draw(canv: Any, doc: Any) -> None:
        canv.saveState()
        canv.setFont(FONT, 8)
        canv.setFillColor(_GREY)
        y = PAGE_HEIGHT - MARGIN_TOP + 8
        canv.drawString(MARGIN_X, y, "评标报告 Evaluation Report")
        canv.drawRightString(PAGE_WIDTH - MARGIN_X, y, f"项目编号：{project}")
        canv.setStrokeColor(_LINE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, y - 3, PAGE_WIDTH - MARGIN_X, y - 3)
        canv.restoreState()

    return draw


def render_report(report: dict[str, Any]) -> bytes:
    """The evaluation report (评标报告) as a PDF, in Chinese, amounts in figures and 大写."""
    project = _text(report.get("project"), "")
    title = _text(report.get("title"), "")
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        invariant=1,
        title=f"评标报告 {project} {title}".strip(),
        subject="评标报告 Evaluation report",
        author="评标委员会",
        creator="OpenGGZY",
        producer="OpenGGZY (ReportLab)",
        lang="zh-CN",
    )
    story: list[Flowable] = [
        _p("评标报告", "title"),
        _p("Evaluation Report", "subtitle"),
        _p(title, "project", empty=""),
        _p(f"项目编号：{project}" if project else "", "subtitle", empty=""),
        Spacer(1, 8),
    ]
    story += _overview(report)
    story += _committee(report)
    story += _qualification(report)
    story += _rejected(report)
    story += _scores_summary(report)
    story += [PageBreak()]
    story += _score_details(report)
    story += [CondPageBreak(60 * mm)]
    story += _anomalies(report)
    story += _candidates(report)
    story += _opinion(report)
    story += _signatures(report)
    draw = _header(project)
    doc.build(story, onFirstPage=draw, onLaterPages=draw, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- example

_CITIES = ("武汉", "宜昌", "襄阳", "荆州", "黄石", "十堰", "孝感", "荆门", "鄂州", "黄冈")
_WORDS = ("华信", "楚天", "长江", "光谷", "江汉", "东湖")
_SUFFIXES = ("科技有限公司", "信息技术有限公司", "教育装备有限公司")
_FACTOR_POOL = (
    ("tech", "技术方案", 30, "technical"),
    ("quality", "产品质量与性能", 15, "technical"),
    ("service", "售后服务方案", 10, "technical"),
    ("biz", "商务资信", 10, "business"),
    ("record", "类似项目业绩", 5, "business"),
)
_EXPERTS = (
    ("张卫东", "高级", "计算机网络"),
    ("李秀英", "正高级", "教育装备"),
    ("王建国", "高级", "电子信息"),
    ("刘芳", "高级", "政府采购"),
    ("陈志强", "高级", "音视频系统"),
    ("杨丽", "正高级", "财务会计"),
    ("赵明", "高级", "信息安全"),
    ("黄海涛", "高级", "计算机软件"),
    ("周静", "高级", "经济管理"),
)
_MAIN = "武汉市公共资源交易中心评标区"
_SUB = "宜昌市公共资源交易中心远程评标室"
_CENT = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def sample_report(bidders: int = 6, experts: int = 5, factors: int = 5) -> dict[str, Any]:
    """A realistic evaluation report dict (综合评分法, goods), deterministic for given sizes."""
    bidders = max(bidders, 4)
    experts = min(max(experts, 3), len(_EXPERTS))
    rng = random.Random(20260324 + bidders * 1000 + experts * 10 + factors)
    pool = _FACTOR_POOL[: min(max(factors, 1), len(_FACTOR_POOL))]
    names = [
        f"{_CITIES[i % 10]}{_WORDS[i // 10 % 6]}{_SUFFIXES[i % 3]}"
        + (f"（{i // 60 + 1}）" if i >= 60 else "")
        for i in range(bidders)
    ]
    budget = 950_000_000  # 950 万元 in 分
    prices = [budget * rng.randint(8300, 9900) // 10000 + rng.randint(0, 99) * 100 for _ in names]
    failed = names[-1]  # fails qualification
    low = names[-2]  # abnormally low, cannot justify: rejected
    odd = names[-3]  # abnormally low, justified: kept
    prices[-2] = budget * 38 // 100
    prices[-3] = budget * 43 // 100 + 345_678
    labels = [f"专家{i + 1}" for i in range(experts)]
    committee: list[dict[str, Any]] = [
        {
            "label": label,
            "name": _EXPERTS[i][0],
            "title": _EXPERTS[i][1],
            "speciality": _EXPERTS[i][2],
            "venue": _MAIN if i < (experts + 1) // 2 else _SUB,
            "leader": i == 0,
        }
        for i, label in enumerate(labels)
    ]
    evaluated: dict[str, int] = {}
    deductions: dict[str, list[str]] = {}
    for i, (name, price) in enumerate(zip(names, prices, strict=True)):
        if name in (failed, low):
            continue
        deductions[name] = ["小微企业价格扣除 10%"] if i % 3 == 1 else []
        evaluated[name] = price * 9 // 10 if deductions[name] else price
    lowest = min(evaluated.values())
    given: dict[tuple[str, str, str], Decimal] = {}  # (expert, bidder, factor) -> score
    for name in evaluated:
        quality = Decimal(rng.randint(60, 95)) / 100
        for label in labels:
            for _code, fname, top, _kind in pool:
                raw = Decimal(top) * quality + Decimal(rng.randint(-4, 4)) / 4
                given[(label, name, fname)] = _q(min(max(raw, Decimal(0)), Decimal(top)))
    first, flagged = next(iter(evaluated)), labels[2]
    given[(flagged, first, pool[0][1])] = _q(Decimal(pool[0][2]) * Decimal("0.3"))
    scores = [
        {"expert": expert, "bidder_name": name, "factor": fname, "score": str(value)}
        for (expert, name, fname), value in given.items()
    ]

    def part(name: str, kind: str) -> Decimal:
        """The sum over the factors of a kind of the experts' mean scores."""
        total = Decimal(0)
        for f in pool:
            if f[3] == kind:
                total += sum((given[(x, name, f[1])] for x in labels), Decimal(0)) / len(labels)
        return _q(total)

    rows = []
    for name, ev in evaluated.items():
        price_score = _q(Decimal(lowest) / Decimal(ev) * 30)
        tech, biz = part(name, "technical"), part(name, "business")
        rows.append((price_score + tech + biz, ev, name, price_score, tech, biz))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    price_of = dict(zip(names, prices, strict=True))
    ranked = [
        {
            "rank": i,
            "bidder_name": name,
            "price": price_of[name],
            "evaluated_price": ev,
            "price_score": str(ps),
            "technical_score": str(tech),
            "business_score": str(biz),
            "total": str(total),
            "deductions": deductions[name],
        }
        for i, (total, ev, name, ps, tech, biz) in enumerate(rows, 1)
    ]
    others = [given[(x, first, pool[0][1])] for x in labels if x != flagged]
    n = len(committee)
    return {
        "project": "420100-2026-0001",
        "title": "武汉市江岸区中小学智慧教室设备采购项目",
        "tenderee": "武汉市江岸区教育局",
        "agency": "湖北某招标代理有限公司",
        "method": "gp_comprehensive",
        "method_zh": "综合评分法",
        "category_zh": "货物",
        "day": "2026-03-24",
        "concluded_at": "2026-03-24 16:30",
        "venues": [{"name": _MAIN, "role": "主场"}, {"name": _SUB, "role": "副场"}],
        "committee": committee,
        "factors": [{"code": c, "name": fname, "max": top} for c, fname, top, _k in pool],
        "price_weight": 30,
        "benchmark": {"price": lowest, "kind": "lowest_evaluated_price"},
        "qualification": [
            {
                "bidder_name": name,
                "passed": name != failed,
                "votes": f"{n}/{n}" if name != failed else f"0/{n}",
                "reason": "未提供有效的营业执照副本及法定代表人授权书" if name == failed else "",
            }
            for name in names
        ],
        "ranked": ranked,
        "rejected": [
            {"bidder_name": failed, "reason": "资格审查不通过：未提供有效的营业执照副本及授权书"},
            {
                "bidder_name": low,
                "reason": "报价明显低于其他通过符合性审查投标人的报价，"
                "投标人未能在规定时间内证明其报价合理性（政府采购货物和服务招标投标管理办法第六十条）",
            },
        ],
        "abnormal": [
            {
                "bidder_name": odd,
                "triggers": ["低于有效投标报价平均值的 50%"],
                "decision": "accepted",
                "explanation": "投标人书面说明库存设备已计提折旧并提供采购合同及发票，"
                "评标委员会认为报价合理，不影响产品质量和诚信履约。",
            },
            {
                "bidder_name": low,
                "triggers": ["低于有效投标报价平均值的 50%", "低于最高限价的 45%"],
                "decision": "rejected",
                "explanation": "投标人未在规定时间内提交书面说明和相关证明材料。",
            },
        ],
        "flags": [
            {
                "expert": flagged,
                "bidder_name": first,
                "factor": pool[0][1],
                "score": str(given[(flagged, first, pool[0][1])]),
                "others_mean": str(_q(sum(others, Decimal(0)) / len(others))),
                "explanation": "该投标人技术方案未响应招标文件第三章第 2.4 条关于"
                "录播系统并发路数的要求，故评分较低。",
            }
        ],
        "scores": scores,
        "candidates": [
            {"rank": r["rank"], "bidder_name": r["bidder_name"], "price": r["price"]}
            for r in ranked[:3]
        ],
        "warnings": [
            f"{flagged} 对 {first} 的“{pool[0][1]}”评分偏离其他专家均值超过该因素满分的 30%，"
            "已由该专家书面说明理由。",
            "价格分按低价优先法计算：评标基准价 / 评审价格 × 30。",
        ],
        "summary": (
            f"评标委员会依据招标文件规定的评标方法和标准，对 {len(names)} 家投标人的投标文件进行了"
            "资格审查、符合性审查和详细评审。经评审，按综合得分由高到低推荐前三名为中标候选人，"
            "请采购人依法确定中标人。\n评审过程中评标委员会成员独立评审，未发现串通投标等违法行为。"
        ),
    }
