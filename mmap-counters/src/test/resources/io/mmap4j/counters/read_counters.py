#!/usr/bin/env python3
"""A reader of mmap4j counters files (format version 1), written from docs/counters-format.md alone.

usage: read_counters.py FILE

Checks the header, walks the name index, checks every record it names, finds each name again by
hashing and probing as a writer would, and prints one line per counter, in id order:
    id <TAB> name <TAB> value
Exits 1 with a message on stderr if the file is not a valid counters file.
"""
import mmap
import struct
import sys

MAGIC = b"MMAP4JCT"
PAGE = 4096
WRITTEN = 2


def name_hash(data):
    """32-bit FNV-1a over the UTF-8 bytes, then MurmurHash3's fmix32 finaliser."""
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def round_up(value, multiple):
    return (value + multiple - 1) // multiple * multiple


class Corrupt(Exception):
    pass


class CountersFile:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        m = self.m
        if len(m) < PAGE:
            raise Corrupt("shorter than the header: %d bytes" % len(m))
        (magic, version, page, self.capacity, self.entries, self.record_size, self.max_name, self.slot,
         flags, self.index_off, self.records_off, self.values_off, file_size) = struct.unpack_from("<8s8I4Q", m, 0)
        if magic != MAGIC:
            raise Corrupt("bad magic %r" % magic)
        if version != 1:
            raise Corrupt("unsupported version %d" % version)
        # Every field that places a region must be what the capacity, name limit and slot size give.
        entries = 1
        while entries < 2 * self.capacity:
            entries *= 2
        record_size = round_up(16 + self.max_name, 64)
        index_off = PAGE
        records_off = round_up(index_off + 8 * entries, PAGE)
        values_off = round_up(records_off + record_size * self.capacity, PAGE)
        size = round_up(values_off + self.slot * self.capacity, PAGE)
        expected = (PAGE, entries, record_size, 0, index_off, records_off, values_off, size)
        actual = (page, self.entries, self.record_size, flags, self.index_off, self.records_off, self.values_off,
                  file_size)
        if not (1 <= self.capacity <= 1 << 20 and 1 <= self.max_name <= 4080
                and 64 <= self.slot <= 4096 and self.slot & (self.slot - 1) == 0):
            raise Corrupt("capacity, name limit or slot size out of range")
        if actual != expected:
            raise Corrupt("header %r, expected %r" % (actual, expected))
        if len(m) != file_size:
            raise Corrupt("file has %d bytes, header says %d" % (len(m), file_size))
        (self.allocated,) = struct.unpack_from("<Q", m, 128)
        if self.allocated > self.capacity:
            raise Corrupt("allocated count %d above capacity" % self.allocated)

    def name_of(self, entry):
        """The name of the record an index entry names, checked."""
        id_ = (entry & 0xFFFFFFFF) - 1
        h = entry >> 32
        if not 0 <= id_ < self.capacity:
            raise Corrupt("index entry names id %d" % id_)
        record = self.records_off + id_ * self.record_size
        state, _generation, length, record_hash = struct.unpack_from("<4I", self.m, record)
        if state != WRITTEN or not 1 <= length <= self.max_name:
            raise Corrupt("record %d: state %d, name length %d" % (id_, state, length))
        name = bytes(self.m[record + 16:record + 16 + length])
        if record_hash != h or name_hash(name) != h:
            raise Corrupt("record %d: hash mismatch" % id_)
        return id_, name.decode("utf-8", errors="strict")

    def value(self, id_):
        return struct.unpack_from("<q", self.m, self.values_off + id_ * self.slot)[0]

    def counters(self):
        """(id, name, value) of every counter: the index is the source of truth, not the records."""
        found = []
        for position in range(self.entries):
            (entry,) = struct.unpack_from("<Q", self.m, self.index_off + 8 * position)
            if entry != 0:
                id_, name = self.name_of(entry)
                found.append((id_, name, self.value(id_)))
        return sorted(found)

    def find(self, name):
        """The id of a name, by hashing and linear probing from its home position; None if absent."""
        data = name.encode("utf-8")
        h = name_hash(data)
        position = h & (self.entries - 1)
        for _ in range(self.entries):
            (entry,) = struct.unpack_from("<Q", self.m, self.index_off + 8 * position)
            if entry == 0:
                return None
            if entry >> 32 == h and self.name_of(entry)[1] == name:
                return (entry & 0xFFFFFFFF) - 1
            position = (position + 1) & (self.entries - 1)
        return None


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: read_counters.py FILE\n")
        return 2
    try:
        counters = CountersFile(sys.argv[1])
        out = []
        for id_, name, value in counters.counters():
            if counters.find(name) != id_:
                raise Corrupt("lookup of %r does not find id %d" % (name, id_))
            out.append("%d\t%s\t%d\n" % (id_, name, value))
    except Corrupt as e:
        sys.stderr.write("corrupt: %s\n" % e)
        return 1
    sys.stdout.buffer.write("".join(out).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
