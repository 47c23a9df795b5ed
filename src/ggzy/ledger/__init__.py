"""Tamper-evident Merkle log (RFC 6962 / RFC 9162) for OpenGGZY."""

from ggzy.ledger.merkle import (
    IncrementalRoot,
    consistency_path,
    consistency_proof,
    inclusion_path,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    perfect_nodes_to_store,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "IncrementalRoot",
    "consistency_path",
    "consistency_proof",
    "inclusion_path",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "perfect_nodes_to_store",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]
