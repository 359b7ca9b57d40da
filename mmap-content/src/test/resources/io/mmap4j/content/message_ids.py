#!/usr/bin/env python3
"""A second implementation of docs/message-format.md, written from the page alone.

  message_ids.py vectors          prints "name id" for each test vector of the page
  message_ids.py read DIR ID      loads the value ID from a file-system cache in DIR, following the
                                  page's layout (data/<id>, the message's encoding), checks every
                                  hash, and prints its dump (see dump below)

MessageFormatTest runs both and compares them with Java. Python 3.8+, standard library only.
"""
import base64
import hashlib
import os
import struct
import sys


class I32(int):
    """An int encoded with tag 'i' (Java Integer)."""


class I64(int):
    """An int encoded with tag 'j' (Java Long)."""


def human_id(digest):
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def encode(value):
    """The canonical encoding of a value, and the list of (tag, hash) of its children."""
    if isinstance(value, bytes):
        return b"b" + value
    if isinstance(value, str):
        return b"s" + value.encode("utf-8")
    if isinstance(value, bool):
        return b"z" + (b"\x01" if value else b"\x00")
    if isinstance(value, I32):
        return b"i" + struct.pack("<i", value)
    if isinstance(value, I64):
        return b"j" + struct.pack("<q", value)
    if isinstance(value, float):
        if value != value:
            return b"d" + struct.pack("<Q", 0x7FF8000000000000)
        return b"d" + struct.pack("<d", value)
    if isinstance(value, list):
        out = b"a" + struct.pack("<I", len(value))
        for v in value:
            e = encode(v)
            out += e[:1] + hashlib.sha256(e).digest()
        return out
    if isinstance(value, dict):
        items = sorted(((k.encode("utf-8"), v) for k, v in value.items() if k != "commitments"),
                       key=lambda kv: kv[0])
        out = b"m" + struct.pack("<I", len(items))
        for k, v in items:
            e = encode(v)
            out += struct.pack("<I", len(k)) + k + e[:1] + hashlib.sha256(e).digest()
        return out
    raise TypeError(type(value))


def value_id(value):
    return human_id(hashlib.sha256(encode(value)).digest())


VECTORS = [
    ("empty-map", {}),
    ("empty-bytes", b""),
    ("bytes-abc", b"abc"),
    ("string-abc", "abc"),
    ("string-unicode", "\u00e9\u5024\U0001F600"),
    ("int-7", I32(7)),
    ("long-7", I64(7)),
    ("int-minus-1", I32(-1)),
    ("true", True),
    ("false", False),
    ("double-1.5", 1.5),
    ("double-minus-0", -0.0),
    ("empty-list", []),
    ("list-mixed", [I32(1), "two", b"3"]),
    ("map-a1-b2", {"a": "1", "b": "2"}),
    ("map-build", {"name": "build-42", "deps": ["a", "b"],
                   "config": {"port": I32(8080), "debug": False}}),
    ("map-key-order", {"b": I32(1), "a": I32(2), "\u00e4": I32(3), "Z": I32(4)}),
]


def dump(v):
    if isinstance(v, bytes):
        return "b:" + v.hex()
    if isinstance(v, str):
        return "s:" + v.encode("utf-8").hex()
    if isinstance(v, bool):
        return "z:" + ("true" if v else "false")
    if isinstance(v, I32):
        return "i:%d" % v
    if isinstance(v, I64):
        return "j:%d" % v
    if isinstance(v, float):
        return "d:%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-8"))
        return "{" + ",".join(k.encode("utf-8").hex() + "=" + dump(v[k]) for k in keys) + "}"
    raise TypeError(type(v))


def load(directory, ident):
    """The value with this ID, fully loaded from a file-system cache, every hash checked."""
    with open(os.path.join(directory, "data", ident), "rb") as f:
        enc = f.read()
    if human_id(hashlib.sha256(enc).digest()) != ident:
        raise ValueError("data/%s does not hash to its name" % ident)
    tag, body = enc[:1], enc[1:]
    if tag == b"b":
        return body
    if tag == b"s":
        return body.decode("utf-8")
    if tag == b"z":
        return body == b"\x01"
    if tag == b"i":
        return I32(struct.unpack("<i", body)[0])
    if tag == b"j":
        return I64(struct.unpack("<q", body)[0])
    if tag == b"d":
        return struct.unpack("<d", body)[0]
    if tag not in (b"m", b"a"):
        raise ValueError("unknown tag %r" % tag)
    (count,) = struct.unpack_from("<I", enc, 1)
    at = 5
    children = []
    for _ in range(count):
        key = None
        if tag == b"m":
            (n,) = struct.unpack_from("<I", enc, at)
            key = enc[at + 4:at + 4 + n].decode("utf-8")
            at += 4 + n
        child = human_id(enc[at + 1:at + 33])
        value = load(directory, child)
        if encode(value)[:1] != enc[at:at + 1]:
            raise ValueError("tag mismatch for child %s" % child)
        children.append((key, value))
        at += 33
    if at != len(enc):
        raise ValueError("trailing bytes in data/%s" % ident)
    if tag == b"a":
        return [v for _, v in children]
    return dict(children)


if __name__ == "__main__":
    if sys.argv[1] == "vectors":
        for name, v in VECTORS:
            print(name, value_id(v))
    elif sys.argv[1] == "read":
        print(dump(load(sys.argv[2], sys.argv[3])))
