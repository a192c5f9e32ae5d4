"""POSTing one public event to a bureau's endpoint, signed (carekit.bureaus.signing)."""
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from carekit.bureaus.signing import bureau_secret, signed_headers


@dataclass(frozen=True)
class Endpoint:
    bureau: str
    url: str
    secret: str

    @classmethod
    def of(cls, signing_key, bureau, hook):
        return cls(bureau, hook["url"], bureau_secret(signing_key, bureau, hook["generation"]))


def event_id_of(body):
    try:
        return str(json.loads(body.decode("utf-8"))["id"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def post(endpoint, body, event_id, now, timeout):
    """Send once. Returns None when the bureau took it (2xx), else why not."""
    request = urllib.request.Request(endpoint.url, data=body, method="POST",
                                     headers=signed_headers(endpoint.secret, body, event_id, now))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
            return None if 200 <= response.status < 300 else "HTTP {}".format(response.status)
    except urllib.error.HTTPError as exc:
        return "HTTP {}".format(exc.code)
    except (urllib.error.URLError, socket.timeout, OSError, ValueError) as exc:
        return "{}: {}".format(type(exc).__name__, getattr(exc, "reason", exc))
