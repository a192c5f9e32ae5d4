"""Hostile arguments for every RPC of a service (issue 9 §5): the shared corpus and its driver.

    before = hostile.database_snapshot(db)
    findings = hostile.Attack(proxy.registry, RegistryService,
                              samples={"get_child": [{"child_id": child_id}], ...},
                              skip=("health",)).run()
    assert findings == []
    assert hostile.database_snapshot(db) == before

A sample is one valid call: a dict of keyword arguments (`{"child_id": "…", "request":
{…}}`), or, for a method taking one payload dict, that payload itself (`{"county_id": "…"}`).
Every field of every sample (nested dicts and list items included) is replaced in turn by each
hostile value fitting what the field holds: operator objects (`{"$gt": ""}`, `{"$ne": None}`,
`{"$where": …}`), wrong types (a list or a number where text belongs, text where a number
belongs …), huge strings, deep nesting, text that is not valid UTF-8 (a lone surrogate: what
invalid UTF-8 becomes once decoded), NUL, and an injected `$where` key in every dict. An id
(a field called `id` or `…_id`) also refuses empty text, `$gt`, `a.b` and a trailing newline.

A finding is any hostile call that was not refused with `validation_failed` naming the field
(the field itself or a part of it; inside a payload argument, with or without the argument's
name), or whose answer was not a care error (a leaked exception text). Every `@rpc` method of
the class not in `skip` needs at least one sample, else that is a finding too.
"""
import copy
import inspect
import json

from nameko.exceptions import RemoteError
from nameko.rpc import Rpc

from carekit.errors import parse_remote_error
from carekit.events.records import OUTBOX_FIELDS

BATCH = 16  # calls in flight at once
# every CareService's own RPCs (carekit.service): attacked once, in tests/security
KIT_RPCS = ("health", "replay_events", "subscribe_bureau", "unsubscribe_bureau",
            "bureau_subscriptions", "public_events")


def nested(depth, leaf="x"):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


HUGE = "x" * 100_000
OPERATORS = [{"$gt": ""}, {"$ne": None}, {"$where": "sleep(1000)"}]


def not_an_id(v):
    return OPERATORS + [[v], [], 7, 3.5, True, "", "   ", "$gt", "a.b", v + "\x00",
                        v + "\udcff", HUGE, nested(200), {v: 1}, v + "\n"]


def not_text(v):
    return OPERATORS + [[v], [], 7, 3.5, True, v + "\x00", "k\udcff", HUGE, nested(200),
                        {v: 1}]


def not_a_number(v):
    extra = [3.5] if isinstance(v, int) else []
    return [{"$gt": 0}, [v], "3; drop", HUGE, nested(50), True] + extra


def not_a_flag(v):
    return [{"$ne": None}, [v], HUGE, nested(50), 7, "maybe"]


def not_a_list(v):
    return [{"$in": v}, "k1", 7, nested(50), [{"$gt": ""}], list(v) + [{"$ne": None}],
            [HUGE], [nested(100)]]


def not_a_dict(v):
    return [[], ["k", "v"], "s1", 7, nested(100)]


def is_id(key):
    return isinstance(key, str) and (key == "id" or key.endswith("_id"))


def hostile_values(key, value):
    """The hostile replacements of a field named `key` whose valid value is `value`."""
    if isinstance(value, bool):
        return not_a_flag(value)
    if isinstance(value, (int, float)):
        return not_a_number(value)
    if isinstance(value, str):
        return not_an_id(value) if is_id(key) else not_text(value)
    if isinstance(value, list):
        return not_a_list(value)
    if isinstance(value, dict):
        return not_a_dict(value)
    return OPERATORS + [nested(50)]  # None: an optional field left empty


def variants(value, path):
    """(path to replace, hostile value, path the refusal must name) for `value` at `path`."""
    key = path[-1] if path else None
    if path:
        for bad in hostile_values(key, value):
            yield path, bad, path
    if isinstance(value, dict):
        yield path, dict(value, **{"$where": "1"}), path + ("$where",)
        for k, v in value.items():
            yield from variants(v, path + (k,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)):
                yield from variants(item, path + (index,))


def replaced(tree, path, bad):
    if not path:
        return bad
    out = copy.deepcopy(tree)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = bad
    return out


def rpc_methods(service_class):
    return sorted(name for name, value in inspect.getmembers(service_class)
                  if any(isinstance(e, Rpc) for e in getattr(value, "nameko_entrypoints", ())))


def database_snapshot(db):
    """Every document of every collection, without what the relay does with carried events."""
    hide = {field: 0 for field in OUTBOX_FIELDS}
    return {name: sorted((json.dumps(d, sort_keys=True, default=str)
                          for d in db[name].find({}, hide)))
            for name in sorted(db.list_collection_names())}


class Attack:
    def __init__(self, proxy, service_class, samples, skip=()):
        self.proxy, self.service_class = proxy, service_class
        self.samples, self.skip = samples, set(skip)

    def _calls(self, method, sample):
        """(kwargs, field name, accepted names) per hostile variant of one sample call."""
        params = [p for p in inspect.signature(getattr(self.service_class, method)).parameters
                  if p != "self"]
        if set(sample) <= set(params):
            payload_args = {k for k, v in sample.items() if isinstance(v, dict)}
            every = (v for k, value in sample.items() for v in variants(value, (k,)))
            for path, bad, named in every:
                kwargs = replaced(sample, path, bad)
                names = {".".join(map(str, named))}
                if named[0] in payload_args:
                    names.add(".".join(map(str, named[1:])))
                yield kwargs, ".".join(map(str, path)), names
        elif len(params) == 1:
            for bad in [None] + not_a_dict(sample):
                yield {params[0]: bad}, "", {""}
            for path, bad, named in variants(sample, ()):
                yield ({params[0]: replaced(sample, path, bad)}, ".".join(map(str, path)),
                       {".".join(map(str, named))})
        else:
            raise ValueError("sample of {} fits neither its parameters {} nor one payload"
                             .format(method, params))

    def run(self):
        findings = []
        attempts = []
        for method in rpc_methods(self.service_class):
            if method in self.skip:
                continue
            if not self.samples.get(method):
                findings.append((method, None, "no sample call", None))
                continue
            for sample in self.samples[method]:
                try:
                    attempts += [(method,) + call for call in self._calls(method, sample)]
                except ValueError as exc:
                    findings.append((method, None, str(exc), None))
        for start in range(0, len(attempts), BATCH):
            batch = attempts[start:start + BATCH]
            replies = [getattr(self.proxy, m).call_async(**kwargs) for m, kwargs, _, _ in batch]
            for (method, kwargs, field, names), reply in zip(batch, replies):
                problem = self._judge(reply, names)
                if problem:
                    findings.append((method, field, repr(kwargs)[:100], problem))
        return findings

    @staticmethod
    def _judge(reply, names):
        try:
            reply.result()
        except RemoteError as exc:
            body = parse_remote_error(exc)
            if body is None:
                return "not a care error: {} {}".format(exc.exc_type, str(exc.value)[:80])
            if body.get("code") != "validation_failed":
                return body
            fields = [e.get("field", "") for e in body.get("errors") or []]
            if "" in names or any(f == n or f.startswith(n + ".")
                                  for f in fields for n in names if n):
                return None
            return body
        return "accepted"
