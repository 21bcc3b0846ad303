"""A self-contained page: inline stylesheet, no script, nothing fetched from the network.

``page(title, *body)`` returns the whole document as a string; ``section`` and ``details`` are the
building blocks reports share (the evaluation report, the arena report, the run viewer).
"""

from __future__ import annotations

from agentinstruct.html.nodes import Child, Element, Raw, el, render

STYLE = """
:root { --fg: #1d1d1f; --muted: #6e6e73; --line: #d9d9de; --bg-alt: #f6f6f8; --accent: #1f5fbf; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1240px; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px;
  border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 15px; margin: 20px 0 6px; }
p.subtitle { color: var(--muted); margin: 0 0 16px; }
table.data { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
table.data th, table.data td { border: 1px solid var(--line); padding: 4px 8px; vertical-align: top; text-align: left; }
table.data th { background: var(--bg-alt); font-weight: 600; }
table.data tbody tr:nth-child(even) { background: #fbfbfc; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data caption { caption-side: top; text-align: left; color: var(--muted); padding-bottom: 4px; }
.ci { color: var(--muted); font-size: 12px; } .bad { color: #b3261e; } .good { color: #1b7f3b; }
.tag { display: inline-block; padding: 0 6px; border-radius: 8px; background: var(--bg-alt); font-size: 11px; }
pre.text { white-space: pre-wrap; word-break: break-word; margin: 0; font: 12px/1.4 ui-monospace, Menlo, monospace;
           max-width: 460px; }
details > summary { cursor: pointer; color: var(--accent); }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 6px 0 12px; }
dt { color: var(--muted); } dd { margin: 0; }
svg.chart { max-width: 100%; height: auto; font-family: inherit; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
nav a { margin-right: 12px; } a { color: var(--accent); }
"""


def section(title: str, *children: Child, id: str | None = None, level: int = 2) -> Element:
    """A titled ``<section>`` (``id`` makes it a link target)."""
    return el("section", el(f"h{level}", title), *children, id=id)


def details(summary: Child, *children: Child, open: bool = False) -> Element:
    """A collapsible block."""
    return el("details", el("summary", summary), *children, open=open)


def text_block(text: str, limit: int | None = None) -> Element:
    """Preformatted text (a model answer), cut after ``limit`` characters with the whole of it folded in."""
    if limit is None or len(text) <= limit:
        return el("pre", text, class_="text")
    return details(el("pre", text[:limit] + " ...", class_="text"), el("pre", text, class_="text"))


def page(title: str, *body: Child, subtitle: str | None = None, style: str = "") -> str:
    """The whole HTML document."""
    head = el("head", el("meta", charset="utf-8"),
              el("meta", name="viewport", content="width=device-width, initial-scale=1"),
              el("title", title), el("style", Raw(STYLE + style)))
    main = el("body", el("h1", title), el("p", subtitle, class_="subtitle") if subtitle else None, *body)
    return "<!DOCTYPE html>\n" + render(el("html", head, main, lang="en")) + "\n"
