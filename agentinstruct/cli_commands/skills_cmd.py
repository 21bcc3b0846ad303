"""``agentinstruct skills``: every skill with its agents and subcategory counts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentinstruct.cli_commands.render import console
from core.taxonomy import load_skills


def skills(
    skills_dir: Annotated[Path | None, typer.Option("--skills-dir", help="A directory of skill YAML files "
                                                    "(default: the shipped skills).")] = None,
) -> None:
    """List skills, their transformation agents, refinement goals and subcategory counts."""
    specs = load_skills(skills_dir)
    table = Table(title="skills")
    for col in ("skill", "output", "seed kinds", "transformations", "subcategories", "refinement goals"):
        table.add_column(col)
    total = 0
    for spec in specs.values():
        total += spec.n_subcategories
        table.add_row(spec.name, spec.output_type, ",".join(spec.seed_kinds),
                      str(len(spec.transformations)), str(spec.n_subcategories),
                      str(len(spec.refinement.goals)))
    console.print(table)
    console.print(f"total: {len(specs)} skills, {total} subcategories")
