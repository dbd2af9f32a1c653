"""``python -m assistant.chat [--port N]`` serves the chat: the same command as ``assistant chat``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Run ``assistant chat`` with ``argv`` (default: this process' arguments)."""
    from assistant.cli import main as cli

    cli(["chat", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
