"""The same MCP tools over streamable HTTP (`ticketflower mcp --http PORT`): each request
acts as the user of its own token, at the company its Host names."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import socket
import subprocess
import sys
import time

import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.assistant.test_mcp_stdio import EXAMPLE, ROOT, result
from tests.helpers import database_url


@pytest.fixture
def mcp_http(django_db_setup):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=database_url(), TICKETFLOWER_DEV="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "ticketflower.cli", "mcp", "--http", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield port
    server.terminate()
    server.wait(20)


def play(port: int, host: str, token: str | None, script) -> object:
    async def main():
        headers = {"Host": host}
        if token:
            headers["Authorization"] = f"Token {token}"
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
            url = f"http://127.0.0.1:{port}/mcp"
            async with streamable_http_client(url, http_client=http) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await script(session)

    return asyncio.run(asyncio.wait_for(main(), timeout=120))


def test_an_assistant_validates_simulates_and_imports_over_http(committed_tenant, mcp_http):
    designer = committed_tenant.token("designer", "workflow_creator")
    broken = copy.deepcopy(EXAMPLE)
    broken["tasks"][0]["task_type"] = "EMAIL"
    scenario = json.loads((ROOT / "examples/refund_approval/scenario.json").read_text())

    async def session(s):
        report = result(await s.call_tool("validate_bundle", {"bundle": broken}))
        trace = result(await s.call_tool("simulate_bundle",
                                         {"bundle": EXAMPLE, "scenario": scenario}))  # fmt: skip
        draft = result(await s.call_tool("import_draft", {"bundle": EXAMPLE}))
        return report, trace, draft

    report, trace, draft = play(mcp_http, committed_tenant.host, designer, session)
    assert "/tasks/0/task_type" in {p["pointer"] for p in report["problems"]}
    assert trace["status"] == "COMPLETED"
    assert draft["status"] == "DRAFT"


def test_over_http_permissions_tokens_and_companies_hold(
    committed_tenant,
    second_company,
    mcp_http,  # noqa: F811
):
    clerk = committed_tenant.token("clerk", "staff")

    async def import_(s):
        return result(await s.call_tool("import_draft", {"bundle": EXAMPLE}))

    async def workflows(s):
        return result(await s.call_tool("list_workflows", {}))

    assert play(mcp_http, committed_tenant.host, clerk, import_)["error"]["status"] == 403
    assert play(mcp_http, committed_tenant.host, None, workflows)["error"]["status"] == 401
    # A's token at B's host: refused, as by the API.
    assert play(mcp_http, second_company.host, clerk, workflows)["error"]["status"] == 401
