"""``bench/teaching.py --quick`` end to end: generate on the embedded model, hold Orca-Bench out, fine-tune with
``agentinstruct train sft``, evaluate base and tuned; the figures are printed and the report written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Read at import, before tests/conftest.py points AGENTINSTRUCT_CACHE at a throw-away directory: the
# dequantised model (~0.5 GB) is worth keeping between runs, as in tests/sft/conftest.py.
_MODEL_CACHE = Path(os.environ.get("AGENTINSTRUCT_CACHE", "~/.cache/agentinstruct")).expanduser()
FIGURE = r"-?\d+\.\d+ \[-?\d+\.\d+, -?\d+\.\d+\]"


@pytest.mark.slow
@pytest.mark.real_model
def test_teaching_quick_prints_base_tuned_delta_and_lift(tmp_path):
    pytest.importorskip("trl")
    pytest.importorskip("llama_cpp")
    pytest.importorskip("reasoning_gym")
    pytest.importorskip("if_verifiable")
    from sft.gguf import convert_gguf

    model = convert_gguf(cache_dir=_MODEL_CACHE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "teaching.py"), "--quick", "--work", str(tmp_path),
                           "--model-dir", str(model)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1200, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    delta = r"[+-]\d+\.\d+ \[[+-]\d+\.\d+, [+-]\d+\.\d+\] p=[\d.]+ n=\d+"
    for bench in ("reasoning_gym", "ifeval"):  # deterministic: scored for every item
        assert re.search(rf"^{bench}: base={FIGURE} tuned={FIGURE} delta={delta}$", out, re.M), out
    # Orca-Bench on two items judged by the 135M teacher: a figure, or n/a when its ratings did not parse
    assert re.search(rf"^orca_bench: base=({FIGURE}|n/a) tuned=({FIGURE}|n/a) delta=({delta}|n/a .*)( judge_"
                     r"parse_failures=\d+)?$", out, re.M), out
    assert re.search(r"^lift=[+-]\d+\.\d+$", out.strip().splitlines()[-1]), out
    assert int(re.search(r"^sft_steps=(\d+)$", out, re.M).group(1)) == 10
    # the Orca-Bench items were held out of the SFT data: the trainer's summary counts them as refused
    summary = (tmp_path / "tuned" / "agentinstruct_train.json").read_text()
    assert '"heldout": ' in summary and (tmp_path / "gen" / "heldout" / "orca-bench.json").is_file()
    assert (tmp_path / "eval" / "report.html").is_file()
    assert int(re.search(r"^wall_s=(\d+)$", out, re.M).group(1)) > 0  # measured: see docs/evaluation.md
