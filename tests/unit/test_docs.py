"""Tests that keep the documentation honest."""

from __future__ import annotations

from pathlib import Path

import ggzy.procedures.declarations  # noqa: F401
from ggzy.procedures import rules
from ggzy.procedures.docs import render
from ggzy.procedures.engine import PROCEDURES

ROOT = Path(__file__).resolve().parents[2]


def test_every_declared_method_has_its_generated_page_up_to_date():
    for proc in PROCEDURES.values():
        page = ROOT / "docs" / "procedures" / f"{proc.code}.md"
        assert page.exists(), f"run `ggzy docs procedures` to write {page.name}"
        assert page.read_text(encoding="utf-8") == render(proc), (
            f"{page.name} is stale: run `ggzy docs procedures`"
        )


def test_every_rule_names_its_legal_basis_and_confidence():
    for rule in rules.RULES:
        assert rule.source and rule.confidence in {"S", "S2", "G", "U"}
        assert rule.zh and rule.en


def test_the_readme_shows_the_two_setup_commands_first():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index("make run") < readme.index("## A tour")
    assert "make test" in readme[: readme.index("## A tour")]
