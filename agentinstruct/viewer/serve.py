"""Serving the viewer on 127.0.0.1: the page is rebuilt from the run directory on every request, so a run
that is still going shows its latest records on a reload."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from agentinstruct.viewer.page import build_page
from agentinstruct.viewer.run_data import load_run

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
"""The only address served: a run's records stay on this machine."""


def make_server(run_dir: str | Path, port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server (not started) answering ``GET /`` with the page of ``run_dir``; ``port`` 0 picks one."""
    root = Path(run_dir)
    load_run(root)  # fail now, not on the first request, when it is not a run directory

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?", 1)[0].split("#", 1)[0] not in ("/", "/index.html"):
                self.send_error(404)
                return
            body = build_page(load_run(root)).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            log.info("view: " + fmt, *args)

    return ThreadingHTTPServer((HOST, port), Handler)


def serve_in_background(run_dir: str | Path, port: int = 0) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start serving on a daemon thread; ``server.shutdown()`` stops it (tests)."""
    server = make_server(run_dir, port)
    thread = threading.Thread(target=server.serve_forever, name="viewer", daemon=True)
    thread.start()
    return server, thread
