"""Cursor paging for list RPCs: every list answers one page and, when there is more, an
opaque `next_cursor` naming the sort key of the page's last item.

A cursor is the sort key as JSON, base64url-encoded. It is checked when read back: a cursor
this service did not hand out is refused with a clear error (never passed into a query).
"""
import base64
import binascii
import json

from carekit.errors import ValidationFailed

MAX_CURSOR_LENGTH = 400


def encode_cursor(key):
    """The cursor of a sort key (a tuple of strings and integers)."""
    raw = json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor, shape):
    """The sort key a cursor names, as a tuple matching `shape` (a tuple of types, e.g.
    (int, str)); None for no cursor; ValidationFailed (field `cursor`) for anything else."""
    if cursor is None:
        return None
    try:
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError(cursor)
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
        if (not isinstance(key, list) or len(key) != len(shape) or not all(
                isinstance(part, kind) and not isinstance(part, bool)
                for part, kind in zip(key, shape))):
            raise ValueError(cursor)
        return tuple(key)
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise ValidationFailed.single("cursor", "bad_cursor",
                                      "翻页标记无效，请从第一页重新查询")


def page(items, key, shape, cursor, limit):
    """One page of `items` (any order): those whose key(item) (a tuple of `shape`) comes
    after the cursor's, in key order. -> {"items": [...], "next_cursor": str or None}."""
    after = decode_cursor(cursor, shape)
    ordered = sorted((i for i in items if after is None or tuple(key(i)) > after), key=key)
    shown = ordered[:limit]
    more = len(ordered) > limit
    return {"items": shown, "next_cursor": encode_cursor(key(shown[-1])) if more else None}
