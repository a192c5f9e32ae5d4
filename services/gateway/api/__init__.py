"""The route table: every HTTP route of the gateway, each with its rule (gateway.routing).

A route is served only from here, so a route cannot exist without a rule; the role × route
test reads the same table."""
from gateway.api import (admin, bureaus, care, children, duty, groups, honours, inbox, login,
                         org, pairing, pending, people, reports, roster, system)

ALL_ROUTES = (system.ROUTES + login.ROUTES + admin.ROUTES + org.ROUTES + children.ROUTES
              + people.ROUTES + roster.ROUTES + pairing.ROUTES + care.ROUTES + groups.ROUTES
              + duty.ROUTES + honours.ROUTES + inbox.ROUTES + bureaus.ROUTES + reports.ROUTES
              + pending.ROUTES)
ROUTES = [r for r in ALL_ROUTES if r.mounted]
PENDING = [r for r in ALL_ROUTES if not r.mounted]
BY_NAME = {r.name: r for r in ALL_ROUTES}
assert len(BY_NAME) == len(ALL_ROUTES), "route names are unique"
