"""Shared fixtures: every database test runs on SQLite and, when one answers, on PostgreSQL.

    def test_something(platform):            # runs twice: [sqlite] and [postgresql]
        with platform.command(actor="account:test") as uow:
            uow.emit(NewEvent(...))
        with platform.read() as conn:
            ...

Fixtures
- db_url: URL of a migrated, empty database (ledger_state row present), per test.
  SQLite: the schema is migrated once per session into a template file that is copied into
  tmp_path for each test. PostgreSQL: one database per session (ggzy_test_<pid>_<random>),
  migrated once, emptied with TRUNCATE … RESTART IDENTITY CASCADE before each test, dropped at
  the end. PostgreSQL comes from GGZY_TEST_POSTGRES_URL (a server URL whose user may CREATE
  DATABASE) or a server on 127.0.0.1:5432 (users postgres, then root, no password); without
  one the [postgresql] cases are skipped with the reason shown, or fail when
  GGZY_TEST_REQUIRE_POSTGRES=1.
- empty_db_url: URL of a fresh database with no tables at all (for migration / `db upgrade`).
- clock: MovableClock at 2026-03-02T01:00:00Z (a Monday, 09:00 Beijing time).
- node_key: a fresh Ed25519 NodeKey.
- platform: ggzy.bootstrap.create_platform over db_url with clock, node_key, node_id
  "test-node" and data_dir tmp_path; its engine is disposed after the test.
- Tests marked @pytest.mark.slow are skipped unless run with -m slow or GGZY_RUN_SLOW=1.
- tamper: tamper(sql, ...) runs raw SQL with the append-only triggers of events, tree_heads and
  ledger_nodes switched off (SQLite: DROP TRIGGER and re-create; PostgreSQL: DISABLE TRIGGER
  USER and ENABLE), in one transaction: to simulate an attacker with database access.
  Never DROP triggers on PostgreSQL yourself: the database is shared by the session.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:  # ggzy is imported inside the fixtures: unit tests never depend on it
    from ggzy.bootstrap import Platform
    from ggzy.core.clock import MovableClock
    from ggzy.ledger.signing import NodeKey

BACKENDS = ("sqlite", "postgresql")
PG_ENV = "GGZY_TEST_POSTGRES_URL"
REQUIRE_PG_ENV = "GGZY_TEST_REQUIRE_POSTGRES"
LOCAL_PG = "postgresql+psycopg://{user}@127.0.0.1:5432/postgres"
APPEND_ONLY_TABLES = ("events", "tree_heads", "ledger_nodes")
CLOCK_START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


RUN_SLOW_ENV = "GGZY_RUN_SLOW"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked slow are skipped (with the reason shown) unless asked for by -m or env."""
    markexpr = config.getoption("markexpr", "") or ""
    if os.environ.get(RUN_SLOW_ENV) == "1" or ("slow" in markexpr and "not slow" not in markexpr):
        return
    skip = pytest.mark.skip(reason=f"slow: run with -m slow or {RUN_SLOW_ENV}=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# --------------------------------------------------------------------------------------------
# PostgreSQL discovery
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    """A reachable PostgreSQL server (admin_url names a database we may connect to) or why not."""

    admin_url: str | None
    reason: str

    def database_url(self, name: str) -> str:
        """URL of database `name` on this server (postgresql+psycopg driver)."""
        assert self.admin_url is not None
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)


def _psycopg_url(url: str) -> str:
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def _can_connect(url: str) -> str | None:
    """None if url answers `select 1` within 2 s, else the error."""
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, connect_timeout=2) as conn:
            conn.execute("select 1")
        return None
    except Exception as exc:  # any failure means: not usable
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"


def _find_postgres() -> PostgresServer:
    env = os.environ.get(PG_ENV)
    if env:
        url = _psycopg_url(env)
        error = _can_connect(url)
        if error:
            # the user asked for PostgreSQL: failing beats skipping
            pytest.fail(f"{PG_ENV}={env} does not answer: {error}", pytrace=False)
        return PostgresServer(url, "")
    errors = []
    for user in ("postgres", "root"):
        url = LOCAL_PG.format(user=user)
        error = _can_connect(url)
        if error is None:
            return PostgresServer(url, "")
        errors.append(f"{user}: {error}")
    return PostgresServer(
        None,
        f"PostgreSQL not available (set {PG_ENV} or run a server on 127.0.0.1:5432; "
        + "; ".join(errors)
        + ")",
    )


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The PostgreSQL server of this session (admin_url None when there is none)."""
    return _find_postgres()


def _admin_engine(server: PostgresServer) -> Engine:
    assert server.admin_url is not None
    return create_engine(server.admin_url, isolation_level="AUTOCOMMIT")


def _create_database(server: PostgresServer) -> str:
    name = f"ggzy_test_{os.getpid()}_{secrets.token_hex(4)}"
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    finally:
        engine.dispose()
    return name


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_stale_databases(server: PostgresServer) -> None:
    """Drop ggzy_test_<pid>_* databases left by killed sessions on this machine."""
    host = make_url(server.admin_url or "").host
    if host not in ("127.0.0.1", "localhost", None):
        return  # pids of another machine mean nothing here
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            names = conn.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE datname LIKE 'ggzy\\_test\\_%%'"
            ).scalars()
            for name in list(names):
                parts = name.split("_")
                if len(parts) == 4 and parts[2].isdigit() and not _pid_alive(int(parts[2])):
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def _drop_database(server: PostgresServer, name: str) -> None:
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def _skip_or_fail_without_postgres(server: PostgresServer) -> None:
    if server.admin_url is None:
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"{REQUIRE_PG_ENV}=1 but {server.reason}")
        pytest.skip(server.reason)


# --------------------------------------------------------------------------------------------
# Migrated databases
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; tests get copies."""
    from ggzy.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    for suffix in ("-wal", "-shm"):  # the migration engine is disposed: WAL is checkpointed
        if Path(f"{path}{suffix}").exists() and Path(f"{path}{suffix}").stat().st_size:
            raise RuntimeError(f"{path}{suffix} left behind by the migration")
    return path


@pytest.fixture(scope="session")
def _postgres_session_db(postgres_server: PostgresServer) -> Iterator[tuple[str, Engine]]:
    """One migrated database per session, and an engine used to empty it between tests."""
    from ggzy.migrate import upgrade

    _skip_or_fail_without_postgres(postgres_server)
    _drop_stale_databases(postgres_server)
    name = _create_database(postgres_server)
    url = postgres_server.database_url(name)
    engine: Engine | None = None
    try:
        upgrade(url)
        engine = create_engine(url)
        yield url, engine
    finally:
        if engine is not None:
            engine.dispose()
        _drop_database(postgres_server, name)


def _reset_postgres(url: str, engine: Engine) -> None:
    """Empty every table (but alembic_version) and put back the ledger_state row."""
    from ggzy.migrate import downgrade, upgrade

    with engine.begin() as conn:
        triggers = conn.execute(
            text(
                "SELECT c.relname, t.tgenabled FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND NOT t.tgisinternal "
                "AND t.tgname LIKE '%\\_append\\_only'"
            )
        ).all()
    present = {table for table, _ in triggers}
    if present != set(APPEND_ONLY_TABLES):  # someone dropped a trigger: rebuild the schema
        downgrade(url)
        upgrade(url)
        return
    with engine.begin() as conn:
        # a connection left open by an earlier test would block TRUNCATE: say so, do not hang
        conn.exec_driver_sql("SET LOCAL lock_timeout = '20s'")
        for table, enabled in triggers:
            if enabled == "D":  # a test disabled it and did not switch it back on
                conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        conn.exec_driver_sql("INSERT INTO ledger_state (id, size) VALUES (1, 0)")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a migrated, empty database: [sqlite] copy of a template, [postgresql] truncated."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "ggzy.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url, engine = request.getfixturevalue("_postgres_session_db")
    _reset_postgres(url, engine)
    return url


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a database with no tables: [sqlite] a new file, [postgresql] a new database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    _skip_or_fail_without_postgres(server)
    name = _create_database(server)
    try:
        yield server.database_url(name)
    finally:
        _drop_database(server, name)


# --------------------------------------------------------------------------------------------
# The platform
# --------------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> MovableClock:
    """A clock at 2026-03-02T01:00:00Z that moves only when a test says so."""
    from ggzy.core.clock import MovableClock

    return MovableClock(CLOCK_START)


@pytest.fixture
def node_key() -> NodeKey:
    """A fresh tree-head signing key."""
    from ggzy.ledger.signing import NodeKey

    return NodeKey.generate()


@pytest.fixture
def platform(
    db_url: str, tmp_path: Path, clock: MovableClock, node_key: NodeKey
) -> Iterator[Platform]:
    """A Platform over a fresh migrated database (runs once per backend)."""
    from ggzy.bootstrap import create_platform
    from ggzy.config import load_settings

    settings = load_settings(database_url=db_url, data_dir=tmp_path, node_id="test-node")
    plat = create_platform(settings, clock, node_key)
    try:
        yield plat
    finally:
        plat.engine.dispose()


Statement = str | tuple[str, dict[str, Any]]


@pytest.fixture
def tamper(platform: Platform) -> Callable[..., None]:
    """tamper("UPDATE events SET payload = :p WHERE seq = 3", p="{}"), or several statements
    as tamper(sql1, (sql2, params2)): run with the append-only triggers off, in one transaction.
    """

    def run(*statements: Statement, **params: Any) -> None:
        with platform.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                saved = conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('events', 'tree_heads', 'ledger_nodes')"
                ).all()
                for name, _ in saved:
                    conn.exec_driver_sql(f"DROP TRIGGER {name}")
            else:
                for table in APPEND_ONLY_TABLES:
                    conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for st in statements:
                sql, args = (st, params) if isinstance(st, str) else st
                conn.execute(text(sql), args)
            if conn.dialect.name == "sqlite":
                for _, sql in saved:
                    conn.exec_driver_sql(sql)
            else:
                for table in APPEND_ONLY_TABLES:
                    conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    return run


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash test passwords with small argon2id parameters: hashing strength is not under test.

    Real argon2id still runs (sign-in verifies against these hashes); only its cost is lowered.
    """
    from argon2 import PasswordHasher

    from ggzy.registry import handlers as registry

    monkeypatch.setattr(
        registry, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
