"""Seed loader: formats, validation and reject reasons, symlink policy, chunking, stable ids."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
import tracemalloc
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.seeds import (
    REJECT_REASONS,
    SeedConfig,
    SeedDoc,
    SeedError,
    SeedKind,
    SeedReject,
    chunk_text,
    iter_seeds,
    load_seeds,
)
from core.seeds.chunking import plan_chunks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROSE = (
    "Tide pools form where the sea retreats from rocky shores twice a day. The animals that live in them "
    "must survive heat, fresh rain and hungry birds until the water returns."
)
CODE = 'def add(a, b):\n    """Add two numbers."""\n    return a + b\n'


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _rejects(result) -> dict[str, str]:
    return {r.source: r.reason for r in result.rejects}


def _jsonl(*rows: object) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    """A seed folder with one good file of each kind and one bad input of each reason."""
    root = tmp_path / "seeds"
    _write(root / "prose.txt", PROSE)
    _write(root / "src" / "add.py", CODE)
    _write(root / "page.html", f"<html><head><title>Pools</title></head><body><p>{PROSE}</p></body></html>")
    _write(root / "table.csv", "name,legs\nstarfish,5\ncrab,10\nanemone,0\n")
    _write(root / "api.json", json.dumps({"openapi": "3.0.0", "info": {"title": "T"}, "paths": {}}))
    _write(root / "rows.jsonl", _jsonl({"text": PROSE}, "{not json", {"body": PROSE}, {"text": 7}, [1, 2]))
    _write(root / "empty.txt", "")
    _write(root / "blank.md", "  \n\t\n   ")
    _write(root / "short.txt", "too short")
    _write(root / "image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    _write(root / "nul.txt", b"hello\x00world " * 10)
    _write(root / "latin1.txt", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, a dessert".encode("latin-1"))
    _write(root / "broken.json", '{"openapi": ')
    _write(root / ".git" / "config", "[core]\n")  # hidden: not loaded, and recorded
    _write(root / "__pycache__" / "add.cpython-311.pyc", b"\x00\x01")
    _write(tmp_path / "outside.txt", PROSE)
    os.symlink(tmp_path / "outside.txt", root / "escape.txt")
    os.symlink("loop_b", root / "loop_a")
    os.symlink("loop_a", root / "loop_b")
    os.symlink("..", root / "src" / "up")
    os.symlink("prose.txt", root / "alias.txt")  # a second way to prose.txt: a duplicate
    os.symlink("missing.txt", root / "dangling.txt")
    return root


def test_mixed_folder_loads_good_files_and_reports_each_bad_one(mixed: Path) -> None:
    result = load_seeds(mixed)
    kinds = {s.id: s.kind for s in result.seeds}
    assert kinds == {
        "api.json": SeedKind.API,
        "page.html": SeedKind.HTML,
        "prose.txt": SeedKind.TEXT,
        "src/add.py": SeedKind.CODE,
        "table.csv": SeedKind.TABLE,
    }
    assert _rejects(result) == {
        ".git": "hidden",
        "__pycache__": "hidden",
        "alias.txt": "duplicate",  # a symlink to prose.txt: processed once, under its real name
        "rows.jsonl:1": "duplicate",  # the text of prose.txt again
        "blank.md": "empty",
        "broken.json": "parse",
        "dangling.txt": "unreadable",
        "empty.txt": "empty",
        "escape.txt": "symlink_escape",
        "image.png": "binary",
        "latin1.txt": "decode",
        "loop_a": "symlink_loop",
        "loop_b": "symlink_loop",
        "nul.txt": "binary",
        "rows.jsonl:2": "parse",
        "rows.jsonl:3": "missing_field",
        "rows.jsonl:4": "missing_field",
        "rows.jsonl:5": "parse",
        "short.txt": "empty",
        "src/up": "symlink_loop",
    }
    assert {r.reason for r in result.rejects} <= set(REJECT_REASONS)
    assert all(r.detail for r in result.rejects)
    assert result.reject_counts()["symlink_loop"] == 3
    by_id = {s.id: s for s in result.seeds}
    assert by_id["src/add.py"].language == "python"
    assert by_id["prose.txt"].text == PROSE and by_id["prose.txt"].source == "prose.txt"
    assert by_id["page.html"].text == f"Pools\n\n{PROSE}"
    details = {r.source: r.detail for r in result.rejects}
    assert "prose.txt" in details["alias.txt"] and "prose.txt" in details["rows.jsonl:1"]


def test_ids_are_stable_unique_and_hashes_match(mixed: Path) -> None:
    first = load_seeds(mixed)
    second = load_seeds(str(mixed))
    assert [(s.id, s.sha256) for s in first.seeds] == [(s.id, s.sha256) for s in second.seeds]
    assert first.rejects == second.rejects
    assert len({s.id for s in first.seeds}) == len(first.seeds)
    for seed in first.seeds:
        assert seed.sha256 == hashlib.sha256(seed.text.encode("utf-8")).hexdigest()


def test_streaming_order_is_sorted_and_matches_load(mixed: Path) -> None:
    items = list(iter_seeds(mixed))
    sources = [i.source.split(":")[0] if isinstance(i, SeedReject) else i.source for i in items]
    top = [s for s in sources if "/" not in s]
    assert top == sorted(top)
    result = load_seeds(mixed)
    assert [i for i in items if isinstance(i, SeedDoc)] == result.seeds


def test_include_hidden_loads_dot_entries(tmp_path: Path) -> None:
    _write(tmp_path / ".notes" / "a.txt", PROSE)
    _write(tmp_path / ".hidden.txt", PROSE + " Again.")
    assert load_seeds(tmp_path).seeds == []
    ids = [s.id for s in load_seeds(tmp_path, SeedConfig(include_hidden=True)).seeds]
    assert ids == [".hidden.txt", ".notes/a.txt"]


def test_missing_root_raises_at_call_time(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(SeedError, match="nope"):
        iter_seeds(missing)  # no iteration needed
    with pytest.raises(ValueError, match="does not exist"):
        load_seeds(str(missing))
    os.symlink(missing, tmp_path / "dangling")
    with pytest.raises(SeedError, match="dangling symlink"):
        load_seeds(tmp_path / "dangling")
    with pytest.raises(SeedError, match="empty"):
        load_seeds("")


def test_single_file_root_uses_its_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "deep" / "notes.md", PROSE)
    (seed,) = load_seeds(path).seeds
    assert (seed.id, seed.source, seed.kind) == ("notes.md", "notes.md", SeedKind.TEXT)
    assert (seed.chunk, seed.n_chunks) == (0, 1)


def test_newlines_and_utf8_bom_are_normalised(tmp_path: Path) -> None:
    _write(tmp_path / "crlf.txt", b"\xef\xbb\xbf" + PROSE.replace(". ", ".\r\n").encode())
    _write(tmp_path / "utf16.txt", PROSE.encode("utf-16"))
    result = load_seeds(tmp_path)
    assert result.seeds[0].text == PROSE.replace(". ", ".\n")
    assert _rejects(result) == {"utf16.txt": "decode"}
    assert "UTF-16" in result.rejects[0].detail


def test_fifo_and_oversized_files_are_rejected(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would block forever
    _write(tmp_path / "big.txt", PROSE * 20)
    result = load_seeds(tmp_path, SeedConfig(max_file_bytes=1000))
    assert _rejects(result) == {"big.txt": "too_large", "pipe.txt": "unreadable"}
    assert "max_file_bytes=1,000" in result.rejects[0].detail


def test_jsonl_fields_ids_and_row_rejects(tmp_path: Path) -> None:
    rows = _jsonl(
        {"uid": "a", "content": PROSE},
        "",
        {"uid": 7, "content": PROSE + " Seven."},
        {"uid": "a", "content": PROSE + " Again."},
        {"content": PROSE},
        {"uid": "b", "content": "   "},
        {"uid": "c", "content": "nul\u0000" + PROSE},
        {"uid": "d", "content": "\ud800 lone surrogate " + PROSE},
    )
    _write(tmp_path / "corpus.jsonl", rows)
    result = load_seeds(tmp_path, SeedConfig(text_field="content", id_field="uid"))
    assert [s.id for s in result.seeds] == ["corpus.jsonl#a", "corpus.jsonl#7"]
    assert _rejects(result) == {
        "corpus.jsonl:4": "duplicate_id",
        "corpus.jsonl:5": "missing_field",
        "corpus.jsonl:6": "empty",
        "corpus.jsonl:7": "binary",
        "corpus.jsonl:8": "decode",
    }
    default_ids = [s.id for s in load_seeds(tmp_path, SeedConfig(text_field="content")).seeds]
    assert default_ids[:3] == ["corpus.jsonl#L1", "corpus.jsonl#L3", "corpus.jsonl#L4"]


def test_pathological_inputs_become_rejects_not_crashes(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    _write(tmp_path / "rows.jsonl", _jsonl(deep, '{"text": ' + "9" * 5000 + "}", {"text": PROSE}))
    _write(tmp_path / "deep.json", deep)
    _write(tmp_path / "word.html", f"<p>{PROSE} <![foo bar baz</p>")  # html.parser raises AssertionError
    _write(tmp_path / "bad.jsonl", b"\x1f\x8b\x08\x00 gzip, not jsonl")
    result = load_seeds(tmp_path)
    assert [s.id for s in result.seeds] == ["rows.jsonl#L3", "word.html"]
    assert result.seeds[1].text == f"{PROSE} <![foo bar baz"
    assert _rejects(result) == {
        "bad.jsonl": "binary",
        "deep.json": "parse",
        "rows.jsonl:1": "parse",
        "rows.jsonl:2": "parse",
    }


def test_json_files_are_classified_by_shape(tmp_path: Path) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    _write(tmp_path / "tools.json", json.dumps([tool, tool]))
    _write(tmp_path / "schema.json", json.dumps({"type": "object", "properties": {"q": {"type": "string"}}}))
    _write(
        tmp_path / "table.json",
        json.dumps([{"city": "Oslo", "pop": 709000}, {"city": "Bergen", "pop": 291000}]),
    )
    _write(tmp_path / "records.json", json.dumps([{"text": PROSE}, {"text": PROSE + " Two."}]))
    _write(tmp_path / "config.json", json.dumps({"debug": True, "nested": {"a": [1, {"b": 2}]}}))
    result = load_seeds(tmp_path)
    assert {s.id: s.kind for s in result.seeds} == {
        "records.json#0": SeedKind.TEXT,
        "records.json#1": SeedKind.TEXT,
        "schema.json": SeedKind.API,
        "table.json": SeedKind.TABLE,
        "tools.json": SeedKind.API,
    }
    assert _rejects(result) == {"config.json": "parse"}


def test_hf_dataset_saved_to_disk(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    texts = [PROSE, PROSE + " Second.", "", PROSE + " Fourth."]
    datasets.Dataset.from_dict({"body": texts, "n": [1, 2, 3, 4]}).save_to_disk(str(tmp_path / "ds"))
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"body": [PROSE + " Train."]})})
    dd.save_to_disk(str(tmp_path / "dd"))
    _write(tmp_path / "readme.txt", PROSE + " Readme.")
    result = load_seeds(tmp_path, SeedConfig(text_field="body"))
    assert [s.id for s in result.seeds] == ["dd/train#0", "ds#0", "ds#1", "ds#3", "readme.txt"]
    assert _rejects(result) == {"ds#2": "empty"}
    assert result.seeds[1].source == "ds"
    by_value = load_seeds(tmp_path / "ds", SeedConfig(text_field="body", id_field="n"))
    assert [s.id for s in by_value.seeds] == ["ds#1", "ds#2", "ds#4"]
    wrong = load_seeds(tmp_path / "ds")  # default text field "text" is not a column
    assert _rejects(wrong) == {"ds": "missing_field"} and "body" in wrong.rejects[0].detail
    datasets.Dataset.from_dict({"text": [1, 2]}).save_to_disk(str(tmp_path / "ints"))
    ints = load_seeds(tmp_path / "ints")
    assert _rejects(ints) == {"ints": "missing_field"} and "not strings" in ints.rejects[0].detail


def _assert_cover(text: str, spans: list[tuple[int, int]], max_chars: int, overlap: int) -> None:
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    for (s0, e0), (s1, e1) in itertools.pairwise(spans):
        assert s0 < s1 <= e0 < e1, "chunks must advance and leave no gap"
        assert e0 - s1 <= overlap
    assert all(0 < e - s <= max_chars for s, e in spans)


@pytest.mark.parametrize("kind", list(SeedKind))
@pytest.mark.parametrize(("max_chars", "overlap"), [(500, 0), (500, 100), (1000, 200), (97, 13)])
def test_chunks_cover_the_text(kind: SeedKind, max_chars: int, overlap: int) -> None:
    paragraphs = [f"Paragraph {i}. " + "Some words follow here, and more. " * (i % 9) for i in range(60)]
    text = "\n\n".join(paragraphs) + "\n" + "x" * 2500 + "\n" + "def f():\n    return 1\n" * 40
    spans, cut = plan_chunks(text, max_chars, overlap, kind)
    assert cut == len(text)
    _assert_cover(text, spans, max_chars, overlap)
    assert chunk_text(text, max_chars, overlap, kind) == [text[s:e] for s, e in spans]


def test_chunk_boundaries_follow_paragraphs_and_lines() -> None:
    paragraphs = [f"Paragraph {i} says something useful about tide pools." * 3 for i in range(40)]
    text = "\n\n".join(paragraphs)
    chunks = chunk_text(text, 1000, 0, SeedKind.TEXT)
    assert len(chunks) > 5 and "".join(chunks) == text
    assert all(c.endswith("\n\n") for c in chunks[:-1])
    code = "".join(f"def f{i}(x):\n    y = x + {i}\n    return y * 2\n\n" for i in range(100))
    code_chunks = chunk_text(code, 600, 0, SeedKind.CODE)
    assert all(c.startswith("def ") and c.endswith("\n") for c in code_chunks)


def test_chunk_overlap_starts_at_a_boundary() -> None:
    text = " ".join(f"word{i}" for i in range(2000))
    chunks = chunk_text(text, 700, 100, SeedKind.TEXT)
    assert all(c.startswith("word") for c in chunks)
    assert all(0 < len(a) - a.rfind(b[:20]) <= 100 for a, b in itertools.pairwise(chunks))


def test_long_line_without_spaces_is_cut_hard() -> None:
    text = "x" * 10_000
    chunks = chunk_text(text, 3000, 200, SeedKind.CODE)
    assert [len(c) for c in chunks] == [3000, 3000, 3000, 1600]
    assert chunk_text("short", 3000, 200, SeedKind.TEXT) == ["short"]
    with pytest.raises(ValueError):
        chunk_text(text, 100, 100, SeedKind.TEXT)


def test_long_document_is_chunked_with_stable_ids(tmp_path: Path) -> None:
    text = "\n\n".join(f"Section {i}. " + PROSE for i in range(100))
    _write(tmp_path / "long.md", text)
    config = SeedConfig(chunk_chars=2000, chunk_overlap=100)
    seeds = load_seeds(tmp_path, config).seeds
    assert len(seeds) > 5
    assert [s.id for s in seeds] == [f"long.md@{i}" for i in range(len(seeds))]
    assert {s.n_chunks for s in seeds} == {len(seeds)} and [s.chunk for s in seeds] == list(range(len(seeds)))
    assert seeds[0].text.startswith("Section 0.") and seeds[-1].text.endswith(PROSE)
    assert all(len(s.text) <= 2000 for s in seeds)
    assert [s.id for s in load_seeds(tmp_path, config).seeds] == [s.id for s in seeds]


def test_csv_chunks_repeat_the_header(tmp_path: Path) -> None:
    rows = "".join(f"{i},species {i},{i % 7}\n" for i in range(300))
    _write(tmp_path / "t.csv", "id,name,count\n" + rows)
    seeds = load_seeds(tmp_path, SeedConfig(chunk_chars=500, chunk_overlap=50)).seeds
    assert len(seeds) > 5 and all(s.text.startswith("id,name,count\n") for s in seeds)
    assert "".join(s.text.removeprefix("id,name,count\n") for s in seeds) == rows  # every row exactly once
    assert all(len(s.text) <= 500 and s.text.endswith("\n") for s in seeds)
    _write(tmp_path / "bad.csv", 'a,b\n"unclosed,1\n')
    assert _rejects(load_seeds(tmp_path)) == {"bad.csv": "parse"}


def test_five_megabyte_single_line_is_chunked_up_to_the_cap(tmp_path: Path) -> None:
    line = ("lorem ipsum dolor sit amet " * 200_000)[:5_000_000]
    _write(tmp_path / "huge.txt", line)
    tracemalloc.start()
    started = time.perf_counter()
    items = list(iter_seeds(tmp_path))
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 10 and peak < 100_000_000
    seeds = [i for i in items if isinstance(i, SeedDoc)]
    rejects = [i for i in items if isinstance(i, SeedReject)]
    config = SeedConfig()
    assert 30 <= len(seeds) <= config.max_seed_chars // (config.chunk_chars - 2 * config.chunk_overlap) + 1
    assert all(len(s.text) <= config.chunk_chars for s in seeds)
    assert sum(len(s.text) for s in seeds) >= config.max_seed_chars
    assert line.startswith(seeds[0].text)
    assert [(r.source, r.reason) for r in rejects] == [("huge.txt", "too_large")]
    assert "5,000,000 characters" in rejects[0].detail


def test_oversized_jsonl_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    big = json.dumps({"text": "y" * 3_000_000})
    _write(tmp_path / "rows.jsonl", _jsonl({"text": PROSE}, big, {"text": PROSE + " After."}))
    result = load_seeds(tmp_path, SeedConfig(max_file_bytes=100_000))
    assert [s.id for s in result.seeds] == ["rows.jsonl#L1", "rows.jsonl#L3"]
    assert _rejects(result) == {"rows.jsonl:2": "too_large"}


def test_models_are_strict() -> None:
    with pytest.raises(ValidationError):
        SeedConfig(chunk_size=10)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        SeedConfig(chunk_chars=100, chunk_overlap=60)
    doc = SeedDoc(id="a", text="t", source="a", sha256=hashlib.sha256(b"t").hexdigest(), kind=SeedKind.TEXT)
    with pytest.raises(ValidationError):
        doc.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="sha256"):
        SeedDoc(id="a", text="u", source="a", sha256=doc.sha256, kind="text")
    with pytest.raises(ValidationError):
        SeedReject(source="a", reason="empty", detail="d", extra=1)  # type: ignore[call-arg]
    assert SeedDoc.model_validate_json(doc.model_dump_json()) == doc


def test_example_seeds_load_without_rejects() -> None:
    result = load_seeds(EXAMPLES / "seeds")
    assert result.rejects == []
    assert {s.kind for s in result.seeds} == set(SeedKind)
    assert all(s.n_chunks == 1 for s in result.seeds), "examples must fit the tiny model's context whole"
    sources_md = (EXAMPLES / "SEEDS_SOURCES.md").read_text(encoding="utf-8")
    for path in sorted((EXAMPLES / "seeds").rglob("*")):
        if path.is_file():
            assert 1000 <= path.stat().st_size <= 6000, path
            assert f"`{path.relative_to(EXAMPLES / 'seeds').as_posix()}`" in sources_md, path


def test_an_api_description_is_never_cut_into_chunks(tmp_path: Path) -> None:
    """A chunk of a JSON/OpenAPI document is not valid JSON: API seeds stay whole, or are rejected whole."""
    spec = EXAMPLES / "seeds" / "api" / "library_openapi.json"
    (tmp_path / "api.json").write_text(spec.read_text(encoding="utf-8"), encoding="utf-8")
    small = SeedConfig(chunk_chars=500, chunk_overlap=0)
    [doc] = load_seeds(tmp_path, small).seeds
    assert doc.kind == SeedKind.API and doc.n_chunks == 1
    assert json.loads(doc.text) == json.loads(spec.read_text(encoding="utf-8"))
    tiny = SeedConfig(chunk_chars=500, chunk_overlap=0, max_seed_chars=1000)
    result = load_seeds(tmp_path, tiny)
    assert result.seeds == [] and [r.reason for r in result.rejects] == ["too_large"]
