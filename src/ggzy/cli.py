"""The `ggzy` command (命令行): serve, demo, db upgrade, ledger verify, projections rebuild.

    ggzy demo --no-serve       # migrate, seed the demo network, print its accounts, exit 0
    ggzy serve --port 8000     # migrate, then serve http://127.0.0.1:8000
    ggzy db upgrade            # migrate the database to the newest revision
    ggzy ledger verify         # recompute the evidence ledger; exit 1 naming the first bad event
    ggzy sign --text T --key K.pem --cert C.pem   # base64 detached CMS, e.g. to sign in

Settings come from the environment (GGZY_DATABASE_URL, GGZY_DATA_DIR, …; see ggzy.config).
A refused action (DomainError) or an unreachable database ends with one bilingual line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, cast

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
node_app = typer.Typer(help="节点互联 / peer nodes.", no_args_is_help=True)
app.add_typer(node_app, name="node")
experts_app = typer.Typer(help="评标专家 / experts.", no_args_is_help=True)
app.add_typer(experts_app, name="experts")
docs_app = typer.Typer(help="文档 / documentation.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
bench_app = typer.Typer(
    help="基准测试（JSON 输出） / benchmarks printing JSON.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")
bid_app = typer.Typer(
    help="投标文件包与加密封装 / bid packages and sealed envelopes (package, check, seal, …).",
    no_args_is_help=True,
)
app.add_typer(bid_app, name="bid")
export_app = typer.Typer(help="开放数据导出 / open data export (OCDS).", no_args_is_help=True)
import_app = typer.Typer(help="开放数据导入 / open data import (OCDS).", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")
evaluation_app = typer.Typer(help="评标计算 / bid evaluation (scoring).", no_args_is_help=True)
app.add_typer(evaluation_app, name="evaluation")

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
    uvicorn.run(  # no per-message deflate: the halls send one state to thousands (0005)
        create_app(platform, scheduler_interval=10.0),
        host=host,
        port=port,
        ws_per_message_deflate=False,
    )


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
        tenders = [p for p in summary.projects if p.method == "construction.open_tendering"]
        waiting = [p for p in tenders if p.stage == "bidding"][:1]
        opened = [p for p in tenders if p.stage == "awarded"][:1]  # sign-ins, 唱标, objection
        for p in waiting + opened:
            console.print(f"开标大厅 / opening hall（{p.stage_zh}）：{url}projects/{p.code}/hall")
        for p in [p for p in summary.projects if p.committee][:1]:
            where = f"{url}projects/{p.code}/evaluation"
            console.print(f"评标工作台 / evaluation workbench（staff.wuhan）：{where}")
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


# ---------------------------------------------------------------- nodes (互联)


@node_app.command("add-peer")
def node_add_peer(
    url: str = typer.Argument(..., help="对方节点地址 / the peer's base URL."),
    key_id: str | None = typer.Option(None, "--key-id", help="预期密钥标识 / expected key id."),
) -> None:
    """添加互联节点（读取其节点标识与公钥） / follow another node's feed."""
    from ggzy.exchange.peers import add_peer

    settings = load_settings()
    _upgrade(settings)
    peer = add_peer(_platform(settings), url, key_id)
    console.print(f"已添加 / added {peer['node_id']}（{peer['name']}）key {peer['key_id']}")


@node_app.command("pull")
def node_pull(
    node_id: str | None = typer.Argument(None, help="节点标识（默认全部） / one peer, or all."),
) -> None:
    """拉取并验证互联节点的事件订阅，见证其树头 / pull, verify and witness peers (JSON)."""
    import json

    from ggzy.exchange.peers import list_peers, pull

    settings = load_settings()
    _upgrade(settings)
    platform = _platform(settings)
    with platform.read() as conn:
        wanted = [node_id] if node_id else [p["node_id"] for p in list_peers(conn)]
    results = [pull(platform, n).as_json() for n in wanted]
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if any(r["refused"] for r in results):
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("conformance")
def conformance_check(
    url: str = typer.Argument(..., help="节点或第三方平台地址 / the node's base URL."),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON / print JSON."),
    ocds_schema: Path | None = typer.Option(
        None,
        "--ocds-schema",
        envvar="GGZY_OCDS_SCHEMA",
        help="OCDS 1.1.5 官方模式目录 / the official OCDS schema folder (else OCDS is skipped).",
    ),
) -> None:
    """互联互通一致性检查：身份、树头、订阅、证明、错误格式、OCDS / protocol checks."""
    import json

    from ggzy.exchange.conformance import conformance

    report = conformance(url, ocds_schema=ocds_schema)
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for c in report.checks:
            mark = "跳过 skip" if c.skipped else ("通过 ok  " if c.ok else "失败 FAIL")
            console.print(f"{mark} {c.name}: {c.detail}", markup=False)
    if not report.ok:
        raise typer.Exit(EXIT_PROBLEMS)


@experts_app.command("verify-draw")
def experts_verify_draw(
    draw_id: str = typer.Argument(..., help="抽取编号 / the draw's id."),
    url: str = typer.Option("http://127.0.0.1:8000", "--url", help="节点地址 / the node."),
) -> None:
    """由公开数据重算一次专家抽取 / recompute an expert draw from public data."""
    from ggzy.evaluation.draws import fetch_and_verify

    record, problems = fetch_and_verify(url, draw_id)
    for line in problems:
        console.print(f"失败 FAIL {line}", markup=False)
    if problems:
        raise typer.Exit(EXIT_PROBLEMS)
    drawn = record["drawn"]
    picked = sum(len(v) for v in drawn["selected"].values())
    state = "已解封 revealed" if record.get("revealed") else "密封中 sealed"
    console.print(
        f"通过 ok 抽取 {draw_id}：种子为树头 {drawn['seed']['tree_size']}，"
        f"{len(drawn['candidates'])} 名候选、{len(drawn['avoided'])} 名回避，"
        f"抽中 {picked} 名，{state} / the draw recomputes from public data",
        markup=False,
    )


@ledger_app.command("audit")
def ledger_audit(
    urls: list[str] = typer.Argument(..., help="节点地址 / node URLs."),
) -> None:
    """审计一组节点：树头签名、相互见证与一致性证明 / audit nodes' heads and cosignatures."""
    from ggzy.exchange.audit import audit

    report = audit(urls)
    for line in report.passed:
        console.print(f"通过 ok   {line}", markup=False)
    for line in report.failed:
        console.print(f"失败 FAIL {line}", markup=False)
    if not report.ok:
        raise typer.Exit(EXIT_PROBLEMS)


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


# ---------------------------------------------------------------- ggzy evaluation score


@evaluation_app.command("score")
def evaluation_score(
    case: Path = typer.Argument(..., help="评标案例 JSON / the case file (docs/scoring-cases.md)."),
) -> None:
    """按评标办法计算得分与排名，输出 JSON / score and rank a case's bids, print JSON."""
    import json

    from ggzy.evaluation.methods import evaluate_case, load_case

    text = _read_input(case, "评标案例", "case file")
    try:
        result = evaluate_case(load_case(text.decode("utf-8-sig")))
    except UnicodeDecodeError:
        _fail(f"错误：{case} 不是 UTF-8 文本 / error: {case} is not UTF-8 text")
    except DomainError as exc:
        _fail(f"错误：{exc.zh} / error: {exc.en}")
    print(json.dumps(result, ensure_ascii=False, indent=2))


# ------------------------------------------------------- open data (ggzy export|import ocds)


@export_app.command("ocds-store")
def export_ocds_store(
    store: Path = typer.Argument(
        ..., help="导入的 DuckDB 库 / the store `ggzy import ocds` filled."
    ),
    ocds_schema: Path = typer.Option(
        ...,
        "--ocds-schema",
        envvar="GGZY_OCDS_SCHEMA",
        help="OCDS 1.1.5 官方模式目录 / the official OCDS schema folder.",
    ),
    output: Path = typer.Option(..., "--output", "-o", help="输出文件 / output file."),
    report: Path | None = typer.Option(None, "--report", help="修复记录 JSON / repairs (JSON)."),
    uri: str = typer.Option("https://example.invalid/reexport.json", "--uri"),
) -> None:
    """把导入的 OCDS 数据清洗后重新导出为有效的发布包 / re-export imported OCDS data, valid."""
    import json

    from ggzy.open_data.reexport import repaired_package
    from ggzy.open_data.store import stored_releases

    if not store.exists():
        _fail(f"错误：找不到 {store} / error: {store} does not exist")
    if not (ocds_schema / "release-package-schema.json").exists():
        _fail(f"错误：{ocds_schema} 不是 OCDS 模式目录 / error: not an OCDS schema folder")
    releases = stored_releases(store)
    package, repairs, dropped = repaired_package(
        releases, ocds_schema, uri=uri, publisher="OpenGGZY"
    )
    output.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    if report is not None:
        body = {"repairs": repairs, "dropped": dropped}
        report.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(
        f"已导出 / exported {len(package['releases'])} 个发布 releases → {output}："
        f"修复 {len(repairs)} 处 repairs，舍弃 {len(dropped)} 个 dropped",
        markup=False,
    )


@export_app.command("ocds")
def export_ocds(
    output: Path | None = typer.Option(
        None, "--output", "-o", help="输出文件（默认标准输出） / output file (default stdout)."
    ),
    center: str | None = typer.Option(None, "--center", help="交易中心代码 / center code."),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help="发布日期不早于 YYYY-MM-DD / released on or after."
    ),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000",
        "--base-url",
        envvar="GGZY_PUBLIC_URL",
        help="本节点的公开地址（用于发布包中的链接） / this node's public URL, for the links.",
    ),
) -> None:
    """导出 OCDS 1.1 发布包（仅公开信息） / write an OCDS 1.1 release package (public data)."""
    import json
    from datetime import date
    from urllib.parse import urlencode

    from ggzy.open_data.ocds import RELEASES_ROUTE, build_releases, release_package
    from ggzy.registry.handlers import get_center

    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        _fail(f"错误：--since 须为 YYYY-MM-DD 日期：{since} / error: --since must be YYYY-MM-DD")
    base = base_url.rstrip("/")
    settings = load_settings()
    platform = _platform(settings)
    try:
        with platform.read() as conn:
            if center:
                get_center(conn, center)
            found = build_releases(
                conn, prefix=settings.ocid_prefix, base_url=base, center=center, since=day
            )
    finally:
        platform.engine.dispose()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if not found:
        err.print("没有符合条件的发布，未写出 / no release matches: nothing written", markup=False)
        return
    query = urlencode({k: v for k, v in (("center", center), ("since", since)) if v})
    uri = base + RELEASES_ROUTE + (f"?{query}" if query else "")
    package = release_package(found, uri=uri, publisher=settings.node_name, base_url=base)
    text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    projects = len({r.project for r in found})
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"错误：无法写入 {output} / error: cannot write {output}: {exc.strerror}")
    err.print(
        f"已导出 {projects} 个项目的 {len(found)} 个发布 / exported {len(found)} releases of "
        f"{projects} projects" + (f": {output}" if output else ""),
        markup=False,
    )


@import_app.command("ocds")
def import_ocds(
    files: list[Path] = typer.Argument(
        ...,
        metavar="FILE...",
        help="发布包、记录包、JSON Lines 或单个发布 / release or record packages, JSON lines, "
        "single releases.",
    ),
    store: Path | None = typer.Option(
        None,
        "--store",
        help="DuckDB 分析库（默认 GGZY_DATA_DIR/ocds.duckdb） / the DuckDB analytics store.",
    ),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出报告 / the report as JSON."),
) -> None:
    """把 OCDS 数据导入 DuckDB 分析库并报告问题 / load OCDS data into DuckDB, report problems."""
    import json

    import duckdb

    from ggzy.open_data.store import ISSUE_TEXT, import_files

    target = store or load_settings().data_dir / "ocds.duckdb"
    try:
        report = import_files(target, files)
    except duckdb.Error as exc:
        _fail(f"错误：无法写入分析库 {target} / error: cannot write the store {target}: {exc}")
    if as_json:
        print(json.dumps({"store": str(target), **report.to_dict()}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"导入 / imported into {target}")
    for column in ("发布者 publisher", "发布 seen", "导入 imported", "重复 duplicate"):
        table.add_column(column, justify="left" if "publisher" in column else "right")
    table.add_column("拒绝 rejected", justify="right")
    table.add_column("问题 issues", justify="right")
    for name, row in report.to_dict()["publishers"].items():
        table.add_row(
            name, *(str(row[k]) for k in ("seen", "imported", "duplicate", "rejected", "issues"))
        )
    table.add_row(
        "合计 total",
        str(report.seen),
        str(report.imported),
        str(report.duplicates),
        str(report.rejected),
        str(sum(report.issues.values())),
        style="bold",
    )
    console.print(table)
    issues = Table(title="问题 / issues by kind")
    issues.add_column("类型 kind")
    issues.add_column("次数 count", justify="right")
    issues.add_column("含义 meaning")
    for kind, count in report.to_dict()["issues"].items():
        issues.add_row(kind, str(count), ISSUE_TEXT.get(kind, ""))
    if report.issues:
        console.print(issues)


# ---------------------------------------------------------------- sealed bids (ggzy bid …)


def _bid_fail(exc: DomainError) -> NoReturn:
    _fail(f"错误（{exc.code}）：{exc.zh} / error ({exc.code}): {exc.en}")


def _read_input(path: Path, what_zh: str, what_en: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _fail(f"错误：无法读取{what_zh} {path} / error: cannot read the {what_en} {path}: {exc}")


def _bid_key(
    key: Path | None, passphrase: str | None, shares: list[Path], content_key: str | None = None
) -> Any:
    """The private key, the opening-key shares or the content key named on the command line."""
    from ggzy.pki.envelope import load_private_key
    from ggzy.pki.shamir import Share

    given = [
        name
        for name, v in (("--key", key), ("--share", shares), ("--content-key", content_key))
        if v
    ]
    if len(given) != 1:
        _fail(
            "错误：请给出 --key、--share 或 --content-key 之一 / error: give exactly one of "
            f"--key, --share or --content-key (got {', '.join(given) or 'none'})"
        )
    if key is not None:
        return load_private_key(_read_input(key, "私钥", "private key"), passphrase)
    if shares:
        return [Share.from_json(_read_input(p, "密钥分片", "share")) for p in shares]
    try:
        return bytes.fromhex(content_key or "")
    except ValueError:
        _fail("错误：--content-key 应为十六进制 / error: --content-key must be hex")


def _declared(items: list[str]) -> dict[str, Any]:
    declared: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _fail(
                f"错误：--declare 应为 KEY=VALUE / error: --declare wants KEY=VALUE, not {item!r}"
            )
        if name in declared:  # repeated keys collect a list, e.g. several hardware ids
            previous = declared[name]
            declared[name] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            declared[name] = value
    return declared


def _atomic_output(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.with_name(f".{out.name}.part")


@bid_app.command("seal")
def bid_seal(
    file: Path = typer.Argument(..., help="投标文件 / the bid file to seal."),
    to: list[Path] = typer.Option(
        [], "--to", help="接收方证书或公钥 PEM/DER（可重复） / recipient certificate or public key."
    ),
    opening_key: Path | None = typer.Option(
        None, "--opening-key", help="交易中心开标公钥（门限拆分） / the center's opening key."
    ),
    project: str = typer.Option(..., "--project", help="项目编号 / project code."),
    bidder: str = typer.Option(..., "--bidder", help="投标人统一社会信用代码 / bidder code."),
    cipher: str = typer.Option(
        "auto", "--cipher", help="auto|aes|sm4（auto：SM2 证书用 SM4） / content cipher."
    ),
    declare: list[str] = typer.Option(
        [], "--declare", help="申报信息 KEY=VALUE，如 tool_machine_code=… / declared metadata."
    ),
    chunk_size: int = typer.Option(1 << 20, "--chunk-size", help="分块字节数 / chunk size."),
    out: Path = typer.Option(..., "-o", "--out", help="输出 .ggzyenv 文件 / output envelope."),
) -> None:
    """投标方本地加密投标文件 / seal a bid file to the given certificates (bidder side)."""
    from ggzy.pki.envelope import Recipient, seal_stream

    try:
        recipients = [Recipient.load(_read_input(p, "证书", "certificate")) for p in to]
        if opening_key is not None:
            data = _read_input(opening_key, "开标公钥", "opening key")
            recipients.append(Recipient.load(data, opening=True))
        part = _atomic_output(out)
        try:
            with file.open("rb") as src, part.open("wb") as dst:
                result = seal_stream(
                    src,
                    dst,
                    recipients=recipients,
                    meta={"project": project, "bidder": bidder, "declared": _declared(declare)},
                    cipher=cipher,
                    chunk_size=chunk_size,
                )
            part.replace(out)
        finally:
            part.unlink(missing_ok=True)
    except DomainError as exc:
        _bid_fail(exc)
    except OSError as exc:
        _fail(f"错误：{exc} / error: {exc}")
    console.print(
        f"已密封 / sealed: {out}（{result.header.cipher}，{len(recipients)} 个接收方 recipients，"
        f"{result.plaintext_length} 字节 bytes，{result.records} 块 records，"
        f"密封文件 envelope {result.envelope_length} 字节 bytes）",
        markup=False,
    )


@bid_app.command("unseal")
def bid_unseal(
    envelope: Path = typer.Argument(..., help="密封投标文件 / the sealed envelope."),
    key: Path | None = typer.Option(None, "--key", help="接收方私钥 / recipient private key."),
    passphrase: str | None = typer.Option(
        None, "--passphrase", envvar="GGZY_KEY_PASSPHRASE", help="私钥口令 / key passphrase."
    ),
    share: list[Path] = typer.Option(
        [], "--share", help="开标密钥分片（k 份） / opening-key shares (k of them)."
    ),
    content_key: str | None = typer.Option(
        None, "--content-key", help="投标人提交的内容密钥 hex / the submitted content key."
    ),
    out: Path = typer.Option(..., "-o", "--out", help="解密后的文件 / the decrypted file."),
) -> None:
    """解密投标文件并逐块认证 / decrypt an envelope, authenticating every record."""
    from ggzy.pki.envelope import read_header, unseal_stream, unwrap_content_key

    try:
        secret = _bid_key(key, passphrase, share, content_key)
        part = _atomic_output(out)
        try:
            with envelope.open("rb") as src:
                ckey = secret if content_key else unwrap_content_key(read_header(src), secret)
                src.seek(0)
                with part.open("wb") as dst:
                    result = unseal_stream(src, dst, ckey)
            part.replace(out)
        finally:
            part.unlink(missing_ok=True)
    except DomainError as exc:
        _bid_fail(exc)
    except OSError as exc:
        _fail(f"错误：{exc} / error: {exc}")
    checked = (
        f"，声明的明文 SHA-256 一致 / declared plaintext SHA-256 matches: {result.plaintext_sha256}"
        if result.plaintext_sha256
        else ""
    )
    console.print(
        f"已解密 / unsealed: {out}（{result.plaintext_length} 字节 bytes，"
        f"{result.records} 块均通过认证 records authenticated）{checked}",
        markup=False,
    )


@bid_app.command("inspect")
def bid_inspect(envelope: Path = typer.Argument(..., help="密封投标文件 / the envelope.")) -> None:
    """显示头部与结尾（无需密钥）并检查结构 / print the header as JSON and check the framing."""
    import json

    from ggzy.pki.envelope import inspect_stream

    try:
        with envelope.open("rb") as src:
            info = inspect_stream(src)
    except DomainError as exc:
        _bid_fail(exc)
    except OSError as exc:
        _fail(f"错误：{exc} / error: {exc}")
    print(json.dumps(info.to_dict(), ensure_ascii=False, indent=2))


@bid_app.command("unwrap")
def bid_unwrap(
    envelope: Path = typer.Argument(..., help="密封投标文件 / the envelope."),
    key: Path | None = typer.Option(None, "--key", help="接收方私钥 / recipient private key."),
    passphrase: str | None = typer.Option(
        None, "--passphrase", envvar="GGZY_KEY_PASSPHRASE", help="私钥口令 / key passphrase."
    ),
    share: list[Path] = typer.Option([], "--share", help="开标密钥分片 / opening-key shares."),
) -> None:
    """解开内容密钥（开标时投标人提交） / print the content key hex the bidder submits."""
    from ggzy.pki.envelope import read_header, unwrap_content_key

    try:
        secret = _bid_key(key, passphrase, share)
        with envelope.open("rb") as src:
            print(unwrap_content_key(read_header(src), secret).hex())
    except DomainError as exc:
        _bid_fail(exc)
    except OSError as exc:
        _fail(f"错误：{exc} / error: {exc}")


@bid_app.command("opening-key")
def bid_opening_key(
    threshold: int = typer.Option(3, "-k", "--threshold", help="恢复所需份数 / shares needed."),
    officers: int = typer.Option(5, "-n", "--officers", help="分片总数 / shares made."),
    out_dir: Path = typer.Option(..., "--out-dir", help="输出目录 / output directory."),
    label: str = typer.Option("", "--label", help="说明 / label, e.g. the center."),
) -> None:
    """生成交易中心开标密钥并拆分为 k/n 份 / make a center opening key split k of n."""
    from ggzy.pki.envelope import generate_opening_key

    if not 2 <= threshold <= officers <= 255:
        _fail("错误：需要 2 ≤ k ≤ n ≤ 255 / error: need 2 <= k <= n <= 255")
    opening = generate_opening_key(threshold, officers, label=label)
    out_dir.mkdir(parents=True, exist_ok=True)
    public = out_dir / "opening-key.pub.pem"
    public.write_bytes(opening.public_pem)
    console.print(f"开标公钥 / opening public key: {public}", markup=False)
    for share in opening.shares:
        path = out_dir / f"share-{share.index}-of-{share.count}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(share.to_json())
        console.print(f"分片 / share {share.index}: {path}", markup=False)
    console.print(
        f"任意 {threshold} 份可恢复私钥，请分别交给不同的开标人员 / any {threshold} shares "
        "rebuild the private key: give each to a different officer",
        markup=False,
    )


@bid_app.command("package")
def bid_package(
    project: str = typer.Option(..., "--project", help="统一交易标识码或标段编号 / project code."),
    bidder: str = typer.Option(..., "--bidder", help="投标人统一社会信用代码 / bidder code."),
    name: str = typer.Option(..., "--name", help="投标人名称 / bidder name."),
    price: str = typer.Option(..., "--price", help="投标报价（元），如 12345678.90 / in yuan."),
    duration: int = typer.Option(..., "--duration", help="工期（天） / duration in days."),
    quality: str = typer.Option(..., "--quality", help="质量标准 / quality commitment."),
    sign_key: Path = typer.Option(..., "--sign-key", help="签名私钥 PEM/DER / signing key."),
    sign_cert: Path = typer.Option(..., "--sign-cert", help="签名证书 / signing certificate."),
    passphrase: str | None = typer.Option(
        None, "--passphrase", envvar="GGZY_KEY_PASSPHRASE", help="私钥口令 / key passphrase."
    ),
    attach: list[Path] = typer.Option([], "--attach", help="附件（可重复） / attachment file."),
    declare: list[str] = typer.Option(
        [], "--declare", help="申报信息 KEY=VALUE，如 tool=… / declared metadata."
    ),
    out: Path = typer.Option(..., "-o", "--out", help="输出投标文件包 .zip / output package."),
) -> None:
    """生成并签名投标文件包（投标函 bid.json + 附件） / build and sign a bid package (ZIP)."""
    from datetime import UTC, datetime

    from ggzy.bidding.package import write_bid_package
    from ggzy.core.money import format_yuan, parse_yuan

    try:
        fen = parse_yuan(price)
        key = _read_input(sign_key, "签名私钥", "signing key")
        cert = _read_input(sign_cert, "签名证书", "signing certificate")
        for path in attach:
            if not path.is_file():
                _fail(f"错误：附件不存在 {path} / error: no such attachment file {path}")
        part = _atomic_output(out)
        try:
            with part.open("wb") as dst:
                result = write_bid_package(
                    dst,
                    project=project,
                    bidder=bidder,
                    bidder_name=name,
                    price=fen,
                    duration_days=duration,
                    quality=quality,
                    attachments=[(path.name, path) for path in attach],
                    signing_key=key,
                    signing_certificate_der=cert,
                    declared=_declared(declare),
                    created_at=datetime.now(UTC),
                    passphrase=passphrase,
                )
            part.replace(out)
        finally:
            part.unlink(missing_ok=True)
    except DomainError as exc:
        _bid_fail(exc)
    except OSError as exc:
        _fail(f"错误：{exc} / error: {exc}")
    names = "、".join(a["name"] for a in result.attachments) or "无 / none"
    console.print(
        f"已生成投标文件包 / bid package: {out}\n"
        f"报价 / price: ¥{format_yuan(result.price)}（{result.letter['price_capitals']}）\n"
        f"附件 / attachments ({len(result.attachments)}): {names}\n"
        f"签名 / signature: {result.signature.algorithm}, {result.signature.credit_code}\n"
        f"投标函 SHA-256 / bid.json SHA-256: {result.bid_json_sha256}",
        markup=False,
    )


@bid_app.command("check")
def bid_check(
    package: Path = typer.Argument(..., help="投标文件包 .zip / the bid package."),
) -> None:
    """核验投标文件包并输出 JSON（签名不通过退出码 1） / check a bid package, print JSON."""
    import json

    from ggzy.bidding.package import read_bid_package

    try:
        result = read_bid_package(package)
    except DomainError as exc:
        _bid_fail(exc)
    except OSError as exc:
        _fail(f"错误：{exc} / error: {exc}")
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    if not result.signed_by_bidder:
        signature = result.signature
        reason = (
            signature.reason
            if not signature.ok
            else f"the signer's credit code {signature.credit_code} is not the bidder's"
        )
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"签名未通过核验 / the signature does not verify: {reason}", markup=False
        )
        raise typer.Exit(EXIT_PROBLEMS)


# ---------------------------------------------------------------- bench crypto


def _openssl_speed(openssl: str | None, args: list[str], seconds: float) -> tuple[list[str], str]:
    """Machine-readable `openssl speed` lines (+F…) and an error text ("" if it ran)."""
    import subprocess

    if openssl is None:
        return [], "openssl not found on PATH"
    cmd = [openssl, "speed", "-mr", "-seconds", str(max(1, round(seconds))), *args]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"{' '.join(cmd)}: {exc}"
    lines = [line for line in run.stdout.splitlines() if line.startswith("+F")]
    if run.returncode != 0 or not lines:
        tail = (run.stderr.strip().splitlines() or ["no output"])[0]
        return lines, f"{' '.join(cmd[1:])}: {tail}"
    return lines, ""


def _openssl_cipher(openssl: str | None, names: list[str], seconds: float) -> dict[str, Any]:
    """The first of names `openssl speed -evp` knows: MB/s (10^6 bytes) on 1 MiB buffers."""
    errors = []
    for name in names:
        lines, error = _openssl_speed(openssl, ["-evp", name, "-bytes", "1048576"], seconds)
        if error:
            errors.append(error)
            continue
        value = float(lines[-1].split(":")[-1])
        return {"cipher": name, "mb_s": round(value / 1e6, 1), "unavailable": errors}
    return {"cipher": None, "mb_s": None, "unavailable": errors}


def _openssl_signatures(openssl: str | None, seconds: float) -> dict[str, Any]:
    """Signs and verifies per second for rsa2048, ecdsap256 and sm2, or why not."""
    found: dict[str, Any] = {}
    lines, error = _openssl_speed(openssl, ["rsa2048", "ecdsap256"], seconds)
    for line in lines:
        parts = line.split(":")
        rate = {"sign_per_s": float(parts[-2]), "verify_per_s": float(parts[-1])}
        if parts[0] == "+F2" and parts[2] == "2048":
            found["RSA-2048"] = rate
        elif parts[0] == "+F4" and parts[2] == "256":
            found["ECDSA-P256"] = rate
    if error:
        found["error"] = error
    lines, error = _openssl_speed(openssl, ["sm2"], seconds)
    for line in lines:
        if "SM2" in line:
            parts = line.split(":")
            found["SM2"] = {"sign_per_s": float(parts[-2]), "verify_per_s": float(parts[-1])}
    if "SM2" not in found:
        found["SM2_error"] = error or "no SM2 line in the output"
    return found


def _rate(fn: Any, seconds: float) -> float:
    """Calls per second of fn() over about `seconds`."""
    import time

    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(8):
            fn()
        count += 8
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 3) if ours and theirs else None


_RSS_SCRIPT = r"""
import io, json, os, resource, sys
from cryptography.hazmat.primitives.asymmetric import ec
from ggzy.pki import envelope as E

class Source(io.RawIOBase):
    def __init__(self, n):
        self.left = n
        self.block = os.urandom(1 << 16)
    def readable(self):
        return True
    def readinto(self, b):
        n = min(len(b), self.left, len(self.block))
        b[:n] = self.block[:n]
        self.left -= n
        return n

class Sink(io.RawIOBase):
    def writable(self):
        return True
    def write(self, b):
        return len(b)

def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])

size = int(sys.argv[1])
recipients = [E.Recipient.from_public_key(ec.generate_private_key(ec.SECP256R1()).public_key())]
try:
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak (VmHWM) to the current RSS
    method = "VmHWM - VmRSS"
except OSError:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    method = "ru_maxrss"
E.seal_stream(Source(size), Sink(), recipients=recipients, meta={"project": "P", "bidder": "B"})
if method == "ru_maxrss":
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
else:
    peak = status("VmHWM")
print(json.dumps({"delta_kib": peak - before, "method": method}))
"""


def _rss_delta(mb: int) -> dict[str, Any]:
    import json
    import subprocess

    run = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, str(mb * 1_000_000)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if run.returncode != 0:
        return {"error": (run.stderr.strip().splitlines() or ["failed"])[-1]}
    data = json.loads(run.stdout)
    return {"rss_delta_mb": round(data["delta_kib"] / 1024, 2), "method": data["method"]}


class _Discard(io.RawIOBase):
    """A sink that drops what it is given (the benchmark's /dev/null, as in openssl speed)."""

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        return len(b)


def _best_mb_s(size: int, repeats: int, run: Any, output: Path | None = None) -> float:
    """The best of `repeats` runs of run(), as MB/s (10^6 bytes) of `size` bytes.

    output, if given, is deleted before each run and outside the timing: truncating a file
    that is still in the page cache costs as much as writing it again.
    """
    import time

    best = 0.0
    for _ in range(repeats):
        if output is not None:
            output.unlink(missing_ok=True)
        start = time.perf_counter()
        run()
        best = max(best, size / 1e6 / (time.perf_counter() - start))
    return round(best, 1)


def _bench_envelope(folder: Path, size_mb: int, repeats: int) -> dict[str, Any]:
    """Seal and unseal MB/s of a size_mb file, best of `repeats`, per cipher.

    In memory (the file in RAM, the output dropped: what openssl speed measures) and file to
    file, beside a plain copy of the same file on the same disk (the I/O floor).
    """
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from ggzy.pki.envelope import (
        AES_256_GCM,
        SM4_GCM,
        Recipient,
        read_header,
        seal_stream,
        unseal_stream,
        unwrap_content_key,
    )

    size = size_mb * 1_000_000
    data = os.urandom(size)
    plain, sealed, back = folder / "bid.bin", folder / "bid.ggzyenv", folder / "bid.out"
    opened = folder / "opened.ggzyenv"  # the one envelope unsealed; `sealed` is rewritten
    plain.write_bytes(data)
    discard = cast(BinaryIO, _Discard())
    key = ec.generate_private_key(ec.SECP256R1())
    recipients = [Recipient.from_public_key(key.public_key())]
    meta = {"project": "P", "bidder": "B"}

    def copy() -> None:
        buffer = memoryview(bytearray(1 << 20))
        with plain.open("rb", buffering=0) as src, back.open("wb", buffering=0) as dst:
            while n := src.readinto(buffer):
                dst.write(buffer[:n])

    result: dict[str, Any] = {"plain_copy_mb_s": _best_mb_s(size, repeats, copy, back)}
    aes = AESGCM(os.urandom(32))
    chunk = memoryview(data)[: 1 << 20]
    out = memoryview(bytearray((1 << 20) + 16))
    nonce = os.urandom(12)
    result["library_aes_gcm_mb_s"] = _best_mb_s(
        len(chunk) * 64,
        repeats,
        lambda: [aes.encrypt_into(nonce, chunk, b"", out) for _ in range(64)],
    )
    for cipher in (AES_256_GCM, SM4_GCM):
        runs = repeats if cipher == AES_256_GCM else min(repeats, 2)
        envelope = io.BytesIO()
        seal_stream(io.BytesIO(data), envelope, recipients=recipients, meta=meta, cipher=cipher)
        blob = envelope.getvalue()
        opened.write_bytes(blob)
        content_key = unwrap_content_key(read_header(io.BytesIO(blob)), key)

        def seal_memory(cipher: str = cipher) -> None:
            seal_stream(io.BytesIO(data), discard, recipients=recipients, meta=meta, cipher=cipher)

        def seal_file(cipher: str = cipher) -> None:
            with plain.open("rb") as src, sealed.open("wb") as dst:
                seal_stream(src, dst, recipients=recipients, meta=meta, cipher=cipher)

        def unseal_memory(content_key: bytes = content_key, blob: bytes = blob) -> None:
            unseal_stream(io.BytesIO(blob), discard, content_key)

        def unseal_file(content_key: bytes = content_key) -> None:
            with opened.open("rb") as src, back.open("wb") as dst:
                unseal_stream(src, dst, content_key)

        result[cipher] = {
            "seal_mb_s": _best_mb_s(size, runs, seal_memory),
            "unseal_mb_s": _best_mb_s(size, runs, unseal_memory),
            "file_seal_mb_s": _best_mb_s(size, runs, seal_file, sealed),
            "file_unseal_mb_s": _best_mb_s(size, runs, unseal_file, back),
        }
    return result


def _bench_signatures(seconds: float) -> dict[str, dict[str, Any]]:
    """Our raw and CMS signs/verifies per second for RSA-2048 PSS, ECDSA P-256 and SM2."""
    from datetime import UTC, datetime
    from functools import partial

    from ggzy.pki.signatures import raw_sign, raw_verify, sign_detached, verify_detached
    from ggzy.pki.testca import TestCA

    document = os.urandom(1024)
    message = os.urandom(32)
    result: dict[str, dict[str, Any]] = {}
    for name, algorithm in (("RSA-2048", "rsa"), ("ECDSA-P256", "ecdsa"), ("SM2", "sm2")):
        try:
            ca = TestCA.create(f"bench {algorithm}", algorithm=algorithm, now=datetime.now(UTC))
            issued = ca.issue("基准测试有限公司", None)
        except Exception as exc:  # SM2 needs tongsuopy: say so rather than fail the run
            result[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        key, cert = issued.key, issued.der
        signature = raw_sign(key, message)
        blob = sign_detached(document, key, cert)
        assert raw_verify(key.public_key(), message, signature)
        assert verify_detached(document, blob).ok
        public = key.public_key()
        result[name] = {
            "sign_per_s": round(_rate(partial(raw_sign, key, message), seconds), 1),
            "verify_per_s": round(
                _rate(partial(raw_verify, public, message, signature), seconds), 1
            ),
            "cms_sign_per_s": round(
                _rate(partial(sign_detached, document, key, cert), seconds / 2), 1
            ),
            "cms_verify_per_s": round(
                _rate(partial(verify_detached, document, blob), seconds / 2), 1
            ),
        }
    return result


@bench_app.command("upload")
def bench_upload(
    uploads: int = typer.Option(1000, "--uploads", help="上传数 / number of uploads."),
    size_mb: int = typer.Option(20, "--size-mb", help="每个文件 MB / MB per file."),
    chunk_mb: int = typer.Option(4, "--chunk-mb", help="每块 MB / MB per chunk."),
    concurrency: int = typer.Option(1000, "--concurrency", help="同时上传数 / at once."),
) -> None:
    """断点续传基准：并发上传、全部完成、服务器内存峰值、与 dd 对比 / upload bench (JSON)."""
    import json

    from ggzy.bidding.bench_upload import run

    report = run(uploads, size_mb, chunk_mb, concurrency)
    print(json.dumps(report, ensure_ascii=False, indent=2))


@bench_app.command("opening")
def bench_opening(
    bids: int = typer.Option(500, "--bids", help="投标数 / number of bids."),
    size_mb: int = typer.Option(20, "--size-mb", help="每份投标文件 MB / MB per bid."),
) -> None:
    """开标基准：N 份密封投标的远程解密、验签、唱标，与 openssl speed 对比 / opening (JSON)."""
    import json

    from ggzy.bidding.bench_opening import openssl_baseline, run

    report = run(bids, size_mb)
    base = openssl_baseline(bids, size_mb)
    pure = base["pure_cipher_seconds"]
    report |= base
    report["ratio_to_pure_cipher"] = round(report["opening_seconds"] / pure, 1) if pure else None
    report["note"] = (
        "opening_seconds: from the platform's opening to the last bid read out, through the "
        "engine (unseal and authenticate every record, read and verify the package and its "
        "signature, check the certificate, store the package, keep its metadata); "
        "pure_cipher_seconds: the same bytes at openssl speed's AES-256-GCM rate"
    )
    print(json.dumps(report, ensure_ascii=False, indent=2))


@bench_app.command("hall")
def bench_hall(
    watchers: int = typer.Option(2000, "--watchers", help="观看连接数 / WebSocket watchers."),
    events: int = typer.Option(20, "--events", help="事件数（每秒一个） / events, one a second."),
    processes: int = typer.Option(2, "--client-processes", help="客户端进程数 / client processes."),
) -> None:
    """开标大厅直播扇出基准：事件到每个观看者的延迟，与裸 websockets 广播对比 / hall fan-out."""
    import json

    from ggzy.bidding.bench_hall import run

    print(json.dumps(run(watchers, events, processes), ensure_ascii=False, indent=2))


@bench_app.command("crypto")
def bench_crypto(
    size_mb: int = typer.Option(20, "--size-mb", help="吞吐测试文件大小 MB / file size, MB."),
    big_mb: int = typer.Option(
        200, "--big-mb", help="内存测试大文件 MB，至少 10 倍 / memory test size, ≥ 10× size."
    ),
    repeats: int = typer.Option(5, "--repeats", help="取最好的一次 / best of N runs."),
    openssl_seconds: float = typer.Option(2, "--openssl-seconds", help="openssl speed -seconds."),
    sign_seconds: float = typer.Option(1, "--sign-seconds", help="每项签名测试秒数 / per test."),
) -> None:
    """密码学基准：封装吞吐、内存、签名速度，与同机 openssl speed 对比 / crypto bench (JSON)."""
    import json
    import platform
    import shutil
    import tempfile
    import time

    from cryptography.hazmat.backends.openssl import backend

    started = time.perf_counter()
    openssl = shutil.which("openssl")
    version = None
    if openssl:
        import subprocess

        version = subprocess.run(
            [openssl, "version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-crypto-") as tmp:
        ours = _bench_envelope(Path(tmp), size_mb, repeats)
    baselines = {
        "AES-256-GCM": _openssl_cipher(openssl, ["aes-256-gcm"], openssl_seconds),
        "SM4-GCM": _openssl_cipher(openssl, ["sm4-gcm", "sm4-ctr", "sm4-cbc"], openssl_seconds),
    }
    copy_mb_s = ours["plain_copy_mb_s"]
    ciphers: dict[str, Any] = {}
    for cipher in baselines:
        figures = ours[cipher]
        base = baselines[cipher]
        entry: dict[str, Any] = {
            **figures,
            "openssl_baseline": base["cipher"],
            "openssl_mb_s": base["mb_s"],
            "seal_ratio": _ratio(figures["seal_mb_s"], base["mb_s"]),
            "unseal_ratio": _ratio(figures["unseal_mb_s"], base["mb_s"]),
            "file_seal_ratio_to_copy": _ratio(figures["file_seal_mb_s"], copy_mb_s),
            "file_unseal_ratio_to_copy": _ratio(figures["file_unseal_mb_s"], copy_mb_s),
        }
        if cipher == "AES-256-GCM":
            library = ours["library_aes_gcm_mb_s"]
            entry["library_mb_s"] = library
            entry["seal_ratio_to_library"] = _ratio(figures["seal_mb_s"], library)
            entry["unseal_ratio_to_library"] = _ratio(figures["unseal_mb_s"], library)
        if base["unavailable"]:
            entry["openssl_unavailable"] = base["unavailable"]
        if base["cipher"] and base["cipher"] != cipher.lower():
            entry["baseline_note"] = (
                f"this openssl has no {cipher}; {base['cipher'].upper()} is the same SM4 block "
                "cipher without GHASH, so the baseline is a little faster than SM4-GCM"
            )
        ciphers[cipher] = entry
    ciphers["plain_copy_mb_s"] = copy_mb_s
    ciphers["note"] = (
        "seal_mb_s/unseal_mb_s: the whole envelope (key wrapping, framing, AEAD) with the file "
        "in memory and the output dropped, as openssl speed measures; ratio: ours / openssl "
        "speed of the same cipher (the openssl CLI's library may be older than the one in the "
        "cryptography wheel, so library_mb_s, the bare AESGCM.encrypt_into on 1 MiB, is shown "
        "too). file_*: file to file on the benchmark's temporary disk, next to a plain copy of "
        "the same file there (plain_copy_mb_s), the I/O floor no sealing can beat"
    )
    small, big = _rss_delta(size_mb), _rss_delta(max(big_mb, size_mb * 10))
    memory: dict[str, Any] = {
        f"seal_{size_mb}mb": small,
        f"seal_{max(big_mb, size_mb * 10)}mb": big,
    }
    deltas = (small.get("rss_delta_mb"), big.get("rss_delta_mb"))
    memory["flat"] = bool(None not in deltas and abs((deltas[1] or 0) - (deltas[0] or 0)) < 8)
    theirs = _openssl_signatures(openssl, openssl_seconds)
    signatures: dict[str, Any] = {}
    for name, figures in _bench_signatures(sign_seconds).items():
        found = theirs.get(name)
        rates: dict[str, Any] | None = found if isinstance(found, dict) else None
        entry = dict(figures)
        if rates:
            entry["openssl_sign_per_s"] = round(rates["sign_per_s"], 1)
            entry["openssl_verify_per_s"] = round(rates["verify_per_s"], 1)
            entry["sign_ratio"] = _ratio(figures.get("sign_per_s"), rates["sign_per_s"])
            entry["verify_ratio"] = _ratio(figures.get("verify_per_s"), rates["verify_per_s"])
        else:
            entry["openssl_error"] = theirs.get(f"{name}_error") or theirs.get("error")
        signatures[name] = entry
    signatures["note"] = (
        "sign/verify_per_s: the bare signature through ggzy.pki.signatures.raw_sign/raw_verify "
        "(RSA-PSS/SHA-256, ECDSA/SHA-256, SM2/SM3 with Z_A); cms_*: a whole detached CMS "
        "signature over 1 KiB. openssl speed rsa2048 signs PKCS#1 v1.5 (same modular "
        "exponentiation)."
    )
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "openssl_cli": version,
            "cryptography_openssl": backend.openssl_version_text(),
        },
        "file_mb": size_mb,
        "ciphers": ciphers,
        "memory": memory,
        "signatures": signatures,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------- ggzy sign


@app.command("sign")
def sign(
    target: str = typer.Argument(
        ...,
        metavar="FILE_OR_TEXT",
        help="待签文件，或 --text 时的文本 / file, or text with --text.",
    ),
    key: Path = typer.Option(..., "--key", help="签名私钥 PEM / signing private key."),
    cert: Path = typer.Option(..., "--cert", help="签名证书 PEM / signing certificate."),
    passphrase: str | None = typer.Option(
        None, "--passphrase", envvar="GGZY_KEY_PASSPHRASE", help="私钥口令 / key passphrase."
    ),
    text: bool = typer.Option(
        False, "--text", help="签名给出的文本（UTF-8） / sign the given text (UTF-8)."
    ),
) -> None:
    """分离式 CMS 签名，Base64 输出 / print a base64 detached CMS signature (e.g. sign-in)."""
    import base64

    from ggzy.pki.envelope import load_private_key
    from ggzy.pki.signatures import sign_detached

    data = target.encode("utf-8") if text else _read_input(Path(target), "文件", "file")
    try:
        private_key = load_private_key(_read_input(key, "私钥", "private key"), passphrase)
        blob = sign_detached(data, private_key, _read_input(cert, "证书", "certificate"))
    except DomainError as exc:
        _bid_fail(exc)
    except ValueError as exc:
        _fail(f"错误：无法签名 / error: cannot sign: {exc}")
    print(base64.b64encode(blob).decode("ascii"))


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
