"""`ticketflower validate|analyze|simulate`: bundle commands, no database (BUNDLE.md)."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the bundle subcommands."""
