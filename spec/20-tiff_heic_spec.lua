-- TIFF and HEIC input: every layout of TIFF the reader takes (grey 1-16 bits, WhiteIsZero, RGB
-- 8/16 chunky and planar, strips and tiles, both byte orders, palettes, alpha, Orientation,
-- several pages and a thumbnail page, libtiff's codecs) and HEICs made by libheif's heif-enc
-- (lossy, lossless, alpha, two images, turned by irot), through every template that takes them,
-- as a user runs it (`dicomkit create TEMPLATE --input FILE`), checked by oracles we did not
-- write: dciodvfy (exit status and every line), dcmtk's dcmdjpls + pydicom for the pixels
-- against the arrays the TIFFs were made from, PIL's decode of PIL's TIFFs and heif-convert's
-- decode of the HEICs; Orthanc's REST API. Bad files: the error names the file and the rule,
-- exit 1, no output file.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"

local ORACLE = h.source .. "/spec/oracles/still_inputs.py"
local JPEG_LS = "1.2.840.10008.1.2.4.80"

local TEMPLATES = {
  { name = "secondary_capture", iod = "SCImage", set = {} },
  { name = "vl_photographic", iod = "VLPhotographicImage", set = {}, vl = true },
  { name = "vl_endoscopic", iod = "VLEndoscopicImage", set = {}, vl = true },
  { name = "vl_microscopic", iod = "VLMicroscopicImage", set = {}, vl = true },
  { name = "ophthalmic_photography_8bit", iod = "OphthalmicPhotography8BitImage",
    set = { "ImageLaterality=R" }, vl = true },
}
-- what secondary_capture makes of several frames (PS3.3 A.8.2-A.8.5)
local MULTI_FRAME = {
  [1] = { [8] = "MultiframeGrayscaleByteSCImage", [16] = "MultiframeGrayscaleWordSCImage" },
  [3] = { [8] = "MultiframeTrueColorSCImage" },
}

local BACKGROUND = "10,200,30" -- the oracle flattens onto the same

describe("TIFF and HEIC input #tiff", function()
  local dir, facts

  setup(function()
    dir = h.tmpdir()
    local ok, _, out, err = h.run("/usr/bin/python3 " .. h.quote(ORACLE) .. " make " .. h.quote(dir))
    assert(ok, err)
    facts = h.json_decode(out)
  end)

  teardown(function() h.cleanup() end)

  local function file(name) return dir .. "/" .. name .. (facts[name].kind == "tiff" and ".tif" or ".heic") end

  local function create(template, input, out, extra)
    local sets = {}
    for _, t in ipairs(TEMPLATES) do
      if t.name == template then
        for _, s in ipairs(t.set) do sets[#sets + 1] = "--set " .. h.quote(s) end
      end
    end
    local ok, code, stdout, stderr = h.run(h.quote(h.dicomkit) .. " create " .. template
      .. " --input " .. h.quote(input) .. " -o " .. h.quote(out) .. " " .. table.concat(sets, " ")
      .. " --set PatientName=Still^Test --set PatientID=TIF1 " .. (extra or ""))
    return ok, code, stdout, stderr, h.exists(out)
  end

  local function compare(jobs)
    local ok, _, out, err = h.run("/usr/bin/python3 " .. h.quote(ORACLE) .. " compare",
      require("dkjson").encode(jobs))
    assert(ok, err)
    return h.json_decode(out)
  end

  it("every kind x every template: dciodvfy finds no error, the pixels are the source's exactly", function()
    local names = {}
    for name in pairs(facts) do names[#names + 1] = name end
    table.sort(names)
    assert.is_true(#names >= 35, "the oracle made " .. #names .. " files")
    local jobs, whats = {}, {}
    for _, t in ipairs(TEMPLATES) do
      for _, name in ipairs(names) do
        local f = facts[name]
        local out = ("%s/%s-%s.dcm"):format(dir, t.name, name)
        local what = name .. " via " .. t.name
        local ok, code, stdout, stderr, written = create(t.name, file(name), out,
          f.alpha == "flattened" and ("--flatten " .. BACKGROUND) or "")
        if t.vl and (f.bits == 16 or f.frames > 1) then
          -- the VL family takes BitsAllocated 8 and one frame here: refused, nothing written
          assert.is_false(ok, what .. " was accepted")
          assert.equal(1, code, what)
          assert.is_false(written, what .. ": a file was written")
          assert.matches(file(name) .. ": ", stderr, 1, true)
          -- ophthalmic refuses several frames before it looks at the bits
          local ophthalmic = t.name:match("^ophthalmic") ~= nil
          if f.frames > 1 and (f.bits == 8 or ophthalmic) then
            assert.matches(("takes one frame%s, not %d; several images make one multi-frame object "
              .. "with secondary_capture"):format(ophthalmic and " here" or "", f.frames),
              stderr, 1, true)
          else
            assert.matches("does not take this image: BitsAllocated value 1 '16'", stderr, 1, true)
          end
        else
          assert.is_true(ok, what .. ": " .. stderr)
          assert.matches("lossless (JPEG-LS)", stdout, 1, true)
          if f.frames > 1 then assert.matches((", %d frames"):format(f.frames), stdout, 1, true) end
          if f.alpha == "flattened" then assert.matches("alpha flattened", stdout, 1, true) end
          if f.alpha == "opaque" then assert.matches("opaque alpha dropped", stdout, 1, true) end
          if f.inverted then assert.matches("WhiteIsZero inverted to MONOCHROME2", stdout, 1, true) end
          if f.orientation then assert.matches("turned upright", stdout, 1, true) end
          if f.skipped then assert.matches("1 reduced-resolution page left out", stdout, 1, true) end
          if f.kind == "heif" then assert.matches("decoded from HEVC (marked lossy)", stdout, 1, true) end
          local iod = t.iod
          if f.frames > 1 then iod = MULTI_FRAME[f.samples][f.bits] end
          local v = dciodvfy.accepts(out, nil, what)
          assert.matches(iod, v.text, 1, true)
          jobs[#jobs + 1] = { dicom = out, expected = dir .. "/" .. name .. ".npy" }
          whats[#jobs] = { what = what, fact = f }
        end
      end
    end
    assert.is_true(#jobs >= 130, #jobs .. " objects checked")
    for i, r in ipairs(compare(jobs)) do
      local w, f = whats[i].what, whats[i].fact
      assert.equal(JPEG_LS, r.transfer_syntax, w)
      assert.equal(f.rows, r.rows, w)
      assert.equal(f.columns, r.columns, w)
      assert.equal(f.samples, r.samples, w)
      assert.equal(f.bits, r.bits, w)
      assert.equal(f.samples == 1 and "MONOCHROME2" or "RGB", r.photometric, w)
      -- HEVC is lossy: once lossy, always marked so (PS3.3 C.7.6.1.1.5)
      assert.equal(f.kind == "heif" and "01" or "00", r.lossy, w)
      assert.is_true(r.same_shape, w)
      assert.equal(0, r.max, w .. ": pixels differ from the source's")
    end
  end)

  it("the report in Lua says what was read and what was done", function()
    local ds = dk.dataset()
    local r = assert(ds:set_pixels(file("pages_rgb")))
    assert.equal("tiff", r.input)
    assert.equal("lossless", r.mode)
    assert.equal(3, r.frames)
    assert.equal(1, r.pages_skipped)
    assert.equal("3", tostring(ds.NumberOfFrames))
    r = assert(ds:set_pixels(file("orient6")))
    assert.equal(6, r.orientation)
    assert.is_true(r.orientation_applied)
    assert.equal(facts.orient6.rows, ds.Rows)
    assert.is_nil(ds:info("NumberOfFrames"))
    r = assert(ds:set_pixels(file("grey8_white")))
    assert.is_true(r.inverted)
    assert.equal("MONOCHROME2", ds.PhotometricInterpretation)
    r = assert(ds:set_pixels(file("palette4")))
    assert.is_true(r.palette_expanded)
    assert.equal(4, r.source_bits)
    r = assert(ds:set_pixels(file("photo")))
    assert.equal("heif", r.input)
    assert.equal("01", ds.LossyImageCompression)
    assert.equal("ISO_23008_2", ds.LossyImageCompressionMethod)
    r = assert(ds:set_pixels(file("rotated")))
    assert.is_true(r.orientation_applied)
    assert.equal(facts.rotated.rows, ds.Rows)
    r = assert(ds:set_pixels(file("two")))
    assert.equal(2, r.frames)
    -- uncompressed on request, the same pixels
    local out = dir .. "/native-rgb16.dcm"
    assert.is_true((create("secondary_capture", file("rgb16_planar_mm"), out, "--uncompressed")))
    local c = compare({ { dicom = out, expected = dir .. "/rgb16_planar_mm.npy" } })[1]
    assert.equal("1.2.840.10008.1.2.1", c.transfer_syntax)
    assert.equal(0, c.max)
    -- translucent without --flatten: refused, naming the first pixel
    for _, name in ipairs({ "rgba8", "alpha" }) do
      local o = dir .. "/translucent-" .. name .. ".dcm"
      local ok, code, _, stderr, written = create("secondary_capture", file(name), o)
      assert.is_false(ok, name)
      assert.equal(1, code)
      assert.is_false(written)
      assert.matches(file(name) .. ": has translucent pixels (the first at column ", stderr, 1, true)
    end
  end)

  it("several files, one object: PNG, TIFF pages and HEIC images as frames, in the order given", function()
    -- a PNG by PIL from one of the oracle's arrays, the others as the oracle wrote them
    assert(h.run("/usr/bin/python3 -c " .. h.quote(("import numpy as np; from PIL import Image; "
      .. "Image.fromarray(np.load('%s/lzw_rgb.npy')).save('%s/lzw_rgb.png'); "
      .. "Image.fromarray(np.load('%s/grey8.npy')).save('%s/grey8.png')"):format(dir, dir, dir, dir))))
    -- the frames expected: the sources' arrays one after the other (a single image gets a frame axis)
    local function expect(names, samples, into)
      local list = {}
      for _, n in ipairs(names) do list[#list + 1] = "np.load('" .. dir .. "/" .. n .. ".npy')" end
      assert(h.run("/usr/bin/python3 -c " .. h.quote(("import numpy as np; np.save('%s', np.concatenate("
        .. "[x if x.ndim == %d else x[None] for x in [%s]]))"):format(into, samples == 3 and 4 or 3,
        table.concat(list, ", ")))))
    end
    local cases = {
      { inputs = { file("rgb8"), file("pages_rgb"), file("photo"), dir .. "/lzw_rgb.png", file("two") },
        names = { "rgb8", "pages_rgb", "photo", "lzw_rgb", "two" }, frames = 8,
        iod = "MultiframeTrueColorSCImage", lossy = "01", samples = 3 },
      { inputs = { dir .. "/grey8.png", file("pages_grey8"), file("grey4") },
        names = { "grey8", "pages_grey8", "grey4" }, frames = 6,
        iod = "MultiframeGrayscaleByteSCImage", lossy = "00", samples = 1 },
    }
    local jobs = {}
    for i, c in ipairs(cases) do
      local out = ("%s/several-%d.dcm"):format(dir, i)
      local args = {}
      for _, f in ipairs(c.inputs) do args[#args + 1] = "--input " .. h.quote(f) end
      local ok, _, stdout, stderr = h.run(h.quote(h.dicomkit) .. " create secondary_capture " .. table.concat(args, " ")
        .. " -o " .. h.quote(out) .. " --set PatientName=Still^Test --set PatientID=TIF1")
      assert.is_true(ok, stderr)
      assert.matches((", %d frames"):format(c.frames), stdout, 1, true)
      assert.matches(c.iod, dciodvfy.accepts(out, nil, "several-" .. i).text, 1, true)
      expect(c.names, c.samples, dir .. "/several-" .. i .. ".npy")
      jobs[#jobs + 1] = { dicom = out, expected = dir .. "/several-" .. i .. ".npy" }
    end
    for i, r in ipairs(compare(jobs)) do
      assert.equal(JPEG_LS, r.transfer_syntax)
      assert.equal(cases[i].lossy, r.lossy, "case " .. i)
      assert.is_true(r.same_shape, "case " .. i)
      assert.equal(0, r.max, "case " .. i .. ": frames differ from the sources'")
    end
    -- in Lua, the same list
    local ds = dk.dataset()
    local r = assert(ds:set_pixels(cases[2].inputs))
    assert.equal(6, r.frames)
    assert.equal("6", tostring(ds.NumberOfFrames))
    -- frames that disagree: the first that differs is named, nothing written
    for _, bad in ipairs({
      { { file("rgb8"), file("grey8") }, file("grey8") .. ": 41x27 grey 8-bit, " .. file("rgb8")
        .. " is 41x27 RGB 8-bit; the frames of one object must agree" },
      { { file("rgb8"), file("photo"), file("orient6") }, file("orient6") .. ": 27x41 RGB 8-bit, " .. file("rgb8")
        .. " is 41x27 RGB 8-bit; the frames of one object must agree" },
      { { file("grey8"), file("grey16") }, file("grey16") .. ": 41x27 grey 16-bit, " .. file("grey8")
        .. " is 41x27 grey 8-bit; the frames of one object must agree" },
    }) do
      local out = dir .. "/disagree.dcm"
      local args = {}
      for _, f in ipairs(bad[1]) do args[#args + 1] = "--input " .. h.quote(f) end
      local ok, code, _, stderr = h.run(h.quote(h.dicomkit) .. " create secondary_capture " .. table.concat(args, " ")
        .. " -o " .. h.quote(out))
      assert.is_false(ok)
      assert.equal(1, code)
      assert.matches("dicomkit: " .. bad[2], stderr, 1, true)
      assert.is_false(h.exists(out))
    end
    -- the pixel limit holds for all of them together
    local none, msg, code = dk.dataset():set_pixels({ file("rgb8"), file("pages_rgb") }, { max_pixels = 41 * 27 * 3 })
    assert.is_nil(none)
    assert.equal("EINVAL", code)
    assert.matches(file("pages_rgb") .. ": ", msg, 1, true)
    assert.matches("over the limit of 2214 (max_pixels), what is left of 3321 after the 1107 pixels of the images "
      .. "before it", msg, 1, true)
  end)

  describe("bad files: the error names the file and the rule, exit 1, no output file", function()
    local bad

    setup(function()
      bad = dir .. "/bad"
      assert(h.run("mkdir -p " .. h.quote(bad)))
      assert(h.run("/usr/bin/python3 - " .. h.quote(dir) .. " " .. h.quote(bad) .. " "
        .. h.quote(h.source), [[
import os, struct, sys
import numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[3] + "/spec/oracles")
from still_inputs import tiff_bytes
src, d = sys.argv[1] + "/", sys.argv[2] + "/"
def put(name, data):
    open(d + name, "wb").write(data)
w = open(src + "rgb8.tif", "rb").read()
put("half.tif", w[:len(w) // 2])
b = bytearray(open(src + "lzw_rgb.tif", "rb").read())
for i in range(16, 400):
    b[i] ^= 0x5A
put("corrupt.tif", bytes(b))
def declared(wd, ht):
    t = bytearray(tiff_bytes([dict(arr=np.zeros((1, 4), np.uint8), bps=8, photometric=1)]))
    i = t.find(struct.pack("<HHI", 256, 4, 1)); struct.pack_into("<I", t, i + 8, wd)
    i = t.find(struct.pack("<HHI", 257, 4, 1)); struct.pack_into("<I", t, i + 8, ht)
    return bytes(t)
put("huge.tif", declared(65535, 65535))
put("wide.tif", declared(70000, 1))
Image.new("CMYK", (8, 8)).save(d + "cmyk.tif")
Image.new("F", (8, 8)).save(d + "float.tif")
z = np.zeros((8, 8), np.uint8)
put("disagree.tif", tiff_bytes([dict(arr=z, bps=8, photometric=1),
                                dict(arr=np.zeros((9, 8), np.uint8), bps=8, photometric=1)]))
hh = open(src + "photo.heic", "rb").read()
put("half.heic", hh[:len(hh) // 2])
b = bytearray(hh); m = b.find(b"mdat"); struct.pack_into(">I", b, m + 4, 0x7FFFFFFF)
put("corrupt.heic", bytes(b))
b = bytearray(hh); i = b.find(b"ispe"); struct.pack_into(">II", b, i + 8, 60000, 60000)
put("huge.heic", bytes(b))
b = bytearray(hh); i = b.find(b"ispe")
while i >= 0:
    struct.pack_into(">II", b, i + 8, 8, 8); i = b.find(b"ispe", i + 4)
put("understated.heic", bytes(b))
put("notes.tif", b"Patient notes, not a scan\n")
put("notes.heic", b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isommp42")
]]))
    end)

    local function refused(name, pattern, code_expected)
      local path = bad .. "/" .. name
      for _, template in ipairs({ "secondary_capture", "vl_photographic" }) do
        local out = path .. "." .. template .. ".dcm"
        local ok, code, _, stderr, written = create(template, path, out)
        assert.is_false(ok, name .. " was accepted")
        assert.equal(1, code, stderr)
        assert.is_false(written, name .. ": a file was written")
        assert.matches("dicomkit: " .. path .. ": ", stderr, 1, true)
        assert.matches(pattern, stderr)
      end
      local ds = dk.dataset()
      local report, msg, code = ds:set_pixels(path)
      assert.is_nil(report)
      assert.equal(code_expected, code, msg)
      assert.is_nil(ds:info("PixelData"))
    end

    it("truncated", function()
      refused("half.tif", "not a TIFF dicomkit can read %(", "EFORMAT")
      refused("half.heic", "not a HEIF dicomkit can read %(reading the container: .*end of file", "EFORMAT")
    end)

    it("corrupt", function()
      refused("corrupt.tif", "not a TIFF dicomkit can read %(page 1: a strip is truncated or corrupt", "EFORMAT")
      refused("corrupt.heic", "not a HEIF dicomkit can read %(decoding: .*NAL unit size is invalid", "EFORMAT")
    end)

    it("a huge declared size, refused before decoding", function()
      refused("huge.tif", "65535x65535 are 4294836225 pixels, over the limit of 268435456 %(max_pixels%)", "EINVAL")
      refused("wide.tif", "page 1 is 70000x1; DICOM's Rows and Columns hold 1%.%.65535", "EINVAL")
      refused("huge.heic", "Image size 60000x60000 exceeds the maximum image size", "EINVAL")
      local ds = dk.dataset()
      local r, msg, code = ds:set_pixels(file("pages_grey8"), { max_pixels = 2000 })
      assert.is_nil(r)
      assert.equal("EINVAL", code)
      assert.matches("2 page(s) of 41x27 are 2214 pixels, over the limit of 2000", msg, 1, true)
      -- a container that says 8x8 is held to the limit by what its stream decodes to
      ds = dk.dataset()
      local path = bad .. "/understated.heic"
      r, msg, code = ds:set_pixels(path, { max_pixels = 1000 })
      assert.is_nil(r)
      assert.equal("EINVAL", code)
      assert.matches("^" .. path:gsub("%p", "%%%0") .. ": image 1 decodes to %d+x%d+ %(its container says 8x8%); "
        .. "%d+ pixels in all is over the limit of 1000 %(max_pixels%)$", msg)
      assert.is_nil(ds:info("PixelData"))
    end)

    it("what DICOM here does not take: CMYK, floating point, pages that disagree", function()
      refused("cmyk.tif", "page 1 is CMYK %(separated%); DICOM images here are grey or RGB", "EUNSUPPORTED")
      refused("float.tif", "page 1 has floating point samples", "EUNSUPPORTED")
      refused("disagree.tif", "page 2 is 8x9 grey 8%-bit, page 1 is 8x8 grey 8%-bit; the frames of one "
        .. "object must agree", "EINVAL")
    end)

    it("the kind comes from the content, never the name", function()
      refused("notes.tif", "not an image dicomkit imports .*it starts with 50 61 74 69 65 6E 74 20", "EFORMAT")
      -- an MP4's ftyp is no HEIF
      refused("notes.heic", "not an image dicomkit imports .*it starts with 00 00 00 18 66 74 79 70", "EFORMAT")
      local as_jpg = dir .. "/scan.jpg"
      h.write_file(as_jpg, h.read_file(file("grey16")))
      local ok, _, stdout, stderr = create("secondary_capture", as_jpg, dir .. "/scan.dcm")
      assert.is_true(ok, stderr)
      assert.matches("lossless (JPEG-LS)", stdout, 1, true)
      local as_png = dir .. "/photo.png"
      h.write_file(as_png, h.read_file(file("photo")))
      local r = assert(dk.dataset():set_pixels(as_png))
      assert.equal("heif", r.input)
      r = assert(dk.dataset():set_pixels{ bytes = h.read_file(file("rgb8")) })
      assert.equal("tiff", r.input)
      local _, msg = dk.dataset():set_pixels{ bytes = h.read_file(bad .. "/half.tif") }
      assert.matches("^TIFF data: not a TIFF dicomkit can read", msg)
    end)
  end)

  describe("into Orthanc #network", function()
    local orthanc

    setup(function() orthanc = h.start_orthanc() end)
    teardown(function() if orthanc then orthanc.stop() end end)

    it("C-STOREd as JPEG-LS, held as sent, /preview renders the source's pixels", function()
      local made = {}
      for _, c in ipairs({ { "secondary_capture", "grey1_white" }, { "secondary_capture", "grey16" },
                           { "secondary_capture", "pages_rgb" }, { "vl_photographic", "photo" },
                           { "vl_endoscopic", "palette8" }, { "vl_photographic", "rotated" },
                           { "secondary_capture", "pages_grey8" } }) do
        local out = ("%s/orthanc-%s-%s.dcm"):format(dir, c[1], c[2])
        local ok, _, _, stderr = create(c[1], file(c[2]), out)
        assert.is_true(ok, stderr)
        made[#made + 1] = { path = out, name = c[2], ds = assert(dk.read(out)) }
      end
      local list = {}
      for _, m in ipairs(made) do list[#list + 1] = m.path end
      local results, summary = dk.send(list, { port = orthanc.dicom, called_ae = orthanc.aet })
      assert.equal(#made, summary.stored, results[1].message)
      for _, m in ipairs(made) do
        local f = facts[m.name]
        local id = assert(orthanc.lookup(m.ds.SOPInstanceUID), m.name)
        local tags = orthanc.rest("/instances/" .. id .. "/simplified-tags")
        assert.equal(tostring(f.rows), tags.Rows, m.name)
        assert.equal(JPEG_LS, orthanc.rest("/instances/" .. id .. "/metadata/TransferSyntax"))
        if f.frames > 1 then assert.equal(tostring(f.frames), tags.NumberOfFrames) end
        local held = dir .. "/held-" .. m.name .. ".dcm"
        h.write_file(held, assert(orthanc.rest("/instances/" .. id .. "/file")))
        assert.equal(0, compare({ { dicom = held, expected = dir .. "/" .. m.name .. ".npy" } })[1].max,
          m.name)
        -- the preview of the first frame, read by PIL
        local preview = dir .. "/preview-" .. m.name .. ".png"
        local body, status = orthanc.rest("/instances/" .. id .. "/frames/0/preview")
        h.write_file(preview, assert(body, status))
        local seen = h.pydicom([[
import numpy as np
from PIL import Image
im = np.asarray(Image.open(sys.argv[1]))
exp = np.load(sys.argv[2])
if int(sys.argv[3]) > 1:
    exp = exp[0]
r = {"shape": list(im.shape)[:2]}
if exp.dtype == np.uint8:
    r["max"] = int(np.abs(im.astype(int) - exp.astype(int)).max())
print(json.dumps(r))]], preview, dir .. "/" .. m.name .. ".npy", tostring(f.frames))
        assert.same({ f.rows, f.columns }, seen.shape, m.name)
        if f.bits == 8 then assert.equal(0, seen.max, m.name .. ": preview pixels") end
        m.ds:close()
      end
    end)
  end)
end)
