-- Floor of workload 8 for a tool that builds the object in memory: read every JPEG of a
-- directory, hold them all, write them one after another into one file (lua5.4, no DICOM).
-- lua5.4 bench/floor_frames.lua IN_DIR OUT_FILE
local in_dir, out = arg[1], arg[2]
local held = {}
local list = io.popen("ls -1 '" .. in_dir .. "'")
for name in list:lines() do
  if name:match("%.jpg$") then
    local f = assert(io.open(in_dir .. "/" .. name, "rb"))
    held[#held + 1] = f:read("a")
    f:close()
  end
end
list:close()
local f = assert(io.open(out, "wb"))
for _, bytes in ipairs(held) do f:write(bytes) end
f:close()
