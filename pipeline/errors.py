"""Errors a user can cause. The CLI prints them as one line and exits non-zero."""


class UserError(Exception):
    """Something the user can fix: bad input, bad config, a refused database.

    The message is shown as is, on one line, with no traceback.
    """

    exit_code = 2


class ConfigError(UserError):
    """A config file is wrong; the message names file, line and key."""


class StoreError(UserError):
    """The index refused to open or answer (not ours, corrupt, unreachable)."""
