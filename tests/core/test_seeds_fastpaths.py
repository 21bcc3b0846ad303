"""The loader's fast paths give what the plain code gives: visible-character counts, binary signatures,
bounded reads, seeds built without a second validation, the duplicate check on the open file's stat."""

from __future__ import annotations

import os
import random

import pytest

from core.seeds import SeedConfig, iter_seeds
from core.seeds.content import _MAGIC, binary_reason, read_limited
from core.seeds.loader import _VISIBLE, _doc, visible_chars
from core.seeds.models import RawSeed, SeedDoc, SeedKind, SeedReject, sha256_text


def _visible_reference(text: str, enough: int) -> int:
    found = 0
    for _ in _VISIBLE.finditer(text):
        found += 1
        if found >= enough:
            break
    return found


def test_visible_chars_counts_as_a_full_scan_does():
    rng = random.Random(7)
    alphabet = ["a", "Z", "7", " ", "\n", "\t", "\u200b", "\u00ad", "\ufeff", "\u202e", "é", "\U000e0041"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 200)))
        for enough in (1, 5, 20, 50):
            assert visible_chars(text, enough) == _visible_reference(text, enough), (text, enough)
    hidden = "\u200b" * 500 + "abc" + " " * 500 + "d" * 30
    assert visible_chars(hidden, 20) == _visible_reference(hidden, 20) == 20
    assert visible_chars("\u200b" * 1000, 20) == 0


def _binary_reference(data: bytes) -> str | None:
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return f"starts with the signature of a {name}"
    if data.startswith(b"BZh") and data[4:10] == b"1AY&SY":
        return "starts with the signature of a bzip2 archive"
    nul = data.find(b"\x00")
    return f"NUL byte at offset {nul}" if nul >= 0 else None


def test_binary_reason_tries_the_signatures_in_their_order():
    samples = [b"", b"x", b"hello\x00", b"BZh91AY&SYxx", b"GIF89a...", b"GIF8", b"PK\x05\x06", b"PK\x03\x04"]
    samples += [magic + b"tail" for magic, _ in _MAGIC] + [magic[:-1] for magic, _ in _MAGIC]
    for data in samples:
        assert binary_reason(data) == _binary_reference(data), data


def test_read_limited_reads_the_whole_file_and_refuses_what_is_over_the_limit(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 5000)
    assert read_limited(path, 5000, "a.txt") == b"x" * 5000
    over = read_limited(path, 4999, "a.txt")
    assert isinstance(over, SeedReject) and over.reason == "too_large"
    (tmp_path / "empty").write_bytes(b"")
    assert read_limited(tmp_path / "empty", 10, "empty") == b""
    missing = read_limited(tmp_path / "nope", 10, "nope")
    assert missing.reason == "unreadable" and missing.detail.startswith("FileNotFoundError: [Errno 2]")
    folder = read_limited(tmp_path, 10, "dir")
    assert folder.reason == "unreadable"
    assert folder.detail == f"IsADirectoryError: [Errno 21] Is a directory: {str(tmp_path)!r}"


def test_read_limited_reads_on_past_the_size_it_was_opened_with(tmp_path, monkeypatch):
    path = tmp_path / "grows.txt"
    path.write_bytes(b"12345")
    real_fstat = os.fstat

    def stale_fstat(fd):  # the size seen before the file grew
        result = real_fstat(fd)
        path.write_bytes(b"x" * 100)
        return os.stat_result((*result[:6], 5, *result[7:]))

    monkeypatch.setattr(os, "fstat", stale_fstat)
    grew = read_limited(path, 50, "grows.txt")
    assert isinstance(grew, SeedReject) and grew.reason == "too_large" and "while read" in grew.detail
    path.write_bytes(b"12345")
    assert read_limited(path, 1000, "grows.txt") == b"x" * 100


def test_read_limited_returns_the_checks_reject_before_reading(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"text")
    seen = []
    refused = SeedReject(source="a.txt", reason="duplicate", detail="x")
    assert read_limited(path, 100, "a.txt", lambda st: seen.append(st.st_ino) or refused) is refused
    assert seen == [os.stat(path).st_ino]
    assert read_limited(path, 100, "a.txt", lambda st: None) == b"text"


def test_a_seed_built_without_revalidation_equals_a_validated_one():
    raw = RawSeed(id="a.txt", source="a.txt", where="a.txt", text="some text", kind=SeedKind.CODE,
                  language="python", flags=("url",))
    for text, seed_id, chunk, n in (("some text", "a.txt", 0, 1), ("chunk", "a.txt@1", 1, 3)):
        built = _doc(raw, text, seed_id, chunk, n)
        validated = SeedDoc(id=seed_id, text=text, source="a.txt", sha256=sha256_text(text), kind=SeedKind.CODE,
                            language="python", chunk=chunk, n_chunks=n, flags=("url",))
        assert built == validated
        assert built.model_dump_json() == validated.model_dump_json()
        assert built.model_fields_set == validated.model_fields_set
    with pytest.raises(ValueError):
        _doc(raw, "t", "", 0, 1)  # an empty id is still refused


def test_a_hard_link_is_a_duplicate_and_an_unreadable_link_still_is_one(tmp_path):
    root = tmp_path / "seeds"
    root.mkdir()
    (root / "a.txt").write_text("The harbour of Port Ellis handled many ships a day.\n")
    os.link(root / "a.txt", root / "b.txt")
    out = list(iter_seeds(root, SeedConfig()))
    assert [type(o).__name__ for o in out] == ["SeedDoc", "SeedReject"]
    assert out[1].reason == "duplicate" and out[1].detail == "the same file as a.txt (a link to it)"


def test_a_file_that_cannot_be_opened_is_still_checked_for_a_link(tmp_path, monkeypatch):
    root = tmp_path / "seeds"
    root.mkdir()
    (root / "a.txt").write_text("The harbour of Port Ellis handled many ships a day.\n")
    os.link(root / "a.txt", root / "b.txt")
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if os.fspath(path).endswith("a.txt"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    out = list(iter_seeds(root, SeedConfig()))
    assert [(o.reason, o.source) for o in out] == [("unreadable", "a.txt"), ("duplicate", "b.txt")]
