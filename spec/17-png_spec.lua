-- PNG input: every kind of PNG (grey 1-16 bits, RGB 8/16, palettes, Adam7, alpha and tRNS)
-- through every template that takes it, as a user runs it (`dicomkit create TEMPLATE --input
-- FILE`), checked by oracles we did not write: dciodvfy (exit status and every line), dcmtk's
-- dcmdjpls + pydicom for the pixels against the arrays the PNGs were made from and against
-- PIL's decode of the PNG, Orthanc's REST API (what arrived, /preview renders). Bad PNGs:
-- the error names the file and the rule, exit 1, and no output file.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"

local ORACLE = h.source .. "/spec/oracles/png_inputs.py"
local JPEG_LS = "1.2.840.10008.1.2.4.80"
local EXPLICIT = "1.2.840.10008.1.2.1"

-- the templates that take a PNG, and what each needs besides the image
local TEMPLATES = {
  { name = "secondary_capture", iod = "SCImage", set = {} },
  { name = "vl_photographic", iod = "VLPhotographicImage", set = {}, eight_bit = true },
  { name = "vl_endoscopic", iod = "VLEndoscopicImage", set = {}, eight_bit = true },
  { name = "vl_microscopic", iod = "VLMicroscopicImage", set = {}, eight_bit = true },
  { name = "ophthalmic_photography_8bit", iod = "OphthalmicPhotography8BitImage",
    set = { "ImageLaterality=R" }, eight_bit = true },
}

-- the background the translucent PNGs are flattened onto (the oracle composites the same)
local BACKGROUND = "10,200,30"

describe("PNG input #png", function()
  local dir, facts

  setup(function()
    dir = h.tmpdir()
    local ok, _, out, err = h.run("/usr/bin/python3 " .. h.quote(ORACLE) .. " make " .. h.quote(dir))
    assert(ok, err)
    facts = h.json_decode(out)
  end)

  teardown(function() h.cleanup() end)

  local function png(name) return dir .. "/" .. name .. ".png" end

  -- `dicomkit create`; returns ok, code, stdout, stderr, whether OUT exists
  local function create(template, input, out, extra)
    local t
    for _, x in ipairs(TEMPLATES) do if x.name == template then t = x end end
    local sets = {}
    for _, s in ipairs(t and t.set or {}) do sets[#sets + 1] = "--set " .. h.quote(s) end
    local ok, code, stdout, stderr = h.run(h.quote(h.dicomkit) .. " create " .. template
      .. " --input " .. h.quote(input) .. " -o " .. h.quote(out) .. " " .. table.concat(sets, " ")
      .. " --set PatientName=Png^Test --set PatientID=PNG1 " .. (extra or ""))
    return ok, code, stdout, stderr, h.exists(out)
  end

  local function compare(jobs)
    local ok, _, out, err = h.run("/usr/bin/python3 " .. h.quote(ORACLE) .. " compare",
      require("dkjson").encode(jobs))
    assert(ok, err)
    return h.json_decode(out)
  end

  local function no_errors(path, what)
    local errors = {}
    for _, f in ipairs(dk.validate(assert(dk.read(path)))) do
      if f.severity == "error" then errors[#errors + 1] = f.path .. ": " .. f.message end
    end
    assert.same({}, errors, what .. ": dk.validate")
  end

  it("every kind x every template: dciodvfy and dk.validate find no error, the pixels are the PNG's exactly", function()
    local jobs, whats = {}, {}
    local names = {}
    for name in pairs(facts) do names[#names + 1] = name end
    table.sort(names)
    assert.is_true(#names >= 20, "the oracle made " .. #names .. " PNGs")
    for _, t in ipairs(TEMPLATES) do
      for _, name in ipairs(names) do
        local f = facts[name]
        local out = ("%s/%s-%s.dcm"):format(dir, t.name, name)
        local what = name .. ".png via " .. t.name
        local ok, code, stdout, stderr, written = create(t.name, png(name), out,
          f.alpha == "flattened" and ("--flatten " .. BACKGROUND) or "")
        if t.eight_bit and f.bits == 16 then
          -- the VL family takes BitsAllocated 8 only (PS3.3 C.8.12.1): refused, nothing written
          assert.is_false(ok, what .. " was accepted")
          assert.equal(1, code, what)
          assert.is_false(written, what .. ": a file was written")
          assert.matches(png(name) .. ": ", stderr, 1, true)
          assert.matches("does not take this image: BitsAllocated value 1 '16' is not an enumerated "
            .. "value: 8", stderr, 1, true)
        else
          assert.is_true(ok, what .. ": " .. stderr)
          assert.matches("lossless (JPEG-LS)", stdout, 1, true)
          if f.alpha == "flattened" then assert.matches("alpha flattened", stdout, 1, true) end
          if f.alpha == "opaque" then assert.matches("opaque alpha dropped", stdout, 1, true) end
          local v = dciodvfy.accepts(out, nil, what)
          assert.matches(t.iod, v.text, 1, true)
          no_errors(out, what)
          jobs[#jobs + 1] = { dicom = out, expected = dir .. "/" .. name .. ".npy", png = png(name) }
          whats[#jobs] = { what = what, fact = f }
        end
      end
    end
    for i, r in ipairs(compare(jobs)) do
      local w, f = whats[i].what, whats[i].fact
      assert.equal(JPEG_LS, r.transfer_syntax, w)
      assert.equal(f.rows, r.rows, w)
      assert.equal(f.columns, r.columns, w)
      assert.equal(f.samples, r.samples, w)
      assert.equal(f.bits, r.bits, w)
      assert.equal(f.samples == 1 and "MONOCHROME2" or "RGB", r.photometric, w)
      assert.equal("00", r.lossy, w)
      assert.is_true(r.same_shape, w)
      assert.equal(0, r.max, w .. ": pixels differ from the arrays the PNG was made from")
      if f.pil and f.alpha == "none" then
        assert.equal(0, r.pil_max, w .. ": pixels differ from PIL's decode of the PNG")
      end
    end
  end)

  it("translucent pixels are refused without --flatten, naming the first one; nothing is written", function()
    for _, name in ipairs({ "rgba8", "la8", "rgba16", "grey8_trns", "palette_trns", "rgb8_trns" }) do
      local out = dir .. "/translucent-" .. name .. ".dcm"
      local ok, code, _, stderr, written = create("secondary_capture", png(name), out)
      assert.is_false(ok, name)
      assert.equal(1, code, name)
      assert.is_false(written, name .. ": a file was written")
      assert.matches(png(name) .. ": has translucent pixels (the first at column ", stderr, 1, true)
      assert.matches("flatten it onto a background", stderr, 1, true)
    end
    -- in Lua the same, with the code
    local ds = dk.dataset()
    local report, msg, code = ds:set_pixels(png("rgba8"))
    assert.is_nil(report)
    assert.equal("EUNSUPPORTED", code)
    assert.matches("alpha %d+ of 255", msg)
    report = assert(ds:set_pixels(png("rgba8"), { flatten = "white" }))
    assert.equal("flattened", report.alpha)
    assert.equal("png", report.input)
    local bad = { "grey", "1,2", "1,2,300", { 1, 2 }, 7 }
    for _, b in ipairs(bad) do
      assert.has_error(function() ds:set_pixels(png("rgba8"), { flatten = b }) end)
    end
    local _, bad_code, _, bad_err = create("secondary_capture", png("rgba8"), dir .. "/bad-bg.dcm", "--flatten pink")
    assert.equal(2, bad_code)
    assert.matches("flatten: give", bad_err, 1, true)
    assert.is_false(h.exists(dir .. "/bad-bg.dcm"))
  end)

  it("--uncompressed stores native pixels under Explicit VR Little Endian, the same pixels", function()
    local jobs = {}
    for _, name in ipairs({ "grey4", "grey16", "rgb16", "palette4" }) do
      local out = dir .. "/native-" .. name .. ".dcm"
      local ok, _, stdout, stderr = create("secondary_capture", png(name), out, "--uncompressed")
      assert.is_true(ok, stderr)
      assert.matches(", native", stdout, 1, true)
      dciodvfy.accepts(out, "SCImage", name)
      jobs[#jobs + 1] = { dicom = out, expected = dir .. "/" .. name .. ".npy" }
    end
    for i, r in ipairs(compare(jobs)) do
      assert.equal(EXPLICIT, r.transfer_syntax, jobs[i].dicom)
      assert.equal(0, r.max, jobs[i].dicom)
    end
    -- and --implicit, which only native pixels can take, stores a PNG uncompressed too
    local out = dir .. "/implicit.dcm"
    local ok, _, _, stderr = create("secondary_capture", png("rgb8"), out, "--implicit")
    assert.is_true(ok, stderr)
    assert.equal("1.2.840.10008.1.2", (h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
print(json.dumps(str(ds.file_meta.TransferSyntaxUID)))]], out)))
  end)

  it("--compression deflate: Deflated Explicit VR Little Endian, the same pixels, far smaller for text", function()
    local jobs = {}
    for _, name in ipairs({ "screen", "rgb16", "grey2" }) do
      local out = dir .. "/deflate-" .. name .. ".dcm"
      local ok, _, stdout, stderr = create("secondary_capture", png(name), out, "--compression deflate")
      assert.is_true(ok, stderr)
      assert.matches("lossless (deflate)", stdout, 1, true)
      -- Debian's dciodvfy reads no deflated file (not even pydicom's image_dfl.dcm): it checks
      -- the same data set inflated by dcmtk
      local inflated = out .. ".inflated.dcm"
      assert(h.run("dcmconv +te " .. h.quote(out) .. " " .. h.quote(inflated)))
      dciodvfy.accepts(inflated, "SCImage", name)
      no_errors(out, name)
      jobs[#jobs + 1] = { dicom = out, expected = dir .. "/" .. name .. ".npy" }
    end
    for i, r in ipairs(compare(jobs)) do
      assert.equal("1.2.840.10008.1.2.1.99", r.transfer_syntax, jobs[i].dicom)
      assert.equal(0, r.max, jobs[i].dicom)
    end
    local jpegls = dir .. "/screen-jpegls.dcm"
    assert.is_true((create("secondary_capture", png("screen"), jpegls)))
    local deflated = #h.read_file(dir .. "/deflate-screen.dcm")
    assert.is_true(deflated < #h.read_file(jpegls), "deflate " .. deflated .. " bytes")
    -- options that contradict each other are a usage error
    local _, code, _, err = create("secondary_capture", png("screen"), dir .. "/x.dcm",
      "--compression deflate --uncompressed")
    assert.equal(2, code)
    assert.matches("--uncompressed and --compression deflate disagree", err, 1, true)
    _, code, _, err = create("secondary_capture", png("screen"), dir .. "/x.dcm", "--compression zip")
    assert.equal(2, code)
    assert.matches("argument for option '--compression' must be one of 'jpeg-ls', 'deflate', 'none'", err, 1, true)
    assert.is_false(h.exists(dir .. "/x.dcm"))
    local ds = dk.dataset()
    local report = assert(ds:set_pixels(png("screen"), { compression = "deflate" }))
    assert.equal("deflate", report.compression)
    assert.equal("1.2.840.10008.1.2.1.99", ds:transfer_syntax())
    assert.has_error(function() ds:set_pixels(png("screen"), { compression = "zip" }) end)
  end)

  it("JPEG-LS is smaller than the native pixels, and the report says what was stored", function()
    local ds = dk.dataset()
    local report = assert(ds:set_pixels(png("screen")))
    assert.equal("lossless", report.mode)
    assert.equal("jpeg-ls", report.compression)
    assert.equal(JPEG_LS, report.transfer_syntax)
    assert.equal(JPEG_LS, ds:transfer_syntax())
    assert.equal(400 * 300 * 3, math.floor(report.stored_bytes * report.compression_ratio + 0.5))
    assert.is_true(report.stored_bytes < 400 * 300 * 3 / 20, report.stored_bytes)
    assert.equal("00", ds.LossyImageCompression)
    assert.is_nil(ds:info("LossyImageCompressionMethod"))
    report = assert(ds:set_pixels(png("grey2")))
    assert.equal(8, report.bits)
    assert.equal(2, report.source_bits)
    report = assert(ds:set_pixels(png("palette4")))
    assert.is_true(report.palette_expanded)
    assert.equal(3, report.samples)
    -- an iCCP profile moves to ICCProfile, as a JPEG's ICC does
    report = assert(ds:set_pixels(png("rgba8_opaque")))
    assert.equal(68, report.icc)
    assert.equal(68, #ds.ICCProfile)
    assert.equal("SRGB", ds.ColorSpace)
    -- the next image has none: the old profile does not stay behind to describe it
    assert(ds:set_pixels(png("rgb8")))
    assert.is_nil(ds:info("ICCProfile"))
    assert.is_nil(ds:info("ColorSpace"))
  end)

  describe("bad PNGs: the error names the file and the rule, exit 1, no output file", function()
    local function crc32(s)
      local crc = 0xFFFFFFFF
      for i = 1, #s do
        crc = crc ~ s:byte(i)
        for _ = 1, 8 do
          crc = (crc & 1) ~= 0 and ((crc >> 1) ~ 0xEDB88320) or (crc >> 1)
        end
      end
      return crc ~ 0xFFFFFFFF
    end
    local function chunk(kind, data)
      return (">I4"):pack(#data) .. kind .. data .. (">I4"):pack(crc32(kind .. data))
    end
    local SIG = "\137PNG\r\n\26\n"
    -- a PNG whose IHDR declares w x h but holds one row of data
    local function declared(w, hgt)
      return SIG .. chunk("IHDR", (">I4I4BBBBB"):pack(w, hgt, 8, 0, 0, 0, 0))
        .. chunk("IDAT", "\120\156\99\0\0\0\1\0\1") .. chunk("IEND", "")
    end

    local function refused(file, pattern, code_expected)
      for _, template in ipairs({ "secondary_capture", "vl_photographic" }) do
        local out = file .. "." .. template .. ".dcm"
        local ok, code, _, stderr, written = create(template, file, out)
        assert.is_false(ok, file .. " was accepted")
        assert.equal(1, code, stderr)
        assert.is_false(written, file .. ": a file was written")
        assert.matches("dicomkit: " .. file .. ": ", stderr, 1, true)
        assert.matches(pattern, stderr)
        assert.is_nil(stderr:find("Usage", 1, true), stderr)
      end
      local ds = dk.dataset()
      local report, msg, code = ds:set_pixels(file)
      assert.is_nil(report)
      assert.equal(code_expected, code, msg)
      assert.is_nil(ds:info("PixelData"))
    end

    it("truncated (the first half, and all but IEND)", function()
      local whole = h.read_file(png("rgb8"))
      h.write_file(dir .. "/half.png", whole:sub(1, #whole // 2))
      refused(dir .. "/half.png", "not a PNG dicomkit can read %(image data: ", "EFORMAT")
      -- cut inside the last IDAT (its CRC and the end of the zlib stream gone)
      h.write_file(dir .. "/cut-idat.png", whole:sub(1, #whole - 12 - 6))
      refused(dir .. "/cut-idat.png", "not a PNG dicomkit can read %(image data: ", "EFORMAT")
      h.write_file(dir .. "/signature-only.png", SIG)
      refused(dir .. "/signature-only.png", "not a PNG dicomkit can read %(IHDR: ", "EFORMAT")
    end)

    it("corrupt: a CRC that does not match, zlib data that is not zlib", function()
      local whole = h.read_file(png("grey8"))
      local at = whole:find("IDAT", 1, true) + 20
      local flipped = whole:sub(1, at - 1) .. string.char(whole:byte(at) ~ 0x55) .. whole:sub(at + 1)
      h.write_file(dir .. "/crc.png", flipped)
      refused(dir .. "/crc.png", "not a PNG dicomkit can read %(image data: invalid chunk checksum%)",
        "EFORMAT")
      h.write_file(dir .. "/zlib.png", SIG .. chunk("IHDR", (">I4I4BBBBB"):pack(4, 4, 8, 0, 0, 0, 0))
        .. chunk("IDAT", ("\255"):rep(40)) .. chunk("IEND", ""))
      refused(dir .. "/zlib.png", "not a PNG dicomkit can read %(image data: ", "EFORMAT")
    end)

    it("a huge declared size: over Rows/Columns, over max_pixels; refused before allocating", function()
      h.write_file(dir .. "/wide.png", declared(70000, 1))
      refused(dir .. "/wide.png", "wider or taller than DICOM's Rows/Columns allow %(65535%)", "EINVAL")
      h.write_file(dir .. "/huge.png", declared(65535, 65535))
      refused(dir .. "/huge.png", "65535x65535 is 4294836225 pixels, over the limit of 268435456 "
        .. "%(max_pixels%)", "EINVAL")
      -- the limit is the caller's to lower
      local ds = dk.dataset()
      local report, msg, code = ds:set_pixels(png("rgb8"), { max_pixels = 100 })
      assert.is_nil(report)
      assert.equal("EINVAL", code)
      assert.matches("53x37 is 1961 pixels, over the limit of 100", msg, 1, true)
    end)

    it("the kind comes from the content, never the name", function()
      -- a PNG named .jpg is a PNG; a JPEG named .png is a JPEG
      local as_jpg = dir .. "/really-a-png.jpg"
      h.write_file(as_jpg, h.read_file(png("rgb8")))
      local out = dir .. "/really-a-png.dcm"
      local ok, _, stdout, stderr = create("secondary_capture", as_jpg, out)
      assert.is_true(ok, stderr)
      assert.matches("lossless (JPEG-LS)", stdout, 1, true)
      local as_png = dir .. "/really-a-jpeg.png"
      h.write_file(as_png, h.read_file(h.source .. "/spec/data/jpeg/testorig.jpg"))
      local ds = dk.dataset()
      local report = assert(ds:set_pixels(as_png))
      assert.equal("jpeg", report.input)
      assert.equal("passthrough", report.mode)
      -- text and a GIF under a PNG's name: refused for what they start with
      h.write_file(dir .. "/notes.png", "Patient notes, not an image\n")
      refused(dir .. "/notes.png", "not an image dicomkit imports %(a JPEG starts with FF D8 FF, a PNG "
        .. "with 89 50 4E 47 0D 0A 1A 0A, a TIFF with 49 49 2A 00 or 4D 4D 00 2A, a HEIC with an "
        .. "ftyp box naming heic or mif1%); it starts with 50 61 74 69 65 6E 74 20", "EFORMAT")
      h.write_file(dir .. "/empty.png", "")
      refused(dir .. "/empty.png", "empty", "EFORMAT")
      -- bytes from Lua are told apart the same way, and named by their kind
      local r2, msg = ds:set_pixels{ bytes = h.read_file(dir .. "/half.png") }
      assert.is_nil(r2)
      assert.matches("^PNG data: not a PNG dicomkit can read", msg)
      r2 = assert(ds:set_pixels{ bytes = h.read_file(png("grey8")), name = "upload 3" })
      assert.equal("png", r2.input)
    end)

    it("a failed import leaves the dataset's pixels as they were", function()
      local ds = dk.dataset()
      assert(ds:set_pixels(png("screen")))
      for _, bad in ipairs({ "half.png", "crc.png", "wide.png", "notes.png" }) do
        assert.is_nil((ds:set_pixels(dir .. "/" .. bad)), bad)
      end
      assert.is_nil((ds:set_pixels(png("rgba8"))))
      assert.equal(300, ds.Rows)
      assert.equal(400, ds.Columns)
      assert.equal(JPEG_LS, ds:transfer_syntax())
    end)
  end)

  describe("into Orthanc #network", function()
    local orthanc

    setup(function() orthanc = h.start_orthanc() end)
    teardown(function() if orthanc then orthanc.stop() end end)

    it("C-STOREd as JPEG-LS, held as sent, /preview renders the PNG's pixels", function()
      local made = {}
      for _, c in ipairs({ { "secondary_capture", "grey8" }, { "secondary_capture", "grey16" },
                           { "vl_photographic", "rgb8" }, { "vl_endoscopic", "palette4" },
                           { "secondary_capture", "rgb16" } }) do
        local out = ("%s/orthanc-%s-%s.dcm"):format(dir, c[1], c[2])
        local ok, _, _, stderr = create(c[1], png(c[2]), out)
        assert.is_true(ok, stderr)
        made[#made + 1] = { path = out, name = c[2], ds = assert(dk.read(out)) }
      end
      local list = {}
      for _, m in ipairs(made) do list[#list + 1] = m.path end
      local results, summary = dk.send(list, { port = orthanc.dicom, called_ae = orthanc.aet })
      assert.equal(#made, summary.stored, results[1].message)
      for i, m in ipairs(made) do
        assert.is_false(results[i].decoded, m.name)
        assert.equal(JPEG_LS, results[i].transfer_syntax)
        local id = assert(orthanc.lookup(m.ds.SOPInstanceUID), m.name)
        local tags = orthanc.rest("/instances/" .. id .. "/simplified-tags")
        assert.equal(tostring(facts[m.name].rows), tags.Rows)
        local meta = orthanc.rest("/instances/" .. id .. "/metadata/TransferSyntax")
        assert.equal(JPEG_LS, meta)
        -- what Orthanc holds is what was sent: its file's pixels are the PNG's
        local held = dir .. "/held-" .. m.name .. ".dcm"
        h.write_file(held, assert(orthanc.rest("/instances/" .. id .. "/file")))
        local r = compare({ { dicom = held, expected = dir .. "/" .. m.name .. ".npy" } })[1]
        assert.equal(0, r.max, m.name)
        -- the preview, read by PIL: the right size, and for 8-bit images the PNG's own pixels.
        -- Orthanc 1.10 renders no 16-bit RGB (it answers 415 for native ones just the same).
        local preview = dir .. "/preview-" .. m.name .. ".png"
        local body, status = orthanc.rest("/instances/" .. id .. "/preview")
        if m.name == "rgb16" then
          assert.equal(415, status)
        else
          h.write_file(preview, assert(body, status))
          local seen = h.pydicom([[
import numpy as np
from PIL import Image
im = np.asarray(Image.open(sys.argv[1]))
exp = np.load(sys.argv[2])
r = {"shape": list(im.shape)[:2]}
if exp.dtype == np.uint8:
    r["max"] = int(np.abs(im.astype(int) - exp.astype(int)).max())
print(json.dumps(r))]], preview, dir .. "/" .. m.name .. ".npy")
          assert.same({ facts[m.name].rows, facts[m.name].columns }, seen.shape, m.name)
          if facts[m.name].bits == 8 then assert.equal(0, seen.max, m.name .. ": preview pixels") end
        end
        m.ds:close()
      end
    end)

    it("a peer that takes only uncompressed gets the JPEG-LS decoded by dcmtk, the same pixels", function()
      local plain = h.start_orthanc{ AcceptedTransferSyntaxes = { "1.2.840.10008.1.2", EXPLICIT } }
      local out = dir .. "/to-plain.dcm"
      assert.is_true((create("secondary_capture", png("rgb16"), out)))
      local ds = assert(dk.read(out))
      local results = dk.send({ ds }, { port = plain.dicom, called_ae = plain.aet })
      assert.is_true(results[1].ok, results[1].message)
      assert.is_true(results[1].decoded)
      assert.equal(EXPLICIT, results[1].transfer_syntax)
      local id = assert(plain.lookup(ds.SOPInstanceUID))
      local file = dir .. "/held.dcm"
      h.write_file(file, assert(plain.rest("/instances/" .. id .. "/file")))
      plain.stop("KILL")
      local r = compare({ { dicom = file, expected = dir .. "/rgb16.npy" } })[1]
      assert.equal(EXPLICIT, r.transfer_syntax)
      assert.equal(0, r.max)
      ds:close()
    end)
  end)
end)
