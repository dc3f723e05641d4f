"""Fixtures for the backend-parametrised store suite.

``store`` runs each test on SQLite and on Elasticsearch. Elasticsearch is the in-memory
``osmem-server`` (started once per session, a fresh copy-on-write clone per test, reached
through the test-only plain-JSON node), or the real cluster named by NEWSMON_TEST_ES_URL
(credentials from NEWSMON_TEST_ES_USERNAME / NEWSMON_TEST_ES_PASSWORD or
NEWSMON_TEST_ES_API_KEY), where each test gets its own index prefix, deleted afterwards.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass, field

import pytest

ES_SPEED = {"retries": 1, "backoff": 0.01, "retry_interval": 0, "timeout": 10}


@dataclass
class Cluster:
    url: str
    real: bool
    base: dict = field(default_factory=dict)
    server: object = None


@pytest.fixture(scope="session")
def es_cluster():
    url = os.environ.get("NEWSMON_TEST_ES_URL")
    if url:
        base = {"url": url}
        for env, key in (
            ("NEWSMON_TEST_ES_USERNAME", "username"),
            ("NEWSMON_TEST_ES_PASSWORD", "password"),
            ("NEWSMON_TEST_ES_API_KEY", "api_key"),
            ("NEWSMON_TEST_ES_CA_CERTS", "ca_certs"),
        ):
            if os.environ.get(env):
                base[key] = os.environ[env]
        yield Cluster(url, True, base)
        return
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False, startup_timeout=30)
    try:
        yield Cluster(server.url, False, {"plain_json": True}, server)
    finally:
        server.close()


@pytest.fixture
def es_settings(es_cluster):
    """``index:`` settings for one test, on a cluster (or clone) of its own."""
    if es_cluster.real:
        prefix = f"newsmon-test-{uuid.uuid4().hex[:8]}"
        settings = {**es_cluster.base, **ES_SPEED, "prefix": prefix, "ilm": "auto"}
        yield settings
        _cleanup_real(settings)
        return
    clone = es_cluster.server.clone()
    try:
        yield {**es_cluster.base, **ES_SPEED, "url": clone.url}
    finally:
        clone.close()


def _cleanup_real(settings: dict) -> None:
    from pipeline.store.elasticsearch import make_client
    from pipeline.store.es_template import Names

    es, _ = make_client(settings)
    names = Names(settings["prefix"])
    try:
        es.options(ignore_status=404).indices.delete(index=f"{names.prefix}-*", expand_wildcards="all")
        es.options(ignore_status=404).indices.delete_index_template(name=names.template)
        es.options(ignore_status=(400, 404)).ilm.delete_lifecycle(name=names.policy)
    finally:
        es.close()


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backend(request) -> str:
    return request.param


@pytest.fixture
def open_backend(backend, request, tmp_path):
    """A function opening a (new) store object on the same index and data dir."""
    opened = []
    data = tmp_path / "data"
    es_settings = request.getfixturevalue("es_settings") if backend == "elasticsearch" else None

    def open_():
        from pipeline.store import open_store

        if backend == "sqlite":
            s = open_store({"index": {"backend": "sqlite"}}, data)
        else:
            s = open_store({"index": {"backend": "elasticsearch", **es_settings}}, data)
        opened.append(s)
        return s

    yield open_
    for s in opened:
        try:
            s.close()
        except Exception:
            pass


@pytest.fixture
def store(open_backend):
    return open_backend()


class Relay:
    """A TCP relay on a fixed loopback port in front of the cluster: stopping it is the
    cluster going away (connections refused); starting it again on the same port is the
    cluster coming back with its data, as after a restart of a real node."""

    def __init__(self, target_url: str):
        from urllib.parse import urlsplit

        parts = urlsplit(target_url)
        self.target = (parts.hostname, parts.port)
        self.scheme = parts.scheme
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        #: swallow the answer to the next request containing this (the request still lands)
        self.swallow_answer_to: bytes | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> None:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(64)
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            state = {"swallow": False}
            threading.Thread(target=self._pipe, args=(client, upstream, state, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, state, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, state: dict, request: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if request and self.swallow_answer_to and self.swallow_answer_to in data:
                    self.swallow_answer_to = None
                    state["swallow"] = True
                if not request and state["swallow"]:
                    continue  # the answer is lost on the way back: the client times out
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._server is not None:
            try:  # wakes the thread blocked in accept(); close() alone would not on Linux
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self._server = None
        with self._lock:
            for c in self._conns:
                for step in (lambda: c.shutdown(socket.SHUT_RDWR), c.close):
                    try:
                        step()
                    except OSError:
                        pass
            self._conns.clear()


@pytest.fixture
def relay_factory():
    relays: list[Relay] = []

    def make(url: str) -> Relay:
        r = Relay(url)
        r.start()
        relays.append(r)
        return r

    yield make
    for r in relays:
        r.stop()
