"""PNG plots for the dataset card (matplotlib, imported lazily, Agg backend)."""

from __future__ import annotations

import logging
from pathlib import Path

from agentinstruct.export.stats import ExportStats

log = logging.getLogger(__name__)

MAX_BARS = 40
"""Subcategory plots show the most frequent ones only."""


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("dataset card plots need matplotlib: pip install 'agentinstruct[export]' "
                          "(or pip install matplotlib)") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _barh(plt, counts: dict[str, int], title: str, xlabel: str, path: Path, *, by_count: bool = True) -> None:
    items = list(counts.items())
    if by_count:
        items = sorted(items, key=lambda kv: (-kv[1], kv[0]))[:MAX_BARS]
    items = items[::-1]  # barh draws bottom-up: first item on top
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.3 * len(items) + 1)))
    ax.barh([k for k, _ in items], [v for _, v in items], color="#4C72B0")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _bins(values: list[float]) -> int:
    return min(40, max(5, len(set(values))))


def _hist(plt, series: dict[str, list[float]], title: str, xlabel: str, path: Path) -> None:
    """Overlaid histograms on shared bins (for series on one scale)."""
    fig, ax = plt.subplots(figsize=(8, 4))
    everything = [v for values in series.values() for v in values]
    edges = None
    if everything:
        import numpy as np

        edges = np.histogram_bin_edges(everything, bins=_bins(everything))
    for label, values in series.items():
        if values:
            ax.hist(values, bins=edges, alpha=0.6, label=label)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("records")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _small_hists(plt, series: dict[str, list[float]], title: str, path: Path) -> None:
    """One histogram per series (for series on different scales, such as judge scores)."""
    names = sorted(series)
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        ax.hist(series[name], bins=_bins(series[name]), color="#4C72B0")
        ax.set_title(name)
        ax.set_ylabel("records")
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _boxes(plt, series: dict[str, list[float]], title: str, path: Path) -> None:
    """One horizontal box per series (score distributions per skill and subcategory), most populous first."""
    items = sorted(series.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:MAX_BARS][::-1]
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.3 * len(items) + 1)))
    ax.boxplot([v for _, v in items], orientation="horizontal")
    ax.set_yticks(range(1, len(items) + 1), [k for k, _ in items])
    ax.set_xlim(0, 1)
    ax.set_title(title)
    ax.set_xlabel("score")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_plots(stats: ExportStats, out_dir: Path) -> dict[str, str]:
    """Write the card's plots under ``out_dir/plots``; returns {plot name: path relative to out_dir}."""
    plt = _pyplot()
    plots_dir = out_dir / "plots"
    plots_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}

    def target(name: str) -> Path:
        written[name] = f"plots/{name}.png"
        return out_dir / written[name]

    _barh(plt, dict(stats.by_skill), "Records per skill", "records", target("skills"))
    subcats = {f"{skill}/{sub}": n for (skill, sub), n in stats.by_subcategory.items()}
    _barh(plt, subcats, f"Records per subcategory (top {MAX_BARS})", "records", target("subcategories"))
    _hist(plt, {role: [float(v) for v in vals] for role, vals in stats.lengths.items()},
          "Turn lengths", "words per record", target("lengths"))
    rounds = {f"round {r}": n for r, n in sorted(stats.by_round.items())}
    _barh(plt, rounds, "Refinement rounds", "records", target("refinement_rounds"), by_count=False)
    if stats.scores:
        _small_hists(plt, dict(stats.scores), "Judge scores", target("scores"))
    if stats.overall_by_subcategory:
        _boxes(plt, {f"{k}/{s}": v for (k, s), v in stats.overall_by_subcategory.items()},
               "Overall judge score by skill and subcategory", target("score_by_subcategory"))
    log.info("wrote %d plots under %s", len(written), plots_dir)
    return written
