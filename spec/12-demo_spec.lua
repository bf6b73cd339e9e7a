-- The main job as scripts/demo runs it (without its install and build steps).
local h = require "helpers"
local dciodvfy = require "dciodvfy"

describe("the demo #network", function()
  after_each(h.cleanup)

  local function demo(args)
    return h.run("cd " .. h.quote(h.source) .. " && " .. h.quote(h.dicomkit) .. " scripts/demo.lua " .. args)
  end

  it("creates, checks, stores into a local Orthanc, confirms over REST and prints the study's address", function()
    local dir = h.tmpdir()
    local ok, code, out, err = demo("--dir " .. h.quote(dir))
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    assert.matches("no errors", out, 1, true)
    assert.matches("stored: status 0000 (Success), sent as 1.2.840.10008.1.2.4.50", out, 1, true)
    assert.matches("The study in Orthanc Explorer: http://127%.0%.0%.1:%d+/app/explorer%.html#study%?uuid=[%x%-]+", out)
    -- Orthanc was stopped (no --keep): its pid is gone
    local pid = tonumber(out:match("%(pid (%d+)%)"))
    assert.is_false(h.alive(pid))
    dciodvfy.accepts(dir .. "/demo.dcm", "VL Photographic Image")
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
