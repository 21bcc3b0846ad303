"""Hostile code reaches no listener of the host: not through ``socket``, ``_socket``, a child process or a
unix socket."""

import secrets
import socket

import pytest

from programs.special import sandbox
from programs.special.sandbox import SandboxLimits, run_python

LIMITS = SandboxLimits(timeout_s=15, memory_mb=256)

CONNECT = """\
import socket, _socket, subprocess, sys
PORT, ABSTRACT = {port}, {abstract!r}

def attempt(name, connect):
    try:
        connect()
        print(name, 'connected')
    except OSError as e:
        print(name, 'failed', type(e).__name__)

attempt('socket', lambda: socket.create_connection(('127.0.0.1', PORT), timeout=2))
def raw():
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(('127.0.0.1', PORT))
attempt('_socket', raw)
attempt('ipv6', lambda: socket.create_connection(('::1', PORT), timeout=2))
def unix():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(ABSTRACT)
attempt('unix', unix)
child = ("import _socket\\ns = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)\\ns.settimeout(2)\\n"
         "try:\\n    s.connect(('127.0.0.1', %d))\\n    print('child connected')\\n"
         "except OSError as e:\\n    print('child failed', type(e).__name__)" % PORT)
print(subprocess.run([sys.executable, '-c', child], capture_output=True, text=True, timeout=10).stdout.strip())
"""


@pytest.fixture(autouse=True)
def _isolated():
    problem = sandbox.isolation_problem()
    if problem is not None:
        pytest.fail(f"these tests need bubblewrap isolation (run .ci/system-deps.sh): {problem}")


@pytest.fixture
def listeners():
    """A TCP listener on the host's 127.0.0.1 and ::1 (same port) and an abstract unix socket."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.setblocking(False)
    port = tcp.getsockname()[1]
    abstract = "\0agentinstruct-adversarial-" + secrets.token_hex(6)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(abstract)
    unix.listen(8)
    unix.setblocking(False)
    yield port, abstract, [tcp, unix]
    tcp.close()
    unix.close()


def test_no_way_reaches_a_listener_on_the_hosts_loopback(listeners):
    port, abstract, socks = listeners
    result = run_python(CONNECT.format(port=port, abstract=abstract), LIMITS)
    assert result.ok, result.failure()
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["socket", "failed"], ["_socket", "failed"], ["ipv6", "failed"], ["unix", "failed"], ["child", "failed"]]
    for sock in socks:  # and nothing knocked
        with pytest.raises(BlockingIOError):
            sock.accept()
    # Sanity check of the test itself: the same connection from the host does get through.
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        socks[0].setblocking(True)
        socks[0].accept()[0].close()


def test_the_sandbox_has_no_route_anywhere():
    code = ("import socket\nfor host in ['1.1.1.1', '10.0.0.1', '169.254.169.254']:\n    try:\n"
            "        socket.create_connection((host, 80), timeout=1)\n        print(host, 'connected')\n"
            "    except OSError as e:\n        print(host, 'failed', e.errno)\n"
            "print(sorted(name for _, name in socket.if_nameindex()))")
    lines = run_python(code, LIMITS).stdout.splitlines()
    assert all(line.split()[1] == "failed" for line in lines[:3]), lines
    assert lines[3] == "['lo']"
