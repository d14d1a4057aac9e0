"""One HTTP POST to a webhook endpoint, connected to the address the SSRF guard just checked.

urllib3 would resolve the host again when it opens the socket, and a second DNS answer could
differ from the one we checked (DNS rebinding). The connection classes below open the socket to
the pinned, checked address while keeping the URL's host name for the ``Host`` header, TLS SNI and
certificate verification. The whole exchange must end within the timeout. Redirects are never followed (a 3xx is a failed attempt) and there
are no transport-level retries: the delivery schedule owns retrying.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from .netguard import Target, UnsafeURL, check_url

USER_AGENT = "mystery-audit-webhooks/1.0"
ERROR_MAX_LENGTH = 500


if TYPE_CHECKING:
    # The mixin goes before an urllib3 connection class: type-check it as one (at run time it is plain).
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object


class _PinnedMixin(_ConnectionBase):
    """Connect to ``pinned_address`` instead of resolving ``host`` again; remember the socket."""

    def __init__(self, *args, pinned_address: str, opened: list, **kwargs):
        self._pinned_address = pinned_address
        self._opened = opened
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        try:
            sock = urllib3_connection.create_connection(
                (self._pinned_address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
            self._opened.append(sock)
            return sock
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc


class PinnedHTTPConnection(_PinnedMixin, HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedMixin, HTTPSConnection):
    pass


class PinnedHTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class PinnedHTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    url: str, *, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool = False
) -> PostResult:
    """POST ``body`` to ``url`` once; never raises for network trouble, reports it in ``error``."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check_url(url, allow_private=allow_private)
    except UnsafeURL as exc:
        return PostResult(status_code=None, duration_ms=elapsed(), error=f"Refused: {exc}")
    # Socket timeouts bound each read, not the whole exchange: a receiver dripping one byte at a
    # time could hold the worker far past its lease. The watchdog cuts the socket at the deadline.
    opened: list[socket.socket] = []
    pool = _pool_for(target, timeout, opened)
    fired = threading.Event()
    watchdog = threading.Timer(timeout, _cut, args=(opened, fired))
    watchdog.daemon = True
    watchdog.start()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={"User-Agent": USER_AGENT, **headers},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        if fired.is_set():
            # Cut mid-headers: http.client may still have parsed a status line, but no complete
            # answer came within the timeout.
            response.release_conn()
            return PostResult(
                status_code=None, duration_ms=elapsed(), error=f"Timed out after {timeout:g} s."
            )
        status = response.status
        try:
            # Drain a little so the receiver sees a clean exchange; the body itself is not kept,
            # and a body that does not arrive in time does not undo the status already given.
            response.read(4096)
        except (urllib3.exceptions.HTTPError, OSError):
            pass
        finally:
            response.release_conn()
        error = "" if 200 <= status < 300 else f"HTTP {status}"
        if 300 <= status < 400:
            error = f"HTTP {status}: redirects are not followed"
        return PostResult(status_code=status, duration_ms=elapsed(), error=error)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        if fired.is_set():
            return PostResult(
                status_code=None, duration_ms=elapsed(), error=f"Timed out after {timeout:g} s."
            )
        return PostResult(status_code=None, duration_ms=elapsed(), error=_describe(exc))
    finally:
        watchdog.cancel()
        pool.close()


def _cut(opened: list[socket.socket], fired: threading.Event) -> None:
    fired.set()
    for sock in opened:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _pool_for(target: Target, timeout: float, opened: list) -> urllib3.HTTPConnectionPool:
    pool_cls = PinnedHTTPSConnectionPool if target.scheme == "https" else PinnedHTTPConnectionPool
    return pool_cls(
        target.host,
        target.port,
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        retries=False,
        maxsize=1,
        pinned_address=target.address,
        opened=opened,
    )


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_MAX_LENGTH]
