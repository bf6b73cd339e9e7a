--- Ophthalmic Photography 8 Bit Image (PS3.3 A.41.3): a fundus or anterior-segment photo.
-- dk.template("ophthalmic_photography_8bit"){ jpeg = "fundus.jpg", ImageLaterality = "R", ... }
--
-- What differs from a VL photo: the eye is named by ImageLaterality (R, L or B; Type 1, so it
-- must be given) and General Series' Laterality is then absent (the IOD forbids both);
-- Synchronization and Multi-frame are mandatory (one frame, its FrameIncrementPointer naming
-- FrameTime... see below); Ocular Region Imaged and Ophthalmic Photographic Parameters need
-- coded values (AnatomicRegionSequence, AcquisitionDeviceTypeCodeSequence), given as options
-- with the usual default; the Acquisition Parameters' Type 2 attributes are written empty
-- (unknown) by common.complete from the IOD's tables.
local common = require "dicomkit.templates.common"
local template = require "dicomkit.template"

local T = {
  name = "ophthalmic_photography_8bit",
  iod = "Ophthalmic Photography 8 Bit Image",
  sop_class = "1.2.840.10008.5.1.4.1.1.77.1.5.1",
  modules = {
    "Patient", "General Study", "Patient Study", "General Series", "Ophthalmic Photography Series",
    "Synchronization", "General Equipment", "General Acquisition", "General Image", "Image Pixel",
    "Multi-frame", "Ophthalmic Photography Image", "Ocular Region Imaged",
    "Ophthalmic Photography Acquisition Parameters", "Ophthalmic Photographic Parameters",
    "ICC Profile", "SOP Common",
  },
  options = {
    region = "AnatomicRegionSequence code {value, scheme, meaning}; default SCT 81745001 Eye",
    device = "AcquisitionDeviceTypeCodeSequence code {value, scheme, meaning}; default "
      .. "SCT 409898007 Fundus Camera (CID 4202)",
  },
  defaults = {},
}

function T.fill(ds, params, self)
  self = self or T
  local p = common.merge(self, params)
  local laterality = p.ImageLaterality
  if laterality ~= "R" and laterality ~= "L" and laterality ~= "B" then
    error(("template %s needs ImageLaterality: R, L or B (both eyes), the eye photographed; "
      .. "got %s"):format(self.name, tostring(laterality)), 3)
  end
  -- JPEG Baseline as YBR_FULL_422 (the IOD's PhotometricInterpretation for lossy JPEG)
  local report, msg, code = common.pixels(ds, p, false)
  if not report then return nil, msg, code end
  if (report.frames or 1) > 1 then
    -- the IOD is multi-frame, but its frames are a sequence in time (FrameTime, C.7.6.6), which
    -- pages or separate photos do not have: one frame here, never a NumberOfFrames that lies
    local source = p.input or p.jpeg or "the image"
    if type(source) == "table" then source = table.concat(source, ", ") end
    return nil, ("%s: %s takes one frame here, not %d; several images make one multi-frame object "
      .. "with secondary_capture"):format(source, self.iod, report.frames), "EUNSUPPORTED"
  end
  local date, time = common.timestamps(p)

  common.patient(ds, p)
  common.general_study(ds, p, date, time)
  common.general_series(ds, p, "OP")
  -- Synchronization (C.7.4.2): a photo is synchronised to nothing
  common.set(ds, p, "SynchronizationFrameOfReferenceUID", common.uid(p))
  common.set(ds, p, "SynchronizationTrigger", "NO TRIGGER")
  common.set(ds, p, "AcquisitionTimeSynchronized", "N")
  common.general_equipment(ds, p)
  common.general_image(ds, p, date, time)
  -- Multi-frame (C.7.6.6): one frame; the pointer names the attribute that orders frames, here
  -- the acquisition time of the image itself
  common.set(ds, p, "NumberOfFrames", 1)
  common.set(ds, p, "FrameIncrementPointer", 0x0008002A) -- AcquisitionDateTime
  -- Ophthalmic Photography Image (C.8.17.2)
  common.set(ds, p, "ImageType", { "ORIGINAL", "PRIMARY" })
  common.set(ds, p, "AcquisitionDateTime", date .. time)
  common.exif(ds, p, report, true)
  common.set(ds, p, "BurnedInAnnotation", "NO")
  -- Ocular Region Imaged (C.8.17.5)
  ds.ImageLaterality = laterality
  ds.AnatomicRegionSequence = { common.code(p.region or { "81745001", "SCT", "Eye" }) }
  -- Ophthalmic Photographic Parameters (C.8.17.3)
  ds.AcquisitionDeviceTypeCodeSequence = { common.code(p.device or { "409898007", "SCT", "Fundus Camera" }) }
  common.sop_common(ds, p, self.sop_class, date, time)

  common.finish(self, ds, p)
  return report
end

return template.new(T)
