--- Secondary Capture Image (PS3.3 A.8.1): a screenshot or a scan, anything digitised or made.
-- dk.template("secondary_capture"){ jpeg = "screen.jpg", PatientName = "Doe^Jane", ... }
local common = require "dicomkit.templates.common"
local template = require "dicomkit.template"

local T = {
  name = "secondary_capture",
  iod = "Secondary Capture Image",
  sop_class = "1.2.840.10008.5.1.4.1.1.7",
  modules = {
    "Patient", "General Study", "Patient Study", "General Series", "General Equipment",
    "SC Equipment", "General Acquisition", "General Image", "Image Pixel", "SC Image", "ICC Profile",
    "SOP Common",
  },
  options = { conversion_type = "SC Equipment ConversionType: WSD (default), DV, DI, DF, SD, SI, SYN" },
  defaults = {},
}

function T.fill(ds, params, self)
  self = self or T
  local p = common.merge(self, params)
  -- SC allows RGB: an RGB-coded JPEG stays as it is
  local report, msg, code = common.pixels(ds, p, true)
  if not report then return nil, msg, code end
  local date, time = common.timestamps(p)

  common.patient(ds, p)
  common.general_study(ds, p, date, time)
  common.general_series(ds, p, "OT")
  common.general_equipment(ds, p)
  -- SC Equipment Module (C.8.6.1): WSD, workstation
  ds.ConversionType = p.conversion_type or "WSD"
  common.general_image(ds, p, date, time)
  common.set(ds, p, "ImageType", { "DERIVED", "SECONDARY" })
  common.sop_common(ds, p, self.sop_class, date, time)

  common.finish(self, ds, p)
  return report
end

return template.new(T)
