"""A host that accepts connections on 127.0.0.1 and never answers: a wrong host, or a black-holed route."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def silent_host() -> Iterator[str]:
    """The URL of a listening socket that the kernel accepts connections for and nobody ever reads."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def closed_port() -> str:
    """The URL of a port nothing listens on (connections are refused)."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{unused.getsockname()[1]}"
