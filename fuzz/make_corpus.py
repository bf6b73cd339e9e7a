"""Seed corpora for the fuzz targets, written from scratch (deterministic, a few KB each).

usage: /usr/bin/python3 fuzz/make_corpus.py [OUT]      (OUT defaults to fuzz/corpus)

  OUT/fuzz_jpeg_header/  tiny JPEGs: baseline grey and colour (4:2:0, 4:2:2, 4:4:4),
                         progressive, EXIF orientation (a perfect and an imperfect rotation,
                         with a GPS pointer), an ICC profile in one and in two APP2 chunks, COM
                         and XMP, Adobe RGB-coded, CMYK, arithmetic, restart intervals, truncated
  OUT/fuzz_jpeg_import/  the same JPEGs, and some with a byte after EOI that sets the options
                         (bit 0 keep_markers, bit 1 keep_orientation, bit 2 allow_rgb)
  OUT/fuzz_png_import/   tiny PNGs of every kind (grey 1-16 bits, RGB 8/16, palettes, grey and
                         RGB alpha, tRNS, Adam7, iCCP), made by spec/oracles/png_inputs.py's
                         writer, and some with a byte after IEND that sets the options (bit 0
                         flatten, the rest of it the background)
  OUT/fuzz_tiff_import/  tiny TIFFs of each layout (spec/oracles/still_inputs.py's writer) and
                         PIL's compressed ones
  OUT/fuzz_heif_import/  tiny HEICs made by heif-enc (lossy, lossless, alpha, two images)
  OUT/fuzz_exif_read/    EXIF structures by the EXIF oracle (every tag read, both byte orders)
  OUT/fuzz_pdf_read/     tiny PDFs: PIL's (ASCII and UTF-16 titles), hand-written ones with
                         literal, escaped, hexadecimal and UTF-8 titles, an encrypted trailer, no
                         Info, an incremental update, and truncated ones
  OUT/fuzz_dicom_read/   tiny DICOM files: explicit and implicit little endian, big endian,
                         deflated, no meta header, nested sequences, encapsulated and native
                         pixel data, private sequences (explicit and implicit), UN elements (a
                         known tag, an undefined-length UN sequence), other character sets, meta
                         groups dcmtk reads by rules of its own, and hostile kinds from
                         spec/support/hostile.py with small N
  OUT/fuzz_lua_ops/      programs for the driver in fuzz_lua_ops.cc: each operation first, then
                         bytes from a fixed pseudo-random sequence

Needs pydicom, PIL and numpy (Debian's python3-pydicom, python3-pil, python3-numpy) and, for
the RGB-coded, arithmetic and restart seeds, cjpeg (libjpeg-turbo-progs).
"""
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "spec", "support"))

import hostile  # noqa: E402
import numpy  # noqa: E402,F401  (pydicom's pixel handling)
from PIL import Image  # noqa: E402
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.encaps import encapsulate  # noqa: E402
from pydicom.sequence import Sequence  # noqa: E402
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,  # noqa: E402
                         ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEGBaseline8Bit)

# The number of operations of the driver in fuzz_lua_ops.cc (its OPS table).
LUA_OPS = 27

SC = "1.2.840.10008.5.1.4.1.1.7"


# ---------------------------------------------------------------------------------------- JPEG

def image(mode, size):
    im = Image.new(mode, size)
    px = im.load()
    for y in range(size[1]):
        for x in range(size[0]):
            if mode == "L":
                px[x, y] = (x * 29 + y * 7) % 256
            elif mode == "CMYK":
                px[x, y] = ((x * 16) % 256, (y * 16) % 256, 64, 0)
            else:
                px[x, y] = ((x * 16) % 256, (y * 16) % 256, (x * y) % 256)
    return im


def jpeg(mode, size, **kw):
    out = io.BytesIO()
    image(mode, size).save(out, "JPEG", quality=kw.pop("quality", 40), **kw)
    return out.getvalue()


def segment(marker, body):
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def after_soi(stream, *segments):
    assert stream[:2] == b"\xff\xd8"
    return stream[:2] + b"".join(segments) + stream[2:]


def fake_icc(size):
    """An ICC profile header (ICC.1 7.2) naming an RGB data colour space, padded to `size`."""
    head = struct.pack(">I4sI4s4s4s12s4s", size, b"none", 0x04300000, b"mntr", b"RGB ",
                       b"XYZ ", b"\0" * 12, b"acsp")
    return head + b"\0" * (size - len(head))


def icc_chunks(profile, count):
    step = -(-len(profile) // count)
    return [segment(0xE2, b"ICC_PROFILE\0" + bytes([i + 1, count])
                    + profile[i * step:(i + 1) * step])
            for i in range(count)]


def exif(orientation, gps=False):
    ex = Image.Exif()
    ex[0x0112] = orientation
    if gps:
        ex.get_ifd(0x8825)[1] = "N"  # a GPS IFD: its pointer in IFD0 is what the parser notes
    return ex.tobytes()


def cjpeg(args, im):
    if shutil.which("cjpeg") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.ppm")
        im.save(src)
        return subprocess.run(["cjpeg", *args, src], check=True, capture_output=True).stdout


def jpegs():
    out = {
        "grey_8x8.jpg": jpeg("L", (8, 8)),
        "colour_420_16x16.jpg": jpeg("RGB", (16, 16), subsampling=2),
        "colour_422_16x8.jpg": jpeg("RGB", (16, 8), subsampling=1),
        "colour_444_8x8.jpg": jpeg("RGB", (8, 8), subsampling=0),
        "progressive_16x16.jpg": jpeg("RGB", (16, 16), progressive=True),
        "exif_orientation6_16x8.jpg": jpeg("RGB", (16, 8), subsampling=0, exif=exif(6)),
        "exif_orientation8_gps_13x7.jpg": jpeg("RGB", (13, 7), exif=exif(8, gps=True)),
        "icc_8x8.jpg": jpeg("RGB", (8, 8), icc_profile=fake_icc(160)),
        "cmyk_8x8.jpg": jpeg("CMYK", (8, 8)),
    }
    xmp = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    out["com_xmp_8x8.jpg"] = after_soi(jpeg("L", (8, 8), comment=b"owner: nobody"), xmp)
    out["icc_two_chunks_8x8.jpg"] = after_soi(jpeg("RGB", (8, 8)), *icc_chunks(fake_icc(300), 2))
    iptc = segment(0xED, b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\0")
    out["iptc_big_endian_exif_8x8.jpg"] = after_soi(
        jpeg("L", (8, 8)), iptc,
        segment(0xE1, b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01"
                      b"\x01\x12\0\x03\0\0\0\x01\0\x03\0\0\0\0\0\0"))
    for name, args, mode, size in (("adobe_rgb_8x8.jpg", ["-rgb"], "RGB", (8, 8)),
                                   ("arithmetic_8x8.jpg", ["-arithmetic"], "RGB", (8, 8)),
                                   ("restart_16x16.jpg", ["-restart", "1B"], "RGB", (16, 16))):
        made = cjpeg(args, image(mode, size))
        if made is not None:
            out[name] = made
    out["truncated_16x16.jpg"] = out["colour_420_16x16.jpg"][:-40]
    return out


# --------------------------------------------------------------------------------------- DICOM

def base(sop_instance="2.25.1"):
    ds = Dataset()
    ds.SOPClassUID = SC
    ds.SOPInstanceUID = sop_instance
    return ds


def part10(ds, syntax, sop_instance="2.25.1"):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SC
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = "1.2.3.4"
    ds.file_meta = meta
    ds.is_little_endian = syntax != ExplicitVRBigEndian
    ds.is_implicit_VR = syntax == ImplicitVRLittleEndian
    ds.preamble = b"\0" * 128
    out = io.BytesIO()
    ds.save_as(out, write_like_original=False)
    return out.getvalue()


def every_vr():
    ds = base()
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "12345"
    ds.PatientBirthDate = "19800229"
    ds.StudyTime = "120000.5"
    ds.AcquisitionDateTime = "20240229120000+0100"
    ds.PatientAge = "044Y"
    ds.Modality = "OT"
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.InstanceNumber = 7
    ds.PixelSpacing = [0.5, 0.25]
    ds.StationAETitle = "FUZZ"
    ds.ImageComments = "a\\comment"
    ds.TextValue = "text"
    ds.RetrieveURL = "http://localhost/x"
    ds.add_new(0x00720064, "UC", "long code")            # SelectorUCValue? any UC will do
    ds.add_new(0x0072005E, "AE", "AE")
    ds.add_new(0x00720060, "AT", [0x00100010, 0x00100020])
    ds.add_new(0x00720072, "DS", "1.5")
    ds.add_new(0x00720074, "FD", [1.5, -2.25])
    ds.add_new(0x00720076, "FL", [0.5])
    ds.add_new(0x00720078, "UL", [1, 2, 3])
    ds.add_new(0x0072007A, "US", [65535])
    ds.add_new(0x0072007C, "SL", [-1])
    ds.add_new(0x0072007E, "SS", [-32768])
    ds.add_new(0x00720082, "SV", [-(2 ** 40)])
    ds.add_new(0x00720083, "UV", [2 ** 40])
    ds.add_new(0x00720065, "OB", b"\x01\x02")
    ds.add_new(0x00720066, "OW", b"\x01\x02\x03\x04")
    ds.add_new(0x00720067, "OF", b"\0\0\x80\x3f")
    ds.add_new(0x00720068, "OD", b"\0" * 8)
    ds.add_new(0x00720069, "OL", b"\1\0\0\0")
    ds.add_new(0x0072006A, "OV", b"\2" + b"\0" * 7)
    ds.add_new(0x00720062, "UN", b"\x10\x20")
    ds.add_new(0x00720070, "UT", "unlimited text")
    return ds


def nested(levels):
    ds = base()
    inner = Dataset()
    inner.CodeValue = "X"
    for _ in range(levels):
        outer = Dataset()
        outer.CodeMeaning = "level"
        outer.ConceptNameCodeSequence = Sequence([inner])
        inner = outer
    ds.ContentSequence = Sequence([inner, Dataset()])
    return ds


def native_pixels():
    ds = base()
    ds.Rows, ds.Columns, ds.SamplesPerPixel = 4, 4, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(range(16))
    return ds


def encapsulated(frame):
    ds = base()
    ds.Rows, ds.Columns, ds.SamplesPerPixel = 8, 8, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = encapsulate([frame, frame[:20]], has_bot=True)
    ds["PixelData"].is_undefined_length = True
    ds["PixelData"].VR = "OB"
    return ds


def private_sequence():
    ds = base()
    ds.add_new(0x00090010, "LO", "FUZZ CREATOR")
    item = Dataset()
    item.add_new(0x00091002, "LO", "inside")
    item.add_new(0x00091003, "SQ", Sequence([Dataset()]))
    ds.add_new(0x00091001, "SQ", Sequence([item]))
    return ds


def charset(name, pn):
    ds = base()
    ds.SpecificCharacterSet = name
    ds.PatientName = pn
    ds.StudyDescription = pn.split("=")[0].replace("^", " ")
    return ds


def raw_explicit(group, element, vr, value):
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"UC", b"UR", b"OF", b"OD", b"OL", b"OV"):
        return struct.pack("<HH2sHI", group, element, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", group, element, vr, len(value)) + value


def un_elements():
    """A known tag written as UN, and a private UN of undefined length holding an implicit
    VR sequence."""
    body = (raw_explicit(0x0008, 0x0016, b"UI", SC.encode() + b"\0")
            + raw_explicit(0x0008, 0x0018, b"UI", b"2.25.1")
            + raw_explicit(0x0010, 0x0010, b"UN", b"Doe^Jane")
            + raw_explicit(0x0011, 0x0010, b"LO", b"FUZZ UN ")
            + struct.pack("<HH2sHI", 0x0011, 0x1001, b"UN", 0, 0xFFFFFFFF)
            + struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
            + struct.pack("<HHI", 0x0008, 0x0100, 2) + b"XY"
            + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
            + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
    return hostile.part10(body)


def no_meta_implicit():
    body = (struct.pack("<HHI", 0x0008, 0x0016, 26) + SC.encode() + b"\0"
            + struct.pack("<HHI", 0x0008, 0x0018, 6) + b"2.25.1"
            + struct.pack("<HHI", 0x0010, 0x0010, 8) + b"Doe^Jane")
    return body


def meta_variants():
    """Meta groups dcmtk reads by rules of its own: a group length shorter than the group, a
    transfer syntax dcmtk does not know over an Implicit VR data set, the deflated JPIP syntax."""
    implicit = (struct.pack("<HHI", 0x0008, 0x0016, 26) + SC.encode() + b"\0"
                + struct.pack("<HHI", 0x0008, 0x0018, 6) + b"2.25.1"
                + struct.pack("<HHI", 0x0010, 0x0010, 8) + b"Doe^Jane")
    ts = raw_explicit(0x0002, 0x0010, b"UI", b"1.2.840.10008.1.2.77")
    short = raw_explicit(0x0002, 0x0000, b"UL", struct.pack("<I", 4))
    out = {
        "meta_group_length_short.dcm":
            b"\0" * 128 + b"DICM" + short + raw_explicit(0x0002, 0x0001, b"OB", b"\0\1") + ts
            + implicit,
        "meta_unknown_syntax_implicit.dcm": b"\0" * 128 + b"DICM" + ts + implicit,
    }
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    out["meta_jpip_deflate.dcm"] = (
        b"\0" * 128 + b"DICM" + raw_explicit(0x0002, 0x0010, b"UI", b"1.2.840.10008.1.2.4.95\0")
        + z.compress(hostile.identity() + raw_explicit(0x0010, 0x0010, b"PN", b"Doe^Jane"))
        + z.flush())
    return out


def dicoms(grey_jpeg):
    out = {
        "explicit_le.dcm": part10(every_vr(), ExplicitVRLittleEndian),
        "implicit_le.dcm": part10(every_vr(), ImplicitVRLittleEndian),
        "explicit_be.dcm": part10(every_vr(), ExplicitVRBigEndian),
        "deflated.dcm": part10(every_vr(), DeflatedExplicitVRLittleEndian),
        "nested_sequence.dcm": part10(nested(3), ExplicitVRLittleEndian),
        "nested_sequence_implicit.dcm": part10(nested(3), ImplicitVRLittleEndian),
        "native_pixels.dcm": part10(native_pixels(), ExplicitVRLittleEndian),
        "encapsulated_jpeg.dcm": part10(encapsulated(grey_jpeg), JPEGBaseline8Bit),
        "private_sequence.dcm": part10(private_sequence(), ExplicitVRLittleEndian),
        "private_sequence_implicit.dcm": part10(private_sequence(), ImplicitVRLittleEndian),
        "latin1.dcm": part10(charset("ISO_IR 100", "Müller^Jürgen"), ExplicitVRLittleEndian),
        "japanese.dcm": part10(charset(["", "ISO 2022 IR 87"], "Yamada^Tarou=山田^太郎"),
                               ExplicitVRLittleEndian),
        "utf8.dcm": part10(charset("ISO_IR 192", "Ωmega^Ärger"), ExplicitVRLittleEndian),
        "un_elements.dcm": un_elements(),
        "no_meta_implicit.dcm": no_meta_implicit(),
        "hostile_nesting_10.dcm": hostile.nesting(10),
        "hostile_nesting_65.dcm": hostile.nesting(65),
        "hostile_items_30.dcm": hostile.items(30),
        "hostile_fragments_20.dcm": hostile.fragments(20),
        "hostile_elements_300.dcm": hostile.elements(300),
        "hostile_backslash_200.dcm": hostile.backslash(200),
        "hostile_deflate_1mib.dcm": hostile.deflate(1),
        "hostile_hugelen.dcm": hostile.hugelen(100000),
    }
    out["truncated.dcm"] = out["explicit_le.dcm"][:-37]
    out.update(meta_variants())
    return out


# ------------------------------------------------------------------------------------ Lua ops

def lua_programs():
    rng = random.Random(20240229)
    out = {}
    for op in range(LUA_OPS):
        # the operation first (the driver starts with two roots and an item), then noise
        out["op%02d.bin" % op] = bytes([op]) + bytes(rng.randrange(256) for _ in range(96))
    for n in range(6):
        out["random%d.bin" % n] = bytes(rng.randrange(256) for _ in range(512))
    return out


def pngs():
    """Tiny PNGs of each kind, written chunk by chunk by the PNG oracle's writer."""
    sys.path.insert(0, os.path.join(HERE, "..", "spec", "oracles"))
    import numpy as np
    import png_inputs as p
    rng = np.random.default_rng(7)
    tmp = tempfile.mkdtemp()
    out = {}

    def add(name, samples, depth, color_type, **kw):
        path = os.path.join(tmp, name)
        p.write_png(path, samples, depth, color_type, **kw)
        with open(path, "rb") as f:
            out[name] = f.read()

    for depth in (1, 2, 4, 8, 16):
        add("grey%d_7x5.png" % depth, rng.integers(0, 1 << depth, (5, 7)), depth, 0)
    add("grey8_trns_6x4.png", rng.integers(0, 4, (4, 6)), 8, 0, trns=struct.pack(">H", 2))
    add("grey16_trns_6x4.png", rng.integers(0, 4, (4, 6)), 16, 0, trns=struct.pack(">H", 1))
    add("rgb8_5x3.png", rng.integers(0, 256, (3, 5, 3)), 8, 2)
    add("rgb16_5x3.png", rng.integers(0, 65536, (3, 5, 3)), 16, 2)
    add("rgb8_adam7_9x9.png", rng.integers(0, 256, (9, 9, 3)), 8, 2, interlace=True)
    add("rgb8_trns_4x4.png", rng.integers(0, 2, (4, 4, 3)), 8, 2, trns=struct.pack(">HHH", 1, 1, 1))
    plte = rng.integers(0, 256, (4, 3))
    add("palette2_6x6.png", rng.integers(0, 4, (6, 6)), 2, 3, plte=plte)
    add("palette8_trns_6x6.png", rng.integers(0, 4, (6, 6)), 8, 3, plte=plte,
        trns=bytes([255, 128, 0, 255]))
    add("la8_4x4.png", rng.integers(0, 256, (4, 4, 2)), 8, 4)
    add("la16_4x4.png", rng.integers(0, 65536, (4, 4, 2)), 16, 4)
    add("rgba8_opaque_iccp_4x4.png",
        np.concatenate([rng.integers(0, 256, (4, 4, 3)), np.full((4, 4, 1), 255)], axis=2), 8, 6,
        iccp=b"\0" * 40 + b"sRGB")
    add("rgba16_4x4.png", rng.integers(0, 65536, (4, 4, 4)), 16, 6)
    shutil.rmtree(tmp)
    whole = out["rgb8_5x3.png"]
    out["truncated_rgb8.png"] = whole[: len(whole) // 2]
    for name, flags in (("rgba16_4x4.png", 1), ("la8_4x4.png", 3), ("grey16_7x5.png", 2),
                        ("palette8_trns_6x6.png", 1)):
        out["%s+flags%d" % (name, flags)] = out[name] + bytes([flags])
    return out


def tiffs():
    """Tiny TIFFs of each layout, written field by field by the TIFF oracle's writer, and
    PIL's compressed ones (LZW, Deflate, PackBits, JPEG, Group 4)."""
    sys.path.insert(0, os.path.join(HERE, "..", "spec", "oracles"))
    import numpy as np
    from PIL import Image
    import still_inputs as s
    rng = np.random.default_rng(11)
    g8 = rng.integers(0, 256, (5, 7)).astype(np.uint8)
    g16 = rng.integers(0, 65536, (5, 7)).astype(np.uint16)
    rgb = rng.integers(0, 256, (5, 7, 3)).astype(np.uint8)
    out = {
        "grey1.tif": s.tiff_bytes([dict(arr=(g8 >> 7), bps=1, photometric=0)]),
        "grey4.tif": s.tiff_bytes([dict(arr=(g8 >> 4), bps=4, photometric=1)]),
        "grey16_mm.tif": s.tiff_bytes([dict(arr=g16, bps=16, photometric=1)], ">"),
        "rgb8_planar.tif": s.tiff_bytes([dict(arr=rgb, bps=8, photometric=2, planar=2)]),
        "rgb16_tiled.tif": s.tiff_bytes([dict(arr=np.dstack([g16] * 3), bps=16, photometric=2,
                                              tile=16)]),
        "palette4.tif": s.tiff_bytes([dict(arr=(g8 >> 4), bps=4, photometric=3,
                                           colormap=rng.integers(0, 65536, (3, 16)))]),
        "rgba8_orient6.tif": s.tiff_bytes([dict(arr=np.dstack([rgb, g8]), bps=8, photometric=2,
                                                extra=[1], orientation=6)]),
        "pages_thumb.tif": s.tiff_bytes([dict(arr=rgb, bps=8, photometric=2),
                                         dict(arr=rgb[:2, :2], bps=8, photometric=2, subfile=1),
                                         dict(arr=rgb, bps=8, photometric=2)]),
    }
    for name, im, kw in (("lzw.tif", Image.fromarray(rgb), {"compression": "tiff_lzw"}),
                         ("deflate.tif", Image.fromarray(g8), {"compression": "tiff_adobe_deflate"}),
                         ("packbits.tif", Image.fromarray(rgb), {"compression": "packbits"}),
                         ("jpeg.tif", Image.fromarray(np.zeros((16, 16, 3), np.uint8) + 99),
                          {"compression": "jpeg"}),
                         ("group4.tif", Image.fromarray(g8).convert("1"), {"compression": "group4"}),
                         ("cmyk.tif", Image.new("CMYK", (4, 4)), {})):
        buf = io.BytesIO()
        im.save(buf, format="TIFF", **kw)
        out[name] = buf.getvalue()
    return out


def heifs():
    """Tiny HEICs by libheif's heif-enc: lossy, lossless, with alpha, two images."""
    from PIL import Image
    import numpy as np
    rng = np.random.default_rng(13)
    tmp = tempfile.mkdtemp()
    out = {}
    for name, arrays, opts in (
            ("photo.heic", [rng.integers(0, 256, (16, 16, 3))], ["-q", "50"]),
            ("lossless.heic", [rng.integers(0, 256, (8, 8, 3))], ["-L", "-p", "chroma=444"]),
            ("alpha.heic", [rng.integers(0, 256, (8, 8, 4))], ["-q", "50"]),
            ("two.heic", [rng.integers(0, 256, (8, 8, 3))] * 2, ["-q", "30"])):
        srcs = []
        for i, a in enumerate(arrays):
            src = os.path.join(tmp, "%s-%d.png" % (name, i))
            Image.fromarray(a.astype(np.uint8)).save(src)
            srcs.append(src)
        path = os.path.join(tmp, name)
        subprocess.run(["heif-enc", *opts, *srcs, "-o", path], check=True,
                       stdout=subprocess.DEVNULL)
        with open(path, "rb") as f:
            out[name] = f.read()
    # a stream of 1024x1000 in a container whose ispe says 8x8: the pixel limit must hold for
    # what is decoded (found by fuzz_heif_import in CI)
    src = os.path.join(tmp, "big.png")
    Image.new("RGB", (1024, 1000), (90, 30, 200)).save(src)
    path = os.path.join(tmp, "big.heic")
    subprocess.run(["heif-enc", "-q", "10", src, "-o", path], check=True,
                   stdout=subprocess.DEVNULL)
    with open(path, "rb") as f:
        b = bytearray(f.read())
    i = b.find(b"ispe")
    while i >= 0:
        b[i + 8:i + 16] = (8).to_bytes(4, "big") * 2
        i = b.find(b"ispe", i + 4)
    out["understated.heic"] = bytes(b)
    # EXIF in the HEIF's Exif item (heif-enc carries a JPEG's over), for dk_exif_read's path
    sys.path.insert(0, os.path.join(HERE, "..", "spec", "oracles"))
    import exif_inputs as e
    src = os.path.join(tmp, "exif.jpg")
    with open(src, "wb") as f:
        f.write(e.jpeg_with(b"Exif\0\0" + dict(e.cases())["full"], size=(8, 8)))
    path = os.path.join(tmp, "exif.heic")
    subprocess.run(["heif-enc", "-q", "30", src, "-o", path], check=True, stdout=subprocess.DEVNULL)
    with open(path, "rb") as f:
        out["exif.heic"] = f.read()
    shutil.rmtree(tmp)
    return out


def exifs():
    """EXIF TIFF structures (without the "Exif\\0\\0" of APP1) as the EXIF oracle writes them:
    every tag dk_exif_read picks, both byte orders, dates that are no dates, GPS."""
    sys.path.insert(0, os.path.join(HERE, "..", "spec", "oracles"))
    import exif_inputs as e
    return {name + ".exif": tiff for name, tiff in e.cases()}


def pdfs():
    """Tiny PDFs: PIL's, and hand-written ones for the title rules pdf.c reads."""
    from PIL import Image
    out = {}
    for name, title in (("pil_ascii.pdf", "A report"), ("pil_utf16.pdf", "Befund M\u00fcller")):
        buf = io.BytesIO()
        Image.new("L", (8, 8), 100).save(buf, format="PDF", title=title)
        out[name] = buf.getvalue()

    def pdf(version, info, trailer_extra=b"", tail=b""):
        body = (b"%PDF-" + version + b"\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
        if info is not None:
            body += b"3 0 obj\n" + info + b"\nendobj\n"
        trailer = (b"trailer\n<< /Root 1 0 R /Size 4" + (b" /Info 3 0 R" if info is not None else b"")
                   + trailer_extra + b" >>\nstartxref\n0\n%%EOF\n")
        return body + trailer + tail

    out["literal.pdf"] = pdf(b"1.4", b"<< /Title (Plain \\(nested (ok)\\) \\351\\n) >>")
    out["hex.pdf"] = pdf(b"1.7", b"<< /Title <FEFF00C4D83DDE00> >>")
    out["utf8.pdf"] = pdf(b"2.0", b"<< /Title (\xef\xbb\xbf\xc3\x84rzte) >>")
    out["encrypted.pdf"] = pdf(b"1.6", b"<< /Title (x) >>", b" /Encrypt 9 0 R")
    out["no_info.pdf"] = pdf(b"1.3", None)
    out["updated.pdf"] = pdf(b"1.5", b"<< /Title (first) >>",
                             tail=b"3 0 obj\n<< /Title (second) >>\nendobj\ntrailer\n<< /Info 3 0 R >>\n"
                                  b"startxref\n0\n%%EOF\n")
    out["truncated.pdf"] = out["literal.pdf"][:60]
    out["long_title.pdf"] = pdf(b"1.4", b"<< /Title (" + b"x" * 3000 + b") >>")
    return out


def write(directory, files):
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    for name, data in sorted(files.items()):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    images = jpegs()
    write(os.path.join(out, "fuzz_jpeg_header"), images)
    imports = dict(images)
    for name, flags in (("grey_8x8.jpg", 0), ("exif_orientation6_16x8.jpg", 1),
                        ("exif_orientation6_16x8.jpg", 2), ("adobe_rgb_8x8.jpg", 4),
                        ("com_xmp_8x8.jpg", 1), ("icc_two_chunks_8x8.jpg", 0)):
        if name in images:
            imports["%s+flags%d" % (name, flags)] = images[name] + bytes([flags])
    write(os.path.join(out, "fuzz_jpeg_import"), imports)
    write(os.path.join(out, "fuzz_png_import"), pngs())
    write(os.path.join(out, "fuzz_tiff_import"), tiffs())
    write(os.path.join(out, "fuzz_heif_import"), heifs())
    write(os.path.join(out, "fuzz_pdf_read"), pdfs())
    write(os.path.join(out, "fuzz_exif_read"), exifs())
    write(os.path.join(out, "fuzz_dicom_read"), dicoms(images["grey_8x8.jpg"]))
    write(os.path.join(out, "fuzz_lua_ops"), lua_programs())
    for target in sorted(os.listdir(out)):
        d = os.path.join(out, target)
        sizes = [os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)]
        print("%s: %d files, %d bytes" % (target, len(sizes), sum(sizes)))


if __name__ == "__main__":
    main()
