--- Check a DICOM object: dicomkit's own IOD tables (dicomkit.iod) and pixel checks, and
-- dciodvfy (dicom3tools) where it is installed. A finding is { severity = "error"|"warning",
-- message =, source = "dicomkit"|"dciodvfy" }; nothing is "ok" that was not checked.
local core = require "dicomkit.core"
local util = require "dicomkit.util"

local validate = {}

local function finding(list, severity, message, source)
  list[#list + 1] = { severity = severity, message = message, source = source or "dicomkit" }
end

local PHOTOMETRIC_SAMPLES = {
  MONOCHROME1 = 1, MONOCHROME2 = 1, ["PALETTE COLOR"] = 1, RGB = 3, YBR_FULL = 3,
  YBR_FULL_422 = 3, YBR_ICT = 3, YBR_RCT = 3, YBR_PARTIAL_420 = 3,
}

local function number(v)
  if type(v) == "table" then v = v[1] end
  return math.tointeger(tonumber(v))
end

-- The Image Pixel attributes against each other and against the pixels themselves (PS3.3
-- C.7.6.3): what a reader uses to decode the object.
local function check_pixels(ds, out)
  local info = ds:info("PixelData")
  if not info then return end
  local rows, columns = number(ds.Rows), number(ds.Columns)
  local samples, allocated = number(ds.SamplesPerPixel), number(ds.BitsAllocated)
  local stored, high = number(ds.BitsStored), number(ds.HighBit)
  local photometric = ds.PhotometricInterpretation
  local frames = number(ds.NumberOfFrames) or 1
  if not (rows and columns and samples and allocated) then
    finding(out, "error", "PixelData is present but Rows, Columns, SamplesPerPixel or BitsAllocated is missing")
    return
  end
  if stored and stored > allocated then
    finding(out, "error", ("BitsStored %d is more than BitsAllocated %d"):format(stored, allocated))
  end
  if stored and high and high ~= stored - 1 then
    finding(out, "error", ("HighBit %d is not BitsStored - 1 (%d)"):format(high, stored - 1))
  end
  local want = PHOTOMETRIC_SAMPLES[photometric]
  if want and want ~= samples then
    finding(out, "error", ("PhotometricInterpretation %s needs SamplesPerPixel %d, not %d"):format(
      photometric, want, samples))
  end
  if samples > 1 and ds.PlanarConfiguration == nil then
    finding(out, "error", "PlanarConfiguration is missing (SamplesPerPixel is more than 1)")
  end
  if info.kind == "encapsulated" then
    local fragments = ds.PixelData
    local header = fragments[1] and core.jpeg{ bytes = fragments[1] }
    if header then
      if header.width ~= columns or header.height ~= rows then
        finding(out, "error", ("Rows and Columns say %dx%d but the JPEG frame is %dx%d"):format(
          columns, rows, header.width, header.height))
      end
      if header.components ~= samples then
        finding(out, "error", ("SamplesPerPixel is %d but the JPEG frame has %d components"):format(
          samples, header.components))
      end
    end
    return
  end
  local need = rows * columns * samples * ((allocated + 7) // 8) * frames
  local have = info.length
  if have ~= need and have ~= need + (need % 2) then
    finding(out, "error", ("PixelData holds %d bytes; Rows %d x Columns %d x SamplesPerPixel %d "
      .. "x %d bytes x %d frame%s need %d"):format(
      have, rows, columns, samples, (allocated + 7) // 8, frames, frames == 1 and "" or "s", need))
  end
end

--- Findings for a dataset: its IOD's tables (an unknown SOP Class is an error: nothing about
-- it was checked) and the pixel checks.
function validate.dataset(ds)
  local out = {}
  local sop = ds.SOPClassUID
  local iod = require "dicomkit.iod"
  local name
  for iod_name, def in pairs(iod.iods) do
    if def.sop_class == sop then name = iod_name end
  end
  if not sop or sop == "" then
    finding(out, "error", "SOPClassUID is missing: the object names no IOD")
  elseif not name then
    finding(out, "error", ("no IOD tables for SOP Class %s: dicomkit knows %s"):format(sop,
      table.concat((function()
        local names = {}
        for n in pairs(iod.iods) do names[#names + 1] = n end
        table.sort(names)
        return names
      end)(), ", ")))
  else
    for _, problem in ipairs(iod.check(ds, name)) do finding(out, "error", problem) end
  end
  check_pixels(ds, out)
  return out
end

local function find_dciodvfy()
  for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    if core._file_type(dir .. "/dciodvfy") == "file" then return dir .. "/dciodvfy" end
  end
  return nil
end

--- dciodvfy's verdict on a file: findings from every line it prints ("Error" and "Abort" lines
-- are errors, "Warning" lines warnings), and an error when it exits non-zero without saying why.
-- Returns findings, or nil when dciodvfy is not installed.
function validate.dciodvfy(path)
  local program = find_dciodvfy()
  if not program then return nil end
  local p = io.popen(util.shell_quote(program) .. " " .. util.shell_quote(path) .. " 2>&1")
  local out, errors = {}, 0
  for line in p:lines() do
    if line:match("^Error") or line:match("^Abort") then
      errors = errors + 1
      finding(out, "error", line, "dciodvfy")
    elseif line:match("^Warning") then
      finding(out, "warning", line, "dciodvfy")
    end
  end
  local _, _, status = p:close()
  if status ~= 0 and errors == 0 then
    finding(out, "error", ("dciodvfy exited with status %s"):format(tostring(status)), "dciodvfy")
  end
  return out
end

--- Findings for the file at `path`, and how it was checked ({ dciodvfy = "ran" | "not found" |
-- "not asked" }); nil, message, code when the file cannot be read. opts.dciodvfy: run
-- dciodvfy too; opts.limits: dk.read's limits.
function validate.file(path, opts)
  opts = opts or {}
  local ds, notes, code = core.read(path, opts.limits)
  if not ds then return nil, notes, code end
  local out = validate.dataset(ds)
  ds:close()
  for line in (notes or ""):gmatch("[^\n]+") do finding(out, "warning", line) end
  local how = { dciodvfy = "not asked" }
  if opts.dciodvfy then
    local found = validate.dciodvfy(path)
    how.dciodvfy = found and "ran" or "not found"
    for _, f in ipairs(found or {}) do out[#out + 1] = f end
  end
  return out, how
end

return validate
