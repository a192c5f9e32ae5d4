"""Fixtures: one running activities service per test module (see support.World)."""
import uuid

import pytest

from activities.service import ActivitiesService
from tests.activities.support import World, build_school, service_config


@pytest.fixture(scope="module")
def world(rabbit_admin, mongo_uri):
    vhost = "care-test-act-{}".format(uuid.uuid4().hex[:10])
    rabbit_admin.create_vhost(vhost)
    world = World(ActivitiesService, service_config(rabbit_admin.uri(vhost), mongo_uri),
                  mongo_uri)
    yield world
    world.stop()
    rabbit_admin.delete_vhost(vhost)


@pytest.fixture
def school(world):
    return build_school(world)
