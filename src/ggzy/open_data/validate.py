"""Offline OCDS validation: the official schemas from a local folder, patched with extensions.

    errors = package_errors(package, Path("../shared/ocds/schema-1.1.5"))

The release-package schema refers to the release schema by its `id` URL; a local `referencing`
registry maps that URL to the local file (patched with the ggzy extension, as a JSON Merge
Patch, RFC 7386), so nothing is fetched. Date-times are checked as RFC 3339 (the official
schema's "format": "date-time"); JSON Schema draft 4 leaves formats unchecked otherwise.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

EXTENSION_DIR = Path(__file__).parent / "extension"
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a JSON Merge Patch (RFC 7386) to a copy of target."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def extension_files() -> dict[str, Any]:
    """The ggzy extension's files, by name (extension.json, release-schema.json)."""
    return {
        name: json.loads((EXTENSION_DIR / name).read_text(encoding="utf-8"))
        for name in ("extension.json", "release-schema.json")
    }


def patched_release_schema(schema_dir: Path) -> dict[str, Any]:
    """The official release schema of schema_dir with the ggzy extension merged in."""
    release = json.loads((schema_dir / "release-schema.json").read_text(encoding="utf-8"))
    patched = merge_patch(release, extension_files()["release-schema.json"])
    assert isinstance(patched, dict)
    return patched


def _format_checker() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        if not _DATE_TIME.match(instance):
            raise ValueError(f"{instance!r} is not an RFC 3339 date-time")
        return True

    return checker


@cache
def _validator(schema_dir: str) -> Draft4Validator:
    folder = Path(schema_dir)
    package = json.loads((folder / "release-package-schema.json").read_text(encoding="utf-8"))
    release = patched_release_schema(folder)
    registry: Registry = Registry().with_resources(
        [
            (str(release["id"]), Resource.from_contents(release, default_specification=DRAFT4)),
            (str(package["id"]), Resource.from_contents(package, default_specification=DRAFT4)),
        ]
    )
    return Draft4Validator(package, registry=registry, format_checker=_format_checker())


def package_errors(package: dict[str, Any], schema_dir: Path) -> list[str]:
    """Every schema error of a release package, as "path: message" lines (empty: valid)."""
    validator = _validator(str(schema_dir.resolve()))
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    return ["/".join(str(p) for p in e.absolute_path) + f": {e.message}" for e in errors]
