# Oracle for spec 21 (EXIF facts): JPEGs carrying EXIF written tag by tag here (PIL writes no
# EXIF sub-IFDs), each read back by PIL's own EXIF reader as the independent check of what the
# files hold.
#   exif_inputs.py make DIR   writes DIR/NAME.jpg and prints {NAME: facts PIL reads} as JSON
import io
import json
import os
import struct
import sys

from PIL import Image

BYTE, ASCII, SHORT, LONG, RATIONAL = 1, 2, 3, 4, 5


def asc(s):
    b = s.encode("latin-1") + b"\0"
    return (ASCII, len(b), b)


def rat(*vals):
    return (RATIONAL, len(vals), vals)


def short(v):
    return (SHORT, 1, (v,))


def ifd(entries, base, o):
    """One IFD at offset `base` with its out-of-line values after it; `o` is '<' or '>'."""
    entries = sorted(entries, key=lambda e: e[0])
    head = 2 + 12 * len(entries) + 4
    out, data = struct.pack(o + "H", len(entries)), b""
    for tag, typ, count, value in entries:
        if typ in (ASCII, BYTE):
            payload = value
        elif typ == SHORT:
            payload = b"".join(struct.pack(o + "H", v) for v in value)
        elif typ == LONG:
            payload = b"".join(struct.pack(o + "I", v) for v in value)
        else:
            payload = b"".join(struct.pack(o + "II", a, b) for a, b in value)
        if len(payload) <= 4:
            out += struct.pack(o + "HHI", tag, typ, count) + payload.ljust(4, b"\0")
        else:
            out += struct.pack(o + "HHII", tag, typ, count, base + head + len(data))
            data += payload + (b"\0" if len(payload) % 2 else b"")
    return out + struct.pack(o + "I", 0) + data


def exif(ifd0, sub=None, gps=None, order="<"):
    """The TIFF structure of an EXIF block: IFD0, the EXIF IFD and the GPS IFD one after another."""
    o = order

    def build(eo, go):
        e0 = list(ifd0)
        if sub is not None:
            e0.append((0x8769, LONG, 1, (eo,)))
        if gps is not None:
            e0.append((0x8825, LONG, 1, (go,)))
        a = ifd(e0, 8, o)
        b = ifd(sub, 8 + len(a), o) if sub is not None else b""
        c = ifd(gps, 8 + len(a) + len(b), o) if gps is not None else b""
        return a, b, c

    a, b, c = build(0, 0)
    a, b, c = build(8 + len(a), 8 + len(a) + len(b))
    head = (b"II*\0" if o == "<" else b"MM\0*") + struct.pack(o + "I", 8)
    return head + a + b + c


def jpeg_with(app1_body, size=(64, 48)):
    buf = io.BytesIO()
    Image.new("RGB", size, (120, 60, 30)).save(buf, "JPEG", quality=90)
    j = buf.getvalue()
    seg = b"\xff\xe1" + struct.pack(">H", len(app1_body) + 2) + app1_body
    return j[:2] + seg + j[2:]


FULL_SUB = [(0x9003,) + asc("2024:05:06 07:08:09"), (0x9011,) + asc("+02:00"),
            (0x9291,) + asc("123"), (0xA431,) + asc("SN-998877"), (0xA430,) + asc("Dr Owner"),
            (0xA435,) + asc("LENS-5544"), (0x829A,) + rat((1, 125)), (0x829D,) + rat((28, 10)),
            (0x8827,) + short(400), (0x9209,) + short(16), (0x920A,) + rat((50, 1)),
            (0xA433,) + asc("Canon"), (0xA434,) + asc("RF24-105mm F4 L IS USM")]
FULL_GPS = [(1,) + asc("N"), (2,) + rat((52, 1), (31, 1), (1234, 100)), (3,) + asc("W"),
            (4,) + rat((13, 1), (24, 1), (0, 1)), (5, BYTE, 1, b"\x00"), (6,) + rat((345, 10))]


def cases():
    yield "full", exif([(0x010F,) + asc("Canon"), (0x0110,) + asc("EOS R5"),
                        (0x013B,) + asc("Jane Photographer")], FULL_SUB, FULL_GPS)
    yield "big_endian", exif([(0x010F,) + asc("NIKON CORPORATION"), (0x0110,) + asc("NIKON Z 6")],
                             [(0x9003,) + asc("2023:12:31 23:59:58"), (0x8827,) + short(3200)],
                             order=">")
    yield "no_offset", exif([(0x010F,) + asc("Apple"), (0x0110,) + asc("iPhone 15 Pro")],
                            [(0x9003,) + asc("2025:02:28 12:00:00")])
    yield "unset_date", exif([(0x010F,) + asc("Olympus  ")], [(0x9003,) + asc("0000:00:00 00:00:00")])
    yield "bad_date", exif([(0x0110,) + asc("Model\\with\x01odd")],
                           [(0x9003,) + asc("2023:02:29 10:00:00"), (0x9011,) + asc("+99:00")])
    yield "date_no_camera", exif([], [(0x9003,) + asc("2022:01:02 03:04:05"), (0x9011,) + asc("-05:00")])


def make(d):
    facts = {}
    for name, tiff in cases():
        path = os.path.join(d, name + ".jpg")
        with open(path, "wb") as f:
            f.write(jpeg_with(b"Exif\0\0" + tiff))
        e = Image.open(path).getexif()
        sub, gps = e.get_ifd(0x8769), e.get_ifd(0x8825)

        def s(v):
            return None if v is None else str(v)
        facts[name] = {"Make": s(e.get(0x010F)), "Model": s(e.get(0x0110)),
                       "DateTimeOriginal": s(sub.get(0x9003)), "OffsetTimeOriginal": s(sub.get(0x9011)),
                       "SubSecTimeOriginal": s(sub.get(0x9291)),
                       "BodySerialNumber": s(sub.get(0xA431)), "CameraOwnerName": s(sub.get(0xA430)),
                       "LensSerialNumber": s(sub.get(0xA435)), "LensModel": s(sub.get(0xA434)),
                       "Artist": s(e.get(0x013B)),
                       "ISOSpeedRatings": sub.get(0x8827), "Flash": sub.get(0x9209),
                       "ExposureTime": float(sub[0x829A]) if 0x829A in sub else None,
                       "FNumber": float(sub[0x829D]) if 0x829D in sub else None,
                       "FocalLength": float(sub[0x920A]) if 0x920A in sub else None,
                       "GPS": {str(k): (v if isinstance(v, str) else [float(x) for x in v]
                                        if isinstance(v, tuple) else float(v) if not isinstance(v, bytes)
                                        else v[0])
                               for k, v in gps.items()}}
    Image.new("RGB", (64, 48), (1, 2, 3)).save(os.path.join(d, "plain.jpg"), quality=90)
    # HEICs by libheif's heif-enc, which carries a JPEG's EXIF into the HEIF's Exif item
    import subprocess
    for name in ("full", "no_offset"):
        subprocess.run(["heif-enc", "-q", "60", os.path.join(d, name + ".jpg"), "-o",
                        os.path.join(d, name + ".heic")], check=True, stdout=subprocess.DEVNULL)
    # an EXIF block that is broken: a truncated IFD, an offset past its end
    t = exif([(0x010F,) + asc("Canon")], FULL_SUB)
    with open(os.path.join(d, "truncated.jpg"), "wb") as f:
        f.write(jpeg_with(b"Exif\0\0" + t[:40]))
    b = bytearray(t)
    struct.pack_into("<I", b, 4, 0x7FFFFFF0)
    with open(os.path.join(d, "bad_offset.jpg"), "wb") as f:
        f.write(jpeg_with(b"Exif\0\0" + bytes(b)))
    print(json.dumps(facts))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
