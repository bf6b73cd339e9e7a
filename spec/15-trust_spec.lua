-- The trustworthy core: every defect a careful or a hostile user found just outside what the
-- other specs exercised, each with the behaviour a user relies on now. Each `it` names what
-- used to happen; the README's Reliability table points here.
local h = require "helpers"
local dk = require "dicomkit"

local HOSTILE = h.source .. "/spec/support/hostile.py"
local DATA = h.source .. "/spec/data"
local PHOTO = DATA .. "/jpeg/testorig.jpg"
local SC = "1.2.840.10008.5.1.4.1.1.7"

local function hostile(kind, path, n)
  local ok, _, _, err = h.run("/usr/bin/python3 " .. h.quote(HOSTILE) .. " " .. kind .. " "
    .. h.quote(path) .. (n and (" " .. n) or ""))
  assert(ok, err)
  return path
end

local function dicomkit(args)
  return h.run(h.quote(h.dicomkit) .. " " .. args)
end

-- Peak resident memory of a command in KB (GNU time), with its exit code.
local function peak_kb(cmd)
  local ok, code, _, err = h.run("/usr/bin/time -f 'PEAK %M' " .. cmd)
  return tonumber(err:match("PEAK (%d+)")), code, err, ok
end

local function items(n)
  local out = {}
  for i = 1, n do
    out[i] = { ReferencedSOPClassUID = SC, ReferencedSOPInstanceUID = "1.2.3." .. i }
  end
  return out
end

local function sanitizer() return os.getenv("DICOMKIT_SANITIZE") == "1" end

-- One of pydicom's own test files, from Debian's python3-pydicom.
local PYDICOM_DATA = "/usr/lib/python3/dist-packages/pydicom/data"
local function pydicom_file(name)
  for _, sub in ipairs({ "test_files", "charset_files" }) do
    local path = PYDICOM_DATA .. "/" .. sub .. "/" .. name
    if h.exists(path) then return path end
  end
  error("pydicom's test file " .. name .. " is not installed")
end

describe("trust: sequences from Lua", function()
  it("a 20,000-item sequence from tables (was a Lua stack overflow: SIGSEGV)", function()
    local ds = dk.dataset()
    ds.ReferencedImageSequence = items(20000)
    local got = ds.ReferencedImageSequence
    assert.equal(20000, #got)
    assert.equal("1.2.3.19999", got[19999].ReferencedSOPInstanceUID)
    ds:close()
  end)

  it("sequences of 40, 100 and 1,000 dataset items (heap corruption from about 80)", function()
    for _, n in ipairs({ 40, 100, 1000 }) do
      local parts = {}
      for i = 1, n do parts[i] = dk.dataset{ ReferencedSOPClassUID = SC, ReferencedSOPInstanceUID = "2.25." .. i } end
      local ds = dk.dataset{ ReferencedImageSequence = parts }
      assert.equal(n, #ds.ReferencedImageSequence)
      assert.equal("2.25." .. n, ds.ReferencedImageSequence[n].ReferencedSOPInstanceUID)
      for _, p in ipairs(parts) do p:close() end
      ds:close()
    end
  end)

  it("copying a file's 100-item ContentSequence to another dataset (aborted)", function()
    local src <close> = assert(dk.read(DATA .. "/hostile/seq100.dcm"))
    local dst <close> = dk.dataset()
    dst.ContentSequence = src.ContentSequence
    assert.equal(100, #dst.ContentSequence)
    for i = 1, 100, 33 do
      assert.equal(src.ContentSequence[i].TextValue, dst.ContentSequence[i].TextValue)
    end
  end)

  local function nested(depth)
    local t = { CodeMeaning = "leaf" }
    for _ = 1, depth - 1 do t = { CodeMeaning = "x", ConceptNameCodeSequence = { t } } end
    return { t }
  end

  it("tables nested 60 deep go in whole; 65 deep is refused with the limit (60 hung, 20 aborted)", function()
    local ds = dk.dataset()
    ds.ConceptNameCodeSequence = nested(60)
    local item, depth = ds.ConceptNameCodeSequence[1], 1
    while item.ConceptNameCodeSequence do item, depth = item.ConceptNameCodeSequence[1], depth + 1 end
    assert.equal(60, depth)
    assert.equal("leaf", item.CodeMeaning)
    assert.has_error(function() ds.ConceptNameCodeSequence = nested(65) end,
      "ConceptNameCodeSequence (0040,A043): sequences nested deeper than 64 levels")
    ds:close()
  end)

  it("a table that contains itself is refused, naming the sequence (was SIGSEGV)", function()
    local t = { CodeValue = "1" }
    t.ConceptNameCodeSequence = { t }
    assert.has_error(function() dk.dataset{ ConceptNameCodeSequence = { t } } end,
      "ConceptNameCodeSequence (0040,A043): an item contains itself (a table cannot be its own descendant)")
    local again = { CodeValue = "1" }
    again.ConceptNameCodeSequence = { again }
    assert.has_error(function() dk.dataset(again) end,
      "ConceptNameCodeSequence (0040,A043): an item contains itself (a table cannot be its own descendant)")
  end)
end)

describe("trust: hostile files", function()
  local dir
  setup(function() dir = h.tmpdir() end)
  teardown(h.cleanup)

  it("6,000 nested sequences: refused by every reader before anything recurses (stack overflow)", function()
    local path = hostile("nesting", dir .. "/deep.dcm", 6000)
    local ds, msg, code = dk.read(path)
    assert.is_nil(ds)
    assert.equal("ELIMIT", code)
    assert.matches("deep.dcm: sequence nesting deeper than 64 levels at offset %d+ %(limit max_depth%)", msg)
    for _, cmd in ipairs({ "dump", "dump --json", "validate", "validate --no-dciodvfy" }) do
      local _, status, _, err = dicomkit(cmd .. " " .. h.quote(path))
      assert.equal(1, status, cmd)
      assert.matches("deep.dcm: sequence nesting deeper than 64 levels", err, 1, true)
    end
    -- the header peek of a send stops after SOPClassUID: it never reaches the nesting, and
    -- nothing recurses (the send then reads the file, see below)
    assert.equal(SC, (dk.peek(path)))
    -- the limit can be raised for a file that needs it, up to what dcmtk's recursion can take
    local fifty = hostile("nesting", dir .. "/fifty.dcm", 70)
    assert.is_nil(dk.read(fifty))
    local ok = assert(dk.read(fifty, { max_depth = 100 }))
    ok:close()
    assert.has_error(function() dk.read(fifty, { max_depth = 5000 }) end)
  end)

  it("6,000 nested sequences among good files in a send: reported, the batch goes on", function()
    local good = { dir .. "/good1.dcm", dir .. "/good2.dcm" }
    for _, path in ipairs(good) do
      local obj <close> = assert(dk.template("secondary_capture"){ jpeg = PHOTO })
      assert(obj:save(path))
    end
    local deep = hostile("nesting", dir .. "/deep.dcm", 6000)
    local scp = h.start_storescp()
    local _, status, out, err = dicomkit("send STORESCP@127.0.0.1:" .. scp.port .. " "
      .. h.quote(good[1]) .. " " .. h.quote(deep) .. " " .. h.quote(good[2]))
    scp.stop()
    assert.equal(1, status)
    assert.matches("sent 3: 2 stored (0 with warnings), 0 failed, 1 not sent", out, 1, true)
    assert.matches("deep.dcm: sequence nesting deeper than 64 levels", err, 1, true)
    assert.equal(2, #h.listdir(scp.dir .. "/in"))
  end)

  it("a value declaring 4 GiB in a 374-byte file: refused with the offset, nothing allocated", function()
    local path = hostile("hugelen", dir .. "/huge.dcm")
    local ds, msg, code = dk.read(path)
    assert.is_nil(ds)
    assert.equal("EFORMAT", code)
    assert.matches("huge.dcm: not a readable DICOM file: at offset 310: (0009,1000) declares "
      .. "4294967280 bytes but only 64 remain in its file", msg, 1, true)
  end)

  it("a deflate bomb: refused at the inflate limit with bounded memory (2 GB RSS in dump)", function()
    local path = hostile("deflate", dir .. "/bomb.dcm", 1024) -- 1 MB that inflates to 1 GiB
    local ds, msg, code = dk.read(path)
    assert.is_nil(ds)
    assert.equal("ELIMIT", code)
    assert.matches("bomb.dcm: the deflated data set inflates to more than 536870912 bytes "
      .. "(limit max_inflated_bytes)", msg, 1, true)
    if not sanitizer() then
      for _, cmd in ipairs({ "dump", "dump --json", "validate --no-dciodvfy" }) do
        local kb, status = peak_kb(h.quote(h.dicomkit) .. " " .. cmd .. " " .. h.quote(path))
        assert.equal(1, status)
        -- the limit is what it may cost: 512 MiB of inflated data at most, not 2 or 4 GB
        assert.is_true(kb < 600 * 1024, cmd .. " peaked at " .. kb .. " KB")
      end
    end
    -- a smaller limit is the caller's to set
    local small = hostile("deflate", dir .. "/small.dcm", 8)
    assert.is_nil(dk.read(small, { max_inflated_bytes = 1 << 20 }))
    local fine <close> = assert(dk.read(small))
    assert.equal(8 << 20, #fine:get(0x00091000))
  end)

  -- time linear in the input: four times the elements take about four times as long (quadratic
  -- walks took sixteen times); the absolute bound only catches the old 12-44 s
  local function wall(cmd)
    local _, _, out = h.run("/usr/bin/time -f 'WALL %e' " .. cmd .. " 2>&1 >/dev/null")
    return tonumber(out:match("WALL ([%d.]+)"))
  end

  for _, case in ipairs({
    { kind = "elements", small = 10000, big = 40000 },
    { kind = "items", small = 10000, big = 40000 },
    { kind = "fragments", small = 25000, big = 100000 },
    { kind = "backslash", small = 500000, big = 2000000 },
  }) do
    it(("%d %s: dump, dump --json and validate in time linear in the input"):format(case.big,
      case.kind), function()
      local small = hostile(case.kind, dir .. "/small-" .. case.kind .. ".dcm", case.small)
      local big = hostile(case.kind, dir .. "/big-" .. case.kind .. ".dcm", case.big)
      for _, cmd in ipairs({ "dump", "dump --json", "validate --no-dciodvfy" }) do
        local run = function(path) return wall(h.quote(h.dicomkit) .. " " .. cmd .. " " .. h.quote(path)) end
        local t_small, t_big = run(small), run(big)
        local bound = sanitizer() and 30 or 3
        assert.is_true(t_big < bound, ("%s %s took %.2f s"):format(cmd, case.kind, t_big))
        -- start-up (~15 ms) is in both: compare what is above it
        assert.is_true(t_big <= 8 * t_small + 0.3,
          ("%s: %d %s took %.2f s, %d took %.2f s: not linear"):format(cmd, case.big, case.kind,
            t_big, case.small, t_small))
      end
    end)
  end
end)

describe("trust: writing files", function()
  local dir
  before_each(function() dir = h.tmpdir() end)
  after_each(h.cleanup)

  local function big_object()
    -- about 600 KB: more than the room left on the small disk below
    local ds = assert(dk.template("secondary_capture"){ jpeg = PHOTO, decode = true })
    ds:set(0x00291001, "OB", ("x"):rep(500000))
    return ds
  end

  -- a 1 MB tmpfs of our own, filled to leave `room` bytes; unmounted by the caller
  local function small_disk(room)
    local mnt = dir .. "/disk"
    os.execute("mkdir -p " .. h.quote(mnt))
    local ok, _, _, err = h.run("mount -t tmpfs -o size=1m tmpfs " .. h.quote(mnt))
    if not ok then return nil, err end
    h.run("head -c " .. (1024 * 1024 - room) .. " /dev/zero > " .. h.quote(mnt .. "/filler") .. " 2>/dev/null")
    return mnt
  end

  it("a disk that fills during save: ENOSPC named, the destination untouched, no temporary file (said ok)", function()
    local mnt, why = small_disk(200 * 1024)
    if not mnt then pending("cannot mount a tmpfs here: " .. why) return end
    local ok_all, failure = pcall(function()
      local keep = mnt .. "/photo.dcm"
      h.write_file(keep, "the old file")
      local ds = big_object()
      local ok, msg, code = ds:save(keep)
      ds:close()
      assert.is_nil(ok)
      assert.equal("ENOSPC", code)
      assert.equal(keep .. ": writing failed: No space left on device", msg)
      assert.equal("the old file", h.read_file(keep))
      assert.same({ "filler", "photo.dcm" }, h.listdir(mnt))
    end)
    h.run("umount " .. h.quote(mnt))
    assert(ok_all, failure)
  end)

  it("create --decode on a full disk exits 1 with ENOSPC's text (exited 0)", function()
    local mnt, why = small_disk(100 * 1024)
    if not mnt then pending("cannot mount a tmpfs here: " .. why) return end
    local ok_all, failure = pcall(function()
      local big = dir .. "/big.jpg"
      assert(h.run("/usr/bin/python3 -c \"from PIL import Image; import os; "
        .. "Image.frombytes('RGB', (640, 480), os.urandom(640*480*3)).save('" .. big .. "', quality=95)\""))
      local target = mnt .. "/out.dcm"
      local _, status, _, err = dicomkit("create vl_photographic --decode --jpeg " .. h.quote(big)
        .. " --out " .. h.quote(target))
      assert.equal(1, status)
      assert.matches("out.dcm: writing failed: No space left on device", err, 1, true)
      assert.is_nil(err:match("I/O suspension"))
      assert.same({ "filler" }, h.listdir(mnt))
    end)
    h.run("umount " .. h.quote(mnt))
    assert(ok_all, failure)
  end)

  it("a write past `ulimit -f`: an error, not SIGXFSZ (exit 153), no temporary file left", function()
    local big = dir .. "/big.jpg"
    assert(h.run("/usr/bin/python3 -c \"from PIL import Image; import os; "
      .. "Image.frombytes('RGB', (1200, 900), os.urandom(1200*900*3)).save('" .. big .. "', quality=95)\""))
    local target = dir .. "/out.dcm"
    h.write_file(target, "before")
    local _, status, _, err = h.run("ulimit -f 1000; " .. h.quote(h.dicomkit)
      .. " create vl_photographic --decode --jpeg " .. h.quote(big) .. " --out " .. h.quote(target))
    assert.equal(1, status)
    assert.matches("out.dcm: writing failed: File too large", err, 1, true)
    assert.equal("before", h.read_file(target))
    assert.same({ "big.jpg", "out.dcm" }, h.listdir(dir))
  end)

  it("a device is written, never replaced (--out /dev/null became a regular file)", function()
    -- our own character device node (1,3 is what /dev/null is), not the machine's
    local null = dir .. "/null"
    local ok, _, _, err = h.run("mknod " .. h.quote(null) .. " c 1 3")
    if not ok then pending("cannot make a device node here: " .. err) return end
    local _, status, _, err2 = dicomkit("create vl_photographic --jpeg " .. h.quote(PHOTO)
      .. " --out " .. h.quote(null))
    assert.equal(0, status, err2)
    local _, _, kind = h.run("stat -c %F " .. h.quote(null))
    assert.equal("character special file\n", kind)
    assert.same({ "null" }, h.listdir(dir))
  end)

  it("a FIFO is written directly, and --out - writes to standard output", function()
    local fifo = dir .. "/pipe"
    assert(h.run("mkfifo " .. h.quote(fifo)))
    local copy = dir .. "/from-fifo.dcm"
    local reader = h.spawn("exec cat " .. h.quote(fifo) .. " > " .. h.quote(copy), dir .. "/cat.log")
    finally(function() h.stop(reader, "KILL") end) -- a reader left waiting if create failed
    local _, status, _, err = dicomkit("create vl_photographic --jpeg " .. h.quote(PHOTO)
      .. " --out " .. h.quote(fifo))
    for _ = 1, 50 do if not h.alive(reader) then break end os.execute("sleep 0.05") end
    assert.equal(0, status, err)
    local _, _, kind = h.run("stat -c %F " .. h.quote(fifo))
    assert.equal("fifo\n", kind)
    local _, dump_err, dumped = h.dcmdump(copy)
    assert.is_true(dumped, dump_err)
    -- standard output, into dcmdump's standard input
    local _, code, out, err2 = h.run(h.quote(h.dicomkit) .. " create vl_photographic --jpeg "
      .. h.quote(PHOTO) .. " --out - | dcmdump -")
    assert.equal(0, code, err2)
    assert.matches("(0008,0016) UI =VLPhotographicImageStorage", out, 1, true)
    assert.matches("-: VL Photographic Image, 227x149", err2, 1, true) -- the summary on stderr
  end)

  it("a symbolic link is followed: its target replaced beside itself, the link kept", function()
    local target = dir .. "/real.dcm"
    h.write_file(target, "old")
    assert(h.run("ln -s real.dcm " .. h.quote(dir .. "/link.dcm")))
    local ds <close> = assert(dk.template("vl_photographic"){ jpeg = PHOTO })
    assert(ds:save(dir .. "/link.dcm"))
    local _, _, kind = h.run("stat -c %F " .. h.quote(dir .. "/link.dcm"))
    assert.equal("symbolic link\n", kind)
    local back <close> = assert(dk.read(target))
    assert.equal(ds.SOPInstanceUID, back.SOPInstanceUID)
    -- a link to a file that does not exist yet makes it
    assert(h.run("ln -s made.dcm " .. h.quote(dir .. "/dangling.dcm")))
    assert(ds:save(dir .. "/dangling.dcm"))
    assert.is_true(h.exists(dir .. "/made.dcm"))
    assert.same({ "dangling.dcm", "link.dcm", "made.dcm", "real.dcm" }, h.listdir(dir))
  end)

  it("a replaced file keeps its permissions; a new one gets the umask's, with no umask changed", function()
    local path = dir .. "/kept.dcm"
    local ds <close> = assert(dk.template("vl_photographic"){ jpeg = PHOTO })
    assert(ds:save(path))
    assert(h.run("chmod 640 " .. h.quote(path)))
    assert(ds:save(path))
    local _, _, mode = h.run("stat -c %a " .. h.quote(path))
    assert.equal("640\n", mode)
    local _, _, modes = h.run("umask 027; " .. h.quote(h.dicomkit) .. " create vl_photographic --jpeg "
      .. h.quote(PHOTO) .. " -q --out " .. h.quote(dir .. "/new.dcm") .. " && stat -c %a "
      .. h.quote(dir .. "/new.dcm"))
    assert.equal("640\n", modes)
  end)
end)

describe("trust: values and casts", function()
  it("command-group and reserved-group elements are refused (accepted into a dataset)", function()
    local ds <close> = dk.dataset()
    assert.error_matches(function() ds:set(0x00000900, "US", 0) end,
      "(0000,0900): command elements (group 0000) belong to DIMSE messages", 1, true)
    assert.error_matches(function() ds:set(0x00030010, "LO", "x") end,
      "PS3.5 7.1 reserves this group", 1, true)
    assert.error_matches(function() ds:set(0xFFFF0010, "LO", "x") end,
      "PS3.5 7.1 reserves this group", 1, true)
    assert.error_matches(function() ds:set(0x00100000, "UL", 4) end, "group lengths", 1, true)
  end)

  it("an IS of 20 digits is out of range, found without overflow (signed overflow in the check)", function()
    local ds <close> = dk.dataset()
    assert.has_error(function() ds.InstanceNumber = "99999999999999999999" end,
      "InstanceNumber (0020,0013): IS value '99999999999999999999' is out of range -2147483648..2147483647 for IS")
    ds.InstanceNumber = "000000042"
    assert.equal(42, ds.InstanceNumber)
  end)

  it("SV 9.25e18 and FL 1e308 are refused, not stored as INT64_MIN and inf", function()
    local ds <close> = dk.dataset()
    assert.error_matches(function() ds:set(0x00291001, "SV", 9.25e18) end,
      "SV value 9.25e+18 is not an integer a SV can hold", 1, true)
    assert.error_matches(function() ds:set(0x00291002, "FL", 1e308) end,
      "FL value 1e+308 is out of range for a 32-bit float", 1, true)
    ds:set(0x00291003, "SV", -9.2e18)
    assert.equal(-9200000000000000000, ds:get(0x00291003))
    ds:set(0x00291004, "FL", math.huge) -- an infinity is a float value, kept as such
    assert.equal(math.huge, ds:get(0x00291004))
  end)

  it("Lua integers are range-checked, never truncated to 32 bits (port 2^32 + 9 connected to 9)", function()
    assert.error_matches(function() dk.connect{ called_ae = "X", port = 2^32 + 9 } end,
      "port must be a whole number from 1 to 65535, got 4294967305", 1, true)
    assert.error_matches(function() dk.connect{ called_ae = "X", port = 104, max_pdu = 2^40 } end,
      "max_pdu must be a whole number", 1, true)
    assert.error_matches(function() dk.connect{ called_ae = "X", port = 104, timeout = 2^32 + 1 } end,
      "timeout must be a whole number from 0 to 86400", 1, true)
    local ds <close> = dk.dataset()
    assert.error_matches(function()
      ds:set_pixels{ rows = 2^32 + 2, columns = 1, data = "\0\0" }
    end, "rows must be a whole number from 1 to 65535", 1, true)
    assert.error_matches(function() dk.dictionary(0x100100010) end, "tag must be an integer from 0 to 0xFFFFFFFF", 1, true)
    assert.error_matches(function() dk.keyword(0x100100010) end, "tag must be an integer from 0 to 0xFFFFFFFF", 1, true)
    assert.error_matches(function() return ds[0x100100010] end, "tag must be an integer from 0 to 0xFFFFFFFF", 1, true)
  end)
end)

describe("trust: pixel import sizes", function()
  local dir
  setup(function() dir = h.tmpdir() end)
  teardown(h.cleanup)

  -- a copy of `src` whose SOF says width x height
  local function forged(src, name, width, height)
    local bytes = h.read_file(src)
    local sof = bytes:find("\255[\192\193\194\201]")
    local patched = bytes:sub(1, sof + 4) .. string.pack(">I2I2", height, width) .. bytes:sub(sof + 9)
    local path = dir .. "/" .. name
    h.write_file(path, patched)
    return path
  end

  it("a SOF of 65500 x 21858 on 29 KB of data is refused before decoding (heap overflow in tjDecompress2)", function()
    local wide = DATA .. "/hostile/wide_65500x21858.jpg"
    local ds <close> = dk.dataset()
    for _, opts in ipairs({ { decode = true, max_pixels = 2^33 }, { max_pixels = 2^33 } }) do
      local report, msg, code = ds:set_pixels(wide, opts)
      assert.is_nil(report)
      assert.equal("EFORMAT", code)
      assert.matches("declares 65500 x 21858 pixels but holds only", msg, 1, true)
    end
    assert.is_nil(ds.Rows)
  end)

  it("a 16384 x 16384 SOF on a 5 KB JPEG: refused in both modes, with little memory (768 MiB zero-filled)", function()
    local fake = forged(PHOTO, "fake.jpg", 16384, 16384)
    for _, mode in ipairs({ "--decode", "" }) do
      local target = dir .. "/fake.dcm"
      local kb, status, err = peak_kb(h.quote(h.dicomkit) .. " create secondary_capture " .. mode
        .. " --jpeg " .. h.quote(fake) .. " --out " .. h.quote(target))
      assert.equal(1, status, err)
      assert.matches("fake.jpg: declares 16384 x 16384 pixels but holds only", err, 1, true)
      assert.is_false(h.exists(target))
      if not sanitizer() then assert.is_true(kb < 100 * 1024, mode .. " peaked at " .. kb .. " KB") end
    end
  end)

  it("an arithmetic-coded SOF of 65535 x 65535 decodes to more than PixelData holds: refused (cast to 32 bits)", function()
    local fake = forged(DATA .. "/jpeg/testimgari.jpg", "ari.jpg", 65535, 65535)
    local ds <close> = dk.dataset()
    local report, msg, code = ds:set_pixels(fake, { decode = true, max_pixels = 2^33 })
    assert.is_nil(report)
    assert.equal("ELIMIT", code)
    assert.matches("65535x65535 with 3 samples decodes to 12884508675 bytes, more than the 4 GiB a "
      .. "PixelData element holds", msg, 1, true)
  end)

  it("a photo turned by EXIF orientation 6 decodes without a second whole-image buffer (1.6 GB for 16383 square)", function()
    if sanitizer() then pending("peak RSS means nothing under AddressSanitizer") return end
    -- 3001 x 2001: not a whole number of MCUs, so the rotation needs a decode
    local src = dir .. "/turned.jpg"
    assert(h.run("/usr/bin/python3 -c \"from PIL import Image; import os; im = "
      .. "Image.frombytes('RGB', (3001, 2001), os.urandom(3001*2001*3)); exif = im.getexif(); "
      .. "exif[0x0112] = 6; im.save('" .. src .. "', quality=90, exif=exif.tobytes())\""))
    local function peak(extra, out)
      local kb, status, err = peak_kb(h.quote(h.dicomkit) .. " create secondary_capture --decode "
        .. extra .. " --jpeg " .. h.quote(src) .. " --out " .. h.quote(dir .. "/" .. out))
      assert.equal(0, status, err)
      return kb
    end
    local upright, as_stored = peak("", "t.dcm"), peak("--keep-orientation", "kept.dcm")
    local native_kb = 3001 * 2001 * 3 // 1024
    -- a second buffer would add the whole image (17 MB) to the peak
    assert.is_true(upright - as_stored < native_kb // 4,
      ("upright %d KB, as stored %d KB, the image %d KB"):format(upright, as_stored, native_kb))
    local back <close> = assert(dk.read(dir .. "/t.dcm"))
    assert.equal(3001, back.Rows)
    assert.equal(2001, back.Columns)
  end)
end)

describe("trust: DICOM JSON and text", function()
  local dir
  setup(function() dir = h.tmpdir() end)
  teardown(h.cleanup)

  local function json_of(path)
    local _, status, out, err = dicomkit("dump --json " .. h.quote(path))
    assert.equal(0, status, err)
    return out
  end

  local function python_json(text)
    local file = dir .. "/out.json"
    h.write_file(file, text)
    return h.pydicom("d = json.load(open(sys.argv[1]))\nprint(json.dumps(d))", file)
  end

  it("repeating groups keep each group: (6000,0010) = 100 and (6002,0010) = 222 ('60000010' twice)", function()
    local path = DATA .. "/hostile/overlays.dcm"
    local doc = python_json(json_of(path))
    assert.same({ vr = "US", Value = { 100 } }, doc["60000010"])
    assert.same({ vr = "US", Value = { 222 } }, doc["60020010"])
    local ds <close> = assert(dk.read(path))
    assert.equal(100, ds.OverlayRows) -- the keyword means the base group
    assert.equal(222, ds[0x60020010])
    local keys = {}
    for key in ds:keys() do keys[#keys + 1] = key end
    assert.is_truthy(table.concat(keys, " "):find("OverlayRows 1610743824", 1, true))
  end)

  it("pydicom's files with group lengths and repeating groups give valid JSON equal to pydicom's", function()
    for _, name in ipairs({ "693_J2KI", "ExplVR_BigEnd", "chrJapMulti", "chrJapMultiExplicitIR6",
                            "chrKoreanMulti" }) do
      local path = pydicom_file(name .. ".dcm")
      local ours = python_json(json_of(path))
      local theirs = h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
d = ds.to_json_dict(bulk_data_element_handler=lambda e: None)
print(json.dumps({k: v for k, v in d.items() if "Value" in v and v["vr"] not in ("OB", "OW", "UN", "OF", "OD", "OL")}))
]], path)
      for tag, element in pairs(theirs) do
        -- PS3.18 F.2.2: group lengths are not in the JSON model (pydicom keeps them); the text
        -- is UTF-8 after reading, so SpecificCharacterSet says ISO_IR 192
        -- private tags take their VR from each library's private dictionary: pydicom's knows more
        if tag:sub(5) == "0000" or tag == "00080005" or tonumber(tag:sub(4, 4), 16) % 2 == 1 then
          goto next
        end
        assert.is_table(ours[tag], name .. " " .. tag)
        assert.equal(element.vr, ours[tag].vr, name .. " " .. tag)
        local a, b = element.Value, ours[tag].Value
        if element.vr == "PN" then
          for i = 1, #a do
            for group, text in pairs(a[i]) do
              assert.equal((text:gsub("[=^]+$", "")), (b[i][group] or ""):gsub("[=^]+$", ""),
                name .. " " .. tag .. " " .. group)
            end
          end
        elseif element.vr ~= "SQ" then
          assert.equal(#a, #b, name .. " " .. tag)
          for i = 1, #a do
            if type(a[i]) == "number" then assert.near(a[i], tonumber(b[i]), 1e-9 * math.abs(a[i]) + 1e-12, name .. " " .. tag)
            else
              -- padding spaces are insignificant (pydicom keeps some inside multi-valued text)
              local trim = function(v) return type(v) == "string" and v:match("^%s*(.-)%s*$") or v end
              assert.equal(trim(a[i]), trim(b[i]), name .. " " .. tag)
            end
          end
        end
        ::next::
      end
    end
  end)

  it("encapsulated PixelData has a value in JSON (left out): its items, base64", function()
    local ds <close> = assert(dk.template("vl_photographic"){ jpeg = PHOTO })
    local doc = python_json(ds:json())
    local pixel = doc["7FE00010"]
    assert.equal("OB", pixel.vr)
    local raw = h.pydicom("import base64\nb = base64.b64decode(sys.argv[1])\nprint(json.dumps([b[:4].hex(), b[-8:].hex(), len(b)]))",
      pixel.InlineBinary)
    assert.equal("feff00e0", raw[1]) -- the first item (the offset table)
    assert.equal("feffdde000000000", raw[2]) -- the sequence delimiter
  end)

  it("ISO 2022 text is decoded as pydicom decodes it (returned undecoded, labelled UTF-8)", function()
    for _, name in ipairs({ "chrH31", "chrH32", "chrJapMulti", "chrJapMultiExplicitIR6", "chrKoreanMulti",
                            "chrI2", "chrX1", "chrX2", "chrArab", "chrFren", "chrGerm", "chrGreek",
                            "chrHbrw", "chrRuss", "chrFrenMulti" }) do
      local path = pydicom_file(name .. ".dcm")
      local theirs = h.pydicom("ds = pydicom.dcmread(sys.argv[1])\nprint(json.dumps(str(ds.PatientName)))", path)
      local ds <close>, notes = assert(dk.read(path))
      assert.is_nil(notes, name)
      assert.equal((theirs:gsub("[=^]+$", "")), (ds.PatientName:gsub("[=^]+$", "")), name)
      assert.equal("ISO_IR 192", ds.SpecificCharacterSet, name)
    end
  end)

  it("text not valid in its character set comes back as U+FFFD with a note, never as bytes", function()
    local path = dir .. "/bad-utf8.dcm"
    local ds <close> = dk.dataset{ SOPClassUID = SC, SOPInstanceUID = dk.uid() }
    assert(ds:save(path))
    -- patch the PatientName bytes to invalid UTF-8 under ISO_IR 192, with pydicom
    h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
ds.SpecificCharacterSet = "ISO_IR 192"
ds.add_new(0x00100010, "PN", b"Bad\xff\xfeName")
ds.save_as(sys.argv[1])
print("{}")]], path)
    local back, notes = assert(dk.read(path))
    assert.equal("Bad\u{FFFD}\u{FFFD}Name", back.PatientName)
    assert.matches("2 bytes in 1 text element were not valid in SpecificCharacterSet 'ISO_IR 192'", notes, 1, true)
    back:close()
    local _, status, _, err = dicomkit("dump " .. h.quote(path))
    assert.equal(0, status)
    assert.matches("warning: .*bad%-utf8%.dcm: 2 bytes", err)
  end)

  it("elements written as UN come back with their dictionary VR and without padding (kept it)", function()
    local path = pydicom_file("rtdose_rle.dcm")
    local ds <close> = assert(dk.read(path))
    local theirs = h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
print(json.dumps([str(ds.PatientID), str(ds.InstanceCreationTime), str(ds.StationName)]))]], path)
    assert.same(theirs, { ds.PatientID, ds.InstanceCreationTime, ds.StationName })
    assert.equal("LO", select(2, ds:get("PatientID")))
  end)

  it("a declared single character set is the one written (UTF-8 labelled Latin-1, read MÃ¼ller)", function()
    for _, order in ipairs({ "--set 'SpecificCharacterSet=ISO_IR 100' --set 'PatientName=Müller^Jürgen'",
                             "--set 'PatientName=Müller^Jürgen' --set 'SpecificCharacterSet=ISO_IR 100'" }) do
      local path = dir .. "/latin.dcm"
      local _, status, _, err = dicomkit("create vl_photographic --jpeg " .. h.quote(PHOTO) .. " "
        .. order .. " --out " .. h.quote(path))
      assert.equal(0, status, err)
      local theirs = h.pydicom("ds = pydicom.dcmread(sys.argv[1])\nprint(json.dumps([str(ds.PatientName), ds.SpecificCharacterSet]))", path)
      assert.same({ "Müller^Jürgen", "ISO_IR 100" }, theirs)
      assert.is_truthy(h.read_file(path):find("M\252ller^J\252rgen", 1, true)) -- Latin-1 bytes
      local back <close> = assert(dk.read(path))
      assert.equal("Müller^Jürgen", back.PatientName)
    end
  end)
end)

describe("trust: the command", function()
  local dir
  setup(function() dir = h.tmpdir() end)
  teardown(h.cleanup)

  it("create's errors end with their message (a stray digit followed every one)", function()
    local _, status, _, err = dicomkit("create vl_photographic --jpeg " .. h.quote(PHOTO)
      .. " --set PatientBirthDate=1980-02-29 --out " .. h.quote(dir .. "/x.dcm"))
    assert.equal(2, status)
    assert.matches("PatientBirthDate (0010,0030): DA value '1980-02-29' is not a date YYYYMMDD\n", err, 1, true)
    local _, status2, _, err2 = dicomkit("create vl_photographic --jpeg " .. h.quote(dir .. "/none.jpg")
      .. " --out " .. h.quote(dir .. "/x.dcm"))
    assert.equal(1, status2)
    assert.equal("dicomkit: " .. dir .. "/none.jpg: No such file or directory\n", err2)
  end)

  it("--set Rows=5 is refused: the pixel import sets it (wrote an object pydicom could not decode)", function()
    local out = dir .. "/rows.dcm"
    local _, status, _, err = dicomkit("create vl_photographic --jpeg " .. h.quote(PHOTO)
      .. " --set Rows=5 --out " .. h.quote(out))
    assert.equal(2, status)
    assert.matches("Rows is set by the pixel import from the image itself; it cannot be given", err, 1, true)
    assert.is_false(h.exists(out))
    -- and an object whose Rows was changed afterwards fails validation, dicomkit's own too
    local ds <close> = assert(dk.template("vl_photographic"){ jpeg = PHOTO })
    ds.Rows = 5
    assert(ds:save(out))
    local _, vstatus, vout = dicomkit("validate --no-dciodvfy " .. h.quote(out))
    assert.equal(1, vstatus)
    assert.matches("error: Rows and Columns say 227x5 but the JPEG frame is 227x149", vout, 1, true)
    local native <close> = assert(dk.template("secondary_capture"){ jpeg = PHOTO, decode = true })
    native.Rows = 5
    local findings = dk.validate(native)
    assert.equal("error", findings[#findings].severity)
    assert.matches("PixelData holds 101470 bytes; Rows 5 x Columns 227", findings[#findings].message, 1, true)
  end)

  it("--jpeg given twice drops neither (it once kept only the last): two frames, or a refusal", function()
    -- a single-frame IOD says so, and writes nothing
    local _, status, _, err = dicomkit("create vl_photographic --jpeg " .. h.quote(PHOTO)
      .. " --jpeg " .. h.quote(PHOTO) .. " --out " .. h.quote(dir .. "/two.dcm"))
    assert.equal(1, status)
    assert.matches("VL Photographic Image takes one frame, not 2", err, 1, true)
    assert.is_false(h.exists(dir .. "/two.dcm"))
    -- Secondary Capture takes both, as frames
    local out
    _, status, out, err = dicomkit("create secondary_capture --jpeg " .. h.quote(PHOTO)
      .. " --jpeg " .. h.quote(PHOTO) .. " --out " .. h.quote(dir .. "/two.dcm"))
    assert.equal(0, status, err)
    assert.matches("2 frames", out, 1, true)
    local ds <close> = assert(dk.read(dir .. "/two.dcm"))
    assert.equal(2, tonumber(ds.NumberOfFrames))
    -- raw pixels make one frame: twice is still a usage error
    _, status, _, err = dicomkit("create secondary_capture --raw x --raw y --rows 1 --columns 1 --out "
      .. h.quote(dir .. "/raw.dcm"))
    assert.equal(2, status)
    assert.matches("--raw is given 2 times: raw pixels make one frame", err, 1, true)
  end)

  it("validate never says ok for what it did not check (unknown SOP Class; no dciodvfy)", function()
    -- a SOP Class of a private root: no IOD tables can know it
    local ct = dir .. "/private.dcm"
    local ds <close> = dk.dataset{ SOPClassUID = "1.2.826.0.1.3680043.9999.1", SOPInstanceUID = dk.uid() }
    assert(ds:save(ct))
    local _, status, out = dicomkit("validate --no-dciodvfy " .. h.quote(ct))
    assert.equal(1, status)
    assert.matches(ct .. ": SOPClassUID: error: no IOD tables for SOP Class 1.2.826.0.1.3680043.9999.1", out, 1, true)
    assert.matches(ct .. ": FAILED (no IOD; 1 error, 0 warnings; checked by dicomkit only)", out, 1, true)
    -- a CT Image is checked by its own tables now, and this one is far from complete
    local ct2 = dir .. "/ct.dcm"
    local ctds <close> = dk.dataset{ SOPClassUID = "1.2.840.10008.5.1.4.1.1.2", SOPInstanceUID = dk.uid() }
    assert(ctds:save(ct2))
    local _, status1, out1 = dicomkit("validate --no-dciodvfy " .. h.quote(ct2))
    assert.equal(1, status1)
    assert.matches(ct2 .. ": StudyInstanceUID: error: Type 1 attribute is missing [GeneralStudy]", out1, 1, true)
    assert.matches(ct2 .. ": FAILED (CT Image; ", out1, 1, true)
    -- without dciodvfy on PATH, the command says so (build/dicomkit runs lua5.4 by its full path)
    local good = dir .. "/good.dcm"
    local obj <close> = assert(dk.template("vl_photographic"){ jpeg = PHOTO })
    assert(obj:save(good))
    local _, status2, out2, err2 = h.run("PATH=/nonexistent " .. h.quote(h.dicomkit) .. " validate " .. h.quote(good))
    assert.equal(0, status2, err2)
    assert.matches(good .. ": ok (VL Photographic Image; 0 errors, 1 warning; checked by dicomkit only: dciodvfy not found)",
      out2, 1, true)
    assert.matches("warning: dciodvfy was not found (Debian package dicom3tools): only dicomkit's own checks ran", err2, 1, true)
  end)

  it("send needs the peer's AE title (127.0.0.1:104 went to ANY-SCP)", function()
    local _, status, _, err = dicomkit("send 127.0.0.1:104 " .. h.quote(PHOTO))
    assert.equal(2, status)
    assert.matches("peer must be AET@HOST:PORT with the peer's AE title, got '127.0.0.1:104'", err, 1, true)
  end)
end)

describe("trust: the Lua API's contract", function()
  it("dk.send reports a closed dataset as not sent, and goes on (raised)", function()
    local closed = dk.dataset{ SOPClassUID = SC, SOPInstanceUID = dk.uid() }
    closed:close()
    local results, summary = dk.send({ closed }, { called_ae = "NOBODY", port = 1 })
    assert.same({ total = 1, stored = 0, warnings = 0, failed = 0, not_sent = 1 }, summary)
    assert.is_false(results[1].sent)
    assert.equal("EINVAL", results[1].error)
    assert.matches("attempt to use a closed dataset", results[1].message, 1, true)
  end)

  it("ds:keys() reads no value: PixelData is not copied (pairs, behind completion, copied it)", function()
    local ds <close> = assert(dk.template("secondary_capture"){ jpeg = PHOTO, decode = true })
    ds:set(0x00291010, "OB", ("z"):rep(20 * 1024 * 1024))
    collectgarbage()
    local before = collectgarbage("count")
    local seen = {}
    for key, vr in ds:keys() do seen[#seen + 1] = key .. ":" .. vr end
    local grew = collectgarbage("count") - before
    assert.is_true(grew < 1024, ("keys() allocated %.0f KB"):format(grew))
    assert.is_truthy(table.concat(seen, " "):find("PixelData:OB", 1, true))
    assert.is_truthy(table.concat(seen, " "):find(("%d:OB"):format(0x00291010), 1, true))
  end)
end)

describe("trust: command options that had no spec", function()
  local dir, spy, turned
  setup(function()
    dir = h.tmpdir()
    -- a photo with EXIF (camera make and a GPS position) and orientation 6, 64 x 48: whole MCUs
    spy = dir .. "/spy.jpg"
    assert(h.run("/usr/bin/python3 -c \"from PIL import Image; im = Image.new('RGB', (64, 48), (200, 30, 40)); "
      .. "exif = im.getexif(); exif[0x010F] = 'SpyCam'; exif[0x0112] = 6; "
      .. "exif[0x8825] = {1: 'N', 2: (47.0, 22.0, 30.0)}; im.save('" .. spy .. "', quality=90, exif=exif.tobytes())\""))
    turned = spy
  end)
  teardown(h.cleanup)

  local function create(args)
    local out = dir .. "/o.dcm"
    os.remove(out)
    local _, status, stdout, err = dicomkit("create " .. args .. " --out " .. h.quote(out))
    assert.equal(0, status, err)
    return out, stdout
  end

  local function attributes(path, ...)
    return h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
out = {"ts": str(ds.file_meta.TransferSyntaxUID)}
for k in sys.argv[2:]:
    v = ds.get(k)
    out[k] = None if v is None else (str(v) if not isinstance(v, (int, float)) else v)
print(json.dumps(out))]], path, ...)
  end

  it("create --decode writes native RGB in Explicit VR Little Endian", function()
    local out = create("vl_photographic --decode --jpeg " .. h.quote(PHOTO))
    local a = attributes(out, "PhotometricInterpretation", "Rows", "Columns")
    assert.same({ ts = "1.2.840.10008.1.2.1", PhotometricInterpretation = "RGB", Rows = 149, Columns = 227 }, a)
  end)

  it("create --keep-markers keeps the EXIF (GPS included) that is stripped by default", function()
    local stripped = h.read_file(create("vl_photographic --no-exif --jpeg " .. h.quote(spy)))
    assert.is_nil(stripped:find("SpyCam", 1, true))
    assert.is_nil(stripped:find("Exif\0\0", 1, true))
    -- by default the camera's make is the Manufacturer, the EXIF segment still goes
    stripped = h.read_file(create("vl_photographic --jpeg " .. h.quote(spy)))
    assert.is_truthy(stripped:find("SpyCam", 1, true))
    assert.is_nil(stripped:find("Exif\0\0", 1, true))
    local kept = h.read_file(create("vl_photographic --keep-markers --jpeg " .. h.quote(spy)))
    assert.is_truthy(kept:find("SpyCam", 1, true))
    assert.is_truthy(kept:find("Exif\0\0", 1, true))
  end)

  it("create --keep-orientation stores the pixels as they are (orientation 6 is applied by default)", function()
    local upright = attributes(create("vl_photographic --jpeg " .. h.quote(turned)), "Rows", "Columns")
    assert.same({ 64, 48 }, { upright.Rows, upright.Columns })
    local kept = attributes(create("vl_photographic --keep-orientation --jpeg " .. h.quote(turned)), "Rows", "Columns")
    assert.same({ 48, 64 }, { kept.Rows, kept.Columns })
  end)

  it("create --implicit writes Implicit VR Little Endian, and refuses it for JPEG pass-through", function()
    local out = create("secondary_capture --decode --implicit --jpeg " .. h.quote(PHOTO))
    assert.equal("1.2.840.10008.1.2", attributes(out).ts)
    local _, status, _, err = dicomkit("create secondary_capture --implicit --jpeg " .. h.quote(PHOTO)
      .. " --out " .. h.quote(dir .. "/no.dcm"))
    assert.equal(1, status)
    assert.matches("cannot be written as Little Endian Implicit without re-encoding", err, 1, true)
    assert.is_false(h.exists(dir .. "/no.dcm"))
  end)

  it("create --raw with --samples 3 and --bits 16 makes what pydicom reads back", function()
    local raw = dir .. "/pix.raw"
    h.write_file(raw, string.pack("<" .. ("I2"):rep(18), table.unpack({ 0, 1, 2, 3, 4, 5, 600, 700, 800,
      900, 1000, 1100, 65535, 0, 1, 2, 3, 4 })))
    local out = create("secondary_capture --raw " .. h.quote(raw) .. " --rows 2 --columns 3 --samples 3 --bits 16")
    local a = attributes(out, "SamplesPerPixel", "BitsAllocated", "PhotometricInterpretation")
    assert.same({ ts = "1.2.840.10008.1.2.1", SamplesPerPixel = 3, BitsAllocated = 16, PhotometricInterpretation = "RGB" }, a)
    local pixels = h.pydicom("ds = pydicom.dcmread(sys.argv[1])\nprint(json.dumps(ds.pixel_array.flatten().tolist()))", out)
    assert.same({ 0, 1, 2, 3, 4, 5, 600, 700, 800, 900, 1000, 1100, 65535, 0, 1, 2, 3, 4 }, pixels)
  end)

  it("create -q prints nothing on success", function()
    local _, stdout = create("vl_photographic -q --jpeg " .. h.quote(PHOTO))
    assert.equal("", stdout)
    local _, said = create("vl_photographic --jpeg " .. h.quote(PHOTO))
    assert.matches("VL Photographic Image, 227x149 YBR_FULL_422, passthrough", said, 1, true)
  end)

  it("uid --from with -n is a usage error (one text, one UID)", function()
    local _, status, _, err = dicomkit("uid --from patient-7 -n 3")
    assert.equal(2, status)
    assert.matches("--from makes one UID; drop --count", err, 1, true)
  end)
end)

describe("trust: a Lua session under valgrind memcheck #valgrind", function()
  local dir
  setup(function() dir = h.tmpdir() end)
  teardown(h.cleanup)

  it("create, save, read, dump, JSON and a send to storescp lose no memory and touch none badly", function()
    if sanitizer() then pending("valgrind does not run under AddressSanitizer") return end
    local scp = h.start_storescp()
    local script = dir .. "/session.lua"
    h.write_file(script, [[
local dk = require "dicomkit"
local photo, dir, port = ...
local ds = assert(dk.template("vl_photographic"){ jpeg = photo, PatientName = "Müller^Jürgen",
  acquisition_context = { { concept = { "111029", "DCM", "Image Quality Rating" }, text = "good" } } })
assert(ds:save(dir .. "/a.dcm"))
local decoded = assert(dk.template("secondary_capture"){ jpeg = photo, decode = true })
assert(decoded:save(dir .. "/b.dcm", { transfer_syntax = "implicit" }))
local back = assert(dk.read(dir .. "/a.dcm"))
assert(#tostring(back) > 100 and #back:json() > 100)
for _ in back:keys() do end
for _, v in pairs(back) do local _ = v end
local results, summary = dk.send({ ds, dir .. "/b.dcm" }, { called_ae = "STORESCP", port = tonumber(port) })
assert(results and summary.stored == 2, "stored " .. tostring(summary and summary.stored))
local bad = dk.read(dir .. "/missing.dcm")
assert(bad == nil)
ds:close()
decoded = nil
back = nil
collectgarbage()
print("session done")
]])
    local stage = h.build .. "/lua"
    local cmd = "valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect "
      .. "--error-exitcode=99 --suppressions=" .. h.quote(h.source .. "/spec/support/valgrind.supp")
      .. " lua5.4 -e " .. h.quote("package.path='" .. stage .. "/?.lua;" .. stage .. "/?/init.lua;'..package.path;"
      .. "package.cpath='" .. stage .. "/?.so;'..package.cpath") .. " " .. h.quote(script) .. " "
      .. h.quote(PHOTO) .. " " .. h.quote(dir) .. " " .. scp.port
    local ok, status, out, err = h.run(cmd)
    scp.stop()
    assert.equal(0, status, err)
    assert.is_true(ok)
    assert.matches("session done", out, 1, true)
    assert.is_nil(err:match("definitely lost: [1-9]"), err)
    assert.is_nil(err:match("Invalid read") or err:match("Invalid write"), err)
  end)
end)
