-- The photo's own facts: EXIF read by libexif (core/src/exif.c), given in Lua by dk.jpeg and
-- the import's report, and mapped by the templates: DateTimeOriginal (with sub-seconds and its
-- UTC offset) to AcquisitionDateTime/ContentDate/ContentTime of an ORIGINAL image, Make and
-- Model to Manufacturer/ManufacturerModelName, the serial number only with --exif-serial, the
-- owner and GPS never. Checked against JPEGs whose EXIF the oracle writes tag by tag and PIL
-- reads back (spec/oracles/exif_inputs.py), dciodvfy, pydicom reading what was written, the
-- file's raw bytes for what must not be there, and Orthanc's REST API.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"

local ORACLE = h.source .. "/spec/oracles/exif_inputs.py"
local ORIGINAL = { "vl_photographic", "vl_endoscopic", "vl_microscopic", "ophthalmic_photography_8bit" }

-- EXIF's "YYYY:MM:DD HH:MM:SS" (+ sub-seconds, + "+HH:MM") as DICOM DT, from what PIL read
local function dt_of(f)
  local y, mo, d, hh, mi, s = f.DateTimeOriginal:match("^(%d%d%d%d):(%d%d):(%d%d) (%d%d):(%d%d):(%d%d)$")
  local v = y .. mo .. d .. hh .. mi .. s
  if f.SubSecTimeOriginal then v = v .. "." .. f.SubSecTimeOriginal end
  if f.OffsetTimeOriginal then v = v .. f.OffsetTimeOriginal:gsub(":", "") end
  return v
end

describe("EXIF facts #exif", function()
  local dir, facts

  setup(function()
    dir = h.tmpdir()
    local ok, _, out, err = h.run("/usr/bin/python3 " .. h.quote(ORACLE) .. " make " .. h.quote(dir))
    assert(ok, err)
    facts = h.json_decode(out)
  end)
  teardown(function() h.cleanup() end)

  local function create(template, name, out, extra)
    local ok, code, stdout, stderr = h.run(h.quote(h.dicomkit) .. " create " .. template .. " --input "
      .. h.quote(dir .. "/" .. name .. ".jpg") .. " -o " .. h.quote(out) .. " --set PatientID=EX1"
      .. (template:match("^ophthalmic") and " --set ImageLaterality=L" or "") .. " " .. (extra or ""))
    return ok, code, stdout, stderr
  end

  local function read(path)
    return h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
print(json.dumps({k: str(ds.get(k)) if k in ds else None for k in ("AcquisitionDateTime", "ContentDate",
  "ContentTime", "Manufacturer", "ManufacturerModelName", "DeviceSerialNumber")}))
]], path)
  end

  it("dk.jpeg gives the facts PIL reads from the same file", function()
    local f = facts.full
    local e = assert(dk.jpeg(dir .. "/full.jpg")).exif
    assert.equal(f.Make, e.Make)
    assert.equal(f.Model, e.Model)
    assert.equal(f.LensModel, e.LensModel)
    assert.equal(dt_of(f), e.DateTimeOriginal)
    assert.equal("20240506070809.123+0200", e.DateTimeOriginal)
    assert.equal(f.ISOSpeedRatings, e.ISOSpeedRatings)
    assert.equal(f.Flash, e.Flash)
    assert.near(f.ExposureTime, e.ExposureTime, 1e-12)
    assert.near(f.FNumber, e.FNumber, 1e-12)
    assert.near(f.FocalLength, e.FocalLength, 1e-12)
    -- the caller's own look at the file holds the identifying facts too
    assert.equal(f.BodySerialNumber, e.BodySerialNumber)
    assert.equal(f.CameraOwnerName, e.CameraOwnerName)
    assert.equal(f.LensSerialNumber, e.LensSerialNumber)
    local lat, lon = f.GPS["2"], f.GPS["4"]
    assert.near(lat[1] + lat[2] / 60 + lat[3] / 3600, e.GPSLatitude, 1e-9)
    assert.near(-(lon[1] + lon[2] / 60 + lon[3] / 3600), e.GPSLongitude, 1e-9) -- "W"
    assert.near(f.GPS["6"], e.GPSAltitude, 1e-9)
    -- big-endian EXIF, and the rules for what is not a value
    e = dk.jpeg(dir .. "/big_endian.jpg").exif
    assert.equal(facts.big_endian.Make, e.Make)
    assert.equal(dt_of(facts.big_endian), e.DateTimeOriginal)
    assert.equal(3200, e.ISOSpeedRatings)
    e = dk.jpeg(dir .. "/unset_date.jpg").exif
    assert.is_nil(e.DateTimeOriginal) -- 0000:00:00 00:00:00: never set
    assert.equal("Olympus", e.Make)   -- trailing spaces dropped
    e = dk.jpeg(dir .. "/bad_date.jpg").exif
    assert.is_nil(e.DateTimeOriginal) -- 29 February 2023 does not exist
    assert.equal("Model?with?odd", e.Model) -- a backslash (DICOM's separator) and a control byte
    assert.equal("20220102030405-0500", dk.jpeg(dir .. "/date_no_camera.jpg").exif.DateTimeOriginal)
    -- broken EXIF is no error for the image: no facts, the image imports
    for _, n in ipairs({ "truncated", "bad_offset" }) do
      local info = assert(dk.jpeg(dir .. "/" .. n .. ".jpg"))
      assert.same({}, info.exif, n)
      local r = assert(dk.dataset():set_pixels(dir .. "/" .. n .. ".jpg"), n)
      assert.equal("passthrough", r.mode)
    end
    -- no EXIF at all
    assert.is_false(dk.jpeg(dir .. "/plain.jpg").exif)
    assert.is_nil(assert(dk.dataset():set_pixels(dir .. "/plain.jpg")).exif)
  end)

  it("every template: the time taken and the camera by default, nothing identifying", function()
    for _, t in ipairs(ORIGINAL) do
      for _, name in ipairs({ "full", "big_endian", "no_offset", "date_no_camera" }) do
        local f = facts[name]
        local out = ("%s/%s-%s.dcm"):format(dir, t, name)
        local ok, _, stdout, stderr = create(t, name, out)
        assert.is_true(ok, stderr)
        assert.matches("time taken", stdout, 1, true)
        dciodvfy.accepts(out, nil, t .. " " .. name)
        local got = read(out)
        local dt = dt_of(f)
        assert.equal(dt, got.AcquisitionDateTime, t .. " " .. name)
        assert.equal(dt:sub(1, 8), got.ContentDate)
        assert.equal(dt:sub(9):match("^[%d.]+"), got.ContentTime)
        assert.equal(f.Make or "dicomkit", got.Manufacturer)
        assert.equal(f.Model, got.ManufacturerModelName)
        assert.is_nil(got.DeviceSerialNumber)
        local bytes = h.read_file(out)
        for _, secret in ipairs({ "SN-998877", "LENS-5544", "Dr Owner", "Jane Photographer", "Exif\0\0" }) do
          assert.is_nil(bytes:find(secret, 1, true), t .. " " .. name .. ": " .. secret .. " is in the file")
        end
      end
    end
    -- a secondary capture is DERIVED: the camera, not the time it was taken
    local out = dir .. "/sc-full.dcm"
    assert.is_true((create("secondary_capture", "full", out)))
    dciodvfy.accepts(out, "SCImage", "sc full")
    local got = read(out)
    assert.equal("Canon", got.Manufacturer)
    assert.is_nil(got.AcquisitionDateTime)
    assert.not_equal("20240506", got.ContentDate)
  end)

  it("--exif-serial adds the serial numbers, nothing else; --no-exif takes nothing", function()
    local out = dir .. "/serial.dcm"
    local ok, _, stdout, stderr = create("vl_photographic", "full", out, "--exif-serial")
    assert.is_true(ok, stderr)
    assert.matches("serial number from EXIF", stdout, 1, true)
    dciodvfy.accepts(out, "VLPhotographicImage", "serial")
    assert.equal("SN-998877", read(out).DeviceSerialNumber)
    assert.equal("LENS-5544", dk.read(out).LensSerialNumber) -- VL Photographic has a place for it
    local bytes = h.read_file(out)
    for _, secret in ipairs({ "Dr Owner", "Jane Photographer" }) do
      assert.is_nil(bytes:find(secret, 1, true), secret)
    end
    out = dir .. "/none.dcm"
    ok, _, stdout, stderr = create("vl_photographic", "full", out, "--no-exif")
    assert.is_true(ok, stderr)
    assert.not_matches("from EXIF", stdout)
    local got = read(out)
    assert.equal("dicomkit", got.Manufacturer)
    assert.is_nil(got.ManufacturerModelName)
    assert.not_equal("20240506070809.123+0200", got.AcquisitionDateTime)
    -- what the caller gives wins over EXIF
    out = dir .. "/given.dcm"
    assert.is_true((create("vl_photographic", "full", out, "--set Manufacturer=Clinic --set "
      .. "AcquisitionDateTime=20200101120000")))
    got = read(out)
    assert.equal("Clinic", got.Manufacturer)
    assert.equal("EOS R5", got.ManufacturerModelName)
    assert.equal("20200101120000", got.AcquisitionDateTime)
    -- in Lua, the same options
    local ds = assert(dk.template("vl_photographic"){ input = dir .. "/full.jpg", exif = false })
    assert.equal("dicomkit", ds.Manufacturer)
    ds = assert(dk.template("vl_photographic"){ input = dir .. "/full.jpg", exif_serial = true })
    assert.equal("SN-998877", ds.DeviceSerialNumber)
    assert.equal("20240506070809.123+0200", ds.AcquisitionDateTime)
    local r = assert(dk.dataset():set_pixels(dir .. "/full.jpg"))
    assert.equal("Canon", r.exif.Make)
  end)

  it("on request, VL Photographic's own modules: lens and exposure, owner, lens serial, GPS", function()
    local f = facts.full
    local out = dir .. "/everything.dcm"
    local ok, _, stdout, stderr = create("vl_photographic", "full", out,
      "--exif-equipment --exif-owner --exif-gps --exif-serial")
    assert.is_true(ok, stderr)
    assert.matches("lens and exposure and owner and GPS position from EXIF", stdout, 1, true)
    dciodvfy.accepts(out, "VLPhotographicImage", "everything")
    local got = h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
def v(k):
    x = ds.get(k)
    return None if x is None else ([float(i) for i in x] if isinstance(x, pydicom.multival.MultiValue) else str(x))
print(json.dumps({k: v(k) for k in ("LensMake", "LensModel", "ExposureTimeInSeconds", "FNumber", "FocalLength",
  "PhotographicSensitivity", "FlashFiringStatus", "CameraOwnerName", "LensSerialNumber", "DeviceSerialNumber",
  "GPSLatitudeRef", "GPSLatitude", "GPSLongitudeRef", "GPSLongitude", "GPSAltitudeRef", "GPSAltitude")}))
]], out)
    assert.equal(f.LensModel, got.LensModel)
    assert.near(f.ExposureTime, tonumber(got.ExposureTimeInSeconds), 1e-12)
    assert.near(f.FNumber, tonumber(got.FNumber), 1e-12)
    assert.near(f.FocalLength, tonumber(got.FocalLength), 1e-12)
    assert.equal(tostring(f.ISOSpeedRatings), got.PhotographicSensitivity)
    assert.equal(tostring(f.Flash & 1), got.FlashFiringStatus)
    assert.equal(f.CameraOwnerName, got.CameraOwnerName)
    assert.equal(f.LensSerialNumber, got.LensSerialNumber)
    assert.equal(f.BodySerialNumber, got.DeviceSerialNumber)
    assert.equal(f.GPS["1"], got.GPSLatitudeRef)
    assert.same(f.GPS["2"], got.GPSLatitude)
    assert.equal(f.GPS["3"], got.GPSLongitudeRef)
    assert.same(f.GPS["4"], got.GPSLongitude)
    assert.equal("0", got.GPSAltitudeRef)
    assert.near(f.GPS["6"], tonumber(got.GPSAltitude), 1e-12)
    -- each flag alone brings only its own
    out = dir .. "/gps-only.dcm"
    assert.is_true((create("vl_photographic", "full", out, "--exif-gps")))
    local bytes = h.read_file(out)
    assert.is_nil(bytes:find("Dr Owner", 1, true))
    assert.is_nil(bytes:find("LENS-5544", 1, true))
    assert.is_not_nil(dk.read(out).GPSLatitude)
    assert.is_nil(dk.read(out).LensModel)
    -- an IOD without those modules refuses the flag instead of dropping what was asked for
    for _, t in ipairs({ "secondary_capture", "vl_endoscopic" }) do
      local o = dir .. "/refused-" .. t .. ".dcm"
      local ok2, code, _, err = create(t, "full", o, "--exif-gps")
      assert.is_false(ok2, t)
      assert.equal(2, code)
      assert.matches("exif_gps: this IOD has no module for it", err, 1, true)
      assert.is_false(h.exists(o))
    end
  end)

  it("a HEIC's EXIF (its Exif item) is read and mapped the same way", function()
    for _, name in ipairs({ "full", "no_offset" }) do
      local f = facts[name]
      local heic = dir .. "/" .. name .. ".heic"
      local r = assert(dk.dataset():set_pixels(heic))
      assert.equal("heif", r.input)
      assert.equal(dt_of(f), r.exif.DateTimeOriginal, name)
      assert.equal(f.Make, r.exif.Make)
      assert.equal(f.BodySerialNumber, r.exif.BodySerialNumber)
      for _, t in ipairs({ "vl_photographic", "secondary_capture" }) do
        local out = ("%s/heic-%s-%s.dcm"):format(dir, t, name)
        local ok, _, stdout, stderr = h.run(h.quote(h.dicomkit) .. " create " .. t .. " --input " .. h.quote(heic)
          .. " -o " .. h.quote(out))
        assert.is_true(ok, stderr)
        assert.matches("from EXIF", stdout, 1, true)
        dciodvfy.accepts(out, nil, "heic " .. t .. " " .. name)
        local got = read(out)
        assert.equal(f.Make, got.Manufacturer)
        assert.equal(f.Model, got.ManufacturerModelName)
        assert.equal(t == "vl_photographic" and dt_of(f) or nil, got.AcquisitionDateTime)
        local bytes = h.read_file(out)
        for _, secret in ipairs({ "SN-998877", "LENS-5544", "Dr Owner", "Jane Photographer", "Exif\0\0" }) do
          assert.is_nil(bytes:find(secret, 1, true), secret)
        end
      end
    end
  end)

  describe("in Orthanc", function()
    local orthanc
    setup(function() orthanc = h.start_orthanc() end)
    teardown(function() if orthanc then orthanc.stop() end end)

    it("shows the time taken and the camera, and nothing identifying", function()
      local out = dir .. "/orthanc.dcm"
      assert.is_true((create("vl_photographic", "full", out)))
      local ds = assert(dk.read(out))
      local _, summary = dk.send({ out }, { port = orthanc.dicom, called_ae = orthanc.aet })
      assert.equal(1, summary.stored)
      local id = assert(orthanc.lookup(ds.SOPInstanceUID))
      local tags = orthanc.rest("/instances/" .. id .. "/simplified-tags")
      assert.equal("20240506070809.123+0200", tags.AcquisitionDateTime)
      assert.equal("Canon", tags.Manufacturer)
      assert.equal("EOS R5", tags.ManufacturerModelName)
      assert.is_nil(tags.DeviceSerialNumber)
      local held = assert(orthanc.rest("/instances/" .. id .. "/file"))
      assert.is_nil(held:find("SN-998877", 1, true))
    end)
  end)
end)
