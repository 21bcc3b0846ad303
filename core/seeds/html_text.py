"""Reduce an HTML page to the readable text an LLM should see, keeping its structure visible.

Scripts, styles, navigation menus and other non-content elements are dropped; block elements become
paragraphs, headings get markdown ``#`` marks, list items ``- `` or ``1. ``, table rows become lines of
``|``-separated cells, ``<pre>`` keeps its whitespace and character references are decoded. The page
``<title>`` leads the text unless the first heading repeats it. Uses the standard library's tolerant
``html.parser``; the one kind of markup it chokes on (malformed ``<![...`` marked sections, on which it
raises ``AssertionError``) is retried with those sections read as text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset(
    {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas", "nav"}
)
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "header", "hr", "main", "p", "section", "summary", "table",
    "caption", "thead", "tbody", "tfoot",
})  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0
        self.in_title = False
        self.in_head = False
        self.cells_in_row = 0
        self.lists: list[int] = []  # per open list: next item number for <ol>, -1 for <ul>

    def _brk(self, sep: str) -> None:
        self.parts.append(sep)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "head":
            self.in_head = True
        elif tag == "title":
            self.in_title = True
        elif tag in _HEADINGS:
            self._brk("\n\n" + "#" * _HEADINGS[tag] + " ")
        elif tag in ("ol", "ul"):
            if not self.lists:  # a nested list stays inside its item: its <li> tags break the lines
                self._brk("\n\n")
            self.lists.append(1 if tag == "ol" else -1)
        elif tag == "li":
            indent = "  " * max(0, len(self.lists) - 1)
            if self.lists and self.lists[-1] > 0:
                self._brk(f"\n{indent}{self.lists[-1]}. ")
                self.lists[-1] += 1
            else:
                self._brk(f"\n{indent}- ")
        elif tag == "tr":
            self._brk("\n")
            self.cells_in_row = 0
        elif tag in ("td", "th"):
            if self.cells_in_row:
                self._brk(" | ")
            self.cells_in_row += 1
        elif tag == "br":
            self._brk("\n")
        elif tag == "pre":
            self._brk("\n\n")
            self.pre_depth += 1
        elif tag in _BLOCK:
            self._brk("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "head":
            self.in_head = False
        elif tag == "title":
            self.in_title = False
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
            self._brk("\n\n")
        elif tag in ("ol", "ul"):
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self._brk("\n\n")
        elif tag in _HEADINGS or tag in _BLOCK:
            self._brk("\n\n")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.in_title:
            self.title.append(data)
        elif self.in_head:
            return
        elif self.pre_depth:
            self.parts.append(data)
        else:
            collapsed = _SPACES.sub(" ", data)
            if not self.parts or self.parts[-1].endswith(("\n", " ")):
                collapsed = collapsed.lstrip(" ")
            if collapsed:
                self.parts.append(collapsed)


def _parse(markup: str) -> _Extractor:
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    return parser


def html_to_text(markup: str) -> str:
    """The readable text of an HTML document (empty if it has none).

    Raises ``ValueError`` if the markup cannot be parsed even with its marked sections escaped.
    """
    try:
        parser = _parse(markup)
    except AssertionError:  # html.parser's verdict on a malformed "<![" marked section
        try:
            parser = _parse(markup.replace("<![", "&lt;!["))
        except AssertionError as exc:
            raise ValueError(f"malformed HTML: {exc}") from exc
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)  # trailing spaces
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    title = _SPACES.sub(" ", "".join(parser.title)).strip()
    if title and not text.lstrip("# ").startswith(title):
        text = f"{title}\n\n{text}" if text else title
    return text
