--- Check a DICOM object against its IOD: dicomkit's own module tables (dicomkit.iod) where the
-- SOP Class is one it knows, and dciodvfy (dicom3tools) where it is installed.
local dk = require "dicomkit"

local validate = {}

local function find_dciodvfy()
  local p = io.popen("command -v dciodvfy 2>/dev/null")
  local path = p:read("l")
  p:close()
  return path
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

--- Problems dicomkit's tables find in `ds` (a list of strings; empty when none).
function validate.dataset(ds)
  local ok, iod = pcall(require, "dicomkit.iod")
  if not ok then return {} end
  local sop = ds.SOPClassUID
  for name, def in pairs(iod.iods) do
    if def.sop_class == sop then return iod.check(ds, name) end
  end
  return {}
end

--- Problems in the file at `path`, or nil, message when it cannot be read.
-- opts.dciodvfy: also run dciodvfy when it is installed and keep its "Error" lines.
function validate.file(path, opts)
  opts = opts or {}
  local ds, err = dk.read(path)
  if not ds then return nil, err end
  local problems = validate.dataset(ds)
  ds:close()
  if opts.dciodvfy and find_dciodvfy() then
    local p = io.popen("dciodvfy " .. shell_quote(path) .. " 2>&1")
    for line in p:lines() do
      if line:match("^Error") then problems[#problems + 1] = "dciodvfy: " .. line end
    end
    p:close()
  end
  return problems
end

return validate
