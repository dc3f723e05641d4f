"""Running the app: in the foreground (`newsmon serve`) or in a thread (the daemon, tests).

The socket is bound here, before uvicorn starts, so a taken port or a bad address is a
one-line error from us rather than uvicorn's log and exit; and the bind-address check
(no network exposure without a token) happens before anything listens.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
import time

import uvicorn

from pipeline.errors import UserError
from pipeline.web.access import LOOPBACK_HOSTS, Access, check_bind, is_loopback
from pipeline.web.app import create_app

log = logging.getLogger(__name__)


def bind(host: str, port: int) -> socket.socket:
    if not 0 <= port <= 65535:
        raise UserError(f"--port must be between 0 and 65535, not {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UserError(f"cannot listen on {host}:{port}: unknown address ({exc.strerror})") from None
    family, socktype, proto, _, addr = infos[0]
    # the protocol number matters: asyncio sets TCP_NODELAY on accepted connections only when
    # the socket says IPPROTO_TCP, and without it every keep-alive response waits ~40 ms for
    # a delayed ACK (Nagle)
    sock = socket.socket(family, socktype, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        why = "address already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise UserError(f"cannot listen on {host}:{port}: {why}") from None
    sock.set_inheritable(True)
    return sock


def build(store, *, config_dir, data_dir, lexicon=None, host: str = "127.0.0.1", access: Access | None = None):
    """The app for a server bound to ``host``: checks the bind, pins Host on loopback."""
    access = Access.from_env() if access is None else access
    check_bind(host, access)
    allowed = LOOPBACK_HOSTS if is_loopback(host) else None
    return create_app(
        store, config_dir=config_dir, data_dir=data_dir, lexicon=lexicon, access=access, allowed_hosts=allowed
    )


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _config(app, log_level: str) -> uvicorn.Config:
    # proxy headers off: without a proxy in front, X-Forwarded-* would be the client's word
    return uvicorn.Config(app, log_level=log_level, access_log=False, proxy_headers=False,
                          server_header=False, lifespan="off")


class _Stopped(Exception):
    pass


def _stop(signum, frame):
    raise _Stopped()


def serve_forever(app, sock: socket.socket, *, log_level: str = "warning", announce=print) -> None:
    """Serve on a socket from ``bind`` until Ctrl-C or SIGTERM, then return normally.

    uvicorn finishes the requests in flight and then re-raises the signal it caught; the
    handlers installed here turn that into a clean return, so a service manager's stop
    is an exit 0 rather than a "killed by signal".
    """
    announce(f"newsmon: serving {_url(sock)} (Ctrl-C to stop)")
    server = uvicorn.Server(_config(app, log_level))
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    except (_Stopped, KeyboardInterrupt):
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    announce("newsmon: stopped")


class ServerThread:
    """The app served from a background thread: the daemon's way, and the tests'."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"):
        self.sock = bind(host, port)
        self.url = _url(self.sock)
        self.server = uvicorn.Server(_config(app, log_level))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="newsmon-web", daemon=True)

    def start(self, timeout: float = 10.0) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
