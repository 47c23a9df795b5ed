"""The library of laws and regulations (法律法规库), searchable, tied to what the platform does.

Each law, regulation or rule the platform follows is listed with its issuer, number and dates
(src/ggzy/data/laws.json; general knowledge, tagged like rules.md: the official text prevails).
Its articles are indexed from the platform itself: every rule-table row that cites an article
(the period or quota the platform enforces under it) and every trading method whose legal
basis names it. A search finds laws by name and articles by number or by what is enforced, so
"投标截止" leads to 招标投标法 第24条 and the rule that counts its 20 days.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "laws.json"
_ARTICLES = re.compile(r"第([0-9、，,–\-～~至]+)条")


@dataclass
class Article:
    """One article of a law and what the platform does under it."""

    number: int
    rules: list[dict[str, Any]] = field(default_factory=list)  # rule-table rows citing it
    methods: list[dict[str, str]] = field(default_factory=list)  # methods based on it


@cache
def laws() -> list[dict[str, Any]]:
    """The laws listed, in the order of the data file."""
    return list(json.loads(DATA.read_text(encoding="utf-8")))


def _numbers(text: str) -> list[int]:
    """ "22、54" → [22, 54]; "15–22" → 15..22."""
    out: list[int] = []
    for part in re.split(r"[、，,]", text):
        bounds = re.split(r"[–\-～~至]", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            out.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        elif part.isdigit():
            out.append(int(part))
    return out


def citations(source: str) -> list[tuple[str, int | None]]:
    """The (law id, article or None) a citation names: "招标投标法 第23条；实施条例 第21条"."""
    names = sorted(
        ((alias, law["id"]) for law in laws() for alias in law["aliases"]),
        key=lambda pair: -len(pair[0]),
    )
    found: list[tuple[str, int | None]] = []
    current: str | None = None  # "实施条例" after "招标投标法" is that law's regulation
    for segment in re.split(r"[；;]", source):
        i = 0
        while i < len(segment):
            hit = next(((a, lid) for a, lid in names if segment.startswith(a, i)), None)
            if hit is None and segment.startswith("实施条例", i) and current in IMPLEMENTING:
                hit = ("实施条例", IMPLEMENTING[current])
            if hit is not None:
                current = hit[1]
                found.append((current, None))
                i += len(hit[0])
                continue
            m = _ARTICLES.match(segment, i)
            if m and current is not None:
                found.extend((current, n) for n in _numbers(m.group(1)))
                i = m.end()
                continue
            i += 1
    return list(dict.fromkeys(found))


IMPLEMENTING = {  # a law → its implementing regulation (实施条例)
    "tendering-law": "tendering-regulation",
    "procurement-law": "procurement-regulation",
}


@cache
def _index() -> dict[str, dict[int, Article]]:
    """law id → article → what the platform does under it."""
    import ggzy.procedures.declarations  # noqa: F401  (every method and its rules, registered)
    from ggzy.procedures.engine import PROCEDURES
    from ggzy.procedures.rules import RULES, UNITS

    index: dict[str, dict[int, Article]] = {law["id"]: {} for law in laws()}
    for rule in RULES:
        for law_id, number in citations(rule.source):
            if number is None:
                continue
            article = index[law_id].setdefault(number, Article(number))
            article.rules.append(
                {
                    "key": rule.key,
                    "zh": rule.zh,
                    "en": rule.en,
                    "value": rule.value,
                    "unit": UNITS[rule.unit][0],
                    "method": rule.method,
                    "region": rule.region,
                    "confidence": rule.confidence,
                }
            )
    for proc in PROCEDURES.values():
        for law_id, number in citations(proc.basis):
            if number is not None:
                article = index[law_id].setdefault(number, Article(number))
                article.methods.append({"code": proc.code, "zh": proc.zh})
    return index


def law_view(law: dict[str, Any]) -> dict[str, Any]:
    """A law with its indexed articles, in article order."""
    import ggzy.procedures.declarations  # noqa: F401
    from ggzy.procedures.engine import PROCEDURES

    articles = _index()[law["id"]]
    based = [
        {"code": p.code, "zh": p.zh}
        for p in PROCEDURES.values()
        if any(lid == law["id"] for lid, _ in citations(p.basis))
    ]
    return {
        **law,
        "methods": based,
        "articles": [
            {"number": a.number, "rules": a.rules, "methods": a.methods}
            for a in sorted(articles.values(), key=lambda a: a.number)
        ],
    }


def find_law(law_id: str) -> dict[str, Any] | None:
    """One law by id, with its articles, or None."""
    law = next((x for x in laws() if x["id"] == law_id), None)
    return law_view(law) if law else None


def search(query: str) -> list[dict[str, Any]]:
    """Laws whose name, number or issuer matches, or with an article that does: the article
    number ("第24条", "24") or what the platform enforces under it ("投标截止")."""
    q = query.strip()
    if not q:
        return [law_view(law) for law in laws()]
    wanted = {int(n) for n in re.findall(r"\d+", q)} if re.search(r"第?\d+条?", q) else set()
    words = [w for w in re.split(r"\s+", re.sub(r"第?\d+条?", " ", q)) if w]
    out = []
    for law in laws():
        view = law_view(law)
        text = " ".join([law["title"], *law["aliases"], law["issuer"], law["number"] or ""])
        law_hit = bool(words) and all(w.lower() in text.lower() for w in words)
        articles = []
        for a in view["articles"]:
            about = " ".join(
                [r["zh"] + " " + r["en"] for r in a["rules"]] + [m["zh"] for m in a["methods"]]
            )
            number_ok = not wanted or a["number"] in wanted
            words_ok = law_hit or all(w.lower() in about.lower() for w in words)
            if number_ok and words_ok and (wanted or words):
                articles.append(a)
        if law_hit and not wanted:
            out.append(view)
        elif articles:
            out.append({**view, "articles": articles})
    return out
