"""Who may read the page: anyone on this machine, or whoever holds the token.

The page is read-only, but the index can hold unpublished monitoring work, so a server
reachable from the network must ask for a secret. The secret comes from the environment
(never from a config file that ends up in git):

- ``NEWSMON_WEB_TOKEN``: accepted as ``Authorization: Bearer <token>`` (scripts, the API)
  or as the password of HTTP basic auth (browsers prompt for it; no JavaScript needed).
- ``NEWSMON_WEB_USER``: optional; when set, basic auth must also name this user.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets
from dataclasses import dataclass

from pipeline.errors import UserError

TOKEN_ENV = "NEWSMON_WEB_TOKEN"
USER_ENV = "NEWSMON_WEB_USER"
MIN_TOKEN_LENGTH = 12


@dataclass(frozen=True)
class Access:
    """The secret a request must present; ``token=None`` lets every request in."""

    token: str | None = None
    user: str | None = None

    @classmethod
    def from_env(cls, environ=None) -> "Access":
        env = os.environ if environ is None else environ
        token = (env.get(TOKEN_ENV) or "").strip() or None
        user = (env.get(USER_ENV) or "").strip() or None
        if token is not None and len(token) < MIN_TOKEN_LENGTH:
            raise UserError(f"{TOKEN_ENV} is too short ({len(token)} characters; use at least {MIN_TOKEN_LENGTH})")
        if user is not None and token is None:
            raise UserError(f"{USER_ENV} is set but {TOKEN_ENV} is not; set the token (the basic-auth password)")
        return cls(token, user)

    @property
    def required(self) -> bool:
        return self.token is not None

    def allows(self, authorization: str | None) -> bool:
        if self.token is None:
            return True
        if not authorization:
            return False
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "bearer":
            return secrets.compare_digest(value.encode(), self.token.encode())
        if scheme == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            user, sep, password = decoded.partition(":")
            if not sep:
                return False
            user_ok = self.user is None or secrets.compare_digest(user.encode(), self.user.encode())
            password_ok = secrets.compare_digest(password.encode(), self.token.encode())
            return user_ok and password_ok
        return False


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the page on this machine."""
    h = host.strip().strip("[]")
    if h.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_bind(host: str, access: Access) -> None:
    """Refuse to serve the index to the network without a secret (one line, no traceback)."""
    if not is_loopback(host) and not access.required:
        raise UserError(
            f"refusing to serve on {host} without access control: set {TOKEN_ENV} "
            f"(at least {MIN_TOKEN_LENGTH} characters), or bind to 127.0.0.1"
        )


#: the Host headers a loopback-bound server answers, against DNS rebinding
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def host_allowed(host_header: str | None, allowed: tuple[str, ...] | None) -> bool:
    if allowed is None:
        return True
    if not host_header:
        return False
    host = host_header.strip().lower()
    if host.startswith("["):
        name = host[: host.find("]") + 1] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in allowed
