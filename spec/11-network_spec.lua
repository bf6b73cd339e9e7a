-- C-ECHO and C-STORE against real peers on loopback: Orthanc (what it holds checked through its
-- REST API) and dcmtk's storescp (what it wrote checked in its directory); and, for what no real
-- peer does on demand (never answer, answer garbage, answer a warning or failure status), a test
-- peer of ours that records what it received (spec/support/fake_scp.py).
local dk = require "dicomkit"
local h = require "helpers"
local socket = require "socket"

local VL = "1.2.840.10008.5.1.4.1.1.77.1.4"
local SC = "1.2.840.10008.5.1.4.1.1.7"

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

-- a small object: enough for storescp, and for Orthanc (which needs the study and series)
local function object(i)
  return dk.dataset{ SOPClassUID = SC, SOPInstanceUID = dk.uid(), PatientID = "P" .. i,
                     PatientName = "Test^" .. i, Modality = "OT", StudyInstanceUID = dk.uid(),
                     SeriesInstanceUID = dk.uid() }
end

-- `n` small objects saved as files in a new directory; returns the directory and their UIDs
local function batch(n)
  local dir = h.tmpdir()
  local uids = {}
  for i = 1, n do
    local ds = object(i)
    uids[i] = ds.SOPInstanceUID
    assert(ds:save(("%s/%03d.dcm"):format(dir, i)))
    ds:close()
  end
  return dir, uids
end

-- seconds taken by f, then f's results
local function timed(f, ...)
  local t0 = socket.gettime()
  local r = table.pack(f(...))
  return socket.gettime() - t0, table.unpack(r, 1, r.n)
end

-- the command, timed: elapsed, exit code, stdout, stderr
local function command(args)
  local t0 = socket.gettime()
  local _, code, out, err = h.run(h.quote(h.dicomkit) .. " " .. args)
  return socket.gettime() - t0, code, out, err
end

-- the SOP Instance UIDs of the files storescp wrote into `dir` (named MODALITY.UID)
local function written(dir)
  local uids = {}
  for _, name in ipairs(h.listdir(dir)) do uids[name:match("^%u%u%.(.+)$") or name] = true end
  return uids
end

local function count(set)
  local n = 0
  for _ in pairs(set) do n = n + 1 end
  return n
end

-- "sent N: S stored (W with warnings), F failed, X not sent" as numbers
local function summary_of(out)
  local total, stored, warnings, failed, not_sent =
    out:match("sent (%d+): (%d+) stored %((%d+) with warnings%), (%d+) failed, (%d+) not sent")
  assert(total, "no summary in: " .. out)
  return { total = tonumber(total), stored = tonumber(stored), warnings = tonumber(warnings),
           failed = tonumber(failed), not_sent = tonumber(not_sent) }
end

-- the per-object lines of `send` (without -q): path -> "stored" or the reason
local function progress_of(out)
  local lines = {}
  for i, n, path, rest in out:gmatch("(%d+)/(%d+) (%S+): ([^\n]*)") do
    lines[path] = rest:match("^NOT STORED: (.*)") or "stored"
    assert(tonumber(i) <= tonumber(n))
  end
  return lines
end

describe("network #network", function()
  local orthanc, dir
  setup(function()
    dir = h.tmpdir()
    orthanc = h.start_orthanc()
  end)
  teardown(function()
    if orthanc then orthanc.stop("KILL") end -- a graceful stop takes seconds; its files go anyway
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
    assert.equal("open", assoc:state())
    assert.is_true(assoc:echo())
    assert.is_true(assoc:release())
    assert.equal("released", assoc:state())
    assoc:close()
    assert.equal("closed", assoc:state())
    local _, code, out, err = command("echo ORTHANC@127.0.0.1:" .. orthanc.dicom)
    assert.equal(0, code, err)
    assert.equal(("ORTHANC@127.0.0.1:%d answered C-ECHO\n"):format(orthanc.dicom), out)
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
      progress = function(_, n) seen = seen + 1 assert.equal(60, n) end })
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
    local r = assert(assoc:store(ds))
    assert.is_true(r.ok)
    assert.equal("success", r.category)
    assert.equal(ds.SOPInstanceUID, r.sop_instance_uid)
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
    local results, summary = dk.send({ good, odd, dir .. "/missing.dcm" },
      { port = orthanc.dicom, called_ae = orthanc.aet })
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
    local _, code, out, err = command("send ORTHANC@127.0.0.1:" .. orthanc.dicom .. " " .. h.quote(good)
      .. " " .. h.quote(dir .. "/missing.dcm"))
    assert.equal(1, code)
    assert.matches("sent 2: 1 stored (0 with warnings), 0 failed, 1 not sent", out, 1, true)
    assert.matches("missing.dcm: No such file or directory", err, 1, true)
  end)

  it("exits 0 only when Orthanc holds everything sent; -q prints only the summary", function()
    local files, uids = batch(3)
    local before = #assert(orthanc.rest("/instances"))
    local _, code, out, err = command("send ORTHANC@127.0.0.1:" .. orthanc.dicom .. " " .. h.quote(files))
    assert.equal(0, code, err)
    assert.equal("", err)
    local lines = progress_of(out)
    assert.equal(3, count(lines))
    for _, state in pairs(lines) do assert.equal("stored", state) end
    assert.same({ total = 3, stored = 3, warnings = 0, failed = 0, not_sent = 0 }, summary_of(out))
    assert.equal(before + 3, #orthanc.rest("/instances"))
    for _, uid in ipairs(uids) do assert.is_string(orthanc.lookup(uid), uid) end
    -- quiet: the summary line and nothing else
    local more = batch(2)
    _, code, out, err = command("send -q ORTHANC@127.0.0.1:" .. orthanc.dicom .. " " .. h.quote(more))
    assert.equal(0, code, err)
    assert.equal("sent 2: 2 stored (0 with warnings), 0 failed, 0 not sent\n", out)
    assert.equal("", err)
    assert.equal(before + 5, #orthanc.rest("/instances"))
  end)

  it("a duplicate: Orthanc answers Success again and still holds one instance", function()
    local ds = object(1)
    local before = #assert(orthanc.rest("/instances"))
    local results, summary = dk.send({ ds, ds }, { port = orthanc.dicom, called_ae = orthanc.aet })
    assert.same({ total = 2, stored = 2, warnings = 0, failed = 0, not_sent = 0 }, summary)
    assert.equal(0, results[2].status)
    assert.equal(before + 1, #orthanc.rest("/instances"))
  end)

  it("an object Orthanc cannot index: it answers 0xA700, counted failed, nothing held", function()
    local bare = object(1)
    bare:remove("StudyInstanceUID")
    bare:remove("SeriesInstanceUID")
    local good = object(2)
    local before = #assert(orthanc.rest("/instances"))
    local results, summary = dk.send({ bare, good }, { port = orthanc.dicom, called_ae = orthanc.aet })
    assert.same({ total = 2, stored = 1, warnings = 0, failed = 1, not_sent = 0 }, summary)
    assert.is_true(results[1].sent)
    assert.equal(0xA700, results[1].status)
    assert.equal("ESTATUS", results[1].error)
    assert.equal(bare.SOPInstanceUID .. ": status 0xA700 (Refused: OutOfResources)", results[1].message)
    assert.equal(before + summary.stored, #orthanc.rest("/instances"))
    assert.is_nil(orthanc.lookup(bare.SOPInstanceUID))
    assert.is_string(orthanc.lookup(good.SOPInstanceUID))
  end)

  it("decodes an encapsulated JPEG when the peer takes only uncompressed, and says so", function()
    local plain = h.start_orthanc{ AcceptedTransferSyntaxes = { "1.2.840.10008.1.2", "1.2.840.10008.1.2.1" } }
    local ds = photo(dir, 301)
    local results = dk.send({ ds }, { port = plain.dicom, called_ae = plain.aet })
    plain.stop("KILL")
    assert.is_true(results[1].ok, results[1].message)
    assert.is_true(results[1].decoded)
    assert.equal("1.2.840.10008.1.2.1", results[1].transfer_syntax)
  end)

  it("fails fast when nothing listens", function()
    local port = h.free_port()
    local elapsed, assoc, msg, code = timed(dk.connect, { port = port, called_ae = "NOBODY", timeout = 60 })
    assert.is_nil(assoc)
    assert.equal("ECONNREFUSED", code)
    assert.equal(("NOBODY@127.0.0.1:%d: connection refused (nothing listening?)"):format(port), msg)
    assert.is_true(elapsed < 1, elapsed)
    local _, ecode, _, err = command("echo X@127.0.0.1:" .. port)
    assert.equal(1, ecode)
    assert.matches("connection refused", err, 1, true)
  end)

  it("names the reason when the association is rejected", function()
    local strict = h.start_orthanc{ DicomCheckCalledAet = true }
    local assoc, msg, code = dk.connect{ port = strict.dicom, called_ae = "WRONG_AE", timeout = 10 }
    strict.stop("KILL")
    assert.is_nil(assoc)
    assert.equal("EREJECTED", code)
    assert.matches("WRONG_AE@127.0.0.1:%d+: association rejected: .*[Cc]alled AE [Tt]itle [Nn]ot [Rr]ecognized", msg)
  end)

  it("checks AE titles, and requires the peer's", function()
    assert.has_error(function() dk.connect{ port = 104 } end,
      "connect: called_ae (the peer's AE title) is required")
    assert.has_error(function() dk.connect{ port = 104, called_ae = ("A"):rep(17) } end,
      "called AE title 'AAAAAAAAAAAAAAAAA' is 17 characters, at most 16 allowed")
    assert.has_error(function() dk.connect{ port = 104, called_ae = "PACS", calling_ae = "A\\B" } end,
      "calling AE title 'A\\B' contains a backslash")
    local _, code, _, err = command("echo 'BAD\\AE@127.0.0.1:104'")
    assert.equal(2, code)
    assert.matches("contains a backslash", err, 1, true)
  end)

  it("keeps what was confirmed when the peer dies mid-batch, and reports the rest not sent", function()
    local victim = h.start_orthanc()
    local again
    finally(function()
      victim.stop("KILL")
      if again then again.stop("KILL") end
    end)
    local objects = {}
    for i = 1, 12 do objects[i] = photo(dir, 400 + i) end
    local results, summary = dk.send(objects, { port = victim.dicom, called_ae = victim.aet, timeout = 10,
      progress = function(i) if i == 5 then victim.stop("KILL") end end })
    assert.equal(5, summary.stored)
    assert.equal(7, summary.not_sent)
    for i = 6, 12 do
      assert.is_false(results[i].sent)
      assert.is_truthy(results[i].error == "EABORTED" or results[i].error == "ETIMEOUT", results[i].error)
    end
    -- the confirmed five are in Orthanc's storage: start it again on the same directory
    again = h.start_orthanc({}, victim.dir)
    local held = #assert(again.rest("/instances"))
    for i = 1, 5 do
      assert.is_string(again.lookup(objects[i].SOPInstanceUID), "object " .. i)
    end
    again.stop("KILL")
    assert.equal(5, held)
  end)
end)

describe("network: dcmtk's storescp #network", function()
  teardown(h.cleanup)

  it("has Nagle off on the association's socket before the A-ASSOCIATE-RQ, and the timeouts asked for", function()
    local scp = h.start_storescp()
    finally(scp.stop)
    local trace = h.tmpdir() .. "/strace.txt"
    -- TCP_NODELAY unset: dcmtk then leaves Nagle on by itself, so the option must be ours.
    -- LeakSanitizer cannot run under ptrace: in the sanitizer build it is off for this one run.
    local lsan = os.getenv("DICOMKIT_SANITIZE") and " ASAN_OPTIONS=" .. h.quote((os.getenv("ASAN_OPTIONS") or "")
      .. ":detect_leaks=0") or ""
    local ok, code, _, err = h.run("env -u TCP_NODELAY" .. lsan .. " strace -f -qq -e trace=connect,setsockopt,write -xx -s 16 -o "
      .. h.quote(trace) .. " " .. h.quote(h.dicomkit) .. " echo --timeout 7 STORESCP@127.0.0.1:" .. scp.port)
    scp.stop()
    assert.is_true(ok, err)
    assert.equal(0, code)
    local pid, fd, nodelay, sndtimeo, rcvtimeo, rq
    for line in io.lines(trace) do
      local p, f, port = line:match("^(%d+)%s+connect%((%d+), {sa_family=AF_INET, sin_port=htons%((%d+)%)")
      if p and tonumber(port) == scp.port then
        pid, fd = p, f
      elseif pid and line:find(pid .. " ", 1, true) == 1 then
        local call = line:sub(#pid + 1):gsub("^%s+", "")
        if call:find("setsockopt(" .. fd .. ", SOL_TCP, TCP_NODELAY, [1], 4) = 0", 1, true) == 1 then
          nodelay = true
        end
        local kind, first = call:match("^setsockopt%(" .. fd .. ", SOL_SOCKET, SO_(%u+)TIMEO[%w_]*, \"\\x(%x%x)")
        if kind == "SND" then sndtimeo = tonumber(first, 16) end
        if kind == "RCV" then rcvtimeo = tonumber(first, 16) end
        if call:find("write(" .. fd .. ", \"\\x01\\x00", 1, true) == 1 then
          rq = true
          break
        end
      end
    end
    local text = h.read_file(trace)
    assert.is_truthy(fd, "no connect to the peer in:\n" .. text)
    assert.is_true(rq, "no A-ASSOCIATE-RQ written in:\n" .. text)
    assert.is_true(nodelay, "TCP_NODELAY not set to 1 before the A-ASSOCIATE-RQ:\n" .. text)
    -- the last send/receive timeouts set before the request are the association's own
    assert.equal(7, sndtimeo, text)
    assert.equal(7, rcvtimeo, text)
  end)

  it("tells the peer our AE title: --calling-ae, from echo and send", function()
    local scp = h.start_storescp("-d")
    finally(scp.stop)
    local files = batch(1)
    local _, code, _, err = command("echo --calling-ae ECHO_CALLER STORESCP@127.0.0.1:" .. scp.port)
    assert.equal(0, code, err)
    _, code, _, err = command("send --calling-ae SEND_CALLER STORESCP@127.0.0.1:" .. scp.port .. " " .. h.quote(files))
    assert.equal(0, code, err)
    _, code, _, err = command("echo STORESCP@127.0.0.1:" .. scp.port)
    assert.equal(0, code, err)
    scp.stop()
    local callers = {} -- storescp -d prints each request's titles twice
    for name in scp.log():gmatch("Calling Application Name:[ \t]+([%w_]+)") do
      if callers[#callers] ~= name then callers[#callers + 1] = name end
    end
    assert.same({ "ECHO_CALLER", "SEND_CALLER", "DICOMKIT" }, callers)
    -- a bad one is a usage error, before anything is sent
    _, code, _, err = command("echo --calling-ae " .. ("C"):rep(17) .. " STORESCP@127.0.0.1:" .. scp.port)
    assert.equal(2, code)
    assert.matches("calling AE title 'CCCCCCCCCCCCCCCCC' is 17 characters", err, 1, true)
  end)

  it("A-ABORT after the first store (--abort-after): nothing counted stored, none written, exit 1", function()
    local scp = h.start_storescp("--abort-after")
    finally(scp.stop)
    local files = batch(4)
    local _, code, out, err = command("send STORESCP@127.0.0.1:" .. scp.port .. " " .. h.quote(files))
    scp.stop()
    assert.equal(1, code)
    local summary = summary_of(out)
    assert.same({ total = 4, stored = 0, warnings = 0, failed = 0, not_sent = 4 }, summary)
    assert.equal(summary.stored, count(written(scp.dir .. "/in")))
    local lines = progress_of(out)
    assert.matches("Peer aborted Association", lines[files .. "/001.dcm"], 1, true)
    for i = 2, 4 do
      assert.matches("the association failed earlier %(Peer aborted Association.*%); not sent",
        lines[("%s/%03d.dcm"):format(files, i)])
    end
    assert.matches("001.dcm: .*Peer aborted Association", err)
  end)

  it("killed mid-batch (kill -9): the stored count and UIDs are exactly what storescp wrote, exit 1", function()
    -- one store a second: the kill lands in the pause after the third response
    local scp = h.start_storescp("--sleep-after 1")
    finally(scp.stop)
    local files, uids = batch(8)
    local log = h.tmpdir() .. "/send.log"
    local pid = h.spawn(h.quote(h.dicomkit) .. " send --timeout 10 STORESCP@127.0.0.1:" .. scp.port
      .. " " .. h.quote(files) .. " 2>&1; echo \"exit=$?\"", log)
    local deadline = socket.gettime() + 20
    while count(written(scp.dir .. "/in")) < 3 and socket.gettime() < deadline do socket.sleep(0.02) end
    socket.sleep(0.3)
    h.stop(scp.pid, "KILL")
    deadline = socket.gettime() + 20
    while h.alive(pid) and socket.gettime() < deadline do socket.sleep(0.05) end
    local out = h.read_file(log)
    assert.matches("exit=1", out, 1, true)
    local on_disk = written(scp.dir .. "/in")
    local summary = summary_of(out)
    assert.equal(3, count(on_disk))
    assert.equal(count(on_disk), summary.stored)
    assert.equal(8 - summary.stored, summary.not_sent)
    local lines = progress_of(out)
    for i, uid in ipairs(uids) do
      local path = ("%s/%03d.dcm"):format(files, i)
      if on_disk[uid] then
        assert.equal("stored", lines[path], path)
      else
        assert.matches("Peer aborted Association", lines[path], 1, true)
      end
    end
    local _, associations = scp.log():gsub("Association Acknowledged", "")
    assert.equal(1, associations)
  end)

  it("a full disk: storescp answers 0xA700, counted failed, the association still usable", function()
    local scp = h.start_storescp()
    local out_dir = scp.dir .. "/in"
    -- a tmpfs with no inode left over storescp's output directory: no file can be created
    local mounted, _, _, why = h.run("mount -t tmpfs -o size=64k,nr_inodes=1 tmpfs " .. h.quote(out_dir))
    if not mounted then scp.stop() pending("cannot mount a tmpfs here: " .. why) return end
    finally(function()
      scp.stop()
      h.run("umount " .. h.quote(out_dir))
    end)
    local ds = object(1)
    local results, summary = dk.send({ ds, object(2) }, { port = scp.port, called_ae = "STORESCP" })
    assert.same({ total = 2, stored = 0, warnings = 0, failed = 2, not_sent = 0 }, summary)
    local r = results[1]
    assert.is_false(r.ok)
    assert.is_true(r.sent)
    assert.equal(0xA700, r.status)
    assert.equal("failure", r.category)
    assert.equal("ESTATUS", r.error)
    assert.equal(ds.SOPInstanceUID .. ": status 0xA700 (Refused: OutOfResources)", r.message)
    -- assoc:store: nil, message, "ESTATUS", result; so assert() does not pass a refusal
    local assoc <close> = assert(dk.connect{ port = scp.port, called_ae = "STORESCP",
      contexts = { { sop_class = SC } } })
    local none, msg, code, result = assoc:store(ds)
    assert.is_nil(none)
    assert.equal(ds.SOPInstanceUID .. ": status 0xA700 (Refused: OutOfResources)", msg)
    assert.equal("ESTATUS", code)
    assert.is_false(result.ok)
    assert.equal("A700", result.status_hex)
    assert.has_error(function() assert(assoc:store(ds)) end)
    assert.equal("open", assoc:state())
    assert.is_true(assoc:echo())
    assert.is_true(assoc:release())
    -- the command: exit 1, counted failed, the status named
    local files = batch(1)
    local _, ecode, eout, eerr = command("send STORESCP@127.0.0.1:" .. scp.port .. " " .. h.quote(files))
    assert.equal(1, ecode)
    assert.same({ total = 1, stored = 0, warnings = 0, failed = 1, not_sent = 0 }, summary_of(eout))
    assert.matches("001.dcm: [%d.]+: status 0xA700 %(Refused: OutOfResources%)", eerr)
    assert.equal(0, count(written(out_dir)))
  end)

  it("a peer slow to answer a store (--sleep-during): ETIMEOUT within the timeout", function()
    local scp = h.start_storescp("--sleep-during 6")
    finally(scp.stop)
    local assoc <close> = assert(dk.connect{ port = scp.port, called_ae = "STORESCP", timeout = 2,
      contexts = { { sop_class = SC } } })
    local elapsed, none, msg, code = timed(assoc.store, assoc, object(1))
    assert.is_nil(none)
    assert.equal("ETIMEOUT", code)
    assert.matches("no response within 2 s", msg, 1, true)
    assert.is_true(elapsed >= 1.9 and elapsed <= 3, ("%.2f s"):format(elapsed))
    assert.equal("failed", assoc:state())
  end)
end)

describe("network: a test peer for what real peers do not do #network", function()
  teardown(h.cleanup)

  local function params(fake, extra)
    local p = { port = fake.port, called_ae = "FAKE", timeout = 2, contexts = { { sop_class = SC } } }
    for k, v in pairs(extra or {}) do p[k] = v end
    return p
  end

  it("a peer that accepts TCP and never answers: ETIMEOUT within the timeout, from Lua and the commands", function()
    local fake = h.start_fake_scp("--mode silent")
    finally(fake.stop)
    local elapsed, assoc, msg, code = timed(dk.connect, params(fake))
    assert.is_nil(assoc)
    assert.equal("ETIMEOUT", code)
    assert.equal(("FAKE@127.0.0.1:%d: no answer within 2 s"):format(fake.port), msg)
    assert.is_true(elapsed >= 1.9 and elapsed <= 3, ("%.2f s"):format(elapsed))
    -- it was the answer to our A-ASSOCIATE-RQ that never came
    assert.equal(1, #fake.events("associate", 1))
    local files = batch(1)
    for _, args in ipairs{ "echo --timeout 2 FAKE@127.0.0.1:" .. fake.port,
                           "send --timeout 2 FAKE@127.0.0.1:" .. fake.port .. " " .. h.quote(files) } do
      local took, ecode, _, err = command(args)
      assert.equal(1, ecode, args)
      assert.matches("no answer within 2 s", err, 1, true)
      assert.is_true(took >= 1.9 and took <= 3, ("%s: %.2f s"):format(args, took))
    end
  end)

  it("a peer whose accept queue is full: the connect timeout, not the association's", function()
    local fake = h.start_fake_scp("--mode backlog")
    finally(fake.stop)
    local elapsed, assoc, msg, code = timed(dk.connect, params(fake, { timeout = 0, connect_timeout = 1,
      acse_timeout = 5 }))
    assert.is_nil(assoc)
    assert.equal("ETIMEOUT", code)
    assert.equal(("FAKE@127.0.0.1:%d: no answer within 1 s"):format(fake.port), msg)
    assert.is_true(elapsed >= 0.9 and elapsed <= 2, ("%.2f s"):format(elapsed))
  end)

  it("a peer that accepts the association and then never answers: each call times out once", function()
    local fake = h.start_fake_scp("--mode mute")
    finally(fake.stop)
    local assoc = assert(dk.connect(params(fake)))
    local elapsed, ok, msg, code = timed(assoc.echo, assoc)
    assert.is_nil(ok)
    assert.equal("ETIMEOUT", code)
    assert.matches("C-ECHO failed: no response within 2 s", msg, 1, true)
    -- the abort after a timeout does not wait for the peer again
    assert.is_true(elapsed >= 1.9 and elapsed <= 3, ("%.2f s"):format(elapsed))
    assert.equal("failed", assoc:state())
    local none, why, ecode = assoc:store(object(1))
    assert.is_nil(none)
    assert.equal("EABORTED", ecode)
    assert.matches("the association failed earlier (no response within 2 s); not sent", why, 1, true)
    assert.is_truthy(fake.wait(function() return fake.events("abort", 1)[1] end))
    assoc:close()
    -- a store, and a release, on fresh associations
    assoc = assert(dk.connect(params(fake)))
    elapsed, none, why, ecode = timed(assoc.store, assoc, object(2))
    assert.is_nil(none)
    assert.equal("ETIMEOUT", ecode, why)
    assert.is_true(elapsed >= 1.9 and elapsed <= 3, ("%.2f s"):format(elapsed))
    assoc:close()
    assoc = assert(dk.connect(params(fake)))
    elapsed, ok, why, ecode = timed(assoc.release, assoc)
    assert.is_nil(ok)
    assert.equal("ETIMEOUT", ecode, why)
    assert.matches("release failed: no answer within 2 s", why, 1, true)
    assert.is_true(elapsed >= 1.9 and elapsed <= 3, ("%.2f s"):format(elapsed))
    assert.equal("failed", assoc:state())
    assoc:close()
    -- the command
    local files = batch(2)
    local took, exit, out, err = command("send --timeout 2 FAKE@127.0.0.1:" .. fake.port .. " " .. h.quote(files))
    assert.equal(1, exit)
    assert.is_true(took >= 1.9 and took <= 3, ("%.2f s"):format(took))
    assert.same({ total = 2, stored = 0, warnings = 0, failed = 0, not_sent = 2 }, summary_of(out))
    assert.matches("001.dcm: .*no response within 2 s", err)
    took, exit, out, err = command("echo --timeout 2 FAKE@127.0.0.1:" .. fake.port)
    assert.equal("", out)
    assert.equal(1, exit)
    assert.matches("C-ECHO failed: no response within 2 s", err, 1, true)
    assert.is_true(took >= 1.9 and took <= 3, ("%.2f s"):format(took))
  end)

  it("a peer that stops reading: a large store times out sending, within the timeout", function()
    local fake = h.start_fake_scp("--mode deaf")
    finally(fake.stop)
    local ds = object(1)
    ds:set(0x00091010, "LO", "DICOMKIT SPEC")
    ds:set(0x00091011, "OB", ("\1"):rep(32 << 20)) -- more than the socket buffers hold
    local assoc <close> = assert(dk.connect(params(fake)))
    local elapsed, none, msg, code = timed(assoc.store, assoc, ds)
    assert.is_nil(none)
    assert.equal("ETIMEOUT", code)
    assert.matches("the peer took no data for 2 s", msg, 1, true)
    assert.is_true(elapsed >= 1.9 and elapsed <= 3, ("%.2f s"):format(elapsed))
  end)

  it("garbage bytes after the association is accepted: aborted, and the rest not sent", function()
    local fake = h.start_fake_scp("--mode garbage")
    finally(fake.stop)
    local assoc <close> = assert(dk.connect(params(fake)))
    local ok, msg, code = assoc:echo()
    assert.is_nil(ok)
    assert.equal("EABORTED", code)
    assert.matches("Unrecognized PDU type", msg, 1, true)
    assert.equal("failed", assoc:state())
    assert.is_truthy(fake.wait(function() return fake.events("abort", 1)[1] end))
    local files = batch(3)
    local elapsed, exit, out, err = command("send FAKE@127.0.0.1:" .. fake.port .. " " .. h.quote(files))
    assert.equal(1, exit)
    assert.is_true(elapsed < 2, elapsed)
    assert.same({ total = 3, stored = 0, warnings = 0, failed = 0, not_sent = 3 }, summary_of(out))
    assert.matches("001.dcm: .*Unrecognized PDU type", err)
    assert.matches("003.dcm: .*the association failed earlier", err)
  end)

  it("warning and failure statuses: stored with warnings, failed, and the exit status says so", function()
    local fake = h.start_fake_scp("--statuses 0000,B000,A700,C000,B007")
    finally(fake.stop)
    local objects = {}
    for i = 1, 5 do objects[i] = object(i) end
    local results, summary = dk.send(objects, { port = fake.port, called_ae = "FAKE" })
    assert.same({ total = 5, stored = 3, warnings = 2, failed = 2, not_sent = 0 }, summary)
    local expect = {
      { true, "success", 0x0000 }, { true, "warning", 0xB000 }, { false, "failure", 0xA700 },
      { false, "failure", 0xC000 }, { true, "warning", 0xB007 },
    }
    for i, r in ipairs(results) do
      assert.equal(expect[i][1], r.ok, i)
      assert.is_true(r.sent)
      assert.equal(expect[i][2], r.category, i)
      assert.equal(expect[i][3], r.status, i)
      assert.equal(objects[i].SOPInstanceUID, r.sop_instance_uid)
    end
    assert.equal("ESTATUS", results[3].error)
    assert.equal(objects[3].SOPInstanceUID .. ": status 0xA700 (Refused: OutOfResources)", results[3].message)
    assert.matches("status 0xC000", results[4].message, 1, true)
    assert.is_nil(results[2].error)
    -- the peer got all five, each once, in order
    local stores = fake.events("store", 1)
    assert.equal(5, #stores)
    for i, s in ipairs(stores) do assert.equal(objects[i].SOPInstanceUID, s.sop_instance) end
    -- assoc:store: the result table for success and warning; nil, message, "ESTATUS", result for
    -- a failure, so assert() does not pass it; the association stays usable
    local assoc <close> = assert(dk.connect(params(fake)))
    local r = assert(assoc:store(objects[1]))
    assert.equal("success", r.category)
    r = assert(assoc:store(objects[2]))
    assert.is_true(r.ok)
    assert.equal("warning", r.category)
    assert.equal("B000", r.status_hex)
    local none, msg, code, refused = assoc:store(objects[3])
    assert.is_nil(none)
    assert.equal("ESTATUS", code)
    assert.equal(objects[3].SOPInstanceUID .. ": status 0xA700 (Refused: OutOfResources)", msg)
    assert.is_false(refused.ok)
    assert.equal(0xA700, refused.status)
    local passed, raised = pcall(function() assert(assoc:store(objects[4])) end)
    assert.is_false(passed)
    assert.matches(objects[4].SOPInstanceUID .. ": status 0xC000 (Error: CannotUnderstand)", tostring(raised), 1, true)
    assert.is_true(assoc:echo())
    assert.is_true(assoc:release())
    -- the command: 1 unless all are stored; the warnings and failures on standard error
    local files, uids = batch(5)
    local _, exit, out, err = command("send FAKE@127.0.0.1:" .. fake.port .. " " .. h.quote(files))
    assert.equal(1, exit)
    assert.same({ total = 5, stored = 3, warnings = 2, failed = 2, not_sent = 0 }, summary_of(out))
    assert.matches("002.dcm: warning B000", err, 1, true)
    assert.matches("003.dcm: [%d.]+: status 0xA700 %(Refused: OutOfResources%)", err)
    assert.matches("004.dcm: [%d.]+: status 0xC000", err)
    assert.matches("005.dcm: warning B007", err, 1, true)
    local lines = progress_of(out)
    assert.equal("stored", lines[files .. "/002.dcm"])
    assert.matches("status 0xA700", lines[files .. "/003.dcm"], 1, true)
    -- -q: only the summary on standard output; the reasons still on standard error
    _, exit, out, err = command("send -q FAKE@127.0.0.1:" .. fake.port .. " " .. h.quote(files))
    assert.equal(1, exit)
    assert.equal("sent 5: 3 stored (2 with warnings), 2 failed, 0 not sent\n", out)
    assert.matches("003.dcm: [%d.]+: status 0xA700", err)
    assert.equal(uids[5], fake.events("store")[#fake.events("store")].sop_instance)
    -- all warnings is all stored: exit 0
    local lenient = h.start_fake_scp("--statuses B000")
    finally(function() fake.stop() lenient.stop() end) -- busted keeps one finally a test
    _, exit, out, err = command("send -q FAKE@127.0.0.1:" .. lenient.port .. " " .. h.quote(files))
    assert.equal(0, exit, err)
    assert.equal("sent 5: 5 stored (5 with warnings), 0 failed, 0 not sent\n", out)
  end)

  it("a C-ECHO answered with a failure status: ESTATUS, exit 1", function()
    local fake = h.start_fake_scp("--echo-status 0122")
    finally(fake.stop)
    local assoc <close> = assert(dk.connect(params(fake)))
    local ok, msg, code = assoc:echo()
    assert.is_nil(ok)
    assert.equal("ESTATUS", code)
    assert.matches("C-ECHO answered status 0x0122", msg, 1, true)
    assert.equal("open", assoc:state())
    local _, exit, out, err = command("echo FAKE@127.0.0.1:" .. fake.port)
    assert.equal(1, exit)
    assert.equal("", out)
    assert.matches("C-ECHO answered status 0x0122", err, 1, true)
  end)

  it("A-ABORT after the first store: one counted stored, the one the peer confirmed", function()
    local fake = h.start_fake_scp("--abort-after 1")
    finally(fake.stop)
    local objects = {}
    for i = 1, 4 do objects[i] = object(i) end
    local results, summary = dk.send(objects, params(fake))
    assert.same({ total = 4, stored = 1, warnings = 0, failed = 0, not_sent = 3 }, summary)
    local stores = fake.events("store", 1)
    assert.equal(1, #stores)
    assert.equal(objects[1].SOPInstanceUID, stores[1].sop_instance)
    assert.is_true(results[1].ok)
    assert.equal("EABORTED", results[2].error)
    assert.matches("Peer aborted Association", results[2].message, 1, true)
    for i = 3, 4 do
      assert.is_false(results[i].sent)
      assert.matches("the association failed earlier", results[i].message, 1, true)
    end
    local files = batch(3)
    local _, exit, out = command("send FAKE@127.0.0.1:" .. fake.port .. " " .. h.quote(files))
    assert.equal(1, exit)
    assert.same({ total = 3, stored = 1, warnings = 0, failed = 0, not_sent = 2 }, summary_of(out))
  end)

  it("an association closed or collected while open is aborted (an A-ABORT PDU), a released one is not", function()
    local fake = h.start_fake_scp()
    finally(fake.stop)
    local p = params(fake, { timeout = 10 })
    do
      local assoc <close> = assert(dk.connect(p)) -- 1: <close>
      assert.is_true(assoc:echo())
    end
    local dropped = assert(dk.connect(p)) -- 2: collected
    assert.is_true(dropped:echo())
    dropped = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    local closed = assert(dk.connect(p)) -- 3: close()
    closed:close()
    assert.equal("closed", closed:state())
    assert.has_error(function() closed:echo() end, "attempt to use a closed association")
    local aborted = assert(dk.connect(p)) -- 4: abort()
    aborted:abort()
    assert.equal("failed", aborted:state())
    local released = assert(dk.connect(p)) -- 5: released, then used: a mistake, raised
    assert.is_true(released:release())
    assert.equal("released", released:state())
    local says = ("FAKE@127.0.0.1:%d: the association was released; open a new one"):format(fake.port)
    assert.has_error(function() released:echo() end, says)
    assert.has_error(function() released:store(object(1)) end, says)
    assert.has_error(function() released:store("/no/such/file.dcm") end, says)
    assert.has_error(function() released:release() end, says)
    released:close()
    -- 6: for comparison, a plain TCP close with the association open: a process killed
    local pid = h.spawn("exec " .. h.quote(h.dicomkit) .. " -e " .. h.quote(
      ("local a = assert(dk.connect{ port = %d, called_ae = 'FAKE' }) a:echo() require('socket').sleep(60)")
      :format(fake.port)), h.tmpdir() .. "/killed.log")
    assert.is_truthy(fake.wait(function() return fake.events("echo", 6)[1] end))
    h.stop(pid, "KILL")
    assert.is_truthy(fake.wait(function() return #fake.events("closed") == 6 end))
    -- 7: a script that ends with its association open: the command closes its state, so the
    -- association is collected and aborted as in 2
    local _, code, _, err = h.run(h.quote(h.dicomkit) .. " -e " .. h.quote(
      ("assoc = assert(dk.connect{ port = %d, called_ae = 'FAKE' }) assoc:echo()"):format(fake.port)))
    assert.equal(0, code, err)
    assert.is_truthy(fake.wait(function() return #fake.events("closed") == 7 end))
    local closes = {}
    for _, r in ipairs(fake.events("closed")) do closes[r.conn] = r end
    for _, conn in ipairs{ 1, 2, 3, 4, 7 } do
      assert.is_true(closes[conn].abort_seen, "connection " .. conn)
      assert.equal(7, closes[conn].pdus[#closes[conn].pdus], "connection " .. conn) -- the last PDU
    end
    assert.is_false(closes[5].abort_seen)
    assert.is_true(closes[5].release_seen)
    assert.is_false(closes[6].abort_seen)
    assert.is_false(closes[6].release_seen)
  end)

  it("the calling and called AE titles reach the peer as given", function()
    local fake = h.start_fake_scp()
    finally(fake.stop)
    local _, code, _, err = command("echo --calling-ae OUR_SIDE THEIR_SIDE@127.0.0.1:" .. fake.port)
    assert.equal(0, code, err)
    local assoc = assert(fake.events("associate", 1)[1])
    assert.equal("OUR_SIDE", assoc.calling)
    assert.equal("THEIR_SIDE", assoc.called)
  end)

  it("dk.send reports each bad object and never raises for one", function()
    local fake = h.start_fake_scp()
    finally(fake.stop)
    local closed = object(1)
    closed:close()
    local no_instance = dk.dataset{ SOPClassUID = SC, PatientID = "X" }
    local parent = object(2)
    parent.ReferencedImageSequence = { { ReferencedSOPClassUID = SC, ReferencedSOPInstanceUID = dk.uid() } }
    local item = parent.ReferencedImageSequence[1]
    item.SOPClassUID, item.SOPInstanceUID = SC, dk.uid()
    local dir = h.tmpdir()
    h.write_file(dir .. "/notes.txt", "hello, this is not DICOM\n")
    h.write_file(dir .. "/cut.dcm", ("\0"):rep(128) .. "DICM" .. "\2\0\0\0UL\4\0\255\0")
    local good = object(3)
    local results, summary = dk.send({ closed, no_instance, item, dir .. "/notes.txt", dir .. "/cut.dcm", good },
      params(fake))
    assert.same({ total = 6, stored = 1, warnings = 0, failed = 0, not_sent = 5 }, summary)
    assert.equal("the dataset cannot be sent: attempt to use a closed dataset", results[1].message)
    assert.equal("the dataset has no SOPInstanceUID", results[2].message)
    assert.equal("a dataset without SOPInstanceUID", results[2].object)
    assert.equal("the dataset is an item of a sequence, not an object", results[3].message)
    for i = 1, 3 do assert.equal("EINVAL", results[i].error) end
    -- a file that is not DICOM: the reader's message, naming the file and what is wrong
    for i = 4, 5 do
      assert.equal("EFORMAT", results[i].error)
      assert.equal(1, results[i].message:find(results[i].object .. ": ", 1, true), results[i].message)
      assert.is_nil(results[i].message:find("I/O suspension", 1, true))
      assert.is_nil(results[i].message:find("premature end", 1, true))
    end
    assert.matches("notes.txt: no SOPClassUID, not a storable object", results[4].message, 1, true)
    assert.matches("cut.dcm: not a readable DICOM file: at offset %d+: ", results[5].message)
    assert.is_true(results[6].ok)
    local stores = fake.events("store")
    assert.equal(1, #stores)
    assert.equal(good.SOPInstanceUID, stores[1].sop_instance)
    -- the command: the same reasons, exit 1
    local _, exit, out, err = command("send FAKE@127.0.0.1:" .. fake.port .. " " .. h.quote(dir))
    assert.equal(1, exit)
    assert.same({ total = 2, stored = 0, warnings = 0, failed = 0, not_sent = 2 }, summary_of(out))
    assert.matches("notes.txt: no SOPClassUID, not a storable object", err, 1, true)
    assert.matches("cut.dcm: not a readable DICOM file", err, 1, true)
  end)
end)

describe("network: the command's usage #network", function()
  teardown(h.cleanup)

  it("needs AET@HOST:PORT and sane options: exit 2 before anything is sent", function()
    local fake = h.start_fake_scp()
    finally(fake.stop)
    local files = batch(1)
    local port = fake.port
    local cases = {
      { "send 127.0.0.1:" .. port .. " " .. h.quote(files), "peer must be AET@HOST:PORT with the peer's AE title" },
      { "echo 127.0.0.1:" .. port, "peer must be AET@HOST:PORT with the peer's AE title" },
      { "echo @127.0.0.1:" .. port, "peer must be AET@HOST:PORT with the peer's AE title" },
      { "echo FAKE@127.0.0.1", "peer must be AET@HOST:PORT" },
      { "echo FAKE@127.0.0.1:70000", "port 70000 is not 1..65535" },
      { "echo --timeout 0 FAKE@127.0.0.1:" .. port, "--timeout must be a number of seconds, more than 0" },
      { "send --timeout=-3 FAKE@127.0.0.1:" .. port .. " " .. h.quote(files), "--timeout must be a number of seconds" },
      { "echo --timeout 100000 FAKE@127.0.0.1:" .. port, "at most 86400" },
      { "echo --timeout soon FAKE@127.0.0.1:" .. port, "malformed argument 'soon'" },
      { "send --calling-ae 'A\\B' FAKE@127.0.0.1:" .. port .. " " .. h.quote(files), "contains a backslash" },
      { "send FAKE@127.0.0.1:" .. port, "paths" },
    }
    for _, case in ipairs(cases) do
      local _, code, out, err = command(case[1])
      assert.equal(2, code, case[1] .. "\n" .. err)
      assert.matches(case[2], err, 1, true)
      assert.equal("", out, case[1])
    end
    -- nothing reached the peer
    assert.equal(0, #fake.events("connect"))
  end)

  it("IPv6: AET@[ADDRESS]:PORT", function()
    local probe = socket.tcp6 and socket.tcp6()
    local bound = probe and probe:bind("::1", 0)
    if probe then probe:close() end
    if not bound then pending("no IPv6 on loopback here (::1 cannot be bound)") return end
    local fake = h.start_fake_scp("--host ::1")
    finally(fake.stop)
    local major, minor, patch = dk.version().dcmtk:match("(%d+)%.(%d+)%.(%d+)")
    local version = tonumber(major) * 10000 + tonumber(minor) * 100 + tonumber(patch)
    if version < 30609 then
      -- dcmtk before 3.6.9 splits HOST:PORT at the first colon and resolves IPv4 only: the
      -- command says so instead of dcmtk's "Illegal service parameter"
      local _, code, _, err = command("echo FAKE@[::1]:" .. fake.port)
      assert.equal(1, code)
      assert.matches(("::1 is an IPv6 address; dcmtk %s connects over IPv4 only"):format(dk.version().dcmtk),
        err, 1, true)
      local none, _, ecode = dk.connect{ host = "::1", port = fake.port, called_ae = "FAKE" }
      assert.is_nil(none)
      assert.equal("EUNSUPPORTED", ecode)
      assert.equal(0, #fake.events("connect"))
      pending(("associations over IPv6 need dcmtk 3.6.9 or later; this is dcmtk %s (its clear refusal was checked)")
        :format(dk.version().dcmtk))
      return
    end
    local files = batch(2)
    local _, code, _, err = command("echo --calling-ae SIX FAKE@[::1]:" .. fake.port)
    assert.equal(0, code, err)
    _, code, _, err = command("send -q FAKE@[::1]:" .. fake.port .. " " .. h.quote(files))
    assert.equal(0, code, err)
    assert.equal("SIX", fake.events("associate", 1)[1].calling)
    assert.equal(2, #fake.events("store"))
  end)
end)
