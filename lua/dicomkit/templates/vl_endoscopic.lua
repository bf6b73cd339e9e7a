--- VL Endoscopic Image (PS3.3 A.32.1): a still from an endoscope, Modality ES.
-- dk.template("vl_endoscopic"){ jpeg = "capture.jpg", PatientID = "123", ... }
-- The same modules as VL Photographic (General Series and VL Image rules, Acquisition Context
-- Type 2) under its own SOP Class; the IOD's tables check what differs.
local vl_photographic = require "dicomkit.templates.vl_photographic"

return vl_photographic:extend {
  name = "vl_endoscopic",
  iod = "VL Endoscopic Image",
  sop_class = "1.2.840.10008.5.1.4.1.1.77.1.1",
  modality = "ES",
  modules = {
    "Patient", "General Study", "Patient Study", "General Series", "General Equipment",
    "General Acquisition", "General Image", "Image Pixel", "Acquisition Context", "VL Image",
    "ICC Profile", "SOP Common",
  },
}
