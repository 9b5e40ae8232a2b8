"""Shared fixtures for the third-party Python client suites.

The server under test is given by the environment variable SPOOL_TEST_ADDR,
as `tcp:HOST:PORT` (or `unix:/path` for the clients that support Unix
sockets). Every test works in tubes of its own, named by `tube_name`.
"""

import os
import re
import socket
import uuid
from dataclasses import dataclass
from typing import Optional

import pytest

ENV_VAR = "SPOOL_TEST_ADDR"
SOCKET_TIMEOUT = 10.0


@dataclass(frozen=True)
class Server:
    """Where the server under test listens."""

    kind: str
    host: Optional[str] = None
    port: Optional[int] = None
    path: Optional[str] = None

    @property
    def address(self):
        """(host, port) for TCP, the socket path for Unix sockets."""
        return (self.host, self.port) if self.kind == "tcp" else self.path

    def connect(self, timeout=SOCKET_TIMEOUT):
        """Open a socket to the server; reads time out so a missing reply fails a test."""
        if self.kind == "tcp":
            return socket.create_connection(self.address, timeout=timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(self.path)
        return sock


def parse_server(text):
    """Parse `tcp:HOST:PORT` or `unix:/path` into a Server."""
    kind, _, rest = text.partition(":")
    if kind == "unix" and rest:
        return Server("unix", path=rest)
    host, _, port = rest.rpartition(":")
    if kind == "tcp" and host and port.isdigit():
        return Server("tcp", host=host.strip("[]"), port=int(port))
    raise pytest.UsageError(f"{ENV_VAR} must be tcp:HOST:PORT or unix:/path, not {text!r}")


def pytest_configure(config):
    """Fail fast, with a clear message, when no server address is given."""
    text = os.environ.get(ENV_VAR)
    if not text:
        raise pytest.UsageError(f"set {ENV_VAR}=tcp:HOST:PORT to the server under test")
    config.spool_server = parse_server(text)


@pytest.fixture(scope="session")
def server(pytestconfig):
    """The server under test."""
    return pytestconfig.spool_server


@pytest.fixture
def tube_name(request):
    """Factory of tube names unique to the running test: tube_name("a")."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name).strip("-")[:80]
    run = uuid.uuid4().hex[:8]
    return lambda suffix="main": f"py{run}-{stem}-{suffix}"


@pytest.fixture
def tube(tube_name):
    """The main tube of the running test."""
    return tube_name()
