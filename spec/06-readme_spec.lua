-- README.md stays true: its Lua tour runs as written with the build tree's command.
local h = require "helpers"

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

  it("shows the quick-start commands that exist", function()
    local readme = h.read_file(h.source .. "/README.md")
    for cmd in readme:gmatch("\n(scripts/%w+)") do
      assert.is_true(h.exists(h.source .. "/" .. cmd), cmd .. " is in README.md but not in the tree")
    end
  end)
end)
