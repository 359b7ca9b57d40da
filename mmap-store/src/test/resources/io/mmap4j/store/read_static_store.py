#!/usr/bin/env python3
"""A reader of mmap4j static store files, written from docs/static-store-format.md alone.

Usage: read_static_store.py FILE [HEXKEY ...]

Checks the header as the format page says, then prints:
  stat <entries> <records> <slots> <max displacement> <key bytes> <value bytes> <largest value>
  one line per live entry, in record order:  entry <hex key> <value length> <sha256 of the value>
  one line per HEXKEY argument, looked up through the index:
      hit <hex key> <value length> <sha256 of the value>   or   miss <hex key>
Every live entry is also looked up through the index, and must be found at its own record.
Exits 1 with a message on the first problem.
"""
import hashlib
import mmap
import struct
import sys

M64 = (1 << 64) - 1
P1, P2, P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
P4, P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
PAGE = 4096


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def xxh64(data, seed):
    def round_(acc, lane):
        return (rotl((acc + lane * P2) & M64, 31) * P1) & M64

    def merge(h, v):
        return (((h ^ round_(0, v)) * P1) + P4) & M64

    n = len(data)
    p = 0
    if n >= 32:
        v = [(seed + P1 + P2) & M64, (seed + P2) & M64, seed & M64, (seed - P1) & M64]
        while n - p >= 32:
            for i in range(4):
                v[i] = round_(v[i], struct.unpack_from("<Q", data, p + 8 * i)[0])
            p += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M64
        for x in v:
            h = merge(h, x)
    else:
        h = (seed + P5) & M64
    h = (h + n) & M64
    while n - p >= 8:
        h = (rotl(h ^ round_(0, struct.unpack_from("<Q", data, p)[0]), 27) * P1 + P4) & M64
        p += 8
    if n - p >= 4:
        h = (rotl(h ^ ((struct.unpack_from("<I", data, p)[0] * P1) & M64), 23) * P2 + P3) & M64
        p += 4
    while p < n:
        h = (rotl(h ^ ((data[p] * P5) & M64), 11) * P1) & M64
        p += 1
    h = ((h ^ (h >> 33)) * P2) & M64
    h = ((h ^ (h >> 29)) * P3) & M64
    return h ^ (h >> 32)


def crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the format page's test vector


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def round_up(x, m):
    return (x + m - 1) // m * m


class Store:
    def __init__(self, buf):
        self.buf = buf
        size = len(buf)
        if size < PAGE:
            fail("file of %d bytes is shorter than the header page" % size)
        if buf[0:8] != b"MMAP4JST":
            fail("bad magic %r" % bytes(buf[0:8]))
        (version, page, hash_fn, flags, self.seed, self.entries, self.records, data_offset, self.data_end,
         self.index_offset, self.slots, file_size, self.key_bytes, self.value_bytes, self.largest,
         self.max_disp, self.aligned_min, self.index_crc, header_crc) = struct.unpack_from("<IIIIQQQQQQQQQQQIIII", buf, 8)
        if version != 2:
            fail("version %d, expected 2" % version)
        if page != PAGE or hash_fn != 1 or flags != 0 or data_offset != PAGE or self.aligned_min != 65536:
            fail("page size %d, hash function %d, flags %d, data offset %d" % (page, hash_fn, flags, data_offset))
        if self.data_end < PAGE or self.data_end % 8 or self.data_end > size:
            fail("data end %d" % self.data_end)
        if self.index_offset != round_up(self.data_end, PAGE):
            fail("index offset %d" % self.index_offset)
        if self.slots < 1 or self.index_offset + 8 * self.slots >= 1 << 63:
            fail("slots %d" % self.slots)
        if file_size != self.index_offset + 8 * self.slots or file_size != size:
            fail("file size field %d, computed %d, real %d" % (file_size, self.index_offset + 8 * self.slots, size))
        data_bytes = self.data_end - PAGE
        if not (self.entries <= self.records <= data_bytes // 16) or self.entries > self.slots \
                or (self.records == 0) != (data_bytes == 0):
            fail("entries %d, records %d" % (self.entries, self.records))
        if self.key_bytes > data_bytes or self.value_bytes > data_bytes or self.largest > self.value_bytes:
            fail("totals")
        if self.max_disp >= self.slots:
            fail("max displacement %d" % self.max_disp)
        if header_crc != crc32c(buf[0:124]):
            fail("header crc32c")
        if any(buf[128:PAGE]):
            fail("reserved header bytes are not zero")

        # A slot: the hash's high bits (the fingerprint) over the record offset / 8 in the low offset_bits.
        self.offset_bits = (self.data_end >> 3).bit_length()
        self.fingerprint_mask = M64 ^ ((1 << self.offset_bits) - 1)

    def home(self, fingerprint):
        return (fingerprint * self.slots) >> 64

    def slot(self, i):
        """(fingerprint, record offset) of slot i; (0, 0) when it is empty."""
        word = struct.unpack_from("<Q", self.buf, self.index_offset + 8 * i)[0]
        return word & self.fingerprint_mask, (word & ~self.fingerprint_mask) << 3

    def record(self, r):
        """(key, value start, value length, next record) of the record at r, checked against the data region."""
        if r % 8 or r < PAGE or r > self.data_end - 16:
            fail("record offset %d" % r)
        k, crc, v = struct.unpack_from("<IIQ", self.buf, r)
        key_end = r + 16 + k
        if k > 65535 or key_end > self.data_end:
            fail("key length %d at %d" % (k, r))
        start = round_up(key_end, PAGE) if v >= self.aligned_min else key_end
        if start + v > self.data_end:
            fail("value length %d at %d" % (v, r))
        key = bytes(self.buf[r + 16:key_end])
        value = self.buf[start:start + v]
        if v <= 1 << 16 and crc32c(key + bytes(value)) != crc:  # pure Python is slow: small values only
            fail("record crc32c at %d" % r)
        return key, start, v, round_up(start + v, 8)

    def lookup(self, key):
        """The record offset of key, or None."""
        fingerprint = xxh64(key, self.seed) & self.fingerprint_mask
        i = self.home(fingerprint)
        for d in range(self.max_disp + 1):
            slot_fingerprint, r = self.slot(i)
            if r == 0:
                return None
            if slot_fingerprint == fingerprint:
                if self.record(r)[0] == key:
                    return r
            elif (i - self.home(slot_fingerprint)) % self.slots < d:
                return None
            i = (i + 1) % self.slots
        return None

    def describe(self, r):
        key, start, v, _ = self.record(r)
        return "%s %d %s" % (key.hex(), v, hashlib.sha256(self.buf[start:start + v]).hexdigest())


def main():
    if len(sys.argv) < 2:
        fail(__doc__)
    with open(sys.argv[1], "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    store = Store(buf)
    print("stat %d %d %d %d %d %d %d" % (store.entries, store.records, store.slots, store.max_disp,
                                         store.key_bytes, store.value_bytes, store.largest))
    r = PAGE
    records = live = 0
    while r < store.data_end:
        key, start, v, nxt = store.record(r)
        records += 1
        if store.lookup(key) == r:  # else a later record of the same key replaced it
            live += 1
            print("entry " + store.describe(r))
        r = nxt
    if records != store.records or live != store.entries:
        fail("found %d records and %d entries, the header says %d and %d" % (records, live, store.records, store.entries))
    for hexkey in sys.argv[2:]:
        r = store.lookup(bytes.fromhex(hexkey))
        print("miss " + hexkey if r is None else "hit " + store.describe(r))


main()
