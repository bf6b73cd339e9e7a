# Photo-like JPEGs for the benchmarks (smooth shapes plus sensor-like noise, so that sizes are
# like a camera's), cached: python3 make_inputs.py DIR COUNT WIDTH HEIGHT PREFIX
import os
import sys

import numpy as np
from PIL import Image


def photo(width, height, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    for c in range(3):
        fx, fy = rng.uniform(1, 6, 2)
        phase = rng.uniform(0, 6.28)
        img[..., c] = 128 + 90 * np.sin(x / width * fx * 3.14 + phase) * np.cos(y / height * fy * 3.14)
    img += rng.normal(0, 9, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def main():
    out, count, width, height, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    os.makedirs(out, exist_ok=True)
    base = photo(width, height, 1)
    arr = np.asarray(base)
    for i in range(count):
        path = os.path.join(out, "%s%04d.jpg" % (prefix, i))
        if os.path.exists(path):
            continue
        # the same scene with a little per-file change: distinct files, similar sizes
        shifted = np.roll(arr, i * 7, axis=1)
        Image.fromarray(shifted).save(path, quality=92)


if __name__ == "__main__":
    main()
