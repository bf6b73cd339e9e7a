--- VL Photographic Image (PS3.3 A.32.4): a clinical photograph.
-- dk.template("vl_photographic"){ jpeg = "photo.jpg", PatientName = "Doe^Jane", ... }
local common = require "dicomkit.templates.common"
local template = require "dicomkit.template"

local T = {
  name = "vl_photographic",
  iod = "VL Photographic Image",
  sop_class = "1.2.840.10008.5.1.4.1.1.77.1.4",
  modules = {
    "Patient", "General Study", "Patient Study", "General Series", "General Equipment",
    "General Acquisition", "General Image", "Image Pixel", "Acquisition Context", "VL Image",
    "ICC Profile", "SOP Common",
  },
  options = {
    acquisition_context = "items of AcquisitionContextSequence: {concept = {value, scheme, meaning}, "
      .. "text = | code = | number = (units =) | datetime = | date = | time = | person = }",
  },
  defaults = {},
}

function T.fill(ds, params, self)
  self = self or T
  local p = common.merge(self, params)
  -- the IOD allows JPEG Baseline only as YBR_FULL_422: RGB-coded JPEGs are decoded
  local report, msg, code = common.pixels(ds, p, false)
  if not report then return nil, msg, code end
  local date, time = common.timestamps(p)

  common.patient(ds, p)
  common.general_study(ds, p, date, time)
  common.general_series(ds, p, self.modality or "XC")
  common.general_equipment(ds, p)
  common.general_image(ds, p, date, time)
  -- VL Image Module (C.8.12.1)
  common.set(ds, p, "ImageType", { "ORIGINAL", "PRIMARY" })
  -- Acquisition Context Module (C.7.6.14): Type 2, an empty sequence when nothing is known.
  -- No concept is invented here: DCM 121322 ("Source image for image processing operation"),
  -- once used in examples, is a purpose of reference for derived images and says something
  -- false about a photo's context. A site that records context gives its own concept (a
  -- "99"-prefixed designator is a local coding scheme, PS3.3 8.2), as the tutorial does.
  ds.AcquisitionContextSequence = common.acquisition_context(p.acquisition_context)
  -- the VL Photographic modules for the camera's facts are this IOD's, not its relatives'
  common.exif(ds, p, report, true, self.sop_class == T.sop_class)
  common.sop_common(ds, p, self.sop_class, date, time)

  common.finish(self, ds, p)
  return report
end

return template.new(T)
