"""One running system and county for all gateway tests (see support.World): starting six
services and building the county once keeps the suite quick; tests that change things make
their own objects."""
import uuid

import pytest

from tests.gateway.support import World


@pytest.fixture(scope="session")
def world(rabbit_admin, mongo_uri):
    vhost = "care-test-gw-{}".format(uuid.uuid4().hex[:10])
    rabbit_admin.create_vhost(vhost)
    world = World(rabbit_admin.uri(vhost), mongo_uri,
                  GATEWAY_LOGIN_MAX_FAILURES=3, GATEWAY_LOGIN_IP_MAX_FAILURES=1000,
                  GATEWAY_MAX_BODY_KB=64, GATEWAY_MAX_UPLOAD_MB=1)
    try:
        world.build()
        yield world
    finally:
        world.stop()
        rabbit_admin.delete_vhost(vhost)
