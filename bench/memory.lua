-- Workload 5: create and send N small objects in one process; print RSS (kB) every N/10.
-- dicomkit bench/memory.lua JPEG PORT N
local jpeg, port, n = arg[1], tonumber(arg[2]), tonumber(arg[3])
local function rss()
  local f = io.open("/proc/self/status")
  local kb = f:read("a"):match("VmRSS:%s*(%d+)")
  f:close()
  return tonumber(kb)
end
local tpl = dk.template("vl_photographic")
local assoc = assert(dk.connect{ port = port, called_ae = "STORESCP",
  contexts = { { sop_class = tpl.sop_class, transfer_syntax = "1.2.840.10008.1.2.4.50" } } })
local step = math.max(1, n // 10)
for i = 1, n do
  local ds <close> = assert(tpl{ jpeg = jpeg, PatientID = "M" .. i })
  local r = assert(assoc:store(ds))
  assert(r.ok, r.meaning)
  if i % step == 0 then print(i, rss()) end
end
assoc:release()
