from registry.tests.helpers import (  # noqa: F401  (fixtures)
    county, db, registry, registry_config)
