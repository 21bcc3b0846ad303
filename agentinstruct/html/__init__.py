"""A small HTML toolkit for self-contained report pages: elements with escaping, tables, inline SVG charts.

Every string that reaches a page is escaped (``nodes.el``/``nodes.render``); pages carry their own
stylesheet and no script, so they open from a file anywhere, offline. Used by the evaluation report
(``agentinstruct.reports.eval_page``); the arena report and a run viewer build on the same pieces.
"""

from agentinstruct.html.nodes import Element, Raw, el, escape, render
from agentinstruct.html.page import details, page, section, text_block
from agentinstruct.html.svg import PALETTE, colour, interval_chart, radar_chart
from agentinstruct.html.table import definition_list, table

__all__ = ["PALETTE", "Element", "Raw", "colour", "definition_list", "details", "el", "escape", "interval_chart",
           "page", "radar_chart", "render", "section", "table", "text_block"]
