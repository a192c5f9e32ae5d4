"""The services behind the gateway, called over nameko RPC with a bound on every wait.

    call.registry.get_child(child_id)       # -> the answer, or an ApiError

A backend's carekit error keeps its status, code and field errors; a backend that is down
answers 503, one that is too slow 504, one that fails in an unexpected way 502 (its text
stays in the log, the caller gets a reference)."""
import time

import eventlet
from nameko.exceptions import RemoteError, UnknownService

from carekit.logs import get_logger
from gateway import errors, metrics

log = get_logger(__name__)

SERVICES = ("registry", "pairing", "activities", "notifications", "reporting")


class ServiceClient:
    def __init__(self, name, proxy, timeout):
        self._name = name
        self._proxy = proxy
        self._timeout = timeout

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args: self._call(method, args)

    def _call(self, method, args):
        return self.gather(method, [args])[0]

    def gather(self, method, calls):
        """`method` called once per argument tuple in `calls`, all sent before any answer
        is awaited; the answers in order (an error of any one is raised)."""
        started = time.perf_counter()
        try:
            with eventlet.Timeout(self._timeout):
                pending = [getattr(self._proxy, method).call_async(*args) for args in calls]
                return [reply.result() for reply in pending]
        except eventlet.Timeout:
            log.warning("rpc_timeout", service=self._name, method=method)
            raise errors.UpstreamTimeout(detail={"service": self._name})
        except UnknownService:
            raise errors.Unavailable(detail={"service": self._name})
        except RemoteError as exc:
            mapped = errors.from_remote(exc)
            if mapped is not None:
                raise mapped
            reference = errors.new_reference()
            log.error("rpc_failed", service=self._name, method=method, reference=reference,
                      exc_type=exc.exc_type, error=str(exc.value)[:500])
            raise errors.UpstreamError(reference=reference)
        finally:
            metrics.RPC_SECONDS.labels(self._name).observe(time.perf_counter() - started)

    def every_page(self, method, query, limit=500):
        """Every item of a cursor-paged list RPC ({items, next_cursor})."""
        items, cursor = [], None
        while True:
            page = self._call(method, (dict(query, limit=limit, cursor=cursor),))
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def gather_settled(self, method, calls):
        """Like gather, but each answer is the result or the ApiError of that one call."""
        out = []
        for args in calls:  # errors are per call; the waits still overlap below
            out.append(getattr(self._proxy, method).call_async(*args))
        settled = []
        for reply in out:
            try:
                with eventlet.Timeout(self._timeout):
                    settled.append(reply.result())
            except eventlet.Timeout:
                settled.append(errors.UpstreamTimeout(detail={"service": self._name}))
            except RemoteError as exc:
                settled.append(errors.from_remote(exc) or errors.UpstreamError())
        return settled


class Backends:
    """One ServiceClient per service, over the worker's RpcProxy dependencies."""

    def __init__(self, proxies, timeout):
        for name, proxy in proxies.items():
            setattr(self, name, ServiceClient(name, proxy, timeout))
