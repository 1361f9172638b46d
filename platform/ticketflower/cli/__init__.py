"""The `ticketflower` command line.

Bundle commands (validate, analyze, simulate) need no database and never import Django;
service commands (run, worker, tenant, ...) set Django up lazily.
"""

from __future__ import annotations

import argparse
import sys

from ticketflower.cli import assistant, bundles, service


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ticketflower", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bundles.add_commands(sub)
    service.add_commands(sub)
    assistant.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
