"""Every service starts, connects to its own database and the broker, and answers health."""
import json
import urllib.request

import pytest

from carekit.run import service_class
from carekit.testing.plugin import wait_for

BACKENDS = ["registry", "pairing", "activities", "notifications", "reporting"]


@pytest.mark.parametrize("name", BACKENDS)
def test_service_answers_health_over_rpc(name, make_config, run_service, rpc):
    config = make_config(name)
    run_service(service_class(name), config)
    with rpc(config) as proxy:
        health = getattr(proxy, name).health()
    assert health["service"] == name
    assert health["status"] == "ok"
    assert health["database"] == config["MONGO_DATABASE"]


def test_gateway_reports_every_service(make_config, run_service):
    from socket import socket
    with socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for name in BACKENDS:
        run_service(service_class(name), make_config(name))
    gateway = make_config("gateway", WEB_SERVER_ADDRESS="127.0.0.1:{}".format(port))
    run_service(service_class("gateway"), gateway)

    def health():
        try:
            with urllib.request.urlopen("http://127.0.0.1:{}/health".format(port),
                                        timeout=10) as response:
                return response.status, json.loads(response.read())
        except OSError:
            return None
    status, body = wait_for(health, message="gateway /health")
    assert status == 200
    assert body["status"] == "ok"
    assert sorted(body["services"]) == sorted(BACKENDS)
