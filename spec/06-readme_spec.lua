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

  it("shows the quick-start commands that exist", function()
    local readme = h.read_file(h.source .. "/README.md")
    for cmd in readme:gmatch("\n(scripts/%w+)") do
      assert.is_true(h.exists(h.source .. "/" .. cmd), cmd .. " is in README.md but not in the tree")
    end
  end)
end)
