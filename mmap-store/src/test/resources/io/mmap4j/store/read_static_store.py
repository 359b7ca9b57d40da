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
M32 = (1 << 32) - 1
PRIME32_1, PRIME32_2, PRIME32_3 = 0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D
PRIME64_1, PRIME64_2, PRIME64_3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
PRIME64_4, PRIME64_5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
PRIME_MX1, PRIME_MX2 = 0x165667919E3779F9, 0x9FB21C651E98DF25
PAGE = 4096
DEFAULT_SECRET = bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
    "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
    "3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
    "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364"
    "eac5ac8334d3ebc3c581a0fffa1363eb170ddd51b7f0da49d316552629d4689e"
    "2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e")


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def u64(b, p):
    return struct.unpack_from("<Q", b, p)[0]


def u32(b, p):
    return struct.unpack_from("<I", b, p)[0]


def fold(a, b):
    m = a * b
    return (m & M64) ^ (m >> 64)


def avalanche(h):
    h ^= h >> 37
    h = (h * PRIME_MX1) & M64
    return h ^ (h >> 32)


def avalanche_xxh64(h):
    h ^= h >> 33
    h = (h * PRIME64_2) & M64
    h ^= h >> 29
    h = (h * PRIME64_3) & M64
    return h ^ (h >> 32)


def xxh3_64(data, seed):
    """XXH3-64 with a seed, as the xxHash specification describes it (doc/xxhash_spec.md)."""
    n, s = len(data), DEFAULT_SECRET
    if n == 0:
        return avalanche_xxh64(seed ^ u64(s, 56) ^ u64(s, 64))
    if n <= 3:
        combined = data[n - 1] | n << 8 | data[0] << 16 | data[n >> 1] << 24
        return avalanche_xxh64((((u32(s, 0) ^ u32(s, 4)) + seed) & M64) ^ combined)
    if n <= 8:
        modified = seed ^ (int.from_bytes((seed & M32).to_bytes(4, "little"), "big") << 32)
        combined = u32(data, n - 4) | u32(data, 0) << 32
        v = (((u64(s, 8) ^ u64(s, 16)) - modified) & M64) ^ combined
        v ^= rotl(v, 49) ^ rotl(v, 24)
        v = (v * PRIME_MX2) & M64
        v ^= (v >> 35) + n
        v = (v * PRIME_MX2) & M64
        return v ^ (v >> 28)
    if n <= 16:
        low = (((u64(s, 24) ^ u64(s, 32)) + seed) & M64) ^ u64(data, 0)
        high = (((u64(s, 40) ^ u64(s, 48)) - seed) & M64) ^ u64(data, n - 8)
        swapped = int.from_bytes(low.to_bytes(8, "little"), "big")
        return avalanche((n + swapped + high + fold(low, high)) & M64)

    def mix16(p, so):
        return fold(u64(data, p) ^ ((u64(s, so) + seed) & M64), u64(data, p + 8) ^ ((u64(s, so + 8) - seed) & M64))

    if n <= 128:
        acc = n * PRIME64_1
        for i in range(((n - 1) >> 5), -1, -1):
            acc += mix16(16 * i, 32 * i) + mix16(n - 16 * i - 16, 32 * i + 16)
        return avalanche(acc & M64)
    if n <= 240:
        acc = n * PRIME64_1
        for i in range(8):
            acc += mix16(16 * i, 16 * i)
        acc = avalanche(acc & M64)
        for i in range(8, n >> 4):
            acc += mix16(16 * i, 16 * (i - 8) + 3)
        acc += mix16(n - 16, 119)
        return avalanche(acc & M64)
    # Over 240 bytes: a secret derived from the seed, 8 accumulators over 64-byte stripes.
    words = [u64(s, 8 * i) for i in range(24)]
    s = b"".join(struct.pack("<Q", (w + seed if i % 2 == 0 else w - seed) & M64) for i, w in enumerate(words))
    acc = [PRIME32_3, PRIME64_1, PRIME64_2, PRIME64_3, PRIME64_4, PRIME32_2, PRIME64_5, PRIME32_1]

    def accumulate(p, so):
        for i in range(8):
            d = u64(data, p + 8 * i)
            k = d ^ u64(s, so + 8 * i)
            acc[i ^ 1] = (acc[i ^ 1] + d) & M64
            acc[i] = (acc[i] + (k & M32) * (k >> 32)) & M64

    blocks = (n - 1) // 1024
    for b in range(blocks):
        for k in range(16):
            accumulate(1024 * b + 64 * k, 8 * k)
        for i in range(8):
            acc[i] = ((acc[i] ^ (acc[i] >> 47) ^ u64(s, 128 + 8 * i)) * PRIME32_1) & M64
    for k in range((n - 1 - 1024 * blocks) // 64):
        accumulate(1024 * blocks + 64 * k, 8 * k)
    accumulate(n - 64, 121)
    result = n * PRIME64_1
    for i in range(4):
        result += fold(acc[2 * i] ^ u64(s, 11 + 16 * i), acc[2 * i + 1] ^ u64(s, 19 + 16 * i))
    return avalanche(result & M64)


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
        if version != 3:
            fail("version %d, expected 3" % version)
        if page != PAGE or hash_fn != 2 or flags != 0 or data_offset != PAGE or self.aligned_min != 65536:
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
        fingerprint = xxh3_64(key, self.seed) & self.fingerprint_mask
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
