-- Pixels from photos: what dicomkit stores from a JPEG (kept as JPEG Baseline or decoded) is
-- what the photo holds, byte for byte or pixel for pixel, as pydicom, PIL, djpeg, dcmtk and
-- dicom3tools see it; a photo's private metadata does not follow it into the object; bad
-- inputs are refused with a message that says which file and why, and leave no file.
--
-- Every JPEG is made at run time by spec/oracles/make_jpegs.py (cjpeg, jpegtran, wrjpgcom,
-- PIL); spec/oracles/check_pixels.py reads the objects back with pydicom and compares them
-- with djpeg's and PIL's decodes of the source and with dcmtk's dcmj2pnm rendering.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"
local json = require "dkjson"

local ORACLES = h.source .. "/spec/oracles/"
local DATA = h.source .. "/spec/data/jpeg/"
local TS_JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
local TS_EXPLICIT_LE = "1.2.840.10008.1.2.1"

local TEMPLATES = {
  vl_photographic = { iod = "VLPhotographicImage" },
  secondary_capture = { iod = "SCImage" },
}
local TEMPLATE_NAMES = { "vl_photographic", "secondary_capture" }

-- Run one of our Python oracles under Debian's python3; returns its JSON answer.
local function oracle(script, args, input)
  local cmd = "/usr/bin/python3 " .. h.quote(ORACLES .. script)
  for _, a in ipairs(args or {}) do cmd = cmd .. " " .. h.quote(a) end
  local ok, _, out, err = h.run(cmd, input)
  assert(ok, script .. " failed: " .. err)
  local value, _, msg = h.json_decode(out)
  assert(value ~= nil, script .. " printed no JSON: " .. tostring(msg) .. "\n" .. out)
  return value
end

-- pydicom, PIL, djpeg and dcmj2pnm on a batch of objects (one Python start for all).
local function check(jobs)
  local results = oracle("check_pixels.py", {}, json.encode(jobs))
  for i, r in ipairs(results) do
    assert(r.oracle_error == nil, jobs[i].dicom .. ": " .. tostring(r.oracle_error))
  end
  return results
end

-- dicom3tools' verdict on the IOD ("Error" lines) and dcmdump's complaints (stderr).
local function assert_valid(path, template, what)
  dciodvfy.accepts(path, TEMPLATES[template].iod, what)
  local _, dump_err, ok = h.dcmdump(path)
  assert(ok, what .. ": dcmdump failed")
  assert.equal("", dump_err, what .. ": dcmdump printed on stderr")
end

local function hex_decode(s)
  return (s:gsub("%x%x", function(b) return string.char(tonumber(b, 16)) end))
end

local function contains(haystack, needle)
  return haystack:find(needle, 1, true) ~= nil
end

-- A script for the `dicomkit` command that saves only when the import succeeded:
-- dicomkit convert.lua TEMPLATE JPEG OUT [decode] [MAX_PIXELS]
-- The template is asked for a dataset and, whatever it answers, the script tries to save what it
-- got: a failed import must leave nothing that could be saved, so "no file" is dicomkit's doing
-- and not the script's.
local CONVERT = [[
local template, jpeg, out, decode, max_pixels = ...
local ds, report_or_msg, code = dk.template(template){
  jpeg = jpeg, decode = decode == "decode", max_pixels = tonumber(max_pixels),
}
if ds then assert(ds:save(out)) end
if not ds then
  -- nothing to save: the template returned no dataset at all (and a dataset made anyway, as
  -- a user might, has no pixels and is refused by the writer)
  local empty = dk.dataset{ SOPClassUID = "1.2.840.10008.5.1.4.1.1.7" }
  pcall(empty.save, empty, out)
  io.stderr:write(report_or_msg, "\n")
  io.stdout:write(code, "\n")
  os.exit(3)
end
io.stdout:write(report_or_msg.mode, "\n")
]]

describe("JPEG import #pixels", function()
  local inputs, dir, out

  lazy_setup(function()
    dir = h.tmpdir()
    out = h.tmpdir()
    inputs = oracle("make_jpegs.py", { DATA, dir })
    h.write_file(out .. "/convert.lua", CONVERT)
  end)
  lazy_teardown(h.cleanup)

  local counter = 0
  -- Make an object from inputs[name] with the template; returns the report and the saved
  -- path, or nil, message, code.
  local function make(name, template, opts)
    local params = { jpeg = inputs[name] and inputs[name].path or name }
    for k, v in pairs(opts or {}) do params[k] = v end
    local ds, report, code = dk.template(template)(params)
    if not ds then return nil, report, code end
    counter = counter + 1
    local path = ("%s/%d-%s-%s.dcm"):format(out, counter, template, (name:gsub("%W", "_")))
    assert(ds:save(path))
    ds:close()
    return report, path
  end

  -- The same photo through both templates, kept and decoded; every object is checked by
  -- dciodvfy and dcmdump, then by the pixel oracle; returns results[template][mode].
  local function convert_all(name, orientation, modes)
    -- where[i] is the result table of job i: filled through it, read through results
    local results, jobs, where = {}, {}, {} -- luacheck: ignore 241
    for _, template in ipairs(TEMPLATE_NAMES) do
      results[template] = {}
      for _, mode in ipairs(modes or { "passthrough", "decode" }) do
        local report, path = make(name, template, { decode = mode == "decode" })
        assert(report, ("%s via %s (%s): %s"):format(name, template, mode, tostring(path)))
        local what = ("%s via %s (%s)"):format(name, template, mode)
        assert_valid(path, template, what)
        results[template][mode] = { report = report, path = path, what = what }
        jobs[#jobs + 1] = { dicom = path, source = inputs[name].path,
                            orientation = orientation or 0, png = true }
        where[#jobs] = results[template][mode]
      end
    end
    for i, r in ipairs(check(jobs)) do
      where[i].oracle = r
      -- the oracles agree among themselves: PIL and djpeg both are libjpeg-turbo
      assert.is_true(r.pil_equals_djpeg, "PIL and djpeg disagree on " .. name)
      if orientation and orientation > 1 then
        assert.is_true(r.transpose_matches_exif_transpose, "oracle's transpose for " .. name)
      end
    end
    return results
  end

  local function assert_lossy_marked(r, what)
    assert.equal("01", r.LossyImageCompression, what)
    assert.equal("ISO_10918_1", r.LossyImageCompressionMethod, what)
    assert.is_true(r.LossyImageCompressionRatio > 1, what .. ": LossyImageCompressionRatio")
  end

  -- dcmtk renders the object like djpeg renders the photo (dcmtk has its own JPEG decoder)
  local function assert_dcmtk_renders(r, what)
    assert.equal(0, r.dcmj2pnm_status, what .. ": dcmj2pnm: " .. tostring(r.dcmj2pnm_stderr))
    assert.is_true(r.png_vs_djpeg.same_shape, what .. ": dcmj2pnm's PNG has another size")
    assert.is_true(r.png_vs_djpeg.mean < 3, what .. ": dcmj2pnm's PNG differs, mean "
      .. tostring(r.png_vs_djpeg.mean))
  end

  -- Kept as JPEG Baseline: the photo's entropy-coded data, unchanged, in one even fragment
  -- after an empty Basic Offset Table; pydicom decodes exactly what PIL/djpeg decode.
  local function assert_passthrough(res, photometric)
    local rep, r, what = res.report, res.oracle, res.what
    assert.equal("passthrough", rep.mode, what)
    assert.equal(photometric, rep.photometric, what)
    assert.equal(TS_JPEG_BASELINE, rep.transfer_syntax, what)
    assert.equal(TS_JPEG_BASELINE, r.transfer_syntax, what)
    assert.equal(photometric, r.PhotometricInterpretation, what)
    assert.is_true(r.bot_item_empty, what .. ": Basic Offset Table item not empty")
    assert.is_true(r.fragments_even, what .. ": odd fragment length")
    assert.is_true(r.frame_starts_with_soi and r.frame_ends_with_eoi, what .. ": frame is no JPEG")
    assert.is_true(r.ecs_equal, what .. ": entropy-coded data differs from the source's")
    local cmp = photometric:match("^YBR") and r.pixels_vs_source_ycbcr or r.pixels_vs_djpeg
    assert.is_true(cmp.same_shape, what .. ": pixel array has another shape")
    assert.equal(0, cmp.max, what .. ": pixels differ from the source's decode")
    assert_lossy_marked(r, what)
    assert_dcmtk_renders(r, what)
  end

  -- Decoded: native pixels equal to djpeg's decode (turned upright when oriented)
  local function assert_decoded(res, photometric, reason)
    local rep, r, what = res.report, res.oracle, res.what
    assert.equal("decoded", rep.mode, what)
    assert.equal(photometric, rep.photometric, what)
    if reason then assert.matches(reason, rep.reason or "", 1, true) end
    assert.equal(TS_EXPLICIT_LE, rep.transfer_syntax, what)
    assert.equal(TS_EXPLICIT_LE, r.transfer_syntax, what)
    assert.equal(photometric, r.PhotometricInterpretation, what)
    assert.is_true(r.pixels_vs_djpeg.same_shape, what .. ": pixel array has another shape")
    assert.equal(0, r.pixels_vs_djpeg.max, what .. ": pixels differ from djpeg's decode")
    assert_lossy_marked(r, what)
    assert_dcmtk_renders(r, what)
  end

  describe("a valid object from every kind of photo, in both templates", function()
    for _, case in ipairs({
      { file = "c420.jpg", sampling = "4:2:0" },
      { file = "c422.jpg", sampling = "4:2:2" },
      { file = "c444.jpg", sampling = "4:4:4" },
    }) do
      it("colour " .. case.sampling .. ": YBR_FULL_422 kept as it is, RGB decoded", function()
        local info = assert(dk.jpeg(inputs[case.file].path))
        assert.equal("YCbCr", info.colorspace)
        assert.equal(case.sampling, info.sampling)
        assert.is_true(info.baseline)
        local results = convert_all(case.file)
        for _, template in ipairs(TEMPLATE_NAMES) do
          assert_passthrough(results[template].passthrough, "YBR_FULL_422")
          assert_decoded(results[template].decode, "RGB", "decoding was asked for")
          assert.equal(149, results[template].passthrough.oracle.Rows)
          assert.equal(227, results[template].passthrough.oracle.Columns)
        end
      end)
    end

    it("grey: MONOCHROME2 kept and decoded", function()
      local info = assert(dk.jpeg(inputs["grey.jpg"].path))
      assert.equal("GRAY", info.colorspace)
      assert.equal(1, info.components)
      local results = convert_all("grey.jpg")
      for _, template in ipairs(TEMPLATE_NAMES) do
        assert_passthrough(results[template].passthrough, "MONOCHROME2")
        assert_decoded(results[template].decode, "MONOCHROME2")
        assert.equal(1, results[template].passthrough.oracle.SamplesPerPixel)
      end
    end)

    it("RGB-coded: kept as RGB in Secondary Capture, decoded for VL Photographic", function()
      local info = assert(dk.jpeg(inputs["rgb.jpg"].path))
      assert.equal("RGB", info.colorspace)
      local results = convert_all("rgb.jpg")
      assert_passthrough(results.secondary_capture.passthrough, "RGB")
      -- VL Photographic allows JPEG Baseline only as YBR_FULL_422: decoded, and it says why
      local vl = results.vl_photographic.passthrough
      assert_decoded(vl, "RGB")
      assert.matches("RGB", vl.report.reason, 1, true)
      for _, template in ipairs(TEMPLATE_NAMES) do
        assert_decoded(results[template].decode, "RGB")
      end
    end)

    it("EXIF-rotated, whole MCUs: turned upright without decoding, or decoded on request", function()
      local results = convert_all("rot6_mcu.jpg", 6)
      for _, template in ipairs(TEMPLATE_NAMES) do
        local pt = results[template].passthrough
        assert.equal("passthrough", pt.report.mode)
        assert.is_true(pt.report.lossless_transform)
        assert.is_true(pt.report.orientation_applied)
        assert.equal(TS_JPEG_BASELINE, pt.oracle.transfer_syntax)
        assert.equal("YBR_FULL_422", pt.oracle.PhotometricInterpretation)
        assert.is_true(pt.oracle.bot_item_empty)
        assert.is_true(pt.oracle.fragments_even)
        -- 64 wide, 48 high, turned 90 degrees: 64 rows, 48 columns
        assert.equal(64, pt.oracle.Rows)
        assert.equal(48, pt.oracle.Columns)
        local cmp = pt.oracle.pixels_vs_source_ycbcr
        assert.is_true(cmp.same_shape, pt.what .. ": not upright")
        assert.is_true(cmp.mean < 3 and cmp.max < 40, pt.what .. ": " .. json.encode(cmp))
        assert_lossy_marked(pt.oracle, pt.what)
        assert_dcmtk_renders(pt.oracle, pt.what)
        assert_decoded(results[template].decode, "RGB")
        assert.equal(64, results[template].decode.oracle.Rows)
      end
    end)

    it("EXIF-rotated, partial MCUs: decoded and turned, saying why", function()
      local results = convert_all("rot6_odd.jpg", 6)
      for _, template in ipairs(TEMPLATE_NAMES) do
        local pt = results[template].passthrough
        assert_decoded(pt, "RGB", "orientation 6")
        assert.matches("not lossless", pt.report.reason, 1, true)
        assert.equal(227, pt.oracle.Rows)
        assert.equal(149, pt.oracle.Columns)
        assert_decoded(results[template].decode, "RGB")
      end
    end)

    it("progressive: decoded on request, refused otherwise with the reason", function()
      local results = convert_all("prog.jpg", 0, { "decode" })
      for _, template in ipairs(TEMPLATE_NAMES) do
        assert_decoded(results[template].decode, "RGB", "progressive (SOF2)")
        local report, msg, code = make("prog.jpg", template, {})
        assert.is_nil(report)
        assert.matches(inputs["prog.jpg"].path, msg, 1, true)
        assert.matches("progressive (SOF2)", msg, 1, true)
        assert.equal("EUNSUPPORTED", code)
      end
    end)
  end)

  describe("photo metadata", function()
    local function secret(key) return hex_decode(inputs["spy.jpg"].secrets_hex[key]) end
    local function leaks(bytes)
      local found = {}
      if contains(bytes, "Exif\0\0") then found[#found + 1] = "Exif" end
      for _, key in ipairs({ "make", "serial", "comment", "xmp" }) do
        if contains(bytes, secret(key)) then found[#found + 1] = key end
      end
      if contains(bytes, hex_decode(inputs["spy.jpg"].gps_ifd_hex)) then
        found[#found + 1] = "GPS IFD"
      end
      return found
    end

    it("the spy photo really carries EXIF, GPS, a comment and XMP", function()
      local spy = inputs["spy.jpg"].path
      local info = assert(dk.jpeg(spy))
      assert.is_table(info.exif)
      assert.is_true(info.gps)
      assert.is_true(info.comment)
      assert.is_true(info.xmp)
      assert.same({ "Exif", "make", "serial", "comment", "xmp", "GPS IFD" }, leaks(h.read_file(spy)))
    end)

    it("drops EXIF (with the GPS IFD), comments and XMP from the object", function()
      local jobs = {}
      for _, template in ipairs(TEMPLATE_NAMES) do
        for _, decode in ipairs({ false, true }) do
          -- with exif = false nothing of the photo's metadata is in the object
          local report, path = make("spy.jpg", template, { decode = decode, exif = false })
          assert(report, path)
          local what = ("spy.jpg via %s (decode=%s)"):format(template, tostring(decode))
          assert.is_true(report.metadata_removed, what)
          assert.is_true(report.had_exif, what)
          assert.is_true(report.had_gps, what)
          assert.same({}, leaks(h.read_file(path)), what .. ": the saved file still holds these")
          -- by default the camera's Make and Model are the Manufacturer and its model (issue 17;
          -- this camera writes its serial into Model, so it goes with it), nothing else
          local _, mapped = make("spy.jpg", template, { decode = decode })
          assert.same({ "make", "serial" }, leaks(h.read_file(mapped)), what .. ": by default")
          assert.equal("Model-X SN12345", assert(dk.read(mapped)).ManufacturerModelName, what)
          assert_valid(path, template, what)
          jobs[#jobs + 1] = { dicom = path, source = inputs["spy.jpg"].path, what = what }
        end
      end
      -- and the picture itself is all still there
      for i, r in ipairs(check(jobs)) do
        if r.transfer_syntax == TS_JPEG_BASELINE then
          assert.is_true(r.ecs_equal, jobs[i].what)
          assert.equal(0, r.pixels_vs_source_ycbcr.max, jobs[i].what)
        else
          assert.equal(0, r.pixels_vs_djpeg.max, jobs[i].what)
        end
      end
    end)

    it("keeps them all with keep_markers = true", function()
      for _, template in ipairs(TEMPLATE_NAMES) do
        local report, path = make("spy.jpg", template, { keep_markers = true })
        assert(report, path)
        assert.is_false(report.metadata_removed)
        assert.same({ "Exif", "make", "serial", "comment", "xmp", "GPS IFD" },
          leaks(h.read_file(path)))
        assert_valid(path, template, "spy.jpg with keep_markers via " .. template)
      end
    end)

    it("moves an ICC profile to ICCProfile, with ColorSpace SRGB for an sRGB profile", function()
      local icc = inputs["icc.jpg"]
      local info = assert(dk.jpeg(icc.path))
      assert.equal(#icc.icc_hex // 2, info.icc)
      assert.matches("sRGB", icc.description, 1, true)
      local jobs = {}
      for _, template in ipairs(TEMPLATE_NAMES) do
        for _, decode in ipairs({ false, true }) do
          local report, path = make("icc.jpg", template, { decode = decode })
          assert(report, path)
          assert.equal(#icc.icc_hex // 2, report.icc)
          assert_valid(path, template, "icc.jpg via " .. template)
          jobs[#jobs + 1] = { dicom = path }
        end
      end
      for i, r in ipairs(check(jobs)) do
        assert.equal(icc.icc_hex, r.ICCProfile, jobs[i].dicom)
        assert.equal("SRGB", r.ColorSpace, jobs[i].dicom)
      end
    end)

    it("refuses a 12-bit JPEG clearly, kept or decoded (libjpeg-turbo decodes 8-bit only)", function()
      local monkey = DATA .. "monkey12.jpg"
      local info = assert(dk.jpeg(monkey))
      assert.equal(12, info.precision)
      assert.is_true(info.icc > 0)
      for _, template in ipairs(TEMPLATE_NAMES) do
        for _, decode in ipairs({ false, true }) do
          local report, msg, code = make(monkey, template, { decode = decode })
          assert.is_nil(report)
          assert.matches(monkey, msg, 1, true)
          assert.matches("12-bit", msg, 1, true)
          assert.equal("EUNSUPPORTED", code)
        end
      end
    end)
  end)

  describe("EXIF orientation", function()
    it("turns whole-MCU photos upright without decoding, as jpegtran -perfect does (1-8)", function()
      local jobs, made = {}, {}
      for o = 1, 8 do
        local name = ("rot%d_mcu.jpg"):format(o)
        local report, path = make(name, "vl_photographic")
        assert(report, path)
        assert.equal("passthrough", report.mode, name)
        assert.equal(o > 1, report.lossless_transform, name)
        assert.equal(o > 1, report.orientation_applied, name)
        assert.equal(o, report.orientation)
        assert_valid(path, "vl_photographic", name)
        jobs[#jobs + 1] = { dicom = path, source = inputs[name].path, orientation = o, png = true }
        made[#jobs] = { o = o, name = name }
      end
      for i, r in ipairs(check(jobs)) do
        local o, what = made[i].o, made[i].name
        assert.is_nil(r.oracle_error, r.oracle_error)
        -- 5 to 8 swap rows and columns (transpose, rotations by 90, transverse)
        local swapped = o >= 5
        assert.equal(swapped and 64 or 48, r.Rows, what)
        assert.equal(swapped and 48 or 64, r.Columns, what)
        if o == 1 then
          assert.is_true(r.ecs_equal, what) -- left as it was
        else
          assert.is_true(r.transpose_matches_exif_transpose, what)
          assert.equal(0, r.jpegtran_status, what)
          -- byte for byte the entropy-coded data jpegtran's perfect transform makes
          assert.is_true(r.ecs_equals_jpegtran, what)
        end
        assert_dcmtk_renders(r, what)
      end
    end)

    it("turns photos with partial MCUs (2-8): transposed losslessly, the rest decoded pixel for pixel", function()
      local jobs, made = {}, {}
      for o = 2, 8 do
        local name = ("rot%d_odd.jpg"):format(o)
        local report, path = make(name, "secondary_capture")
        assert(report, path)
        -- a transpose moves no partial block to the top or left edge: jpegtran -perfect does it
        local lossless = o == 5
        assert.equal(lossless and "passthrough" or "decoded", report.mode, name)
        if not lossless then assert.matches(("orientation %d"):format(o), report.reason, 1, true) end
        assert.equal(lossless, report.lossless_transform, name)
        assert.is_true(report.orientation_applied)
        assert_valid(path, "secondary_capture", name)
        jobs[#jobs + 1] = { dicom = path, source = inputs[name].path, orientation = o, png = true }
        made[#jobs] = { o = o, name = name, lossless = lossless }
      end
      for i, r in ipairs(check(jobs)) do
        local o, what = made[i].o, made[i].name
        assert.is_nil(r.oracle_error, r.oracle_error)
        local swapped = o >= 5
        assert.equal(swapped and 227 or 149, r.Rows, what)
        assert.equal(swapped and 149 or 227, r.Columns, what)
        assert.is_true(r.transpose_matches_exif_transpose, what)
        if made[i].lossless then
          assert.is_true(r.ecs_equals_jpegtran, what)
        else
          assert.is_true(r.pixels_vs_djpeg.same_shape, what)
          -- djpeg's decode, turned by PIL: exactly
          assert.equal(0, r.pixels_vs_djpeg.max, what)
        end
        assert_dcmtk_renders(r, what)
      end
    end)

    it("with keep_markers, an upright frame no longer says it needs turning", function()
      -- the EXIF segment is kept, but a viewer that honours its Orientation (PIL, browsers,
      -- photo apps) must not turn the already upright frame once more
      local report, path = make("rot6_mcu.jpg", "vl_photographic", { keep_markers = true })
      assert(report, path)
      assert.is_true(report.lossless_transform)
      assert.is_false(report.metadata_removed)
      local r = check({ { dicom = path } })[1]
      assert.same({ 64, 48 }, { r.Rows, r.Columns })
      assert.is_true(r.frame_exif_orientation <= 1,
        "the upright frame's EXIF still says Orientation " .. r.frame_exif_orientation)
    end)

    it("orientation = 'keep' stores the pixels as they are", function()
      local jobs = {}
      for _, name in ipairs({ "rot6_mcu.jpg", "rot8_odd.jpg" }) do
        local report, path = make(name, "vl_photographic", { orientation = "keep" })
        assert(report, path)
        assert.equal("passthrough", report.mode)
        assert.is_false(report.orientation_applied)
        assert.is_false(report.lossless_transform)
        assert_valid(path, "vl_photographic", name .. " kept")
        jobs[#jobs + 1] = { dicom = path, source = inputs[name].path, png = false }
      end
      local r = check(jobs)
      assert.same({ 48, 64 }, { r[1].Rows, r[1].Columns })
      assert.same({ 149, 227 }, { r[2].Rows, r[2].Columns })
      for _, one in ipairs(r) do
        assert.is_true(one.ecs_equal)
        assert.equal(0, one.pixels_vs_source_ycbcr.max)
      end
    end)
  end)

  describe("bad inputs", function()
    -- Through `dicomkit create`, which writes the object after the import: exit 1, the reason
    -- on stderr naming the file, and no file written (the command would write one if the
    -- import handed it anything); then the Lua API for the code. `extra`: "decode" and/or
    -- "max=N" (max_pixels).
    local function convert(template, jpeg, extra)
      local target = out .. "/refused-" .. template .. ".dcm"
      os.remove(target)
      local args = ""
      if extra and extra:find("decode", 1, true) then args = args .. " --decode" end
      local max = extra and extra:match("max=(%d+)")
      if max then args = args .. " --max-pixels " .. max end
      local ok, code, stdout, stderr = h.run(h.quote(h.dicomkit) .. " create " .. template
        .. " --jpeg " .. h.quote(jpeg) .. " --out " .. h.quote(target) .. args)
      return ok, code, stdout, stderr, h.exists(target)
    end

    local function assert_refused(jpeg, code_expected, reason, extra)
      for _, template in ipairs(TEMPLATE_NAMES) do
        local ok, code, _, stderr, written = convert(template, jpeg, extra)
        local what = jpeg .. " via " .. template
        assert.is_false(ok, what .. " was accepted")
        assert.equal(1, code, what .. ": " .. stderr)
        assert.matches(jpeg, stderr, 1, true)
        assert.matches(reason, stderr, 1, true)
        assert.is_false(written, what .. ": a file was written")
        local ds, msg, ecode = dk.template(template){ jpeg = jpeg,
          decode = extra ~= nil and extra:find("decode", 1, true) ~= nil,
          max_pixels = tonumber(extra and extra:match("max=(%d+)")) }
        assert.is_nil(ds, what)
        assert.equal(code_expected, ecode, what)
        assert.matches(reason, msg, 1, true)
      end
    end

    it("a truncated JPEG (the first half of one)", function()
      assert_refused(inputs["truncated.jpg"].path, "EFORMAT", "truncated")
    end)

    it("a GIF (an image kind dicomkit does not import), named for what it starts with", function()
      assert_refused(inputs["picture.gif"].path, "EFORMAT",
        "not an image dicomkit imports (a JPEG starts with FF D8 FF, a PNG with 89 50 4E 47 0D 0A "
        .. "1A 0A, a TIFF with 49 49 2A 00 or 4D 4D 00 2A, a HEIC with an ftyp box naming heic or "
        .. "mif1); it starts with 47 49 46 38")
    end)

    it("an empty file", function()
      assert_refused(inputs["empty.jpg"].path, "EFORMAT", "empty")
    end)

    it("a missing file", function()
      assert_refused(dir .. "/no-such-photo.jpg", "ENOENT", "No such file")
    end)

    it("a progressive JPEG without decode", function()
      assert_refused(inputs["prog.jpg"].path, "EUNSUPPORTED", "progressive (SOF2)")
      -- and the same script converts it when decoding is allowed
      local ok, _, stdout, stderr, written = convert("vl_photographic", inputs["prog.jpg"].path, "decode")
      assert.is_true(ok, stderr)
      assert.matches("decoded (progressive (SOF2))", stdout, 1, true)
      assert.is_true(written)
    end)

    it("an arithmetic-coded JPEG without decode", function()
      assert_refused(DATA .. "testimgari.jpg", "EUNSUPPORTED", "arithmetic")
    end)

    it("damaged entropy-coded data: passed through as it is, refused by the decoder (never reached it)", function()
      local corrupt = inputs["corrupt.jpg"]
      -- the oracle: djpeg itself sees the damage (status 2: warnings)
      assert.equal(2, corrupt.djpeg_status, corrupt.djpeg_says)
      assert.matches("Corrupt JPEG data", corrupt.djpeg_says, 1, true)
      assert_refused(corrupt.path, "EFORMAT", "corrupt JPEG data", "decode")
      local report = assert(make("corrupt.jpg", "vl_photographic"))
      assert.equal("passthrough", report.mode) -- its markers are sound: kept byte for byte
    end)

    it("a real CMYK JPEG (PIL's, Adobe APP14), kept or decoded", function()
      local info = assert(dk.jpeg(inputs["cmyk.jpg"].path))
      assert.equal("CMYK", info.colorspace)
      assert_refused(inputs["cmyk.jpg"].path, "EUNSUPPORTED", "CMYK (4 components)")
      assert_refused(inputs["cmyk.jpg"].path, "EUNSUPPORTED", "CMYK (4 components): convert the image to RGB first", "decode")
    end)

    it("a real lossless JPEG (ffmpeg's ljpeg, SOF3), kept or decoded", function()
      local info = assert(dk.jpeg(inputs["lossless.jpg"].path))
      assert.equal(3, info.sof)
      assert_refused(inputs["lossless.jpg"].path, "EUNSUPPORTED", "lossless (SOF3)")
      assert_refused(inputs["lossless.jpg"].path, "EUNSUPPORTED", "lossless JPEG", "decode")
    end)

    it("absurd dimensions, from the header alone, before reading pixels", function()
      local huge = inputs["huge.jpg"].path
      local info, msg, code = dk.jpeg(huge)
      assert.is_nil(info)
      assert.equal("EINVAL", code)
      assert.matches("60000 x 60000", msg, 1, true)
      assert.matches("limit", msg, 1, true)
      -- instant: refused from the SOF, no 10 GiB buffer asked for
      local ds = dk.dataset()
      local report
      report, msg, code = ds:set_pixels(huge, { decode = true })
      assert.is_nil(report)
      assert.equal("EINVAL", code)
      assert.matches(huge, msg, 1, true)
      assert.matches("limit", msg, 1, true)
      assert.is_nil(ds.Rows)
      -- and the command refuses it, kept or decoded, even with only 300 MB of address space
      -- (enough for a normal photo, far from the 10 GiB the SOF asks for); AddressSanitizer
      -- needs terabytes of address space itself, so the sanitizer run leaves this part out
      assert_refused(huge, "EINVAL", "limit", "decode")
      if (os.getenv("LD_PRELOAD") or ""):find("asan", 1, true) then return end
      local function limited(jpeg, target)
        local _, status, stdout, stderr = h.run("ulimit -v 300000; " .. h.quote(h.dicomkit) .. " "
          .. h.quote(out .. "/convert.lua") .. " vl_photographic " .. h.quote(jpeg) .. " "
          .. h.quote(target) .. " decode")
        return status, stdout:gsub("%s+$", ""), stderr
      end
      local code2, stdout, stderr = limited(inputs["c420.jpg"].path, out .. "/normal.dcm")
      assert.equal(0, code2, stderr)
      assert.equal("decoded", stdout)
      code2, stdout, stderr = limited(huge, out .. "/huge.dcm")
      assert.equal(3, code2, stderr)
      assert.equal("EINVAL", stdout)
      assert.is_false(h.exists(out .. "/huge.dcm"))
    end)

    it("more pixels than max_pixels allows", function()
      local small = inputs["c420.jpg"].path
      assert_refused(small, "EINVAL", "limit of 1000", "max=1000")
      local ds = dk.dataset()
      local report, msg, code = ds:set_pixels(small, { max_pixels = 1000 })
      assert.is_nil(report)
      assert.equal("EINVAL", code)
      assert.matches("227 x 149", msg, 1, true)
      assert.is_nil(select(1, dk.jpeg(small, { max_pixels = 1000 })))
      assert.is_table(dk.jpeg(small, { max_pixels = 227 * 149 }))
    end)

    it("a failed import leaves the dataset's pixels as they were", function()
      local ds = dk.dataset()
      assert(ds:set_pixels(inputs["c420.jpg"].path))
      for _, bad in ipairs({ "truncated.jpg", "picture.gif", "empty.jpg", "huge.jpg" }) do
        local report = ds:set_pixels(inputs[bad].path, { decode = true })
        assert.is_nil(report, bad)
      end
      assert.equal(149, ds.Rows)
      assert.equal(227, ds.Columns)
      assert.equal("YBR_FULL_422", ds.PhotometricInterpretation)
      assert.equal(TS_JPEG_BASELINE, ds:transfer_syntax())
    end)

    it("JPEG bytes are given as {bytes=}, named 'JPEG data' (or their name=) in messages", function()
      local bytes = h.read_file(inputs["truncated.jpg"].path)
      local ds = dk.dataset()
      local report, msg, code = ds:set_pixels{ bytes = bytes }
      assert.is_nil(report)
      assert.equal("EFORMAT", code)
      assert.matches("^JPEG data: truncated", msg)
      report, msg, code = ds:set_pixels{ bytes = bytes, name = "upload 7" }
      assert.is_nil(report)
      assert.equal("EFORMAT", code)
      assert.matches("^upload 7: truncated", msg)
      report = assert(ds:set_pixels{ bytes = h.read_file(inputs["c420.jpg"].path) })
      assert.equal("passthrough", report.mode)
      -- a string is always a path, whatever its bytes: JPEG bytes are not guessed at
      report, msg, code = ds:set_pixels(h.read_file(inputs["c420.jpg"].path))
      assert.is_nil(report)
      assert.equal("ENOENT", code)
      assert.matches("No such file or directory", msg, 1, true)
    end)
  end)

  describe("raw pixels", function()
    it("2x3 grey bytes make a valid Secondary Capture", function()
      local data = "\0\1\2\253\254\255"
      local ds = dk.dataset()
      -- one convention: set_pixels returns its report, for raw pixels too
      local report = ds:set_pixels{ rows = 2, columns = 3, samples = 1, bits = 8, data = data }
      assert.same({ mode = "native", rows = 2, columns = 3, samples = 1, bits = 8,
                    photometric = "MONOCHROME2", stored_bytes = 6,
                    transfer_syntax = TS_EXPLICIT_LE }, report)
      assert.equal(2, ds.Rows)
      assert.equal(3, ds.Columns)
      assert.equal("MONOCHROME2", ds.PhotometricInterpretation)
      local obj, why = dk.template("secondary_capture"){
        pixels = { rows = 2, columns = 3, samples = 1, bits = 8, data = data },
      }
      assert(obj, why)
      local path = out .. "/raw8.dcm"
      assert(obj:save(path))
      assert_valid(path, "secondary_capture", "raw 8-bit")
      local r = check({ { dicom = path } })[1]
      assert.equal(TS_EXPLICIT_LE, r.transfer_syntax)
      assert.same({ 0, 1, 2, 253, 254, 255 }, r.pixels)
      assert.equal(8, r.BitsAllocated)
    end)

    it("16-bit values are read back by pydicom", function()
      local values = { 0, 1, 256, 4095, 40000, 65535 }
      local obj, report = dk.template("secondary_capture"){
        pixels = { rows = 2, columns = 3, bits = 16, data = string.pack("<I2I2I2I2I2I2", table.unpack(values)) },
      }
      assert(obj, report)
      local path = out .. "/raw16.dcm"
      assert(obj:save(path))
      assert_valid(path, "secondary_capture", "raw 16-bit")
      local r = check({ { dicom = path } })[1]
      assert.same(values, r.pixels)
      assert.equal("uint16", r.dtype)
      assert.equal(16, r.BitsAllocated)
    end)

    it("3-sample RGB pixels", function()
      local data = string.rep("\255\0\0\0\255\0\0\0\255", 2)
      local obj = assert(dk.template("secondary_capture"){
        pixels = { rows = 2, columns = 3, samples = 3, data = data },
      })
      local path = out .. "/raw-rgb.dcm"
      assert(obj:save(path))
      assert_valid(path, "secondary_capture", "raw RGB")
      local r = check({ { dicom = path } })[1]
      assert.equal("RGB", r.PhotometricInterpretation)
      assert.same({ 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255 }, r.pixels)
    end)

    it("raises when the data does not fit, naming the size it needs", function()
      local ds = dk.dataset()
      assert.has_error(function()
        ds:set_pixels{ rows = 2, columns = 3, samples = 1, bits = 8, data = "\0\1\2" }
      end, "pixels: data has 3 bytes, 2x3 with 1 sample of 8 bits needs 6")
      assert.error_matches(function()
        ds:set_pixels{ rows = 2, columns = 3, samples = 3, bits = 16, data = string.rep("\0", 18) }
      end, "needs 36", 1, true)
      assert.error_matches(function()
        ds:set_pixels{ rows = 2, columns = 3, samples = 1, photometric = "RGB", data = "123456" }
      end, "photometric 'RGB' does not fit 1 sample", 1, true)
      assert.error_matches(function()
        ds:set_pixels{ rows = 2, columns = 3, bits = 12, data = "123456" }
      end, "bits must be 8 or 16", 1, true)
      assert.error_matches(function()
        dk.template("secondary_capture"){ pixels = { rows = 2, columns = 3, data = "\0" } }
      end, "needs 6", 1, true)
      assert.is_nil(ds.Rows)
    end)
  end)
end)
