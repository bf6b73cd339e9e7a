# The notebook way for many JPEGs in one object: pydicom's encapsulate (one fragment per frame,
# the Basic Offset Table filled), the Multi-frame True Color SC attributes filled by hand.
# python3 pydicom_frames.py IN_DIR OUT_FILE
import datetime
import os
import sys

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGBaseline8Bit, generate_uid
from PIL import Image

MF_TRUE_COLOR = "1.2.840.10008.5.1.4.1.1.7.4"

in_dir, out = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(in_dir) if n.endswith(".jpg"))
frames = []
for n in names:
    with open(os.path.join(in_dir, n), "rb") as f:
        frames.append(f.read())
first = Image.open(os.path.join(in_dir, names[0]))
ds = Dataset()
now = datetime.datetime.now()
ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Bench^Mark", "B1", "", ""
ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
ds.SOPClassUID = MF_TRUE_COLOR
ds.StudyDate, ds.StudyTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
ds.ReferringPhysicianName = ds.StudyID = ds.AccessionNumber = ""
ds.Modality, ds.ConversionType, ds.SeriesNumber, ds.InstanceNumber = "OT", "WSD", 1, 1
ds.PatientOrientation = ds.Laterality = ""
ds.BurnedInAnnotation = "YES"
ds.NumberOfFrames = len(frames)
ds.FrameIncrementPointer = 0x00182001
ds.PageNumberVector = list(range(1, len(frames) + 1))
ds.Rows, ds.Columns = first.height, first.width
ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 3, 8, 8, 7
ds.PixelRepresentation, ds.PlanarConfiguration = 0, 0
ds.PhotometricInterpretation = "YBR_FULL_422"
ds.LossyImageCompression, ds.LossyImageCompressionMethod = "01", "ISO_10918_1"
ds.PixelData = encapsulate(frames, has_bot=True)
ds["PixelData"].is_undefined_length = True
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = MF_TRUE_COLOR, ds.SOPInstanceUID
meta.TransferSyntaxUID = JPEGBaseline8Bit
ds.file_meta = meta
ds.is_little_endian, ds.is_implicit_VR = True, False
ds.save_as(out, write_like_original=False)
