"""``agentinstruct view RUN``: the run as a filterable page, served on 127.0.0.1 or written to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentinstruct.cli_commands.render import console


def view(
    run: Annotated[Path, typer.Argument(help="A run directory.")],
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Serve on 127.0.0.1:PORT (0: any free "
                                      "port).")] = 8765,
    out: Annotated[Path | None, typer.Option("--out", help="Write the page to this HTML file (self-contained) "
                                             "instead of serving it.")] = None,
) -> None:
    """Show a run's records (lineage, scores, each refined item beside its parent), its failures and
    refusals by stage and reason, and its summary; filters by skill, subcategory, transformation, score."""
    from agentinstruct.viewer import render_run
    from agentinstruct.viewer.serve import make_server

    if out is not None:
        out.write_text(render_run(run), encoding="utf-8")
        console.print(f"wrote {out}")
        return
    server = make_server(run, port)
    host, bound = server.server_address[:2]
    console.print(f"serving {run} at http://{host}:{bound}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped")
    finally:
        server.server_close()
