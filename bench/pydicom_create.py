# The notebook way, as one Python process: pydicom (+ PIL for decoding), the attributes filled
# by hand. python3 pydicom_create.py IN_DIR OUT_DIR [decode]
import datetime
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, generate_uid
from PIL import Image

VL_PHOTO = "1.2.840.10008.5.1.4.1.1.77.1.4"


def make(path, out, decode):
    ds = Dataset()
    now = datetime.datetime.now()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Bench^Mark", "B1", "", ""
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
    ds.SOPClassUID = VL_PHOTO
    ds.StudyDate = ds.ContentDate = now.strftime("%Y%m%d")
    ds.StudyTime = ds.ContentTime = now.strftime("%H%M%S")
    ds.ReferringPhysicianName = ds.StudyID = ds.AccessionNumber = ""
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "XC", 1, 1
    ds.Manufacturer, ds.PatientOrientation, ds.Laterality = "", "", ""
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.AcquisitionContextSequence = []
    img = Image.open(path)
    ds.Rows, ds.Columns = img.height, img.width
    ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 3, 8, 8, 7
    ds.PixelRepresentation, ds.PlanarConfiguration = 0, 0
    ds.LossyImageCompression, ds.LossyImageCompressionMethod = "01", "ISO_10918_1"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = VL_PHOTO, ds.SOPInstanceUID
    if decode:
        ds.PhotometricInterpretation = "RGB"
        ds.PixelData = np.asarray(img.convert("RGB")).tobytes()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
    else:
        with open(path, "rb") as f:
            ds.PixelData = encapsulate([f.read()])
        ds["PixelData"].is_undefined_length = True
        ds.PhotometricInterpretation = "YBR_FULL_422"
        meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(out, write_like_original=False)


in_dir, out_dir = sys.argv[1], sys.argv[2]
decode = len(sys.argv) > 3 and sys.argv[3] == "decode"
for name in sorted(os.listdir(in_dir)):
    if name.endswith(".jpg"):
        make(os.path.join(in_dir, name), os.path.join(out_dir, name[:-4] + ".dcm"), decode)
