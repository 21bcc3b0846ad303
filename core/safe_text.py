"""Text made safe to write and to log: lone surrogates, NUL and control characters.

Two uses, two functions:

- :func:`safe_text` is for text that is *kept* (a record, a failure excerpt, a JSONL line): a lone surrogate
  (which no UTF-8 file can hold: writing one raised ``UnicodeEncodeError`` and wedged every ``--resume``
  on the same cached answer) becomes U+FFFD, and NUL and the other C0/C1 control characters except tab,
  newline and carriage return are dropped. Everything else, including every printable script, is kept.
- :func:`escape_controls` is for text that is *logged* or printed on one line (a file name, an excerpt): a
  newline, an ANSI escape or any other control character becomes a visible escape (``\\n``, ``\\x1b``), so
  a hostile name cannot forge log lines or colour a terminal. :class:`SafeFormatter` applies it to every
  log message.
"""

from __future__ import annotations

import logging
import re

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DROPPED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def safe_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD and control characters (but tab, newline and
    carriage return) removed; always encodable as UTF-8."""
    if not text:
        return text
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return _DROPPED.sub("", text) if _DROPPED.search(text) else text


def escape_controls(text: str) -> str:
    """``text`` on one line: every control character (newline included), line separator and lone surrogate
    written as a visible escape."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: _NAMED.get(m[0], f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                                             else f"\\u{ord(m[0]):04x}"), text)


class SafeFormatter(logging.Formatter):
    """A log formatter whose message part is :func:`escape_controls`-ed: one record, one line (a traceback,
    when one is logged, still follows on its own lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)
