"""The `ggzy` command in a subprocess: demo, ledger verify (clean and tampered), db upgrade."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ggzy.migrate import head_revision


def ggzy(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run `python -m ggzy …` with the given environment; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "ggzy", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def node_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env["GGZY_DATA_DIR"] = str(data_dir)
    env["GGZY_DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'ggzy.db'}"
    env["COLUMNS"] = "160"
    return env


@pytest.fixture(scope="module")
def demo_node(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """A node directory seeded by `ggzy demo --no-serve` (checked to exit 0)."""
    data_dir = tmp_path_factory.mktemp("cli-node")
    env = node_env(data_dir)
    result = ggzy(env, "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    assert "demo12345" in result.stdout and "staff.wuhan" in result.stdout
    assert "awarded 2" in result.stdout and "bidding 3" in result.stdout
    return env, data_dir / "ggzy.db"


def test_demo_then_ledger_verify_passes(demo_node: tuple[dict[str, str], Path]) -> None:
    env, _ = demo_node
    result = ggzy(env, "ledger", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "账本校验通过" in result.stdout and "ledger verified" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_second_demo_changes_nothing(demo_node: tuple[dict[str, str], Path]) -> None:
    env, db = demo_node
    before = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()
    result = ggzy(env, "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    assert "nothing changed" in result.stdout
    assert sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone() == before


def test_db_upgrade_reports_the_revision(demo_node: tuple[dict[str, str], Path]) -> None:
    env, _ = demo_node
    result = ggzy(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()}" in result.stdout


def test_a_tampered_event_fails_verification_naming_its_seq(
    demo_node: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    node = tmp_path / "node"
    # the demo node's keys and documents, and a consistent copy of its database (the backup
    # API, not a file copy: another process may still hold it open with a WAL)
    shutil.copytree(demo_node[1].parent, node, ignore=shutil.ignore_patterns("ggzy.db*"))
    with sqlite3.connect(demo_node[1]) as source, sqlite3.connect(node / "ggzy.db") as copy:
        source.backup(copy)
    source.close()
    copy.close()
    env = node_env(node)
    assert ggzy(env, "ledger", "verify").returncode == 0
    db = sqlite3.connect(node / "ggzy.db")
    with db:  # an attacker with database access lowers the winning price of an award
        db.execute("DROP TRIGGER events_append_only_update")
        seq, payload = db.execute(
            "SELECT seq, payload FROM events WHERE type = 'AwardNoticeIssued' ORDER BY seq"
        ).fetchone()
        altered = json.loads(payload) | {"price": 1}
        db.execute("UPDATE events SET payload = ? WHERE seq = ?", (json.dumps(altered), seq))
    db.close()

    result = ggzy(env, "ledger", "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if line.startswith("✘ [")]
    assert problems and f"#{seq} " in problems[0]
    assert "ledger verification FAILED" in result.stdout


def test_an_unreachable_database_is_one_readable_line_and_exit_code_2(tmp_path: Path) -> None:
    env = node_env(tmp_path, "postgresql+psycopg://ggzy:secret@127.0.0.1:1/ggzy")
    result = ggzy(env, "db", "upgrade", timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "数据库" in lines[0] and "database" in lines[0] and "secret" not in lines[0]


def test_an_unmigrated_database_is_refused_without_a_traceback(tmp_path: Path) -> None:
    result = ggzy(node_env(tmp_path), "ledger", "verify", timeout=60)
    assert result.returncode == 2
    assert "ggzy db upgrade" in result.stderr and "Traceback" not in result.stderr
