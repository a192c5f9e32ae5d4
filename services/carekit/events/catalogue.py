"""The public contract: one marshmallow schema per event name and version.

Event schemas live in carekit.contracts (one module per publishing service) so that a
publisher and its subscribers validate against the same definition, and the AsyncAPI
document is generated from them.
"""
import importlib
import pkgutil

from marshmallow import Schema, ValidationError


class UnknownEventType(LookupError):
    pass


class Catalogue:
    def __init__(self):
        self._schemas = {}

    def register(self, source, name, version, schema_cls, summary=""):
        key = (name, version)
        existing = self._schemas.get(key)
        if existing and existing["schema"] is not schema_cls:
            raise ValueError("event {} v{} is already registered".format(name, version))
        self._schemas[key] = {"source": source, "name": name, "version": version,
                              "schema": schema_cls, "summary": summary}

    def entry(self, name, version):
        try:
            return self._schemas[(name, version)]
        except KeyError:
            known = sorted(v for (n, v) in self._schemas if n == name)
            raise UnknownEventType(
                "no schema for {} v{} (known versions: {})".format(name, version, known or "none"))

    def versions(self, name):
        return sorted(v for (n, v) in self._schemas if n == name)

    def _instance(self, name, version):
        # Building a marshmallow Schema copies every declared field: about 0.5 ms each, more
        # than validating a typical event. Instances hold no per-call state, so reuse one.
        entry = self.entry(name, version)
        if "instance" not in entry:
            entry["instance"] = entry["schema"]()
        return entry["instance"]

    def load(self, name, version, data):
        """Validate `data` against the schema; returns Python values. Raises ValidationError."""
        return self._instance(name, version).load(data)

    def to_wire(self, name, version, data):
        """Validate, then dump to JSON-ready values (dates as ISO strings)."""
        schema = self._instance(name, version)
        return schema.dump(schema.load(data if isinstance(data, dict) else {}))

    def entries(self):
        return [self._schemas[key] for key in sorted(self._schemas)]

    def public(self, name, version):
        """The public declaration of `name` v`version`, or None (not public, or unknown)."""
        entry = self._schemas.get((name, version))
        return entry.get("public") if entry else None

    def public_entries(self, source=None):
        """Entries of every event version with a public declaration (of `source` only)."""
        return [e for e in self.entries() if e.get("public") is not None
                and (source is None or e["source"] == source)]


catalogue = Catalogue()


def event_schema(source, name, version=1, summary="", public=None):
    """Class decorator: register a marshmallow Schema as the contract for `name` v`version`.
    `public`: what of it other bureaus may see (carekit.events.public), None: nothing."""
    def register(schema_cls):
        if not issubclass(schema_cls, Schema):
            raise TypeError("event schemas are marshmallow Schemas")
        catalogue.register(source, name, version, schema_cls, summary or (schema_cls.__doc__ or "").strip())
        schema_cls.event_name = name
        schema_cls.event_version = version
        if public is not None:
            from carekit.events.public import Public
            catalogue.entry(name, version)["public"] = Public.declare(public, schema_cls)
        schema_cls.public = catalogue.entry(name, version).get("public")
        return schema_cls
    return register


def load_contracts():
    """Import every module of carekit.contracts so all event schemas are registered."""
    import carekit.contracts as contracts
    for module in pkgutil.iter_modules(contracts.__path__):
        importlib.import_module("carekit.contracts." + module.name)
    return catalogue


__all__ = ["catalogue", "event_schema", "load_contracts", "UnknownEventType", "ValidationError"]
