"""`ticketflower run|worker|tenant|...`: commands that need the database and Django."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the service subcommands."""
