"""``agentinstruct skills``: every skill with its agents and subcategory counts (a table, or ``--json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentinstruct.cli_commands.render import console
from core.taxonomy import SkillSpec, load_skills


def skill_row(spec: SkillSpec) -> dict:
    """One skill as plain data: what the table shows, with the agents' ids spelled out."""
    return {
        "name": spec.name, "title": spec.title, "output_type": spec.output_type, "program": spec.program,
        "seed_kinds": list(spec.seed_kinds),
        "transformations": [t.id for t in spec.transformations],
        "subcategories": [t.id for t in spec.instruction_types],
        "refinement_goals": [g.id for g in spec.refinement.goals],
    }


def skills(
    skills_dir: Annotated[Path | None, typer.Option("--skills-dir", help="A directory of skill YAML files "
                                                    "(default: the shipped skills).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the skills as JSON (every agent id) instead of a "
                                          "table.")] = False,
) -> None:
    """List skills, their transformation agents, refinement goals and subcategory counts."""
    specs = load_skills(skills_dir)
    rows = [skill_row(spec) for spec in specs.values()]
    total = sum(len(row["subcategories"]) for row in rows)
    if as_json:
        typer.echo(json.dumps({"skills": rows, "total_skills": len(rows), "total_subcategories": total}, indent=2))
        return
    table = Table(title="skills")
    for col in ("skill", "output", "seed kinds", "transformations", "subcategories", "refinement goals"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["name"], row["output_type"], ",".join(row["seed_kinds"]), str(len(row["transformations"])),
                      str(len(row["subcategories"])), str(len(row["refinement_goals"])))
    console.print(table)
    console.print(f"total: {len(rows)} skills, {total} subcategories")
