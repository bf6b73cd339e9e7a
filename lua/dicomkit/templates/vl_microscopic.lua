--- VL Microscopic Image (PS3.3 A.32.2): a photograph through a microscope (no slide
-- coordinates), Modality GM.
-- dk.template("vl_microscopic"){ jpeg = "field.jpg", PatientID = "123", ... }
local vl_photographic = require "dicomkit.templates.vl_photographic"

return vl_photographic:extend {
  name = "vl_microscopic",
  iod = "VL Microscopic Image",
  sop_class = "1.2.840.10008.5.1.4.1.1.77.1.2",
  modality = "GM",
  modules = {
    "Patient", "General Study", "Patient Study", "General Series", "General Equipment",
    "General Acquisition", "General Image", "Image Pixel", "Acquisition Context", "VL Image",
    "ICC Profile", "SOP Common",
  },
}
