"""Wait until the gateway's /health answers 200, printing each service's state.

    python -m carekit.waitup URL [SECONDS]
"""
import json
import sys
import time
import urllib.request


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    url, seconds = argv[0], float(argv[1]) if len(argv) > 1 else 60
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = json.loads(response.read())
                for name, state in sorted(body.get("services", {}).items()):
                    print("  {:<14} {}".format(name, state.get("status")))
                return 0
        except Exception as exc:  # not up yet (refused, 503 while services start)
            last = exc
            time.sleep(1)
    print("not healthy after {}s: {!r}".format(seconds, last), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
