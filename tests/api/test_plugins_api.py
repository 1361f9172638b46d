"""`GET /api/v1/plugins/` lists the loaded plugins to signed-in users."""


def test_plugins_endpoint_lists_builtins_with_versions(alpha):
    answer = alpha.client("pat").get("/api/v1/plugins/")
    assert answer.status_code == 200
    names = {p["name"]: p for p in answer.json()}
    assert {"jsonlogic", "form_task", "http_action"} <= set(names)
    assert names["http_action"]["version"]


def test_plugins_endpoint_needs_authentication(alpha):
    assert alpha.anonymous().get("/api/v1/plugins/").status_code == 401
