"""The `ggzy` command (命令行): serve, demo, db upgrade, ledger verify, projections rebuild.

    ggzy demo --no-serve       # migrate, seed the demo network, print its accounts, exit 0
    ggzy serve --port 8000     # migrate, then serve http://127.0.0.1:8000
    ggzy db upgrade            # migrate the database to the newest revision
    ggzy ledger verify         # recompute the evidence ledger; exit 1 naming the first bad event

Settings come from the environment (GGZY_DATABASE_URL, GGZY_DATA_DIR, …; see ggzy.config).
A refused action (DomainError) or an unreachable database ends with one bilingual line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from ggzy.config import Settings, load_settings
from ggzy.core.errors import DomainError

if TYPE_CHECKING:
    from ggzy.bootstrap import Platform
    from ggzy.demo import DemoSummary

EXIT_PROBLEMS = 1  # the command ran and found problems (e.g. a tampered ledger)
EXIT_ERROR = 2  # the command could not run (refused, database unreachable)

app = typer.Typer(
    name="ggzy",
    help="OpenGGZY 公共资源交易平台 / public resource trading platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="数据库 / database.", no_args_is_help=True)
ledger_app = typer.Typer(help="证据账本 / evidence ledger.", no_args_is_help=True)
projections_app = typer.Typer(help="投影（当前状态表） / projections.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
app.add_typer(projections_app, name="projections")
docs_app = typer.Typer(help="文档 / documentation.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
bench_app = typer.Typer(
    help="基准测试（JSON 输出） / benchmarks printing JSON.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")

console = Console(highlight=False, soft_wrap=True)

HOST_OPTION = typer.Option("127.0.0.1", "--host", help="监听地址 / address to listen on.")
PORT_OPTION = typer.Option(8000, "--port", help="端口 / port.")


# ---------------------------------------------------------------- helpers


def _display_url(url: str) -> str:
    """The database URL without its password, e.g. postgresql+psycopg://app:***@db/ggzy."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _upgrade(settings: Settings) -> str | None:
    """Migrate the database to the newest revision; returns the revision it is at."""
    from ggzy.migrate import current_revision, upgrade

    upgrade(settings.database_url)
    return current_revision(settings.database_url)


def _platform(settings: Settings) -> Platform:
    from ggzy.bootstrap import create_platform

    return create_platform(settings)


def _serve(platform: Platform, host: str, port: int) -> None:
    import uvicorn

    from ggzy.web.app import create_app  # imported late: the web layer is the heaviest part

    console.print(f"正在服务 / serving [bold]http://{host}:{port}/[/bold]（Ctrl+C 停止 / to stop）")
    uvicorn.run(create_app(platform, scheduler_interval=10.0), host=host, port=port)


# ---------------------------------------------------------------- commands


@db_app.command("upgrade")
def db_upgrade() -> None:
    """迁移数据库到最新版本 / migrate the database to the newest revision."""
    settings = load_settings()
    revision = _upgrade(settings)
    console.print(
        f"数据库已是最新版本 {revision} / database at revision {revision}: "
        f"{_display_url(settings.database_url)}"
    )


@app.command()
def serve(host: str = HOST_OPTION, port: int = PORT_OPTION) -> None:
    """迁移数据库并启动网站与接口 / migrate, then serve the site and the API."""
    settings = load_settings()
    _upgrade(settings)
    _serve(_platform(settings), host, port)


@app.command()
def demo(
    no_serve: bool = typer.Option(
        False, "--no-serve", help="只生成演示数据，不启动服务 / seed only, do not serve."
    ),
    host: str = HOST_OPTION,
    port: int = PORT_OPTION,
) -> None:
    """生成演示网络（武汉都市圈九个交易中心）并启动服务 / seed the demo network and serve it."""
    from ggzy.demo import seed_demo

    settings = load_settings()
    _upgrade(settings)
    platform = _platform(settings)
    summary = seed_demo(platform, console=console)
    _print_summary(summary, host, port, serving=not no_serve)
    if not no_serve:
        _serve(platform, host, port)


def _print_summary(summary: DemoSummary, host: str, port: int, *, serving: bool) -> None:
    if not summary.created:
        console.print("演示网络已存在，未做改动 / the demo network exists already: nothing changed")
    projects = Table(title="演示项目 / demo projects")
    projects.add_column("统一交易标识码 code", no_wrap=True)
    projects.add_column("中心", no_wrap=True)
    projects.add_column("阶段 stage")
    projects.add_column("项目 title", overflow="fold")
    for p in summary.projects:
        center = p.center_name.removesuffix("公共资源交易中心")
        projects.add_row(p.code, center, f"{p.stage_zh} {p.stage}", p.title)
    console.print(projects)
    accounts = Table(title=f"演示账号 / demo accounts — 密码 password: {summary.password}")
    for column in ("用户名 username", "角色 role", "单位 / 中心 affiliation"):
        accounts.add_column(column)
    for a in summary.accounts:
        accounts.add_row(a.username, a.role, a.affiliation)
    console.print(accounts)
    counts = "，".join(f"{stage} {n}" for stage, n in summary.stage_counts().items())
    console.print(
        f"{summary.centers} 个交易中心，{summary.entities} 个市场主体，{summary.events} 个事件；"
        f"项目 {counts} / {summary.centers} centers, {summary.entities} entities, "
        f"{summary.events} events"
    )
    url = f"http://{host}:{port}/"
    if serving:
        console.print(
            f"打开 / open [bold]{url}[/bold]，用以上任一账号和密码 {summary.password} 登录"
        )
    else:
        console.print(f"未启动服务（--no-serve）；运行 `ggzy serve` 后打开 {url} / not serving")


@ledger_app.command("verify")
def ledger_verify(
    public_key: str | None = typer.Option(
        None,
        "--public-key",
        help="节点公钥（base64，默认读取本节点密钥文件） / node public key, base64 "
        "(default: this node's key file).",
    ),
) -> None:
    """重算并校验整个证据账本 / recompute and check the whole evidence ledger."""
    from ggzy.db import make_engine
    from ggzy.ledger.signing import NodeKey
    from ggzy.ledger.verify import format_report, verify_log

    settings = load_settings()
    key = public_key
    if key is None and settings.node_key_path.exists():  # never create a key just to verify
        key = NodeKey.load_or_create(settings.node_key_path).public_b64()
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            report = verify_log(conn, key)
            conn.rollback()
    finally:
        engine.dispose()
    for line in format_report(report):
        console.print(line, markup=False)
    if not report.ok:
        raise typer.Exit(EXIT_PROBLEMS)


@projections_app.command("rebuild")
def projections_rebuild() -> None:
    """清空并由事件日志重建所有投影表 / empty every projection and replay the event log."""
    from ggzy.core.projections import rebuild

    settings = load_settings()
    platform = _platform(settings)
    with platform.engine.begin() as conn:
        count = rebuild(conn)
    platform.engine.dispose()
    console.print(f"投影已由 {count} 个事件重建 / projections rebuilt from {count} events")


# ---------------------------------------------------------------- entry point


def _fail(message: str) -> NoReturn:
    Console(stderr=True, highlight=False, soft_wrap=True).print(message, markup=False)
    sys.exit(EXIT_ERROR)


def _database_error(exc: Exception) -> str:
    try:
        url = _display_url(load_settings().database_url)
    except Exception:  # the settings themselves may be what is broken
        url = "?"
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = detail[0] if detail else type(exc).__name__
    return (
        f"错误：数据库不可用或尚未初始化（可运行 ggzy db upgrade） / error: the database is "
        f"unavailable or not migrated (try `ggzy db upgrade`): {url}: {first}"
    )


@bench_app.command("ledger")
def bench_ledger(
    events: int = typer.Option(20_000, help="事件数 / events to append."),
    batch: int = typer.Option(50, help="每个命令的事件数 / events per command."),
    proofs: int = typer.Option(200, help="抽样证明数 / proofs to sample."),
) -> None:
    """账本基准：存储子树哈希的证明 vs 全量重建 / stored-log proofs vs a rebuild, as JSON."""
    import json

    from ggzy.ledger.bench import run

    print(json.dumps(run(events=events, batch=batch, proofs=proofs), ensure_ascii=False, indent=2))


@docs_app.command("procedures")
def docs_procedures(
    out: str = typer.Option("docs/procedures", help="输出目录 / output directory."),
) -> None:
    """从交易方式声明生成文档 / write docs/procedures/<method>.md from the declarations."""
    from pathlib import Path

    import ggzy.procedures.declarations  # noqa: F401
    from ggzy.procedures.docs import render
    from ggzy.procedures.engine import PROCEDURES

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for proc in PROCEDURES.values():
        (folder / f"{proc.code}.md").write_text(render(proc), encoding="utf-8")
        console.print(f"{folder / (proc.code + '.md')}")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the `ggzy` command line, e.g. main(["ledger", "verify"])."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="ggzy")
    except DomainError as exc:
        _fail(f"错误：{exc.zh} / error: {exc.en}")
    except (DBAPIError, NoSuchModuleError, ArgumentError) as exc:
        _fail(_database_error(exc))


if __name__ == "__main__":
    main()
