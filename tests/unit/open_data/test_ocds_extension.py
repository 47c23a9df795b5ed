"""The ggzy OCDS extension: standard extension files, a merge patch, documented in docs/."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from ggzy.open_data.reference import extension_reference
from ggzy.open_data.validate import (
    extension_files,
    merge_patch,
    package_errors,
    patched_release_schema,
)

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT / ".." / "shared" / "ocds"
SCHEMAS = SHARED / "schema-1.1.5"


def needs(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared OCDS test material not found at {path}")
    return path


def test_merge_patch_follows_rfc_7386() -> None:
    # RFC 7386 appendix A, a few of its cases
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge_patch(["a", "b"], ["c", "d"]) == ["c", "d"]
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}


def test_extension_json_is_in_the_standard_extension_format() -> None:
    meta = extension_files()["extension.json"]
    assert meta["schemas"] == ["release-schema.json"]
    assert meta["compatibility"] == ["1.1"]
    assert {"en", "zh"} <= set(meta["name"]) and {"en", "zh"} <= set(meta["description"])


def test_every_field_of_the_extension_has_a_title_and_a_description() -> None:
    schema = extension_files()["release-schema.json"]
    specs = [schema["properties"]["ggzy"]]
    for definition in schema["definitions"].values():
        specs.extend(definition.get("properties", {}).values())
    assert all(s.get("title") and s.get("description") for s in specs)


def test_the_patch_adds_the_ggzy_object_and_amount_in_words_and_changes_nothing_else() -> None:
    release = json.loads((needs(SCHEMAS) / "release-schema.json").read_text(encoding="utf-8"))
    patched = patched_release_schema(SCHEMAS)
    assert set(patched["properties"]) - set(release["properties"]) == {"ggzy"}
    assert patched["definitions"]["Value"]["properties"]["amountInWords"]["type"] == [
        "string",
        "null",
    ]
    for name, definition in release["definitions"].items():
        if name != "Value":
            assert patched["definitions"][name] == definition


def test_the_patched_release_schema_is_valid_under_the_ocds_meta_schema() -> None:
    with zipfile.ZipFile(needs(SHARED / "standard-1__1__5.zip")) as archive:
        meta = json.loads(archive.read("standard-1__1__5/schema/meta-schema.json"))
    errors = list(Draft4Validator(meta).iter_errors(patched_release_schema(SCHEMAS)))
    assert errors == []


def test_the_validator_accepts_the_official_example_and_catches_a_bad_date() -> None:
    example = json.loads(
        (needs(SHARED / "fictional-example-1.1") / "ocds-213czf-000-00001.json").read_text(
            encoding="utf-8"
        )
    )
    assert package_errors(example, SCHEMAS) == []
    example["releases"][0]["date"] = "2009-03-15 14:45"
    assert package_errors(example, SCHEMAS) == [
        "releases/0/date: '2009-03-15 14:45' is not a 'date-time'"
    ]


def test_the_docs_carry_the_field_reference_generated_from_the_schema() -> None:
    docs = (ROOT / "docs" / "ocds-extension.md").read_text(encoding="utf-8")
    assert extension_reference() in docs
