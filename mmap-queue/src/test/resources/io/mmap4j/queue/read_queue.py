#!/usr/bin/env python3
"""Lists the records of an mmap4j queue file, head to tail, written from docs/queue-format.md alone.

Usage: read_queue.py FILE
Prints "cells N", "head H", "tail T", then one line per committed record: "record POSITION LENGTH HEX".
Exits 2 (and says why on stderr) if the file fails a check the document requires.
A snapshot: run it on a queue no process is changing, or expect what a racing reader may see.
"""
import struct
import sys

PAGE = 4096
CELL = 16
HEADER = 16
DATA = PAGE
COMMITTED, PADDING, ABANDONED, TAKEN = 1, 2, 3, 4


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def fail(why):
    print(why, file=sys.stderr)
    sys.exit(2)


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < PAGE:
        fail("shorter than the header page")
    magic, version, cell_bytes, cells, unblock, data_offset, file_size, key, crc = struct.unpack_from(
        "<8sIIQQQQQI", data, 0)
    if magic != b"MMAP4JQU":
        fail("bad magic %r" % magic)
    if version != 3:
        fail("version %d" % version)
    if crc32c(data[0:56]) != crc:
        fail("header checksum")
    if cell_bytes != CELL or not (8 <= cells <= 1 << 42) or unblock <= 0 or key == 0:
        fail("bad cell size, count, unblock timeout or sequence key")
    if data_offset != DATA or file_size != DATA + CELL * cells:
        fail("offsets do not follow from the cell count")
    if len(data) < file_size:
        fail("truncated")
    head_word, = struct.unpack_from("<Q", data, 128)
    tail_word, = struct.unpack_from("<Q", data, 256)
    head = head_word & ((1 << 61) - 1)  # bit 61: a single consumer holds the queue; bit 62: a conditional poll holds the head
    tail = tail_word & ((1 << 61) - 1)  # bit 62: a single producer holds the queue
    if not (head <= tail <= head + cells):
        fail("tail outside the ring")
    print("cells", cells)
    print("head", head)
    print("tail", tail)
    p = head
    while p < tail:
        i = p % cells
        word, length, crc = struct.unpack_from("<QII", data, DATA + CELL * i)
        seq = word ^ key
        named, state = (seq >> 3) - 1, seq & 7
        if named != p:                 # not a header of p: a claim being written, or a record's bytes; one cell
            p += 1
            continue
        if state in (COMMITTED, TAKEN):
            need = 1 + (length + CELL - 1) // CELL
            if length > (cells // 2 - 1) * CELL or i + need > cells:
                fail("record length %d at position %d" % (length, p))
            if state == TAKEN:         # taken before the host restarted: passed, not listed
                p += need
                continue
            start = DATA + CELL * i + HEADER
            record = data[start:start + length]
            if crc32c(record) != crc:
                fail("record checksum at position %d" % p)
            print("record", p, length, record.hex())
            p += need
        elif state == PADDING:
            if length != cells - i:
                fail("padding length %d at position %d" % (length, p))
            p += length
        elif state == ABANDONED:
            p += 1
        else:
            fail("state %d at position %d" % (state, p))


if __name__ == "__main__":
    main(sys.argv[1])
