--- Pieces shared by the bundled templates: module fillers and parameter handling.
-- A site template normally requires a bundled template and extends it; it can also use
-- these pieces to build a template of its own.
local dk = require "dicomkit"

local common = {}

--- Lower-case params are options; CamelCase params are DICOM keywords set as given.
common.options = {
  jpeg = "path or bytes of a JPEG to import",
  pixels = "raw pixels: {rows=, columns=, samples=, bits=, data=, photometric=}",
  decode = "decode the JPEG to native pixels",
  keep_markers = "keep the photo's metadata segments (EXIF, XMP, ...)",
  orientation = "'apply' (default) or 'keep' the EXIF orientation",
  max_pixels = "refuse larger images",
  uid_root = "org root for generated UIDs",
  now = "the time stamps to use, as os.time() seconds",
}

--- defaults overridden by params, checked: unknown options and keywords raise.
function common.merge(template, params)
  local p = {}
  for k, v in pairs(template.defaults or {}) do p[k] = v end
  for k, v in pairs(params) do p[k] = v end
  for k in pairs(p) do
    if type(k) ~= "string" then
      error(("template %s: parameter names must be strings, got %s"):format(template.name, tostring(k)), 4)
    elseif k:match("^%l") then
      if common.options[k] == nil and not (template.options and template.options[k]) then
        error(("template %s: unknown option '%s'"):format(template.name, k), 4)
      end
    elseif dk.tag(k) == nil then
      error(("template %s: unknown keyword '%s' (not in the data dictionary)"):format(template.name, k), 4)
    end
  end
  return p
end

--- Date and time strings for "now" (or params.now).
function common.timestamps(p)
  local t = p.now or os.time()
  return os.date("%Y%m%d", t), os.date("%H%M%S", t)
end

function common.uid(p, what)
  if p.uid_root then return dk.uid{ root = p.uid_root } end
  return dk.uid()
end

--- Import the pixels; returns the report, or nil, message, code.
function common.pixels(ds, p, allow_rgb)
  if p.jpeg and p.pixels then
    error("give either jpeg or pixels, not both", 4)
  end
  if p.pixels then
    ds:set_pixels(p.pixels)
    return { mode = "native", rows = ds.Rows, columns = ds.Columns, samples = ds.SamplesPerPixel,
             photometric = ds.PhotometricInterpretation }
  end
  if not p.jpeg then
    error("a template needs pixels: give jpeg = PATH (or bytes), or pixels = {...}", 4)
  end
  return ds:set_pixels(p.jpeg, {
    decode = p.decode, keep_markers = p.keep_markers, orientation = p.orientation,
    max_pixels = p.max_pixels, allow_rgb = allow_rgb,
  })
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

-- General Series Module (C.7.3.1)
function common.general_series(ds, p, modality)
  ds.Modality = p.Modality or modality
  common.set(ds, p, "SeriesInstanceUID", common.uid(p))
  common.set(ds, p, "SeriesNumber", 1)
  -- Type 2C (paired body parts): empty means unknown; dciodvfy asks for it always
  common.set(ds, p, "Laterality", "")
end

-- General Equipment Module (C.7.5.1): who made the series; dicomkit unless told otherwise.
function common.general_equipment(ds, p)
  common.set(ds, p, "Manufacturer", "dicomkit")
  common.set(ds, p, "SoftwareVersions", "dicomkit " .. dk.version().dicomkit)
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
--   { concept = {"121322", "DCM", "Source image ..."}, text = "..." }     -> ValueType TEXT
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
      error(("acquisition_context item %d needs a value: text, code, number, datetime, date, time or person"):format(i), 4)
    end
    out[#out + 1] = e
  end
  return out
end

--- Keywords given as params win over everything the template set.
function common.keywords(ds, p)
  for k, v in pairs(p) do
    if k:match("^%u") then ds[k] = v end
  end
end

return common
