--- Secondary Capture Image (PS3.3 A.8.1): a screenshot or a scan, anything digitised or made.
-- dk.template("secondary_capture"){ input = "screen.png", PatientName = "Doe^Jane", ... }
-- Several JPEGs (input = { "page1.jpg", "page2.jpg" }) make one multi-frame object.
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
  options = {
    conversion_type = "SC Equipment ConversionType: WSD (default), DV, DI, DF, SD, SI, SYN",
    burned_in_annotation = "several frames: BurnedInAnnotation, YES (default: the pixels may show "
      .. "identifying text, as a screenshot or a scanned form does) or NO",
  },
  defaults = {},
}

-- Several frames make a multi-frame Secondary Capture (PS3.3 A.8.2-A.8.5), chosen by what the
-- frames are: 8-bit grey, 16-bit grey or colour.
local MULTI_FRAME = {
  grey8 = { iod = "Multi-frame Grayscale Byte Secondary Capture Image",
            sop_class = "1.2.840.10008.5.1.4.1.1.7.2" },
  grey16 = { iod = "Multi-frame Grayscale Word Secondary Capture Image",
             sop_class = "1.2.840.10008.5.1.4.1.1.7.3" },
  colour = { iod = "Multi-frame True Color Secondary Capture Image",
             sop_class = "1.2.840.10008.5.1.4.1.1.7.4" },
}

function T.fill(ds, params, self)
  self = self or T
  local p = common.merge(self, params)
  -- SC allows RGB: an RGB-coded JPEG stays as it is
  local report, msg, code = common.pixels(ds, p, true)
  if not report then return nil, msg, code end
  local frames = report.frames or 1
  if frames > 1 then
    local kind = report.samples == 3 and "colour" or (report.bits == 16 and "grey16" or "grey8")
    self = setmetatable({ iod = MULTI_FRAME[kind].iod, sop_class = MULTI_FRAME[kind].sop_class },
      { __index = self })
    -- SC Multi-frame Image Module (C.8.6.3): the frames are pages, numbered in the order given
    local pages = {}
    for i = 1, frames do pages[i] = i end
    ds.PageNumberVector = pages
    ds.FrameIncrementPointer = 0x00182001
    local burned = p.burned_in_annotation or "YES"
    if burned ~= "YES" and burned ~= "NO" then
      error(("template %s: burned_in_annotation must be YES or NO, got %s"):format(self.name,
        tostring(burned)), 3)
    end
    ds.BurnedInAnnotation = burned
    if kind ~= "colour" then
      -- C.8.6.3: grey multi-frame SC pixels are stored values as they are (identity rescale)
      ds.RescaleIntercept = 0
      ds.RescaleSlope = 1
      -- RescaleType is 1C there, required when BitsStored is over 8: US, unspecified (the pixels
      -- are a scan's or a picture's values, no physical unit)
      if kind == "grey16" then ds.RescaleType = "US" end
    end
  end
  local date, time = common.timestamps(p)

  common.patient(ds, p)
  common.general_study(ds, p, date, time)
  common.general_series(ds, p, "OT")
  common.general_equipment(ds, p)
  -- SC Equipment Module (C.8.6.1): WSD, workstation
  ds.ConversionType = p.conversion_type or "WSD"
  common.general_image(ds, p, date, time)
  common.set(ds, p, "ImageType", { "DERIVED", "SECONDARY" })
  common.exif(ds, p, report, false) -- the camera, not its time: a secondary capture is DERIVED
  common.sop_common(ds, p, self.sop_class, date, time)

  common.finish(self, ds, p)
  return report
end

return template.new(T)
