-- The benchmark harness runs end to end on tiny inputs and produces a complete table.
-- (No timing is asserted: the figures come from scripts/bench, apart from the tests.)
local h = require "helpers"

describe("scripts/bench --smoke #bench", function()
  after_each(h.cleanup)

  it("measures every workload and writes the table as JSON", function()
    local dir = h.tmpdir()
    local ok, code, out, err = h.run("cd " .. h.quote(h.source) .. " && XDG_CACHE_HOME=" .. h.quote(dir)
      .. " DICOMKIT_BENCH_RESULTS=" .. h.quote(dir .. "/latest.json")
      .. " DICOMKIT_BENCH_COMMAND=" .. h.quote(h.quote(h.dicomkit))
      .. " " .. h.quote(h.dicomkit) .. " bench/run.lua --smoke --runs 1")
    assert.is_true(ok, out .. err)
    assert.equal(0, code)
    for _, workload in ipairs({ "1 pass-through", "2 decode", "3 C-STORE", "4 start-up", "5 memory", "6 validate",
                              "7 PNG", "8 multi-frame", "9 stills" }) do
      assert.matches("\n" .. workload, out, 1, true)
    end
    for _, tool in ipairs({ "img2dcm per file", "pydicom script", "floor (lua5.4 copy)", "floor (djpeg)",
                            "storescu tuned", "storescu as it comes", "dicomkit -> Orthanc",
                            "dciodvfy per file", "floor: dk.read each file", "pydicom + PIL, then dcmcjpls",
                            "floor: PIL decode + raw write", "dicomkit --compression deflate",
                            "floor (cat the JPEGs into one file)", "pydicom encapsulate",
                            "floor (lua5.4 holds them all, writes one file)", "TIFF: dicomkit (JPEG-LS)",
                            "TIFF: pydicom + PIL, then dcmcjpls", "HEIC: floor: heif-convert to raw y4m" }) do
      assert.matches(tool, out, 1, true)
    end
    local _, targets = out:gsub("\n[metMISS]+%s+%d: ", "")
    assert.equal(14, targets)
    local results = h.json_decode(h.read_file(dir .. "/latest.json"))
    assert.equal(14, #results.targets)
    assert.is_true(#results.rows >= 33)
    assert.matches("7: screens: JPEG%-LS smaller than RLE: MB per image: PNG [%d.]+, JPEG%-LS [%d.]+, deflate", out)
    assert.matches("9: TIFF scan as JPEG%-LS smaller than native: 2 pages of 400x520 grey: TIFF %(LZW%) [%d.]+ MB, "
      .. "JPEG%-LS [%d.]+ MB, deflate [%d.]+ MB, native 0%.42 MB", out)
  end)
end)
