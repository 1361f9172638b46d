"""HTTP action calls against real loopback servers: outcomes, signing, SSRF guard."""

import ipaddress
import time

import pytest

from plugins.http_action.calls import call
from plugins.http_action.destinations import DestinationRefused, check_destination
from plugins.http_action.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.loopback import LoopbackServer, answer, fail_then, slow

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
SECRET = b"tenant-secret"


def do_call(url, payload=None, timeout=2.0, **kw):
    return call(
        url,
        payload or {"lines": [1]},
        secret=SECRET,
        idempotency_key="alpha:7",
        timeout=timeout,
        allowed=kw.pop("allowed", LOOPBACK),
        **kw,
    )


def test_2xx_json_answer_is_ok_with_status_headers_and_body():
    with LoopbackServer(answer(200, {"total": 42})) as server:
        outcome = do_call(server.url + "/quote")
    assert outcome.kind == "ok"
    assert outcome.answer["status"] == 200
    assert outcome.answer["body"] == {"total": 42}
    assert outcome.answer["headers"]["content-type"] == "application/json"


def test_request_is_signed_and_carries_the_idempotency_key():
    with LoopbackServer(answer(200, {})) as server:
        do_call(server.url, {"a": 1})
    request = server.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["idempotency-key"] == "alpha:7"
    assert verify(
        SECRET,
        headers[TIMESTAMP_HEADER.lower()],
        request["raw"],
        headers[SIGNATURE_HEADER.lower()],
        now=int(time.time()),
    )
    assert not verify(
        b"other-secret",
        headers[TIMESTAMP_HEADER.lower()],
        request["raw"],
        headers[SIGNATURE_HEADER.lower()],
        now=int(time.time()),
    )


def test_stale_signature_is_rejected_by_verify():
    with LoopbackServer(answer(200, {})) as server:
        do_call(server.url)
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    later = int(headers[TIMESTAMP_HEADER.lower()]) + 3600
    assert not verify(
        SECRET,
        headers[TIMESTAMP_HEADER.lower()],
        server.requests[0]["raw"],
        headers[SIGNATURE_HEADER.lower()],
        now=later,
    )


def test_slow_server_is_a_retryable_timeout():
    with LoopbackServer(slow(1.0, 200, {})) as server:
        outcome = do_call(server.url, timeout=0.2)
    assert outcome.kind == "retry"
    assert "within 0.2 s" in outcome.message


def test_5xx_is_retryable_and_4xx_is_not():
    with LoopbackServer(fail_then(1, 200, {"ok": True})) as server:
        assert do_call(server.url).kind == "retry"
        assert do_call(server.url).kind == "ok"
    with LoopbackServer(answer(422, {"error": "bad sku"})) as server:
        outcome = do_call(server.url)
    assert outcome.kind == "fail"
    assert "422" in outcome.message and "bad sku" in outcome.message


def test_connection_refused_is_retryable():
    with LoopbackServer(answer(200, {})) as server:
        url = server.url
    assert do_call(url).kind == "retry"


def test_empty_2xx_body_is_ok_with_a_null_body():
    with LoopbackServer(answer(204, None)) as server:
        outcome = do_call(server.url)
    assert outcome.kind == "ok" and outcome.answer["body"] is None


def test_non_json_2xx_body_fails():
    with LoopbackServer(answer(200, b"<html>oops</html>")) as server:
        outcome = do_call(server.url)
    assert outcome.kind == "fail"
    assert "not JSON" in outcome.message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest",
        "http://[::1]/",
        "http://192.168.0.1/",
        "http://0.0.0.0/",
    ],
)
def test_private_loopback_and_link_local_destinations_are_refused_by_default(url):
    with pytest.raises(DestinationRefused):
        check_destination(url)
    outcome = call(url, {}, secret=SECRET, idempotency_key="k", timeout=1)
    assert outcome.kind == "fail"


def test_non_http_schemes_are_refused_even_when_everything_is_allowed():
    with pytest.raises(DestinationRefused):
        check_destination("file:///etc/passwd", allow_all=True)


def test_allowed_network_lets_loopback_through():
    check_destination("http://127.0.0.1:8080/x", allowed=LOOPBACK)
    with pytest.raises(DestinationRefused):
        check_destination("http://10.0.0.1/x", allowed=LOOPBACK)


@pytest.mark.parametrize(
    "url", ["http://100.64.0.1/", "http://100.100.100.200/latest", "http://198.18.0.1/"]
)
def test_special_purpose_ranges_are_refused_too(url):
    with pytest.raises(DestinationRefused):
        check_destination(url)


def test_unresolvable_host_is_retried_not_failed():
    outcome = call(
        "http://no-such-host.invalid/x", {}, secret=SECRET, idempotency_key="k", timeout=1
    )
    assert outcome.kind == "retry"
    assert "cannot resolve" in outcome.message


def test_answer_over_the_size_limit_fails_without_reading_it_all():
    from plugins.http_action.calls import MAX_ANSWER_BYTES

    with LoopbackServer(answer(200, b"x" * (MAX_ANSWER_BYTES * 3))) as server:
        outcome = do_call(server.url)
    assert outcome.kind == "fail"
    assert "more than" in outcome.message


def _resolver(monkeypatch, answers: dict[str, list[list[str]]]):
    """socket.getaddrinfo answering scripted addresses for some names (one list per call,
    the last one repeated) and the real answer for the rest; returns the names asked."""
    import socket

    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if host not in answers:
            return real(host, port, *args, **kwargs)
        script = answers[host]
        addresses = script.pop(0) if len(script) > 1 else script[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_the_request_goes_to_the_checked_address_even_if_the_name_rebinds(monkeypatch):
    with LoopbackServer(answer(200, {"ok": True})) as server:
        port = server.url.rsplit(":", 1)[1]
        # Checked: loopback (allowed here). Asked again: a private address (refused).
        asked = _resolver(monkeypatch, {"rebind.test": [["127.0.0.1"], ["10.255.255.1"]]})
        outcome = do_call(f"http://rebind.test:{port}/x", timeout=1.0)
    assert outcome.kind == "ok", outcome.message
    assert asked.count("rebind.test") == 1
    assert server.requests[0]["headers"]["Host"] == f"rebind.test:{port}"


def test_the_next_checked_address_is_tried_when_connecting_to_one_fails(monkeypatch):
    with LoopbackServer(answer(200, {"ok": True})) as server:
        port = server.url.rsplit(":", 1)[1]
        # Nothing listens on 127.0.0.2 at that port: connection refused, then 127.0.0.1.
        _resolver(monkeypatch, {"two.test": [["127.0.0.2", "127.0.0.1"]]})
        outcome = do_call(f"http://two.test:{port}/x")
    assert outcome.kind == "ok", outcome.message
    assert len(server.requests) == 1


def test_pinned_urls_keep_the_host_header_port_credentials_and_tls_name():
    from plugins.http_action.destinations import pinned

    assert pinned("https://u:p@api.example.com:8443/a?b=1", "93.184.216.34") == (
        "https://u:p@93.184.216.34:8443/a?b=1",
        {"Host": "api.example.com:8443"},
        {"sni_hostname": "api.example.com"},
    )
    assert pinned("http://api.example.com/a", "2606:2800:220:1::1") == (
        "http://[2606:2800:220:1::1]/a",
        {"Host": "api.example.com"},
        {},
    )
    assert pinned("http://anything/a", None) == ("http://anything/a", {}, {})


def test_https_to_a_pinned_address_verifies_the_certificate_of_the_name(monkeypatch, tmp_path):
    import ssl
    import subprocess

    import httpx

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=tls.test", "-addext", "subjectAltName=DNS:tls.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    trusting = httpx.Client(verify=ssl.create_default_context(cafile=str(cert)))
    with LoopbackServer(answer(200, {"ok": True})) as server:
        server.httpd.socket = server_side.wrap_socket(server.httpd.socket, server_side=True)
        port = server.url.rsplit(":", 1)[1]
        _resolver(monkeypatch, {"tls.test": [["127.0.0.1"]]})
        outcome = do_call(f"https://tls.test:{port}/x", client=trusting)
        # The same server under another name: its certificate does not match.
        _resolver(monkeypatch, {"other.test": [["127.0.0.1"]]})
        refused = do_call(f"https://other.test:{port}/x", client=trusting)
    trusting.close()
    assert outcome.kind == "ok", outcome.message
    assert server.requests[0]["headers"]["Host"] == f"tls.test:{port}"
    assert refused.kind != "ok"
    assert "certificate" in refused.message.lower() or "hostname" in refused.message.lower()


def test_a_cookie_one_answer_sets_is_never_sent_with_a_later_call():
    """The workers share one client for every company's calls: a cookie kept from one call
    would go with another company's call to the same host."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Set-Cookie", "session=alpha-secret; Path=/")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        outcomes = [do_call(url), do_call(url)]
    finally:
        server.shutdown()
        server.server_close()
    assert [o.kind for o in outcomes] == ["ok", "ok"]
    assert outcomes[0].answer["headers"]["set-cookie"].startswith("session=")
    assert seen == [None, None]
