# Oracle for PNG import: PNG files made from known arrays, and what pydicom reads back from the
# DICOM objects dicomkit made of them (after dcmtk's dcmdjpls undoes the JPEG-LS), compared with
# those arrays and with PIL's own decode of each PNG. Run with Debian's /usr/bin/python3.
#
#   png_inputs.py make DIR      writes DIR/NAME.png and DIR/NAME.npy (the pixels DICOM must hold)
#                               and prints {NAME: {"samples", "bits", "alpha", "pil"}} as JSON
#   png_inputs.py compare       reads [{"dicom": PATH, "expected": NPY}] on stdin and prints one
#                               result per job: the attributes, and max |dicom - expected|
#
# The PNGs are written here chunk by chunk (PNG spec, ISO/IEC 15948: signature, IHDR, PLTE, tRNS,
# iCCP, IDAT as zlib of filtered scanlines, IEND, each with its CRC-32), because PIL cannot write
# every kind (2/4-bit grey, 16-bit RGB, grey with tRNS, Adam7). The expected arrays are the ones
# the PNGs were made from, with the PNG spec's rules applied: low bit depths widened by bit
# replication, palettes looked up, and alpha composited onto the background as png.h says.
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import pydicom
from PIL import Image


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def pack_rows(samples, depth):
    """samples: (h, w, c) integer array -> list of scanline bytes (no filter byte)."""
    h = samples.shape[0]
    rows = []
    for y in range(h):
        row = samples[y].reshape(-1)
        if depth == 16:
            rows.append(row.astype(">u2").tobytes())
        elif depth == 8:
            rows.append(row.astype(np.uint8).tobytes())
        else:
            per = 8 // depth
            pad = (-len(row)) % per
            r = np.concatenate([row, np.zeros(pad, dtype=row.dtype)]).astype(np.uint8)
            r = r.reshape(-1, per)
            b = np.zeros(len(r), dtype=np.uint8)
            for i in range(per):
                b |= (r[:, i] << (8 - depth * (i + 1))).astype(np.uint8)
            rows.append(b.tobytes())
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def write_png(path, samples, depth, color_type, plte=None, trns=None, iccp=None, interlace=False,
              filters=(0, 1, 2, 3, 4)):
    h, w = samples.shape[:2]
    if samples.ndim == 2:
        samples = samples[:, :, None]
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0,
                                      1 if interlace else 0))
    if iccp is not None:
        out += chunk(b"iCCP", b"test profile\x00\x00" + zlib.compress(iccp))
    if plte is not None:
        out += chunk(b"PLTE", bytes(np.asarray(plte, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = b""
    bpp = max(1, samples.shape[2] * depth // 8)
    k = 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        prev = None
        for line in pack_rows(sub, depth):
            f = filters[k % len(filters)]
            k += 1
            cur = np.frombuffer(line, dtype=np.uint8).astype(np.int32)
            up = prev if prev is not None else np.zeros_like(cur)
            left = np.concatenate([np.zeros(bpp, dtype=np.int32), cur[:-bpp]])
            upleft = np.concatenate([np.zeros(bpp, dtype=np.int32), up[:-bpp]])
            if f == 0:
                enc = cur
            elif f == 1:
                enc = cur - left
            elif f == 2:
                enc = cur - up
            elif f == 3:
                enc = cur - (left + up) // 2
            else:
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
                enc = cur - pred
            raw += bytes([f]) + (enc & 0xFF).astype(np.uint8).tobytes()
            prev = cur
    data = zlib.compress(raw, 9)
    # two IDAT chunks: a decoder must join them
    half = len(data) // 2
    out += chunk(b"IDAT", data[:half]) + chunk(b"IDAT", data[half:])
    out += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(out)


def widen(v, depth):
    """PNG spec 12.5 (sample depth scaling, bit replication) to 8 bits."""
    return (v.astype(np.int64) * 255 // ((1 << depth) - 1)).astype(np.uint8)


def flatten(rgb, alpha, bg, maxv):
    rgb = rgb.astype(np.int64)
    a = alpha.astype(np.int64)[..., None]
    bg = np.asarray(bg, dtype=np.int64) * (257 if maxv == 65535 else 1)
    return ((rgb * a + bg * (maxv - a) + maxv // 2) // maxv)


def make(d):
    rng = np.random.default_rng(20261207)
    facts = {}

    def save(name, expected, bits, alpha="none", pil=True):
        np.save(os.path.join(d, name + ".npy"), expected)
        facts[name] = {"samples": 1 if expected.ndim == 2 else 3, "bits": bits, "alpha": alpha,
                       "rows": int(expected.shape[0]), "columns": int(expected.shape[1]),
                       "pil": pil}

    h, w = 37, 53  # odd sizes: no row or sample lines up with anything
    for depth in (1, 2, 4):
        g = rng.integers(0, 1 << depth, (h, w))
        write_png(os.path.join(d, "grey%d.png" % depth), g, depth, 0)
        save("grey%d" % depth, widen(g, depth), 8)
    g8 = rng.integers(0, 256, (h, w))
    write_png(os.path.join(d, "grey8.png"), g8, 8, 0)
    save("grey8", g8.astype(np.uint8), 8)
    g16 = rng.integers(0, 65536, (h, w))
    write_png(os.path.join(d, "grey16.png"), g16, 16, 0)
    save("grey16", g16.astype(np.uint16), 16)
    rgb8 = rng.integers(0, 256, (h, w, 3))
    write_png(os.path.join(d, "rgb8.png"), rgb8, 8, 2)
    save("rgb8", rgb8.astype(np.uint8), 8)
    write_png(os.path.join(d, "rgb8_adam7.png"), rgb8, 8, 2, interlace=True)
    save("rgb8_adam7", rgb8.astype(np.uint8), 8)
    rgb16 = rng.integers(0, 65536, (h, w, 3))
    write_png(os.path.join(d, "rgb16.png"), rgb16, 16, 2)
    save("rgb16", rgb16.astype(np.uint16), 16, pil=False)  # PIL reads 16-bit RGB as 8-bit
    plte = rng.integers(0, 256, (16, 3))
    idx = rng.integers(0, 16, (h, w))
    write_png(os.path.join(d, "palette4.png"), idx, 4, 3, plte=plte)
    save("palette4", plte[idx].astype(np.uint8), 8)
    # a palette whose tRNS says every entry is opaque: the alpha is dropped, nothing lost
    write_png(os.path.join(d, "palette_trns_opaque.png"), idx, 8, 3, plte=plte,
              trns=bytes([255] * 16))
    save("palette_trns_opaque", plte[idx].astype(np.uint8), 8, alpha="opaque")
    rgba_opaque = np.concatenate([rgb8, np.full((h, w, 1), 255)], axis=2)
    write_png(os.path.join(d, "rgba8_opaque.png"), rgba_opaque, 8, 6, iccp=b"\0" * 64 + b"sRGB")
    save("rgba8_opaque", rgb8.astype(np.uint8), 8, alpha="opaque")
    # translucent images: refused unless flattened; the flattened pixels onto (10, 200, 30)
    bg = (10, 200, 30)
    a8 = rng.integers(0, 256, (h, w))
    rgba = np.concatenate([rgb8, a8[..., None]], axis=2)
    write_png(os.path.join(d, "rgba8.png"), rgba, 8, 6)
    save("rgba8", flatten(rgb8, a8, bg, 255).astype(np.uint8), 8, alpha="flattened")
    la = np.stack([g8, a8], axis=2)
    write_png(os.path.join(d, "la8.png"), la, 8, 4)
    save("la8", flatten(g8[..., None], a8, bg[:1], 255)[..., 0].astype(np.uint8), 8,
         alpha="flattened")
    a16 = rng.integers(0, 65536, (h, w))
    la16 = np.stack([g16, a16], axis=2)
    write_png(os.path.join(d, "la16.png"), la16, 16, 4)
    save("la16", flatten(g16[..., None], a16, bg[:1], 65535)[..., 0].astype(np.uint16), 16,
         alpha="flattened", pil=False)
    g16t = g16.copy()
    g16t[1::5, ::3] = 4321
    write_png(os.path.join(d, "grey16_trns.png"), g16t, 16, 0, trns=struct.pack(">H", 4321))
    alpha16 = np.where(g16t == 4321, 0, 65535)
    save("grey16_trns", flatten(g16t[..., None], alpha16, bg[:1], 65535)[..., 0].astype(np.uint16),
         16, alpha="flattened", pil=False)
    g2t = rng.integers(0, 4, (h, w))
    write_png(os.path.join(d, "grey2_trns.png"), g2t, 2, 0, trns=struct.pack(">H", 1))
    alpha2 = np.where(g2t == 1, 0, 255)
    save("grey2_trns", flatten(widen(g2t, 2)[..., None], alpha2, bg[:1], 255)[..., 0]
         .astype(np.uint8), 8, alpha="flattened")
    rgbt = rgb8.copy()
    rgbt[::2, ::7] = (1, 2, 3)
    write_png(os.path.join(d, "rgb8_trns.png"), rgbt, 8, 2, trns=struct.pack(">HHH", 1, 2, 3))
    alphat = np.where((rgbt == (1, 2, 3)).all(axis=2), 0, 255)
    save("rgb8_trns", flatten(rgbt, alphat, bg, 255).astype(np.uint8), 8, alpha="flattened")
    ptr = rng.integers(0, 256, 16)
    write_png(os.path.join(d, "palette_trns.png"), idx, 8, 3, plte=plte, trns=bytes(ptr.astype(np.uint8)))
    save("palette_trns", flatten(plte[idx], ptr[idx], bg, 255).astype(np.uint8), 8,
         alpha="flattened")
    rgba16 = np.concatenate([rgb16, a16[..., None]], axis=2)
    write_png(os.path.join(d, "rgba16.png"), rgba16, 16, 6)
    save("rgba16", flatten(rgb16, a16, bg, 65535).astype(np.uint16), 16, alpha="flattened",
         pil=False)
    # grey with a transparent value (tRNS): those pixels take the background
    gt = g8.copy()
    gt[::3, ::4] = 77
    write_png(os.path.join(d, "grey8_trns.png"), gt, 8, 0, trns=struct.pack(">H", 77))
    alpha = np.where(gt == 77, 0, 255)
    save("grey8_trns", flatten(gt[..., None], alpha, bg[:1], 255)[..., 0].astype(np.uint8), 8,
         alpha="flattened")
    # a screenshot-like image: flat areas, text-like edges (what JPEG-LS is chosen for)
    scr = np.full((300, 400, 3), 240)
    scr[20:60, :] = (40, 90, 160)
    for x in range(30, 380, 12):
        scr[100:112, x:x + 7] = 20
    write_png(os.path.join(d, "screen.png"), scr, 8, 2)
    save("screen", scr.astype(np.uint8), 8)
    # a photo-sized one for sizes in the README and the bench
    print(json.dumps(facts))


def compare(jobs):
    out = []
    tmp = tempfile.mkdtemp(prefix="dicomkit-png-oracle-")
    for i, job in enumerate(jobs):
        path = job["dicom"]
        ds = pydicom.dcmread(path)
        ts = str(ds.file_meta.TransferSyntaxUID)
        native = path
        if ts == "1.2.840.10008.1.2.4.80":
            native = os.path.join(tmp, "%d.dcm" % i)
            subprocess.run(["dcmdjpls", path, native], check=True)
        nds = pydicom.dcmread(native)
        got = nds.pixel_array
        exp = np.load(job["expected"])
        r = {"transfer_syntax": ts, "rows": int(ds.Rows), "columns": int(ds.Columns),
             "samples": int(ds.SamplesPerPixel), "bits": int(ds.BitsAllocated),
             "photometric": str(ds.PhotometricInterpretation),
             "lossy": str(ds.get("LossyImageCompression", "")),
             "same_shape": got.shape == exp.shape}
        if r["same_shape"]:
            r["max"] = int(np.abs(got.astype(np.int64) - exp.astype(np.int64)).max())
        if job.get("png"):
            # PIL's own decode of the source PNG, where PIL keeps the depth
            im = Image.open(job["png"])
            im.load()
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                r["pil_max"] = None
            else:
                p = np.asarray(im.convert("RGB") if im.mode == "P" else
                               (im.convert("L") if im.mode == "1" else im))
                r["pil_max"] = int(np.abs(p.astype(np.int64) - got.astype(np.int64)).max()) \
                    if p.shape == got.shape else -1
        out.append(r)
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        compare(json.load(sys.stdin))
