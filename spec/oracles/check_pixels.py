# Oracle: what pydicom, PIL (libjpeg-turbo), djpeg and dcmtk's dcmj2pnm see in DICOM objects
# dicomkit made from JPEGs. Run with Debian's /usr/bin/python3.
# Usage: /usr/bin/python3 check_pixels.py < jobs.json
#   jobs: [{"dicom": PATH, "source": JPEG PATH, "orientation": 0..8 (turn the source's decode
#           this way before comparing; 0/1 none), "png": bool (render with dcmj2pnm)}]
# Prints a JSON list with one result per job: attributes, the encapsulation facts and, for
# each comparison, {"same_shape", "max", "mean"} of |dicom pixels - expected|.
import atexit
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pydicom
from pydicom.encaps import generate_pixel_data_fragment, generate_pixel_data_frame, get_frame_offsets
from pydicom.filebase import DicomBytesIO
from PIL import Image, ImageOps

# how PIL's ImageOps.exif_transpose turns each EXIF orientation upright (checked against
# exif_transpose itself below, whenever the source carries the orientation)
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

tmp = tempfile.mkdtemp(prefix="dicomkit-oracle-")
atexit.register(shutil.rmtree, tmp, True)


# jpegtran's options for the transform that makes each EXIF orientation upright
JPEGTRAN = {2: ["-flip", "horizontal"], 3: ["-rotate", "180"], 4: ["-flip", "vertical"],
            5: ["-transpose"], 6: ["-rotate", "90"], 7: ["-transverse"], 8: ["-rotate", "270"]}


def upright(im, orientation):
    if orientation in TRANSPOSE:
        return im.transpose(TRANSPOSE[orientation])
    return im


def compare(got, expected):
    got = np.asarray(got).astype(np.int32)
    expected = np.asarray(expected).astype(np.int32)
    if got.shape != expected.shape:
        return {"same_shape": False, "got": list(got.shape), "expected": list(expected.shape)}
    d = np.abs(got - expected)
    return {"same_shape": True, "max": int(d.max()), "mean": float(d.mean())}


def djpeg(source):
    out = os.path.join(tmp, "djpeg.pnm")
    with open(out, "wb") as f:
        subprocess.run(["djpeg", "-pnm", source], stdout=f, check=True)
    return Image.open(out)


def ecs(stream):
    """The entropy-coded part: from the first SOS marker to EOI inclusive."""
    start = stream.find(b"\xff\xda")
    end = stream.rfind(b"\xff\xd9")
    if start < 0 or end < 0:
        return None
    return stream[start:end + 2]


def attr(ds, keyword):
    v = ds.get(keyword)
    if v is None:
        return None
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, pydicom.multival.MultiValue):
        return [str(x) for x in v]
    if isinstance(v, (int, float, str)):
        return v if not isinstance(v, pydicom.valuerep.DSfloat) else float(v)
    return str(v)


def check(job):
    r = {"dicom": job["dicom"]}
    ds = pydicom.dcmread(job["dicom"])
    ts = str(ds.file_meta.TransferSyntaxUID)
    r["transfer_syntax"] = ts
    for kw in ("PhotometricInterpretation", "Rows", "Columns", "SamplesPerPixel",
               "PlanarConfiguration", "BitsAllocated", "LossyImageCompression",
               "LossyImageCompressionMethod", "ColorSpace", "ICCProfile"):
        r[kw] = attr(ds, kw)
    ratio = ds.get("LossyImageCompressionRatio")
    r["LossyImageCompressionRatio"] = float(ratio) if ratio is not None else None
    source = job.get("source")
    orientation = job.get("orientation") or 0

    if ds.file_meta.TransferSyntaxUID.is_compressed:
        raw = ds.PixelData
        r["bot_item_empty"] = raw[:8] == b"\xfe\xff\x00\xe0\x00\x00\x00\x00"
        fp = DicomBytesIO(raw)
        fp.is_little_endian = True
        get_frame_offsets(fp)
        lengths = [len(f) for f in generate_pixel_data_fragment(fp)]
        r["fragment_lengths"] = lengths
        r["fragments_even"] = all(n % 2 == 0 for n in lengths)
        frame = next(generate_pixel_data_frame(raw))
        if frame.endswith(b"\xff\xd9\x00"):
            frame = frame[:-1]
        r["frame_starts_with_soi"] = frame[:2] == b"\xff\xd8"
        r["frame_ends_with_eoi"] = frame[-2:] == b"\xff\xd9"
        # the EXIF Orientation the stored frame itself declares (0 when none)
        r["frame_exif_orientation"] = int(Image.open(io.BytesIO(frame)).getexif().get(0x0112, 0))
        if source:
            src = open(source, "rb").read()
            r["ecs_equal"] = ecs(frame) is not None and ecs(frame) == ecs(src)
            if orientation > 1:
                # jpegtran's perfect transform of the source: the entropy-coded data of a
                # losslessly turned frame must be byte for byte the same
                p = subprocess.run(["jpegtran", "-perfect", "-copy", "none"] + JPEGTRAN[orientation]
                                   + [source], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                r["jpegtran_status"] = p.returncode
                if p.returncode == 0:
                    r["ecs_equals_jpegtran"] = ecs(frame) is not None and ecs(frame) == ecs(p.stdout)

    arr = ds.pixel_array
    pi = str(ds.PhotometricInterpretation)
    if source:
        ref = djpeg(source)  # djpeg's own decode: RGB (PPM) or grey (PGM)
        pil_rgb = Image.open(source)
        pil_rgb.load()
        # PIL decodes with libjpeg-turbo, as djpeg does: they must agree, else the oracle
        # itself is broken
        r["pil_equals_djpeg"] = bool(np.array_equal(np.asarray(pil_rgb), np.asarray(ref)))
        if orientation > 1:
            r["transpose_matches_exif_transpose"] = bool(np.array_equal(
                np.asarray(upright(pil_rgb, orientation)),
                np.asarray(ImageOps.exif_transpose(pil_rgb))))
        expected_djpeg = upright(ref, orientation)
        if "YBR" in pi:
            ycc = Image.open(source)
            ycc.draft("YCbCr", ycc.size)
            r["pixels_vs_source_ycbcr"] = compare(arr, upright(ycc, orientation))
        else:
            r["pixels_vs_djpeg"] = compare(arr, expected_djpeg)
        if job.get("png"):
            png = os.path.join(tmp, "render.png")
            p = subprocess.run(["dcmj2pnm", "+on", job["dicom"], png],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            r["dcmj2pnm_status"] = p.returncode
            r["dcmj2pnm_stderr"] = p.stderr.decode(errors="replace")
            if p.returncode == 0:
                r["png_vs_djpeg"] = compare(Image.open(png), expected_djpeg)
    else:
        r["pixels"] = arr.flatten().tolist()
        r["dtype"] = str(arr.dtype)
    return r


jobs = json.load(sys.stdin)
results = []
for job in jobs:
    try:
        results.append(check(job))
    except Exception as e:  # report, so that the spec names the object
        results.append({"dicom": job["dicom"], "oracle_error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(results))
