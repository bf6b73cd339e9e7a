-- Several JPEGs into one multi-frame object, as a user does it (`dicomkit create
-- secondary_capture --input a.jpg --input b.jpg ...`, or a list in Lua), checked by oracles we
-- did not write: dciodvfy (exit status and every line), pydicom (the frames, the Basic Offset
-- Table, the pixels decoded by its PIL handler against PIL's decode of each source), Orthanc's
-- REST API (the frames it holds, each frame's preview). Frames that disagree are refused naming
-- the frame, with no output file.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"

local MF_COLOUR = "1.2.840.10008.5.1.4.1.1.7.4"
local MF_GREY8 = "1.2.840.10008.5.1.4.1.1.7.2"

describe("multi-frame objects from several JPEGs #multiframe", function()
  local dir

  -- a JPEG made by libjpeg-turbo's cjpeg from a synthetic picture, distinct per seed
  local function jpeg(name, seed, w, hgt, args)
    w, hgt = w or 96, hgt or 64
    local rows = {}
    for y = 0, hgt - 1 do
      for x = 0, w - 1 do
        rows[#rows + 1] = string.char((x * 3 + seed * 11) % 256, (y * 4 + seed * 7) % 256,
          (x + y + seed) % 256)
      end
    end
    local ppm = dir .. "/" .. name .. ".ppm"
    local out = dir .. "/" .. name .. ".jpg"
    h.write_file(ppm, ("P6\n%d %d\n255\n"):format(w, hgt) .. table.concat(rows))
    assert(h.run("cjpeg -quality 90 " .. (args or "") .. " " .. h.quote(ppm) .. " > " .. h.quote(out)))
    return out
  end

  setup(function()
    dir = h.tmpdir()
    for i = 1, 4 do jpeg("c" .. i, i) end
    for i = 1, 3 do jpeg("g" .. i, i, nil, nil, "-grayscale") end
    jpeg("small", 9, 64, 48)
    jpeg("c444", 5, nil, nil, "-sample 1x1")
    jpeg("prog", 6, nil, nil, "-progressive")
  end)

  teardown(function() h.cleanup() end)

  local function create(template, inputs, out, extra)
    local args = {}
    for _, f in ipairs(inputs) do args[#args + 1] = "--input " .. h.quote(f) end
    local ok, code, stdout, stderr = h.run(h.quote(h.dicomkit) .. " create " .. template .. " "
      .. table.concat(args, " ") .. " -o " .. h.quote(out) .. " --set PatientID=MF1 " .. (extra or ""))
    return ok, code, stdout, stderr, h.exists(out)
  end

  -- what pydicom sees: the frames' bytes, the offset table, the decoded pixels against PIL's
  local function frames_of(path, sources)
    return h.pydicom([[
import numpy as np
from PIL import Image
from pydicom.encaps import generate_pixel_data_frame, get_frame_offsets
from pydicom.filebase import DicomBytesIO
ds = pydicom.dcmread(sys.argv[1])
srcs = sys.argv[2:]
r = {"sop": str(ds.SOPClassUID), "ts": str(ds.file_meta.TransferSyntaxUID),
     "frames": int(ds.NumberOfFrames), "photometric": str(ds.PhotometricInterpretation),
     "fip": str(ds.get("FrameIncrementPointer", "")), "pages": [int(v) for v in ds.get("PageNumberVector", [])],
     "burned": str(ds.get("BurnedInAnnotation", ""))}
arr = ds.pixel_array
if ds.file_meta.TransferSyntaxUID.is_compressed:
    frames = list(generate_pixel_data_frame(ds.PixelData, int(ds.NumberOfFrames)))
    r["same_bytes"] = [f.rstrip(b"\0") == open(s, "rb").read().rstrip(b"\0") for f, s in zip(frames, srcs)]
    fp = DicomBytesIO(ds.PixelData)
    fp.is_little_endian = True
    _, offsets = get_frame_offsets(fp)
    r["offsets"] = [int(o) for o in offsets]
    r["lengths"] = [len(f) + (len(f) & 1) for f in frames]
if ds.PhotometricInterpretation == "YBR_FULL_422":
    from pydicom.pixel_data_handlers.util import convert_color_space
    arr = convert_color_space(arr, "YBR_FULL", "RGB", per_frame=True)
diffs = []
for i, s in enumerate(srcs):
    im = Image.open(s)
    exp = np.asarray(im.convert("RGB") if im.mode not in ("L",) else im).astype(int)
    got = arr[i].astype(int)
    diffs.append(int(np.abs(got - exp).max()) if got.shape == exp.shape else -1)
r["max"] = diffs
print(json.dumps(r))]], path, table.unpack(sources))
  end

  it("colour JPEGs: a Multi-frame True Color SC, one fragment per frame, the offset table filled", function()
    local inputs = { dir .. "/c1.jpg", dir .. "/c2.jpg", dir .. "/c3.jpg", dir .. "/c4.jpg" }
    local out = dir .. "/colour.dcm"
    local ok, _, stdout, stderr = create("secondary_capture", inputs, out)
    assert.is_true(ok, stderr)
    assert.matches("Multi-frame True Color Secondary Capture Image, 96x64 YBR_FULL_422, 4 frames, passthrough",
      stdout, 1, true)
    dciodvfy.accepts(out, "MultiframeTrueColorSCImage")
    local errors = {}
    for _, f in ipairs(dk.validate(assert(dk.read(out)))) do
      if f.severity == "error" then errors[#errors + 1] = f.path .. ": " .. f.message end
    end
    assert.same({}, errors)
    local r = frames_of(out, inputs)
    assert.equal(MF_COLOUR, r.sop)
    assert.equal("1.2.840.10008.1.2.4.50", r.ts)
    assert.equal(4, r.frames)
    assert.same({ true, true, true, true }, r.same_bytes) -- each frame is its JPEG, byte for byte
    local at, expected = 0, {}
    for i, len in ipairs(r.lengths) do expected[i] = at; at = at + 8 + len end
    assert.same(expected, r.offsets)
    assert.is_true(r.offsets[2] > 0)
    for i, d in ipairs(r.max) do assert.is_true(d >= 0 and d <= 2, "frame " .. i .. ": " .. d) end
    assert.same({ 1, 2, 3, 4 }, r.pages)
    assert.equal("(0018,2001)", r.fip:gsub("%s", ""))
    assert.equal("YES", r.burned)
  end)

  it("grey JPEGs: a Multi-frame Grayscale Byte SC; the same from Lua, with BurnedInAnnotation NO", function()
    local inputs = { dir .. "/g1.jpg", dir .. "/g2.jpg", dir .. "/g3.jpg" }
    local ds = assert(dk.template("secondary_capture"){ input = inputs, burned_in_annotation = "NO",
                                                        PatientName = "Frames^Three" })
    local out = dir .. "/grey.dcm"
    assert(ds:save(out))
    ds:close()
    dciodvfy.accepts(out, "MultiframeGrayscaleByteSCImage")
    local r = frames_of(out, inputs)
    assert.equal(MF_GREY8, r.sop)
    assert.equal(3, r.frames)
    assert.equal("MONOCHROME2", r.photometric)
    assert.equal("NO", r.burned)
    assert.same({ true, true, true }, r.same_bytes)
    for i, d in ipairs(r.max) do assert.is_true(d >= 0 and d <= 2, "frame " .. i .. ": " .. d) end
    assert.has_error(function()
      dk.template("secondary_capture"){ input = inputs, burned_in_annotation = "maybe" }
    end)
    -- ds:set_pixels takes the list itself
    local raw = dk.dataset()
    local report = assert(raw:set_pixels(inputs))
    assert.equal(3, report.frames)
    assert.equal("3", tostring(raw.NumberOfFrames))
    -- and one image again: NumberOfFrames goes with the frames it described
    assert(raw:set_pixels(inputs[1]))
    assert.is_nil(raw:info("NumberOfFrames"))
  end)

  it("a frame that must be decoded decodes all (--decode), the pixels the sources'", function()
    local inputs = { dir .. "/c1.jpg", dir .. "/prog.jpg" }
    local out = dir .. "/decoded.dcm"
    -- without --decode a progressive JPEG is refused as a single one is, named
    local ok, code, _, stderr, written = create("secondary_capture", inputs, out)
    assert.is_false(ok)
    assert.equal(1, code)
    assert.is_false(written)
    assert.matches(dir .. "/prog.jpg: JPEG Baseline cannot carry this JPEG as it is (progressive (SOF2))",
      stderr, 1, true)
    local stdout
    ok, _, stdout, stderr = create("secondary_capture", inputs, out, "--decode")
    assert.is_true(ok, stderr)
    assert.matches("2 frames, decoded", stdout, 1, true)
    dciodvfy.accepts(out, "MultiframeTrueColorSCImage")
    local r = frames_of(out, inputs)
    assert.equal("1.2.840.10008.1.2.1", r.ts)
    assert.equal("RGB", r.photometric)
    assert.same({ 0, 0 }, r.max) -- libjpeg-turbo both: the same pixels
  end)

  describe("frames that disagree: the error names the frame and how, exit 1, no file", function()
    local function refused(inputs, pattern)
      local out = dir .. "/refused.dcm"
      local ok, code, _, stderr, written = create("secondary_capture", inputs, out)
      assert.is_false(ok, "accepted")
      assert.equal(1, code, stderr)
      assert.is_false(written, "a file was written")
      assert.matches(pattern, stderr, 1, true)
      local ds = dk.dataset()
      local report, msg, ecode = ds:set_pixels(inputs)
      assert.is_nil(report)
      assert.is_string(ecode)
      assert.matches(pattern, msg, 1, true)
      assert.is_nil(ds:info("PixelData"))
    end

    it("another size", function()
      refused({ dir .. "/c1.jpg", dir .. "/c2.jpg", dir .. "/small.jpg" },
        dir .. "/small.jpg: frame 3 differs from frame 1 (" .. dir .. "/c1.jpg): 64x48, frame 1 is 96x64")
    end)

    it("other components (grey among colour)", function()
      refused({ dir .. "/c1.jpg", dir .. "/g1.jpg" },
        dir .. "/g1.jpg: frame 2 differs from frame 1 (" .. dir .. "/c1.jpg): 1 components, frame 1 has 3")
    end)

    it("other subsampling (4:4:4 among 4:2:0)", function()
      refused({ dir .. "/c1.jpg", dir .. "/c444.jpg" },
        dir .. "/c444.jpg: frame 2 differs from frame 1 (" .. dir .. "/c1.jpg): other chroma subsampling")
    end)

    it("a PNG or a file that is no image among them", function()
      h.write_file(dir .. "/notes.jpg", "not an image at all")
      refused({ dir .. "/c1.jpg", dir .. "/notes.jpg" }, dir .. "/notes.jpg: not an image dicomkit imports")
      local png = dir .. "/p.png"
      assert(h.run("/usr/bin/python3 -c " .. h.quote("from PIL import Image; Image.new('RGB', (96, 64)).save('"
        .. png .. "')")))
      refused({ dir .. "/c1.jpg", png }, png .. ": a PNG among frames that start with a JPEG (" .. dir
        .. "/c1.jpg); the frames of one object are all JPEG (kept as they are) or all PNG, TIFF or HEIC (decoded)")
      refused({ dir .. "/c1.jpg", dir .. "/missing.jpg" }, dir .. "/missing.jpg: No such file or directory")
    end)

    it("a single-frame IOD given several frames", function()
      for _, t in ipairs({ "vl_photographic", "vl_endoscopic", "vl_microscopic" }) do
        local out = dir .. "/" .. t .. ".dcm"
        local ok, code, _, stderr, written = create(t, { dir .. "/c1.jpg", dir .. "/c2.jpg" }, out)
        assert.is_false(ok, t)
        assert.equal(1, code)
        assert.is_false(written)
        assert.matches("takes one frame, not 2; several images make one multi-frame object with "
          .. "secondary_capture", stderr, 1, true)
      end
    end)
  end)

  describe("into Orthanc #network", function()
    it("stores the frames as sent; each frame previews", function()
      local orthanc = h.start_orthanc()
      finally(function() orthanc.stop() end)
      local inputs = { dir .. "/c1.jpg", dir .. "/c2.jpg", dir .. "/c3.jpg" }
      local out = dir .. "/to-orthanc.dcm"
      assert.is_true((create("secondary_capture", inputs, out)))
      local ds = assert(dk.read(out))
      local results = dk.send({ ds }, { port = orthanc.dicom, called_ae = orthanc.aet })
      assert.is_true(results[1].ok, results[1].message)
      local id = assert(orthanc.lookup(ds.SOPInstanceUID))
      assert.same({ 0, 1, 2 }, orthanc.rest("/instances/" .. id .. "/frames"))
      assert.equal(MF_COLOUR, orthanc.rest("/instances/" .. id .. "/metadata/SopClassUid"))
      for f = 0, 2 do
        local preview = dir .. "/frame" .. f .. ".png"
        h.write_file(preview, assert(orthanc.rest(("/instances/%s/frames/%d/preview"):format(id, f))))
        local seen = h.pydicom([[
import numpy as np
from PIL import Image
a = np.asarray(Image.open(sys.argv[1]).convert("RGB")).astype(int)
b = np.asarray(Image.open(sys.argv[2]).convert("RGB")).astype(int)
print(json.dumps({"shape": list(a.shape), "max": int(np.abs(a - b).max())}))]], preview, inputs[f + 1])
        assert.same({ 64, 96, 3 }, seen.shape)
        assert.is_true(seen.max <= 3, "frame " .. f .. " preview differs by " .. seen.max)
      end
      ds:close()
    end)
  end)
end)
