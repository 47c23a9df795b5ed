"""Verify the whole evidence ledger against the event log (账本校验), e.g. for `ggzy ledger verify`.

    with platform.read() as conn:
        report = verify_log(conn, platform.node_key.public_b64())
    for line in format_report(report):
        print(line)

One pass over the events in sequence order, read in batches of leaf ranges: every event's
canonical bytes are hashed again, compared with the stored leaf hash, folded into the stored
complete-subtree hashes (which are compared too) and into a running root (IncrementalRoot, so
memory is O(batch + log n)). Signed tree heads are read in the same order and checked the moment
the pass reaches their size: their stored columns against their signed body, their root against
the recomputed root, their Ed25519 signature against the node's public key.

Problems are reported in the order they are found, each naming the event sequence number it
concerns. One cause is reported once: a subtree hash that differs only because a leaf below it
was already reported is not repeated, and a run of consecutive tree heads that disagree with the
recomputation (every head after one altered event does) is one problem naming the first event of
the range since the previous good head.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, func, or_, select

from ggzy.core.events import RecordedEvent
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.ledger.merkle import IncrementalRoot, leaf_hash, perfect_nodes_to_store
from ggzy.ledger.signing import tree_head_body, verify_signature
from ggzy.ledger.tables import ledger_nodes, ledger_state, tree_heads

__all__ = ["Problem", "VerifyReport", "format_report", "verify_log"]

DEFAULT_BATCH = 2000
DEFAULT_MAX_PROBLEMS = 1000

# kinds of problem, in the words of the report
MISSING_EVENT = "missing-event"  # a gap in 1..N, or the ledger/heads claim more leaves
ALTERED_EVENT = "altered-event"  # recomputed leaf hash != stored level-0 hash
UNREADABLE_EVENT = "unreadable-event"  # payload/documents are not JSON any more
MISSING_NODE = "missing-node"  # a complete subtree hash that must be stored is not
NODE_MISMATCH = "node-mismatch"  # stored subtree hash != recomputed
HEAD_ROOT_MISMATCH = "head-root-mismatch"  # signed root != recomputed root at its size
HEAD_ALTERED = "head-altered"  # stored head columns disagree with the body it signs
HEAD_SIGNATURE_INVALID = "head-signature-invalid"  # Ed25519 signature does not verify
SIZE_MISMATCH = "size-mismatch"  # ledger_state.size disagrees with the events


@dataclass(frozen=True)
class Problem:
    """One finding: the event sequence it concerns (None if none), a kind and bilingual text."""

    seq: int | None
    kind: str
    zh: str
    en: str
    tree_size: int | None = None  # for problems of a signed tree head: its size

    def line(self) -> str:
        """One-line bilingual message."""
        where = f"#{self.seq} " if self.seq is not None else ""
        return f"✘ [{self.kind}] {where}{self.zh} / {self.en}"


@dataclass
class VerifyReport:
    """Outcome of verify_log: counts, and every problem in order of discovery."""

    events: int = 0  # events read
    heads: int = 0  # signed tree heads checked
    size: int = 0  # leaves the log claims (max of ledger_state, heads, events, leaf hashes)
    root_hash: bytes | None = None  # recomputed root at `size` (None if it cannot be computed)
    signatures_checked: bool = False
    problems: list[Problem] = field(default_factory=list)
    omitted: int = 0  # problems beyond max_problems, counted but not kept

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems and not self.omitted

    @property
    def first_problem(self) -> Problem | None:
        """The first problem found, in sequence order."""
        return self.problems[0] if self.problems else None


class _Checker:
    """State of the single pass."""

    def __init__(self, public_key_b64: str | None, max_problems: int) -> None:
        self.key = public_key_b64
        self.max_problems = max_problems
        self.report = VerifyReport(signatures_checked=public_key_b64 is not None)
        self.acc = IncrementalRoot()
        self.frontier: dict[int, tuple[int, bytes]] = {}  # level -> (idx, hash), last complete
        self.computable = True  # False once a leaf is unknown: no roots or subtrees after it
        self.reported_leaves: list[int] = []  # leaf indices already reported (sorted)
        self.prev_good_size = 0
        self.bad_run: dict[str, int] | None = None  # run of heads disagreeing with the log
        self.sig_run: dict[str, int] | None = None  # run of heads with invalid signatures
        self.missing_run: dict[str, int] | None = None  # run of missing events

    # -- problems ---------------------------------------------------------------------------

    def add(self, problem: Problem) -> int:
        """Record a problem; returns its index in the list (or -1 if only counted)."""
        if len(self.report.problems) >= self.max_problems:
            self.report.omitted += 1
            return -1
        self.report.problems.append(problem)
        return len(self.report.problems) - 1

    def _leaf_reported(self, index: int) -> None:
        if not self.reported_leaves or self.reported_leaves[-1] < index:
            self.reported_leaves.append(index)

    def _explained(self, level: int, idx: int) -> bool:
        """True if a leaf under subtree (level, idx) was already reported."""
        lo, hi = idx << level, (idx + 1) << level
        i = bisect_left(self.reported_leaves, lo)
        return i < len(self.reported_leaves) and self.reported_leaves[i] < hi

    # -- leaves -----------------------------------------------------------------------------

    def leaf(self, index: int, row: object | None, stored: dict[tuple[int, int], bytes]) -> None:
        """Process leaf `index` (event seq index + 1); row is None if the event is missing."""
        seq = index + 1
        stored_leaf = stored.get((0, index))
        if row is None:
            self._missing(seq, stored_leaf)
            self._leaf_reported(index)
            if stored_leaf is None:
                self.computable = False
            elif self.computable:
                self._fold(index, stored_leaf, stored)
            return
        self._close_missing_run()
        self.report.events += 1
        try:
            ev: RecordedEvent | None = row_to_event(row)  # type: ignore[arg-type]
            digest = leaf_hash(ev.canonical())  # type: ignore[union-attr]
        except (ValueError, TypeError, KeyError) as exc:  # json.JSONDecodeError is a ValueError
            ev = None
            digest = leaf_hash(b"\xffunreadable:" + repr(exc).encode())
            self.add(
                Problem(
                    seq,
                    UNREADABLE_EVENT,
                    f"事件 #{seq} 无法解析（{type(exc).__name__}），已被篡改",
                    f"event #{seq} cannot be decoded ({type(exc).__name__}): it was altered",
                )
            )
            self._leaf_reported(index)
        if ev is not None:
            if stored_leaf is None:
                self.add(
                    Problem(
                        seq,
                        MISSING_NODE,
                        f"事件 #{seq}（{ev.type}）在账本中没有叶子哈希",
                        f"event #{seq} ({ev.type}) has no stored leaf hash in the ledger",
                    )
                )
                self._leaf_reported(index)
            elif stored_leaf != digest:
                self.add(
                    Problem(
                        seq,
                        ALTERED_EVENT,
                        f"事件 #{seq}（{ev.type}）已被篡改：重算的叶子哈希与账本记录不符",
                        f"event #{seq} ({ev.type}) was altered: its recomputed leaf hash "
                        "differs from the one stored in the ledger",
                    )
                )
                self._leaf_reported(index)
        if self.computable:
            self._fold(index, digest, stored)

    def _fold(self, index: int, digest: bytes, stored: dict[tuple[int, int], bytes]) -> None:
        """Add a leaf hash to the running root and compare the subtrees it completes."""
        self.acc.append(digest)

        def left_sibling(level: int, idx: int) -> bytes:
            have = self.frontier.get(level)
            if have is None or have[0] != idx:  # cannot happen for a gapless fold
                raise RuntimeError(f"verify: frontier lost at ({level}, {idx})")
            return have[1]

        for level, idx, h in perfect_nodes_to_store(index, digest, left_sibling):
            self.frontier[level] = (idx, h)
            if level == 0:
                continue  # compared in leaf()
            have = stored.get((level, idx))
            if have == h or self._explained(level, idx):
                continue
            first, last = (idx << level) + 1, (idx + 1) << level
            if have is None:
                self.add(
                    Problem(
                        first,
                        MISSING_NODE,
                        f"账本缺少事件 #{first}–#{last} 的子树哈希（层 {level}，序号 {idx}）",
                        f"the subtree hash of events #{first}-#{last} "
                        f"(level {level}, index {idx}) is missing from the ledger",
                    )
                )
            else:
                self.add(
                    Problem(
                        first,
                        NODE_MISMATCH,
                        f"事件 #{first}–#{last} 的子树哈希（层 {level}，序号 {idx}）与重算结果不符",
                        f"the stored subtree hash of events #{first}-#{last} "
                        f"(level {level}, index {idx}) differs from the recomputation",
                    )
                )
            # everything under it is now accounted for
            self._leaf_reported(last - 1)

    def _missing(self, seq: int, stored_leaf: bytes | None) -> None:
        run = self.missing_run
        if run is not None and run["last"] == seq - 1:
            run["last"] = seq
            self._rewrite_missing(run)
            return
        self._close_missing_run()
        run = {"first": seq, "last": seq, "index": -1, "hash_gone": int(stored_leaf is None)}
        run["index"] = self.add(self._missing_problem(run))
        self.missing_run = run

    def _missing_problem(self, run: dict[str, int]) -> Problem:
        first, last = run["first"], run["last"]
        if first == last:
            zh, en = f"事件 #{first} 缺失", f"event #{first} is missing"
        else:
            zh = f"事件 #{first}–#{last} 缺失（{last - first + 1} 个）"
            en = f"events #{first}-#{last} are missing ({last - first + 1} events)"
        if run["hash_gone"]:
            zh += "，其叶子哈希也已删除，之后的树根无法重算"
            en += "; its leaf hash is gone too, so later roots cannot be recomputed"
        else:
            zh += "（账本和签名树头记录了它）"
            en += " (the ledger and the signed tree heads record it)"
        return Problem(first, MISSING_EVENT, zh, en)

    def _rewrite_missing(self, run: dict[str, int]) -> None:
        if run["index"] >= 0:
            self.report.problems[run["index"]] = self._missing_problem(run)

    def _close_missing_run(self) -> None:
        self.missing_run = None

    # -- heads ------------------------------------------------------------------------------

    def head(self, row: object) -> None:
        """Check one signed tree head once the pass has folded tree_size leaves."""
        r = row._mapping  # type: ignore[attr-defined]
        size = int(r["tree_size"])
        root = bytes(r["root_hash"])
        body = str(r["body"])
        signature = bytes(r["signature"])
        self.report.heads += 1

        # 1. the stored columns must say what the signed body says
        signed_root = root
        try:
            claimed = json.loads(body)
            signed_root = bytes.fromhex(str(claimed["root_hash"]))
            expected = tree_head_body(r["node_id"], size, root, r["signed_at"])
            columns_ok = expected == body
        except (ValueError, TypeError, KeyError):
            columns_ok = False
        if not columns_ok:
            self.add(
                Problem(
                    size,
                    HEAD_ALTERED,
                    f"大小为 {size} 的签名树头被改动：存储的字段与其签名内容不一致",
                    f"the signed tree head of size {size} was altered: its stored fields "
                    "differ from the body it signs",
                    tree_size=size,
                )
            )

        # 2. its root must be the recomputed root at its size
        if self.computable:
            recomputed = self.acc.root()
            if recomputed == root and recomputed == signed_root:
                self._close_bad_run()
                self.prev_good_size = size
            else:
                self._bad_head(size)

        # 3. its signature must verify with the node key
        if self.key is not None:
            if verify_signature(self.key, body, signature):
                self.sig_run = None
            else:
                self._bad_signature(size)

    def _bad_head(self, size: int) -> None:
        run = self.bad_run
        if run is not None:
            run["last"] = size
            run["count"] += 1
            if run["index"] >= 0:
                self.report.problems[run["index"]] = self._head_problem(run)
            return
        run = {"first_seq": self.prev_good_size + 1, "size": size, "last": size, "count": 1}
        run["index"] = self.add(self._head_problem(run))
        self.bad_run = run

    def _head_problem(self, run: dict[str, int]) -> Problem:
        first, size, prev = run["first_seq"], run["size"], run["first_seq"] - 1
        if first == size:
            zh_range, en_range = f"事件 #{first} 有改动", f"event #{first}"
        else:
            zh_range, en_range = f"事件 #{first}–#{size} 中有改动", f"events #{first}-#{size}"
        zh = (
            f"大小为 {size} 的签名树头与重算的树根不符：自上一个正确树头（大小 {prev}）"
            f"以来的{zh_range}"
        )
        en = (
            f"the signed tree head of size {size} disagrees with the recomputed root: "
            f"{en_range}, since the previous good head (size {prev}), changed"
        )
        if run["count"] > 1:
            zh += f"；其后 {run['count'] - 1} 个树头（至大小 {run['last']}）同样不符"
            en += f"; {run['count'] - 1} later heads (up to size {run['last']}) disagree too"
        return Problem(first, HEAD_ROOT_MISMATCH, zh, en, tree_size=size)

    def _close_bad_run(self) -> None:
        self.bad_run = None

    def _bad_signature(self, size: int) -> None:
        run = self.sig_run
        if run is not None:
            run["last"] = size
            run["count"] += 1
            if run["index"] >= 0:
                self.report.problems[run["index"]] = self._sig_problem(run)
            return
        run = {"size": size, "last": size, "count": 1}
        run["index"] = self.add(self._sig_problem(run))
        self.sig_run = run

    def _sig_problem(self, run: dict[str, int]) -> Problem:
        size = run["size"]
        zh = f"大小为 {size} 的树头签名无效：不是本节点公钥签署的"
        en = f"the signature of the tree head of size {size} does not verify with the node key"
        if run["count"] > 1:
            zh += f"；其后 {run['count'] - 1} 个树头（至大小 {run['last']}）的签名同样无效"
            en += f"; {run['count'] - 1} later heads (up to size {run['last']}) fail too"
        return Problem(size, HEAD_SIGNATURE_INVALID, zh, en, tree_size=size)


def _claimed_size(conn: Connection) -> tuple[int | None, int]:
    """(ledger_state size or None, the largest claim of state, heads, events and leaf hashes)."""
    state = conn.execute(select(ledger_state.c.size).where(ledger_state.c.id == 1)).scalar()
    max_seq = conn.execute(select(func.max(events.c.seq))).scalar()
    max_head = conn.execute(select(func.max(tree_heads.c.tree_size))).scalar()
    max_leaf = conn.execute(
        select(func.max(ledger_nodes.c.idx)).where(ledger_nodes.c.level == 0)
    ).scalar()
    state_size = int(state) if state is not None else None
    seq = int(max_seq or 0)
    leaves = int(max_leaf) + 1 if max_leaf is not None else 0
    claims = [state_size or 0, seq, int(max_head or 0), leaves]
    return state_size, max(claims)


def _nodes_completed_in(
    conn: Connection, start: int, end: int, size: int
) -> dict[tuple[int, int], bytes]:
    """Stored subtree hashes completed by leaves [start, end): one query, on the primary key."""
    conds = []
    for level in range(size.bit_length() + 1):
        # node (level, j) is completed by leaf (j + 1)·2^level − 1
        lo = ((start + (1 << level)) >> level) - 1
        hi = (end >> level) - 1
        if lo <= hi:
            conds.append(and_(ledger_nodes.c.level == level, ledger_nodes.c.idx.between(lo, hi)))
    if not conds:
        return {}
    q = select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash).where(or_(*conds))
    return {(int(lv), int(i)): bytes(h) for lv, i, h in conn.execute(q).all()}


def _heads(conn: Connection, batch: int) -> Iterator[object]:
    """Every signed tree head in size order, read in batches."""
    after = -1
    while True:
        q = (
            select(tree_heads)
            .where(tree_heads.c.tree_size > after)
            .order_by(tree_heads.c.tree_size)
            .limit(batch)
        )
        rows = conn.execute(q).all()
        if not rows:
            return
        yield from rows
        after = int(rows[-1]._mapping["tree_size"])


def verify_log(
    conn: Connection,
    public_key_b64: str | None,
    *,
    batch: int = DEFAULT_BATCH,
    max_problems: int = DEFAULT_MAX_PROBLEMS,
) -> VerifyReport:
    """Recompute the whole ledger from the events table and report every discrepancy.

    public_key_b64 is the node's raw Ed25519 public key (NodeKey.public_b64()); None skips the
    signature check (report.signatures_checked is then False).
    """
    check = _Checker(public_key_b64, max_problems)
    state_size, size = _claimed_size(conn)
    check.report.size = size
    heads = _heads(conn, batch)
    next_head = next(heads, None)

    def heads_up_to(n: int) -> None:
        nonlocal next_head
        while next_head is not None and int(next_head._mapping["tree_size"]) <= n:  # type: ignore[attr-defined]
            check.head(next_head)
            next_head = next(heads, None)

    heads_up_to(0)  # a head of the empty tree, if anyone signed one
    for start in range(0, size, batch):
        end = min(start + batch, size)
        q = select(events).where(events.c.seq > start, events.c.seq <= end).order_by(events.c.seq)
        rows = {int(r._mapping["seq"]): r for r in conn.execute(q).all()}
        stored = _nodes_completed_in(conn, start, end, size)
        for index in range(start, end):
            check.leaf(index, rows.get(index + 1), stored)
            heads_up_to(index + 1)
    heads_up_to(size)

    if state_size is None:
        check.add(
            Problem(
                None,
                SIZE_MISMATCH,
                "账本状态行（ledger_state）缺失：请运行 ggzy db upgrade",
                "the ledger_state row is missing: run `ggzy db upgrade`",
            )
        )
    elif state_size != size:
        check.add(
            Problem(
                state_size + 1 if state_size < size else None,
                SIZE_MISMATCH,
                f"账本状态记录的大小为 {state_size}，而日志、树头或叶子表明大小为 {size}",
                f"the ledger state records size {state_size}, but the events, heads or "
                f"leaf hashes show size {size}",
            )
        )
    check.report.root_hash = check.acc.root() if check.computable else None
    return check.report


def format_report(report: VerifyReport) -> list[str]:
    """One-line bilingual messages (中文 / English) describing the report, problems first."""
    lines = [p.line() for p in report.problems]
    if report.omitted:
        lines.append(
            f"… 另有 {report.omitted} 个问题未列出 / … {report.omitted} more problems not listed"
        )
    root = report.root_hash.hex() if report.root_hash is not None else "?"
    if report.ok:
        lines.append(
            f"✔ 账本校验通过：{report.events} 个事件，{report.heads} 个签名树头，树根 {root} / "
            f"ledger verified: {report.events} events, {report.heads} signed tree heads, "
            f"root {root}"
        )
    else:
        n = len(report.problems) + report.omitted
        first = report.first_problem
        where = f"，首个问题在事件 #{first.seq}" if first and first.seq is not None else ""
        where_en = f", first at event #{first.seq}" if first and first.seq is not None else ""
        lines.append(
            f"✘ 账本校验失败：发现 {n} 个问题{where}（已检查 {report.events} 个事件，"
            f"{report.heads} 个签名树头） / ledger verification FAILED: {n} problems{where_en} "
            f"({report.events} events, {report.heads} signed tree heads checked)"
        )
    if not report.signatures_checked:
        lines.append(
            "! 未提供节点公钥，未校验树头签名 / no node public key given: "
            "tree head signatures were not checked"
        )
    return lines
