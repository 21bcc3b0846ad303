"""The whole CLI over a mixed folder of hostile seeds, against a mock provider that replays one class of bad
output per seed: an exit code from the documented table, no traceback, every class recorded with its
reason, every hostile file rejected with its reason, no secret in any file, and a rerun over the same cache
asks again for every refused answer.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from hostile import EVIL_URL, LEAKED_KEY, OUTPUTS, PLANTED_SEED, STRUCTURE

from agentinstruct.cli_commands.errors import EXIT_FAILURES, EXIT_OK
from agentinstruct.testing.mock_openai import MockOpenAIServer, Scripted, content_for

API_KEY = "sk-mock-0123456789abcdefKEEPOUT"
SEED_KEY = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
PROSE = ("The river town of Aberford had {n} bridges in 1801. Its mills ground wheat and barley, and its market "
         "drew traders from three valleys every autumn, when the ferries ran late into the night.")
RESPONSE_CLASSES = sorted(OUTPUTS) + sorted(STRUCTURE)
EDIT_CLASSES = ("edit_noop", "drift")


def _fields(body: dict) -> list[str]:
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema") or {}
    if schema.get("properties"):
        return list(schema["properties"])
    text = str(body["messages"][-1].get("content", ""))
    return re.findall(r"`(\w+)`", text.rsplit("in the following order of fields:", 1)[-1])


def _section(text: str, name: str) -> str:
    match = re.search(rf"\[\[ ## {name} ## \]\]\n(.*?)(?:\n\n\[\[ ## |\n\nRespond with|\Z)", text, re.DOTALL)
    return match.group(1) if match else ""


def _script(body: dict, n: int) -> Scripted | None:
    text = json.dumps(body.get("messages"))
    case = re.search(r"case-([a-z_]+)", text)
    if case is None:
        return None
    kind, fields = case.group(1), _fields(body)
    if "response" in fields and kind in OUTPUTS:
        return Scripted(content=json.dumps({"response": OUTPUTS[kind]}))
    if "response" in fields and kind in STRUCTURE:
        raw, finish = STRUCTURE[kind]
        return Scripted(content=raw, finish_reason=finish)
    if "modified_instruction" in fields:
        user = str(body["messages"][-1].get("content", ""))
        passage, instruction = _section(user, "passage"), _section(user, "instruction")
        if kind not in EDIT_CLASSES:  # a real edit, which keeps the case marker in the passage
            answer = {"modified_instruction": instruction + " Answer in one sentence, citing the ledger."}
            if "modified_passage" in fields:
                answer["modified_passage"] = passage + " The toll on the old bridge was raised in 1802."
            return Scripted(content=json.dumps(answer))
        if kind == "drift":
            instruction = ("Which chemical element has the highest melting point among refractory metals used in "
                           "aerospace turbine blades, tungsten or rhenium alloys?")
        answer = {"modified_instruction": " " + instruction + "  "}
        if "modified_passage" in fields:
            answer["modified_passage"] = passage.replace(" ", "  ")
        return Scripted(content=json.dumps(answer))
    if "passage" in fields and "modified_passage" not in fields:  # the transformer keeps the case marker
        seed = _section(str(body["messages"][-1].get("content", "")), "seed_text")
        return Scripted(content=json.dumps({"passage": seed or content_for(body)}))
    return None


def _hostile_folder(root: Path) -> Path:
    seeds = root / "seeds"
    seeds.mkdir()
    for i, kind in enumerate([*RESPONSE_CLASSES, *EDIT_CLASSES]):
        text = PLANTED_SEED if kind == "injection" else PROSE.format(n=100 + i)
        (seeds / f"class_{kind}.txt").write_text(f"{text} Ledger entry case-{kind}.\n")
    (seeds / "zero_width.txt").write_text("\u200b\u200d\ufeff" * 200)
    (seeds / "empty.txt").write_text("")
    (seeds / "copy.txt").write_text((seeds / "class_refusal.txt").read_text())
    (seeds / "sub").mkdir()
    (seeds / "sub" / "again.txt").symlink_to(seeds / "class_degenerate.txt")
    (seeds / "rows.jsonl").write_text("\ufeff" + json.dumps({"text": PROSE.format(n=7)}) + "\n"
                                      + '{"text": "' + PROSE.format(n=8) + '", "score": NaN}\n')
    (seeds / ".secret_notes.txt").write_text(PROSE.format(n=9))
    (seeds / "ragged.csv").write_text("name,legs\nstarfish,5\ncrab,10,claws\n")
    (seeds / "planets.csv").write_text("name,moons\nEarth,1\nMars,2\n")
    (seeds / "evil\nERROR forged\x1b[31m.txt").write_text(PROSE.format(n=11))
    with open(os.fsencode(seeds) + b"/caf\xe9.txt", "wb") as fh:
        fh.write(PROSE.format(n=12).encode())
    (seeds / "keys.txt").write_text(PROSE.format(n=13) + f" The token {SEED_KEY} opens the sluice log at "
                                    "https://aberford.example.org/log.\n")
    (seeds / "nul.txt").write_bytes(b"mill\x00" * 40)
    return seeds


def _config(root: Path, url: str) -> Path:
    path = root / "config.yaml"
    path.write_text(json.dumps({
        "models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_API_KEY", "api_base": url,
                               "num_retries": 1, "timeout_s": 10, "malformed_attempts": 2}},
        "quality": {"dedup": False, "decontaminate": False}, "judging": {"enabled": False},
        "generation": {"instruction_types_per_passage": 1, "refinement_rounds": 1, "refinement_suggestions": 1,
                       "concurrency": 4, "agent_weights": {"reading_comprehension.identity": 1000.0}},
    }))
    return path


def _generate(seeds: Path, config: Path, out: Path, env: dict) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "agentinstruct.cli", "generate", "--seeds", str(seeds), "--config",
                           str(config), "--out", str(out)], env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8")] if path.exists() else []


def test_a_hostile_folder_and_every_class_of_bad_output_end_in_a_documented_exit(tmp_path):
    seeds = _hostile_folder(tmp_path)
    env = dict(os.environ, MOCK_API_KEY=API_KEY, AGENTINSTRUCT_CACHE=str(tmp_path / "cache"))
    with MockOpenAIServer(latency_s=0.0, script=_script, max_seconds=300) as server:
        config = _config(tmp_path, server.url)
        code, output = _generate(seeds, config, tmp_path / "run", env)
        first = server.stats.requests
        rerun_code, rerun_output = _generate(seeds, config, tmp_path / "run2", env)
        rerun_requests = server.stats.requests - first
    run = tmp_path / "run"
    summary = json.loads((run / "summary.json").read_text())
    ran = summary["units_done"] + summary["units_failed"]
    assert code == (EXIT_FAILURES if summary["units_failed"] / ran > 0.5 else EXIT_OK), output
    assert rerun_code == code
    for text in (output, rerun_output):
        assert "Traceback" not in text and "\x1b[31m.txt" not in text and "\nERROR forged" not in text

    failures = _lines(run / "failures.jsonl")
    for kind in [*RESPONSE_CLASSES, *EDIT_CLASSES]:
        reasons = {f["reason"] for f in failures if f["seed_id"] == f"class_{kind}.txt"}
        assert kind in reasons, (kind, reasons)
    records = [r for p in (run / "data").glob("*.jsonl") for r in _lines(p)]
    written = {r["lineage"]["seed_id"] for r in records}
    assert not written & {f"class_{kind}.txt" for kind in RESPONSE_CLASSES}  # no record of a refused answer
    assert all(EVIL_URL not in json.dumps(r) for r in records)

    rejects = {(r["source"], r["reason"]) for r in _lines(run / "rejects.jsonl")}
    assert {("zero_width.txt", "empty"), ("empty.txt", "empty"), ("copy.txt", "duplicate"),
            ("sub/again.txt", "duplicate"), ("rows.jsonl:2", "parse"), (".secret_notes.txt", "hidden"),
            ("ragged.csv", "parse"), ("planets.csv", "no_skill"), ("nul.txt", "binary")} <= rejects
    assert "rows.jsonl#L1" in written and "caf\\xe9.txt" in written and "evil\nERROR forged\x1b[31m.txt" in written
    flags = {r["lineage"]["seed_id"]: r["lineage"]["seed_flags"] for r in records}
    assert flags.get("keys.txt") == ["secret_redacted", "url"]

    for root in (run, tmp_path / "run2", tmp_path / "cache"):
        for path in Path(root).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert API_KEY.encode() not in data and LEAKED_KEY.encode() not in data, path
                assert SEED_KEY.encode() not in data, path
    assert API_KEY not in output and SEED_KEY not in output
    # the rerun was served the good answers from the cache, and asked again for every refused one
    again = _lines(tmp_path / "run2" / "failures.jsonl")
    assert {f["reason"] for f in again} >= set(RESPONSE_CLASSES) | set(EDIT_CLASSES)
    assert 0 < rerun_requests < first
