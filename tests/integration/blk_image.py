#!/usr/bin/env python3
"""tests/integration/blk_image.py - disk-image helpers for the block tests.

  blk_image.py corrupt CASE IMAGE
      Break a GPT image made by sgdisk (examples/blk/make-image.sh) in one
      way: hdr_crc, array_crc, backup_disagrees, count_max, entry_size,
      past_end, overlap, mbr_boot, zero. Where the case is not about a CRC,
      the CRCs are recomputed so that only the named problem remains.
  blk_image.py verify ORIG NEW LOG
      Check NEW against ORIG: for every "[clientN] wrote K blocks at partition
      block B (pattern seed 0xS, round R)" line in LOG, the blocks hold
      exactly the client's pattern at the offset of partition N+1 (as sfdisk
      reads the table), and every other byte of the image is unchanged
      (SHA-256 of the expected image against the new one). Exit 0 if so.
"""
import hashlib
import json
import re
import struct
import subprocess
import sys
import zlib

SS = 512


def hdr(img, lba):
    return img[lba * SS:lba * SS + SS]


def fix_hdr_crc(img, lba):
    o = lba * SS
    size = struct.unpack_from("<I", img, o + 12)[0]
    struct.pack_into("<I", img, o + 16, 0)
    struct.pack_into("<I", img, o + 16, zlib.crc32(bytes(img[o:o + size])) & 0xFFFFFFFF)


def fix_array_crc(img, lba):
    o = lba * SS
    arr, n, esz = struct.unpack_from("<QII", img, o + 72)
    crc = zlib.crc32(bytes(img[arr * SS:arr * SS + n * esz])) & 0xFFFFFFFF
    struct.pack_into("<I", img, o + 88, crc)
    fix_hdr_crc(img, lba)


def copies(img):
    alt = struct.unpack_from("<Q", img, SS + 32)[0]
    return [1, alt]


def patch_entry(img, idx, first=None, last=None, lbas=None):
    for lba in lbas or copies(img):
        arr = struct.unpack_from("<Q", img, lba * SS + 72)[0]
        e = arr * SS + 128 * idx
        if first is not None:
            struct.pack_into("<Q", img, e + 32, first)
        if last is not None:
            struct.pack_into("<Q", img, e + 40, last)
        fix_array_crc(img, lba)


def corrupt(case, path):
    with open(path, "rb") as f:
        img = bytearray(f.read())
    sectors = len(img) // SS
    if case == "hdr_crc":
        img[SS + 40] ^= 0x01  # first_usable, CRC left stale
    elif case == "array_crc":
        arr = struct.unpack_from("<Q", img, SS + 72)[0]
        img[arr * SS + 56] ^= 0x01  # a byte of entry 1's name, CRC left stale
    elif case == "backup_disagrees":
        alt = copies(img)[1]
        patch_entry(img, 1, last=struct.unpack_from("<Q", img, 2 * SS + 128 + 40)[0] - 8,
                    lbas=[alt])
    elif case == "count_max":
        struct.pack_into("<I", img, SS + 80, 0xFFFFFFFF)
        fix_hdr_crc(img, 1)
    elif case == "entry_size":
        struct.pack_into("<I", img, SS + 84, 256)
        fix_hdr_crc(img, 1)
    elif case == "past_end":
        patch_entry(img, 1, last=sectors + 1000)
    elif case == "overlap":
        patch_entry(img, 1, first=40960)  # inside partition 1 (2048..51199)
    elif case == "mbr_boot":
        img[446 + 16] = 0x12  # boot indicator of MBR entry 2
    elif case == "zero":
        img[:] = bytes(len(img))
    else:
        sys.exit(f"unknown case {case}")
    with open(path, "r+b") as f:
        f.write(img)


def pattern(block, seed, rnd):
    out = bytearray(4096)
    b = (block * 251) & 0xFF
    for i in range(4096):
        out[i] = (b ^ ((i + rnd) * 7) ^ seed) & 0xFF
    return out


def verify(orig, new, log):
    with open(orig, "rb") as f:
        expect = bytearray(f.read())
    with open(new, "rb") as f:
        got = f.read()
    table = json.loads(subprocess.run(["sfdisk", "-J", new], check=True, capture_output=True,
                                      text=True).stdout)["partitiontable"]
    parts = table["partitions"]
    line_re = re.compile(r"\[client(\d+)\] wrote (\d+) blocks? at partition block (\d+) "
                         r"\(pattern seed 0x([0-9a-f]+), round (\d+)\)")
    writes = 0
    with open(log) as f:
        for m in line_re.finditer(f.read()):
            client, n, first, seed, rnd = (int(m.group(1)), int(m.group(2)), int(m.group(3)),
                                           int(m.group(4), 16), int(m.group(5)))
            start = parts[client]["start"] * table.get("sectorsize", SS)
            for k in range(n):
                off = start + (first + k) * 4096
                expect[off:off + 4096] = pattern(first + k, seed, rnd)
                if got[off:off + 4096] != expect[off:off + 4096]:
                    print(f"client{client}: block {first + k} of partition {client + 1} "
                          f"does not hold the pattern")
                    return 1
            print(f"client{client}: {n} blocks at byte {start + first * 4096} of the image "
                  f"(partition {client + 1}) hold exactly the pattern")
            writes += 1
    e, g = hashlib.sha256(expect).hexdigest(), hashlib.sha256(got).hexdigest()
    if e != g:
        diff = next(i for i in range(len(got)) if got[i] != expect[i])
        print(f"image differs outside the written blocks, first at byte {diff}")
        return 1
    print(f"{writes} written ranges, every other byte unchanged (sha256 {g[:16]}...)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "corrupt":
        corrupt(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)
