-- README.md stays true: its Lua tour runs as written with the build tree's command.
local h = require "helpers"
local dciodvfy = require "dciodvfy"

describe("README.md", function()
  after_each(h.cleanup)

  it("has a Lua tour that runs as written", function()
    local readme = h.read_file(h.source .. "/README.md")
    local tour = readme:match("```lua\n(.-)```")
    assert.is_truthy(tour, "README.md has no ```lua block")
    local dir = h.tmpdir()
    h.write_file(dir .. "/tour.lua", tour)
    local ok, code, out, err = h.run("cd " .. h.quote(dir) .. " && " .. h.quote(h.dicomkit) .. " tour.lua")
    assert.is_true(ok, err)
    assert.equal(0, code)
    assert.matches("PatientBirthDate (0010,0030): DA value '1980-02-29' is not a date YYYYMMDD", out, 1, true)
    assert.matches("Müller^Jürgen\t1.2.840.10008.1.2.1", out, 1, true)
    assert.matches("no-such-file.dcm: No such file or directory\tENOENT", out, 1, true)
    assert.is_true(h.exists(dir .. "/tour.dcm"))
    assert.is_true(h.exists(dir .. "/tour-implicit.dcm"))
    local _, derr = h.dcmdump(dir .. "/tour.dcm")
    assert.equal("", derr)
  end)

  it("has a site template that works as shown", function()
    local readme = h.read_file(h.source .. "/README.md")
    local site_template = readme:match("`site/clinic_photo.lua`:\n\n```\n(.-)```")
    assert.is_truthy(site_template, "README.md lost its site template example")
    local dir = h.tmpdir()
    os.execute("mkdir -p " .. h.quote(dir .. "/site"))
    h.write_file(dir .. "/site/clinic_photo.lua", site_template)
    h.write_file(dir .. "/in.ppm", "P6\n16 16\n255\n" .. ("\200\120\60"):rep(256))
    assert(h.run("cjpeg " .. h.quote(dir .. "/in.ppm") .. " > " .. h.quote(dir .. "/photo.jpg")))
    local ok, _, _, err = h.run("cd " .. h.quote(dir) .. " && DICOMKIT_TEMPLATES=site "
      .. h.quote(h.dicomkit) .. " create clinic_photo --jpeg photo.jpg --out p.dcm")
    assert.is_true(ok, err)
    local dump = h.dcmdump(dir .. "/p.dcm")
    assert.matches("(0008,0080) LO [St. Example Clinic]", dump, 1, true)
    assert.matches("(0008,1010) SH [PHOTO-1]", dump, 1, true)
    assert.matches("(0008,0070) LO [Clinic Camera]", dump, 1, true)
    dciodvfy.accepts(dir .. "/p.dcm", "VLPhotographicImage")
  end)

  it("has a template written from scratch that works as shown and validates", function()
    local readme = h.read_file(h.source .. "/README.md")
    local steps = readme:match("### Writing a template from scratch\n.-```sh\n(.-)```")
    assert.is_truthy(steps, "README.md lost its template-from-scratch example")
    local dir = h.tmpdir()
    assert(h.run("cp " .. h.quote(h.source .. "/spec/data/jpeg/testorig.jpg") .. " " .. h.quote(dir .. "/photo.jpg")))
    local script = steps:gsub("build/dicomkit", h.quote(h.dicomkit))
    h.write_file(dir .. "/steps.sh", "set -e\n" .. script)
    local ok, code, out, err = h.run("cd " .. h.quote(dir) .. " && sh steps.sh")
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    assert.matches("derm.dcm: ok (Dermoscopic Photography Image; 0 errors, ", out, 1, true)
    dciodvfy.accepts(dir .. "/derm.dcm", "DermoscopicPhotographyImage")
  end)

  it("has a PNG example that runs as written", function()
    local readme = h.read_file(h.source .. "/README.md")
    local steps = readme:match("### Screenshots and scans: PNG\n.-```sh\n(.-)```")
    assert.is_truthy(steps, "README.md lost its PNG example")
    local dir = h.tmpdir()
    assert(h.run("/usr/bin/python3 " .. h.quote(h.source .. "/spec/oracles/png_inputs.py") .. " make "
      .. h.quote(dir)))
    -- a screenshot, and a logo with translucent pixels
    assert(h.run("cp " .. h.quote(dir .. "/screen.png") .. " " .. h.quote(dir .. "/screenshot.png")))
    assert(h.run("cp " .. h.quote(dir .. "/rgba8.png") .. " " .. h.quote(dir .. "/logo.png")))
    h.write_file(dir .. "/steps.sh", "set -e\n" .. steps:gsub("build/dicomkit", h.quote(h.dicomkit)))
    local ok, code, out, err = h.run("cd " .. h.quote(dir) .. " && sh steps.sh")
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    assert.matches("shot.dcm: Secondary Capture Image, 400x300 RGB, lossless (JPEG-LS)", out, 1, true)
    assert.matches("shot-small.dcm: Secondary Capture Image, 400x300 RGB, lossless (deflate)", out, 1, true)
    assert.matches("logo.dcm: VL Photographic Image, 53x37 RGB, lossless (JPEG-LS), alpha flattened", out, 1, true)
    assert.matches("shot.dcm: ok (Secondary Capture Image; 0 errors, ", out, 1, true)
    dciodvfy.accepts(dir .. "/logo.dcm", "VLPhotographicImage")
  end)

  it("has a multi-frame example that runs as written", function()
    local readme = h.read_file(h.source .. "/README.md")
    local steps = readme:match("### Many images, one object\n.-```sh\n(.-)```")
    assert.is_truthy(steps, "README.md lost its multi-frame example")
    local dir = h.tmpdir()
    for i = 1, 3 do
      h.write_file(dir .. "/p.ppm", "P6\n32 16\n255\n" .. string.char(i * 60, 120, 200 - i * 50):rep(512))
      assert(h.run("cjpeg " .. h.quote(dir .. "/p.ppm") .. " > " .. h.quote(dir .. "/page" .. i .. ".jpg")))
    end
    h.write_file(dir .. "/steps.sh", "set -e\n" .. steps:gsub("build/dicomkit", h.quote(h.dicomkit)))
    local ok, code, out, err = h.run("cd " .. h.quote(dir) .. " && sh steps.sh")
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    assert.matches("scan.dcm: Multi-frame True Color Secondary Capture Image, 32x16 YBR_FULL_422, 3 frames, "
      .. "passthrough", out, 1, true)
    assert.matches("scan.dcm: ok (Multi-frame True Color Secondary Capture Image; 0 errors, ", out, 1, true)
    dciodvfy.accepts(dir .. "/scan.dcm", "MultiframeTrueColorSCImage")
  end)

  it("has a PDF example that runs as written", function()
    local readme = h.read_file(h.source .. "/README.md")
    local steps = readme:match("### Documents: PDF\n.-```sh\n(.-)```")
    assert.is_truthy(steps, "README.md lost its PDF example")
    local dir = h.tmpdir()
    assert(h.run("/usr/bin/python3 -c " .. h.quote("from PIL import Image; Image.new('L', (40, 30)).save('"
      .. dir .. "/report.pdf', title='Clinic letter')")))
    h.write_file(dir .. "/steps.sh", "set -e\n" .. steps:gsub("build/dicomkit", h.quote(h.dicomkit)))
    local ok, code, out, err = h.run("cd " .. h.quote(dir) .. " && sh steps.sh")
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    assert.matches("report.dcm: Encapsulated PDF, PDF 1.4 of ", out, 1, true)
    assert.matches("titled 'Clinic letter'", out, 1, true)
    assert.matches("report.dcm: ok (Encapsulated PDF; 0 errors, ", out, 1, true)
  end)

  it("has a sending example that runs as written against a peer (storescp)", function()
    local readme = h.read_file(h.source .. "/README.md")
    local example = readme:match("From Lua:\n\n```lua\n(.-)```")
    assert.is_truthy(example, "README.md lost its sending example")
    local scp = h.start_storescp()
    finally(scp.stop)
    local dir = h.tmpdir()
    -- what the example assumes: a dataset `ds`, a file other.dcm, a peer on port 4242
    local photo = h.source .. "/spec/data/jpeg/testorig.jpg"
    local prelude = ("local ds = assert(dk.template('vl_photographic'){ jpeg = %q })\n"
      .. "assert(dk.template('secondary_capture'){ jpeg = %q }):save('other.dcm')\n"):format(photo, photo)
    h.write_file(dir .. "/send.lua", prelude .. example:gsub("4242", tostring(scp.port)))
    local ok, code, out, err = h.run("cd " .. h.quote(dir) .. " && " .. h.quote(h.dicomkit) .. " send.lua")
    assert.is_true(ok, err)
    assert.equal(0, code)
    assert.equal("2\t0\t0\n", out) -- stored, failed, not sent
    -- ds went twice (assoc:store, then dk.send) under one SOPInstanceUID: one file for it
    assert.equal(2, #h.listdir(scp.dir .. "/in"))
    local _, stores = scp.log():gsub("Received Store Request", "")
    assert.equal(3, stores)
  end)

  it("has a Layout section that matches the tree", function()
    local readme = h.read_file(h.source .. "/README.md")
    local layout = readme:match("## Layout\n\n```\n(.-)```")
    assert.is_truthy(layout, "README.md lost its Layout section")
    local listed = {}
    for path in layout:gmatch("\n?([%w%._/%-]+/?)%s%s+") do
      if path:find("/") then listed[#listed + 1] = path end
    end
    -- every directory it names exists
    for _, path in ipairs(listed) do
      assert.is_true(h.exists(h.source .. "/" .. path), path .. " is in the Layout but not in the tree")
    end
    -- every tracked top-level directory, and every directory of core/ and lua/, is named
    local _, _, files = h.run("cd " .. h.quote(h.source) .. " && git ls-files")
    local dirs = {}
    for file in files:gmatch("[^\n]+") do
      local top, second = file:match("^([^/]+)/([^/]+)/")
      if top then dirs[top .. "/"] = true end
      if top == "core" or top == "lua" then dirs[top .. "/" .. second .. "/"] = true end
      local single = file:match("^([^/]+)/[^/]+$")
      if single then dirs[single .. "/"] = true end
    end
    local named = {}
    for _, path in ipairs(listed) do
      for prefix in path:gmatch("()/") do named[path:sub(1, prefix)] = true end
    end
    for d in pairs(dirs) do
      assert.is_true(named[d] == true, d .. " is in the tree but not in the README's Layout")
    end
  end)

  it("shows the quick-start commands that exist", function()
    local readme = h.read_file(h.source .. "/README.md")
    for cmd in readme:gmatch("\n(scripts/%w+)") do
      assert.is_true(h.exists(h.source .. "/" .. cmd), cmd .. " is in README.md but not in the tree")
    end
  end)
end)
