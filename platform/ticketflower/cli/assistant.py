"""`ticketflower mcp`: the MCP server for AI assistants (docs/mcp.md)."""

from __future__ import annotations

import argparse
import os
import sys


def cmd_mcp(args: argparse.Namespace) -> int:
    """Serve MCP over stdio as the user of TICKETFLOWER_MCP_TOKEN at the company's host,
    or over streamable HTTP (--http PORT) as the user of each request's token."""
    from ticketflower.cli.service import _django

    if args.http:
        _django()
        from ticketflower.assistant.http import serve

        serve(args.bind, args.http)
        return 0
    token = args.token or os.environ.get("TICKETFLOWER_MCP_TOKEN", "")
    host = args.host or os.environ.get("TICKETFLOWER_MCP_HOST", "")
    if not token or not host:
        print(
            "error: give the company's host (--host or TICKETFLOWER_MCP_HOST, e.g. "
            "demo.localhost:8000) and an API token of the user to act as (--token or "
            "TICKETFLOWER_MCP_TOKEN, from POST /api/v1/auth/token/)",
            file=sys.stderr,
        )
        return 2
    _django()
    from ticketflower.assistant.api import Api
    from ticketflower.assistant.server import build

    api = Api(host, token)
    build(lambda headers: api).run("stdio")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mcp", help="serve the MCP tools for AI assistants (stdio)")
    p.add_argument("--host", help="the company's host, e.g. demo.localhost:8000")
    p.add_argument("--token", help="API token of the user to act as (or TICKETFLOWER_MCP_TOKEN)")
    p.add_argument(
        "--http",
        type=int,
        default=0,
        metavar="PORT",
        help="serve streamable HTTP at /mcp on this port instead of stdio",
    )
    p.add_argument("--bind", default="127.0.0.1", help="address for --http")
    p.set_defaults(handler=cmd_mcp)
