"""Routes whose service RPCs are still being built. Their place and rule are fixed here; they are
mounted (served, documented, tested) once the RPCs exist — set `mounted=True` and write
the handler then."""
from gateway import errors


def pending(call):
    raise errors.Unavailable(code="not_yet_available", message="该功能即将上线")


# The report routes that waited here are served by gateway/api/reports.py now.
ROUTES = []
