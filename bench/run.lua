-- The benchmarks: dicomkit side by side with the tools a user would pick instead, and with the
-- floor (the least work the job needs), in one run. Run through scripts/bench:
--   dicomkit bench/run.lua [--smoke] [--runs N] [--only 1,7,9]   (--only: those workloads alone)
-- Prints a table (median time, files/s, MB/s, peak RSS, ratios) and writes it as JSON to
-- bench/results/latest.json. Whole-process timing by hyperfine; peak RSS by GNU time.
local json = require "dkjson"

local here = arg[0]:match("^(.*)/[^/]+$") or "."
local root = here .. "/.."
-- the local Orthanc helper is test code (spec/support), not part of the installed module
package.path = root .. "/spec/support/?.lua;" .. package.path
local orthanc_lib = require "orthanc"
local smoke, runs, only = false, 5, nil
do
  local i = 1
  while arg[i] do
    if arg[i] == "--smoke" then smoke, runs = true, 2
    elseif arg[i] == "--runs" then i = i + 1 runs = tonumber(arg[i])
    elseif arg[i] == "--only" then i = i + 1 only = {} for w in arg[i]:gmatch("%d+") do only[tonumber(w)] = true end
    else error("usage: bench/run.lua [--smoke] [--runs N] [--only 1,7,9]") end
    i = i + 1
  end
end

local size = smoke and { hd = 4, w = 320, h = 240, big_w = 640, big_h = 480, store = 4, memory = 200, validate = 20,
                         png = 3, pages = 2, page_w = 400, page_h = 520 }
                    or { hd = 200, w = 1920, h = 1080, big_w = 4000, big_h = 3000, store = 200, memory = 10000,
                         validate = 1000, png = 20, pages = 10, page_w = 1700, page_h = 2200 }

local function want(n) return only == nil or only[n] == true end
local q = require("dicomkit.util").shell_quote
local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok, code
end
local function must(cmd)
  local out, ok = sh(cmd)
  if not ok then error("bench: command failed: " .. cmd .. "\n" .. out) end
  return out
end

local dicomkit = q(root .. "/build-bench/dicomkit")
if os.getenv("DICOMKIT_BENCH_COMMAND") then dicomkit = os.getenv("DICOMKIT_BENCH_COMMAND") end
local py = "/usr/bin/python3"
local cache = (os.getenv("XDG_CACHE_HOME") or ((os.getenv("HOME") or "/tmp") .. "/.cache"))
  .. "/dicomkit-bench/" .. (smoke and "smoke" or "full")
local work = must("mktemp -d /tmp/dicomkit-bench-XXXXXX"):gsub("%s+$", "")

-- ---------------------------------------------------------------- inputs
io.stderr:write("bench: inputs in ", cache, "\n")
must(("%s %s %s %d %d %d hd"):format(py, q(here .. "/make_inputs.py"), q(cache .. "/hd"), size.hd, size.w, size.h))
must(("%s %s %s 1 %d %d big"):format(py, q(here .. "/make_inputs.py"), q(cache .. "/big"), size.big_w, size.big_h))
must(("%s %s %s 1 64 48 small"):format(py, q(here .. "/make_inputs.py"), q(cache .. "/small")))
local hd_bytes = tonumber(must("du -cb " .. q(cache .. "/hd") .. "/*.jpg | tail -1"):match("%d+"))
local big_jpeg = cache .. "/big/big0000.jpg"
local native_mb = size.big_w * size.big_h * 3 / 1e6

-- ---------------------------------------------------------------- measuring
local function hyperfine(name, commands, prepare)
  local file = work .. "/" .. name .. ".json"
  local args = { "hyperfine", "--style", "none", "--warmup", "1", "--runs", tostring(runs),
                 "--export-json", q(file) }
  if prepare then args[#args + 1] = "--prepare " .. q(prepare) end
  for _, c in ipairs(commands) do
    args[#args + 1] = "-n " .. q(c.label)
    args[#args + 1] = q(c.cmd)
  end
  must(table.concat(args, " "))
  local f = assert(io.open(file))
  local data = json.decode(f:read("a"))
  f:close()
  local medians = {}
  for i, r in ipairs(data.results) do medians[commands[i].label] = r.median end
  return medians
end

local function peak_rss_mb(cmd)
  local out = must("/usr/bin/time -f 'PEAK %M' sh -c " .. q(cmd))
  return tonumber(out:match("PEAK (%d+)")) / 1024
end

local rows, targets = {}, {}
local function row(workload, tool, seconds, extra)
  local r = { workload = workload, tool = tool, median_s = seconds }
  for k, v in pairs(extra or {}) do r[k] = v end
  rows[#rows + 1] = r
  return r
end
local function target(name, met, detail)
  targets[#targets + 1] = { target = name, met = met, detail = detail }
end

local out_dir = work .. "/out"
local clean = "rm -rf " .. q(out_dir) .. " && mkdir -p " .. q(out_dir)

-- ---------------------------------------------------------------- 1. pass-through
if want(1) then
  io.stderr:write("bench: 1. JPEG -> VL Photographic, pass-through\n")
  local hd = q(cache .. "/hd")
  local m = hyperfine("passthrough", {
    { label = "dicomkit", cmd = dicomkit .. " " .. q(here .. "/dicomkit_create.lua") .. " " .. hd .. " " .. q(out_dir) },
    { label = "floor (lua5.4 copy)", cmd = "lua5.4 " .. q(here .. "/floor_copy.lua") .. " " .. hd .. " " .. q(out_dir) },
    { label = "pydicom script", cmd = py .. " " .. q(here .. "/pydicom_create.py") .. " " .. hd .. " " .. q(out_dir) },
    { label = "img2dcm per file", cmd = "for f in " .. hd .. "/*.jpg; do img2dcm -q -vlp \"$f\" "
      .. q(out_dir) .. "/$(basename \"$f\" .jpg).dcm || exit 1; done" },
  }, clean)
  local floor = m["floor (lua5.4 copy)"]
  for label, s in pairs(m) do
    row("1 pass-through " .. size.hd .. "x" .. size.w .. "x" .. size.h, label, s,
      { files_per_s = size.hd / s, mb_per_s = hd_bytes / 1e6 / s, vs_dicomkit = s / m.dicomkit })
  end
  target("1: dicomkit <= 1.5x the floor", m.dicomkit <= 1.5 * floor,
    ("%.2fx the floor, %.1fx faster than img2dcm, %.1fx faster than pydicom"):format(m.dicomkit / floor,
      m["img2dcm per file"] / m.dicomkit, m["pydicom script"] / m.dicomkit))
end

-- ---------------------------------------------------------------- 2. decode
if want(2) then
  io.stderr:write("bench: 2. JPEG -> VL Photographic, decoded\n")
  local big_dir = q(cache .. "/big")
  local m = hyperfine("decode", {
    { label = "dicomkit", cmd = dicomkit .. " " .. q(here .. "/dicomkit_create.lua") .. " " .. big_dir .. " " .. q(out_dir) .. " decode" },
    { label = "floor (djpeg)", cmd = "djpeg -outfile " .. q(out_dir .. "/big.ppm") .. " " .. q(big_jpeg) },
    { label = "pydicom + PIL", cmd = py .. " " .. q(here .. "/pydicom_create.py") .. " " .. big_dir .. " " .. q(out_dir) .. " decode" },
  }, clean)
  local rss = {
    dicomkit = peak_rss_mb(dicomkit .. " " .. q(here .. "/dicomkit_create.lua") .. " " .. big_dir .. " " .. q(out_dir) .. " decode"),
    ["floor (djpeg)"] = peak_rss_mb("djpeg -outfile " .. q(out_dir .. "/big.ppm") .. " " .. q(big_jpeg)),
    ["pydicom + PIL"] = peak_rss_mb(py .. " " .. q(here .. "/pydicom_create.py") .. " " .. big_dir .. " " .. q(out_dir) .. " decode"),
  }
  local floor = m["floor (djpeg)"]
  for label, s in pairs(m) do
    row("2 decode " .. size.big_w .. "x" .. size.big_h, label, s,
      { files_per_s = 1 / s, mb_per_s = native_mb / s, peak_rss_mb = rss[label], vs_dicomkit = s / m.dicomkit })
  end
  target("2: dicomkit <= 1.3x the floor in time", m.dicomkit <= 1.3 * floor,
    ("%.2fx djpeg"):format(m.dicomkit / floor))
  target(("2: peak RSS <= native %.0f MB + 30 MB"):format(native_mb), rss.dicomkit <= native_mb + 30,
    ("%.1f MB"):format(rss.dicomkit))
end

-- ---------------------------------------------------------------- 3. C-STORE
if want(3) then
  io.stderr:write("bench: 3. C-STORE over one association\n")
  local objects = work .. "/objects"
  must("mkdir -p " .. q(objects))
  must(dicomkit .. " " .. q(here .. "/dicomkit_create.lua") .. " " .. q(cache .. "/hd") .. " " .. q(objects))
  local listing = must("ls " .. q(objects))
  local count = 0
  for _ in listing:gmatch("%.dcm") do count = count + 1 end
  local bytes = tonumber(must("du -cb " .. q(objects) .. "/*.dcm | tail -1"):match("%d+"))
  local function start_scp(env, dir)
    local port = orthanc_lib.free_port()
    must("mkdir -p " .. q(dir))
    local pid = tonumber(must("(" .. env .. " storescp --ignore +xa -aet STORESCP " .. port .. " >" .. q(dir .. "/log")
      .. " 2>&1 & echo $!)"):match("%d+"))
    local socket = require "socket"
    for _ = 1, 100 do
      local c = socket.connect("127.0.0.1", port)
      if c then c:close() break end
      socket.sleep(0.05)
    end
    return port, pid
  end
  local fast_port, fast_pid = start_scp("TCP_NODELAY=1", work .. "/scp-fast")
  local slow_port, slow_pid = start_scp("env -u TCP_NODELAY", work .. "/scp-slow")
  local function send(port) return dicomkit .. " send -q STORESCP@127.0.0.1:" .. port .. " " .. q(objects) end
  local function storescu(env, port)
    return env .. " storescu -xy -aec STORESCP +sd 127.0.0.1 " .. port .. " " .. q(objects)
  end
  local m = hyperfine("store", {
    { label = "dicomkit -> storescp (TCP_NODELAY=1)", cmd = send(fast_port) },
    { label = "storescu tuned -> storescp (TCP_NODELAY=1)", cmd = storescu("TCP_NODELAY=1", fast_port) },
    { label = "dicomkit -> storescp as it comes", cmd = send(slow_port) },
    { label = "storescu as it comes -> storescp as it comes", cmd = storescu("env -u TCP_NODELAY", slow_port) },
  })
  os.execute("kill " .. fast_pid .. " " .. slow_pid .. " 2>/dev/null")
  local orthanc = assert(orthanc_lib.start{ dir = work .. "/orthanc" })
  local mo = hyperfine("store-orthanc", {
    { label = "dicomkit -> Orthanc (demo's)", cmd = dicomkit .. " send -q ORTHANC@127.0.0.1:" .. orthanc.dicom .. " " .. q(objects) },
  })
  orthanc:stop()
  for label, s in pairs(mo) do m[label] = s end
  for label, s in pairs(m) do
    row("3 C-STORE " .. count .. " objects", label, s, { files_per_s = count / s, mb_per_s = bytes / 1e6 / s })
  end
  local tuned = m["storescu tuned -> storescp (TCP_NODELAY=1)"]
  local fast = m["dicomkit -> storescp (TCP_NODELAY=1)"]
  local slow = m["dicomkit -> storescp as it comes"]
  local stock = m["storescu as it comes -> storescp as it comes"]
  target("3: against storescp with TCP_NODELAY=1, at least tuned storescu's rate", fast <= tuned,
    ("%.0f vs %.0f objects/s"):format(count / fast, count / tuned))
  target("3: against storescp as it comes, at least storescu's rate", slow <= stock,
    ("%.0f vs %.0f objects/s; the peer's Nagle costs %.1f ms per object"):format(count / slow, count / stock,
      (slow - fast) / count * 1000))
end

-- ---------------------------------------------------------------- 4. start-up
if want(4) then
  io.stderr:write("bench: 4. start-up (installing the rock into a temporary HOME first)\n")
  -- the command as a user gets it from `luarocks make --local`: LuaRocks' own wrapper, which
  -- loads luarocks.loader before our script
  local home = work .. "/home"
  must("mkdir -p " .. q(home) .. " && cd " .. q(root) .. " && HOME=" .. q(home)
    .. " luarocks --lua-version 5.4 make --local --deps-mode=none rockspec/dicomkit-scm-1.rockspec")
  local installed = "env HOME=" .. q(home) .. " " .. q(home .. "/.luarocks/bin/dicomkit")
  local m = hyperfine("startup", {
    { label = "dicomkit -e 'return 1'", cmd = dicomkit .. " -e 'return 1'" },
    { label = "installed rock: dicomkit -e 'return 1'", cmd = installed .. " -e 'return 1'" },
    { label = "lua5.4 -e ''", cmd = "lua5.4 -e ''" },
  })
  for label, s in pairs(m) do row("4 start-up", label, s) end
  local above = (m["dicomkit -e 'return 1'"] - m["lua5.4 -e ''"]) * 1000
  local wrapper = (m["installed rock: dicomkit -e 'return 1'"] - m["dicomkit -e 'return 1'"]) * 1000
  target("4: start-up under 30 ms above bare Lua", above < 30,
    ("%.1f ms above; LuaRocks' wrapper adds %.1f ms"):format(above, wrapper))
end

-- ---------------------------------------------------------------- 5. memory over time
if want(5) then
  io.stderr:write("bench: 5. memory over ", size.memory, " objects\n")
  local port = orthanc_lib.free_port()
  local pid = tonumber(must("(TCP_NODELAY=1 storescp --ignore +xa -aet STORESCP " .. port .. " >/dev/null 2>&1 & echo $!)"):match("%d+"))
  os.execute("sleep 0.3")
  local out = must(dicomkit .. " " .. q(here .. "/memory.lua") .. " " .. q(cache .. "/small/small0000.jpg") .. " " .. port .. " " .. size.memory)
  os.execute("kill " .. pid .. " 2>/dev/null")
  local samples = {}
  for n, kb in out:gmatch("(%d+)\t(%d+)") do samples[#samples + 1] = { objects = tonumber(n), rss_kb = tonumber(kb) } end
  local second, last = samples[2], samples[#samples]
  local growth = (last.rss_kb - second.rss_kb) / 1024
  row("5 memory " .. size.memory .. " objects", "dicomkit", nil, { rss_samples = samples, growth_mb = growth })
  target("5: RSS flat (last sample within 5 MB of the second)", math.abs(growth) <= 5,
    ("%+.1f MB from sample 2 to sample %d"):format(growth, #samples))
end

-- ---------------------------------------------------------------- 6. validation
if want(6) then
  io.stderr:write("bench: 6. validating ", size.validate, " objects\n")
  -- VL Photographic objects of 320x240 photos, made once by the bundled template (not timed)
  local jpg, dcm = cache .. "/val", cache .. "/val-dcm"
  must(("%s %s %s %d 320 240 val"):format(py, q(here .. "/make_inputs.py"), q(jpg), size.validate))
  must("rm -rf " .. q(dcm) .. " && mkdir -p " .. q(dcm))
  must(dicomkit .. " " .. q(here .. "/dicomkit_create.lua") .. " " .. q(jpg) .. " " .. q(dcm))
  local m = hyperfine("validate", {
    { label = "dicomkit: dk.validate, one process", cmd = dicomkit .. " " .. q(here .. "/dicomkit_validate.lua") .. " " .. q(dcm) },
    { label = "dicomkit validate --no-dciodvfy DIR/*", cmd = dicomkit .. " validate --no-dciodvfy " .. q(dcm) .. "/*.dcm >/dev/null" },
    { label = "floor: dk.read each file", cmd = dicomkit .. " " .. q(here .. "/dicomkit_validate.lua") .. " " .. q(dcm) .. " read" },
    { label = "dciodvfy per file", cmd = "for f in " .. q(dcm) .. "/*.dcm; do dciodvfy \"$f\" >/dev/null 2>&1; done" },
  })
  local ours = m["dicomkit: dk.validate, one process"]
  for label, s in pairs(m) do
    row("6 validate " .. size.validate .. " objects", label, s, { files_per_s = size.validate / s, vs_dicomkit = s / ours })
  end
  target("6: validating in one process faster than dciodvfy per file", ours < m["dciodvfy per file"],
    ("%.1fx faster than dciodvfy per file; %.2fx the floor (reading only)"):format(m["dciodvfy per file"] / ours,
      ours / m["floor: dk.read each file"]))
end

-- ---------------------------------------------------------------- 7. PNG
if want(7) then
  io.stderr:write("bench: 7. PNG -> Secondary Capture (", size.png, " screenshots and a photo)\n")
  local pngs = cache .. "/png"
  must(("%s %s %s %d %d %d"):format(py, q(here .. "/make_pngs.py"), q(pngs), size.png, size.w, size.h))
  local n = size.png + 1
  local png_bytes = tonumber(must("du -cb " .. q(pngs) .. "/*.png | tail -1"):match("%d+"))
  local native_dir = work .. "/png-native"
  local function create(mode) return dicomkit .. " " .. q(here .. "/dicomkit_png.lua") .. " " .. q(pngs) .. " " .. q(out_dir) .. " " .. mode end
  local m = hyperfine("png", {
    { label = "dicomkit (JPEG-LS)", cmd = create("") },
    { label = "dicomkit --compression deflate", cmd = create("deflate") },
    { label = "dicomkit --uncompressed", cmd = create("uncompressed") },
    { label = "pydicom + PIL (native)", cmd = py .. " " .. q(here .. "/pydicom_png.py") .. " " .. q(pngs) .. " " .. q(out_dir) },
    { label = "pydicom + PIL, then dcmcjpls per file", cmd = py .. " " .. q(here .. "/pydicom_png.py") .. " " .. q(pngs) .. " "
      .. q(out_dir) .. " && for f in " .. q(out_dir) .. "/*.dcm; do dcmcjpls \"$f\" \"$f.jls\" || exit 1; done" },
    { label = "floor: PIL decode + raw write", cmd = py .. " " .. q(here .. "/pydicom_png.py") .. " " .. q(pngs) .. " " .. q(out_dir) .. " floor" },
    { label = "(Python + pydicom + PIL start-up)", cmd = py .. " -c 'import numpy, pydicom, PIL.Image'" },
  }, clean)
  -- the floor without the interpreter's start-up: decoding and writing only
  local floor = m["floor: PIL decode + raw write"] - m["(Python + pydicom + PIL start-up)"]
  for label, s in pairs(m) do
    row("7 PNG " .. n .. "x" .. size.w .. "x" .. size.h, label, s,
      { files_per_s = n / s, mb_per_s = png_bytes / 1e6 / s, vs_dicomkit = s / m["dicomkit (JPEG-LS)"] })
  end
  -- sizes: what each storage makes of the screenshots and of the photo (RLE by dcmcrle, for the
  -- codec not chosen)
  local function bytes_of(glob) return tonumber(must("du -cb " .. glob .. " | tail -1"):match("%d+")) end
  must("rm -rf " .. q(native_dir) .. " && mkdir -p " .. q(native_dir))
  local sizes = {}
  for _, mode in ipairs({ "", "deflate", "uncompressed" }) do
    must(clean)
    must(create(mode))
    sizes[mode] = { screens = bytes_of(q(out_dir) .. "/screen*.dcm"), photo = bytes_of(q(out_dir) .. "/photo.dcm") }
    if mode == "uncompressed" then must("cp " .. q(out_dir) .. "/*.dcm " .. q(native_dir)) end
  end
  must("for f in " .. q(native_dir) .. "/*.dcm; do dcmcrle \"$f\" \"${f%.dcm}.rle\" || exit 1; done")
  sizes.rle = { screens = bytes_of(q(native_dir) .. "/screen*.rle"), photo = bytes_of(q(native_dir) .. "/photo.rle") }
  sizes.png = { screens = bytes_of(q(pngs) .. "/screen*.png"), photo = bytes_of(q(pngs) .. "/photo.png") }
  local function mb(v) return ("%.2f"):format(v / 1e6) end
  for _, what in ipairs({ "screens", "photo" }) do
    local per = what == "screens" and size.png or 1
    target(("7: %s: JPEG-LS smaller than RLE"):format(what), sizes[""][what] < sizes.rle[what],
      ("MB per image: PNG %s, JPEG-LS %s, deflate %s, RLE %s, native %s"):format(mb(sizes.png[what] / per),
        mb(sizes[""][what] / per), mb(sizes.deflate[what] / per), mb(sizes.rle[what] / per),
        mb(sizes.uncompressed[what] / per)))
  end
  local ours = m["dicomkit (JPEG-LS)"]
  target("7: JPEG-LS objects faster than pydicom + PIL + dcmcjpls", ours < m["pydicom + PIL, then dcmcjpls per file"],
    ("%.1fx faster; %.2fx the floor (PIL's decode and a raw write, Python's start-up taken off); "
      .. "--uncompressed %.2fx it"):format(m["pydicom + PIL, then dcmcjpls per file"] / ours, ours / floor,
      m["dicomkit --uncompressed"] / floor))
end

-- ---------------------------------------------------------------- 8. multi-frame
if want(8) then
  io.stderr:write("bench: 8. ", size.hd, " JPEGs -> one multi-frame Secondary Capture\n")
  local hd = q(cache .. "/hd")
  local out = q(out_dir .. "/frames.dcm")
  local m = hyperfine("frames", {
    { label = "dicomkit", cmd = dicomkit .. " " .. q(here .. "/dicomkit_frames.lua") .. " " .. hd .. " " .. out },
    { label = "floor (cat the JPEGs into one file)", cmd = "cat " .. hd .. "/*.jpg > " .. out },
    { label = "floor (lua5.4 holds them all, writes one file)", cmd = "lua5.4 " .. q(here .. "/floor_frames.lua") .. " " .. hd .. " " .. out },
    { label = "pydicom encapsulate", cmd = py .. " " .. q(here .. "/pydicom_frames.py") .. " " .. hd .. " " .. out },
  }, clean)
  -- the floor of a tool that holds the object in memory (as dicomkit and pydicom do); cat, which
  -- holds nothing, is shown beside it
  local floor = m["floor (lua5.4 holds them all, writes one file)"]
  for label, s in pairs(m) do
    row("8 multi-frame " .. size.hd .. "x" .. size.w .. "x" .. size.h, label, s,
      { mb_per_s = hd_bytes / 1e6 / s, vs_dicomkit = s / m.dicomkit })
  end
  target("8: dicomkit <= 1.5x the in-memory floor", m.dicomkit <= 1.5 * floor,
    ("%.2fx the floor (%.1fx cat's), %.1fx faster than pydicom"):format(m.dicomkit / floor,
      m.dicomkit / m["floor (cat the JPEGs into one file)"], m["pydicom encapsulate"] / m.dicomkit))
end

-- ---------------------------------------------------------------- 9. TIFF scan, HEIC photo
if want(9) then
  io.stderr:write("bench: 9. a ", size.pages, "-page TIFF scan -> Secondary Capture, a HEIC photo -> VL Photographic\n")
  local stills = cache .. "/stills"
  must(("%s %s %s %d %d %d %d %d"):format(py, q(here .. "/make_stills.py"), q(stills), size.pages, size.page_w,
    size.page_h, size.big_w, size.big_h))
  local scan, heic = stills .. "/scan.tif", stills .. "/photo.heic"
  local function create(template, input, out, extra)
    return dicomkit .. " create " .. template .. " --input " .. q(input) .. " --out " .. q(out_dir .. "/" .. out)
      .. " --set PatientName=Bench^Mark --set PatientID=B1" .. (extra or "")
  end
  local tiff_py = py .. " " .. q(here .. "/pydicom_tiff.py") .. " " .. q(scan) .. " " .. q(out_dir .. "/py.dcm")
  local m = hyperfine("stills", {
    { label = "TIFF: dicomkit (JPEG-LS)", cmd = create("secondary_capture", scan, "scan.dcm") },
    { label = "TIFF: dicomkit --compression deflate", cmd = create("secondary_capture", scan, "scan-deflate.dcm",
      " --compression deflate") },
    { label = "TIFF: pydicom + PIL (native)", cmd = tiff_py },
    { label = "TIFF: pydicom + PIL, then dcmcjpls", cmd = tiff_py .. " && dcmcjpls " .. q(out_dir .. "/py.dcm") .. " "
      .. q(out_dir .. "/py.jls.dcm") },
    { label = "TIFF: floor: PIL decode + raw write", cmd = tiff_py .. " floor" },
    { label = "(Python + pydicom + PIL start-up)", cmd = py .. " -c 'import numpy, pydicom, PIL.Image'" },
    { label = "HEIC: dicomkit (JPEG-LS)", cmd = create("vl_photographic", heic, "photo.dcm") },
    { label = "HEIC: floor: heif-convert to raw y4m", cmd = "heif-convert --quiet " .. q(heic) .. " "
      .. q(out_dir .. "/photo.y4m") .. " >/dev/null" },
  }, clean)
  local tiff_floor = m["TIFF: floor: PIL decode + raw write"] - m["(Python + pydicom + PIL start-up)"]
  local scan_mb = tonumber(must("stat -c %s " .. q(scan))) / 1e6
  for label, s in pairs(m) do
    local tiff = label:match("^TIFF")
    row("9 stills", label, s, { mb_per_s = tiff and scan_mb / s or nil,
      vs_dicomkit = tiff and s / m["TIFF: dicomkit (JPEG-LS)"] or label:match("^HEIC") and s / m["HEIC: dicomkit (JPEG-LS)"] })
  end
  -- sizes: source, the objects, and what the notebook way makes
  must(clean)
  for _, c in ipairs({ create("secondary_capture", scan, "scan.dcm"),
                       create("secondary_capture", scan, "scan-deflate.dcm", " --compression deflate"),
                       create("secondary_capture", scan, "scan-native.dcm", " --uncompressed"),
                       create("vl_photographic", heic, "photo.dcm"),
                       create("vl_photographic", heic, "photo-native.dcm", " --uncompressed") }) do
    must(c)
  end
  local function mb(path) return ("%.2f"):format(tonumber(must("stat -c %s " .. q(path))) / 1e6) end
  local o = out_dir .. "/"
  target("9: TIFF scan as JPEG-LS smaller than native", tonumber(mb(o .. "scan.dcm")) < tonumber(mb(o .. "scan-native.dcm")),
    ("%d pages of %dx%d grey: TIFF (LZW) %s MB, JPEG-LS %s MB, deflate %s MB, native %s MB; %.2fx the floor "
      .. "(PIL's decode and a raw write, Python's start-up taken off), %.1fx faster than pydicom + PIL + dcmcjpls")
      :format(size.pages, size.page_w, size.page_h, mb(scan), mb(o .. "scan.dcm"), mb(o .. "scan-deflate.dcm"),
        mb(o .. "scan-native.dcm"), m["TIFF: dicomkit (JPEG-LS)"] / tiff_floor,
        m["TIFF: pydicom + PIL, then dcmcjpls"] / m["TIFF: dicomkit (JPEG-LS)"]))
  target("9: HEIC photo <= 3x heif-convert's decode", m["HEIC: dicomkit (JPEG-LS)"] <= 3 * m["HEIC: floor: heif-convert to raw y4m"],
    ("%dx%d: HEIC %s MB, JPEG-LS %s MB, native %s MB; %.2fx heif-convert's decode to raw"):format(size.big_w,
      size.big_h, mb(heic), mb(o .. "photo.dcm"), mb(o .. "photo-native.dcm"),
      m["HEIC: dicomkit (JPEG-LS)"] / m["HEIC: floor: heif-convert to raw y4m"]))
end

-- ---------------------------------------------------------------- report
local function fmt(v, pattern) return v and pattern:format(v) or "-" end
local lines = { ("%-34s %-46s %10s %9s %8s %9s %9s"):format("workload", "tool", "median s", "files/s",
  "MB/s", "peak MB", "x dicomkit") }
table.sort(rows, function(a, b)
  if a.workload ~= b.workload then return a.workload < b.workload end
  return (a.median_s or 0) < (b.median_s or 0)
end)
for _, r in ipairs(rows) do
  lines[#lines + 1] = ("%-34s %-46s %10s %9s %8s %9s %9s"):format(r.workload, r.tool, fmt(r.median_s, "%.3f"),
    fmt(r.files_per_s, "%.1f"), fmt(r.mb_per_s, "%.1f"), fmt(r.peak_rss_mb, "%.1f"), fmt(r.vs_dicomkit, "%.2f"))
end
lines[#lines + 1] = ""
for _, t in ipairs(targets) do
  lines[#lines + 1] = ("%-4s %s: %s"):format(t.met and "met" or "MISS", t.target, t.detail)
end
local machine = must("nproc"):gsub("%s+$", "") .. " cores, " .. must("uname -srm"):gsub("%s+$", "")
lines[#lines + 1] = ""
lines[#lines + 1] = ("machine: %s; %d runs each (hyperfine medians)%s"):format(machine, runs, smoke and "; SMOKE inputs" or "")
print(table.concat(lines, "\n"))

local results = os.getenv("DICOMKIT_BENCH_RESULTS") or (here .. "/results/latest.json")
must("mkdir -p " .. q(results:match("^(.*)/[^/]+$") or "."))
local f = assert(io.open(results, "w"))
f:write(json.encode({ date = os.date("!%Y-%m-%dT%H:%M:%SZ"), machine = machine, smoke = smoke, runs = runs,
  rows = rows, targets = targets }, { indent = true }))
f:close()
os.execute("rm -rf " .. q(work))
