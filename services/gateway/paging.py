"""Pages over lists a service answers whole: `{items, next_cursor}`, the cursor being the
last item's id. (The services are moving to cursor paging of their own; a route then passes
the cursor through instead.)"""
from gateway import errors


def page(items, cursor=None, limit=50, key="id"):
    start = 0
    if cursor:
        ids = [item.get(key) for item in items]
        if cursor not in ids:
            raise errors.Invalid.single("cursor", "bad_cursor", "翻页标记无效，请从第一页重新查询")
        start = ids.index(cursor) + 1
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return {"items": chunk, "next_cursor": chunk[-1].get(key) if more and chunk else None}
