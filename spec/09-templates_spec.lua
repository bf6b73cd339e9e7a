-- Templates: a photo plus a few params make a complete IOD that dicom3tools accepts, with
-- every Type 2 attribute present, fresh UIDs, and the tutorial's content expressed as params;
-- mistakes in params raise; a site's own template, found through DICOMKIT_TEMPLATES, takes
-- the place of the bundled one and can change just one thing about it.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"

local ORACLES = h.source .. "/spec/oracles/"
local DATA = h.source .. "/spec/data/jpeg/"

local IOD = {
  vl_photographic = { name = "VLPhotographicImage", sop = "1.2.840.10008.5.1.4.1.1.77.1.4" },
  secondary_capture = { name = "SCImage", sop = "1.2.840.10008.5.1.4.1.1.7" },
}
local TEMPLATE_NAMES = { "vl_photographic", "secondary_capture" }

-- The Type 2 (and Type 2C) attributes of the modules both IODs share: present, maybe empty.
local TYPE2 = {
  ["00100010"] = "PatientName", ["00100020"] = "PatientID", ["00100030"] = "PatientBirthDate",
  ["00100040"] = "PatientSex", ["00080020"] = "StudyDate", ["00080030"] = "StudyTime",
  ["00080090"] = "ReferringPhysicianName", ["00200010"] = "StudyID",
  ["00080050"] = "AccessionNumber", ["00200011"] = "SeriesNumber", ["00200060"] = "Laterality",
  ["00080070"] = "Manufacturer", ["00200013"] = "InstanceNumber",
  ["00200020"] = "PatientOrientation", ["00080023"] = "ContentDate", ["00080033"] = "ContentTime",
}

local function pydicom_read(path)
  local ok, _, out, err = h.run("/usr/bin/python3 " .. h.quote(h.source .. "/spec/pydicom_dump.py")
    .. " " .. h.quote(path))
  assert(ok, "pydicom could not read " .. path .. ": " .. err)
  return h.json_decode(out)
end

-- dicom3tools: the IOD is recognised and nothing is an Error; dcmdump: nothing on stderr.
local function assert_valid(path, template)
  dciodvfy.accepts(path, IOD[template].name)
  local dump, dump_err, ok = h.dcmdump(path)
  assert(ok, "dcmdump failed on " .. path)
  assert.equal("", dump_err)
  return dump
end

describe("templates #templates", function()
  local dir, photo

  lazy_setup(function()
    dir = h.tmpdir()
    local ok, _, out, err = h.run("/usr/bin/python3 " .. h.quote(ORACLES .. "make_jpegs.py") .. " "
      .. h.quote(DATA) .. " " .. h.quote(dir))
    assert(ok, err)
    photo = h.json_decode(out)["c420.jpg"].path
  end)
  lazy_teardown(h.cleanup)

  local function save(ds, name)
    local path = dir .. "/" .. name .. ".dcm"
    assert(ds:save(path))
    return path
  end

  it("make a valid object from a photo alone, with every Type 2 attribute present", function()
    for _, template in ipairs(TEMPLATE_NAMES) do
      local ds, report = dk.template(template){ jpeg = photo }
      assert(ds, report)
      assert.equal("passthrough", report.mode)
      local path = save(ds, "bare-" .. template)
      assert_valid(path, template)
      local d = pydicom_read(path).data
      for tag, keyword in pairs(TYPE2) do
        assert(d[tag] ~= nil, template .. " has no " .. keyword)
      end
      assert.equal(IOD[template].sop, d["00080016"].value)
      for _, tag in ipairs({ "00080018", "0020000D", "0020000E" }) do
        assert.is_true(dk.is_uid(d[tag].value), template .. " " .. tag)
      end
      if template == "vl_photographic" then
        assert.equal("XC", d["00080060"].value)
        assert.same({}, d["00400555"].value) -- Acquisition Context: Type 2, empty
      else
        assert.equal("OT", d["00080060"].value)
        assert.equal("WSD", d["00080064"].value)
      end
    end
  end)

  it("give every object fresh UIDs, and take a StudyInstanceUID given", function()
    local seen = {}
    local study = dk.uid()
    for i = 1, 2 do
      for _, template in ipairs(TEMPLATE_NAMES) do
        local ds = assert(dk.template(template){ jpeg = photo })
        for _, keyword in ipairs({ "SOPInstanceUID", "SeriesInstanceUID", "StudyInstanceUID" }) do
          local uid = ds[keyword]
          assert.is_true(dk.is_uid(uid), keyword)
          assert.is_nil(seen[uid], keyword .. " " .. uid .. " given twice")
          seen[uid] = true
        end
        local given = assert(dk.template(template){ jpeg = photo, StudyInstanceUID = study })
        local path = save(given, ("study-%s-%d"):format(template, i))
        local py = pydicom_read(path)
        assert.equal(study, py.data["0020000D"].value)
        assert.equal(py.data["00080018"].value, py.meta["00020003"].value)
        assert_valid(path, template)
      end
    end
  end)

  it("express the tutorial's photo as params, and dciodvfy accepts it", function()
    local ds, report = dk.template("vl_photographic"){
      jpeg = photo,
      PatientName = "Doe^Jane", PatientID = "PID-0042", PatientSex = "F",
      PatientBirthDate = "19800229", ReferringPhysicianName = "House^Gregory",
      AccessionNumber = "ACC-7", StudyID = "S1", SeriesNumber = 3, InstanceNumber = 4,
      Laterality = "R", Manufacturer = "Acme Optics", ManufacturerModelName = "DermaCam 2",
      PatientOrientation = { "A", "F" },
      acquisition_context = {
        { concept = { "SITE", "99CLINIC", "Photographed site" }, text = "Right forearm, before excision" },
      },
    }
    assert(ds, report)
    local path = save(ds, "tutorial")
    local dump = assert_valid(path, "vl_photographic")
    local py = pydicom_read(path)
    local d = py.data
    assert.equal("Doe^Jane", d["00100010"].value)
    assert.equal("PID-0042", d["00100020"].value)
    assert.equal("F", d["00100040"].value)
    assert.equal("19800229", d["00100030"].value)
    assert.equal("House^Gregory", d["00080090"].value)
    assert.equal("ACC-7", d["00080050"].value)
    assert.equal("S1", d["00200010"].value)
    assert.equal(3, d["00200011"].value)
    assert.equal(4, d["00200013"].value)
    assert.equal("R", d["00200060"].value)
    assert.equal("Acme Optics", d["00080070"].value)
    assert.equal("DermaCam 2", d["00081090"].value)
    assert.same({ "A", "F" }, d["00200020"].value)
    local items = d["00400555"].value
    assert.equal(1, #items)
    assert.equal("TEXT", items[1]["0040A040"].value)
    assert.equal("Right forearm, before excision", items[1]["0040A160"].value)
    local concept = items[1]["0040A043"].value[1]
    assert.equal("SITE", concept["00080100"].value)
    assert.equal("99CLINIC", concept["00080102"].value)
    assert.equal("Photographed site", concept["00080104"].value)
    -- only the value attribute that goes with TEXT
    assert.is_nil(items[1]["0040A168"])
    assert.is_nil(items[1]["0040A30A"])
    -- PatientOrientation once, though the template sets it and the params set it again
    local _, count = dump:gsub("\n%(0020,0020%)", "")
    assert.equal(1, count)
    -- the Implementation Class UID is dicomkit's, not the SOP Class as the old tutorial had
    assert.not_equal(py.meta["00020002"].value, py.meta["00020012"].value)
    assert.not_equal(IOD.vl_photographic.sop, py.meta["00020012"].value)
    assert.is_true(dk.is_uid(py.meta["00020012"].value))
  end)

  it("raise on an unknown option or keyword, naming it", function()
    for _, template in ipairs(TEMPLATE_NAMES) do
      local tpl = dk.template(template)
      assert.error_matches(function() tpl{ jpeg = photo, bogus = 1 } end,
        "unknown option 'bogus'", 1, true)
      assert.error_matches(function() tpl{ jpeg = photo, NotAKeyword = 1 } end,
        "unknown keyword 'NotAKeyword'", 1, true)
      assert.error_matches(function() tpl{ jpeg = photo, [1] = "x" } end,
        "parameter names must be strings", 1, true)
      assert.error_matches(function() tpl{ PatientName = "Doe^Jane" } end, "needs pixels", 1, true)
    end
    -- an option of one template is no option of the other
    assert.error_matches(function()
      dk.template("vl_photographic"){ jpeg = photo, conversion_type = "DV" }
    end, "unknown option 'conversion_type'", 1, true)
    assert.error_matches(function() dk.template("no_such_template") end,
      "no template named 'no_such_template'", 1, true)
  end)

  it("report a mistake in params at the caller's line, not inside dicomkit", function()
    local script = dir .. "/typo.lua"
    h.write_file(script, "local tpl = dk.template('vl_photographic')\n"
      .. "local ds = tpl{ jpeg = " .. string.format("%q", photo) .. ", bogus = 1 }\n")
    local ok, code, _, err = h.run(h.quote(h.dicomkit) .. " " .. h.quote(script))
    assert.is_false(ok)
    assert.equal(1, code)
    local first = err:match("^[^\n]*")
    -- like every other dicomkit error: the user's location, then the message
    assert.equal("dicomkit: " .. script .. ":2: template vl_photographic: unknown option 'bogus'", first)
  end)

  it("secondary_capture refuses acquisition_context, which it has no module to hold", function()
    -- an option a template accepts but does not use silently loses what the user gave
    assert.error_matches(function()
      dk.template("secondary_capture"){
        jpeg = photo,
        acquisition_context = { { concept = { "SITE", "99CLINIC", "Photographed site" }, text = "lost" } },
      }
    end, "unknown option 'acquisition_context'", 1, true)
  end)

  it("pass the photo's refusal on as nil, message, code", function()
    for _, template in ipairs(TEMPLATE_NAMES) do
      local ds, msg, code = dk.template(template){ jpeg = DATA .. "testimgari.jpg" }
      assert.is_nil(ds)
      assert.matches("testimgari.jpg: JPEG Baseline cannot carry this JPEG as it is", msg, 1, true)
      assert.matches("arithmetic", msg, 1, true)
      assert.equal("EUNSUPPORTED", code)
      local decoded, report = dk.template(template){ jpeg = DATA .. "testimgari.jpg", decode = true }
      assert(decoded, report)
      assert.equal("decoded", report.mode)
      assert_valid(save(decoded, "ari-" .. template), template)
    end
  end)

  it("dk.templates() lists both bundled templates", function()
    local found = {}
    for _, t in ipairs(dk.templates()) do found[t.name] = t end
    for _, name in ipairs(TEMPLATE_NAMES) do
      assert.is_table(found[name], name)
      assert.equal("bundled", found[name].source)
      assert.is_true(h.exists(found[name].path), found[name].path)
    end
  end)

  it("extend: other defaults and an extra step, the base unchanged", function()
    local base = dk.template("vl_photographic")
    local steps = {}
    local clinic = base:extend{
      name = "clinic_photo",
      defaults = { InstitutionName = "North Clinic", Manufacturer = "Clinic Cam" },
      after = function(ds, params)
        steps[#steps + 1] = params.PatientID
        ds.ImageComments = "checked by " .. ds.InstitutionName
      end,
    }
    local ds = assert(clinic{ jpeg = photo, PatientID = "P1", Manufacturer = "Given" })
    assert.same({ "P1" }, steps)
    assert.equal("North Clinic", ds.InstitutionName)
    assert.equal("Given", ds.Manufacturer) -- params win over defaults
    assert.equal("checked by North Clinic", ds.ImageComments)
    assert.equal(IOD.vl_photographic.sop, ds.SOPClassUID)
    assert_valid(save(ds, "clinic"), "vl_photographic")
    local plain = assert(base{ jpeg = photo })
    assert.equal("dicomkit", plain.Manufacturer)
    assert.is_nil(plain.InstitutionName)
    assert.is_nil(plain.ImageComments)
    assert.same({ "P1" }, steps)
  end)

  describe("site templates in DICOMKIT_TEMPLATES", function()
    local site, script

    lazy_setup(function()
      site = h.tmpdir()
      -- the site's vl_photographic: the bundled one with a single other default
      h.write_file(site .. "/vl_photographic.lua", [[
return require("dicomkit.templates.vl_photographic"):extend{
  defaults = { Manufacturer = "Site Camera Co" },
}
]])
      h.write_file(site .. "/clinic_photo.lua", [[
return require("dicomkit.templates.vl_photographic"):extend{
  name = "clinic_photo",
  defaults = { InstitutionName = "North Clinic" },
  after = function(ds) ds.ImageComments = "made at " .. ds.InstitutionName end,
}
]])
      script = site .. "/make.lua"
      h.write_file(script, [[
local photo, out = ...
for _, t in ipairs(dk.templates()) do print("template", t.name, t.source, t.path) end
local now = 1700000000
local ds = assert(dk.template("vl_photographic"){ jpeg = photo, now = now })
assert(ds:save(out .. "/site.dcm"))
local given = assert(dk.template("vl_photographic"){ jpeg = photo, now = now, Manufacturer = "Given" })
print("given", given.Manufacturer)
local clinic = assert(dk.template("clinic_photo"){ jpeg = photo, now = now })
assert(clinic:save(out .. "/clinic.dcm"))
]])
    end)

    local function run_site()
      local ok, _, out, err = h.run("DICOMKIT_TEMPLATES=" .. h.quote(site) .. " "
        .. h.quote(h.dicomkit) .. " " .. h.quote(script) .. " " .. h.quote(photo) .. " "
        .. h.quote(dir))
      assert(ok, err)
      return out
    end

    it("override the bundled one, which they can require to change one default", function()
      local out = run_site()
      assert.matches("given\tGiven\n", out, 1, true)
      local site_path = dir .. "/site.dcm"
      assert_valid(site_path, "vl_photographic")
      local bundled = assert(dk.template("vl_photographic"){ jpeg = photo, now = 1700000000 })
      local bundled_path = save(bundled, "bundled")
      local a = pydicom_read(site_path).data
      local b = pydicom_read(bundled_path).data
      assert.equal("Site Camera Co", a["00080070"].value)
      assert.equal("dicomkit", b["00080070"].value)
      -- everything else as the bundled template makes it (the UIDs are fresh, of course)
      local differ = { ["00080070"] = true, ["00080018"] = true, ["0020000D"] = true,
                       ["0020000E"] = true }
      for tag, e in pairs(b) do
        if not differ[tag] then assert.same(e, a[tag], tag) end
      end
      for tag in pairs(a) do assert(b[tag] ~= nil, "site object has extra " .. tag) end
    end)

    it("are listed by dk.templates() as site, beside the bundled ones", function()
      local out = run_site()
      local listed = {}
      for name, source, path in out:gmatch("template\t([^\t]+)\t([^\t]+)\t([^\n]+)\n") do
        listed[name] = { source = source, path = path }
      end
      assert.same({ source = "site", path = site .. "/vl_photographic.lua" }, listed.vl_photographic)
      assert.same({ source = "site", path = site .. "/clinic_photo.lua" }, listed.clinic_photo)
      assert.equal("bundled", listed.secondary_capture.source)
      local clinic = dir .. "/clinic.dcm"
      assert_valid(clinic, "vl_photographic")
      local d = pydicom_read(clinic).data
      assert.equal("North Clinic", d["00080080"].value)
      assert.equal("made at North Clinic", d["00204000"].value)
    end)
  end)
end)
