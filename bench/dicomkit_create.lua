-- Workload 1/2 for dicomkit: every JPEG in a directory -> VL Photographic Image, one process.
-- dicomkit bench/dicomkit_create.lua IN_DIR OUT_DIR [decode]
local in_dir, out_dir, mode = arg[1], arg[2], arg[3]
local tpl = dk.template("vl_photographic")
local list = io.popen("ls -1 '" .. in_dir .. "'")
for name in list:lines() do
  if name:match("%.jpg$") then
    local ds <close>, report = tpl{ jpeg = in_dir .. "/" .. name, decode = mode == "decode",
                                          PatientName = "Bench^Mark", PatientID = "B1" }
    assert(ds, report)
    assert(ds:save(out_dir .. "/" .. name:gsub("%.jpg$", ".dcm")))
  end
end
list:close()
