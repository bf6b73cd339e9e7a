-- Each value rule refuses at the line that sets the value, names the keyword and the rule,
-- and leaves the dataset as it was.
local dk = require "dicomkit"

local function refuses(keyword, value, message)
  local ds = dk.dataset()
  local ok, err = pcall(function() ds[keyword] = value end)
  assert.is_false(ok, keyword .. " accepted a bad value")
  assert.is_truthy(err:find(message, 1, true), "message was: " .. tostring(err))
  assert.is_false(ds:has(keyword), "a refused value must not be half-set")
end

local function accepts(keyword, value)
  local ds = dk.dataset()
  ds[keyword] = value
  assert.is_true(ds:has(keyword))
end

describe("value rules", function()
  it("DA: YYYYMMDD and a real calendar date", function()
    refuses("PatientBirthDate", "2024-01-01", "PatientBirthDate (0010,0030): DA value '2024-01-01' is not a date YYYYMMDD")
    refuses("PatientBirthDate", "20230229", "day 29 is not 01-28 for 2023-02")
    accepts("PatientBirthDate", "20240229")
  end)

  it("TM: HHMMSS.FFFFFF without separators, each part in range", function()
    refuses("StudyTime", "12:00:00", "StudyTime (0008,0030): TM value '12:00:00' has colons")
    refuses("StudyTime", "2500", "has hour 25, must be 00-23")
    accepts("StudyTime", "235959.123456")
  end)

  it("DT: date, time and a UTC offset within -1200..+1400", function()
    refuses("AcquisitionDateTime", "20240101120000+1500", "has UTC offset +1500, must be between -1200 and +1400")
    accepts("AcquisitionDateTime", "20240101120000.5-0500")
  end)

  it("UI: digits and dots, no leading zero in a component, at most 64", function()
    refuses("SOPInstanceUID", "1.02.3", "SOPInstanceUID (0008,0018): UI value '1.02.3' has a component with a leading zero")
    refuses("SOPInstanceUID", "1.2.a", "has a character other than digits and dots")
    refuses("SOPInstanceUID", ("1."):rep(32) .. "1", "is 65 characters long, at most 64 allowed in UI")
    accepts("SOPInstanceUID", "1.0.2")
  end)

  it("CS: upper-case letters, digits, space, underscore; at most 16", function()
    refuses("Modality", "mr", "Modality (0008,0060): CS value 'mr' has a character other than A-Z 0-9 space underscore")
    refuses("Modality", "ABCDEFGHIJKLMNOPQ", "is 17 characters long, at most 16 allowed in CS")
    refuses("Modality", "É", "CS value 'É' has a character other than A-Z 0-9 space underscore")
  end)

  it("LO, SH, LT, ST: lengths in characters, and control characters", function()
    refuses("PatientID", ("x"):rep(65), "PatientID (0010,0020): LO value")
    refuses("PatientID", ("x"):rep(65), "at most 64 allowed in LO")
    refuses("AccessionNumber", ("x"):rep(17), "at most 16 allowed in SH")
    refuses("PatientComments", ("x"):rep(10241), "at most 10240 allowed in LT")
    refuses("InstitutionAddress", ("x"):rep(1025), "at most 1024 allowed in ST")
    refuses("PatientID", "a\1b", "contains control character 0x01")
    accepts("PatientID", ("é"):rep(64)) -- 64 characters, 128 bytes
  end)

  it("PN: at most 3 component groups of at most 5 components, 64 characters each", function()
    refuses("PatientName", "A=B=C=D", "PatientName (0010,0010): PN value 'A=B=C=D' has 4 component groups, at most 3 allowed")
    refuses("PatientName", "A^B^C^D^E^F", "with 6 components, at most 5 allowed")
    refuses("PatientName", ("x"):rep(65), "of 65 characters, at most 64 allowed")
    accepts("PatientName", "Yamada^Tarou=山田^太郎=やまだ^たろう")
  end)

  it("IS and DS: syntax, range, and numbers formatted to fit", function()
    refuses("InstanceNumber", "1.5", "InstanceNumber (0020,0013): IS value '1.5' is not an integer string")
    refuses("InstanceNumber", "99999999999", "is out of range -2147483648..2147483647 for IS")
    refuses("InstanceNumber", 1.5, "IS value 1.5 is not an integer")
    refuses("SliceThickness", "1,5", "SliceThickness (0018,0050): DS value '1,5' is not a decimal string")
    refuses("SliceThickness", "12345678901234567", "is 17 characters long, at most 16 allowed in DS")
    refuses("SliceThickness", 0/0, "SliceThickness (0018,0050)")
    local ds = dk.dataset{ SliceThickness = 1 / 3, PixelSpacing = { 1e-20, 123456789012345678 } }
    assert.near(1 / 3, ds.SliceThickness, 1e-13)
    assert.near(1e-20, ds.PixelSpacing[1], 1e-33)
    assert.near(123456789012345678, ds.PixelSpacing[2], 1e7) -- 12 significant digits fit in 16 characters
  end)

  it("US, SS, UL, SL: ranges", function()
    refuses("Rows", -1, "Rows (0028,0010): US value -1 is out of range 0..65535")
    refuses("Rows", 65536, "US value 65536 is out of range 0..65535")
    local ds = dk.dataset()
    assert.has_error(function() ds:set(0x00091001, "SS", 40000) end)
    assert.has_error(function() ds:set(0x00091001, "UL", -1) end)
    assert.has_error(function() ds:set(0x00091001, "SL", 2 ^ 31) end)
  end)

  it("VM against the dictionary", function()
    refuses("PixelSpacing", { 1 }, "PixelSpacing (0028,0030): has 1 value, VM 2 needs exactly 2 values")
    refuses("PatientName", { "A", "B" }, "PatientName (0010,0010)")
    accepts("ImageType", { "ORIGINAL", "PRIMARY", "X", "Y" })
  end)

  it("a value must fit the 16-bit length field of its VR", function()
    local many = {}
    for i = 1, 40000 do many[i] = i end
    local ds = dk.dataset()
    assert.has_error(function() ds:set(0x00291001, "US", many) end,
      "(0029,1001): the value takes 80000 bytes, more than the 65534 a US length field can hold")
    local words = {}
    for i = 1, 10000 do words[i] = "WORD" .. i end
    assert.has_error(function() ds.ImageType = words end)
    ds:set(0x00291002, "OW", ("\0"):rep(80000)) -- OW has a 32-bit length
  end)

  it("AS and AE", function()
    refuses("PatientAge", "42", "PatientAge (0010,1010): AS value '42' is not an age nnnD, nnnW, nnnM or nnnY")
    refuses("StationAETitle", ("A"):rep(17), "StationAETitle")
    accepts("PatientAge", "042Y")
  end)

  it("character sets: UTF-8 sets ISO_IR 192, invalid UTF-8 is refused", function()
    refuses("PatientName", "\xff\xfe", "PatientName (0010,0010): PN value '\\xFF\\xFE' is not valid UTF-8")
    local ds = dk.dataset{ PatientName = "Müller^Jürgen" }
    assert.equal("ISO_IR 192", ds.SpecificCharacterSet)
    local ascii = dk.dataset{ PatientName = "Muller^Jurgen" }
    assert.is_nil(ascii.SpecificCharacterSet)
    -- under another declared character set, text it can hold is kept (and written in that set,
    -- see 03-files), text it cannot hold is refused where it is set
    local latin = dk.dataset{ SpecificCharacterSet = "ISO_IR 100" }
    latin.PatientName = "Müller"
    assert.equal("Müller", latin.PatientName)
    assert.has_error(function() latin.PatientName = "Жуков" end,
      "PatientName (0010,0010): the value has characters that SpecificCharacterSet 'ISO_IR 100' cannot hold; set SpecificCharacterSet to 'ISO_IR 192' (UTF-8) to keep them")
    local cyrillic = dk.dataset{ PatientName = "Жуков" }
    assert.has_error(function() cyrillic.SpecificCharacterSet = "ISO_IR 100" end,
      "PatientName (0010,0010): the value has characters that SpecificCharacterSet 'ISO_IR 100' cannot hold; set SpecificCharacterSet to 'ISO_IR 192' (UTF-8) to keep them")
    assert.has_error(function() cyrillic.SpecificCharacterSet = "ISO_IR 999" end,
      "SpecificCharacterSet (0008,0005): 'ISO_IR 999' is not a defined term of PS3.3 C.12.1.1.2 that dicomkit knows (ISO_IR 100, ISO_IR 192, GB18030, ...)")
    assert.has_error(function() cyrillic.SpecificCharacterSet = { "", "ISO 2022 IR 87" } end,
      "SpecificCharacterSet (0008,0005): '\\ISO 2022 IR 87' uses code extensions (several character sets); dicomkit reads such files but writes one character set")
  end)
end)
