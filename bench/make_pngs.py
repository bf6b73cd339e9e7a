# PNG inputs for the benchmarks, cached: python3 make_pngs.py DIR COUNT WIDTH HEIGHT
#   DIR/screenNNNN.png  screenshot-like: flat panels, a gradient bar, rows of glyph-like marks
#   DIR/photo.png       one photo-like image (make_inputs.photo: smooth shapes and sensor noise)
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_inputs import photo  # noqa: E402


def screen(width, height, seed):
    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 236, np.uint8)
    img[: height // 20] = (45, 80, 140)                       # title bar
    img[:, : width // 6] = (250, 250, 250)                    # side panel
    ramp = np.linspace(60, 220, width // 2).astype(np.uint8)   # a gradient (a chart, a photo strip)
    img[height // 8: height // 8 + height // 12, width // 4: width // 4 + width // 2] = ramp[None, :, None]
    glyph = rng.integers(0, 2, (6, 240, 9, 6)).astype(bool)   # 240 "characters" of 9x6
    y = height // 4
    while y + 12 < height - 10:
        x = width // 6 + 10
        line = rng.integers(0, 240, (width - x - 20) // 7)
        for g in line:
            cell = glyph[0, g]
            img[y: y + 9, x: x + 6][cell] = (20, 20, 20)
            x += 7
        y += 16
    return Image.fromarray(img)


def main():
    out, count, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        path = os.path.join(out, "screen%04d.png" % i)
        if not os.path.exists(path):
            screen(width, height, i).save(path, optimize=False)
    path = os.path.join(out, "photo.png")
    if not os.path.exists(path):
        photo(width, height, 1).save(path)


main()
