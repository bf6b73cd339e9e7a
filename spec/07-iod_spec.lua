-- IOD tables and validation, judged against dciodvfy (dicom3tools), which reads the same
-- statement of PS3.3 with code we did not write: every bundled template with every input it
-- takes passes both; on a corpus of broken objects of many IODs every error dciodvfy reports is
-- one of dk.validate's (by attribute); on pydicom's test files dciodvfy passes, dk.validate
-- reports nothing either; a template made by `dicomkit template new` validates once its Type 1
-- values are filled; ds:save and dk.send refuse what does not validate when asked.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"
local validate = require "dicomkit.validate"
local iod = require "dicomkit.iod"

local ORACLES = h.source .. "/spec/oracles/"
local DATA = h.source .. "/spec/data/jpeg/"
local DICOMKIT = h.build .. "/dicomkit"

local function oracle(script, args)
  local cmd = "/usr/bin/python3 " .. h.quote(ORACLES .. script)
  for _, a in ipairs(args or {}) do cmd = cmd .. " " .. h.quote(a) end
  local ok, _, out, err = h.run(cmd)
  assert(ok, script .. " failed: " .. err)
  return assert(h.json_decode(out))
end

local function errors_of(findings)
  local out = {}
  for _, f in ipairs(findings) do if f.severity == "error" then out[#out + 1] = f end end
  return out
end

local function text_of(findings)
  local lines = {}
  for _, f in ipairs(findings) do lines[#lines + 1] = validate.format(f) end
  return table.concat(lines, "\n")
end

-- The attributes dciodvfy's Error lines name (lines about the object as a whole name none).
local function dciodvfy_error_keywords(path)
  local v = dciodvfy.check(path)
  local kws, n = {}, 0
  for _, line in ipairs(v.errors) do
    local kw = validate.dciodvfy_keyword(line)
    if kw then
      kws[kw] = line
      n = n + 1
    end
  end
  return kws, n, v
end

-- dk.validate's errors include every error dciodvfy reports, compared by attribute.
local function assert_covers(path, what)
  local ours = {}
  local ds = assert(dk.read(path))
  local findings = dk.validate(ds)
  ds:close()
  for _, f in ipairs(errors_of(findings)) do ours[f.keyword or "?"] = true end
  local theirs, n, v = dciodvfy_error_keywords(path)
  for kw, line in pairs(theirs) do
    assert(ours[kw], ("%s: dciodvfy reports an error about %s that dk.validate does not:\n%s\n"
      .. "dk.validate says:\n%s"):format(what or path, kw, line, text_of(findings)))
  end
  return n, findings, v
end

describe("IOD tables #iod", function()
  it("are generated for every composite IOD of dicom3tools, with the edition they came from", function()
    local t = iod.tables()
    assert.matches("dicom3tools %d+", t.source)
    local n = 0
    -- every condition a row or a module's usage names has its predicate once the file of that
    -- module or macro is read (the checker raises on one it cannot find)
    local seen = {} -- macros can invoke themselves (nested content items)
    local function rows_have_conditions(rows, where)
      for _, row in ipairs(rows) do
        if row.c then assert(iod.conditions()[row.c], where .. " names condition " .. row.c) end
        if row.items then rows_have_conditions(row.items, where .. " > " .. row.k) end
        if row.macro and not seen[row.macro] then
          seen[row.macro] = true
          local macro = assert(iod.macro(row.macro), where .. " names macro " .. row.macro)
          rows_have_conditions(macro.attrs, row.macro)
        end
      end
    end
    for _, entry in ipairs(iod.list()) do
      n = n + 1
      local def = iod.get(entry.name)
      for _, m in ipairs(def.modules) do
        local module = assert(iod.module(m[1]), entry.name .. " names module " .. m[1])
        if m[3] then assert(iod.conditions()[m[3]], entry.name .. " names condition " .. m[3]) end
        rows_have_conditions(module.attrs, m[1])
      end
    end
    assert.is_true(n >= 120)
    -- the IODs a camera, scanner or screen feeds, by title and by SOP Class
    assert.equal("VLEndoscopicImage", iod.resolve("VL Endoscopic Image"))
    assert.equal("OphthalmicPhotography16BitImage", iod.resolve("1.2.840.10008.5.1.4.1.1.77.1.5.2"))
    assert.equal("SCImage", iod.resolve("1.2.840.10008.5.1.4.1.1.7"))
  end)

  it("say which modules an IOD has, with PS3.3's tables", function()
    local def = iod.get("OphthalmicPhotography8BitImage")
    local names = {}
    for _, m in ipairs(def.modules) do names[m[1]] = m[2] end
    for _, m in ipairs { "Synchronization", "MultiFrame", "OcularRegionImaged", "OphthalmicPhotographyImage",
                         "OphthalmicPhotographyAcquisitionParameters", "OphthalmicPhotographicParameters" } do
      assert.equal("M", names[m], m)
    end
    assert.equal("Table C.7-1", iod.module("Patient").section)
  end)
end)

describe("bundled templates x inputs #iod", function()
  local dir, inputs
  lazy_setup(function()
    dir = h.tmpdir()
    inputs = oracle("make_jpegs.py", { DATA, dir })
  end)
  lazy_teardown(h.cleanup)

  local TEMPLATES = {
    vl_photographic = { iod = "VLPhotographicImage" },
    secondary_capture = { iod = "SCImage" },
    vl_endoscopic = { iod = "VLEndoscopicImage" },
    vl_microscopic = { iod = "VLMicroscopicImage" },
    ophthalmic_photography_8bit = { iod = "OphthalmicPhotography8BitImage", params = { ImageLaterality = "L" } },
  }
  local JPEGS = { "c420.jpg", "c422.jpg", "c444.jpg", "grey.jpg", "rgb.jpg", "icc.jpg",
                  "rot6_odd.jpg", "rot6_mcu.jpg", "spy.jpg" }

  local function raw(samples)
    local bytes = {}
    for i = 1, 24 * 16 * samples do bytes[i] = string.char(i % 251) end
    return { rows = 16, columns = 24, samples = samples, bits = 8, data = table.concat(bytes),
             photometric = samples == 3 and "RGB" or "MONOCHROME2" }
  end

  for name, t in pairs(TEMPLATES) do
    it(name .. ": every input gives 0 errors from dciodvfy and from dk.validate", function()
      local cases = {}
      for _, j in ipairs(JPEGS) do cases[#cases + 1] = { label = j, params = { jpeg = inputs[j].path } } end
      cases[#cases + 1] = { label = "decoded c420", params = { jpeg = inputs["c420.jpg"].path, decode = true } }
      cases[#cases + 1] = { label = "progressive, decoded", params = { jpeg = inputs["prog.jpg"].path, decode = true } }
      cases[#cases + 1] = { label = "raw grey", params = { pixels = raw(1) } }
      cases[#cases + 1] = { label = "raw RGB", params = { pixels = raw(3) } }
      for i, c in ipairs(cases) do
        for k, v in pairs(t.params or {}) do c.params[k] = v end
        c.params.PatientID = "P" .. i
        local ds = assert(dk.template(name)(c.params))
        local findings, found = dk.validate(ds)
        assert.equal(t.iod, found)
        assert.same({}, errors_of(findings), name .. " x " .. c.label .. ":\n" .. text_of(findings))
        local path = ("%s/%s_%d.dcm"):format(dir, name, i)
        assert(ds:save(path))
        ds:close()
        dciodvfy.accepts(path, nil, name .. " x " .. c.label)
        -- and read back from the file (file meta included)
        local back = assert(dk.read(path))
        local again = dk.validate(back)
        back:close()
        assert.same({}, errors_of(again), name .. " x " .. c.label .. " read back:\n" .. text_of(again))
      end
    end)
  end

  it("list as their modules (help, templates -v) modules of their IOD, every mandatory one included", function()
    for name in pairs(TEMPLATES) do
      local tpl = dk.template(name)
      local def = iod.get(iod.resolve(tpl.sop_class))
      local titles, mandatory = {}, {}
      for _, m in ipairs(def.modules) do
        local md = iod.module(m[1])
        -- dciodvfy's pseudo-modules hold the IOD's own rules: no module of PS3.3 to list
        if md and md.title then
          titles[md.title] = true
          if m[2] == "M" then mandatory[#mandatory + 1] = md.title end
        end
      end
      local listed = {}
      for _, title in ipairs(tpl.modules) do
        assert(titles[title], name .. " lists " .. title .. ", which is not a module of " .. tpl.iod)
        listed[title] = true
      end
      for _, title in ipairs(mandatory) do
        assert(listed[title], name .. " does not list the mandatory module " .. title)
      end
    end
  end)

  it("ophthalmic photography: ImageLaterality, no Laterality, one frame, the Type 2 FLs empty", function()
    local ds = assert(dk.template("ophthalmic_photography_8bit"){ jpeg = inputs["c420.jpg"].path, ImageLaterality = "R" })
    assert.equal("R", ds.ImageLaterality)
    assert.is_nil(ds.Laterality)
    assert.equal(1, tonumber(ds.NumberOfFrames))
    assert.equal(0, ds:info("HorizontalFieldOfView").vm)
    assert.equal("FL", ds:info("HorizontalFieldOfView").vr)
    ds:close()
    assert.has_error(function()
      dk.template("ophthalmic_photography_8bit"){ jpeg = inputs["c420.jpg"].path }
    end, "template ophthalmic_photography_8bit needs ImageLaterality: R, L or B (both eyes), the eye photographed; got nil")
  end)

  it("an empty Type 2 of a binary VR is written from \"\"", function()
    local ds = dk.dataset()
    ds.HorizontalFieldOfView = ""
    ds.RefractiveStateSequence = ""
    ds.Rows = ""
    assert.equal(0, ds:info("HorizontalFieldOfView").vm)
    assert.equal(0, ds:info("RefractiveStateSequence").vm)
    assert.equal(0, ds:info("Rows").vm)
    ds:close()
  end)
end)

describe("broken objects #iod", function()
  local dir, inputs
  -- a sixth IOD through a template of the kind a site writes: `dicomkit template new`, its
  -- TODOs filled
  local derm = {}
  lazy_setup(function()
    dir = h.tmpdir()
    inputs = oracle("make_jpegs.py", { DATA, dir })
    local path = dir .. "/derm.lua"
    assert(h.run(h.quote(DICOMKIT) .. " template new 'Dermoscopic Photography Image' " .. h.quote(path)))
    local values = { Manufacturer = '"Acme"', ManufacturerModelName = '"DS-1"', DeviceSerialNumber = '"0042"',
      SoftwareVersions = '"1.0"', ImageType = '{ "ORIGINAL", "PRIMARY" }', RecognizableVisualFeatures = '"NO"' }
    local source = h.read_file(path):gsub('TODO "([^"]+)"', function(k) return assert(values[k], k) end)
    h.write_file(path, source)
    derm.template = dofile(path)
  end)
  lazy_teardown(h.cleanup)

  -- Replace the first occurrence of `from` in the file's bytes by `to` (same length): a value
  -- no setter would write.
  local function patch(path, from, to)
    assert(#from == #to)
    local bytes = h.read_file(path)
    local at = assert(bytes:find(from, 1, true), "not in the file: " .. from)
    h.write_file(path, bytes:sub(1, at - 1) .. to .. bytes:sub(at + #from))
  end

  local IODS = {
    { "vl_photographic", "VLPhotographicImage" },
    { "secondary_capture", "SCImage" },
    { "vl_endoscopic", "VLEndoscopicImage" },
    { "vl_microscopic", "VLMicroscopicImage" },
    { "ophthalmic_photography_8bit", "OphthalmicPhotography8BitImage" },
    { "derm_photo", "DermoscopicPhotographyImage", derm },
  }

  -- Each breakage: how, and the rule dk.validate must name.
  local BREAK = {
    { "Type 1 missing", function(ds) ds.SeriesInstanceUID = nil end, "type1-missing", "SeriesInstanceUID" },
    { "Type 1 empty", function(ds) ds.StudyInstanceUID = "" end, "type1-empty", "StudyInstanceUID" },
    { "Type 2 absent", function(ds) ds.PatientName = nil end, "type2-missing", "PatientName" },
    { "wrong enumerated value", function(ds) ds.PatientSex = "X" end, "enumerated", "PatientSex" },
    { "missing although its condition holds", function(ds) ds.PlanarConfiguration = nil end,
      "condition-missing", "PlanarConfiguration" },
    { "present although its condition does not hold", function(ds)
        if ds.ImageLaterality then ds.Laterality = "R" else ds.ImageLaterality = "L" end
      end, "condition-present", "Laterality" },
    { "bad value around the setters", function(ds) ds.StudyDate = "20240101" end, "value", "StudyDate",
      function(path) patch(path, "20240101", "2024-1-1") end },
    { "bad UID around the setters", function(ds) ds.SeriesInstanceUID = "1.2.840.99999.123" end, "value",
      "SeriesInstanceUID", function(path) patch(path, "1.2.840.99999.123", "1.2.840.99999.0a3") end },
    { "inconsistent pixel attributes", function(ds) ds.Columns = ds.Columns + 2 end, "pixels", "Rows" },
    { "meta not matching the data set", function(ds) ds.SOPInstanceUID = "1.2.840.99999.7777" end, "meta",
      "MediaStorageSOPInstanceUID", function(path) patch(path, "1.2.840.99999.7777", "1.2.840.99999.7778") end },
  }

  for _, pair in ipairs(IODS) do
    local template, iod_name = pair[1], pair[2]
    it(template .. ": dk.validate's errors include every one dciodvfy reports", function()
      for i, b in ipairs(BREAK) do
        local ds = assert((pair[3] and pair[3].template or dk.template(template)){ jpeg = inputs["c420.jpg"].path, PatientID = "P1",
                                                ImageLaterality = template:match("ophthalmic") and "R" or nil })
        b[2](ds)
        local path = ("%s/%s_%d.dcm"):format(dir, template, i)
        assert(ds:save(path, { validate = false })) -- broken on purpose
        ds:close()
        if b[5] then b[5](path) end
        local n, findings = assert_covers(path, template .. " x " .. b[1])
        local named
        for _, f in ipairs(errors_of(findings)) do
          if f.rule == b[3] and f.keyword == b[4] then named = true end
        end
        assert(named, ("%s x %s: dk.validate does not report %s on %s:\n%s"):format(template, b[1], b[3], b[4],
          text_of(findings)))
        -- the object is broken in dciodvfy's eyes too, where it checks that rule at all
        if b[3] ~= "meta" and b[3] ~= "pixels" then
          assert(n > 0, template .. " x " .. b[1] .. ": dciodvfy found nothing wrong")
        end
        local _, found = dk.validate(assert(dk.read(path)))
        assert.equal(iod_name, found)
      end
    end)
  end

  it("an IOD of its own: an Ophthalmic Photography 16 Bit object missing its eye", function()
    local ds = dk.dataset {
      SOPClassUID = "1.2.840.10008.5.1.4.1.1.77.1.5.2", SOPInstanceUID = dk.uid(), Modality = "OP",
      StudyInstanceUID = dk.uid(), SeriesInstanceUID = dk.uid(),
    }
    local path = dir .. "/op16_bare.dcm"
    assert(ds:save(path))
    ds:close()
    local n = assert_covers(path, "bare OP 16")
    assert.is_true(n >= 10)
  end)

  it("an unknown SOP Class is an error, never ok", function()
    local ds = dk.dataset { SOPClassUID = "1.2.3.4.5", SOPInstanceUID = dk.uid() }
    local findings = dk.validate(ds)
    ds:close()
    assert.equal("no-iod", findings[1].rule)
    assert.equal("no IOD tables for SOP Class 1.2.3.4.5: nothing about its modules was checked", findings[1].message)
  end)

  it("paths reach into sequences", function()
    local ds = assert(dk.template("vl_photographic"){ jpeg = inputs["c420.jpg"].path,
      acquisition_context = { { concept = { "111", "99LOCAL", "Site" }, text = "left hand" } } })
    ds.AcquisitionContextSequence = { { ValueType = "TEXT", TextValue = "x",
      ConceptNameCodeSequence = { { CodeValue = "111", CodingSchemeDesignator = "99LOCAL" } } } }
    local findings = dk.validate(ds)
    ds:close()
    local paths = {}
    for _, f in ipairs(findings) do paths[f.path] = f end
    local f = paths["AcquisitionContextSequence[1].ConceptNameCodeSequence[1].CodeMeaning"]
    assert(f, text_of(findings))
    assert.equal("type1-missing", f.rule)
    assert.equal("AcquisitionContext", f.module)
    assert.equal("CodeMeaning", f.keyword)
  end)
end)

describe("pydicom's test files #iod", function()
  local FILES = "/usr/lib/python3/dist-packages/pydicom/data/test_files/"
  -- README "Validation: where dicomkit and dciodvfy differ": SR content-tree rules dicomkit
  -- does not check, and files dciodvfy cannot read as dcmtk does (it then reports the meta
  -- information's attributes, which dicomkit reads past).
  local DIFFERENT = {
    ["test-SR.dcm"] = true, ["reportsi.dcm"] = true, ["reportsi_with_empty_number_tags.dcm"] = true,
    ["image_dfl.dcm"] = true, ["meta_missing_tsyntax.dcm"] = true, ["nested_priv_SQ.dcm"] = true,
    ["no_meta_group_length.dcm"] = true,
  }

  it("where dciodvfy passes a file, dk.validate reports no error; elsewhere it reports dciodvfy's", function()
    local names = h.listdir(FILES)
    local clean, checked = 0, 0
    for _, name in ipairs(names) do
      if name:match("%.dcm$") and not DIFFERENT[name] then
        local path = FILES .. name
        local ds = dk.read(path)
        if ds then
          ds:close()
          local v = dciodvfy.check(path)
          if v.ok then
            local back = assert(dk.read(path))
            local findings = dk.validate(back)
            back:close()
            assert.same({}, errors_of(findings), name .. ":\n" .. text_of(findings))
            clean = clean + 1
          elseif #v.errors > 0 then
            assert_covers(path, name)
            checked = checked + 1
          end
        end
      end
    end
    assert.is_true(clean >= 15, "only " .. clean .. " clean files")
    assert.is_true(checked >= 20, "only " .. checked .. " broken files")
  end)
end)

describe("dicomkit validate #iod", function()
  local dir, good, bad
  lazy_setup(function()
    dir = h.tmpdir()
    local inputs = oracle("make_jpegs.py", { DATA, dir })
    local ds = assert(dk.template("vl_endoscopic"){ jpeg = inputs["c420.jpg"].path, PatientID = "1" })
    good = dir .. "/good.dcm"
    assert(ds:save(good))
    ds.ImageType = nil
    bad = dir .. "/bad.dcm"
    assert(ds:save(bad))
    ds:close()
  end)
  lazy_teardown(h.cleanup)

  it("prints file: path: severity: message, exits 1 on an error and says dciodvfy ran", function()
    local ok, code, out = h.run(h.quote(DICOMKIT) .. " validate " .. h.quote(good) .. " " .. h.quote(bad))
    local function lit(s) return (s:gsub("%p", "%%%0")) end
    assert.is_false(ok)
    assert.equal(1, code)
    assert.matches(bad .. ": ImageType: error: Type 1 attribute is missing [VLImage]\n", out, 1, true)
    assert.matches(bad .. ": ImageType: error: dciodvfy: Error - Missing attribute Type 1 Required Element=<ImageType> Module=<VLImage>", out, 1, true)
    assert.matches(lit(good .. ": ok (VL Endoscopic Image; 0 errors, ") .. "%d+ warnings?" .. lit("; checked by dicomkit and dciodvfy)\n"), out)
    assert.matches(lit(bad .. ": FAILED (VL Endoscopic Image; 2 errors, ") .. "%d+ warnings?" .. lit("; checked by dicomkit and dciodvfy)\n"), out)
    ok, code = h.run(h.quote(DICOMKIT) .. " validate " .. h.quote(good))
    assert.is_true(ok, code)
  end)

  it("says when dciodvfy was not found", function()
    local lua_dir = dir .. "/bin"
    os.execute("mkdir -p " .. h.quote(lua_dir) .. " && ln -sf /usr/bin/lua5.4 " .. h.quote(lua_dir .. "/lua5.4"))
    local ok, _, out, err = h.run("PATH=" .. h.quote(lua_dir) .. " " .. h.quote(DICOMKIT) .. " validate " .. h.quote(bad))
    assert.is_false(ok)
    assert.matches("checked by dicomkit only: dciodvfy not found", out, 1, true)
    assert.matches("dciodvfy was not found", err, 1, true)
    assert.not_matches("dciodvfy: Error", out, 1, true)
  end)

  it("--json gives every finding with path, keyword, module and rule", function()
    local _, code, out = h.run(h.quote(DICOMKIT) .. " validate --json --no-dciodvfy " .. h.quote(bad))
    assert.equal(1, code)
    local doc = assert(h.json_decode(out))
    local file = doc.files[1]
    assert.equal(bad, file.file)
    assert.equal("VLEndoscopicImage", file.iod)
    assert.is_false(file.ok)
    assert.equal("not asked", file.dciodvfy)
    local found
    for _, f in ipairs(file.findings) do
      if f.rule == "type1-missing" then found = f end
    end
    assert.same({ severity = "error", path = "ImageType", keyword = "ImageType", module = "VLImage",
                  rule = "type1-missing", message = "Type 1 attribute is missing", source = "dicomkit" }, found)
  end)
end)

describe("validate where users work #iod", function()
  local dir, inputs
  lazy_setup(function()
    dir = h.tmpdir()
    inputs = oracle("make_jpegs.py", { DATA, dir })
  end)
  lazy_teardown(h.cleanup)

  it("ds:save{validate = true} refuses an object with errors and writes nothing", function()
    local ds = assert(dk.template("vl_photographic"){ jpeg = inputs["c420.jpg"].path })
    ds.SeriesInstanceUID = nil
    local path = dir .. "/refused.dcm"
    local ok, msg, code, findings = ds:save(path, { validate = true })
    assert.is_nil(ok)
    assert.equal("EINVALID", code)
    assert.matches("SeriesInstanceUID: error: Type 1 attribute is missing", msg, 1, true)
    assert.equal("type1-missing", errors_of(findings)[1].rule)
    assert.is_false(h.exists(path))
    -- without asking, it is written (the user may want to see it)
    assert.is_true(ds:save(path))
    ds:close()
  end)

  it("a template's validate = true is the default for what it makes; validate = false overrides", function()
    local site = dir .. "/site"
    os.execute("mkdir -p " .. h.quote(site))
    h.write_file(site .. "/checked.lua", [[
      return require("dicomkit.templates.vl_photographic"):extend { name = "checked", validate = true }
    ]])
    local ok, _, out, err = h.run("DICOMKIT_TEMPLATES=" .. h.quote(site) .. " " .. h.quote(DICOMKIT)
      .. " -e " .. h.quote([[
        local ds = assert(dk.template("checked"){ jpeg = ']] .. inputs["c420.jpg"].path .. [[' })
        ds.PatientName = nil
        local ok, msg, code = ds:save("]] .. dir .. [[/t.dcm")
        local forced = ds:save("]] .. dir .. [[/t2.dcm", { validate = false })
        return tostring(ok), code, tostring(forced)
      ]]))
    assert(ok, err)
    assert.equal("nil\tEINVALID\ttrue\n", out)
    assert.is_false(h.exists(dir .. "/t.dcm"))
  end)

  it("dk.send{validate = true} does not send an object with errors", function()
    local ds = assert(dk.template("vl_photographic"){ jpeg = inputs["c420.jpg"].path })
    ds.StudyInstanceUID = nil
    -- no association is opened for nothing to send: the port is never used
    local results, summary = dk.send({ ds }, { host = "127.0.0.1", port = h.free_port(), called_ae = "NONE",
                                               validate = true })
    ds:close()
    assert.equal(1, summary.not_sent)
    assert.equal("EINVALID", results[1].error)
    assert.equal("StudyInstanceUID", errors_of(results[1].findings)[1].keyword)
  end)

  it("--set wins over a site template's after hook", function()
    local site = dir .. "/site2"
    os.execute("mkdir -p " .. h.quote(site))
    h.write_file(site .. "/station.lua", [[
      return require("dicomkit.templates.vl_photographic"):extend {
        name = "station",
        after = function(ds) ds.StationName = "FROM_AFTER"; ds.InstitutionName = "Site" end,
      }
    ]])
    local out_path = dir .. "/station.dcm"
    local ok, _, _, err = h.run("DICOMKIT_TEMPLATES=" .. h.quote(site) .. " " .. h.quote(DICOMKIT)
      .. " create station --jpeg " .. h.quote(inputs["c420.jpg"].path) .. " --set StationName=CLI -o " .. h.quote(out_path))
    assert(ok, err)
    local back = assert(dk.read(out_path))
    assert.equal("CLI", back.StationName)
    assert.equal("Site", back.InstitutionName)
    back:close()
  end)
end)

describe("dicomkit template new #iod", function()
  local dir
  lazy_setup(function() dir = h.tmpdir() end)
  lazy_teardown(h.cleanup)

  -- Fill every TODO of a generated template with a value of our own choosing.
  local VALUES = {
    SynchronizationTrigger = '"NO TRIGGER"', AcquisitionTimeSynchronized = '"N"',
    ImageType = '{ "ORIGINAL", "PRIMARY" }', InstanceNumber = '1', BurnedInAnnotation = '"NO"',
    ImageLaterality = '"L"',
    ["AnatomicRegionSequence[1].CodeValue"] = '"81745001"',
    ["AnatomicRegionSequence[1].CodingSchemeDesignator"] = '"SCT"',
    ["AnatomicRegionSequence[1].CodeMeaning"] = '"Eye"',
    ["AcquisitionDeviceTypeCodeSequence[1].CodeValue"] = '"409898007"',
    ["AcquisitionDeviceTypeCodeSequence[1].CodingSchemeDesignator"] = '"SCT"',
    ["AcquisitionDeviceTypeCodeSequence[1].CodeMeaning"] = '"Fundus Camera"',
  }

  it("writes a template for Ophthalmic Photography 16 Bit that validates once its Type 1 values are filled", function()
    local path = dir .. "/op16.lua"
    local ok, _, out, err = h.run(h.quote(DICOMKIT) .. " template new 'Ophthalmic Photography 16 Bit Image' " .. h.quote(path))
    assert(ok, err)
    assert.matches("op16.lua: template op16 for Ophthalmic Photography 16 Bit Image", out, 1, true)
    local source = h.read_file(path)
    assert.matches("-- Ocular Region Imaged (PS3.3 Table C.8.17.5-1)", source, 1, true)
    assert.matches('put(ds, p, "ImageLaterality", TODO "ImageLaterality") -- Type 1, CS, VM 1, one of R, L, B', source, 1, true)
    assert.matches('put(ds, p, "HorizontalFieldOfView", "") -- Type 2, FL, VM 1', source, 1, true)
    -- unfilled, it names what to fill
    local raw16 = [[{ rows = 8, columns = 6, samples = 1, bits = 16, data = string.rep("\1\2", 48) }]]
    local run = "DICOMKIT_TEMPLATES=" .. h.quote(dir) .. " " .. h.quote(DICOMKIT) .. " -e "
    local ok2, _, _, err2 = h.run(run .. h.quote("return dk.template('op16'){ pixels = " .. raw16 .. " }"))
    assert.is_false(ok2)
    assert.matches("template op16: SynchronizationTrigger is a Type 1 value to fill", err2, 1, true)
    -- filled: only the TODOs change
    local filled, n = source:gsub('TODO "([^"]+)"', function(k) return assert(VALUES[k], k) end)
    assert.is_true(n >= 10)
    h.write_file(path, filled)
    local object = dir .. "/op16.dcm"
    local ok3, _, _, err3 = h.run(run .. h.quote("local ds = assert(dk.template('op16'){ pixels = " .. raw16
      .. " }); assert(ds:save('" .. object .. "'))"))
    assert(ok3, err3)
    dciodvfy.accepts(object, "OphthalmicPhotography16BitImage")
    local back = assert(dk.read(object))
    local findings = dk.validate(back)
    back:close()
    assert.same({}, errors_of(findings), text_of(findings))
  end)

  it("refuses an unknown IOD and an existing file", function()
    local ok, code, _, err = h.run(h.quote(DICOMKIT) .. " template new 'No Such IOD' " .. h.quote(dir .. "/x.lua"))
    assert.is_false(ok)
    assert.equal(2, code)
    assert.matches("no IOD named 'No Such IOD'", err, 1, true)
    h.write_file(dir .. "/y.lua", "keep")
    _, code, _, err = h.run(h.quote(DICOMKIT) .. " template new SCImage " .. h.quote(dir .. "/y.lua"))
    assert.equal(1, code)
    assert.matches("exists; --force replaces it", err, 1, true)
    assert.equal("keep", h.read_file(dir .. "/y.lua"))
  end)
end)
