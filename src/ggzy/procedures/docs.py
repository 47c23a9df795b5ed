"""Render each declared method as a Markdown page: stages, actions, roles, periods and rules.

docs/procedures/<code>.md is generated from the declarations; a test fails when it is stale,
so the documentation cannot drift from what the engine enforces.
"""

from __future__ import annotations

from datetime import date

from ggzy.procedures import rules
from ggzy.procedures.declaration import ROLE_NAMES, Procedure


def render(proc: Procedure) -> str:
    """The Markdown page of one method."""
    lines = [
        f"# {proc.zh} · {proc.en}",
        "",
        f"Code `{proc.code}`, domain `{proc.domain}`, deal-code category `{proc.deal_category}`.",
        f"Legal basis: {proc.basis}. Generated from the declaration by `ggzy docs procedures`.",
        "",
        "## Stages",
        "",
        "| stage | 中文 | English | final |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{s.name}` | {s.zh} | {s.en} | {'yes' if s.final else ''} |" for s in proc.stages]
    lines += [
        "",
        "## Actions",
        "",
        "| action | 中文 | who | in stages | leads to | time rules |",
        "|---|---|---|---|---|---|",
    ]
    for a in proc.actions:
        who = "、".join(ROLE_NAMES[r][0] for r in sorted(a.roles))
        stages = "—" if a.creates else ", ".join(f"`{s}`" for s in sorted(a.stages))
        leads = a.to_stage or ", ".join(f"{k} → `{v}`" for k, v in a.outcomes.items()) or "—"
        timing = [
            f"before {a.before}" if a.before else "",
            f"not before {a.not_before}" if a.not_before else "",
        ]
        timing += [f"`{p.rule}`: {p.start} → {p.end}" for p in a.periods]
        if a.within:
            timing.append(f"within `{a.within[0]}` of {a.within[1]}")
        if a.auto:
            timing.append("performed by the platform when due")
        cell = "; ".join(t for t in timing if t) or "—"
        lines.append(f"| `{a.name}` | {a.zh} | {who} | {stages} | {leads} | {cell} |")
    lines += ["", "## Inputs", ""]
    for a in proc.actions:
        if not a.fields:
            continue
        lines += [
            f"**{a.zh}** (`{a.name}`)",
            "",
            "| field | 中文 | kind | required |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{f.name}` | {f.zh} | {f.kind} | {'yes' if f.required else ''} |" for f in a.fields
        ]
        lines.append("")
    documents = [(a, f) for a in proc.actions for f in a.fields if f.kind == "document"]
    if documents:
        lines += [
            "## Documents (资料要件)",
            "",
            "What each step files; `GET /api/v1/projects/{code}/archive` checks a project.",
            "",
            "| action | document | 中文 | required |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{a.name}` | `{f.name}` | {f.zh.split('（')[0]} | {'yes' if f.required else ''} |"
            for a, f in documents
        ]
        lines.append("")
    if proc.schedule:
        lines += [
            "## Schedule",
            "",
            "The milestones `POST /api/v1/schedule` dates (see `ggzy.procedures.schedule`).",
            "",
            "| milestone | 中文 | constraints |",
            "|---|---|---|",
        ]
        kinds = {"min": "≥ {rule} after", "max": "≤ {rule} after", "before": "≥ {rule} before"}
        for m in proc.schedule:
            steps = [
                f"not before `{st.of}`"
                if st.rule is None
                else kinds[st.kind].format(rule=f"`{st.rule}`") + f" `{st.of}`"
                for st in m.steps
            ]
            lines.append(f"| `{m.name}` | {m.zh} | {'; '.join(steps) or 'the start day'} |")
        lines.append("")
    lines += [
        "## Rules (national, in force today)",
        "",
        "| rule | value | meaning | source | confidence |",
        "|---|---|---|---|---|",
    ]
    for key in sorted(rules.keys_for(proc.code)):
        r = rules.resolve(key, proc.code, "", date.max)
        unit = rules.UNITS[r.unit][1]
        lines.append(f"| `{r.key}` | {r.value} {unit} | {r.zh} | {r.source} | [{r.confidence}] |")
    return "\n".join(lines) + "\n"
