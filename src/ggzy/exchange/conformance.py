"""`ggzy conformance URL`: the network's protocol checks, run against any node or third-party
platform that claims to speak it (异构系统互联互通).

Each check reads only the public API and says what passed or failed and why: the node's
identity and key, its signed tree head, its whole feed verified page by page against its
signatures (gapless, every leaf its hash, the roots equal to the signed heads), resuming the
feed from the middle, inclusion and consistency proofs, the problem+json error format, and,
where the node publishes them, OCDS release packages valid against the official schema.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy.exchange.feed import FeedRefused, Frontier, check_page
from ggzy.ledger.merkle import verify_consistency, verify_inclusion
from ggzy.ledger.signing import key_id_of, verify_signature


@dataclass
class Check:
    """One check's result (a skipped check does not fail the report)."""

    name: str
    ok: bool
    detail: str
    skipped: bool = False


@dataclass
class ConformanceReport:
    """Every check run against one node."""

    url: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"url": self.url, "ok": self.ok, "checks": [c.__dict__ for c in self.checks]}


class _Failed(Exception):
    pass


class _Skipped(Exception):
    pass


def conformance(
    url: str, client: Any = None, max_events: int = 200_000, ocds_schema: Path | None = None
) -> ConformanceReport:
    """Run every check against the node at `url` (OCDS against the schemas in `ocds_schema`,
    the official OCDS 1.1.5 schema folder; skipped without it)."""
    import httpx

    base = url.rstrip("/")
    report = ConformanceReport(base)
    own = client is None
    client = client or httpx.Client(timeout=60)
    state: dict[str, Any] = {}

    def get(path: str) -> Any:
        r = client.get(base + path)
        if r.status_code != 200:
            raise _Failed(f"GET {path}: HTTP {r.status_code}")
        return r.json()

    def run(name: str, fn: Callable[[], str]) -> None:
        try:
            report.checks.append(Check(name, True, fn()))
        except _Skipped as exc:
            report.checks.append(Check(name, True, str(exc), skipped=True))
        except (_Failed, FeedRefused) as exc:
            report.checks.append(Check(name, False, getattr(exc, "en", None) or str(exc)))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            report.checks.append(Check(name, False, f"{type(exc).__name__}: {exc}"))

    def identity() -> str:
        info = get("/api/v1/node")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(info["public_key"]))
        if info.get("key_id") != key_id_of(public):
            raise _Failed("key_id is not the id of the published key")
        state.update(node=info["node_id"], key=info["public_key"])
        return f"node {info['node_id']}, Ed25519 key {info['key_id']}"

    def head() -> str:
        h = get("/api/v1/ledger/tree-head")
        if h["tree_size"] and not verify_signature(
            state["key"], h["signed_body"], base64.b64decode(h["signature"])
        ):
            raise _Failed("the newest tree head's signature does not verify")
        state["head"] = h
        return f"size {h['tree_size']}, root {h['root_hash'][:16]}…"

    def feed() -> str:
        frontier, pulled, verified, pages = Frontier(), 0, 0, 0
        leaves: list[str] = []
        while pulled < max_events:
            page = get(f"/api/v1/feed?after={pulled}&limit=500")
            checked = check_page(page, state["node"], state["key"], pulled, frontier)
            leaves += [e["leaf_hash"] for e in page["entries"]]
            frontier, pulled, pages = checked.frontier, checked.last, pages + 1
            if checked.head is not None:
                verified = checked.head["tree_size"]
            if not page["more"]:
                break
        if state["head"]["tree_size"] and verified == 0:
            raise _Failed("no signed head was reached by the feed")
        state.update(leaves=leaves, size=pulled)
        return f"{pulled} events in {pages} pages, roots verified up to size {verified}"

    def resume() -> str:
        size = state["size"]
        if size < 2:
            return "too few events to resume from the middle"
        middle = size // 2
        page = get(f"/api/v1/feed?after={middle}&limit=50")
        got = [e["leaf_hash"] for e in page["entries"]]
        if got != state["leaves"][middle : middle + len(got)] or not got:
            raise _Failed(f"reading after {middle} differs from the full read")
        return f"after {middle}: {len(got)} entries identical to the full read"

    def proofs() -> str:
        h = state["head"]
        size, root = h["tree_size"], bytes.fromhex(h["root_hash"])
        if size == 0:
            return "empty log"
        for seq in sorted({1, size, random.randint(1, size)}):
            p = get(f"/api/v1/ledger/proof/inclusion?seq={seq}&tree_size={size}")
            path = [bytes.fromhex(x) for x in p["audit_path"]]
            leaf = bytes.fromhex(p["leaf_hash"])
            if p["leaf_hash"] != state["leaves"][seq - 1] or not verify_inclusion(
                leaf, seq - 1, size, path, root
            ):
                raise _Failed(f"the inclusion proof of event {seq} does not verify")
        first = get("/api/v1/ledger/tree-heads?after=0&limit=1")[0]
        c = get(f"/api/v1/ledger/proof/consistency?first={first['tree_size']}&second={size}")
        if not verify_consistency(
            first["tree_size"],
            size,
            bytes.fromhex(first["root_hash"]),
            root,
            [bytes.fromhex(x) for x in c["consistency"]],
        ):
            raise _Failed("the consistency proof from the first head does not verify")
        return f"inclusion of 3 events and consistency from size {first['tree_size']} verify"

    def problems() -> str:
        r = client.get(base + "/api/v1/feed?after=-1")
        body = r.json()
        if not (400 <= r.status_code < 500):
            raise _Failed(f"bad input answered HTTP {r.status_code}")
        if not r.headers.get("content-type", "").startswith("application/problem+json"):
            raise _Failed("bad input is not answered with application/problem+json")
        if not (body.get("title") and body.get("title_zh")):
            raise _Failed("the problem has no title in both Chinese and English")
        return f"HTTP {r.status_code} problem+json in Chinese and English"

    try:
        run("identity 节点身份", identity)
        if "key" in state:
            run("tree head 签名树头", head)
        if "head" in state:
            run("feed 事件订阅", feed)
        if "leaves" in state:
            run("resume 断点续读", resume)
            run("proofs 包含与一致性证明", proofs)
        run("errors 错误格式", problems)
        run("ocds 开放数据", lambda: _ocds(get, ocds_schema))
    finally:
        if own:
            client.close()
    return report


def _ocds(get: Callable[[str], Any], schema_dir: Path | None) -> str:
    """OCDS release packages, valid against the official schema (with the node's extension)."""
    from ggzy.open_data.validate import package_errors

    if schema_dir is None or not (schema_dir / "release-package-schema.json").exists():
        raise _Skipped("no OCDS 1.1.5 schema folder given (--ocds-schema)")
    try:
        package = get("/api/v1/ocds/releases")
    except _Failed as exc:
        raise _Skipped(f"the node publishes no OCDS releases ({exc})") from None
    errors = package_errors(package, schema_dir)
    if errors:
        raise _Failed(f"{len(errors)} schema errors, first: {errors[0]}")
    return f"{len(package.get('releases', []))} releases valid against OCDS 1.1.5"
