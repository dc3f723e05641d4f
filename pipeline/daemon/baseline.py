"""Load the seed baseline in a child process: `python -m pipeline.daemon.baseline CONFIG DATA`.

Why not in the daemon: cleaning the seeds loads the repair stage's dictionaries (some
350 MB), which a process that runs for weeks should not carry for a one-off job.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from pipeline.cli.context import Context
    from pipeline.errors import UserError

    ctx = Context(Path(argv[0]), Path(argv[1]))
    try:
        ctx.store()
    except UserError as exc:
        print(f"newsmon: error: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
