"""Fixtures: the real registry as the publisher (its relays send the public copies), and the
county's bureau commands on the test's broker."""
import pytest

from registry.tests.helpers import registry  # noqa: F401  (runs it with the config below)
from tests.bureaus.support import TestCounty


@pytest.fixture
def registry_config(make_config):
    # relays read the subscriber list at most 0.2 s old (and onboarding waits that long)
    return make_config("registry", SUBSCRIBER_MODULES="registry.service",
                       PUBLIC_DIRECTORY_SECONDS="0.2")


@pytest.fixture
def county_of(rpc, rabbit_admin, amqp_uri, registry_config):
    """county_of(publishers) -> the county's commands (an administrator's RPC proxy)."""
    opened = []

    def make(publishers=("registry",)):
        proxy_cm = rpc(registry_config, timeout=60)
        proxy = proxy_cm.__enter__()
        county = TestCounty(rabbit_admin, amqp_uri, proxy, publishers)
        opened.append((proxy_cm, county))
        return county
    yield make
    for proxy_cm, county in opened:
        county.cleanup()
        proxy_cm.__exit__(None, None, None)
