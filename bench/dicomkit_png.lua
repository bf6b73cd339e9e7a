-- Workload 7 for dicomkit: every PNG in a directory -> Secondary Capture, one process.
-- dicomkit bench/dicomkit_png.lua IN_DIR OUT_DIR [uncompressed | deflate]
local in_dir, out_dir, mode = arg[1], arg[2], arg[3]
local tpl = dk.template("secondary_capture")
local list = io.popen("ls -1 '" .. in_dir .. "'")
for name in list:lines() do
  if name:match("%.png$") then
    local ds <close>, report = tpl{ input = in_dir .. "/" .. name, uncompressed = mode == "uncompressed",
                                    compression = mode == "deflate" and "deflate" or nil,
                                    PatientName = "Bench^Mark", PatientID = "B1" }
    assert(ds, report)
    assert(ds:save(out_dir .. "/" .. name:gsub("%.png$", ".dcm")))
  end
end
list:close()
