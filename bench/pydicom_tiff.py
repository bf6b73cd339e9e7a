# The notebook way for a multi-page TIFF scan: PIL reads every page, pydicom writes one native
# Multi-frame Grayscale Byte Secondary Capture with the attributes filled by hand.
#   python3 pydicom_tiff.py IN.tif OUT.dcm [floor]
# With "floor" it only decodes the pages and writes the raw pixels: the least work an
# uncompressed object needs.
import datetime
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from PIL import Image, ImageSequence

MF_BYTE = "1.2.840.10008.5.1.4.1.1.7.2"

src, out = sys.argv[1], sys.argv[2]
frames = [np.asarray(p.convert("L")) for p in ImageSequence.Iterator(Image.open(src))]
pixels = np.stack(frames).tobytes()
if len(sys.argv) > 3 and sys.argv[3] == "floor":
    with open(out, "wb") as f:
        f.write(pixels)
    sys.exit(0)
ds = Dataset()
now = datetime.datetime.now()
ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Bench^Mark", "B1", "", ""
ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
ds.SOPClassUID = MF_BYTE
ds.StudyDate, ds.StudyTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
ds.ReferringPhysicianName = ds.StudyID = ds.AccessionNumber = ""
ds.Modality, ds.ConversionType, ds.SeriesNumber, ds.InstanceNumber = "OT", "WSD", 1, 1
ds.PatientOrientation = ""
ds.Rows, ds.Columns = frames[0].shape
ds.NumberOfFrames = len(frames)
ds.FrameIncrementPointer = 0x00181063
ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 8, 8, 7
ds.PixelRepresentation = 0
ds.PhotometricInterpretation = "MONOCHROME2"
ds.PixelData = pixels
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = MF_BYTE, ds.SOPInstanceUID
meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.file_meta = meta
ds.is_little_endian, ds.is_implicit_VR = True, False
ds.save_as(out, write_like_original=False)
