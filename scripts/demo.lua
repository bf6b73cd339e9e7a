-- The main job end to end, run by scripts/demo: a JPEG becomes a VL Photographic Image, is
-- checked, C-STOREd to a PACS (a local Orthanc unless --to is given), and found there again.
-- usage: dicomkit scripts/demo.lua [--to AET@HOST:PORT] [--keep] [--dir DIR] [--jpeg FILE]
local argparse = require "argparse"
local orthanc_lib = require "dicomkit.orthanc"
local validate = require "dicomkit.validate"

local here = (arg[0]:match("^(.*)/[^/]+$") or ".")
local p = argparse("scripts/demo", "JPEG -> VL Photographic Image -> dciodvfy -> C-STORE -> the PACS.")
p:option("--to", "Send to this PACS (AET@HOST:PORT) instead of a local Orthanc.")
p:flag("--keep", "Leave the local Orthanc running (it says how to stop it).")
p:option("--dir", "Directory for the object and the local Orthanc (default: a new temporary one).")
p:option("--jpeg", "The photo to convert.", here .. "/../spec/data/jpeg/testorig.jpg")
local a = p:parse(arg)

local function step(fmt, ...) io.write(("== " .. fmt .. "\n"):format(...)) end
local function fail(fmt, ...) io.stderr:write(("demo: " .. fmt .. "\n"):format(...)) os.exit(1) end

local dir = a.dir
if not dir then
  local mk = io.popen("mktemp -d /tmp/dicomkit-demo-XXXXXX")
  dir = mk:read("l")
  mk:close()
end
os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'")

step("1. %s -> VL Photographic Image", a.jpeg)
local ds, report = dk.template("vl_photographic"){
  jpeg = a.jpeg,
  PatientName = "Demo^Patient", PatientID = "DEMO-001", PatientSex = "O", PatientBirthDate = "19800101",
  ReferringPhysicianName = "Smith^Anna", AccessionNumber = "DEMO1", StudyID = "1",
  StudyDescription = "dicomkit demo", SeriesDescription = "clinical photograph",
  Laterality = "R",
  acquisition_context = { { concept = { "121322", "DCM", "Source image for image processing operation" },
                            text = "demo photograph" } },
}
if not ds then fail("%s", report) end
local file = dir .. "/demo.dcm"
assert(ds:save(file))
print(("   %s: %dx%d %s, %s, %d bytes of JPEG kept as they were"):format(file, report.columns,
  report.rows, report.photometric, report.mode, report.stored_bytes))

step("2. checking the object (dicomkit's IOD tables and dciodvfy)")
local problems = assert(validate.file(file, { dciodvfy = true }))
if #problems > 0 then fail("the object has problems:\n  %s", table.concat(problems, "\n  ")) end
print("   no errors")

local peer, local_orthanc = {}, nil
if a.to then
  local ae, host, port = a.to:match("^(.-)@(.+):(%d+)$")
  if not port then fail("--to must be AET@HOST:PORT, got '%s'", a.to) end
  peer = { called_ae = ae, host = host, port = tonumber(port) }
else
  step("3. starting a local Orthanc (loopback only, storage in %s/orthanc)", dir)
  local err
  local_orthanc, err = orthanc_lib.start{ dir = dir .. "/orthanc" }
  if not local_orthanc then fail("%s", err) end
  peer = { called_ae = local_orthanc.aet, host = "127.0.0.1", port = local_orthanc.dicom }
  print(("   DICOM %s@127.0.0.1:%d, HTTP http://127.0.0.1:%d/ (pid %d)"):format(local_orthanc.aet,
    local_orthanc.dicom, local_orthanc.http, local_orthanc.pid))
end

local function finish(status)
  if local_orthanc then
    if a.keep then
      print(("Orthanc keeps running (pid %d); stop it with: kill %d"):format(local_orthanc.pid,
        local_orthanc.pid))
    else
      local_orthanc:stop()
      print("(the local Orthanc is stopped again; run scripts/demo --keep to browse the study)")
    end
  end
  os.exit(status)
end

step("4. C-STORE to %s@%s:%d", peer.called_ae or "ANY-SCP", peer.host, peer.port)
peer.timeout = 30
local results, summary = dk.send({ file }, peer)
if not results then
  io.stderr:write("demo: ", summary, "\n")
  finish(1)
end
local r = results[1]
if not r.ok then
  io.stderr:write("demo: not stored: ", r.message or (r.meaning .. " " .. r.status_hex), "\n")
  finish(1)
end
print(("   stored: status %s (%s), sent as %s"):format(r.status_hex, r.meaning, r.transfer_syntax))

if local_orthanc then
  step("5. asking Orthanc's REST API what arrived")
  local id = local_orthanc:lookup(ds.SOPInstanceUID)
  if not id then
    io.stderr:write("demo: Orthanc does not know SOP Instance ", ds.SOPInstanceUID, "\n")
    finish(1)
  end
  local tags = local_orthanc:get("/instances/" .. id .. "/simplified-tags")
  local function tag(name) return tags:match('"' .. name .. '"%s*:%s*"([^"]*)"') end
  local checks = { "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "PatientID", "PatientName",
                   "Modality", "SOPClassUID" }
  for _, name in ipairs(checks) do
    local want = tostring(ds[name])
    if tag(name) ~= want then
      io.stderr:write(("demo: Orthanc has %s = %s, we sent %s\n"):format(name, tostring(tag(name)), want))
      finish(1)
    end
    print(("   %-18s %s"):format(name, want))
  end
  local study = local_orthanc:get("/instances/" .. id .. "/study")
  local study_id = study and study:match('"ID"%s*:%s*"([^"]+)"')
  print("The study in Orthanc Explorer: " .. local_orthanc:explorer(study_id))
else
  print(("Sent %s to %s"):format(ds.SOPInstanceUID, a.to))
end
finish(0)
