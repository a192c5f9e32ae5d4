"""Running systems for the gateway tests (see support.World). Starting six services and
building the county once keeps the suite quick: `world` is shared by the tests that leave it
as they found it (they make their own objects for changes); tests that change anything at
random (schemathesis) or load the demo county get a system of their own."""
import contextlib
import uuid

import pytest

from tests.gateway.support import World

SETTINGS = dict(GATEWAY_LOGIN_MAX_FAILURES=3, GATEWAY_LOGIN_IP_MAX_FAILURES=1000,
                GATEWAY_MAX_BODY_KB=64, GATEWAY_MAX_UPLOAD_MB=1)


@contextlib.contextmanager
def running_world(rabbit_admin, mongo_uri, build=True):
    vhost = "care-test-gw-{}".format(uuid.uuid4().hex[:10])
    rabbit_admin.create_vhost(vhost)
    world = World(rabbit_admin.uri(vhost), mongo_uri, **SETTINGS)
    try:
        if build:
            world.build()
        yield world
    finally:
        world.stop()
        rabbit_admin.delete_vhost(vhost)


@pytest.fixture(scope="session")
def world(rabbit_admin, mongo_uri):
    with running_world(rabbit_admin, mongo_uri) as world:
        yield world


@pytest.fixture(scope="module")
def own_world(rabbit_admin, mongo_uri):
    """A built county for one module alone."""
    with running_world(rabbit_admin, mongo_uri) as world:
        yield world


@pytest.fixture(scope="module")
def empty_world(rabbit_admin, mongo_uri):
    """Running services and nothing in them, for one module alone."""
    with running_world(rabbit_admin, mongo_uri, build=False) as world:
        yield world
