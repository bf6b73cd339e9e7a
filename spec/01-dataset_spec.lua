-- The Lua face of a dataset: keywords, tags, values of every kind, sequences, iteration,
-- the dump, closing, and the difference between programming errors and failures.
local dk = require "dicomkit"

describe("dk.dataset", function()
  it("takes initial keyword values and reads them back by keyword and by tag", function()
    local ds = dk.dataset{ PatientName = "Doe^Jane", PatientID = "ID1" }
    assert.equal("Doe^Jane", ds.PatientName)
    assert.equal("ID1", ds[0x00100020])
    assert.equal("Doe^Jane", ds["(0010,0010)"])
    assert.equal("Doe^Jane", ds["00100010"])
    assert.is_nil(ds.PatientBirthDate)
  end)

  it("maps each VR to a Lua type: strings, numbers, arrays, bytes", function()
    local ds = dk.dataset()
    ds.ImageType = { "DERIVED", "SECONDARY" }
    ds.Rows = 480
    ds.PixelSpacing = { 0.5, 0.25 }
    ds.InstanceNumber = "12"
    ds.SliceThickness = 2.5
    ds:set(0x00090010, "LO", "DICOMKIT SPEC")
    ds:set(0x00091001, "OB", "\0\1\2\255")
    ds:set(0x00091002, "FD", { 1.5, -2.25 })
    ds:set(0x00091003, "AT", 0x00100010)
    assert.same({ "DERIVED", "SECONDARY" }, ds.ImageType)
    assert.equal(480, ds.Rows)
    assert.is_true(math.type(ds.Rows) == "integer")
    assert.same({ 0.5, 0.25 }, ds.PixelSpacing)
    assert.equal(12, ds.InstanceNumber)
    assert.equal(2.5, ds.SliceThickness)
    assert.equal("\0\1\2\255", ds[0x00091001])
    assert.same({ 1.5, -2.25 }, ds[0x00091002])
    assert.equal(0x00100010, ds[0x00091003])
    local value, vr = ds:get(0x00091002)
    assert.same({ 1.5, -2.25 }, value)
    assert.equal("FD", vr)
  end)

  it("keeps an empty value (Type 2) apart from an absent one", function()
    local ds = dk.dataset{ PatientBirthDate = "" }
    assert.equal("", ds.PatientBirthDate)
    assert.is_true(ds:has("PatientBirthDate"))
    ds.PatientBirthDate = nil
    assert.is_false(ds:has("PatientBirthDate"))
    assert.is_false(ds:remove("PatientBirthDate"))
  end)

  it("iterates with pairs in tag order", function()
    local ds = dk.dataset{ Rows = 1, PatientName = "A", Modality = "OT", StudyDate = "20240101" }
    local keys = {}
    for k in pairs(ds) do keys[#keys + 1] = k end
    assert.same({ "StudyDate", "Modality", "PatientName", "Rows" }, keys)
    assert.equal(4, #ds)
  end)

  it("reads sequences as arrays of item datasets, to any depth", function()
    local ds = dk.dataset{
      ReferencedImageSequence = {
        { ReferencedSOPClassUID = "1.2.3", ReferencedSOPInstanceUID = "1.2.3.4" },
        { ReferencedSOPClassUID = "1.2.3", ReferencedSOPInstanceUID = "1.2.3.5",
          PurposeOfReferenceCodeSequence = {
            { CodeValue = "121322", CodingSchemeDesignator = "DCM", CodeMeaning = "Source" },
          } },
      },
    }
    local seq = ds.ReferencedImageSequence
    assert.equal(2, #seq)
    local uids = {}
    for i, item in ipairs(seq) do uids[i] = item.ReferencedSOPInstanceUID end
    assert.same({ "1.2.3.4", "1.2.3.5" }, uids)
    assert.equal("121322", seq[2].PurposeOfReferenceCodeSequence[1].CodeValue)
    -- an item is live: writing to it changes the dataset
    seq[1].ReferencedSOPInstanceUID = "1.2.3.9"
    assert.equal("1.2.3.9", ds.ReferencedImageSequence[1].ReferencedSOPInstanceUID)
    assert.is_true(rawequal(seq[1], ds.ReferencedImageSequence[1]))
  end)

  it("accepts datasets as items and copies them, even from the sequence it replaces", function()
    local ds = dk.dataset{ ReferencedImageSequence = { { ReferencedSOPInstanceUID = "1.1" },
                                                       { ReferencedSOPInstanceUID = "2.2" } } }
    local seq = ds.ReferencedImageSequence
    ds.ReferencedImageSequence = { seq[2], seq[1] }
    assert.equal("2.2", ds.ReferencedImageSequence[1].ReferencedSOPInstanceUID)
    assert.equal("1.1", ds.ReferencedImageSequence[2].ReferencedSOPInstanceUID)
    -- the old items are gone: using one raises instead of touching freed memory
    assert.has_error(function() return seq[1].ReferencedSOPInstanceUID end,
      "this sequence item was removed from its dataset and can no longer be used")
    local other = dk.dataset{ CodeValue = "X1", CodingSchemeDesignator = "99LOCAL" }
    ds.ConceptNameCodeSequence = { other }
    other.CodeValue = "X2" -- a copy was taken
    assert.equal("X1", ds.ConceptNameCodeSequence[1].CodeValue)
  end)

  it("keeps its root alive while an item is referenced", function()
    local item = dk.dataset{ ReferencedImageSequence = { { ReferencedSOPInstanceUID = "1.5" } } }
      .ReferencedImageSequence[1]
    collectgarbage()
    collectgarbage()
    assert.equal("1.5", item.ReferencedSOPInstanceUID)
  end)

  it("dumps as text with tostring, sequences indented", function()
    local ds = dk.dataset{ PatientName = "Doe^Jane",
      ReferencedImageSequence = { { ReferencedSOPInstanceUID = "1.2.3" } } }
    local text = tostring(ds)
    assert.matches("%(0010,0010%) PN PatientName%s+Doe%^Jane", text)
    assert.matches("%(0008,1140%) SQ ReferencedImageSequence%s+%(1 item%)", text)
    assert.matches("\n  item 1\n    %(0008,1155%) UI ReferencedSOPInstanceUID%s+1%.2%.3", text)
  end)

  it("closes eagerly; any use after close raises, closing twice is harmless", function()
    local ds = dk.dataset{ PatientName = "A" }
    local item
    do
      local scoped <close> = dk.dataset{ ReferencedImageSequence = { {} } }
      item = scoped.ReferencedImageSequence[1]
    end
    assert.has_error(function() return item.ReferencedSOPInstanceUID end,
      "attempt to use an item of a closed dataset")
    ds:close()
    ds:close()
    assert.equal("dicomkit.Dataset (closed)", tostring(ds))
    assert.has_error(function() return ds.PatientName end, "attempt to use a closed dataset")
    assert.has_error(function() ds.PatientName = "B" end, "attempt to use a closed dataset")
  end)

  it("raises for programming errors, naming the keyword and the rule", function()
    local ds = dk.dataset()
    assert.has_error(function() ds.PatientNam = "x" end,
      "unknown keyword 'PatientNam' (not in the data dictionary)")
    assert.has_error(function() return ds.NoSuchKeyword end,
      "unknown keyword 'NoSuchKeyword' (not in the data dictionary)")
    assert.has_error(function() ds.Rows = "many" end,
      "Rows (0028,0010) is US: give a number, got string")
    assert.has_error(function() ds.PatientName = 12 end,
      "PatientName (0010,0010) is PN: give a string, got number")
    assert.has_error(function() ds.ReferencedImageSequence = "x" end,
      "ReferencedImageSequence (0008,1140) is SQ: give an array of items, got string")
    assert.has_error(function() ds[0x00091010] = "x" end,
      "(0009,1010) is not in the data dictionary: give its VR explicitly (ds:set(tag, vr, value))")
    assert.has_error(function() ds:set("PatientName", "LO", "x") end,
      "PatientName (0010,0010) has VR PN in the data dictionary, not LO")
    assert.has_error(function() ds.ImageType = { "A", "B\\C" } end,
      "ImageType (0008,0008): value 2 contains a backslash, which separates values")
    assert.has_error(function() dk.dataset{ Rows = true } end)
  end)
end)

describe("the dictionary", function()
  it("maps keywords and tags both ways", function()
    assert.equal(0x00100010, dk.tag("PatientName"))
    assert.equal("PatientName", dk.keyword(0x00100010))
    assert.is_nil(dk.tag("NotAKeyword"))
    assert.is_nil(dk.keyword(0x00091010))
    local e = dk.dictionary("PixelSpacing")
    assert.same({ tag = 0x00280030, keyword = "PixelSpacing", vr = "DS", vm = "2" }, e)
  end)
end)
