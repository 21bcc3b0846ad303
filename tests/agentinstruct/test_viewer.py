"""``agentinstruct view``: the page of a run (records, parents, failures, summary), served on 127.0.0.1 only,
and its filters in headless Chromium (a fragment applies a filter; the rows shown change)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from dummies import make_dummy
from typer.testing import CliRunner

from agentinstruct import RunConfig, generate
from agentinstruct.cli import app
from agentinstruct.viewer import load_run, render_run
from agentinstruct.viewer.run_data import find_parents
from agentinstruct.viewer.serve import serve_in_background
from core.config import GenerationConfig, QualityConfig

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "seeds"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A judged DummyLM run over the sample seeds: three skills, refined items, refusals kept."""
    root = tmp_path_factory.mktemp("viewer")
    cfg = RunConfig(generation=GenerationConfig(skills=["reading_comprehension", "text_modification", "coding"],
                                                instruction_types_per_passage=2, refinement_rounds=1,
                                                refinement_suggestions=1, generation_attempts=2),
                    quality=QualityConfig(dedup=False, keep_rejected=True))
    generate(EXAMPLES, root / "run", lms=make_dummy(), config=cfg, compiled_dir=None)
    with open(root / "run" / "failures.jsonl", "a", encoding="utf-8") as fh:  # text a model could have written
        fh.write(json.dumps({"unit_id": "u", "seed_id": "s", "skill": "coding", "stage": "respond", "agent": None,
                             "reason": "parse", "error": "AdapterParseError", "excerpt": HOSTILE}) + "\n")
    return root / "run"


def _visible_records(dom: str) -> int:
    return sum(1 for tag in re.findall(r"<tr [^>]*class=\"rec\"[^>]*>", dom) if " hidden" not in tag)


def test_the_page_holds_every_record_its_parent_and_the_failures(run_dir):
    view = load_run(run_dir)
    html = render_run(run_dir)
    assert html.count('class="rec"') == len(view.records) > 0
    refined = [r for r in view.records if r["lineage"]["refinement_round"]]
    assert refined and all(r["id"] in view.parents for r in refined)  # every refined item finds its parent
    parent = view.parents[refined[0]["id"]]
    assert parent["id"] == refined[0]["lineage"]["parent_id"]
    assert 'class="parent"' in html
    assert HOSTILE not in html and "&lt;script&gt;alert" in html  # excerpts are escaped
    assert html.count("<script") == 1  # the filter script only
    assert "Failures and refusals" in html and "parse" in html
    assert f"{len(view.records)} of {len(view.records)} records shown" in html


def test_parents_are_matched_by_key_when_lineage_has_no_parent_id():
    base = {"metadata": {"unit_id": "u1"}, "skill": "s"}
    parent = {**base, "id": "p", "lineage": {"transformation": "t", "instruction_type": "i", "refinement_round": 0}}
    child = {**base, "id": "c", "lineage": {"transformation": "t", "instruction_type": "i", "refinement_round": 1,
                                            "parent_id": None}}
    other = {**base, "id": "o", "lineage": {"transformation": "t2", "instruction_type": "i", "refinement_round": 1}}
    assert find_parents([parent, child, other], []) == {"c": parent}


def test_the_server_answers_on_localhost_only(run_dir):
    server, thread = serve_in_background(run_dir)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as reply:
            assert reply.status == 200 and "text/html" in reply.headers["Content-Type"]
            assert 'class="rec"' in reply.read().decode("utf-8")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/data/shard-00000.jsonl", timeout=10)
        assert missing.value.code == 404  # the page, never the run's files
    finally:
        server.shutdown()
        thread.join(5)


def test_view_writes_a_self_contained_page(run_dir, tmp_path):
    out = tmp_path / "view.html"
    result = CliRunner().invoke(app, ["view", str(run_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and not re.search(r'(src|href)="https?:', html)
    missing = CliRunner().invoke(app, ["view", str(tmp_path / "nope"), "--out", str(out)])
    assert missing.exit_code == 2 and "not a run directory" in " ".join(missing.output.split())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _dump_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update", "--disable-sync",
                               "--no-first-run", f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install -y chromium)")
def test_filters_change_the_rows_shown_in_chromium(run_dir, tmp_path):
    view = load_run(run_dir)
    page = tmp_path / "view.html"
    page.write_text(render_run(run_dir), encoding="utf-8")
    url = page.as_uri()
    total = len(view.records)
    coding = sum(r["skill"] == "coding" for r in view.records)
    refined_rc = sum(r["skill"] == "reading_comprehension" and r["lineage"]["refinement_round"] > 0
                     for r in view.records)
    assert 0 < coding < total and 0 < refined_rc

    everything = _dump_dom(url)
    assert _visible_records(everything) == total and f"{total} of {total} records shown" in everything
    filtered = _dump_dom(url + "#skill=coding")
    assert _visible_records(filtered) == coding and f"{coding} of {total} records shown" in filtered
    assert '<option value="coding" selected' in filtered or 'id="f-skill"' in filtered
    both = _dump_dom(url + "#skill=reading_comprehension&refined=1")
    assert _visible_records(both) == refined_rc
    high = _dump_dom(url + "#min_score=1.01")  # above every score: nothing shown
    assert _visible_records(high) == 0
