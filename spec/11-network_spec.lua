-- C-ECHO and C-STORE against real peers on loopback: Orthanc (checked through its REST API)
-- and dcmtk's storescp; and each way an association can fail.
local dk = require "dicomkit"
local h = require "helpers"

local VL = "1.2.840.10008.5.1.4.1.1.77.1.4"

-- a photo-like JPEG (libjpeg-turbo's cjpeg), distinct per seed so pixels differ
local function make_jpeg(dir, seed, w, h_)
  w, h_ = w or 96, h_ or 64
  local rows = {}
  for y = 0, h_ - 1 do
    for x = 0, w - 1 do
      rows[#rows + 1] = string.char((x * 3 + seed) % 256, (y * 4 + seed * 7) % 256, (x + y + seed) % 256)
    end
  end
  local ppm = ("%s/src%d.ppm"):format(dir, seed)
  local jpg = ("%s/src%d.jpg"):format(dir, seed)
  h.write_file(ppm, ("P6\n%d %d\n255\n"):format(w, h_) .. table.concat(rows))
  assert(h.run("cjpeg -quality 92 " .. h.quote(ppm) .. " > " .. h.quote(jpg)))
  return jpg
end

local function photo(dir, seed, extra)
  local params = { jpeg = make_jpeg(dir, seed), PatientName = "Müller^Jürgen", PatientID = "P" .. seed,
                   InstanceNumber = seed }
  for k, v in pairs(extra or {}) do params[k] = v end
  return assert(dk.template("vl_photographic")(params))
end

describe("network #network", function()
  local orthanc, dir
  setup(function()
    dir = h.tmpdir()
    orthanc = h.start_orthanc()
  end)
  teardown(function()
    if orthanc then orthanc.stop() end
    h.cleanup()
  end)

  local function connect(extra)
    local params = { port = orthanc.dicom, called_ae = orthanc.aet, timeout = 20,
                     contexts = { { sop_class = VL, transfer_syntax = "1.2.840.10008.1.2.4.50" } } }
    for k, v in pairs(extra or {}) do params[k] = v end
    return dk.connect(params)
  end

  it("echoes, from Lua and from the command", function()
    local assoc = assert(connect())
    assert.is_true(assoc:echo())
    assert.is_true(assoc:release())
    local ok, code, out, err = h.run(h.quote(h.dicomkit) .. " echo ORTHANC@127.0.0.1:" .. orthanc.dicom)
    assert.is_true(ok, err)
    assert.equal(0, code)
    assert.matches("answered C-ECHO", out, 1, true)
  end)

  it("stores a batch of 60 over one association, every one present in Orthanc, frames byte for byte", function()
    local before = #assert(orthanc.rest("/instances"))
    local objects, frames = {}, {}
    for i = 1, 60 do
      local ds = photo(dir, i)
      objects[i] = ds
      frames[ds.SOPInstanceUID] = ds.PixelData[1]
    end
    local seen = 0
    local results, summary = dk.send(objects, { port = orthanc.dicom, called_ae = "ORTHANC",
      progress = function(i, n) seen = seen + 1 assert.equal(60, n) end })
    assert.equal(60, seen)
    assert.same({ total = 60, stored = 60, warnings = 0, failed = 0, not_sent = 0 }, summary)
    for i, r in ipairs(results) do
      assert.is_true(r.ok)
      assert.equal("success", r.category)
      assert.equal(0, r.status)
      assert.equal(objects[i].SOPInstanceUID, r.sop_instance_uid)
      assert.equal("1.2.840.10008.1.2.4.50", r.transfer_syntax)
    end
    assert.equal(before + 60, #orthanc.rest("/instances"))
    for uid, frame in pairs(frames) do
      local id = assert(orthanc.lookup(uid))
      local raw = assert(orthanc.rest("/instances/" .. id .. "/frames/0/raw"))
      assert.equal(frame, raw)
      local tags = assert(orthanc.rest("/instances/" .. id .. "/simplified-tags"))
      assert.equal("Müller^Jürgen", tags.PatientName)
      assert.equal(uid, tags.SOPInstanceUID)
    end
  end)

  it("arrives looking like the photo: Orthanc's preview matches the source pixels", function()
    local jpeg = make_jpeg(dir, 101, 128, 96)
    local ds = assert(dk.template("vl_photographic"){ jpeg = jpeg })
    local assoc <close> = assert(connect())
    assert(assoc:store(ds))
    assoc:release()
    local id = assert(orthanc.lookup(ds.SOPInstanceUID))
    local png = assert(orthanc.rest("/instances/" .. id .. "/preview"))
    h.write_file(dir .. "/preview.png", png)
    local diff = h.pydicom([[
from PIL import Image
import numpy as np
a = np.asarray(Image.open(sys.argv[1]).convert("RGB"), dtype=float)
b = np.asarray(Image.open(sys.argv[2]).convert("RGB"), dtype=float)
print(json.dumps({"shape": list(a.shape), "mean": float(np.abs(a - b).mean())}))
]], dir .. "/preview.png", jpeg)
    assert.same({ 96, 128, 3 }, diff.shape)
    assert.is_true(diff.mean < 3, "mean difference " .. diff.mean)
  end)

  it("stores files from disk, and reports an object whose SOP Class the peer refuses", function()
    local good = dir .. "/good.dcm"
    assert(photo(dir, 201):save(good))
    local odd = dk.dataset{ SOPClassUID = "1.2.826.0.1.3680043.10.543.99.1", SOPInstanceUID = dk.uid(),
                            PatientName = "Private^Class", PatientID = "X" }
    local results, summary = dk.send({ good, odd, dir .. "/missing.dcm" }, { port = orthanc.dicom })
    assert.is_true(results[1].ok)
    assert.is_false(results[2].ok)
    assert.is_false(results[2].sent)
    assert.equal("ENOCONTEXT", results[2].error)
    assert.matches("accepted no presentation context for SOP Class 1.2.826.0.1.3680043.10.543.99.1",
      results[2].message, 1, true)
    assert.equal("ENOENT", results[3].error)
    assert.equal(1, summary.stored)
    assert.equal(2, summary.not_sent)
    -- the command says the same and exits 1
    local ok, code, out, err = h.run(h.quote(h.dicomkit) .. " send ORTHANC@127.0.0.1:" .. orthanc.dicom
      .. " " .. h.quote(good) .. " " .. h.quote(dir .. "/missing.dcm"))
    assert.is_false(ok)
    assert.equal(1, code)
    assert.matches("sent 2: 1 stored (0 with warnings), 0 failed, 1 not sent", out, 1, true)
    assert.matches("missing.dcm: No such file or directory", err, 1, true)
  end)

  it("decodes an encapsulated JPEG when the peer takes only uncompressed, and says so", function()
    local plain = h.start_orthanc{ AcceptedTransferSyntaxes = { "1.2.840.10008.1.2", "1.2.840.10008.1.2.1" } }
    local ds = photo(dir, 301)
    local results = dk.send({ ds }, { port = plain.dicom })
    plain.stop()
    assert.is_true(results[1].ok, results[1].message)
    assert.is_true(results[1].decoded)
    assert.equal("1.2.840.10008.1.2.1", results[1].transfer_syntax)
  end)

  it("fails fast when nothing listens", function()
    local port = h.free_port()
    local assoc, msg, code = dk.connect{ port = port, timeout = 60 }
    assert.is_nil(assoc)
    assert.equal("ECONNREFUSED", code)
    assert.equal(("ANY-SCP@127.0.0.1:%d: connection refused (nothing listening?)"):format(port), msg)
    local _, ecode, _, err = h.run(h.quote(h.dicomkit) .. " echo X@127.0.0.1:" .. port)
    assert.equal(1, ecode)
    assert.matches("connection refused", err, 1, true)
  end)

  it("names the reason when the association is rejected", function()
    local strict = h.start_orthanc{ DicomCheckCalledAet = true }
    local assoc, msg, code = dk.connect{ port = strict.dicom, called_ae = "WRONG_AE", timeout = 10 }
    strict.stop()
    assert.is_nil(assoc)
    assert.equal("EREJECTED", code)
    assert.matches("WRONG_AE@127.0.0.1:%d+: association rejected: .*[Cc]alled AE [Tt]itle [Nn]ot [Rr]ecognized", msg)
  end)

  it("times out on a peer that never answers", function()
    local port = h.free_port()
    local pid = h.spawn("exec lua5.4 -e " .. h.quote(
      "local s = require('socket').bind('127.0.0.1', " .. port .. ") local c = s:accept() require('socket').sleep(30)"),
      dir .. "/silent.log")
    os.execute("sleep 0.3")
    local assoc, msg, code = dk.connect{ port = port, timeout = 2 }
    h.stop(pid)
    assert.is_nil(assoc)
    assert.equal("ETIMEOUT", code)
    assert.matches("no answer within 2 s", msg, 1, true)
  end)

  it("aborts an association that is closed or collected while open, and says so after release", function()
    local scp = h.start_storescp()
    do
      local assoc <close> = assert(dk.connect{ port = scp.port, called_ae = "STORESCP" })
      assert.is_true(assoc:echo())
    end
    local dropped = assert(dk.connect{ port = scp.port, called_ae = "STORESCP" })
    assert.is_true(dropped:echo())
    dropped = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    local released = assert(dk.connect{ port = scp.port, called_ae = "STORESCP" })
    assert.is_true(released:release())
    local ok, msg, code = released:echo()
    assert.is_nil(ok)
    assert.equal("EABORTED", code)
    assert.matches("the association is released", msg, 1, true)
    for _ = 1, 50 do
      local _, aborts = scp.log():gsub("Association Aborted", "")
      if aborts >= 2 then break end
      os.execute("sleep 0.1")
    end
    scp.stop()
    local log = scp.log()
    local _, aborts = log:gsub("Association Aborted", "")
    local _, releases = log:gsub("Association Release", "")
    assert.equal(2, aborts, log)
    assert.equal(1, releases, log)
  end)

  it("checks AE titles", function()
    assert.has_error(function() dk.connect{ port = 104, called_ae = ("A"):rep(17) } end,
      "called AE title 'AAAAAAAAAAAAAAAAA' is 17 characters, at most 16 allowed")
    assert.has_error(function() dk.connect{ port = 104, calling_ae = "A\\B" } end,
      "calling AE title 'A\\B' contains a backslash")
    local _, code, _, err = h.run(h.quote(h.dicomkit) .. " echo 'BAD\\AE@127.0.0.1:104'")
    assert.equal(2, code)
    assert.matches("contains a backslash", err, 1, true)
  end)

  it("keeps what was confirmed when the peer dies mid-batch, and reports the rest not sent", function()
    local victim = h.start_orthanc()
    local objects = {}
    for i = 1, 12 do objects[i] = photo(dir, 400 + i) end
    local results, summary = dk.send(objects, { port = victim.dicom, timeout = 10,
      progress = function(i) if i == 5 then victim.stop("KILL") end end })
    assert.equal(5, summary.stored)
    assert.equal(7, summary.not_sent)
    for i = 6, 12 do
      assert.is_false(results[i].sent)
      assert.is_truthy(results[i].error == "EABORTED" or results[i].error == "ETIMEOUT", results[i].error)
    end
    -- the confirmed five are in Orthanc's storage: start it again on the same directory
    local again = h.start_orthanc({}, victim.dir)
    local count = #assert(again.rest("/instances"))
    for i = 1, 5 do
      assert.is_string(again.lookup(objects[i].SOPInstanceUID), "object " .. i)
    end
    again.stop()
    assert.equal(5, count)
  end)

  it("sends over one association, and the command exits non-zero when the peer dies", function()
    -- storescp with Nagle on (as Debian ships it) is slow enough to be killed mid-batch
    local scp = h.start_storescp("", "env -u TCP_NODELAY")
    local batch = dir .. "/batch"
    os.execute("mkdir -p " .. h.quote(batch))
    for i = 1, 150 do assert(photo(dir, 600 + i):save(("%s/%03d.dcm"):format(batch, i))) end
    local log = dir .. "/send.log"
    local pid = h.spawn(h.quote(h.dicomkit) .. " send STORESCP@127.0.0.1:" .. scp.port .. " " .. h.quote(batch)
      .. "; echo \"exit=$?\"", log)
    for _ = 1, 200 do
      if #h.listdir(scp.dir .. "/in") >= 5 then break end
      os.execute("sleep 0.05")
    end
    scp.stop()
    for _ = 1, 200 do
      if not h.alive(pid) then break end
      os.execute("sleep 0.05")
    end
    local out = h.read_file(log)
    local _, associations = scp.log():gsub("Association Acknowledged", "")
    assert.equal(1, associations)
    assert.matches("exit=1", out, 1, true)
    local stored, not_sent = out:match("sent 150: (%d+) stored %(0 with warnings%), 0 failed, (%d+) not sent")
    assert.is_truthy(stored, out)
    assert.is_true(tonumber(not_sent) > 0)
    -- everything confirmed is really on the peer's disk
    assert.is_true(#h.listdir(scp.dir .. "/in") >= tonumber(stored))
  end)
end)
