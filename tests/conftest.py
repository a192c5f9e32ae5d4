import eventlet

eventlet.monkey_patch()  # noqa: E402  nameko 2.14 no longer does this for pytest; do it first

from carekit.testing.plugin import wait_for  # noqa: E402,F401
