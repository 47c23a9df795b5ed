"""The ggzy extension's field reference, written from its release-schema.json.

The same text is the node's /api/v1/ocds/extension/README.md and the reference section of
docs/ocds-extension.md (a test keeps the two equal), so the schema is the one source.
"""

from __future__ import annotations

from typing import Any

from ggzy.open_data.validate import extension_files

CORE = {"Value", "Period", "OrganizationReference"}


def _type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1]
    kind = spec.get("type")
    if kind == "array":
        return f"array of {_type(spec['items'])}"
    names = [k for k in (kind if isinstance(kind, list) else [kind]) if k and k != "null"]
    text = " or ".join(names) or "any"
    if spec.get("format"):
        text += f" ({spec['format']})"
    return text


def _rows(
    definitions: dict[str, Any], name: str, prefix: str, seen: frozenset[str]
) -> list[tuple[str, str, str, str]]:
    out = []
    for field, spec in definitions[name].get("properties", {}).items():
        path = f"{prefix}/{field}"
        out.append((path, _type(spec), spec.get("title", ""), spec.get("description", "")))
        target = spec.get("$ref") or (spec.get("items") or {}).get("$ref")
        inner = target.rsplit("/", 1)[-1] if target else None
        if inner and inner not in CORE and inner in definitions and inner not in seen:
            child = f"{path}[]" if spec.get("type") == "array" else path
            out.extend(_rows(definitions, inner, child, seen | {inner}))
    return out


def extension_reference() -> str:
    """The extension's fields as a Markdown table (path, type, title, description)."""
    schema = extension_files()["release-schema.json"]
    definitions = schema["definitions"]
    rows = [
        (
            "ggzy",
            "object",
            schema["properties"]["ggzy"]["title"],
            schema["properties"]["ggzy"]["description"],
        )
    ]
    rows += _rows(
        definitions, "PublicResourceTrading", "ggzy", frozenset({"PublicResourceTrading"})
    )
    for field, spec in definitions["Value"]["properties"].items():
        rows.append((f"(every Value)/{field}", _type(spec), spec["title"], spec["description"]))
    lines = ["| field | type | title | description |", "|---|---|---|---|"]
    lines += [f"| `{p}` | {t} | {title} | {d} |" for p, t, title, d in rows]
    return "\n".join(lines) + "\n"


def extension_readme(base_url: str) -> str:
    """The extension's documentation page as the node serves it."""
    meta = extension_files()["extension.json"]
    return (
        f"# {meta['name']['zh']} · {meta['name']['en']}\n\n"
        f"{meta['description']['zh']}\n\n{meta['description']['en']}\n\n"
        f"Schema: {base_url}/api/v1/ocds/extension/release-schema.json "
        "(a JSON Merge Patch to the OCDS 1.1 release schema).\n\n"
        "## Fields\n\n" + extension_reference()
    )
