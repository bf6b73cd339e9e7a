# Oracle helper: makes every test JPEG the pixel and template specs use, at run time, with
# tools dicomkit does not contain (libjpeg-turbo's cjpeg/jpegtran/wrjpgcom and PIL).
# Usage: /usr/bin/python3 make_jpegs.py DATA_DIR OUT_DIR
# Prints JSON {name: {"path":..., ...facts}} describing what was made.
import io
import json
import os
import struct
import subprocess
import sys

from PIL import Image, ImageCms

data_dir, out = sys.argv[1], sys.argv[2]
made = {}


def path(name):
    return os.path.join(out, name)


def run(args, stdin=None):
    return subprocess.run(args, input=stdin, stdout=subprocess.PIPE, check=True).stdout


def cjpeg(name, src, *opts):
    with open(path(name), "wb") as f:
        f.write(run(["cjpeg", *opts, src]))
    made[name] = {"path": path(name)}


def app1_exif(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    body = exif.tobytes()  # starts with b"Exif\0\0"
    assert body.startswith(b"Exif\x00\x00")
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def insert_after_app0(jpeg, segment):
    """Insert a marker segment right after SOI (and JFIF APP0 when present); the tables and
    the entropy-coded data stay byte for byte."""
    assert jpeg[:2] == b"\xff\xd8"
    pos = 2
    if jpeg[2:4] == b"\xff\xe0":
        pos = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:pos] + segment + jpeg[pos:]


# The picture: libjpeg's test photo, decoded once to a PPM (227x149), and a crop of it whose
# size is a whole number of 4:2:0 MCUs (16x16): 64x48.
photo = Image.open(os.path.join(data_dir, "testorig.jpg")).convert("RGB")
photo.save(path("photo.ppm"))
photo.crop((40, 30, 104, 78)).save(path("small.ppm"))

cjpeg("c420.jpg", path("photo.ppm"), "-quality", "90")
cjpeg("c422.jpg", path("photo.ppm"), "-sample", "2x1")
cjpeg("c444.jpg", path("photo.ppm"), "-sample", "1x1")
cjpeg("grey.jpg", path("photo.ppm"), "-grayscale")
cjpeg("rgb.jpg", path("photo.ppm"), "-rgb")
cjpeg("prog.jpg", path("photo.ppm"), "-progressive")
cjpeg("small420.jpg", path("small.ppm"))

# EXIF orientation added to files whose size is (small420) and is not (c420) a whole number
# of MCUs.
for base, tag in (("small420.jpg", "mcu"), ("c420.jpg", "odd")):
    src = open(path(base), "rb").read()
    for o in range(1, 9):
        name = "rot%d_%s.jpg" % (o, tag)
        with open(path(name), "wb") as f:
            f.write(insert_after_app0(src, app1_exif(o)))
        made[name] = {"path": path(name), "orientation": o, "base": path(base)}

# A phone photo that gives away who took it and where: EXIF Make/Model with a serial, a GPS
# IFD, then a comment (wrjpgcom) and an XMP packet.
secrets = {
    "make": "SpyCam",
    "serial": "SN12345",
    "comment": "Shot at Jane Doe's house, 12 Secret Lane",
    "xmp": "XMP-Owner-Jane-Doe",
}
exif = Image.Exif()
exif[0x010F] = "SpyCam"
exif[0x0110] = "Model-X SN12345"
# (this Pillow writes a GPS IFD given as a dict; exif.get_ifd(0x8825) edits are not written)
exif[0x8825] = {1: "N", 2: (47.0, 22.0, 30.0), 3: "E", 4: (8.0, 32.0, 15.0)}
exif_bytes = exif.tobytes()
photo.save(path("spy_exif.jpg"), quality=85, exif=exif_bytes)
with open(path("spy_com.jpg"), "wb") as f:
    f.write(run(["wrjpgcom", "-comment", secrets["comment"], path("spy_exif.jpg")]))
xmp_packet = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="%s"/>'
    "</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>" % secrets["xmp"]
).encode()
xmp_body = b"http://ns.adobe.com/xap/1.0/\x00" + xmp_packet
spy = open(path("spy_com.jpg"), "rb").read()
spy = insert_after_app0(spy, b"\xff\xe1" + struct.pack(">H", len(xmp_body) + 2) + xmp_body)
with open(path("spy.jpg"), "wb") as f:
    f.write(spy)
# the GPS IFD as it is stored, with its rational values: the TIFF block from the GPS IFD's
# offset to its end (Pillow writes it last)
tiff = exif_bytes[6:]
endian = "<" if tiff[:2] == b"II" else ">"
ifd0 = struct.unpack(endian + "I", tiff[4:8])[0]
count = struct.unpack(endian + "H", tiff[ifd0:ifd0 + 2])[0]
gps_offset = None
for i in range(count):
    entry = tiff[ifd0 + 2 + 12 * i: ifd0 + 14 + 12 * i]
    if struct.unpack(endian + "H", entry[:2])[0] == 0x8825:
        gps_offset = struct.unpack(endian + "I", entry[8:12])[0]
assert gps_offset is not None, "PIL wrote no GPS IFD"
gps_ifd = tiff[gps_offset:]
made["spy.jpg"] = {
    "path": path("spy.jpg"),
    "secrets_hex": {k: v.encode().hex() for k, v in secrets.items()},
    "exif_hex": b"Exif\x00\x00".hex(),
    "gps_ifd_hex": gps_ifd.hex(),
}

# A photo with an sRGB ICC profile (lcms's built-in sRGB, PIL's ImageCms)
profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
icc = profile.tobytes()
photo.save(path("icc.jpg"), quality=85, icc_profile=icc)
made["icc.jpg"] = {
    "path": path("icc.jpg"),
    "icc_hex": icc.hex(),
    "description": ImageCms.getProfileDescription(profile).strip(),
}

# Bad inputs
c420 = open(path("c420.jpg"), "rb").read()
with open(path("truncated.jpg"), "wb") as f:
    f.write(c420[: len(c420) // 2])
made["truncated.jpg"] = {"path": path("truncated.jpg")}
photo.save(path("picture.png"))
made["picture.png"] = {"path": path("picture.png")}
photo.convert("P").save(path("picture.gif"))  # an image kind dicomkit does not import
made["picture.gif"] = {"path": path("picture.gif")}
open(path("empty.jpg"), "wb").close()
made["empty.jpg"] = {"path": path("empty.jpg")}
# SOF0 height and width patched to 60000 x 60000 (the rest of the small file unchanged)
sof = c420.index(b"\xff\xc0")
huge = bytearray(c420)
huge[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
with open(path("huge.jpg"), "wb") as f:
    f.write(bytes(huge))
made["huge.jpg"] = {"path": path("huge.jpg")}

# Entropy-coded data damaged in place (bytes changed, no marker made or lost): the marker layer
# cannot see it; only the decoder can. Kept only when djpeg itself reports the damage.
sos = c420.index(b"\xff\xda")
body_start = sos + 2 + struct.unpack(">H", c420[sos + 2:sos + 4])[0]
damaged = bytearray(c420)
for i in range(body_start + 200, len(c420) - 200, 37):
    if damaged[i] != 0xFF and damaged[i - 1] != 0xFF and (damaged[i] ^ 0x5A) != 0xFF:
        damaged[i] ^= 0x5A
with open(path("corrupt.jpg"), "wb") as f:
    f.write(bytes(damaged))
p = subprocess.run(["djpeg", path("corrupt.jpg")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
made["corrupt.jpg"] = {"path": path("corrupt.jpg"), "djpeg_status": p.returncode,
                       "djpeg_says": p.stderr.decode(errors="replace").strip()}

# CMYK (PIL writes it with an Adobe APP14 segment) and lossless JPEG (ffmpeg's ljpeg encoder:
# SOF3), real files rather than hand-built headers
Image.new("CMYK", (32, 16), (10, 20, 30, 40)).save(path("cmyk.jpg"))
made["cmyk.jpg"] = {"path": path("cmyk.jpg")}
run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48",
     "-frames:v", "1", "-c:v", "ljpeg", "-pix_fmt", "bgr24", path("lossless.jpg")])
made["lossless.jpg"] = {"path": path("lossless.jpg")}

print(json.dumps(made))
