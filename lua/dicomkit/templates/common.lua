--- Pieces shared by the bundled templates: module fillers and parameter handling.
-- A site template normally requires a bundled template and extends it; it can also use
-- these pieces to build a template of its own.
local core = require "dicomkit.core"
local iod = require "dicomkit.iod"

local common = {}

--- Lower-case params are options; CamelCase params are DICOM keywords set as given.
common.options = {
  input = "path of the image to import (a JPEG, PNG, TIFF or HEIC, told apart by its content; a "
    .. "TIFF's pages are frames), or a list of paths (all JPEG, or all PNG/TIFF/HEIC): the frames "
    .. "of one multi-frame object",
  exif = "false: take nothing from the photo's EXIF (by default its DateTimeOriginal is the "
    .. "acquisition and content time of an ORIGINAL image, its Make and Model the Manufacturer and "
    .. "ManufacturerModelName)",
  exif_serial = "true: the camera's BodySerialNumber from EXIF into DeviceSerialNumber, and (VL "
    .. "Photographic) the LensSerialNumber (they identify the device and so, often, its owner: off by default)",
  exif_equipment = "true (VL Photographic): the lens, exposure time, f-number, focal length, ISO and "
    .. "flash from EXIF into the VL Photographic Equipment and Acquisition modules",
  exif_owner = "true (VL Photographic): EXIF's CameraOwnerName into CameraOwnerName (a person's name)",
  exif_gps = "true (VL Photographic): EXIF's GPS position into the VL Photographic Geolocation module "
    .. "(where the photo was taken: off by default)",
  jpeg = "the same as input (the older name)",
  jpeg_bytes = "the bytes of an image to import (a string; JPEG, PNG, TIFF or HEIC)",
  pixels = "raw pixels: {rows=, columns=, samples=, bits=, data=, photometric=}",
  decode = "decode the JPEG to native pixels",
  flatten = "PNG, TIFF or HEIC with translucent pixels: composite onto \"white\", \"black\", \"R,G,B\" or {R, G, B}",
  compression = "PNG, TIFF, HEIC: \"jpeg-ls\" (default), \"deflate\" (often far smaller for "
    .. "screenshots of text) or \"none\"",
  uncompressed = "PNG, TIFF, HEIC: store the pixels uncompressed (compression = \"none\")",
  keep_markers = "keep the photo's metadata segments (EXIF, XMP, ...)",
  orientation = "'apply' (default) or 'keep' the EXIF orientation",
  max_pixels = "refuse larger images",
  uid_root = "org root for generated UIDs",
  now = "the time stamps to use, as os.time() seconds",
}

-- The key under which common.merge keeps the caller's own params (a table: no string clashes).
common.GIVEN = {}

-- What the pixel import sets from the image itself: giving these as keywords would describe
-- pixels the object does not have (a pydicom reader then cannot decode it).
common.from_pixels = {
  Rows = true, Columns = true, SamplesPerPixel = true, PhotometricInterpretation = true,
  BitsAllocated = true, BitsStored = true, HighBit = true, PixelRepresentation = true,
  PlanarConfiguration = true, PixelData = true, NumberOfFrames = true,
  LossyImageCompression = true, LossyImageCompressionRatio = true,
  LossyImageCompressionMethod = true, ICCProfile = true,
}

--- defaults overridden by params, checked: unknown options and keywords raise.
function common.merge(template, params)
  local p = {}
  for k, v in pairs(template.defaults or {}) do p[k] = v end
  for k, v in pairs(params) do p[k] = v end
  for k in pairs(p) do
    if k == common.GIVEN then
      error(("template %s: parameter names must be strings"):format(template.name), 4)
    elseif type(k) ~= "string" then
      error(("template %s: parameter names must be strings, got %s"):format(template.name, tostring(k)), 4)
    elseif k:match("^%l") then
      if common.options[k] == nil and not (template.options and template.options[k]) then
        error(("template %s: unknown option '%s'"):format(template.name, k), 4)
      end
    elseif core.tag(k) == nil then
      error(("template %s: unknown keyword '%s' (not in the data dictionary)"):format(template.name, k), 4)
    elseif common.from_pixels[k] then
      error(("template %s: %s is set by the pixel import from the image itself; it cannot be given"):format(
        template.name, k), 4)
    end
  end
  -- what the caller gave (not the template's defaults), for common.finish
  p[common.GIVEN] = params
  return p
end

--- Date and time strings for "now" (or params.now).
function common.timestamps(p)
  local t = p.now or os.time()
  return os.date("%Y%m%d", t), os.date("%H%M%S", t)
end

function common.uid(p)
  if p.uid_root then return core.uid{ root = p.uid_root } end
  return core.uid()
end

-- Why a template's IOD does not take the image it was given, by dataset (set by common.complete,
-- read by the template call, which then returns nil, message, "EUNSUPPORTED").
common.refused = setmetatable({}, { __mode = "k" })

-- The words for a finding on an attribute the pixel import set: the IOD does not take this image.
-- the value a NumberOfFrames finding is about ("value 1 '2' is not ...")
local function ds_frames(f) return f.message:match("'(%d+)'") or "several" end

local function refusal(self, name, p, f)
  local source = p.input or p.jpeg or "the image"
  if type(source) == "table" then source = table.concat(source, ", ") end
  if f.keyword == "NumberOfFrames" then
    return ("%s: %s takes one frame, not %s; several images make one multi-frame object with "
      .. "secondary_capture"):format(source, self.iod or name, tostring(ds_frames(f)))
  end
  local def = f.module and (iod.module(f.module) or iod.macro(f.module))
  local where = def and def.section and ("%s, PS3.3 %s"):format(def.title or f.module, def.section)
    or def and def.title or f.module or name
  return ("%s: %s does not take this image: %s %s (%s)"):format(source,
    self.iod or name, f.keyword, f.message, where)
end

--- Import the pixels; returns the report, or nil, message, code. An image the template's IOD
-- does not allow (a 16-bit PNG for VL Photographic, whose BitsAllocated is 8 only) is refused
-- once the object is complete (common.complete finds it with the IOD's own rule).
function common.pixels(ds, p, allow_rgb)
  if p.input ~= nil and p.jpeg ~= nil then
    error("give input or jpeg (the same option under its older name), not both", 4)
  end
  local path = p.input or p.jpeg
  local given = (path and 1 or 0) + (p.jpeg_bytes and 1 or 0) + (p.pixels and 1 or 0)
  if given > 1 then
    error("give one of input, jpeg_bytes and pixels", 4)
  end
  if p.pixels then
    return ds:set_pixels(p.pixels)
  else
    if given == 0 then
      error("a template needs pixels: give input = PATH, jpeg_bytes = STRING or pixels = {...}", 4)
    end
    if type(path) == "table" then
      -- several images: the frames of one object
      for i, v in ipairs(path) do
        if type(v) ~= "string" then
          error(("input[%d] must be a path (a string), got %s"):format(i, type(v)), 4)
        end
      end
      if #path == 1 then path = path[1] elseif #path == 0 then
        error("input is an empty list: give at least one image", 4)
      end
    elseif path ~= nil and type(path) ~= "string" then
      error(("input must be a path (a string) or a list of them, got %s; give bytes as jpeg_bytes")
        :format(type(path)), 4)
    end
    return ds:set_pixels(path or { bytes = p.jpeg_bytes }, {
      decode = p.decode, keep_markers = p.keep_markers, orientation = p.orientation,
      max_pixels = p.max_pixels, allow_rgb = allow_rgb, flatten = p.flatten,
      uncompressed = p.uncompressed, compression = p.compression,
    })
  end
end

--- Set `keyword` from params when given, else `default` (use "" for an empty Type 2).
function common.set(ds, p, keyword, default)
  local v = p[keyword]
  if v == nil then v = default end
  if v ~= nil then ds[keyword] = v end
end

-- Patient Module (PS3.3 C.7.1.1)
function common.patient(ds, p)
  common.set(ds, p, "PatientName", "")
  common.set(ds, p, "PatientID", "")
  common.set(ds, p, "PatientBirthDate", "")
  common.set(ds, p, "PatientSex", "")
end

-- General Study Module (C.7.2.1)
function common.general_study(ds, p, date, time)
  common.set(ds, p, "StudyInstanceUID", common.uid(p))
  common.set(ds, p, "StudyDate", date)
  common.set(ds, p, "StudyTime", time)
  common.set(ds, p, "ReferringPhysicianName", "")
  common.set(ds, p, "StudyID", "")
  common.set(ds, p, "AccessionNumber", "")
end

-- General Series Module (C.7.3.1). Laterality is Type 2C, written empty (unknown);
-- common.complete takes it away again where the IOD's condition does not ask for it (where
-- ImageLaterality is present, as Ophthalmic Photography requires).
function common.general_series(ds, p, modality)
  ds.Modality = p.Modality or modality
  common.set(ds, p, "SeriesInstanceUID", common.uid(p))
  common.set(ds, p, "SeriesNumber", 1)
  common.set(ds, p, "Laterality", "")
end

-- General Equipment Module (C.7.5.1): who made the series; dicomkit unless told otherwise.
function common.general_equipment(ds, p)
  common.set(ds, p, "Manufacturer", "dicomkit")
  common.set(ds, p, "SoftwareVersions", "dicomkit " .. core._VERSION)
end

--- The photo's own facts from its EXIF (report.exif, read by the pixel import), where the caller
-- did not give the attribute: Make and Model are the equipment that made the image (General
-- Equipment, C.7.5.1); for an ORIGINAL image DateTimeOriginal (with its sub-seconds and UTC
-- offset) is when it was acquired and when its content was made (AcquisitionDateTime,
-- ContentDate, ContentTime). The serial number only with exif_serial; the owner's name and the
-- GPS position never here. Nothing with exif = false.
-- With `photographic` (the VL Photographic IOD, whose modules C.8.12.10-12 hold them), on
-- request: the lens and exposure (exif_equipment), the owner (exif_owner), the lens's serial
-- (exif_serial), the position (exif_gps). The template that has no place for them refuses the
-- flags rather than dropping what was asked for.
function common.exif(ds, p, report, original, photographic)
  if not photographic then
    for _, flag in ipairs({ "exif_equipment", "exif_owner", "exif_gps" }) do
      if p[flag] then
        error(("%s: this IOD has no module for it (the VL Photographic Equipment, Acquisition and "
          .. "Geolocation modules are VL Photographic Image's): use vl_photographic"):format(flag), 0)
      end
    end
  end
  local f = report and report.exif
  if p.exif == false or not f then
    for _, flag in ipairs({ "exif_serial", "exif_equipment", "exif_owner", "exif_gps" }) do
      if p[flag] and p.exif == false then error(flag .. " and exif = false disagree", 0) end
    end
    return
  end
  if photographic then
    local function put(keyword, v) if v ~= nil and p[keyword] == nil then ds[keyword] = v end end
    if p.exif_equipment then
      put("LensMake", f.LensMake)
      put("LensModel", f.LensModel)
      put("ExposureTimeInSeconds", f.ExposureTime)
      put("FNumber", f.FNumber)
      put("FocalLength", f.FocalLength)
      put("PhotographicSensitivity", f.ISOSpeedRatings)
      if f.Flash then put("FlashFiringStatus", f.Flash & 1) end -- EXIF Flash bit 0: fired
    end
    if p.exif_owner then put("CameraOwnerName", f.CameraOwnerName) end
    if p.exif_serial then put("LensSerialNumber", f.LensSerialNumber) end
    if p.exif_gps and f.GPSLatitudeDMS then
      put("GPSLatitudeRef", f.GPSLatitudeRef)
      put("GPSLatitude", f.GPSLatitudeDMS)
      put("GPSLongitudeRef", f.GPSLongitudeRef)
      put("GPSLongitude", f.GPSLongitudeDMS)
      if f.GPSAltitude then
        put("GPSAltitudeRef", f.GPSAltitude < 0 and 1 or 0)
        put("GPSAltitude", math.abs(f.GPSAltitude))
      end
    end
  end
  if p.Manufacturer == nil and f.Make then ds.Manufacturer = f.Make end
  if p.ManufacturerModelName == nil and f.Model then ds.ManufacturerModelName = f.Model end
  if p.exif_serial and p.DeviceSerialNumber == nil and f.BodySerialNumber then
    ds.DeviceSerialNumber = f.BodySerialNumber
  end
  local dt = f.DateTimeOriginal
  if original and dt then
    if p.AcquisitionDateTime == nil then ds.AcquisitionDateTime = dt end
    if p.ContentDate == nil and p.ContentTime == nil then
      ds.ContentDate = dt:sub(1, 8)
      ds.ContentTime = dt:sub(9):match("^[%d.]+")
    end
  end
end

-- General Image Module (C.7.6.1)
function common.general_image(ds, p, date, time)
  common.set(ds, p, "InstanceNumber", 1)
  common.set(ds, p, "PatientOrientation", "")
  common.set(ds, p, "ContentDate", date)
  common.set(ds, p, "ContentTime", time)
end

-- SOP Common Module (C.12.1)
function common.sop_common(ds, p, sop_class, date, time)
  ds.SOPClassUID = sop_class
  common.set(ds, p, "SOPInstanceUID", common.uid(p))
  common.set(ds, p, "InstanceCreationDate", date)
  common.set(ds, p, "InstanceCreationTime", time)
end

--- A code sequence item from {value, scheme, meaning} or {CodeValue=..., ...}.
function common.code(c)
  if c.CodeValue then return c end
  return { CodeValue = c[1], CodingSchemeDesignator = c[2], CodeMeaning = c[3] }
end

--- Acquisition Context items (C.7.6.14, content items of TID 1000 style):
--   { concept = {"SITE", "99CLINIC", "Photographed site"}, text = "..." } -> ValueType TEXT
--     ("99..." designators are a site's own coding scheme, PS3.3 8.2)
--   { concept = {...}, code = {"T-D1100", "SRT", "Head"} }               -> ValueType CODE
--   { concept = {...}, number = 12.5, units = {"mm", "UCUM", "mm"} }     -> ValueType NUMERIC
--   { concept = {...}, datetime = "20240101120000" } / date= / time= / person =
-- Each gets the ValueType its value needs, and only the value attribute that goes with it.
function common.acquisition_context(items)
  local out = {}
  for i, item in ipairs(items or {}) do
    if not item.concept then
      error(("acquisition_context item %d needs concept = {value, scheme, meaning}"):format(i), 4)
    end
    local e = { ConceptNameCodeSequence = { common.code(item.concept) } }
    if item.text then
      e.ValueType, e.TextValue = "TEXT", item.text
    elseif item.code then
      e.ValueType, e.ConceptCodeSequence = "CODE", { common.code(item.code) }
    elseif item.number then
      e.ValueType, e.NumericValue = "NUMERIC", item.number
      e.MeasurementUnitsCodeSequence = { common.code(item.units or { "1", "UCUM", "no units" }) }
    elseif item.datetime then
      e.ValueType, e.DateTime = "DATETIME", item.datetime
    elseif item.date then
      e.ValueType, e.Date = "DATE", item.date
    elseif item.time then
      e.ValueType, e.Time = "TIME", item.time
    elseif item.person then
      e.ValueType, e.PersonName = "PNAME", item.person
    else
      error(("acquisition_context item %d needs a value: text, code, number, datetime, date, time "
        .. "or person"):format(i), 4)
    end
    out[#out + 1] = e
  end
  return out
end

-- A value dicomkit can supply for a missing Type 1 attribute without guessing: a new UID, the
-- time stamp, the one value an enumeration allows. nil when only the user can know.
local function derived_value(name, keyword, p, ds)
  local entry = core.dictionary(keyword)
  if not entry then return nil end
  local date, time = common.timestamps(p)
  if entry.vr == "UI" and keyword ~= "SOPClassUID" and keyword:match("UID$")
    and not keyword:match("^Referenced") then
    return common.uid(p)
  elseif entry.vr == "DA" then return date
  elseif entry.vr == "TM" then return time
  elseif entry.vr == "DT" then return date .. time
  end
  -- one frame: the frame increment is the acquisition time of the image itself (C.7.6.6.1.1
  -- names the attribute that varies per frame; with one frame there is nothing else to name)
  if keyword == "FrameIncrementPointer" and tonumber(ds.NumberOfFrames) == 1 then
    if ds.AcquisitionDateTime == nil then ds.AcquisitionDateTime = date .. time end
    return 0x0008002A
  end
  for _, found in ipairs(iod.find_attributes(name, keyword)) do
    local row = found[1]
    local list = row.enum and not row.sel and not row.verify and iod.tables().strings[row.enum]
    if list and #list == 1 then return list[1] end
  end
  if keyword == "LossyImageCompression" then return "00" end -- pixels imported as they are
  return nil
end

--- Bring the dataset in line with the template's IOD, from its tables: every Type 2 (and 2C
-- whose condition holds) that is missing is written empty, a missing Type 1 or 1C that has a
-- value dicomkit can supply (a UID, a time stamp, the one enumerated value) gets it, and an
-- empty attribute a filler wrote that the IOD does not allow here (its condition does not
-- hold) is taken away. What the caller gave is never touched. Repeats while it changes things
-- (a value can make another condition hold).
function common.complete(self, ds, p)
  local name = iod.resolve(self.iod or "") or iod.resolve(self.sop_class or "")
  if not name then return end
  local validate = require "dicomkit.validate"
  local given = p[common.GIVEN] or {}
  for _ = 1, 4 do
    local changed = false
    for _, f in ipairs((validate.dataset(ds, name, { pixels = false }))) do
      local kw = f.keyword
      if f.severity == "error" and kw and f.path == kw and common.from_pixels[kw]
        and not f.rule:match("missing$") and not common.refused[ds] then
        common.refused[ds] = refusal(self, name, p, f)
      end
      if kw == "LossyImageCompression" and f.path == kw and ds:info(kw) == nil then
        -- raw pixels (the JPEG import says 01 itself): stored as given, never lossy-compressed
        ds[kw] = "00"
        changed = true
      elseif kw and f.path == kw and given[kw] == nil and not common.from_pixels[kw] then
        local base = f.type and f.type:sub(1, 1)
        if f.rule == "condition-present" then
          local info = ds:info(kw)
          if info and (info.vm == 0 or info.length == 0) then
            ds[kw] = nil
            changed = true
          end
        elseif base == "2" and (f.rule == "type2-missing" or f.rule == "condition-missing") then
          ds[kw] = ""
          changed = true
        elseif base == "1" and (f.rule == "type1-missing" or f.rule == "condition-missing") then
          local v = derived_value(name, kw, p, ds)
          if v ~= nil then
            ds[kw] = v
            changed = true
          end
        end
      end
    end
    if not changed then break end
  end
end

--- The last step of every bundled template: the keywords of the params (the template's defaults
-- and what the caller gave), then a site's `after` hook (which sees them), then what the caller
-- gave once more, so that it (--set) wins over everything a template or its hook set; then
-- common.complete against the IOD's tables.
function common.finish(self, ds, p)
  local function apply(values)
    for k, v in pairs(values) do
      if type(k) == "string" and k:match("^%u") then ds[k] = v end
    end
  end
  apply(p)
  if self.after then
    self.after(ds, p)
    apply(p[common.GIVEN] or {})
  end
  common.complete(self, ds, p)
end

return common
