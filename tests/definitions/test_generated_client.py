"""A Python client generated from the OpenAPI schema imports, activates and exports a
bundle against a live server: if a generated client can't do the job, the schema is wrong.

The server is Django's live-server thread on a committed company (committed_tenant):
a test transaction would hide the rows from the server's own connection. `*.localhost`
does not resolve on every machine, so the client talks to 127.0.0.1 with the company's
host in the Host header, which is what django-tenants routes by.
"""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.definitions.data import EXAMPLES, example_bundle

PACKAGE = "tf_generated_client"
# The live server below closes each connection after one answer; a client reusing one
# would race with that close.
NO_KEEPALIVE = {"limits": httpx.Limits(max_keepalive_connections=0)}


def _live_server_thread():
    """Django's live-server thread, serving one request per connection.

    With keep-alive, a request thread would wait for the client's next request, keeping
    its database session open past the test (and the test database from being dropped).
    """
    from django.test.testcases import (
        LiveServerThread,
        QuietWSGIRequestHandler,
        _StaticFilesHandler,
    )

    class OneRequestHandler(QuietWSGIRequestHandler):
        def handle_one_request(self):
            super().handle_one_request()
            self.close_connection = True

    class Thread(LiveServerThread):
        def _create_server(self, connections_override=None):
            return self.server_class(
                (self.host, self.port),
                OneRequestHandler,
                allow_reuse_address=False,
                connections_override=connections_override,
            )

    return Thread("127.0.0.1", _StaticFilesHandler, port=0)


@pytest.fixture
def live_server_url(committed_tenant):
    """A live server on a free port; yields its base URL (http://127.0.0.1:port)."""
    server = _live_server_thread()
    server.daemon = True
    server.start()
    server.is_ready.wait(timeout=30)
    if server.error:
        raise server.error
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.terminate()


@pytest.fixture
def generated(tmp_path, live_server_url, committed_tenant):
    """The client package generated from the schema the company's host serves, importable."""
    answer = httpx.get(
        f"{live_server_url}/api/schema/",
        headers={"Host": committed_tenant.host, "Accept": "application/vnd.oai.openapi+json"},
        timeout=30,
    )
    assert answer.status_code == 200
    schema = tmp_path / "schema.json"
    schema.write_bytes(answer.content)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": PACKAGE}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    command = [str(generator), "generate", "--path", str(schema), "--config", str(config),
               "--output-path", str(tmp_path / PACKAGE), "--meta", "none"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module(PACKAGE)
        # Every generated module must at least import (the whole API, not only ours).
        for module in sorted((tmp_path / PACKAGE).rglob("*.py")):
            dotted = ".".join(module.relative_to(tmp_path).with_suffix("").parts)
            importlib.import_module(dotted.removesuffix(".__init__"))
        yield package
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _authenticated(client_module, base_url: str, company, token: str, *, strict: bool = True):
    """A generated client for one company: 127.0.0.1 plus its Host header, Token auth."""
    return client_module.AuthenticatedClient(
        base_url=base_url,
        token=token,
        prefix="Token",
        headers={"Host": company.host},
        httpx_args=NO_KEEPALIVE,
        raise_on_unexpected_status=strict,
    )


def test_the_served_schema_has_every_design_operation(alpha):
    # Also makes pytest-django set up the test database when this module runs alone:
    # the live-server tests below use committed_tenant, which does not request `db`.
    answer = alpha.anonymous().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = answer.json()["paths"]
    assert "/api/v1/workflows/import/" in paths
    assert "/api/v1/bundles/simulate/" in paths


def test_generated_client_imports_activates_and_exports_each_example(
    generated, live_server_url, committed_tenant
):
    client_module = importlib.import_module(f"{PACKAGE}.client")
    api = importlib.import_module(f"{PACKAGE}.api.workflows")
    models = importlib.import_module(f"{PACKAGE}.models")
    token = committed_tenant.token("sdk_designer", "workflow_creator")
    client = _authenticated(client_module, live_server_url, committed_tenant, token)
    with client:
        _import_activate_export(client, models, api)


def _import_activate_export(client, models, api):
    from tests.definitions.test_bundles import normalized

    workflows_import = importlib.import_module(f"{api.__name__}.workflows_import")
    workflows_activate = importlib.import_module(f"{api.__name__}.workflows_activate")
    workflows_export = importlib.import_module(f"{api.__name__}.workflows_bundle_export")
    workflows_list = importlib.import_module(f"{api.__name__}.workflows_list")
    for name in EXAMPLES:
        bundle = example_bundle(name)
        created = workflows_import.sync_detailed(
            client=client, body=models.BundleRequest.from_dict(bundle)
        )
        assert created.status_code == 201, created.content
        workflow = created.parsed
        assert isinstance(workflow, models.WorkflowDetail)
        assert workflow.status == models.WorkflowStatusEnum.DRAFT
        assert [t.title for t in workflow.tasks] == [t["title"] for t in bundle["tasks"]]

        activated = workflows_activate.sync(id=workflow.id, client=client)
        assert activated.status == models.WorkflowStatusEnum.ACTIVE

        exported = workflows_export.sync(id=workflow.id, client=client)
        assert isinstance(exported, models.Bundle)
        assert exported.to_dict() == normalized(bundle)

    listed = workflows_list.sync(client=client, status=[models.WorkflowStatusEnum.ACTIVE])
    assert {w.title for w in listed.results} == {
        example_bundle(name)["workflow"]["title"] for name in EXAMPLES
    }


def test_generated_client_sees_refusals_in_the_error_shape(
    generated, live_server_url, committed_tenant
):
    client_module = importlib.import_module(f"{PACKAGE}.client")
    models = importlib.import_module(f"{PACKAGE}.models")
    workflows_import = importlib.import_module(f"{PACKAGE}.api.workflows.workflows_import")
    token = committed_tenant.token("sdk_designer", "workflow_creator")
    client = _authenticated(client_module, live_server_url, committed_tenant, token, strict=False)
    bundle = example_bundle(EXAMPLES[0])
    bundle["tasks"][0]["input_fields"] = ["no_such_field"]
    answer = workflows_import.sync_detailed(
        client=client, body=models.BundleRequest.from_dict(bundle)
    )
    assert answer.status_code == 400
    assert isinstance(answer.parsed, models.Error)
    assert answer.parsed.errors[0].pointer == "/tasks/0/input_fields/0"


def test_generated_client_does_the_whole_job_of_a_ticket(
    generated, live_server_url, committed_tenant, settings, tmp_path
):
    """Submit, see the inbox, claim, complete, read the history, upload and download a
    file: everything a client program does, through the generated types."""
    from tests.runs.support import install, simple_bundle

    settings.MEDIA_ROOT = tmp_path
    workflow = install(committed_tenant, simple_bundle())
    client_module = importlib.import_module(f"{PACKAGE}.client")
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")

    def op(group: str, name: str):
        return importlib.import_module(f"{PACKAGE}.api.{group}.{name}")

    token = committed_tenant.token("sdk_clerk", "staff")
    client = _authenticated(client_module, live_server_url, committed_tenant, token)
    with client:
        ticket = op("tickets", "tickets_create").sync(
            client=client,
            body=models.TicketSubmitRequest.from_dict(
                {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 12}}
            ),
        )
        assert isinstance(ticket, models.TicketDetail) and isinstance(ticket.id, int)
        assert _plain(ticket.fields) == {"amount": 12}
        [task] = ticket.tasks
        assert isinstance(task.id, int) and _plain(task.input_) == {"amount": 12}
        assert task.output_schema is not None

        inbox = op("tasks", "tasks_list").sync(client=client, claimable=True)
        assert [t.id for t in inbox.results] == [task.id]

        claimed = op("tasks", "tasks_claim").sync(id=task.id, client=client)
        assert claimed.assigned_to.username == "sdk_clerk"
        outcome = op("tasks", "tasks_complete").sync(
            id=task.id,
            client=client,
            body=models.TaskCompleteRequest.from_dict({"output": {"approved": False}}),
        )
        assert outcome.task.status == models.TaskInstanceStatusEnum.COMPLETED
        assert outcome.workflow_instance.status == models.WorkflowInstanceStatusEnum.CANCELLED

        history = op("tickets", "tickets_history").sync(id=ticket.id, client=client)
        assert [it.iteration for it in history.iterations] == [0, 1]

        upload = op("files", "files_create").sync(
            client=client,
            body=models.UploadRequest(
                file=types.File(payload=io.BytesIO(b"receipt"), file_name="r.txt"),
                ticket=ticket.id,
            ),
        )
        assert (upload.filename, upload.version, upload.ticket) == ("r.txt", 1, ticket.id)
        content = op("files", "files_download").sync_detailed(id=upload.id, client=client)
        assert content.content == b"receipt"


def _plain(value):
    """A generated model's JSON (free-form objects may come as models or as dicts)."""
    return value.to_dict() if hasattr(value, "to_dict") else value
