"""MongoDB for a service: one client per service container, and only the service's own database.

Indexes are declared by whoever owns a collection (a service's storage module, the outbox,
the ledger) and created when the container starts.
"""
import pymongo
from nameko.extensions import DependencyProvider, SharedExtension

from carekit.logs import get_logger

log = get_logger(__name__)


def open_database(config):
    """A (client, database) pair for a service's config; used by the container and by tools."""
    client = pymongo.MongoClient(config["MONGO_URI"], serverSelectionTimeoutMS=10000,
                                 connectTimeoutMS=10000, tz_aware=True, appname=config.get(
                                     "SERVICE_NAME", "care-network"))
    return client, client[config["MONGO_DATABASE"]]


class MongoConnection(SharedExtension):
    """Holds the container's single MongoClient; closed when the container stops."""

    def __init__(self):
        super().__init__()
        self.client = None
        self.database = None
        self._indexes = {}

    def declare_indexes(self, indexes):
        for collection, models in (indexes or {}).items():
            self._indexes.setdefault(collection, []).extend(models)

    def setup(self):
        if self.client is None:
            self.client, self.database = open_database(self.container.config)

    def start(self):
        for collection, models in self._indexes.items():
            if models:
                self.database[collection].create_indexes(models)
        log.info("mongo_ready", database=self.database.name,
                 collections_indexed=sorted(self._indexes))

    def stop(self):
        if self.client is not None:
            self.client.close()
            self.client = None

    kill = stop


class Database(DependencyProvider):
    """Injects the service's own pymongo Database. `indexes`: {collection: [IndexModel]}."""

    connection = MongoConnection()

    def __init__(self, indexes=None):
        super().__init__()
        self.indexes = indexes or {}

    def setup(self):
        self.connection.declare_indexes(self.indexes)

    def get_dependency(self, worker_ctx):
        return self.connection.database
