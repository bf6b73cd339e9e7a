-- Workload 6 for dicomkit: validate every DICOM file in a directory, one process.
-- dicomkit bench/dicomkit_validate.lua DIR [read]   (read: only read each file, the floor)
local dir, mode = arg[1], arg[2]
local list = io.popen("ls -1 '" .. dir .. "'")
local files, errors = 0, 0
for name in list:lines() do
  if name:match("%.dcm$") then
    local ds <close> = assert(dk.read(dir .. "/" .. name))
    if mode ~= "read" then
      for _, f in ipairs((dk.validate(ds))) do
        if f.severity == "error" then errors = errors + 1 end
      end
    end
    files = files + 1
  end
end
list:close()
-- the objects are the bundled template's: an error here means the workload measured nothing real
assert(errors == 0, errors .. " errors in " .. files .. " files")
