--- dciodvfy (dicom3tools) as the specs' oracle, read whole: its exit status and every line.
-- One place for all specs: an object passes only when dciodvfy exits 0 and prints no "Error"
-- and no "Abort" line anywhere (an unreadable file makes it print "Abort ..." and exit 1 with no
-- Error line; an Error can be the first line).
local h = require "helpers"

local dciodvfy = {}

--- The verdict on `path`: { ok, status, lines, errors, warnings, text }.
function dciodvfy.check(path)
  local _, status, out, err = h.run("dciodvfy " .. h.quote(path))
  local text = out .. err
  local verdict = { status = status, lines = {}, errors = {}, warnings = {}, text = text }
  for line in text:gmatch("[^\n]+") do
    verdict.lines[#verdict.lines + 1] = line
    if line:match("^%s*Error") or line:match("^%s*Abort") then
      verdict.errors[#verdict.errors + 1] = line
    elseif line:match("^%s*Warning") then
      verdict.warnings[#verdict.warnings + 1] = line
    end
  end
  verdict.ok = status == 0 and #verdict.errors == 0
  return verdict
end

--- Assert that dciodvfy accepts `path` (and, when given, recognises it as `iod_name`);
-- returns the verdict, whose warnings a spec may look at.
function dciodvfy.accepts(path, iod_name, what)
  local v = dciodvfy.check(path)
  local label = (what or path) .. ": dciodvfy exit " .. tostring(v.status)
  assert(v.ok, label .. ", says\n" .. v.text)
  if iod_name then
    assert(v.text:find(iod_name, 1, true), label .. ": it did not recognise " .. iod_name .. ":\n" .. v.text)
  end
  return v
end

--- Assert that dciodvfy refuses `path`; returns the verdict.
function dciodvfy.refuses(path, what)
  local v = dciodvfy.check(path)
  assert(not v.ok, (what or path) .. ": dciodvfy accepted it:\n" .. v.text)
  return v
end

return dciodvfy
