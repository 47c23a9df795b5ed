"""Settings read from the environment (GGZY_*), with defaults that make `make run` work anywhere."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The ocid prefix of this node's OCDS releases (ocid = prefix + unified deal code). A
#: publisher registers its own prefix with the Open Contracting Partnership
#: ("ocds-" + six characters) and sets it in GGZY_OCID_PREFIX.
DEFAULT_OCID_PREFIX = "ocds-ggzy01-"


@dataclass(frozen=True)
class Settings:
    """Deployment settings of one node (节点)."""

    database_url: str
    data_dir: Path
    node_id: str
    node_name: str
    secure_cookies: bool
    ocid_prefix: str = DEFAULT_OCID_PREFIX

    @property
    def node_key_path(self) -> Path:
        """Where the node's tree-head signing key lives (never in the database)."""
        return self.data_dir / "keys" / f"{self.node_id}.ed25519.pem"

    @property
    def documents_dir(self) -> Path:
        """Root of the content-addressed document store."""
        return self.data_dir / "documents"


def load_settings(**overrides: object) -> Settings:
    """Read GGZY_DATABASE_URL, GGZY_DATA_DIR, GGZY_NODE_ID, GGZY_OCID_PREFIX… (tests override)."""
    data_dir = Path(str(overrides.get("data_dir") or os.environ.get("GGZY_DATA_DIR", "var")))
    default_url = f"sqlite:///{data_dir / 'ggzy.db'}"
    values = {
        "database_url": os.environ.get("GGZY_DATABASE_URL", default_url),
        "data_dir": data_dir,
        "node_id": os.environ.get("GGZY_NODE_ID", "hb-wuhan-circle"),
        "node_name": os.environ.get("GGZY_NODE_NAME", "武汉都市圈公共资源交易节点"),
        "secure_cookies": os.environ.get("GGZY_SECURE_COOKIES", "0") == "1",
        "ocid_prefix": os.environ.get("GGZY_OCID_PREFIX", "").strip() or DEFAULT_OCID_PREFIX,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    values["data_dir"] = Path(str(values["data_dir"]))
    return Settings(**values)  # type: ignore[arg-type]
