-- The main job as scripts/demo runs it (without its install and build steps).
local h = require "helpers"
local dciodvfy = require "dciodvfy"

describe("the demo #network", function()
  after_each(h.cleanup)

  local function demo(args)
    return h.run("cd " .. h.quote(h.source) .. " && " .. h.quote(h.dicomkit) .. " scripts/demo.lua " .. args)
  end

  it("creates, checks, stores into a local Orthanc, confirms over REST, stops it and cleans up", function()
    local dir = h.tmpdir()
    local ok, code, out, err = demo("--dir " .. h.quote(dir))
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    -- what happened to the photo, as it happened (the sample has no EXIF: nothing removed)
    assert.matches("227x149 YBR_FULL_422, %d+ bytes of JPEG kept %(pass%-through%)", out)
    assert.matches("no errors (dicomkit's tables and dciodvfy)", out, 1, true)
    assert.matches("stored: status 0000 (Success), sent as 1.2.840.10008.1.2.4.50", out, 1, true)
    -- steps numbered 1 to 5 without a gap
    local numbers = {}
    for n in out:gmatch("== (%d)%. ") do numbers[#numbers + 1] = tonumber(n) end
    assert.same({ 1, 2, 3, 4, 5 }, numbers)
    -- Orthanc was stopped (no --keep): its pid is gone, and no dead Explorer address is shown
    local pid = tonumber(out:match("%(pid (%d+)%)"))
    assert.is_false(h.alive(pid))
    assert.is_nil(out:find("explorer.html", 1, true))
    assert.matches("scripts/demo --keep leaves it running", out, 1, true)
    dciodvfy.accepts(dir .. "/demo.dcm", "VLPhotographicImage")
  end)

  it("leaves no temporary directory behind without --dir; --keep prints a live Explorer address", function()
    local before = select(3, h.run("ls -d /tmp/dicomkit-demo-* 2>/dev/null | sort"))
    local ok, code, out, err = demo("")
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    assert.equal(before, select(3, h.run("ls -d /tmp/dicomkit-demo-* 2>/dev/null | sort")))
    local dir = h.tmpdir()
    ok, code, out, err = demo("--keep --dir " .. h.quote(dir))
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    local pid = tonumber(out:match("%(pid (%d+)%)"))
    local url = out:match("The study in Orthanc Explorer: (http://127%.0%.0%.1:%d+/app/explorer%.html#study%?uuid=[%x%-]+)")
    assert.is_string(url, out)
    assert.is_true(h.alive(pid))
    local port = url:match(":(%d+)/")
    local _, _, page = h.run("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" .. port .. "/app/explorer.html")
    h.stop(pid)
    assert.equal("200", page)
  end)

  it("numbers its steps without a gap with --to", function()
    local scp = h.start_storescp()
    local _, code, out = demo("--dir " .. h.quote(h.tmpdir()) .. " --to STORESCP@127.0.0.1:" .. scp.port)
    scp.stop()
    assert.equal(0, code)
    local numbers = {}
    for n in out:gmatch("== (%d)%. ") do numbers[#numbers + 1] = tonumber(n) end
    assert.same({ 1, 2, 3 }, numbers)
  end)

  it("sends to another PACS with --to", function()
    local scp = h.start_storescp()
    local ok, code, out, err = demo("--dir " .. h.quote(h.tmpdir()) .. " --to STORESCP@127.0.0.1:" .. scp.port)
    scp.stop()
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    assert.matches("Sent 2.25.%d+ to STORESCP@127.0.0.1:%d+", out)
    assert.equal(1, #h.listdir(scp.dir .. "/in"))
  end)

  it("exits 1 with the reason when the PACS is not there", function()
    local _, code, _, err = demo("--dir " .. h.quote(h.tmpdir()) .. " --to X@127.0.0.1:" .. h.free_port())
    assert.equal(1, code)
    assert.matches("connection refused", err, 1, true)
  end)
end)
