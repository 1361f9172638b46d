"""An MCP client of the official SDK starts `ticketflower mcp` over stdio against the real
database and plays a design session as an assistant would; permissions and companies
hold as in the API."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from pathlib import Path

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "examples" / "refund_approval" / "bundle.json").read_text())


def _env() -> dict[str, str]:
    return dict(os.environ, DATABASE_URL=database_url(), TICKETFLOWER_DEV="1")


def play(host: str, token: str, session_script) -> object:
    """Run `session_script(session)` against a `ticketflower mcp` subprocess."""

    async def main():
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "ticketflower.cli", "mcp", "--host", host, "--token", token],
            env=_env(),
            cwd=str(ROOT),
        )
        with open(os.devnull, "w") as quiet:
            async with stdio_client(params, errlog=quiet) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await session_script(session)

    return asyncio.run(asyncio.wait_for(main(), timeout=120))


def result(answer) -> object:
    """A tool's answer as data (structured content, else its JSON text)."""
    if answer.is_error:
        text = answer.content[0].text  # the API's refusal, as JSON
        return {"error": json.loads(text[text.index("{") :])}
    if answer.structured_content is not None:
        content = answer.structured_content
        return content.get("result", content) if set(content) == {"result"} else content
    return json.loads(answer.content[0].text)


def test_an_assistant_designs_tries_and_imports_a_workflow_over_stdio(committed_tenant):
    token = committed_tenant.token("designer", "workflow_creator")
    broken = copy.deepcopy(EXAMPLE)
    broken["tasks"][0]["task_type"] = "EMAIL"  # not a task type
    broken["tasks"][1]["output_fields"] = ["nope"]  # not a field
    broken["completions"][0]["completion_status"] = "DONE"  # not a status

    async def session(s: ClientSession):
        tools = {t.name for t in (await s.list_tools()).tools}
        types = result(await s.call_tool("list_task_types", {}))
        report = result(await s.call_tool("validate_bundle", {"bundle": broken}))
        fixed = result(await s.call_tool("validate_bundle", {"bundle": EXAMPLE}))
        scenario = json.loads((ROOT / "examples/refund_approval/scenario.json").read_text())
        trace = result(await s.call_tool("simulate_bundle",
                                         {"bundle": EXAMPLE, "scenario": scenario}))  # fmt: skip
        draft = result(await s.call_tool("import_draft", {"bundle": EXAMPLE}))
        back = result(await s.call_tool("get_workflow_bundle", {"workflow_id": draft["id"]}))
        listed = result(await s.call_tool("list_workflows", {"status": "DRAFT", "limit": 5}))
        schema = await s.read_resource("ticketflower://bundle-schema")
        prompt = await s.get_prompt("design_workflow", {"description": "refunds"})
        return tools, types, report, fixed, trace, draft, back, listed, schema, prompt

    tools, types, report, fixed, trace, draft, back, listed, schema, prompt = play(
        committed_tenant.host, token, session
    )
    assert {"validate_bundle", "simulate_bundle", "import_draft", "explain_ticket"} <= tools
    assert "FORM" in json.dumps(types) and "SYNC_ACTION" in json.dumps(types)
    assert report["valid"] is False
    pointers = {p["pointer"] for p in report["problems"]}
    assert {"/tasks/0/task_type", "/tasks/1/output_fields/0",
            "/completions/0/completion_status"} <= pointers  # fmt: skip
    assert fixed["valid"] is True and fixed["problems"] == []
    assert trace["status"] == "COMPLETED"
    assert draft["status"] == "DRAFT"
    assert back["workflow"]["title"] == EXAMPLE["workflow"]["title"]
    assert draft["id"] in {w["id"] for w in listed["results"]}
    assert json.loads(schema.contents[0].text)["title"] == "TicketFlower workflow bundle"
    assert "validate_bundle" in prompt.messages[0].content.text


def test_a_user_without_workflow_creator_is_refused_the_import(committed_tenant):
    token = committed_tenant.token("clerk", "staff")

    async def session(s: ClientSession):
        return result(await s.call_tool("import_draft", {"bundle": EXAMPLE}))

    refused = play(committed_tenant.host, token, session)
    assert refused["error"]["status"] == 403
    assert refused["error"]["type"] == "permission_denied"


def test_a_token_of_one_company_sees_nothing_of_another(committed_tenant, second_company):
    from django_tenants.utils import schema_context

    from ticketflower.definitions import services

    with schema_context(second_company.slug):
        services.do_import_bundle(EXAMPLE, created_by=None)
    mine = committed_tenant.token("designer", "workflow_creator")

    async def session(s: ClientSession):
        return result(await s.call_tool("list_workflows", {}))

    # A's token on B's host is refused; on A's own host B's workflow is not there.
    refused = play(second_company.host, mine, session)
    assert refused["error"]["status"] == 401
    own = play(committed_tenant.host, mine, session)
    assert own["count"] == 0
