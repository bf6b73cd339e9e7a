-- Part 10 files: what dicomkit writes is read back identically by dcmdump and pydicom, what
-- dcmtk writes is read identically by dicomkit, and failures never leave half a file.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"

local function pydicom_read(path)
  local ok, _, out, err = h.run("/usr/bin/python3 " .. h.quote(h.source .. "/spec/pydicom_dump.py")
    .. " " .. h.quote(path))
  assert(ok, "pydicom could not read " .. path .. ": " .. err)
  return h.json_decode(out)
end

-- A dataset with every kind of value a user writes: nested sequences, multi-valued,
-- non-ASCII names, private tags, numbers and bytes.
local function rich_dataset()
  local ds = dk.dataset{
    SOPClassUID = "1.2.840.10008.5.1.4.1.1.7",
    SOPInstanceUID = dk.uid(),
    StudyInstanceUID = dk.uid{ from = "spec study" },
    PatientName = "Müller^Jürgen=ミュラー^ユルゲン",
    PatientID = "ÄÖÜ-42",
    PatientBirthDate = "19800229",
    PatientSex = "M",
    StudyDate = "20241124",
    StudyTime = "093000.25",
    ImageType = { "DERIVED", "SECONDARY", "SPEC" },
    PixelSpacing = { 0.25, 1 / 3 },
    InstanceNumber = 17,
    Rows = 2, Columns = 3,
    WindowCenter = { 40, -400.5 },
    ReferencedImageSequence = {
      { ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.7",
        ReferencedSOPInstanceUID = "1.2.3.4.5",
        PurposeOfReferenceCodeSequence = {
          { CodeValue = "121322", CodingSchemeDesignator = "DCM",
            CodeMeaning = "Source image for image processing operation" },
        } },
      { ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.7",
        ReferencedSOPInstanceUID = "1.2.3.4.6" },
    },
  }
  ds:set(0x00290010, "LO", "DICOMKIT SPEC")
  ds:set(0x00291001, "LO", { "first", "second" })
  ds:set(0x00291002, "US", { 1, 65535 })
  ds:set(0x00291003, "FD", -0.125)
  ds:set(0x00291004, "OB", "\1\2\3\4")
  ds:set(0x00291005, "SL", -7)
  return ds
end

describe("writing Part 10", function()
  local dir
  before_each(function() dir = h.tmpdir() end)
  after_each(h.cleanup)

  it("is read by dcmdump without a warning", function()
    local path = dir .. "/rich.dcm"
    assert(rich_dataset():save(path))
    local out, err, ok = h.dcmdump(path)
    assert.is_true(ok)
    assert.equal("", err)
    assert.is_nil(out:match("\n[WE]: "))
    assert.matches("%(0010,0010%) PN %[Müller%^Jürgen=ミュラー%^ユルゲン%]", out)
    assert.matches("%(0008,0005%) CS %[ISO_IR 192%]", out)
    -- dicom3tools checks every value against its VR and VM; this object is no complete IOD,
    -- so only its missing-module complaints are expected
    local v = dciodvfy.check(path)
    for _, line in ipairs(v.errors) do
      if not line:match("^Error %- Missing attribute") then error("dciodvfy: " .. line) end
    end
    assert.is_nil(v.text:match("Abort"), v.text)
  end)

  it("is read by pydicom with identical values, nested sequences and private tags included", function()
    local path = dir .. "/rich.dcm"
    local ds = rich_dataset()
    assert(ds:save(path))
    local py = pydicom_read(path)
    local d = py.data
    assert.is_false(py.implicit)
    assert.equal("Müller^Jürgen=ミュラー^ユルゲン", d["00100010"].value)
    assert.equal("ÄÖÜ-42", d["00100020"].value)
    assert.equal("ISO_IR 192", d["00080005"].value)
    assert.same({ "DERIVED", "SECONDARY", "SPEC" }, d["00080008"].value)
    assert.equal(0.25, d["00280030"].value[1])
    assert.near(1 / 3, d["00280030"].value[2], 1e-13)
    assert.equal(17, d["00200013"].value)
    assert.same({ 40, -400.5 }, d["00281050"].value)
    assert.equal(2, d["00280010"].value)
    assert.equal(ds.StudyInstanceUID, d["0020000D"].value)
    local seq = d["00081140"].value
    assert.equal(2, #seq)
    assert.equal("1.2.3.4.5", seq[1]["00081155"].value)
    assert.equal("121322", seq[1]["0040A170"].value[1]["00080100"].value)
    assert.equal("DCM", seq[1]["0040A170"].value[1]["00080102"].value)
    assert.equal("1.2.3.4.6", seq[2]["00081155"].value)
    assert.equal("DICOMKIT SPEC", d["00290010"].value)
    assert.same({ vr = "LO", value = { "first", "second" } }, d["00291001"])
    assert.same({ vr = "US", value = { 1, 65535 } }, d["00291002"])
    assert.same({ vr = "FD", value = -0.125 }, d["00291003"])
    assert.same({ vr = "OB", value = "01020304" }, d["00291004"])
    assert.same({ vr = "SL", value = -7 }, d["00291005"])
  end)

  it("makes the file meta information from the dataset, with dicomkit's own identity", function()
    local path = dir .. "/meta.dcm"
    local ds = rich_dataset()
    assert(ds:save(path))
    local meta = pydicom_read(path).meta
    assert.equal(ds.SOPClassUID, meta["00020002"].value)
    assert.equal(ds.SOPInstanceUID, meta["00020003"].value)
    assert.equal("1.2.840.10008.1.2.1", meta["00020010"].value)
    -- our Implementation Class UID: not dcmtk's, and not the SOP Class as the old tutorial had
    local icuid = meta["00020012"].value
    assert.is_true(dk.is_uid(icuid))
    assert.not_equal(ds.SOPClassUID, icuid)
    assert.is_nil(icuid:match("^1%.2%.276%.0%.7230010"))
    assert.equal("DICOMKIT_0_1", meta["00020013"].value)
  end)

  it("writes Implicit VR Little Endian on request", function()
    local path = dir .. "/implicit.dcm"
    assert(rich_dataset():save(path, { transfer_syntax = "implicit" }))
    local py = pydicom_read(path)
    assert.is_true(py.implicit)
    assert.equal("1.2.840.10008.1.2", py.meta["00020010"].value)
    assert.equal("Müller^Jürgen=ミュラー^ユルゲン", py.data["00100010"].value)
    local back = assert(dk.read(path))
    assert.equal("1.2.840.10008.1.2", back:transfer_syntax())
    assert.equal(17, back.InstanceNumber)
    local _, err = h.dcmdump(path)
    assert.equal("", err)
  end)

  it("writes Deflated Explicit VR Little Endian on request, read back by pydicom", function()
    local path = dir .. "/deflated.dcm"
    local ds = rich_dataset()
    ds:set(0x00291010, "OB", ("dicomkit "):rep(20000)) -- compresses well, and is over 64 KiB
    assert(ds:save(path, { transfer_syntax = "1.2.840.10008.1.2.1.99" }))
    local py = pydicom_read(path)
    assert.equal("1.2.840.10008.1.2.1.99", py.meta["00020010"].value)
    assert.equal("Müller^Jürgen=ミュラー^ユルゲン", py.data["00100010"].value)
    assert.is_true(#h.read_file(path) < 20000) -- deflated, and whole: the tail was flushed
    local back = assert(dk.read(path))
    assert.equal(("dicomkit "):rep(20000), back[0x00291010])
  end)

  it("keeps large values it read when the file they came from is replaced", function()
    -- values over 64 KiB stay in the bytes read from the file until used; those bytes are
    -- dicomkit's own copy, so replacing or truncating the file changes nothing
    local path = dir .. "/large.dcm"
    local ds = rich_dataset()
    local big = ("\1\2\3\4\5\6\7\8"):rep(40000)
    ds:set(0x00291010, "OB", big)
    assert(ds:save(path))
    local back = assert(dk.read(path))
    back.PatientID = "changed"
    assert(back:save(path)) -- over the file it was read from
    h.write_file(dir .. "/other.dcm", "")
    os.rename(dir .. "/other.dcm", path) -- and now the file is empty
    assert.equal(big, back[0x00291010])
    assert(back:save(dir .. "/again.dcm"))
    local again = assert(dk.read(dir .. "/again.dcm"))
    assert.equal(big, again[0x00291010])
    assert.equal("changed", again.PatientID)
  end)

  it("reads back what it wrote, value for value", function()
    local path = dir .. "/round.dcm"
    local ds = rich_dataset()
    assert(ds:save(path))
    local back = assert(dk.read(path))
    for keyword, value in pairs(ds) do
      if type(keyword) == "string" and keyword ~= "ReferencedImageSequence" then
        assert.same(value, back[keyword], keyword)
      end
    end
    assert.equal("121322",
      back.ReferencedImageSequence[1].PurposeOfReferenceCodeSequence[1].CodeValue)
    assert.same({ 1, 65535 }, back:get(0x00291002))
    assert.equal("\1\2\3\4", back[0x00291004])
    -- and it can be changed and saved over the file it came from
    back.PatientID = "changed"
    assert(back:save(path))
    assert.equal("changed", assert(dk.read(path)).PatientID)
  end)

  it("refuses to write without SOP Class and Instance UIDs, leaving nothing behind", function()
    local path = dir .. "/nouid.dcm"
    assert.has_error(function() dk.dataset{ PatientName = "A" }:save(path) end,
      "cannot write a Part 10 file without SOPClassUID (0008,0016): it names the object in the file meta information")
    assert.is_false(h.exists(path))
    assert.same({}, h.listdir(dir))
  end)

  it("fails as a failure of the world when the directory is missing", function()
    local ok, msg, code = rich_dataset():save(dir .. "/missing/x.dcm")
    assert.is_nil(ok)
    assert.equal("ENOENT", code)
    assert.matches("missing/x.dcm: No such file or directory", msg, 1, true)
  end)

  it("never replaces a good file with a half-written one", function()
    local path = dir .. "/keep.dcm"
    assert(rich_dataset():save(path))
    local before = h.read_file(path)
    -- the write of a 200 KB object runs out of room half-way (a 64 KB file size limit)
    local script = dir .. "/big.lua"
    h.write_file(script, [[
      local ds = dk.dataset{ SOPClassUID = "1.2.840.10008.5.1.4.1.1.7", SOPInstanceUID = dk.uid() }
      ds:set(0x00291001, "OB", ("x"):rep(200000))
      local ok, msg, code = ds:save(arg[1])
      io.write(tostring(ok), "|", tostring(msg), "|", tostring(code))
    ]])
    -- no `trap '' XFSZ` for it: the write must not die of SIGXFSZ
    local _, _, out = h.run("ulimit -f 64; " .. h.quote(h.dicomkit) .. " "
      .. h.quote(script) .. " " .. h.quote(path))
    local ok, msg, code = out:match("^(.-)|(.-)|(.-)$")
    assert.equal("nil", ok)
    assert.equal("ENOSPC", code)
    assert.matches("keep.dcm: writing failed: File too large", msg, 1, true)
    assert.equal(before, h.read_file(path))
    assert.same({ "big.lua", "keep.dcm" }, h.listdir(dir))
  end)

  it("rejects an unknown transfer syntax name", function()
    assert.has_error(function() rich_dataset():save(dir .. "/x.dcm", { transfer_syntax = "fast" }) end,
      "transfer_syntax must be 'explicit', 'implicit' or a UID, got 'fast'")
  end)
end)

describe("reading files", function()
  local dir
  before_each(function() dir = h.tmpdir() end)
  after_each(h.cleanup)

  it("reads a file dcmtk wrote (dump2dcm) with identical values", function()
    local dump = dir .. "/in.txt"
    h.write_file(dump, table.concat({
      "(0002,0010) UI =LittleEndianExplicit",
      "(0008,0005) CS [ISO_IR 100]",
      "(0008,0008) CS [ORIGINAL\\PRIMARY]",
      "(0008,0016) UI =SecondaryCaptureImageStorage",
      "(0008,0018) UI [1.2.826.0.1.3680043.2.1125.1.1]",
      "(0010,0010) PN [M\xfcller^J\xfcrgen]", -- Latin-1 bytes in an ISO_IR 100 file
      "(0010,0020) LO [P-1]",
      "(0018,0050) DS [2.5]",
      "(0020,0013) IS [4]",
      "(0028,0010) US 256",
      "(0028,0030) DS [0.5\\0.75]",
      "(0008,1140) SQ (Sequence with explicit length #=1)",
      "  (fffe,e000) na (Item with explicit length #=1)",
      "    (0008,1155) UI [1.2.3.4]",
      "  (fffe,e00d) na (ItemDelimitationItem)",
      "(fffe,e0dd) na (SequenceDelimitationItem)",
      "(0029,0010) LO [VENDOR]",
      "(0029,1010) SS -5\\6",
      "",
    }, "\n"))
    local path = dir .. "/dcmtk.dcm"
    local ok, _, _, err = h.run("dump2dcm " .. h.quote(dump) .. " " .. h.quote(path))
    assert(ok, err)
    local ds = assert(dk.read(path))
    assert.equal("Müller^Jürgen", ds.PatientName) -- converted to UTF-8 on read
    assert.equal("ISO_IR 192", ds.SpecificCharacterSet)
    assert.same({ "ORIGINAL", "PRIMARY" }, ds.ImageType)
    assert.equal("1.2.840.10008.5.1.4.1.1.7", ds.SOPClassUID)
    assert.equal("P-1", ds.PatientID)
    assert.equal(2.5, ds.SliceThickness)
    assert.equal(4, ds.InstanceNumber)
    assert.equal(256, ds.Rows)
    assert.same({ 0.5, 0.75 }, ds.PixelSpacing)
    assert.equal("1.2.3.4", ds.ReferencedImageSequence[1].ReferencedSOPInstanceUID)
    assert.equal("VENDOR", ds[0x00290010])
    assert.same({ -5, 6 }, ds[0x00291010])
    assert.equal("1.2.840.10008.1.2.1", ds:transfer_syntax())
  end)

  it("reads a raw dataset without a meta header", function()
    local path = dir .. "/raw.dcm"
    assert(rich_dataset():save(path))
    local raw = dir .. "/raw.ds"
    local ok, _, _, err = h.run("dcmconv -F +te " .. h.quote(path) .. " " .. h.quote(raw))
    assert(ok, err)
    local ds = assert(dk.read(raw))
    assert.equal("Müller^Jürgen=ミュラー^ユルゲン", ds.PatientName)
  end)

  it("returns nil, message, code for a missing, empty or non-DICOM file", function()
    local ds, msg, code = dk.read(dir .. "/nope.dcm")
    assert.is_nil(ds)
    assert.equal("ENOENT", code)
    assert.equal(dir .. "/nope.dcm: No such file or directory", msg)

    h.write_file(dir .. "/empty.dcm", "")
    ds, msg, code = dk.read(dir .. "/empty.dcm")
    assert.is_nil(ds)
    assert.equal("EFORMAT", code)
    assert.matches("empty.dcm: empty file, not DICOM", msg, 1, true)

    h.write_file(dir .. "/text.dcm", ("this is only text\n"):rep(20))
    ds, msg, code = dk.read(dir .. "/text.dcm")
    assert.is_nil(ds)
    assert.equal("EFORMAT", code)
    assert.matches("text.dcm", msg, 1, true)

    local good = dir .. "/good.dcm"
    assert(rich_dataset():save(good))
    local bytes = h.read_file(good)
    h.write_file(dir .. "/cut.dcm", bytes:sub(1, #bytes // 2))
    ds, msg, code = dk.read(dir .. "/cut.dcm")
    assert.is_nil(ds)
    assert.equal("EFORMAT", code)
    assert.matches("cut.dcm", msg, 1, true)
  end)
end)
