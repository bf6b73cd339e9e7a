-- The floor of workload 1: read each JPEG and write its bytes to a new file (lua5.4, no DICOM).
local in_dir, out_dir = arg[1], arg[2]
local list = io.popen("ls -1 '" .. in_dir .. "'")
for name in list:lines() do
  if name:match("%.jpg$") then
    local f = assert(io.open(in_dir .. "/" .. name, "rb"))
    local bytes = f:read("a")
    f:close()
    local o = assert(io.open(out_dir .. "/" .. name:gsub("%.jpg$", ".dcm"), "wb"))
    o:write(bytes)
    o:close()
  end
end
list:close()
