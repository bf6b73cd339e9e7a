# The notebook way for PNGs, as one Python process: PIL decodes, pydicom writes a native
# Secondary Capture with the attributes filled by hand. python3 pydicom_png.py IN_DIR OUT_DIR
#   With "floor" as a third argument it only decodes and writes the raw pixels: the least work
#   an uncompressed object needs.
import datetime
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from PIL import Image

SC = "1.2.840.10008.5.1.4.1.1.7"


def make(path, out):
    img = Image.open(path).convert("RGB")
    ds = Dataset()
    now = datetime.datetime.now()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Bench^Mark", "B1", "", ""
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
    ds.SOPClassUID = SC
    ds.StudyDate, ds.StudyTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    ds.ReferringPhysicianName = ds.StudyID = ds.AccessionNumber = ""
    ds.Modality, ds.ConversionType, ds.SeriesNumber, ds.InstanceNumber = "OT", "WSD", 1, 1
    ds.PatientOrientation = ""
    ds.Rows, ds.Columns = img.height, img.width
    ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 3, 8, 8, 7
    ds.PixelRepresentation, ds.PlanarConfiguration = 0, 0
    ds.PhotometricInterpretation = "RGB"
    ds.PixelData = np.asarray(img).tobytes()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = SC, ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(out, write_like_original=False)


in_dir, out_dir = sys.argv[1], sys.argv[2]
floor = len(sys.argv) > 3 and sys.argv[3] == "floor"
for name in sorted(os.listdir(in_dir)):
    if name.endswith(".png"):
        out = os.path.join(out_dir, name[:-4] + ".dcm")
        if floor:
            with open(out, "wb") as f:
                f.write(np.asarray(Image.open(os.path.join(in_dir, name)).convert("RGB")).tobytes())
        else:
            make(os.path.join(in_dir, name), out)
