#!/usr/bin/env python3
"""The Python side of tests/tests/pynamodb_mate_interop.rs: the real pynamodb_mate 6.0.1.1
(installed by scripts/servers.sh into .tools/venv) on the table of `Shared` in
schemas/interop.toml.

    python pynamodb_mate_peer.py ENDPOINT TABLE write     # writes the py-* items, prints them
    python pynamodb_mate_peer.py ENDPOINT TABLE read      # prints every item as pynamodb_mate reads it
    python pynamodb_mate_peer.py ENDPOINT TABLE scan-eq   # equality scans for the rust-* items' ECB values

Values are printed as JSON objects tagged like runtime/tests/data/pynamodb_mate_vectors.json
(`text`, `bytes_hex`, `int`, `float_bits`, `bool`, `json`), one object per item, attribute ->
value, absent attributes left out.
"""

import json
import math
import struct
import sys

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model
from pynamodb_mate.attributes import compressed, encrypted

PASSWORD = "my-password"

VALUES = {
    "text": ["", "héllo wörld 😀", "x" * 40000, "attack at 2PM tomorrow!"],
    "bytes": [b"", bytes(range(256)), b"\x00" * 17],
    "int": [0, 1234, -(2**63), 2**63 - 1, -1],
    "float": [1.5, 1e16, 1e-7, -0.0, math.nan, math.inf, -math.inf, 0.1],
    "bool": [True, False],
    "json": [{"a": 1}, [1, 2.5, "x", None, True], {"b": 1, "a": [1, {"c": "\u00e9\U0001F600"}]},
             "just a string", {"big": 1e16}, {}],
}

# attribute -> (pynamodb_mate class, constructor kwargs, kind of value)
ATTRIBUTES = {
    "text_gz": (compressed.CompressedUnicodeAttribute, {}, "text"),
    "bytes_gz": (compressed.CompressedBinaryAttribute, {}, "bytes"),
    "json_gz": (compressed.CompressedJSONDictAttribute, {}, "json"),
    "text_ecb": (encrypted.EncryptedUnicodeAttribute, {"determinative": True}, "text"),
    "bytes_ecb": (encrypted.EncryptedBinaryAttribute, {"determinative": True}, "bytes"),
    "int_ecb": (encrypted.EncryptedNumberAttribute, {"determinative": True}, "int"),
    "float_ecb": (encrypted.EncryptedNumberAttribute, {"determinative": True}, "float"),
    "flag_ecb": (encrypted.EncryptedNumberAttribute, {"determinative": True}, "bool"),
    "json_ecb": (encrypted.EncryptedJsonDictAttribute, {"determinative": True}, "json"),
    "text_ctr": (encrypted.EncryptedUnicodeAttribute, {"determinative": False}, "text"),
    "bytes_ctr": (encrypted.EncryptedBinaryAttribute, {"determinative": False}, "bytes"),
    "float_ctr": (encrypted.EncryptedNumberAttribute, {"determinative": False}, "float"),
    "json_ctr": (encrypted.EncryptedJsonDictAttribute, {"determinative": False}, "json"),
}


def model(endpoint, table):
    attrs = {"id": UnicodeAttribute(hash_key=True)}
    for name, (cls, kwargs, _) in ATTRIBUTES.items():
        if cls.__module__.endswith("encrypted"):
            kwargs = dict(kwargs, encryption_key=PASSWORD)
        attrs[name] = cls(null=True, **kwargs)
    meta = type("Meta", (), {"table_name": table, "host": endpoint, "region": "us-east-1"})
    return type("Shared", (Model,), dict(attrs, Meta=meta))


def describe(kind, value):
    if kind == "text":
        return {"text": value}
    if kind == "bytes":
        return {"bytes_hex": value.hex()}
    if kind == "json":
        return {"json": json.dumps(value)}
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": str(value)}
    return {"float_bits": struct.pack(">d", value).hex()}


def dump(item):
    out = {"id": item.id}
    for name, (_, _, kind) in ATTRIBUTES.items():
        value = getattr(item, name)
        if value is not None:
            out[name] = describe(kind, value)
    return out


def write(M):
    items = []
    rows = max(len(v) for v in VALUES.values()) + 1  # the last item has every attribute absent
    for row in range(rows):
        item = M(id=f"py-{row}")
        for name, (_, _, kind) in ATTRIBUTES.items():
            values = VALUES[kind]
            if row < len(values):
                setattr(item, name, values[row])
        item.save()
        items.append(dump(item))
    return items


def scan_eq(M):
    """For each ECB attribute value of a rust-* item, the ids an equality scan finds."""
    found = []
    for item in M.scan():
        if not item.id.startswith("rust-"):
            continue
        for name, (_, kwargs, _) in ATTRIBUTES.items():
            value = getattr(item, name)
            if not kwargs.get("determinative") or value is None:
                continue
            if isinstance(value, float) and math.isnan(value):
                continue  # NaN == NaN is false in Python; the bytes still match
            ids = sorted(i.id for i in M.scan(getattr(M, name) == value))
            found.append({"id": item.id, "attribute": name, "found": ids})
    return found


def main():
    endpoint, table, command = sys.argv[1:4]
    M = model(endpoint, table)
    if command == "write":
        result = write(M)
    elif command == "read":
        result = sorted((dump(i) for i in M.scan()), key=lambda d: d["id"])
    elif command == "scan-eq":
        result = scan_eq(M)
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
