"""A small time-bounded cache for look-ups the gateway repeats on every request (a school's
classes, a teacher's mentees). Per process; entries expire after `ttl` seconds, so a change
made elsewhere is seen at most that late."""
import time
from collections import OrderedDict


class TtlCache:
    def __init__(self, ttl, maxsize=4096, clock=time.monotonic):
        self.ttl = ttl
        self.maxsize = maxsize
        self.clock = clock
        self._items = OrderedDict()

    def get(self, key, load):
        """The cached value of `key`, or load() stored for the next `ttl` seconds."""
        now = self.clock()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        self._items[key] = (now + self.ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return value

    def peek(self, key):
        """The cached value of `key` if still fresh, else None (nothing is loaded)."""
        hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] > self.clock() else None

    def put(self, key, value):
        self._items[key] = (self.clock() + self.ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)

    def forget(self, key=None):
        if key is None:
            self._items.clear()
        else:
            self._items.pop(key, None)
