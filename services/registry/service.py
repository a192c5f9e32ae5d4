"""The registry service (see DESIGN.md §3). Not built yet: it starts, connects and answers health."""
from carekit.service import CareService


class RegistryService(CareService):
    name = "registry"
