"""`ggzy ledger audit URL…`: check a set of nodes from outside, with nothing but their APIs.

For every node: its newest signed tree head verifies with the key it publishes. For every
cosignature a node publishes (见证签名): the witness's signature verifies, and the witnessed
node's own log still contains the cosigned tree, by a consistency proof from the cosigned size
to its newest head. A node that rewrote its history after being witnessed cannot produce that
proof; two witnesses that saw different roots for one size expose it too.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from ggzy.ledger.merkle import verify_consistency
from ggzy.ledger.signing import verify_signature


@dataclass
class AuditReport:
    """Checks run and what failed."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"ok": self.ok, "passed": self.passed, "failed": self.failed}


def _get(client: Any, url: str) -> Any:
    r = client.get(url)
    r.raise_for_status()
    return r.json()


def audit(urls: list[str], client: Any = None) -> AuditReport:
    """Audit the nodes at `urls` (their heads, their cosignatures of each other)."""
    import httpx

    report = AuditReport()
    own = client is None
    client = client or httpx.Client(timeout=30)
    try:
        nodes: dict[str, dict[str, Any]] = {}
        for url in urls:
            base = url.rstrip("/")
            try:
                info = _get(client, f"{base}/api/v1/node")
                head = _get(client, f"{base}/api/v1/ledger/tree-head")
            except (httpx.HTTPError, ValueError) as exc:
                report.failed.append(f"{base}: 无法读取节点 / unreachable: {exc}")
                continue
            node = info["node_id"]
            nodes[node] = {"url": base, "key": info["public_key"], "head": head}
            if head.get("tree_size", 0) and not verify_signature(
                info["public_key"], head["signed_body"], base64.b64decode(head["signature"])
            ):
                report.failed.append(f"{node}: 最新树头签名无效 / newest head signature invalid")
            else:
                size = head.get("tree_size", 0)
                report.passed.append(f"{node}: 最新树头签名有效 / newest head signed, size {size}")
        for witness, w in nodes.items():
            cosigs = _get(client, f"{w['url']}/api/v1/ledger/cosignatures?limit=1000")
            seen: set[tuple[str, int]] = set()
            for c in cosigs:
                _check_cosignature(client, report, nodes, witness, w, c, seen)
    finally:
        if own:
            client.close()
    return report


def _check_cosignature(
    client: Any,
    report: AuditReport,
    nodes: dict[str, dict[str, Any]],
    witness: str,
    w: dict[str, Any],
    c: dict[str, Any],
    seen: set[tuple[str, int]],
) -> None:
    node, size = c["node"], int(c["tree_size"])
    label = f"{witness} 见证 witnessed {node}@{size}"
    if not verify_signature(w["key"], c["signed_body"], base64.b64decode(c["signature"])):
        report.failed.append(f"{label}: 见证签名无效 / cosignature invalid")
        return
    body = json.loads(c["signed_body"])
    if body["node"] != node or body["tree_size"] != size or body["root_hash"] != c["root_hash"]:
        report.failed.append(f"{label}: 见证内容不符 / cosignature body differs")
        return
    target = nodes.get(node)
    if target is None or (node, size) in seen:
        return  # a node outside the audit, or a size already checked for this witness
    seen.add((node, size))
    newest = int(target["head"].get("tree_size", 0))
    if size > newest:
        report.failed.append(f"{label}: 节点的树头比见证的还小 / its head shrank to {newest}")
        return
    if size == newest:
        ok = target["head"]["root_hash"] == c["root_hash"]
        proof: list[bytes] = []
    else:
        url = f"{target['url']}/api/v1/ledger/proof/consistency?first={size}&second={newest}"
        try:
            answer = _get(client, url)
        except Exception as exc:  # a node that cannot prove consistency fails the check
            report.failed.append(f"{label}: 无法取得一致性证明 / no consistency proof: {exc}")
            return
        proof = [bytes.fromhex(h) for h in answer["consistency"]]
        ok = verify_consistency(
            size,
            newest,
            bytes.fromhex(c["root_hash"]),
            bytes.fromhex(target["head"]["root_hash"]),
            proof,
        )
    if ok:
        report.passed.append(f"{label}: 与其当前账本一致 / consistent with its log now")
    else:
        report.failed.append(
            f"{label}: 节点当前账本不包含被见证的历史（历史被改写） / "
            "the node's log no longer contains the witnessed tree: history rewritten"
        )
