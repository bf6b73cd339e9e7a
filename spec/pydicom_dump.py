# Oracle: pydicom's reading of a file, as JSON {"meta": {...}, "data": {...}}; keys are
# 8-digit hex tags, values {"vr":..., "value":...}. Run with Debian's /usr/bin/python3.
import json
import sys

import pydicom
from pydicom.multival import MultiValue


def plain(value, vr):
    if isinstance(value, pydicom.sequence.Sequence):
        return [elements(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, MultiValue) or isinstance(value, list):
        return [plain(v, vr) for v in value]
    if vr == "PN":
        return str(value)
    if vr == "AT":
        return int(value)
    if vr in ("DS", "FL", "FD", "OF", "OD"):
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value)
    if vr == "IS":
        return int(value)
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


def elements(ds):
    out = {}
    for elem in ds:
        out["%08X" % int(elem.tag)] = {"vr": elem.VR, "value": plain(elem.value, elem.VR)}
    return out


ds = pydicom.dcmread(sys.argv[1])
print(json.dumps({
    "meta": elements(ds.file_meta),
    "data": elements(ds),
    "implicit": ds.is_implicit_VR,
}))
