-- One process against thousands of hostile inputs: mutated DICOM files (truncated, bit-flipped,
-- lengths made huge, deep nesting, many elements) and mutated JPEGs, each read or imported and,
-- when accepted, walked, dumped, written as JSON, validated and saved. What a user relies on:
-- no crash, no hang, no file left behind, memory that does not grow with the count, and time
-- that grows with it only linearly. The work runs in a child `dicomkit` process so that a crash
-- is seen as its exit status, not as the end of the spec runner.
local h = require "helpers"

local HOSTILE = h.source .. "/spec/support/hostile.py"
local PHOTO = h.source .. "/spec/data/jpeg/testorig.jpg"

local function sanitizer() return os.getenv("DICOMKIT_SANITIZE") == "1" end

-- The child: mutates the seeds in memory, tries each mutant, reports counts, RSS and times.
local STRESS = [==[
local dk = require "dicomkit"
local kind, count, dir = arg[1], tonumber(arg[2]), arg[3]
-- seeds named with a leading '@' are heavy (100,000 elements, 10,000 levels): each is tried as
-- it is and as a few mutants, the light ones make up the count
local seeds, heavy = {}, {}
for i = 4, #arg do
  local name = arg[i]:gsub("^@", "")
  local f = assert(io.open(name, "rb"))
  local list = arg[i]:sub(1, 1) == "@" and heavy or seeds
  list[#list + 1] = f:read("a")
  f:close()
end
math.randomseed(20261125)

local function rss_kb()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then return tonumber(kb) end
  end
end

-- one mutant of `s`: several of the things a broken disk, a bad network or an attacker does
local function mutate(s)
  local n = #s
  local how = math.random(6)
  if how == 1 then                                 -- truncated
    return s:sub(1, math.random(0, n))
  elseif how == 2 then                             -- bits flipped
    for _ = 1, math.random(1, 8) do
      local i = math.random(n)
      s = s:sub(1, i - 1) .. string.char(s:byte(i) ~ (1 << math.random(0, 7))) .. s:sub(i + 1)
    end
    return s
  elseif how == 3 then                             -- a 32-bit field made huge
    local i = math.random(1, math.max(1, n - 4))
    return s:sub(1, i - 1) .. string.pack("<I4", math.random(0x7FFFFFF0, 0xFFFFFFFF)) .. s:sub(i + 4)
  elseif how == 4 then                             -- a 16-bit field (a JPEG length, a SOF size) changed
    local i = math.random(1, math.max(1, n - 2))
    return s:sub(1, i - 1) .. string.pack(">I2", math.random(0, 0xFFFF)) .. s:sub(i + 2)
  elseif how == 5 then                             -- a stretch repeated
    local i = math.random(n)
    local j = math.min(n, i + math.random(1, 64))
    return s:sub(1, j) .. s:sub(i, j):rep(math.random(2, 50)) .. s:sub(j + 1)
  else                                             -- a stretch cut out
    local i = math.random(n)
    return s:sub(1, i) .. s:sub(i + math.random(1, 256))
  end
end

local target = dir .. "/out.dcm"
local file = dir .. "/in.bin"
local accepted, refused, codes = 0, 0, {}
local rss, t0 = {}, os.clock()
local half_time
local plan = {}
for _, seed in ipairs(heavy) do
  plan[#plan + 1] = seed
  for _ = 1, 3 do plan[#plan + 1] = mutate(seed) end
end
for _, seed in ipairs(seeds) do plan[#plan + 1] = seed end
for i = 1, count do
  local bytes = plan[i] or mutate(seeds[(i - 1) % #seeds + 1])
  local ds, msg, code
  if kind == "dicom" then
    local f = assert(io.open(file, "wb"))
    f:write(bytes)
    f:close()
    ds, msg, code = dk.read(file)
    if ds then
      local _ = tostring(ds), ds:json(), dk.validate(ds)
      for _, v in pairs(ds) do local _ = v end
    end
  else
    ds = dk.dataset()
    local report
    report, msg, code = ds:set_pixels({ bytes = bytes, name = "mutant" }, { decode = i % 2 == 0, max_pixels = 4000000 })
    if not report then ds:close() ds = nil end
  end
  if ds then
    accepted = accepted + 1
    -- what was read may hold values the setters refuse (a mutated UID): saving it is tried
    -- with its own identity when it has one, a new one otherwise
    pcall(function()
      if not ds.SOPClassUID then ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7" end
      ds.SOPInstanceUID = dk.uid()
    end)
    local ok, saved = pcall(ds.save, ds, target)
    if ok and saved then os.remove(target) end
    ds:close()
  else
    refused = refused + 1
    assert(type(msg) == "string" and #msg > 0, "a refusal without a message")
    codes[code] = (codes[code] or 0) + 1
  end
  if i % (count // 10) == 0 then
    collectgarbage()
    rss[#rss + 1] = rss_kb()
  end
  if i == count // 2 then half_time = os.clock() - t0 end
end
local total = os.clock() - t0
local names = {}
for k, v in pairs(codes) do names[#names + 1] = k .. "=" .. v end
table.sort(names)
print(("accepted=%d refused=%d codes=%s"):format(accepted, refused, table.concat(names, ",")))
print(("rss=%s"):format(table.concat(rss, ",")))
print(("first_half=%.3f second_half=%.3f"):format(half_time, total - half_time))
]==]

describe("hostile inputs, thousands in one process #hostile", function()
  local dir, seeds_dir
  lazy_setup(function()
    dir = h.tmpdir()
    seeds_dir = h.tmpdir()
    h.write_file(dir .. "/stress.lua", STRESS)
  end)
  lazy_teardown(h.cleanup)

  -- Run the child; returns its report.
  local function stress(kind, count, seeds)
    local work = h.tmpdir()
    local args = {}
    for _, s in ipairs(seeds) do args[#args + 1] = h.quote(s) end
    local ok, status, out, err = h.run("timeout 900 " .. h.quote(h.dicomkit) .. " " .. h.quote(dir .. "/stress.lua")
      .. " " .. kind .. " " .. count .. " " .. h.quote(work) .. " " .. table.concat(args, " "))
    assert.is_true(ok, ("the child ended with status %s:\n%s"):format(tostring(status), err:sub(-3000)))
    local report = {
      accepted = tonumber(out:match("accepted=(%d+)")), refused = tonumber(out:match("refused=(%d+)")),
      codes = out:match("codes=(%S*)"), rss = {}, first = tonumber(out:match("first_half=([%d.]+)")),
      second = tonumber(out:match("second_half=([%d.]+)")), leftovers = h.listdir(work),
    }
    for kb in (out:match("rss=(%S+)") or ""):gmatch("%d+") do report.rss[#report.rss + 1] = tonumber(kb) end
    return report
  end

  local function assert_bounded(report, what)
    -- nothing but the input the child wrote itself: no object, no temporary file
    for _, name in ipairs(report.leftovers) do
      assert.equal("in.bin", name, what .. ": a file was left behind")
    end
    -- memory: what it holds after the second tenth is what it holds at the end (under the
    -- sanitizers, whose quarantine keeps freed memory resident, LeakSanitizer judges instead)
    local second, last = report.rss[2], report.rss[#report.rss]
    assert.is_true(sanitizer() or last - second < 30 * 1024,
      ("%s: RSS grew from %d KB to %d KB"):format(what, second, last))
    -- time: the second half costs about what the first did (no growth with the count)
    assert.is_true(report.second < 2.5 * report.first + 1,
      ("%s: first half %.2f s, second half %.2f s"):format(what, report.first, report.second))
  end

  it("10,000 mutated DICOM files, hostile ones among the seeds", function()
    local seeds = {}
    local function seed(name) seeds[#seeds + 1] = seeds_dir .. "/" .. name return seeds[#seeds] end
    local dk = require "dicomkit"
    local photo <close> = assert(dk.template("vl_photographic"){ jpeg = PHOTO,
      acquisition_context = { { concept = { "111029", "DCM", "Image Quality Rating" }, text = "ok" } } })
    assert(photo:save(seed("photo.dcm")))
    local native <close> = assert(dk.template("secondary_capture"){ jpeg = PHOTO, decode = true })
    assert(native:save(seed("implicit.dcm"), { transfer_syntax = "implicit" }))
    for _, kind in ipairs({ { "nesting", 10000, "@" }, { "elements", 100000, "@" }, { "items", 2000 },
                            { "fragments", 2000 }, { "hugelen" }, { "deflate", 4 }, { "nesting", 40 } }) do
      local path = seed(kind[1] .. (kind[2] or "") .. ".dcm")
      assert(h.run("/usr/bin/python3 " .. h.quote(HOSTILE) .. " " .. kind[1] .. " "
        .. h.quote(path) .. (kind[2] and (" " .. kind[2]) or "")))
      if kind[3] then seeds[#seeds] = "@" .. path end
    end
    for _, name in ipairs({ "rtplan.dcm", "MR_small_bigendian.dcm", "JPEG-lossy.dcm", "no_meta.dcm",
                            "image_dfl.dcm", "nested_priv_SQ.dcm", "UN_sequence.dcm" }) do
      local path = "/usr/lib/python3/dist-packages/pydicom/data/test_files/" .. name
      if h.exists(path) then seeds[#seeds + 1] = path end
    end
    local count = sanitizer() and 2000 or 10000
    local report = stress("dicom", count, seeds)
    assert.equal(count, report.accepted + report.refused)
    assert.is_true(report.accepted > 0 and report.refused > 0, report.codes)
    assert_bounded(report, "DICOM")
  end)

  it("10,000 mutated JPEGs imported, kept and decoded", function()
    local seeds = {}
    for _, name in ipairs({ "testorig.jpg", "testimgint.jpg", "testimgari.jpg", "monkey12.jpg" }) do
      seeds[#seeds + 1] = h.source .. "/spec/data/jpeg/" .. name
    end
    -- a progressive one and one with EXIF orientation and an ICC profile
    local extra = seeds_dir .. "/prog.jpg"
    assert(h.run("djpeg " .. h.quote(PHOTO) .. " | cjpeg -progressive > " .. h.quote(extra)))
    seeds[#seeds + 1] = extra
    local count = sanitizer() and 2000 or 10000
    local report = stress("jpeg", count, seeds)
    assert.equal(count, report.accepted + report.refused)
    assert.is_true(report.accepted > 0 and report.refused > 0, report.codes)
    assert_bounded(report, "JPEG")
  end)
end)
