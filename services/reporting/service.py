"""The reporting service (see DESIGN.md §3). Not built yet: it starts, connects and answers health."""
from carekit.service import CareService


class ReportingService(CareService):
    name = "reporting"
