# TIFF and HEIC inputs for the benchmarks, cached:
#   python3 make_stills.py DIR PAGES WIDTH HEIGHT PHOTO_WIDTH PHOTO_HEIGHT
#   DIR/scan.tif    a multi-page grey 8-bit document scan (LZW, as scanners write it): white paper
#                   with a little noise, lines of glyph-like marks
#   DIR/photo.heic  make_inputs.photo encoded by heif-enc at quality 80 (a phone's default range)
import os
import subprocess
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_inputs import photo  # noqa: E402


def page(width, height, seed):
    rng = np.random.default_rng(seed)
    img = np.clip(rng.normal(246, 3, (height, width)), 0, 255).astype(np.uint8)
    glyph = rng.integers(0, 2, (120, 14, 9)).astype(bool)
    y = height // 10
    while y + 20 < height - height // 10:
        x = width // 10
        for g in rng.integers(0, 120, (width * 8 // 10) // 11):
            img[y: y + 14, x: x + 9][glyph[g]] = 30
            x += 11
        y += 26
    return Image.fromarray(img)


def main():
    out, pages, width, height, pw, ph = sys.argv[1], *map(int, sys.argv[2:7])
    os.makedirs(out, exist_ok=True)
    scan = os.path.join(out, "scan.tif")
    if not os.path.exists(scan):
        imgs = [page(width, height, i) for i in range(pages)]
        imgs[0].save(scan + ".part", format="TIFF", compression="tiff_lzw", save_all=True,
                     append_images=imgs[1:])
        os.rename(scan + ".part", scan)
    heic = os.path.join(out, "photo.heic")
    if not os.path.exists(heic):
        png = os.path.join(out, "photo-src.png")
        photo(pw, ph, 3).save(png)
        subprocess.run(["heif-enc", "-q", "80", png, "-o", heic + ".part.heic"], check=True,
                       stdout=subprocess.DEVNULL)
        os.rename(heic + ".part.heic", heic)
        os.remove(png)


main()
