# Oracle for TIFF and HEIC import: files made here from known arrays (TIFF), or by libheif's own
# heif-enc (HEIC), and the pixels DICOM must hold, from the arrays with TIFF 6.0's rules applied
# or from a decoder we did not write (PIL for the TIFFs PIL writes, heif-convert for HEIC).
# Run with Debian's /usr/bin/python3.
#
#   still_inputs.py make DIR    writes DIR/NAME.tif|.heic and DIR/NAME.npy and prints
#                               {NAME: {"kind", "samples", "bits", "frames", "alpha", "tolerance",
#                               "inverted", "orientation", "skipped"}} as JSON
#   still_inputs.py compare     as png_inputs.py compare
#
# The TIFFs are written field by field (TIFF 6.0: header, IFDs of sorted entries, strips or
# tiles), because PIL cannot write every kind this must read: 2/4-bit grey, 16-bit RGB, planar
# configuration 2, tiles, big-endian files, Orientation, reduced-resolution pages, associated
# alpha. The rest (LZW, Deflate, PackBits, JPEG, CCITT Group 4) are PIL's, through libtiff.
import json
import os
import struct
import subprocess
import sys

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png_inputs import compare, pack_rows  # noqa: E402

SHORT, LONG = 3, 4


def tiff_bytes(pages, order="<"):
    """pages: dicts with arr (h, w, c) stored samples, bps, photometric, and optionally planar
    (1/2), tile (size), extra (ExtraSamples list), orientation, subfile, colormap (3 x 2^bps)."""
    out = bytearray(b"II*\x00" if order == "<" else b"MM\x00*")
    out += struct.pack(order + "I", 0)
    link = 4  # where the previous IFD's offset (or the header's) goes
    for pg in pages:
        arr = pg["arr"]
        if arr.ndim == 2:
            arr = arr[:, :, None]
        h, w, c = arr.shape
        bps = pg["bps"]
        planar = pg.get("planar", 1)
        planes = [arr[:, :, i:i + 1] for i in range(c)] if planar == 2 else [arr]

        def encode(block):
            if bps == 16:
                return block.astype(order + "u2").tobytes()
            return b"".join(pack_rows(block, bps))

        offsets, counts = [], []
        tile = pg.get("tile")
        for plane in planes:
            if tile:
                for y in range(0, h, tile):
                    for x in range(0, w, tile):
                        t = np.zeros((tile, tile, plane.shape[2]), dtype=plane.dtype)
                        part = plane[y:y + tile, x:x + tile]
                        t[:part.shape[0], :part.shape[1]] = part
                        data = encode(t)
                        offsets.append(len(out))
                        counts.append(len(data))
                        out += data + (b"\x00" if len(data) % 2 else b"")
            else:
                rps = 5
                for y in range(0, h, rps):
                    data = encode(plane[y:y + rps])
                    offsets.append(len(out))
                    counts.append(len(data))
                    out += data + (b"\x00" if len(data) % 2 else b"")
        entries = {256: (LONG, [w]), 257: (LONG, [h]), 258: (SHORT, [bps] * c),
                   259: (SHORT, [1]), 262: (SHORT, [pg["photometric"]]), 277: (SHORT, [c]),
                   284: (SHORT, [planar])}
        if tile:
            entries.update({322: (LONG, [tile]), 323: (LONG, [tile]), 324: (LONG, offsets),
                            325: (LONG, counts)})
        else:
            entries.update({273: (LONG, offsets), 278: (LONG, [5]), 279: (LONG, counts)})
        if pg.get("subfile"):
            entries[254] = (LONG, [pg["subfile"]])
        if pg.get("orientation"):
            entries[274] = (SHORT, [pg["orientation"]])
        if pg.get("extra") is not None:
            entries[338] = (SHORT, pg["extra"])
        if pg.get("colormap") is not None:
            entries[320] = (SHORT, list(np.asarray(pg["colormap"]).reshape(-1)))
        ifd = len(out)
        struct.pack_into(order + "I", out, link, ifd)
        n = len(entries)
        data_at = ifd + 2 + 12 * n + 4
        body, extra = bytearray(struct.pack(order + "H", n)), bytearray()
        for tag in sorted(entries):
            kind, values = entries[tag]
            fmt = order + ("H" if kind == SHORT else "I") * len(values)
            raw = struct.pack(fmt, *[int(v) for v in values])
            if len(raw) <= 4:
                body += struct.pack(order + "HHI", tag, kind, len(values)) + raw.ljust(4, b"\x00")
            else:
                body += struct.pack(order + "HHII", tag, kind, len(values), data_at + len(extra))
                extra += raw + (b"\x00" if len(raw) % 2 else b"")
        link = len(out) + len(body)
        body += struct.pack(order + "I", 0)
        out += body + extra
    return bytes(out)


def widen(v, bps):
    return (v.astype(np.uint32) * (255 // ((1 << bps) - 1))).astype(np.uint8)


def orient(a, o):
    """EXIF/TIFF Orientation o applied to a (h, w[, c]) array: the upright picture."""
    if o == 2:
        return a[:, ::-1]
    if o == 3:
        return a[::-1, ::-1]
    if o == 4:
        return a[::-1]
    t = np.swapaxes(a, 0, 1)
    if o == 5:
        return t
    if o == 6:
        return t[:, ::-1]
    if o == 7:
        return t[::-1, ::-1]
    if o == 8:
        return t[::-1]
    return a


def make(d):
    facts = {}
    rng = np.random.default_rng(17)
    yy, xx = np.mgrid[0:27, 0:41]
    base8 = ((xx * 6 + yy * 3) % 256).astype(np.uint8)
    rgb8 = np.dstack([base8, (255 - base8), ((xx * yy) % 256).astype(np.uint8)])
    grey16 = (yy * 2300 + xx * 700 + 5).astype(np.uint16)
    rgb16 = np.dstack([grey16, 65535 - grey16, (grey16 * 7) % 65536]).astype(np.uint16)

    def save(name, data, expected, kind="tiff", alpha="none", tolerance=0, **more):
        ext = ".tif" if kind == "tiff" else ".heic"
        if data is not None:
            with open(os.path.join(d, name + ext), "wb") as f:
                f.write(data)
        exp = np.ascontiguousarray(expected)
        np.save(os.path.join(d, name + ".npy"), exp)
        frames = more.pop("frames", 1)
        shape = exp.shape[1:] if frames > 1 else exp.shape
        facts[name] = dict(kind=kind, rows=int(shape[0]), columns=int(shape[1]),
                           samples=int(shape[2]) if len(shape) == 3 else 1,
                           bits=16 if exp.dtype == np.uint16 else 8, frames=frames,
                           alpha=alpha, tolerance=tolerance, **more)

    # ---- hand-written TIFFs: every layout the reader takes
    for bps in (1, 2, 4):
        v = (base8 >> (8 - bps)).astype(np.uint8)
        save("grey%d" % bps, tiff_bytes([dict(arr=v, bps=bps, photometric=1)]), widen(v, bps))
    b1 = (base8 >> 7).astype(np.uint8)
    save("grey1_white", tiff_bytes([dict(arr=b1, bps=1, photometric=0)]),
         255 - widen(b1, 1), inverted=True)
    save("grey8", tiff_bytes([dict(arr=base8, bps=8, photometric=1)]), base8)
    save("grey8_white", tiff_bytes([dict(arr=base8, bps=8, photometric=0)]), 255 - base8,
         inverted=True)
    save("grey16", tiff_bytes([dict(arr=grey16, bps=16, photometric=1)]), grey16)
    save("grey16_mm", tiff_bytes([dict(arr=grey16, bps=16, photometric=1)], ">"), grey16)
    save("grey16_tiled", tiff_bytes([dict(arr=grey16, bps=16, photometric=1, tile=16)]), grey16)
    save("rgb8", tiff_bytes([dict(arr=rgb8, bps=8, photometric=2)]), rgb8)
    save("rgb8_planar", tiff_bytes([dict(arr=rgb8, bps=8, photometric=2, planar=2)]), rgb8)
    save("rgb8_tiled", tiff_bytes([dict(arr=rgb8, bps=8, photometric=2, tile=16)]), rgb8)
    save("rgb8_tiled_planar", tiff_bytes([dict(arr=rgb8, bps=8, photometric=2, tile=16,
                                               planar=2)]), rgb8)
    save("rgb16", tiff_bytes([dict(arr=rgb16, bps=16, photometric=2)]), rgb16)
    save("rgb16_planar_mm", tiff_bytes([dict(arr=rgb16, bps=16, photometric=2, planar=2)], ">"),
         rgb16)
    for bps in (4, 8):
        n = 1 << bps
        pal = rng.integers(0, 256, size=(3, n)).astype(np.uint16)
        idx = (base8 % n).astype(np.uint8)
        save("palette%d" % bps, tiff_bytes([dict(arr=idx, bps=bps, photometric=3,
                                                 colormap=pal * 257)]),
             np.dstack([pal[0][idx], pal[1][idx], pal[2][idx]]).astype(np.uint8),
             palette=True)
    opaque = np.dstack([rgb8, np.full(base8.shape, 255, np.uint8)])
    save("rgba8_opaque", tiff_bytes([dict(arr=opaque, bps=8, photometric=2, extra=[2])]), rgb8,
         alpha="opaque")
    a = ((xx * 9) % 256).astype(np.uint8)
    bg = np.array([10, 200, 30])
    trans = np.dstack([rgb8, a])
    flat = ((rgb8.astype(np.int64) * a[:, :, None] + bg * (255 - a[:, :, None]) + 127) // 255)
    save("rgba8", tiff_bytes([dict(arr=trans, bps=8, photometric=2, extra=[2])]),
         flat.astype(np.uint8), alpha="flattened")
    # associated (premultiplied) alpha: stored c * a / 255, taken back to c before compositing
    a2 = np.where(a == 0, 255, a).astype(np.int64)  # no zero alpha: c is recoverable
    pre = (rgb8.astype(np.int64) * a2[:, :, None] + 127) // 255
    straight = np.minimum(255, (pre * 255 + a2[:, :, None] // 2) // a2[:, :, None])
    flat2 = (straight * a2[:, :, None] + bg * (255 - a2[:, :, None]) + 127) // 255
    save("rgba8_assoc", tiff_bytes([dict(arr=np.dstack([pre, a2]).astype(np.uint8), bps=8,
                                         photometric=2, extra=[1])]),
         flat2.astype(np.uint8), alpha="flattened")
    for o in (3, 6, 8, 5):
        save("orient%d" % o, tiff_bytes([dict(arr=rgb8, bps=8, photometric=2, orientation=o)]),
             orient(rgb8, o), orientation=o)
    # pages: three colour pages and a thumbnail (NewSubfileType 1) left out
    pages = [np.roll(rgb8, 7 * i, axis=1) for i in range(3)]
    thumb = rgb8[::3, ::3]
    save("pages_rgb", tiff_bytes([dict(arr=pages[0], bps=8, photometric=2),
                                  dict(arr=thumb, bps=8, photometric=2, subfile=1),
                                  dict(arr=pages[1], bps=8, photometric=2, subfile=2),
                                  dict(arr=pages[2], bps=8, photometric=2, subfile=2)]),
         np.stack(pages), frames=3, skipped=1)
    g8 = [np.roll(base8, 5 * i, axis=0) for i in range(4)]
    save("pages_grey8", tiff_bytes([dict(arr=p, bps=8, photometric=1) for p in g8]),
         np.stack(g8), frames=4)
    g16 = [grey16, 65535 - grey16]
    save("pages_grey16", tiff_bytes([dict(arr=p, bps=16, photometric=1) for p in g16], ">"),
         np.stack(g16), frames=2)

    # ---- PIL's TIFFs (libtiff's codecs); the pixels are PIL's decode of them
    def pil(name, im, **kw):
        path = os.path.join(d, name + ".tif")
        im.save(path, **kw)
        back = Image.open(path)
        back.load()
        exp = np.asarray(back.convert("L") if back.mode == "1" else back)
        tol = kw.pop("tolerance", 0)
        save(name, None, exp, tolerance=tol)
    pil("lzw_rgb", Image.fromarray(rgb8), compression="tiff_lzw")
    pil("deflate_grey", Image.fromarray(base8), compression="tiff_adobe_deflate")
    pil("packbits_rgb", Image.fromarray(rgb8), compression="packbits")
    pil("group4", Image.fromarray(b1 * 255).convert("1"), compression="group4")
    pil("jpeg_rgb", Image.fromarray(rgb8), compression="jpeg", quality=90)

    # ---- HEIC by heif-enc; the pixels are heif-convert's decode
    def heic(name, pngs, extra=(), patch=None, alpha="none", **more):
        srcs = []
        for i, arr in enumerate(pngs):
            src = os.path.join(d, "%s-src%d.png" % (name, i))
            Image.fromarray(arr).save(src)
            srcs.append(src)
        path = os.path.join(d, name + ".heic")
        subprocess.run(["heif-enc", *extra, *srcs, "-o", path], check=True,
                       stdout=subprocess.DEVNULL)
        if patch:
            with open(path, "rb") as f:
                data = patch(f.read())
            with open(path, "wb") as f:
                f.write(data)
        outs = []
        conv = os.path.join(d, name + "-convert.png")
        subprocess.run(["heif-convert", path, conv], check=True, stdout=subprocess.DEVNULL)
        names = [conv] if len(pngs) == 1 else [
            os.path.join(d, "%s-convert-%d.png" % (name, i + 1)) for i in range(len(pngs))]
        for n in names:
            im = Image.open(n)
            im.load()
            outs.append(np.asarray(im))
        exp = outs[0] if len(outs) == 1 else np.stack(outs)
        if alpha == "flattened":
            c, al = exp[..., :3].astype(np.int64), exp[..., 3:].astype(np.int64)
            exp = ((c * al + bg * (255 - al) + 127) // 255).astype(np.uint8)
        save(name, None, exp, kind="heif", alpha=alpha, frames=len(pngs), **more)

    photo = np.dstack([base8, 255 - base8, ((xx * yy) % 256).astype(np.uint8)])
    heic("photo", [photo], ["-q", "90"])
    heic("lossless", [photo], ["-L", "-p", "chroma=444"])
    heic("alpha", [np.dstack([photo, a])], ["-q", "90"], alpha="flattened")
    heic("two", [photo, np.roll(photo, 9, axis=1)], ["-q", "80"])
    heic("rotated", [photo], ["-q", "90"], patch=lambda b: add_irot(b, 1), orientation=6)
    print(json.dumps(facts))


# ---- ISO BMFF (ISO/IEC 14496-12, HEIF ISO/IEC 23008-12): an irot property for the primary item

def boxes(b, start, end):
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", b[at:at + 8])
        yield at, size, kind.decode("latin-1")
        at += size


def add_irot(b, angle):
    """Insert irot (angle * 90 degrees anticlockwise) into ipco, associate it with the primary
    item in ipma, and move iloc's file offsets past the bytes added."""
    b = bytearray(b)
    meta = next(at for at, _, k in boxes(b, 0, len(b)) if k == "meta")
    meta_size = struct.unpack(">I", b[meta:meta + 4])[0]
    inner = list(boxes(b, meta + 12, meta + meta_size))
    pitm = next(at for at, _, k in inner if k == "pitm")
    primary = struct.unpack(">H", b[pitm + 12:pitm + 14])[0]
    iprp, iprp_size = next((at, s) for at, s, k in inner if k == "iprp")
    sub = list(boxes(b, iprp + 8, iprp + iprp_size))
    ipco, ipco_size = next((at, s) for at, s, k in sub if k == "ipco")
    ipma, ipma_size = next((at, s) for at, s, k in sub if k == "ipma")
    index = len(list(boxes(b, ipco + 8, ipco + ipco_size))) + 1
    irot = struct.pack(">I4sB", 9, b"irot", angle & 3)
    # ipma: version, flags, entry_count, then per item: id, count, associations
    version, flags = b[ipma + 8], int.from_bytes(b[ipma + 9:ipma + 12], "big")
    count = struct.unpack(">I", b[ipma + 12:ipma + 16])[0]
    at, idsize, asize = ipma + 16, (4 if version >= 1 else 2), (2 if flags & 1 else 1)
    new_ipma = bytearray(b[ipma:ipma + 16])
    for _ in range(count):
        item = int.from_bytes(b[at:at + idsize], "big")
        n = b[at + idsize]
        assoc = b[at + idsize + 1:at + idsize + 1 + n * asize]
        if item == primary:
            n += 1
            assoc += (0x8000 | index).to_bytes(2, "big") if asize == 2 else bytes([0x80 | index])
        new_ipma += b[at:at + idsize] + bytes([n]) + assoc
        at += idsize + 1 + (b[at + idsize]) * asize
    struct.pack_into(">I", new_ipma, 0, len(new_ipma))
    grow = len(irot) + len(new_ipma) - ipma_size
    # iloc: shift file offsets (construction method 0) by what meta grows
    iloc = next(at for at, _, k in inner if k == "iloc")
    v = b[iloc + 8]
    sizes = b[iloc + 12], b[iloc + 13]
    off_size, len_size, base_size = sizes[0] >> 4, sizes[0] & 15, sizes[1] >> 4
    idx_size = sizes[1] & 15 if v in (1, 2) else 0
    p = iloc + 14
    items = struct.unpack(">H", b[p:p + 2])[0] if v < 2 else struct.unpack(">I", b[p:p + 4])[0]
    p += 2 if v < 2 else 4
    for _ in range(items):
        p += 2 if v < 2 else 4
        method = 0
        if v in (1, 2):
            method = int.from_bytes(b[p:p + 2], "big") & 15
            p += 2
        p += 2  # data_reference_index
        base_at = p
        p += base_size
        extents = struct.unpack(">H", b[p:p + 2])[0]
        p += 2
        for _ in range(extents):
            p += idx_size
            if method == 0 and base_size == 0:
                o = int.from_bytes(b[p:p + off_size], "big")
                b[p:p + off_size] = (o + grow).to_bytes(off_size, "big")
            p += off_size + len_size
        if method == 0 and base_size:
            o = int.from_bytes(b[base_at:base_at + base_size], "big")
            b[base_at:base_at + base_size] = (o + grow).to_bytes(base_size, "big")
    # rebuild: ipco gains irot, ipma replaced, sizes of ipco, iprp, meta grow
    out = b[:ipco + ipco_size] + irot + b[ipco + ipco_size:ipma] + new_ipma + b[ipma + ipma_size:]
    if ipma < ipco:
        raise SystemExit("ipma before ipco: not handled")
    struct.pack_into(">I", out, ipco, ipco_size + len(irot))
    struct.pack_into(">I", out, iprp, iprp_size + grow)
    struct.pack_into(">I", out, meta, meta_size + grow)
    return bytes(out)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        compare(json.load(sys.stdin))
