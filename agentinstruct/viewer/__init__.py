"""The run viewer (``agentinstruct view RUN``): a run directory as one self-contained, filterable page."""

from agentinstruct.viewer.page import build_page
from agentinstruct.viewer.run_data import RunView, load_run

__all__ = ["RunView", "build_page", "load_run", "render_run"]


def render_run(run_dir) -> str:
    """The viewer page of the run in ``run_dir``."""
    return build_page(load_run(run_dir))
