"""`ticketflower mcp`: the tools, resources and prompt an AI assistant uses to design and
run workflows for a company, as one of its users (docs/mcp.md).

Every tool is one or two calls of the service's API (assistant/api.py) with the user's
token: the API's permissions and rules apply as they do to any client, and a refusal
comes back as the API's error (type, detail, each problem at its JSON pointer) for the
model to act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from ticketflower.assistant.api import Api, ApiError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ("order_fulfilment", "it_support", "refund_approval")
MAX_PAGE = 100

INSTRUCTIONS = """\
TicketFlower runs a company's tickets through workflows. A workflow is a bundle: fields
(a JSON Schema), tasks that start when the fields they read are written (FORM tasks done
by people, SYNC_ACTION / ASYNC_ACTION tasks that call HTTP endpoints), completions that
end a run, and ticket types that people submit. Design with validate_bundle (every
problem at its JSON pointer), try with simulate_bundle (a scenario, no data stored),
then import_draft; activate only when the user asks. Read the resources
ticketflower://bundle-format and ticketflower://semantics first.
"""


def build(api_for: Callable[[Mapping[str, str] | None], Api]) -> MCPServer:
    """The MCP server; `api_for(headers)` is the API of the user a request acts as (over
    stdio, the one of the command line; over HTTP, the request's token and host)."""
    server = MCPServer("ticketflower", instructions=INSTRUCTIONS)

    def call(ctx: Context, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return api_for(ctx.headers).call(method, path, **kwargs)
        except ApiError as exc:
            # The model reads the API's own refusal: type, detail, problems at pointers.
            raise ToolError(json.dumps({"status": exc.status, **(exc.body or {})})) from None

    def page(ctx: Context, path: str, limit: int, offset: int, **filters: Any) -> dict[str, Any]:
        params = {k: v for k, v in filters.items() if v not in (None, "")}
        params.update(limit=max(1, min(limit, MAX_PAGE)), offset=max(0, offset))
        body = call(ctx, "GET", path, params=params)
        results = body["results"]
        following = offset + len(results)
        return {
            "count": body["count"],
            "results": results,
            "next_offset": following if following < body["count"] else None,
        }

    # ------------------------------------------------------------------ who and what

    @server.tool()
    def whoami(ctx: Context) -> dict:
        """The user this assistant acts as, their roles and their company."""
        return call(ctx, "GET", "/me/")

    @server.tool()
    def list_task_types(ctx: Context) -> dict:
        """Every task type a bundle may use (FORM, SYNC_ACTION, ASYNC_ACTION and those of
        plugins): what it does, whether people (OPEN) or workers (PENDING) take it, the
        task keys it reads (its settings), and the JSON Schema of a task."""
        from plugins.manager import task_types  # the loaded plugins: no company's data

        schema = call(ctx, "GET", "/bundles/schema/")
        return {
            "task_types": [
                {"name": kind.name, "description": kind.description, "plugin": kind.plugin,
                 "taken_by": "people" if kind.initial_status == "OPEN" else "workers",
                 "settings": list(kind.settings)}
                for kind in sorted(task_types().values(), key=lambda k: k.name)
            ],
            "task_schema": schema["$defs"]["task"],
        }  # fmt: skip

    @server.tool()
    def list_workflows(
        ctx: Context, status: str = "", search: str = "", limit: int = 20, offset: int = 0
    ) -> dict:
        """Workflows of the company (status: DRAFT, ACTIVE or ARCHIVED; search: in titles
        and descriptions), a page at a time: `next_offset` gives the next page."""
        return page(ctx, "/workflows/", limit, offset, status=status, search=search)

    @server.tool()
    def get_workflow_bundle(ctx: Context, workflow_id: int) -> dict:
        """A workflow as a bundle (the format validate_bundle and import_draft take)."""
        return call(ctx, "GET", f"/workflows/{workflow_id}/bundle/")

    @server.tool()
    def list_ticket_types(
        ctx: Context, workflow_id: int | None = None, limit: int = 20, offset: int = 0
    ) -> dict:
        """Ticket types the user may see (of one workflow if given), with their fields."""
        return page(ctx, "/ticket-definitions/", limit, offset, workflow=workflow_id)

    # ------------------------------------------------------------------ design

    @server.tool()
    def validate_bundle(ctx: Context, bundle: dict) -> dict:
        """Check a bundle: `valid`, every problem with its JSON pointer into the bundle and
        a message saying what to change, and (when valid) the analysis findings (tasks
        that can never start, completions that can never fire...). Nothing is stored."""
        return call(ctx, "POST", "/bundles/validate/", json=bundle)

    @server.tool()
    def analyze_bundle(ctx: Context, bundle: dict) -> dict:
        """The analysis warnings of a valid bundle (or its problems if it is not)."""
        report = call(ctx, "POST", "/bundles/validate/", json=bundle)
        return {"valid": report["valid"], "problems": report["problems"],
                "findings": report.get("findings", [])}  # fmt: skip

    @server.tool()
    def simulate_bundle(ctx: Context, bundle: dict, scenario: dict) -> dict:
        """Run a scenario on a bundle and return the trace: each iteration, which tasks
        started and why, the final status. A scenario is {"ticket": {"title", "fields"},
        "steps": [{"complete": task title, "output": {...}} ...]} (resource
        ticketflower://bundle-format). Nothing is stored."""
        return call(
            ctx, "POST", "/bundles/simulate/", json={"bundle": bundle, "scenario": scenario}
        )

    @server.tool()
    def import_draft(ctx: Context, bundle: dict) -> dict:
        """Store a bundle as a new DRAFT workflow (needs the workflow_creator role). It is
        not active: people cannot submit its tickets until activate_workflow."""
        return call(ctx, "POST", "/workflows/import/", json=bundle)

    @server.tool()
    def update_draft(ctx: Context, workflow_id: int, bundle: dict) -> dict:
        """Replace a DRAFT workflow's whole content by a bundle (all or nothing)."""
        return call(ctx, "PUT", f"/workflows/{workflow_id}/bundle/", json=bundle)

    @server.tool()
    def activate_workflow(ctx: Context, workflow_id: int) -> dict:
        """Make a DRAFT the company's active version. Only when the user asked for it."""
        return call(ctx, "POST", f"/workflows/{workflow_id}/activate/")

    @server.tool()
    def diff_versions(ctx: Context, workflow_id: int, other_workflow_id: int) -> dict:
        """What differs between two workflows' bundles (two versions of one workflow, say):
        per part, the titles added and removed and the keys changed."""
        old = call(ctx, "GET", f"/workflows/{workflow_id}/bundle/")
        new = call(ctx, "GET", f"/workflows/{other_workflow_id}/bundle/")
        changes: dict[str, Any] = {
            "workflow": sorted(
                k for k in set(old["workflow"]) | set(new["workflow"])
                if old["workflow"].get(k) != new["workflow"].get(k)
            )
        }  # fmt: skip
        for section in ("tasks", "completions", "tickets"):
            before = {p["title"]: p for p in old.get(section, [])}
            after = {p["title"]: p for p in new.get(section, [])}
            changes[section] = {
                "added": sorted(set(after) - set(before)),
                "removed": sorted(set(before) - set(after)),
                "changed": {
                    title: sorted(
                        k for k in set(before[title]) | set(after[title])
                        if before[title].get(k) != after[title].get(k)
                    )
                    for title in sorted(set(before) & set(after))
                    if before[title] != after[title]
                },
            }  # fmt: skip
        return changes

    # ------------------------------------------------------------------ runs

    @server.tool()
    def list_tickets(
        ctx: Context, status: str = "", search: str = "", limit: int = 20, offset: int = 0
    ) -> dict:
        """Tickets the user may see (status of their run: RUNNING, COMPLETED, CANCELLED,
        ON_HOLD...; search: in their fields), newest first, a page at a time."""
        return page(ctx, "/tickets/", limit, offset, status=status, q=search)

    @server.tool()
    def get_ticket(ctx: Context, ticket_id: int) -> dict:
        """One ticket: its fields, its run's status and tasks."""
        return call(ctx, "GET", f"/tickets/{ticket_id}/")

    @server.tool()
    def explain_ticket(ctx: Context, ticket_id: int) -> dict:
        """Why each task of a ticket's run did or did not start, iteration by iteration."""
        ticket = call(ctx, "GET", f"/tickets/{ticket_id}/")
        return call(ctx, "GET", f"/workflow-instances/{ticket['workflow_instance']['id']}/explain/")

    @server.tool()
    def list_tasks(ctx: Context, ticket_id: int | None = None, status: str = "", limit: int = 20,
                   offset: int = 0) -> dict:  # fmt: skip
        """Task instances the user may see (of one ticket if given; status: OPEN, PENDING,
        IN_PROGRESS, COMPLETED, ERROR...), a page at a time."""
        return page(ctx, "/tasks/", limit, offset, ticket=ticket_id, status=status)

    @server.tool()
    def list_ticket_errors(ctx: Context, limit: int = 20, offset: int = 0) -> dict:
        """Ticket errors for the ticket admins (a failed action, a stalled run), a page at a
        time."""
        return page(ctx, "/ticket-errors/", limit, offset)

    # ------------------------------------------------------------------ resources, prompt

    @server.resource("ticketflower://bundle-schema", mime_type="application/schema+json")
    def bundle_schema() -> str:
        """The bundle format as a JSON Schema (structure; the validator checks the rest)."""
        from kernel.bundle_schema import bundle_json_schema
        from plugins.bundles import initial_statuses

        # As GET /api/v1/bundles/schema/ answers: the format and the loaded plugins' types.
        return json.dumps(bundle_json_schema(initial_statuses()))

    @server.resource("ticketflower://bundle-format", mime_type="text/markdown")
    def bundle_format() -> str:
        """The bundle, scenario and trace formats, in prose."""
        return (ROOT / "docs" / "bundle-format.md").read_text()

    @server.resource("ticketflower://semantics", mime_type="text/markdown")
    def semantics() -> str:
        """How a workflow runs: iterations, triggers, completions."""
        return (ROOT / "docs" / "semantics.md").read_text()

    def example_of(name: str):
        def example() -> str:
            return (ROOT / "examples" / name / "bundle.json").read_text()

        return example

    for name in EXAMPLES:
        server.resource(
            f"ticketflower://examples/{name}",
            name=f"example-{name}",
            description=f"The example bundle {name.replace('_', ' ')}.",
            mime_type="application/json",
        )(example_of(name))

    @server.prompt()
    def design_workflow(description: str) -> str:
        """Design a workflow from a description of the work, checked and tried before it is
        stored."""
        return (
            "Design a TicketFlower workflow for this work:\n\n"
            f"{description}\n\n"
            "1. Read ticketflower://bundle-format and one of ticketflower://examples/*.\n"
            "2. Call list_task_types to see which task types exist.\n"
            "3. Write the bundle; call validate_bundle and fix every problem at its pointer "
            "until it is valid; read the findings.\n"
            "4. Write a scenario for the normal case and one for a refusal; call "
            "simulate_bundle for each and check the final status is what the work needs.\n"
            "5. Call import_draft and show the user the draft's id; activate only if asked."
        )

    return server
