-- IOD tables: the VL Photographic Image and Secondary Capture Image IODs as PS3.3 lists them,
-- and iod.check, judged against dciodvfy (dicom3tools), a validator we did not write.
local dk = require "dicomkit"
local iod = require "dicomkit.iod"
local h = require "helpers"
local dciodvfy = require "dciodvfy"

-- The smallest datasets that fill every Type 1 and Type 2 attribute of the mandatory modules:
-- 8x8 native MONOCHROME2 pixels, empty values wherever Type 2 allows them.
local COMMON = {
  PatientName = "", PatientID = "", PatientBirthDate = "", PatientSex = "",
  StudyInstanceUID = "2.25.1", StudyDate = "", StudyTime = "", ReferringPhysicianName = "",
  StudyID = "", AccessionNumber = "",
  SeriesInstanceUID = "2.25.2", SeriesNumber = "",
  -- Type 2C: dciodvfy wants it whenever the anatomy is not known to be unpaired and no
  -- ImageLaterality is sent; empty means "unknown"
  Laterality = "",
  InstanceNumber = "", PatientOrientation = "",
  SamplesPerPixel = 1, PhotometricInterpretation = "MONOCHROME2", Rows = 8, Columns = 8,
  BitsAllocated = 8, BitsStored = 8, HighBit = 7, PixelRepresentation = 0,
  PixelData = string.rep("\0\64\128\255", 16),
  SOPInstanceUID = "2.25.3",
}

local MINIMAL = {
  vl_photographic = {
    SOPClassUID = "1.2.840.10008.5.1.4.1.1.77.1.4",
    Modality = "XC",
    Manufacturer = "",
    AcquisitionContextSequence = {},
    ImageType = { "ORIGINAL", "PRIMARY" },
    LossyImageCompression = "00",
  },
  secondary_capture = {
    SOPClassUID = "1.2.840.10008.5.1.4.1.1.7",
    ConversionType = "WSD",
  },
}

-- A fresh minimal dataset of the IOD, less `without`, with `extra` added.
local function minimal(iod_name, without, extra)
  local values = {}
  for k, v in pairs(COMMON) do values[k] = v end
  for k, v in pairs(MINIMAL[iod_name]) do values[k] = v end
  for k, v in pairs(extra or {}) do values[k] = v end
  if without then values[without] = nil end
  return dk.dataset(values)
end

local function find(problems, text)
  for _, p in ipairs(problems) do
    if p:find(text, 1, true) then return p end
  end
  return nil
end

local dir

-- dciodvfy's "Error" lines for the dataset, or nil and the reason when dicomkit refuses to
-- write it at all.
local function dciodvfy_errors(ds)
  local path = dir .. "/object.dcm"
  -- dicomkit raises rather than write a file whose meta information it cannot fill
  local ok, saved, message = pcall(ds.save, ds, path)
  if not ok then return nil, saved end
  if not saved then return nil, message end
  local v = dciodvfy.check(path)
  -- an exit status without an Error line (an Abort) counts as an error too
  if v.status ~= 0 and #v.errors == 0 then return { "dciodvfy exit " .. tostring(v.status) } end
  return v.errors
end

local function each_attribute(list, fn)
  for _, a in ipairs(list) do
    fn(a)
    if a.items then each_attribute(a.items, fn) end
  end
end

describe("the IOD tables", function()
  it("name only keywords that dcmtk's data dictionary knows, items included", function()
    local unknown = {}
    for name, d in pairs(iod.iods) do
      for _, module in ipairs(d.modules) do
        each_attribute(module.attributes, function(a)
          if dk.tag(a.keyword) == nil then
            unknown[#unknown + 1] = name .. "/" .. module.name .. "/" .. tostring(a.keyword)
          end
        end)
      end
    end
    assert.are.same({}, unknown)
  end)

  it("give every attribute a Type and every module a usage", function()
    local types = { ["1"] = true, ["1C"] = true, ["2"] = true, ["2C"] = true, ["3"] = true }
    for _, d in pairs(iod.iods) do
      for _, module in ipairs(d.modules) do
        assert.is_truthy(({ M = true, C = true, U = true })[module.usage], module.name)
        each_attribute(module.attributes, function(a)
          assert.is_true(types[a.type] == true, module.name .. "/" .. a.keyword)
          if a.type:find("C") then
            assert.is_string(a.condition, module.name .. "/" .. a.keyword .. " has no condition")
          end
        end)
      end
    end
  end)

  it("list the modules of PS3.3 A.32.4 and A.8.1 in order, with their usage", function()
    local function listing(name)
      local out = {}
      for _, m in ipairs(iod.iods[name].modules) do out[#out + 1] = m.name .. " " .. m.usage end
      return out
    end
    assert.are.same({
      "Patient M", "Clinical Trial Subject U", "General Study M", "Patient Study U",
      "Clinical Trial Study U", "General Series M", "Clinical Trial Series U",
      "General Equipment M", "VL Photographic Equipment U", "General Acquisition M",
      "General Image M", "General Reference U", "Image Pixel M", "Acquisition Context M",
      "Device U", "Specimen C", "VL Image M", "VL Photographic Acquisition U",
      "VL Photographic Geolocation U", "Overlay Plane U", "ICC Profile U", "SOP Common M",
      "Common Instance Reference U",
    }, listing("vl_photographic"))
    assert.are.same({
      "Patient M", "Clinical Trial Subject U", "General Study M", "Patient Study U",
      "Clinical Trial Study U", "General Series M", "Clinical Trial Series U",
      "Frame of Reference C", "Synchronization U", "General Equipment U", "SC Equipment M",
      "General Acquisition M", "General Image M", "General Reference U", "Image Plane U",
      "Image Pixel M", "Device U", "Specimen U", "SC Image M", "Overlay Plane U",
      "Modality LUT U", "VOI LUT U", "ICC Profile U", "SOP Common M",
      "Common Instance Reference U",
    }, listing("secondary_capture"))
    assert.are.equal("1.2.840.10008.5.1.4.1.1.77.1.4", iod.iods.vl_photographic.sop_class)
    assert.are.equal("1.2.840.10008.5.1.4.1.1.7", iod.iods.secondary_capture.sop_class)
  end)

  it("hold the enumerated values of VL Image and the Acquisition Context items", function()
    local vl_image
    for _, m in ipairs(iod.iods.vl_photographic.modules) do
      if m.name == "VL Image" then vl_image = m end
    end
    local photometric
    for _, a in ipairs(vl_image.attributes) do
      if a.keyword == "PhotometricInterpretation" then photometric = a end
    end
    assert.are.same({ "MONOCHROME2", "RGB", "YBR_FULL_422", "YBR_PARTIAL_420", "YBR_ICT",
      "YBR_RCT" }, photometric.enum)
  end)

  it("give each keyword its strictest Type across the IOD's modules", function()
    local vl = iod.attributes("vl_photographic")
    assert.are.same({ type = "1", module = "VL Image" }, vl.ImageType)
    assert.are.same({ type = "2", module = "VL Image" }, vl.LossyImageCompression)
    assert.are.same({ type = "2", module = "Acquisition Context" }, vl.AcquisitionContextSequence)
    assert.is_nil(vl.ConversionType)
    local sc = iod.attributes("secondary_capture")
    assert.are.same({ type = "1", module = "SC Equipment" }, sc.ConversionType)
    assert.are.equal("3", sc.Modality.type)
    assert.are.equal("3", sc.ImageType.type)
    assert.is_nil(sc.AcquisitionContextSequence)
  end)
end)

describe("iod.check", function()
  it("finds nothing wrong with the minimal VL Photographic and SC datasets", function()
    assert.are.same({}, iod.check(minimal("vl_photographic"), "vl_photographic"))
    assert.are.same({}, iod.check(minimal("secondary_capture"), "secondary_capture"))
    -- by SOP Class UID as well
    assert.are.same({}, iod.check(minimal("secondary_capture"), "1.2.840.10008.5.1.4.1.1.7"))
  end)

  it("names a missing or empty Type 1 attribute and its module", function()
    local problems = iod.check(minimal("vl_photographic", "Rows"), "vl_photographic")
    assert.are.same({ "Rows (0028,0010) is Type 1 in module Image Pixel and is missing" },
      problems)
    problems = iod.check(minimal("vl_photographic", nil, { Modality = "" }), "vl_photographic")
    assert.are.same({ "Modality (0008,0060) is Type 1 in module General Series and is empty" },
      problems)
    problems = iod.check(minimal("vl_photographic", "ImageType"), "vl_photographic")
    assert.are.same({ "ImageType (0008,0008) is Type 1 in module VL Image and is missing" },
      problems)
    -- required by Image Pixel and VL Image alike, reported once
    problems = iod.check(minimal("vl_photographic", "SamplesPerPixel"), "vl_photographic")
    assert.are.same({ "SamplesPerPixel (0028,0002) is Type 1 in module Image Pixel and is "
      .. "missing" }, problems)
  end)

  it("names a missing Type 2 attribute but accepts it empty", function()
    local problems = iod.check(minimal("secondary_capture", "AccessionNumber"),
      "secondary_capture")
    assert.are.same(
      { "AccessionNumber (0008,0050) is Type 2 in module General Study and is missing" }, problems)
    problems = iod.check(minimal("vl_photographic", "AcquisitionContextSequence"),
      "vl_photographic")
    assert.are.same({ "AcquisitionContextSequence (0040,0555) is Type 2 in module "
      .. "Acquisition Context and is missing" }, problems)
  end)

  it("reports attributes of other IODs and accepts private ones", function()
    local ds = minimal("vl_photographic", nil, { KVP = 120, EchoTime = 3.5 })
    ds:set(0x00290010, "LO", "SITE")
    ds:set(0x00291001, "LO", "private value")
    local problems = iod.check(ds, "vl_photographic")
    assert.are.equal(2, #problems)
    assert.is_truthy(find(problems, "KVP (0018,0060) is not an attribute of the VL Photographic "
      .. "Image IOD"))
    assert.is_truthy(find(problems, "EchoTime (0018,0081) is not an attribute of the VL "
      .. "Photographic Image IOD"))
    -- an SC attribute is foreign to VL Photographic, and the other way round
    problems = iod.check(minimal("vl_photographic", nil, { ConversionType = "DI" }),
      "vl_photographic")
    assert.is_truthy(find(problems, "ConversionType (0008,0064) is not an attribute"))
    problems = iod.check(minimal("secondary_capture", nil, { CameraOwnerName = "X" }),
      "secondary_capture")
    assert.is_truthy(find(problems, "CameraOwnerName"))
  end)

  it("reports values outside the enumerated ones", function()
    local problems = iod.check(minimal("vl_photographic", nil,
      { PhotometricInterpretation = "YBR_FULL" }), "vl_photographic")
    assert.are.same({ "PhotometricInterpretation (0028,0004) value 1 'YBR_FULL' is not one of "
      .. "MONOCHROME2, RGB, YBR_FULL_422, YBR_PARTIAL_420, YBR_ICT, YBR_RCT (module VL Image)" },
      problems)
    problems = iod.check(minimal("vl_photographic", nil, { ImageType = { "ORIGINAL", "MAIN" } }),
      "vl_photographic")
    assert.are.same({ "ImageType (0008,0008) value 2 'MAIN' is not one of PRIMARY, SECONDARY "
      .. "(module General Image)" }, problems)
    problems = iod.check(minimal("vl_photographic", nil, { Modality = "OT" }), "vl_photographic")
    assert.is_truthy(find(problems, "Modality (0008,0060) value 1 'OT' is not one of XC"))
    problems = iod.check(minimal("secondary_capture", nil, { BitsAllocated = 16, BitsStored = 12,
      HighBit = 11, PixelData = string.rep("\0", 128), Modality = "OT", PatientSex = "X" }),
      "secondary_capture")
    assert.are.same({ "PatientSex (0010,0040) value 1 'X' is not one of M, F, O (module Patient)" },
      problems)
  end)

  it("checks an optional module only once it is there", function()
    local problems = iod.check(minimal("vl_photographic", nil, { ContainerIdentifier = "C1" }),
      "vl_photographic")
    assert.are.same({
      "IssuerOfTheContainerIdentifierSequence (0040,0513) is Type 2 in module Specimen and is "
        .. "missing",
      "ContainerTypeCodeSequence (0040,0518) is Type 2 in module Specimen and is missing",
      "SpecimenDescriptionSequence (0040,0560) is Type 1 in module Specimen and is missing",
    }, problems)
    -- Pixel Spacing alone (SC Image calibration) does not bring in the Image Plane Module
    assert.are.same({}, iod.check(minimal("secondary_capture", nil, { PixelSpacing = { 1, 1 } }),
      "secondary_capture"))
  end)

  it("looks into the items of Acquisition Context and code sequences", function()
    local good = {
      ValueType = "CODE",
      ConceptNameCodeSequence = { { CodeValue = "121324", CodingSchemeDesignator = "DCM",
        CodeMeaning = "Source Image" } },
      ConceptCodeSequence = { { CodeValue = "T-D1100", CodingSchemeDesignator = "SRT",
        CodeMeaning = "Head" } },
    }
    assert.are.same({}, iod.check(minimal("vl_photographic", nil,
      { AcquisitionContextSequence = { good } }), "vl_photographic"))
    local problems = iod.check(minimal("vl_photographic", nil, {
      AcquisitionContextSequence = { good, { ValueType = "TEXT",
        ConceptNameCodeSequence = { { CodeValue = "121106", CodingSchemeDesignator = "DCM" } } } },
    }), "vl_photographic")
    assert.are.same({
      "AcquisitionContextSequence[2].ConceptNameCodeSequence[1].CodeMeaning is Type 1 in module "
        .. "Acquisition Context and is missing",
      "AcquisitionContextSequence[2].TextValue is Type 1 in module Acquisition Context and is "
        .. "missing",
    }, problems)
    assert.are.same({}, iod.check(minimal("vl_photographic", nil, {
      AcquisitionContextSequence = { { ValueType = "TEXT" } } }), "vl_photographic",
      { items = false }))
  end)

  it("refuses an IOD it does not know", function()
    assert.has_error(function() iod.check(minimal("secondary_capture"), "ct") end)
  end)
end)

describe("iod.check and dciodvfy", function()
  before_each(function() dir = h.tmpdir() end)
  after_each(h.cleanup)

  for _, iod_name in ipairs({ "vl_photographic", "secondary_capture" }) do
    it("agree that the minimal " .. iod_name .. " dataset has no error", function()
      local ds = minimal(iod_name)
      assert.are.same({}, iod.check(ds, iod_name))
      assert.are.same({}, dciodvfy_errors(ds))
    end)

    it("both complain when any Type 1 or 2 attribute of a mandatory module of " .. iod_name
        .. " is removed", function()
      local reference = minimal(iod_name)
      local required = {}
      for _, module in ipairs(iod.iods[iod_name].modules) do
        if module.usage == "M" then
          for _, a in ipairs(module.attributes) do
            local t = a.type
            if a.when and a.when(reference) then t = t:sub(1, 1) end
            if t == "1" or t == "2" then required[a.keyword] = true end
          end
        end
      end
      local count = 0
      for keyword in pairs(required) do
        assert.is_not_nil(reference[keyword], keyword .. " is missing from the minimal dataset")
        count = count + 1
        local ds = minimal(iod_name, keyword)
        assert.is_truthy(find(iod.check(ds, iod_name), keyword .. " ("),
          "iod.check is silent without " .. keyword)
        local errors, refused = dciodvfy_errors(ds)
        if errors then
          assert.is_true(#errors > 0, "dciodvfy is silent without " .. keyword)
        else
          -- dicomkit itself will not write a file without it
          assert.is_truthy(refused:find(keyword, 1, true), refused)
        end
      end
      assert.is_true(count >= 25)
    end)
  end

  it("agree on a VL Photographic Modality other than XC and on a bad Acquisition Context item",
    function()
      local ds = minimal("vl_photographic", nil, { Modality = "OT" })
      assert.are.equal(1, #iod.check(ds, "vl_photographic"))
      assert.is_true(#dciodvfy_errors(ds) > 0)
      ds = minimal("vl_photographic", nil, { AcquisitionContextSequence = { { ValueType = "TEXT",
        TextValue = "no concept name" } } })
      assert.is_truthy(find(iod.check(ds, "vl_photographic"),
        "AcquisitionContextSequence[1].ConceptNameCodeSequence is Type 1"))
      assert.is_true(#dciodvfy_errors(ds) > 0)
    end)

  -- Where dciodvfy's tables (dicom3tools 2022) lag PS3.3: Acquisition Duration joined the General
  -- Acquisition Module, and Frame of Reference, Synchronization and Image Plane the SC Image IOD.
  local DCIODVFY_LAGS = {
    vl_photographic = { AcquisitionDuration = true },
    secondary_capture = { AcquisitionDuration = true, FrameOfReferenceUID = true,
      PositionReferenceIndicator = true, SynchronizationFrameOfReferenceUID = true,
      SynchronizationTrigger = true, TriggerSourceOrType = true, SynchronizationChannel = true,
      AcquisitionTimeSynchronized = true, TimeSource = true, TimeDistributionProtocol = true,
      NTPSourceAddress = true, ImageOrientationPatient = true, ImagePositionPatient = true,
      SliceThickness = true, SpacingBetweenSlices = true, SliceLocation = true },
  }
  local SAMPLE = { AE = "AE", AS = "030Y", CS = "X", DA = "20240101", DS = 1,
    DT = "20240101120000", IS = 1, LO = "x", LT = "x", PN = "A^B", SH = "x", ST = "x",
    TM = "120000", UI = "1.2.3", UL = 1, US = 1, SS = 1, SL = 1, FL = 1, FD = 1, UT = "x",
    UC = "x", UR = "http://x", SV = 1, UV = 1, OB = "\0\0", OW = "\0\0", OF = "\0\0\0\0",
    xs = 1, ox = "\0\0",
    SQ = {} }

  for _, iod_name in ipairs({ "vl_photographic", "secondary_capture" }) do
    it("agree that every attribute of the " .. iod_name .. " tables belongs to the IOD",
      function()
        local ds = minimal(iod_name)
        local written = 0
        for keyword in pairs(iod.attributes(iod_name)) do
          local entry = dk.dictionary(keyword)
          local value = SAMPLE[entry.vr]
          local count = tonumber(tostring(entry.vm):match("^%d+")) or 1
          if value ~= nil and type(value) ~= "table" and count > 1 and entry.vr ~= "OB" then
            local values = {}
            for i = 1, count do values[i] = value end
            value = values
          end
          if ds[keyword] == nil and value ~= nil and pcall(function() ds[keyword] = value end) then
            written = written + 1
          end
        end
        assert.is_true(written > 150)
        local path = dir .. "/everything.dcm"
        assert(ds:save(path))
        local text = dciodvfy.check(path).text
        local foreign = {}
        local pattern = "Attribute is not present in standard DICOM IOD %- (%(0x%x+,0x%x+%))"
        for tag in text:gmatch(pattern) do
          local group, element = tag:match("0x(%x+),0x(%x+)")
          local keyword = dk.keyword(tonumber(group, 16) << 16 | tonumber(element, 16))
          if not DCIODVFY_LAGS[iod_name][keyword] then foreign[#foreign + 1] = keyword end
        end
        assert.are.same({}, foreign)
      end)
  end

  it("agree that an attribute of another IOD does not belong", function()
    local ds = minimal("vl_photographic", nil, { KVP = 120 })
    assert.is_truthy(find(iod.check(ds, "vl_photographic"), "KVP (0018,0060) is not an attribute"))
    local path = dir .. "/foreign.dcm"
    assert(ds:save(path))
    local v = dciodvfy.check(path)
    assert.is_truthy(v.text:find("Attribute is not present in standard DICOM IOD - "
      .. "(0x0018,0x0060)", 1, true), v.text)
  end)
end)
