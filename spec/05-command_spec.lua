-- The `dicomkit` command as a script runner, from the build tree and from a LuaRocks tree.
local h = require "helpers"
local dciodvfy = require "dciodvfy"

describe("dicomkit SCRIPT.lua ARGS", function()
  local dir
  before_each(function() dir = h.tmpdir() end)
  after_each(h.cleanup)

  it("runs a script with dk loaded and arg set like lua5.4", function()
    local script = dir .. "/s.lua"
    h.write_file(script, [[
      local ds = dk.dataset{ PatientName = arg[1] }
      print(arg[0], arg[1], arg[2], select("#", ...), ds.PatientName, dk.is_uid(dk.uid()))
    ]])
    local ok, code, out, err = h.run(h.quote(h.dicomkit) .. " " .. h.quote(script) .. " Doe^Jane two")
    assert.is_true(ok, err)
    assert.equal(0, code)
    assert.equal(script .. "\tDoe^Jane\ttwo\t2\tDoe^Jane\ttrue\n", out)
  end)

  it("reports a script's error with its location and exits 1", function()
    local script = dir .. "/bad.lua"
    h.write_file(script, "local ds = dk.dataset()\nds.PatientBirthDate = 'yesterday'\n")
    local ok, code, _, err = h.run(h.quote(h.dicomkit) .. " " .. h.quote(script))
    assert.is_false(ok)
    assert.equal(1, code)
    assert.matches("bad.lua:2: PatientBirthDate (0010,0030): DA value 'yesterday' is not a date YYYYMMDD", err, 1, true)
  end)

  it("exits 1 for a missing script and 2 for bad usage", function()
    local ok, code, _, err = h.run(h.quote(h.dicomkit) .. " " .. h.quote(dir .. "/none.lua"))
    assert.is_false(ok)
    assert.equal(1, code)
    assert.matches("none.lua", err, 1, true)
    _, code, _, err = h.run(h.quote(h.dicomkit) .. " --bogus")
    assert.equal(2, code)
    assert.matches("unknown option '--bogus'", err, 1, true)
  end)

  it("starts the REPL without arguments, reading statements from standard input", function()
    local ok, code, out = h.run(h.quote(h.dicomkit), "x = dk.dataset{PatientID = '7'}\nx.PatientID\n")
    assert.is_true(ok)
    assert.equal(0, code)
    assert.matches('dk> dk> "7"\ndk> ', out, 1, true)
  end)

  it("evaluates -e chunks and prints their results", function()
    local ok, code, out = h.run(h.quote(h.dicomkit) .. " -e 'return dk.tag(\"PatientName\"), 1 + 1'")
    assert.is_true(ok)
    assert.equal(0, code)
    assert.equal("1048592\t2\n", out)
  end)

  it("prints versions", function()
    local ok, _, out = h.run(h.quote(h.dicomkit) .. " version")
    assert.is_true(ok)
    assert.matches("^dicomkit %d+%.%d+%.%d+\ndcmtk 3%.%d+%.%d+\nlibjpeg%-turbo [%d.]+\nLua 5%.4\n$", out)
  end)
end)

describe("luarocks make #rock", function()
  after_each(h.cleanup)

  it("installs the module and LuaRocks' own wrapper of the command, usable from any directory", function()
    local src = h.tmpdir()
    local home = h.tmpdir()
    -- a copy of the tracked sources, so the install builds from scratch like a user's clone
    local ok, _, _, err = h.run("cd " .. h.quote(h.source) .. " && git ls-files -z | xargs -0 cp --parents -t "
      .. h.quote(src))
    assert(ok, err)
    ok, _, _, err = h.run("cd " .. h.quote(src) .. " && luarocks --lua-version 5.4 lint rockspec/dicomkit-scm-1.rockspec")
    assert(ok, err)
    -- the user's own tree (~/.luarocks), as `luarocks make --local` makes it
    ok, _, _, err = h.run("cd " .. h.quote(src) .. " && HOME=" .. h.quote(home)
      .. " luarocks --lua-version 5.4 make --local --deps-mode=none rockspec/dicomkit-scm-1.rockspec")
    assert(ok, err)
    local tree = home .. "/.luarocks"
    local wrapper = h.read_file(tree .. "/bin/dicomkit")
    -- LuaRocks wrote it: no path of the build tree or of the sources in it
    assert.is_nil(wrapper:find(src, 1, true), wrapper)
    assert.matches("luarocks.loader", wrapper, 1, true)
    local out
    ok, _, out, err = h.run("cd / && HOME=" .. h.quote(home) .. " eval \"$(luarocks --lua-version 5.4 path --tree "
      .. h.quote(tree) .. ")\" && lua5.4 -e 'local dk = require \"dicomkit\"; print(dk.is_uid(dk.uid()), package.searchpath(\"dicomkit.core\", package.cpath))'")
    assert(ok, err)
    assert.equal("true\t" .. tree .. "/lib/lua/5.4/dicomkit/core.so\n", out)

    local script = src .. "/s.lua"
    h.write_file(script, "print(dk.dataset{ PatientName = arg[1] }.PatientName)")
    local bin = "cd / && env -u LUA_PATH -u LUA_CPATH HOME=" .. h.quote(home) .. " " .. h.quote(tree .. "/bin/dicomkit")
    ok, _, out, err = h.run(bin .. " " .. h.quote(script) .. " Installed^Ok")
    assert(ok, err)
    assert.equal("Installed^Ok\n", out)

    -- the subcommands work from the tree's bin too
    ok, _, out, err = h.run(bin .. " version")
    assert(ok, err)
    assert.matches("^dicomkit %d+%.%d+%.%d+\ndcmtk ", out)
    local ppm = src .. "/in.ppm"
    h.write_file(ppm, "P6\n16 16\n255\n" .. ("\90\160\200"):rep(256))
    assert(h.run("cjpeg " .. h.quote(ppm) .. " > " .. h.quote(src .. "/in.jpg")))
    ok, _, _, err = h.run(bin .. " create vl_photographic --jpeg " .. h.quote(src .. "/in.jpg")
      .. " -o " .. h.quote(src .. "/out.dcm"))
    assert(ok, err)
    dciodvfy.accepts(src .. "/out.dcm", "VLPhotographicImage")
  end)
end)
