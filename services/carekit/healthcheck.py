"""Container healthcheck: python -m carekit.healthcheck SERVICE  (exit 0 healthy, 1 not).

Two checks, both within HEALTHCHECK_TIMEOUT seconds (default 8):
- this container's process answers: its Prometheus endpoint (METRICS_PORT, when set) and,
  for the gateway, its HTTP port (any HTTP answer counts; /health itself fans out to every
  service and says 503 when one is down, which is not this container's fault);
- the service answers its `health` RPC over the broker (AMQP_URI), which pings its MongoDB.
  With several replicas any one of them may answer: the first check is what ties the result
  to this container.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  (nameko's standalone proxy runs on eventlet)

import os  # noqa: E402
import sys  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402


def _http_answers(url, timeout, accept_any_status=False):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200 or accept_any_status
    except urllib.error.HTTPError:
        return accept_any_status  # the server answered, with an error status
    except (urllib.error.URLError, OSError):
        return False


def problems(service, environ=None):
    """Everything wrong with `service` as seen from this container; [] when healthy."""
    from nameko.standalone.rpc import ClusterRpcProxy

    environ = os.environ if environ is None else environ
    timeout = float(environ.get("HEALTHCHECK_TIMEOUT") or 8)
    found = []
    metrics_port = int(environ.get("METRICS_PORT") or 0)
    if metrics_port and not _http_answers(
            "http://127.0.0.1:{}/metrics".format(metrics_port), timeout):
        found.append("metrics endpoint on port {} does not answer".format(metrics_port))
    if service == "gateway":
        port = int(environ.get("GATEWAY_PORT") or 8000)
        if not _http_answers("http://127.0.0.1:{}/".format(port), timeout,
                             accept_any_status=True):
            found.append("HTTP port {} does not answer".format(port))
    if "AMQP_URI" not in environ:
        return found + ["AMQP_URI is not set"]
    try:
        with eventlet.Timeout(timeout + 2):
            with ClusterRpcProxy({"AMQP_URI": environ["AMQP_URI"]}, timeout=timeout) as proxy:
                reply = getattr(proxy, service).health()
        if not isinstance(reply, dict) or reply.get("status") != "ok":
            found.append("health RPC answered {!r}".format(reply))
    except eventlet.Timeout:
        found.append("health RPC timed out")
    except Exception as exc:  # broker down, unknown service, remote error: all unhealthy
        found.append("health RPC failed: {!r}".format(exc))
    return found


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m carekit.healthcheck SERVICE", file=sys.stderr)
        return 2
    found = problems(argv[0])
    for problem in found:
        print("unhealthy: {}: {}".format(argv[0], problem), file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
