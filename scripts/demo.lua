-- The main job end to end, run by scripts/demo: a JPEG becomes a VL Photographic Image, is
-- checked, C-STOREd to a PACS (a local Orthanc unless --to is given), and found there again.
-- usage: dicomkit scripts/demo.lua [--to AET@HOST:PORT] [--keep] [--dir DIR] [--jpeg FILE]
local argparse = require "argparse"
local util = require "dicomkit.util"
local validate = require "dicomkit.validate"

local here = (arg[0]:match("^(.*)/[^/]+$") or ".")
-- the local Orthanc helper is test and demo code (spec/support), not part of the module
package.path = here .. "/../spec/support/?.lua;" .. package.path
local orthanc_lib = require "orthanc"

local p = argparse("scripts/demo", "JPEG -> VL Photographic Image -> dciodvfy -> C-STORE -> the PACS.")
p:option("--to", "Send to this PACS (AET@HOST:PORT) instead of a local Orthanc.")
p:flag("--keep", "Leave the local Orthanc running to browse the study (it says how to stop it).")
p:option("--dir", "Directory for the object and the local Orthanc (default: a temporary one, "
  .. "removed at the end unless --keep).")
p:option("--jpeg", "The photo to convert.", here .. "/../spec/data/jpeg/testorig.jpg")
local a = p:parse(arg)

local steps = 0
local function step(fmt, ...)
  steps = steps + 1
  io.write(("== %d. " .. fmt .. "\n"):format(steps, ...))
end
local cleanup = {}
local function finish(status)
  for i = #cleanup, 1, -1 do cleanup[i]() end
  os.exit(status)
end
local function fail(fmt, ...)
  io.stderr:write(("demo: " .. fmt .. "\n"):format(...))
  finish(1)
end

local dir = a.dir
if not dir then
  local mk = io.popen("mktemp -d /tmp/dicomkit-demo-XXXXXX")
  dir = mk:read("l")
  mk:close()
  if not a.keep then
    cleanup[#cleanup + 1] = function() os.execute("rm -rf " .. util.shell_quote(dir)) end
  end
end
os.execute("mkdir -p " .. util.shell_quote(dir))

step("%s -> VL Photographic Image", a.jpeg)
local ds, report = dk.template("vl_photographic"){
  jpeg = a.jpeg,
  PatientName = "Demo^Patient", PatientID = "DEMO-001", PatientSex = "O", PatientBirthDate = "19800101",
  ReferringPhysicianName = "Smith^Anna", AccessionNumber = "DEMO1", StudyID = "1",
  StudyDescription = "dicomkit demo", SeriesDescription = "clinical photograph",
  Laterality = "R",
}
if not ds then fail("%s", report) end
local file = dir .. "/demo.dcm"
assert(ds:save(file))
-- say what happened to the photo, as the report has it
local what = report.mode == "passthrough" and ("%d bytes of JPEG kept (pass-through)"):format(report.stored_bytes)
  or ("decoded (%s)"):format(report.reason or "")
local notes = {}
if report.metadata_removed then notes[#notes + 1] = "its metadata (EXIF, comments) removed" end
if report.orientation_applied then
  notes[#notes + 1] = report.lossless_transform and "turned upright losslessly" or "turned upright"
end
print(("   %s: %dx%d %s, %s%s"):format(file, report.columns, report.rows, report.photometric, what,
  #notes > 0 and ("; " .. table.concat(notes, ", ")) or ""))

step("checking the object (dicomkit's IOD tables and dciodvfy)")
local findings, how = assert(validate.file(file, { dciodvfy = true }))
local errors = {}
for _, f in ipairs(findings) do
  if f.severity == "error" then errors[#errors + 1] = f.message end
end
if #errors > 0 then fail("the object has problems:\n  %s", table.concat(errors, "\n  ")) end
print(("   no errors (%s)"):format(how.dciodvfy == "ran" and "dicomkit's tables and dciodvfy"
  or "dicomkit's tables; dciodvfy was not found"))

local peer, local_orthanc
if a.to then
  local ae, host, port = a.to:match("^(.-)@(.+):(%d+)$")
  if not port or ae == "" then fail("--to must be AET@HOST:PORT, got '%s'", a.to) end
  peer = { called_ae = ae, host = host, port = tonumber(port) }
else
  step("starting a local Orthanc (loopback only, storage in %s/orthanc)", dir)
  local err
  local_orthanc, err = orthanc_lib.start{ dir = dir .. "/orthanc" }
  if not local_orthanc then fail("%s", err) end
  if a.keep then
    cleanup[#cleanup + 1] = function()
      print(("Orthanc keeps running (pid %d); stop it with: kill %d"):format(local_orthanc.pid,
        local_orthanc.pid))
    end
  else
    cleanup[#cleanup + 1] = function() local_orthanc:stop() end
  end
  peer = { called_ae = local_orthanc.aet, host = "127.0.0.1", port = local_orthanc.dicom }
  print(("   DICOM %s@127.0.0.1:%d, HTTP http://127.0.0.1:%d/ (pid %d)"):format(local_orthanc.aet,
    local_orthanc.dicom, local_orthanc.http, local_orthanc.pid))
end

step("C-STORE to %s@%s:%d", peer.called_ae, peer.host, peer.port)
peer.timeout = 30
local results, summary = dk.send({ file }, peer)
if not results then fail("%s", summary) end
local r = results[1]
if not r.ok then fail("not stored: %s", r.message or (r.meaning .. " " .. r.status_hex)) end
print(("   stored: status %s (%s), sent as %s"):format(r.status_hex, r.meaning, r.transfer_syntax))

if local_orthanc then
  step("asking Orthanc's REST API what arrived")
  local id = local_orthanc:lookup(ds.SOPInstanceUID)
  if not id then fail("Orthanc does not know SOP Instance %s", ds.SOPInstanceUID) end
  local tags = local_orthanc:get("/instances/" .. id .. "/simplified-tags")
  local function tag(name) return tags:match('"' .. name .. '"%s*:%s*"([^"]*)"') end
  for _, name in ipairs({ "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "PatientID",
                          "PatientName", "Modality", "SOPClassUID" }) do
    local want = tostring(ds[name])
    if tag(name) ~= want then
      fail("Orthanc has %s = %s, we sent %s", name, tostring(tag(name)), want)
    end
    print(("   %-18s %s"):format(name, want))
  end
  if a.keep then
    local study = local_orthanc:get("/instances/" .. id .. "/study")
    local study_id = study and study:match('"ID"%s*:%s*"([^"]+)"')
    print("The study in Orthanc Explorer: " .. local_orthanc:explorer(study_id))
  else
    print("(the local Orthanc is stopped at the end; scripts/demo --keep leaves it running to browse the study)")
  end
else
  print(("Sent %s to %s"):format(ds.SOPInstanceUID, a.to))
end
ds:close()
finish(0)
