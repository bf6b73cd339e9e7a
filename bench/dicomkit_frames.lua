-- Workload 8 for dicomkit: every JPEG in a directory as the frames of one multi-frame Secondary
-- Capture. dicomkit bench/dicomkit_frames.lua IN_DIR OUT_FILE
local in_dir, out = arg[1], arg[2]
local frames = {}
local list = io.popen("ls -1 '" .. in_dir .. "'")
for name in list:lines() do
  if name:match("%.jpg$") then frames[#frames + 1] = in_dir .. "/" .. name end
end
list:close()
local ds <close>, report = dk.template("secondary_capture"){ input = frames, PatientName = "Bench^Mark",
                                                              PatientID = "B1" }
assert(ds, report)
assert(ds:save(out))
