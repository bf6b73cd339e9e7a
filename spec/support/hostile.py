"""Hostile DICOM files for the reliability specs, written byte by byte (no DICOM library, so
that nothing tidies them up on the way out).

usage: /usr/bin/python3 hostile.py KIND OUT [N]
  nesting    N levels of undefined-length (0040,A730) SQ, each holding one undefined-length item
  elements   N private LO elements, 200 per private group (0011, 0013, ...)
  items      one sequence of N empty items
  fragments  encapsulated PixelData of N empty fragments
  backslash  one LO value (OtherPatientIDs) of N backslashes, Implicit VR Little Endian
  deflate    Deflated Explicit VR Little Endian whose data set inflates to N MiB (one OB of zeros)
  hugelen    an OB element that declares N bytes in a file of a few hundred
All files are Part 10 with a meta header; the SOP Class is Secondary Capture.
"""
import struct
import sys
import zlib

SC = b"1.2.840.10008.5.1.4.1.1.7"
EXPLICIT = b"1.2.840.10008.1.2.1"
IMPLICIT = b"1.2.840.10008.1.2"
DEFLATED = b"1.2.840.10008.1.2.1.99"
JPEG = b"1.2.840.10008.1.2.4.50"
UNDEFINED = 0xFFFFFFFF


def pad(value, filler=b" "):
    return value + filler if len(value) % 2 else value


def elem(group, element, vr, value):
    """An explicit VR little endian element with a defined length."""
    if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV", b"SV", b"UV"):
        return struct.pack("<HH2sHI", group, element, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", group, element, vr, len(value)) + value


def undefined(group, element, vr):
    return struct.pack("<HH2sHI", group, element, vr, 0, UNDEFINED)


def item_start(length=UNDEFINED):
    return struct.pack("<HHI", 0xFFFE, 0xE000, length)


ITEM_END = struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
SEQ_END = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)


def part10(dataset, transfer_syntax=EXPLICIT, instance=b"2.25.1"):
    meta = (elem(0x0002, 0x0001, b"OB", b"\x00\x01")
            + elem(0x0002, 0x0002, b"UI", pad(SC, b"\0"))
            + elem(0x0002, 0x0003, b"UI", pad(instance, b"\0"))
            + elem(0x0002, 0x0010, b"UI", pad(transfer_syntax, b"\0"))
            + elem(0x0002, 0x0012, b"UI", pad(b"1.2.3.4", b"\0")))
    group_length = elem(0x0002, 0x0000, b"UL", struct.pack("<I", len(meta)))
    return b"\0" * 128 + b"DICM" + group_length + meta + dataset


def identity(instance=b"2.25.1"):
    return (elem(0x0008, 0x0016, b"UI", pad(SC, b"\0"))
            + elem(0x0008, 0x0018, b"UI", pad(instance, b"\0")))


def nesting(n):
    body = bytearray()
    for _ in range(n):
        body += undefined(0x0040, 0xA730, b"SQ") + item_start()
    for _ in range(n):
        body += ITEM_END + SEQ_END
    return part10(identity() + bytes(body))


def elements(n):
    out = bytearray(identity())
    group, made = 0x0011, 0
    while made < n:
        count = min(200, n - made)
        out += elem(group, 0x0010, b"LO", pad(b"HOSTILE"))
        for k in range(count):
            out += elem(group, 0x1000 + k, b"LO", pad(b"v%d" % (made + k)))
        made += count
        group += 2
    return part10(bytes(out))


def items(n):
    body = identity() + undefined(0x0040, 0xA730, b"SQ")
    body += (item_start(0)) * n + SEQ_END
    return part10(body)


def fragments(n):
    body = (identity()
            + elem(0x0028, 0x0002, b"US", struct.pack("<H", 1))
            + elem(0x0028, 0x0004, b"CS", b"MONOCHROME2 ")
            + elem(0x0028, 0x0010, b"US", struct.pack("<H", 8))
            + elem(0x0028, 0x0011, b"US", struct.pack("<H", 8))
            + elem(0x0028, 0x0100, b"US", struct.pack("<H", 8))
            + elem(0x0028, 0x0101, b"US", struct.pack("<H", 8))
            + elem(0x0028, 0x0102, b"US", struct.pack("<H", 7))
            + elem(0x0028, 0x0103, b"US", struct.pack("<H", 0))
            + undefined(0x7FE0, 0x0010, b"OB") + item_start(0) + item_start(0) * n + SEQ_END)
    return part10(body, JPEG)


def implicit(group, element, value):
    return struct.pack("<HHI", group, element, len(value)) + value


def backslash(n):
    # implicit VR: an LO value of more than 64 KiB needs a 32-bit length field
    body = (implicit(0x0008, 0x0016, pad(SC, b"\0")) + implicit(0x0008, 0x0018, pad(b"2.25.1", b"\0"))
            + implicit(0x0010, 0x1000, pad(b"\\" * n)))
    return part10(body, IMPLICIT)


def deflate(mib):
    inner = identity() + elem(0x0009, 0x0010, b"LO", pad(b"BOMB"))
    zeros = 1 << 20
    head = struct.pack("<HH2sHI", 0x0009, 0x1000, b"OB", 0, mib * zeros)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [z.compress(inner + head)]
    block = b"\0" * zeros
    for _ in range(mib):
        out.append(z.compress(block))
    out.append(z.flush())
    return part10(b"".join(out), DEFLATED)


def hugelen(n):
    return part10(identity() + struct.pack("<HH2sHI", 0x0009, 0x1000, b"OB", 0, n) + b"\0" * 64)


KINDS = {"nesting": (nesting, 6000), "elements": (elements, 40000), "items": (items, 40000),
         "fragments": (fragments, 100000), "backslash": (backslash, 2000000),
         "deflate": (deflate, 2048), "hugelen": (hugelen, 0xFFFFFFF0)}

if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    make, default = KINDS[kind]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else default
    with open(out, "wb") as f:
        f.write(make(n))
