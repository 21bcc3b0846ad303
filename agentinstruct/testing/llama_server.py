"""llama.cpp's OpenAI-compatible server (``llama_cpp.server``) over a GGUF file, on 127.0.0.1.

``python -m agentinstruct.testing.llama_server --port 8080`` serves the shipped SmolLM2 GGUF (or
``--model PATH``) under the alias ``smollm2``. Before the server loads the model, llama.cpp's weight-repacking
extra buffers are switched off (``use_extra_bufts = False`` on the default model params): with them,
``llama_decode`` segfaults on the AMX-capable VMs this project is built on (the embedded engine does the
same, ``core.lm.local_engine._model_params``). Needs ``pip install -e '.[server]'``.

``LlamaServer`` runs it as a subprocess for tests: ``with LlamaServer() as server: server.url``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

log = logging.getLogger(__name__)

INSTALL_HINT = "llama.cpp's server needs the 'server' extra: pip install -e '.[server]'"
ALIAS = "smollm2"


def _no_extra_buffers() -> None:
    """Make every ``Llama`` this process builds use plain CPU weight buffers."""
    import llama_cpp.llama_cpp as capi

    original = capi.llama_model_default_params
    if getattr(original, "__no_extra_bufts__", False):
        return

    def defaults():
        params = original()
        params.use_extra_bufts = False
        return params

    defaults.__no_extra_bufts__ = True
    capi.llama_model_default_params = defaults


def serve(port: int, model: str | None = None, n_ctx: int = 4096, n_threads: int | None = None) -> None:
    """Serve ``model`` (default: the shipped GGUF) on 127.0.0.1:``port`` until killed."""
    try:
        import uvicorn
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    from core.lm.local_engine import embedded_model_path

    _no_extra_buffers()
    threads = n_threads or os.cpu_count() or 1
    settings = ModelSettings(model=str(model or embedded_model_path()), model_alias=ALIAS, n_ctx=n_ctx,
                             n_threads=threads, n_threads_batch=threads, verbose=False)
    app = create_app(server_settings=ServerSettings(host="127.0.0.1", port=port), model_settings=[settings])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """The server in a subprocess: started (and waited for) on enter, killed on exit."""

    def __init__(self, port: int | None = None, model: str | Path | None = None, n_ctx: int = 4096,
                 n_threads: int | None = None, start_timeout_s: float = 120, log_path: Path | None = None):
        self.port = port or free_port()
        self.model = model
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.start_timeout_s = start_timeout_s
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The OpenAI base URL (``http://127.0.0.1:PORT/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LlamaServer:
        """Start the subprocess and return once ``/v1/models`` answers."""
        cmd = [sys.executable, "-m", "agentinstruct.testing.llama_server", "--port", str(self.port),
               "--n-ctx", str(self.n_ctx)]
        if self.model:
            cmd += ["--model", str(self.model)]
        if self.n_threads:
            cmd += ["--n-threads", str(self.n_threads)]
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()  # a restart after kill()
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - closed in stop
        self._log = out
        self.process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {self.process.returncode} while starting"
                                   + (f" (see {self.log_path})" if self.log_path else ""))
            if self.ready():
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"llama.cpp server not ready within {self.start_timeout_s:.0f} s")

    def ready(self) -> bool:
        """Whether the server answers ``GET /v1/models``."""
        try:
            with urllib.request.urlopen(f"{self.url}/models", timeout=2) as reply:
                return bool(json.load(reply).get("data"))
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and close its log."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()
            self._log = None

    _log = None

    def __enter__(self) -> LlamaServer:  # noqa: PYI034 - start() returns self
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    """Serve until killed (for manual runs and the subprocess of ``LlamaServer``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--model", default=None, help="A GGUF file (default: the shipped SmolLM2).")
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--n-threads", type=int, default=None)
    args = parser.parse_args()
    serve(args.port, args.model, args.n_ctx, args.n_threads)


if __name__ == "__main__":
    main()
