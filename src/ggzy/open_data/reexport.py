"""Re-export imported OCDS data as valid OCDS 1.1 (清洗后重新发布).

Real published data is dirty (ggzy.open_data.store lists how). To publish it again, each
imported release is repaired against the official schema until the package validates, and every
repair is reported, so nothing changes silently:

- a value of the wrong type is converted when the conversion is exact (a number where a string
  belongs becomes its text, a numeric string where a number belongs its number, a lone object
  where an array belongs a one-item array), otherwise removed;
- a date without a time gets midnight UTC; any other bad date is removed;
- a value outside a closed codelist is removed;
- a missing release id or date is made up from the release's position and the package date;
  a missing id of an award, contract or other array member becomes its position;
- a release id repeated within an ocid gets a suffix;
- anything else the schema refuses is removed.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ggzy.open_data.validate import _validator

MAX_ROUNDS = 30
TAG_FIELDS = (("contract", "contracts"), ("award", "awards"), ("tender", "tender"))
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _container(root: Any, path: list[Any]) -> tuple[Any, Any]:
    """The object or array holding the value at path, and the key of the value in it."""
    node = root
    for step in path[:-1]:
        node = node[step]
    return node, path[-1]


def _remove(root: Any, path: list[Any]) -> None:
    parent, key = _container(root, path)
    if isinstance(parent, list):
        parent.pop(key)
    else:
        parent.pop(key, None)


def _convert(value: Any, expected: Any) -> tuple[bool, Any]:
    """An exact conversion of value to the expected JSON type, if there is one."""
    kinds = expected if isinstance(expected, list) else [expected]
    if "string" in kinds and isinstance(value, int | float) and not isinstance(value, bool):
        return True, str(value)
    if "number" in kinds and isinstance(value, str) and _NUMBER.match(value.strip()):
        text = value.strip()
        return True, int(text) if "." not in text else float(text)
    if "integer" in kinds and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return True, int(value.strip())
    if "array" in kinds and isinstance(value, dict):
        return True, [value]
    return False, None


def _repair(package: dict[str, Any], error: Any) -> tuple[str, str] | None:
    """Mend one schema error in place; (where, what was done), or None if it could not be."""
    path = list(error.absolute_path)
    where = "/" + "/".join(str(p) for p in path)
    if len(path) < 2 or path[0] != "releases":
        return None
    kind = error.validator
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        node = error.instance
        if missing and missing[0] == "id" and isinstance(node, dict):
            node["id"] = str(path[-1]) if path and isinstance(path[-1], int) else "1"
            return where, f"id made up: {node['id']}"
        awards = package["releases"][path[1]].get("awards")
        if missing == ["awardID"] and isinstance(awards, list) and len(awards) == 1:
            node["awardID"] = str(awards[0].get("id"))
            return where, "awardID set to the release's only award"
        if len(path) > 2:  # an object that lacks what OCDS requires of it: removed
            _remove(package, path)
            return where, f"removed (lacks {', '.join(missing) or 'a required field'})"
        return None
    if kind == "type":
        ok, value = _convert(error.instance, error.validator_value)
        parent, key = _container(package, path)
        if ok:
            parent[key] = value
            return where, f"converted to {error.validator_value}"
    if kind == "format" and isinstance(error.instance, str) and _DATE.match(error.instance):
        parent, key = _container(package, path)
        parent[key] = error.instance + "T00:00:00Z"
        return where, "date given midnight UTC"
    if len(path) == 2:  # a whole release: not removed here (the caller drops it)
        return None
    _remove(package, path)
    return where, f"removed ({kind}: {error.message[:120]})"


def _prepare(raw: dict[str, Any], n: int, published: str, seen: dict[str, int]) -> dict[str, Any]:
    """The release-level fields OCDS requires, made up where missing (and reported later)."""
    r = copy.deepcopy(raw)
    if not isinstance(r.get("id"), str) or not r["id"]:
        r["id"] = f"release-{n}"
    key = f"{r.get('ocid')}\x1f{r['id']}"
    if key in seen:
        seen[key] += 1
        r["id"] = f"{r['id']}-{seen[key]}"
    else:
        seen[key] = 0
    date = r.get("date")
    if isinstance(date, str) and _DATE.match(date):
        r["date"] = date + "T00:00:00Z"
    elif not isinstance(date, str) or not date:
        r["date"] = published
    if not isinstance(r.get("tag"), list) or not r["tag"]:
        r["tag"] = [
            k
            for k in ("contract", "award", "tender", "planning")
            if r.get(k + "s" if k in ("contract", "award") else k)
        ][:1] or ["tender"]
    if r.get("initiationType") != "tender":
        r["initiationType"] = "tender"
    return r


def repaired_package(
    releases: list[dict[str, Any]], schema_dir: Path, *, uri: str, publisher: str
) -> tuple[dict[str, Any], list[dict[str, str]], list[dict[str, str]]]:
    """A valid release package of the releases: the package, the repairs, the dropped ones."""
    published = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    seen: dict[str, int] = {}
    kept = [r for r in releases if isinstance(r, dict) and isinstance(r.get("ocid"), str)]
    dropped = [
        {"release": str(r.get("id") if isinstance(r, dict) else r)[:80], "why": "no ocid"}
        for r in releases
        if not (isinstance(r, dict) and isinstance(r.get("ocid"), str))
    ]
    package: dict[str, Any] = {
        "uri": uri,
        "version": "1.1",
        "publishedDate": published,
        "publisher": {"name": publisher},
        "releases": [_prepare(r, n, published, seen) for n, r in enumerate(kept, 1)],
    }
    repairs: list[dict[str, str]] = []
    validator = _validator(str(schema_dir.resolve()))
    for _ in range(MAX_ROUNDS):
        errors = sorted(
            validator.iter_errors(package), key=lambda e: [str(p) for p in e.absolute_path]
        )
        if not errors:
            break
        # mend from the deepest and last paths first, so indices of earlier ones still hold
        progress = False
        losers: set[int] = set()
        for error in sorted(errors, key=lambda e: list(e.absolute_path), reverse=True):
            path = list(error.absolute_path)
            release = package["releases"][path[1]] if len(path) > 1 else None
            try:
                done = _repair(package, error)
            except (KeyError, IndexError, TypeError):
                done = None  # an earlier repair in this round moved it: next round
            if done is not None:
                progress = True
                repairs.append(
                    {
                        "ocid": str(release and release.get("ocid")),
                        "path": done[0],
                        "action": done[1],
                    }
                )
            elif len(path) >= 2:
                losers.add(path[1])
        if not progress and losers:
            for index in sorted(losers, reverse=True):
                gone = package["releases"].pop(index)
                dropped.append({"release": str(gone.get("id")), "why": "could not be repaired"})
        elif not progress:
            break
    return package, repairs, dropped
