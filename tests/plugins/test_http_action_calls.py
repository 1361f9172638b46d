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
