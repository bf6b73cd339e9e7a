-- The dicomkit command: the REPL driven through a terminal, and every subcommand's success,
-- bad usage (exit 2 with a usage message) and failing job (exit 1 with a reason).
local h = require "helpers"
local dciodvfy = require "dciodvfy"

local function dicomkit(args, env)
  return h.run((env or "") .. " " .. h.quote(h.dicomkit) .. " " .. args)
end

-- a small photo-like JPEG made by libjpeg-turbo's cjpeg
local function make_jpeg(dir)
  local ppm = dir .. "/in.ppm"
  local rows = {}
  for y = 0, 47 do
    for x = 0, 63 do rows[#rows + 1] = string.char(x * 4, y * 5, (x + y) % 256) end
  end
  h.write_file(ppm, "P6\n64 48\n255\n" .. table.concat(rows))
  assert(h.run("cjpeg -quality 90 " .. h.quote(ppm) .. " > " .. h.quote(dir .. "/in.jpg")))
  return dir .. "/in.jpg"
end

describe("the REPL #repl", function()
  local session, dir
  local function tmux(args) return h.run("tmux " .. args) end
  local function screen()
    local _, _, out = tmux("capture-pane -p -t " .. session)
    return out
  end
  local function type_line(text, keys)
    tmux("send-keys -t " .. session .. " -l " .. h.quote(text))
    if keys then tmux("send-keys -t " .. session .. " " .. keys) end
  end
  local function wait_for(pattern)
    for _ = 1, 50 do
      if screen():find(pattern, 1, true) then return true end
      os.execute("sleep 0.1")
    end
    error("the screen never showed " .. pattern .. ":\n" .. screen())
  end

  before_each(function()
    dir = h.tmpdir()
    session = "dkspec" .. tostring(os.time()) .. tostring(math.random(1e6))
    assert(tmux("new-session -d -s " .. session .. " -x 140 -y 40 "
      .. h.quote("HOME=" .. dir .. " " .. h.dicomkit)))
    wait_for("dk>")
  end)
  after_each(function()
    tmux("kill-session -t " .. session)
    h.cleanup()
  end)

  it("shows a dataset as its dump, completes keywords, survives errors, keeps history", function()
    type_line('ds = dk.dataset{PatientName="A^B"}', "Enter")
    type_line("ds", "Enter")
    wait_for("(0010,0010) PN PatientName")
    -- TAB after `ds.Pat` completes to the attribute the dataset has
    type_line("ds.Pat", "Tab")
    wait_for("dk> ds.PatientName")
    tmux("send-keys -t " .. session .. " Enter")
    wait_for('"A^B"')
    -- and module functions after `dk.`
    type_line("dk.is_u", "Tab")
    wait_for("dk> dk.is_uid")
    type_line('("1.2.3")', "Enter")
    wait_for("true")
    -- an error is shown and the session goes on
    type_line("ds.NoSuchKeyword", "Enter")
    wait_for("unknown keyword 'NoSuchKeyword'")
    type_line("1 + 41", "Enter")
    wait_for("\n42")
    -- a statement over several lines
    type_line("for i = 1, 2 do", "Enter")
    type_line("print('line ' .. i)", "Enter")
    type_line("end", "Enter")
    wait_for("line 2")
    tmux("send-keys -t " .. session .. " C-d")
    for _ = 1, 50 do
      if h.exists(dir .. "/.dicomkit_history") then break end
      os.execute("sleep 0.1")
    end
    assert.matches("ds.PatientName", h.read_file(dir .. "/.dicomkit_history"), 1, true)
  end)
end)

describe("dicomkit subcommands", function()
  local dir
  before_each(function() dir = h.tmpdir() end)
  after_each(h.cleanup)

  describe("create", function()
    it("makes an object that dciodvfy accepts", function()
      local jpeg = make_jpeg(dir)
      local out = dir .. "/out.dcm"
      local ok, code, stdout, err = dicomkit("create vl_photographic --jpeg " .. h.quote(jpeg)
        .. " --out " .. h.quote(out) .. " --set PatientName=Doe^Jane --set 'ImageType=DERIVED\\PRIMARY'")
      assert.is_true(ok, err)
      assert.equal(0, code)
      assert.matches("VL Photographic Image, 64x48 YBR_FULL_422, passthrough", stdout, 1, true)
      dciodvfy.accepts(out, "VLPhotographicImage")
      local dump = h.dcmdump(out)
      assert.matches("(0010,0010) PN [Doe^Jane]", dump, 1, true)
      assert.matches("(0008,0008) CS [DERIVED\\PRIMARY]", dump, 1, true)
    end)

    it("exits 2 with its usage for bad usage", function()
      local _, code, _, err = dicomkit("create vl_photographic --jpeg x.jpg")
      assert.equal(2, code)
      assert.matches("missing option '-o'", err, 1, true)
      assert.matches("Usage: dicomkit create", err, 1, true)
      _, code, _, err = dicomkit("create vl_photographic --jpeg x.jpg -o y.dcm --set Nope=1")
      assert.equal(2, code)
      assert.matches("--set: unknown keyword 'Nope'", err, 1, true)
      _, code, _, err = dicomkit("create no_such_template --jpeg x.jpg -o y.dcm")
      assert.equal(2, code)
      assert.matches("no template named 'no_such_template'", err, 1, true)
    end)

    it("exits 1 with the reason when the job fails, and writes nothing", function()
      local out = dir .. "/out.dcm"
      local _, code, _, err = dicomkit("create vl_photographic --jpeg " .. h.quote(dir .. "/missing.jpg")
        .. " -o " .. h.quote(out))
      assert.equal(1, code)
      assert.matches("missing.jpg: No such file or directory", err, 1, true)
      h.write_file(dir .. "/not.jpg", "GIF89a not a jpeg")
      _, code, _, err = dicomkit("create secondary_capture --jpeg " .. h.quote(dir .. "/not.jpg")
        .. " -o " .. h.quote(out))
      assert.equal(1, code)
      assert.matches("not.jpg: not an image dicomkit imports (a JPEG starts with FF D8 FF, a PNG with "
        .. "89 50 4E 47 0D 0A 1A 0A, a TIFF with 49 49 2A 00 or 4D 4D 00 2A, a HEIC with an ftyp "
        .. "box naming heic or mif1); it starts with 47 49 46 38 39 61 20 6E", err, 1, true)
      assert.is_false(h.exists(out))
    end)

    it("takes raw pixels", function()
      h.write_file(dir .. "/pix.raw", ("\0\64\128\255"):rep(6))
      local out = dir .. "/raw.dcm"
      local ok, code, _, err = dicomkit("create secondary_capture --raw " .. h.quote(dir .. "/pix.raw")
        .. " --rows 4 --columns 6 -o " .. h.quote(out))
      assert.is_true(ok, err)
      assert.equal(0, code)
      dciodvfy.accepts(out)
    end)
  end)

  describe("dump", function()
    local file
    before_each(function()
      file = dir .. "/obj.dcm"
      assert(dicomkit("create vl_photographic --jpeg " .. h.quote(make_jpeg(dir)) .. " -o " .. h.quote(file)
        .. " --set 'PatientName=Müller^Jürgen' --set PatientID=42"))
    end)

    it("prints the text dump", function()
      local ok, code, out = dicomkit("dump " .. h.quote(file))
      assert.is_true(ok)
      assert.equal(0, code)
      assert.matches("(0010,0010) PN PatientName                          Müller^Jürgen", out, 1, true)
    end)

    it("prints DICOM JSON that matches pydicom's own JSON model", function()
      local ok, _, out, err = dicomkit("dump --json " .. h.quote(file))
      assert.is_true(ok, err)
      local ours = h.json_decode(out)
      local theirs = h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
del ds.PixelData
print(json.dumps(ds.to_json_dict()))
]], file)
      for tag, element in pairs(theirs) do
        assert.is_table(ours[tag], tag .. " missing from dicomkit's JSON")
        assert.equal(element.vr, ours[tag].vr, tag)
        assert.same(element.Value, ours[tag].Value, tag)
      end
      assert.same({ { Alphabetic = "Müller^Jürgen" } }, ours["00100010"].Value)
    end)

    it("exits 2 without files and 1 for a file that is not DICOM", function()
      local _, code, _, err = dicomkit("dump")
      assert.equal(2, code)
      assert.matches("Usage: dicomkit dump", err, 1, true)
      h.write_file(dir .. "/text.txt", ("plain text\n"):rep(30))
      local _, code2, _, err2 = dicomkit("dump " .. h.quote(dir .. "/text.txt"))
      assert.equal(1, code2)
      assert.matches("text.txt", err2, 1, true)
    end)
  end)

  describe("validate", function()
    it("says ok for a good object, and exits 1 naming what is wrong in a bad one", function()
      local good = dir .. "/good.dcm"
      assert(dicomkit("create vl_photographic --jpeg " .. h.quote(make_jpeg(dir)) .. " -o " .. h.quote(good)))
      local _, code, out = dicomkit("validate " .. h.quote(good))
      assert.equal(0, code)
      -- every line names the file; the last says what checked it; dciodvfy's warnings are
      -- passed on as warnings (DICOMDIR's Patient ID and Study ID), and dicomkit's own warning
      -- on the empty Laterality is the one dciodvfy gives too
      for line in out:gmatch("[^\n]+") do assert.equal(good .. ": ", line:sub(1, #good + 2)) end
      assert.equal(good .. ": ok (VL Photographic Image; 0 errors, 4 warnings; checked by dicomkit and dciodvfy)",
        out:match("([^\n]*)\n$"))
      assert.matches(good .. ": Laterality: warning: is only permitted to be empty when actually unknown", out, 1, true)
      assert.matches("warning: dciodvfy: Warning - Missing attribute or value that would be needed to build DICOMDIR - Study ID", out, 1, true)
      -- the same object without its Study Instance UID
      local bad = dir .. "/bad.dcm"
      h.write_file(dir .. "/strip.lua", "local ds = assert(dk.read(arg[1])); ds.StudyInstanceUID = nil; assert(ds:save(arg[2]))")
      assert(dicomkit(h.quote(dir .. "/strip.lua") .. " " .. h.quote(good) .. " " .. h.quote(bad)))
      local _, code2, out2 = dicomkit("validate " .. h.quote(bad))
      assert.equal(1, code2)
      assert.matches(bad .. ": StudyInstanceUID: error: Type 1 attribute is missing [GeneralStudy]", out2, 1, true)
      assert.matches(bad .. ": FAILED (VL Photographic Image; ", out2, 1, true)
    end)

    it("exits 2 without files", function()
      local _, code = dicomkit("validate")
      assert.equal(2, code)
    end)
  end)

  describe("templates", function()
    it("lists bundled and site templates with their IOD", function()
      local site = dir .. "/site"
      os.execute("mkdir -p " .. h.quote(site))
      h.write_file(site .. "/clinic_photo.lua",
        'return require("dicomkit.templates.vl_photographic"):extend{ name = "clinic_photo" }')
      local ok, code, out = dicomkit("templates", "DICOMKIT_TEMPLATES=" .. h.quote(site))
      assert.is_true(ok)
      assert.equal(0, code)
      assert.matches("clinic_photo%s+site%s+VL Photographic Image%s+1%.2%.840%.10008%.5%.1%.4%.1%.1%.77%.1%.4", out)
      assert.matches("secondary_capture%s+bundled%s+Secondary Capture Image", out)
      assert.matches("vl_photographic%s+bundled%s+VL Photographic Image", out)
    end)

    it("exits 1 when a site template is broken, 2 for bad usage", function()
      local site = dir .. "/site"
      os.execute("mkdir -p " .. h.quote(site))
      h.write_file(site .. "/broken.lua", "return 42")
      local _, code, out = dicomkit("templates", "DICOMKIT_TEMPLATES=" .. h.quote(site))
      assert.equal(1, code)
      assert.matches("broken%s+site%s+%(broken", out)
      local _, code2 = dicomkit("templates extra")
      assert.equal(2, code2)
    end)
  end)

  describe("uid", function()
    it("prints new UIDs, under a root, or derived from text", function()
      local _, code, out = dicomkit("uid -n 3")
      assert.equal(0, code)
      local seen = {}
      for uid in out:gmatch("[^\n]+") do
        assert.matches("^2%.25%.[1-9]%d*$", uid)
        assert.is_nil(seen[uid])
        seen[uid] = true
      end
      local _, _, a = dicomkit("uid --root 1.2.826.0.1.3680043.10.543 --from patient-7")
      local _, _, b = dicomkit("uid --root 1.2.826.0.1.3680043.10.543 --from patient-7")
      assert.equal(a, b)
      assert.matches("^1%.2%.826%.0%.1%.3680043%.10%.543%.%d+\n$", a)
    end)

    it("exits 2 for bad usage: a bad count or root", function()
      local _, code, _, err = dicomkit("uid -n zero")
      assert.equal(2, code)
      assert.matches("Usage: dicomkit uid", err, 1, true)
      _, code, _, err = dicomkit("uid --root 1.02")
      assert.equal(2, code)
      assert.matches("uid root '1.02' is not a valid UID", err, 1, true)
    end)
  end)

  describe("version", function()
    it("prints ours, dcmtk's, libjpeg-turbo's and Lua's", function()
      local _, code, out = dicomkit("version")
      assert.equal(0, code)
      assert.matches("^dicomkit %d+%.%d+%.%d+\ndcmtk 3%.%d+%.%d+\nlibjpeg%-turbo %d+%.%d+%.%d+\nLua 5%.4\n$", out)
      local _, code2 = dicomkit("version --bogus")
      assert.equal(2, code2)
    end)
  end)

  it("has --help for every subcommand", function()
    for _, cmd in ipairs({ "create", "dump", "validate", "templates", "uid", "version" }) do
      local _, code, out = dicomkit(cmd .. " --help")
      assert.equal(0, code, cmd)
      assert.matches("Usage: dicomkit " .. cmd, out, 1, true)
    end
    local _, code, out = dicomkit("--help")
    assert.equal(0, code)
    assert.matches("commands:", out, 1, true)
  end)
end)
