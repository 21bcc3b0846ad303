"""Unusable ``--out`` directories are refused before the first LLM call, with one line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import scripted_lm
from typer.testing import CliRunner

from agentinstruct import generate
from agentinstruct.cli import app
from agentinstruct.cli_commands.errors import EXIT_USAGE
from agentinstruct.engine.rundir import RunDirError


def _seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("The ferry to Skerry Holm sails at dawn, and the keeper logs every ship that "
                                 "passes the point.\n")
    return seeds


def _outs(tmp_path: Path) -> dict[str, tuple[str, str]]:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere, target_is_directory=True)
    (tmp_path / "afile").write_text("x")
    return {  # case -> (the --out given, what the message says)
        "symlink": (str(tmp_path / "link"), "symlink"),
        "nul": (str(tmp_path / "run\x00evil"), "NUL"),
        "long_name": (str(tmp_path / ("n" * 300)), "bytes"),
        "long_path": (str(tmp_path / "/".join(["d" * 200] * 25)), "bytes"),
        "a_file": (str(tmp_path / "afile"), "not a directory"),
    }


@pytest.mark.parametrize("case", ["symlink", "nul", "long_name", "long_path", "a_file"])
def test_an_unusable_out_is_refused_before_any_call(case, tmp_path):
    out, said = _outs(tmp_path)[case]
    lm = scripted_lm()
    with pytest.raises(RunDirError, match=said):
        generate(_seeds(tmp_path), out, lms=lm, compiled_dir=None)
    assert lm.engine.calls == []  # checked before the first call
    assert list((tmp_path / "elsewhere").iterdir()) == []  # nothing was written through the symlink


@pytest.mark.parametrize("case", ["symlink", "nul", "long_name"])
def test_the_cli_says_why_in_one_line_with_exit_2(case, tmp_path):
    out, said = _outs(tmp_path)[case]
    result = CliRunner().invoke(app, ["generate", "--seeds", str(_seeds(tmp_path)), "--out", out])
    assert result.exit_code == EXIT_USAGE, result.output
    # a NUL may already stop click's own path check (a usage error, exit 2 as well)
    assert (said in result.output or (case == "nul" and "null byte" in result.output))
    assert "Traceback" not in result.output


def test_resume_through_a_symlink_is_refused_too(tmp_path):
    run = tmp_path / "run"
    generate(_seeds(tmp_path), run, lms=scripted_lm(), compiled_dir=None)
    (tmp_path / "alias").symlink_to(run, target_is_directory=True)
    with pytest.raises(RunDirError, match="symlink"):
        generate(None, tmp_path / "alias", lms=scripted_lm(), resume=True, compiled_dir=None)
