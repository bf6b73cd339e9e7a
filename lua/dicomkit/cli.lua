--- The `dicomkit` command: a REPL, a script runner and subcommands.
-- main(argv) returns the exit status: 0 success, 1 failure of the job, 2 bad usage.
local cli = {}

local USAGE = [[
usage: dicomkit                          the REPL (dk is loaded)
       dicomkit SCRIPT.lua [ARGS...]     run a Lua script with dk loaded and arg set
       dicomkit -e CHUNK [ARGS...]       run a chunk of Lua and print what it returns
       dicomkit COMMAND [OPTIONS]        one job; `dicomkit COMMAND --help` for its options

commands:
  create      make a DICOM object from a template and an image (JPEG, PNG, TIFF, HEIC), several JPEGs, a PDF
              or raw pixels
              (dicomkit COMMAND --help for each; help(x) in the REPL for the Lua API)
  dump        print files as text, or as DICOM JSON (--json)
  validate    check files against their IOD (dicomkit's tables and dciodvfy)
  echo        C-ECHO a peer: dicomkit echo AET@HOST:PORT
  send        C-STORE files or directories: dicomkit send AET@HOST:PORT FILE|DIR...
  templates   list the templates that can be found, bundled and site
  template    start a template for any IOD: dicomkit template new IOD OUT.lua
  uid         print new UIDs
  version     print the versions of dicomkit, dcmtk, libjpeg-turbo and Lua]]

local util = require "dicomkit.util"

local function dk() return require "dicomkit" end

local function say(...) io.stdout:write(...) end
local function complain(message) io.stderr:write("dicomkit: ", tostring(message), "\n") end
local function warn(message) io.stderr:write("dicomkit: warning: ", tostring(message), "\n") end

--- A usage error: exit status 2.
local UsageError = {}
local function usage_error(msg, usage)
  error(setmetatable({ msg = msg, usage = usage }, UsageError), 0)
end

local function parser_for(name, description)
  local argparse = require "argparse"
  local p = argparse("dicomkit " .. name, description)
  p:add_help("-h --help")
  return p
end

-- Parse `args` with parser `p`; a usage error becomes UsageError.
local function parse(p, args)
  local ok, result = p:pparse(args)
  if not ok then usage_error(result, p:get_usage()) end
  return result, p:get_usage()
end

---------------------------------------------------------------------------
-- commands

local commands = {}

commands.version = {
  description = "Print the versions of dicomkit, dcmtk, libjpeg-turbo and Lua.",
  run = function(args)
    parse(parser_for("version", commands.version.description), args)
    local v = dk().version()
    say(("dicomkit %s\ndcmtk %s\nlibjpeg-turbo %s\n%s\n"):format(v.dicomkit, v.dcmtk,
      v.libjpeg_turbo, v.lua))
    return 0
  end,
}

commands.uid = {
  description = "Print new UIDs: 2.25.<random UUID> by default.",
  run = function(args)
    local p = parser_for("uid", commands.uid.description)
    p:option("-n --count", "How many UIDs.", "1"):convert(tonumber)
    p:option("--root", "Make them under this org root.")
    p:option("--from", "Derive the UID from this text (the same text, the same UID).")
    local a, usage = parse(p, args)
    if not a.count or a.count < 1 or a.count ~= math.floor(a.count) then
      usage_error("--count must be a whole number of at least 1", usage)
    end
    if a.from and a.count > 1 then usage_error("--from makes one UID; drop --count", usage) end
    local ok, err = pcall(function()
      for _ = 1, a.count do say(dk().uid{ root = a.root, from = a.from }, "\n") end
    end)
    if not ok then usage_error((tostring(err):gsub("^.-:%d+: ", "")), usage) end
    return 0
  end,
}

commands.templates = {
  description = "List the templates: site ones (DICOMKIT_TEMPLATES) first, then bundled.",
  run = function(args)
    local p = parser_for("templates", commands.templates.description)
    p:flag("-v --verbose", "Each template's options and modules too.")
    local a = parse(p, args)
    local failed = 0
    for _, t in ipairs(dk().templates()) do
      local ok, tpl = pcall(dk().template, t.name)
      if ok then
        say(("%-20s %-8s %-28s %s\n"):format(t.name, t.source, tpl.iod or "?", tpl.sop_class))
        if a.verbose then say(require("dicomkit.help").template(tpl), "\n\n") end
      else
        failed = failed + 1
        say(("%-20s %-8s (broken: %s)\n"):format(t.name, t.source, util.without_position(tpl)))
      end
    end
    return failed == 0 and 0 or 1
  end,
}

-- "Keyword=Value" pairs from --set
local function parse_sets(list, usage)
  local values = {}
  for _, item in ipairs(list or {}) do
    local k, v = item:match("^([%w]+)=(.*)$")
    if not k then usage_error(("--set needs Keyword=Value, got '%s'"):format(item), usage) end
    if not dk().tag(k) then usage_error(("--set: unknown keyword '%s'"):format(k), usage) end
    values[k] = v
  end
  return values
end

commands.create = {
  description = "Make a DICOM object from a template and its input: an image (JPEG, PNG, TIFF or "
    .. "HEIC, told apart by its content), several JPEGs (the frames of one object), a PDF, or raw "
    .. "pixels.",
  run = function(args)
    local p = parser_for("create", commands.create.description)
    p:argument("template", "Template name (dicomkit templates lists them).")
    p:option("-i --input", "The image to import: a JPEG (kept as it is where the IOD allows), a "
      .. "PNG, a TIFF (every page a frame) or a HEIC (decoded, stored losslessly); a PDF for "
      .. "encapsulated_pdf. Given again, the images become the "
      .. "frames of one multi-frame object, in the order given (all JPEGs, kept as they are, or all "
      .. "PNG/TIFF/HEIC)."):count("*")
    p:option("--jpeg", "The same as --input (the older name)."):count("*")
    p:option("--raw", "Raw pixels file instead of an image (needs --rows, --columns)."):count("*")
    p:option("--rows", "Rows of --raw pixels."):convert(math.tointeger)
    p:option("--columns", "Columns of --raw pixels."):convert(math.tointeger)
    p:option("--samples", "Samples per pixel of --raw pixels (1 or 3).", "1"):convert(math.tointeger)
    p:option("--bits", "Bits per sample of --raw pixels (8 or 16).", "8"):convert(math.tointeger)
    p:option("-o --out", "Where to write the object ('-' for standard output)."):count(1)
    p:option("--set", "Set an attribute: Keyword=Value (repeatable; '\\' separates values)."):count("*")
    p:flag("--decode", "Decode the JPEG to native pixels.")
    p:option("--flatten", "PNG, TIFF or HEIC with translucent pixels: composite them onto white, "
      .. "black or R,G,B (0..255 each); without it such an image is refused.")
    p:option("--compression", "PNG, TIFF, HEIC: how the decoded pixels are stored, all lossless: jpeg-ls "
      .. "(default; smallest for photos), deflate (Deflated Explicit VR Little Endian; often far "
      .. "smaller for screenshots of text) or none."):choices({ "jpeg-ls", "deflate", "none" })
    p:flag("--uncompressed", "PNG, TIFF, HEIC: the same as --compression none.")
    p:flag("--keep-markers", "Keep the photo's metadata (EXIF, GPS, XMP, comments).")
    p:flag("--keep-orientation", "Leave the pixels as stored, ignoring EXIF orientation.")
    p:flag("--no-exif", "Take nothing from the photo's EXIF (by default: DateTimeOriginal as the "
      .. "acquisition and content time of an ORIGINAL image, Make and Model as the Manufacturer and model).")
    p:flag("--exif-serial", "Copy the camera's BodySerialNumber from EXIF into DeviceSerialNumber "
      .. "(and, for vl_photographic, the LensSerialNumber; off by default: they identify the device).")
    p:flag("--exif-equipment", "vl_photographic: the lens, exposure time, f-number, focal length, ISO and "
      .. "flash from EXIF into the VL Photographic Equipment and Acquisition modules.")
    p:flag("--exif-owner", "vl_photographic: EXIF's CameraOwnerName into CameraOwnerName (a person's name).")
    p:flag("--exif-gps", "vl_photographic: EXIF's GPS position into the VL Photographic Geolocation module.")
    p:option("--max-pixels", "Refuse images of more pixels than this (default 268435456)."):convert(math.tointeger)
    p:flag("--implicit", "Write Implicit VR Little Endian (native pixels only; a PNG, TIFF or "
      .. "HEIC is then stored uncompressed).")
    p:flag("-q --quiet", "Print nothing on success.")
    local a, usage = parse(p, args)
    if #a.input > 0 and #a.jpeg > 0 then
      usage_error("give --input or --jpeg (the same option under its older name), not both", usage)
    end
    if #a.input == 0 then a.input = a.jpeg end
    -- every image given is used: several make the frames of one object, in the order given
    if #a.raw > 1 then
      usage_error(("--raw is given %d times: raw pixels make one frame"):format(#a.raw), usage)
    end
    a.raw = a.raw[1]
    if #a.input == 0 then a.input = nil elseif #a.input == 1 then a.input = a.input[1] end
    if (a.input == nil) == (a.raw == nil) then usage_error("give exactly one of --input and --raw", usage) end
    if a.raw and (not a.rows or not a.columns) then usage_error("--raw needs --rows and --columns", usage) end
    local ok, tpl = pcall(dk().template, a.template)
    if not ok then usage_error(util.without_position(tpl), usage) end
    local params = parse_sets(a.set, usage)
    if a.input then
      params.input = a.input
    else
      local f, err = io.open(a.raw, "rb")
      if not f then complain(err) return 1 end
      params.pixels = { rows = a.rows, columns = a.columns, samples = a.samples, bits = a.bits,
                        data = f:read("a") }
      f:close()
    end
    params.decode = a.decode or nil
    params.keep_markers = a.keep_markers or nil
    params.orientation = a.keep_orientation and "keep" or nil
    params.max_pixels = a.max_pixels
    params.flatten = a.flatten
    for _, flag in ipairs({ "exif_serial", "exif_equipment", "exif_owner", "exif_gps" }) do
      if a.no_exif and a[flag] then usage_error("--no-exif and --" .. flag:gsub("_", "-") .. " disagree", usage) end
      params[flag] = a[flag] or nil
    end
    if a.no_exif then params.exif = false end
    if a.uncompressed and a.compression and a.compression ~= "none" then
      usage_error("--uncompressed and --compression " .. a.compression .. " disagree", usage)
    end
    if a.implicit and a.compression and a.compression ~= "none" then
      usage_error("--implicit writes native pixels: it cannot go with --compression " .. a.compression, usage)
    end
    params.compression = a.compression
    params.uncompressed = (a.uncompressed or a.implicit) or nil
    local made, ds, report = pcall(tpl, params)
    if not made then usage_error(util.without_position(ds), usage) end
    if not ds then complain(report) return 1 end
    local out = a.out == "-" and io.stdout or a.out
    local saved, err = ds:save(out, a.implicit and { transfer_syntax = "implicit" } or nil)
    if not saved then
      ds:close()
      complain(err)
      return 1
    end
    if not a.quiet then
      local how = report.mode == "decoded" and ("decoded (" .. (report.reason or "") .. ")")
        or report.mode == "lossless" and (report.compression == "deflate" and "lossless (deflate)"
          or "lossless (JPEG-LS)")
        or report.mode == "native" and ("native" .. (report.reason and " (" .. report.reason .. ")" or ""))
        or report.mode
      if report.alpha == "flattened" then how = how .. ", alpha flattened"
      elseif report.alpha == "opaque" then how = how .. ", opaque alpha dropped" end
      if report.input == "heif" then how = how .. ", decoded from HEVC (marked lossy)" end
      if report.inverted then how = how .. ", WhiteIsZero inverted to MONOCHROME2" end
      if report.input ~= "jpeg" and report.orientation_applied then
        how = how .. (report.orientation and report.orientation > 1
          and (", turned upright (orientation %d)"):format(report.orientation) or ", turned upright")
      end
      if report.exif and next(report.exif) and not a.no_exif then
        local used = {}
        if ds.Manufacturer == report.exif.Make then used[#used + 1] = "camera" end
        if report.exif.DateTimeOriginal and ds.AcquisitionDateTime == report.exif.DateTimeOriginal then
          used[#used + 1] = "time taken"
        end
        if a.exif_serial and ds.DeviceSerialNumber then used[#used + 1] = "serial number" end
        if a.exif_equipment and (ds.FNumber or ds.LensModel) then used[#used + 1] = "lens and exposure" end
        if a.exif_owner and ds.CameraOwnerName then used[#used + 1] = "owner" end
        if a.exif_gps and ds.GPSLatitude then used[#used + 1] = "GPS position" end
        if #used > 0 then how = how .. ", " .. table.concat(used, " and ") .. " from EXIF" end
      end
      if (report.pages_skipped or 0) > 0 then
        how = how .. (", %d reduced-resolution page%s left out"):format(report.pages_skipped,
          report.pages_skipped == 1 and "" or "s")
      end
      -- on standard output goes the object itself: the summary then goes to standard error
      local to = a.out == "-" and io.stderr or io.stdout
      -- the IOD the object is (a template can choose one by its input: several frames)
      local iod = require "dicomkit.iod"
      local name = iod.resolve(ds.SOPClassUID or "")
      local iod_name = name and iod.get(name).title or tpl.iod or tpl.name
      if report.mode == "document" then
        to:write(("%s: %s, PDF %s of %d bytes, %s\n"):format(a.out, iod_name, report.version,
          report.bytes, report.title and ("titled '" .. report.title .. "'") or "untitled"))
      else
        local frames = (report.frames or 1) > 1 and (", %d frames"):format(report.frames) or ""
        to:write(("%s: %s, %dx%d %s%s, %s\n"):format(a.out, iod_name, tostring(report.columns),
          tostring(report.rows), tostring(report.photometric), frames, how))
      end
    end
    ds:close()
    return 0
  end,
}

-- --limit NAME=N options (dk.read's limits)
local function limit_option(p)
  p:option("--limit", "A read limit: max_file_bytes, max_inflated_bytes, max_depth or "
    .. "max_elements = N (repeatable)."):count("*")
end

local LIMITS = { max_file_bytes = true, max_inflated_bytes = true, max_depth = true, max_elements = true }

local function parse_limits(list, usage)
  local limits = {}
  for _, item in ipairs(list or {}) do
    local k, v = item:match("^([%w_]+)=(%d+)$")
    if not k or not LIMITS[k] then
      usage_error(("--limit needs NAME=N with NAME one of max_file_bytes, max_inflated_bytes, "
        .. "max_depth, max_elements; got '%s'"):format(item), usage)
    end
    limits[k] = math.tointeger(tonumber(v))
  end
  return limits
end

commands.dump = {
  description = "Print DICOM files as text, or as DICOM JSON (PS3.18 F.2).",
  run = function(args)
    local p = parser_for("dump", commands.dump.description)
    p:argument("files", "DICOM files."):args("+")
    p:flag("--json", "DICOM JSON model instead of text (an array for several files).")
    limit_option(p)
    local a, usage = parse(p, args)
    local limits = parse_limits(a.limit, usage)
    local status = 0
    local json_out = {}
    for _, path in ipairs(a.files) do
      local ds, notes = dk().read(path, limits)
      if not ds then
        complain(notes)
        status = 1
      else
        for line in (notes or ""):gmatch("[^\n]+") do warn(line) end
        if a.json then
          json_out[#json_out + 1] = ds:json()
        else
          if #a.files > 1 then say("# ", path, "\n") end
          say(tostring(ds))
        end
        ds:close()
      end
    end
    if a.json and #json_out > 0 then
      say(#a.files == 1 and json_out[1] or ("[" .. table.concat(json_out, ",") .. "]"), "\n")
    end
    return status
  end,
}

commands.template = {
  description = "Start a template for any IOD from PS3.3's tables: dicomkit template new IOD OUT.lua "
    .. "(IOD: a name, PS3.3 title or SOP Class UID); dicomkit template iods lists the IODs.",
  run = function(args)
    local p = parser_for("template", commands.template.description)
    p:argument("action", "new or iods."):choices({ "new", "iods" })
    p:argument("iod", "The IOD (new)."):args("?")
    p:argument("out", "The template file to write (new); its name is the template's."):args("?")
    p:flag("--force", "Replace OUT when it exists.")
    local a, usage = parse(p, args)
    local iod = require "dicomkit.iod"
    if a.action == "iods" then
      for _, e in ipairs(iod.list()) do
        if e.sop_class then say(("%-60s %-36s %s\n"):format(e.title, e.name, e.sop_class)) end
      end
      return 0
    end
    if not a.iod or not a.out then usage_error("template new needs IOD and OUT.lua", usage) end
    if not iod.resolve(a.iod) then
      usage_error(("no IOD named '%s' (dicomkit template iods lists them)"):format(a.iod), usage)
    end
    local name = a.out:match("([^/]+)%.lua$")
    if not name or not name:match("^[%w_%-]+$") then
      usage_error(("OUT must be a NAME.lua file (NAME: letters, digits, '_', '-'), got '%s'"):format(a.out), usage)
    end
    local f = io.open(a.out, "r")
    if f and not a.force then
      f:close()
      complain(("%s exists; --force replaces it"):format(a.out))
      return 1
    end
    if f then f:close() end
    local source, iod_name = require("dicomkit.scaffold").source(a.iod, name, a.out)
    local tmp = a.out .. ".tmp"
    -- written beside OUT and renamed: a failed write leaves no half template
    local out, err = io.open(tmp, "w")
    local ok = out and out:write(source)
    if out then
      local closed, cerr = out:close()
      if ok and not closed then ok, err = nil, cerr end
    end
    if ok then ok, err = os.rename(tmp, a.out) end
    if not ok then
      if out then os.remove(tmp) end
      complain(("%s: cannot write it: %s"):format(a.out, tostring(err):gsub("^.-%.tmp: ", "")))
      return 1
    end
    local def = iod.get(iod_name)
    say(("%s: template %s for %s (SOP Class %s); fill its TODO values, then\n"
      .. "  DICOMKIT_TEMPLATES=%s dicomkit create %s ...\n"):format(a.out, name, def.title or iod_name,
      def.sop_classes[1], a.out:match("^(.*)/[^/]+$") or ".", name))
    return 0
  end,
}

commands.validate = {
  description = "Check DICOM files against their IOD: dicomkit's tables (PS3.3 as dciodvfy reads it), "
    .. "the dictionary, the value and pixel rules; then dciodvfy where it is installed. "
    .. "Prints FILE: PATH: SEVERITY: MESSAGE per finding; exit status 1 on any error.",
  run = function(args)
    local p = parser_for("validate", commands.validate.description)
    p:argument("files", "DICOM files."):args("+")
    p:flag("--no-dciodvfy", "Only dicomkit's own checks, even where dciodvfy is installed.")
    p:option("--iod", "Check against this IOD (name, PS3.3 title or SOP Class UID), not SOPClassUID's.")
    p:flag("--json", "One JSON document: per file, its findings and how it was checked.")
    limit_option(p)
    local a, usage = parse(p, args)
    local limits = parse_limits(a.limit, usage)
    local validate = require "dicomkit.validate"
    local iod = require "dicomkit.iod"
    if a.iod and not iod.resolve(a.iod) then
      usage_error(("no IOD named '%s'"):format(a.iod), usage)
    end
    local status = 0
    local dciodvfy_missing = false
    local reports = {}
    for _, path in ipairs(a.files) do
      local findings, how, code = validate.file(path, { dciodvfy = not a.no_dciodvfy, limits = limits,
                                                        iod = a.iod })
      if not findings then
        if not a.json then complain(how) end
        reports[#reports + 1] = { file = path, error = how, code = code }
        status = 1
      else
        local errors, warnings = 0, 0
        for _, f in ipairs(findings) do
          if f.severity == "error" then errors = errors + 1 else warnings = warnings + 1 end
          if not a.json then say(path, ": ", validate.format(f), "\n") end
        end
        if errors > 0 then status = 1 end
        dciodvfy_missing = dciodvfy_missing or how.dciodvfy == "not found"
        local checked = how.dciodvfy == "ran" and "dicomkit and dciodvfy"
          or how.dciodvfy == "not found" and "dicomkit only: dciodvfy not found"
          or "dicomkit only"
        local def = how.iod and iod.get(how.iod)
        if not a.json then
          say(("%s: %s (%s; %d error%s, %d warning%s; checked by %s)\n"):format(path,
            errors == 0 and "ok" or "FAILED", def and (def.title or how.iod) or "no IOD",
            errors, errors == 1 and "" or "s", warnings, warnings == 1 and "" or "s", checked))
        end
        local list = {}
        for i, f in ipairs(findings) do
          list[i] = { severity = f.severity, path = f.path, keyword = f.keyword, module = f.module,
                      rule = f.rule, message = f.message, source = f.source }
        end
        reports[#reports + 1] = { file = path, iod = how.iod, iod_title = def and def.title,
                                  ok = errors == 0, errors = errors, warnings = warnings,
                                  dciodvfy = how.dciodvfy, findings = list }
      end
    end
    if a.json then
      local json = require "dkjson"
      say(json.encode({ files = reports, tables = iod.source() }, { indent = true }), "\n")
    elseif dciodvfy_missing then
      warn("dciodvfy was not found (Debian package dicom3tools): only dicomkit's own checks ran")
    end
    return status
  end,
}

-- "AET@HOST:PORT", "AET@[IPv6]:PORT": the called AE title is required (PACS check it; a
-- default would send to a title the peer does not answer to, or to the wrong one)
local function parse_peer(text, usage)
  local ae, rest = text:match("^(.-)@(.+)$")
  if not ae or ae == "" then
    usage_error(("peer must be AET@HOST:PORT with the peer's AE title, got '%s'"):format(text), usage)
  end
  local host, port = rest:match("^%[(.+)%]:(%d+)$")
  if not host then host, port = rest:match("^([^:]+):(%d+)$") end
  if not port or host == "" then
    usage_error(("peer must be AET@HOST:PORT (IPv6: AET@[ADDRESS]:PORT), got '%s'"):format(text), usage)
  end
  port = math.tointeger(tonumber(port))
  if not port or port < 1 or port > 65535 then
    usage_error(("port %s is not 1..65535"):format(tostring(port)), usage)
  end
  local ok, err = pcall(dk().check_ae, ae, "called AE title")
  if not ok then usage_error(util.without_position(err), usage) end
  return { called_ae = ae, host = host, port = port }
end

local function network_options(p)
  p:option("--calling-ae", "Our AE title.", "DICOMKIT")
  p:option("--timeout", "Seconds to wait for connect, association and each response.", "30")
    :convert(tonumber)
end

local function connect_params(a, usage)
  local peer = parse_peer(a.peer, usage)
  local ok, err = pcall(dk().check_ae, a.calling_ae, "calling AE title")
  if not ok then usage_error(util.without_position(err), usage) end
  -- dk.connect takes at most a day: more would be its error, with a traceback, not a usage error
  if not a.timeout or a.timeout <= 0 or a.timeout > 86400 then
    usage_error("--timeout must be a number of seconds, more than 0 and at most 86400", usage)
  end
  peer.calling_ae = a.calling_ae
  peer.timeout = math.ceil(a.timeout)
  return peer
end

commands.echo = {
  description = "Check that a peer answers: C-ECHO to AET@HOST:PORT.",
  run = function(args)
    local p = parser_for("echo", commands.echo.description)
    p:argument("peer", "The peer: AET@HOST:PORT.")
    network_options(p)
    local a, usage = parse(p, args)
    local params = connect_params(a, usage)
    local assoc, err = dk().connect(params)
    if not assoc then complain(err) return 1 end
    local ok, eerr = assoc:echo()
    if not ok then complain(eerr) assoc:abort() return 1 end
    assoc:release()
    say(("%s@%s:%d answered C-ECHO\n"):format(params.called_ae, params.host, params.port))
    return 0
  end,
}

-- every regular file below `path` (or `path` itself), sorted; nothing when it is neither
local function expand(path, files)
  local kind = require("dicomkit.core")._file_type(path)
  if kind == "file" then
    files[#files + 1] = path
  elseif kind == "directory" then
    for _, name in ipairs(require("dicomkit.core")._dir(path) or {}) do expand(path .. "/" .. name, files) end
  end
  return files
end

local function is_terminal(fd) return os.execute("test -t " .. fd) == true end

commands.send = {
  description = "C-STORE files (and the files in directories) to AET@HOST:PORT over one association.",
  run = function(args)
    local p = parser_for("send", commands.send.description)
    p:argument("peer", "The peer: AET@HOST:PORT.")
    p:argument("paths", "DICOM files or directories."):args("+")
    network_options(p)
    p:flag("-q --quiet", "Only the summary.")
    local a, usage = parse(p, args)
    local params = connect_params(a, usage)
    local files = {}
    for _, path in ipairs(a.paths) do
      local found = expand(path, {})
      if #found == 0 then files[#files + 1] = path end -- reported as not sent, with the reason
      for _, f in ipairs(found) do files[#files + 1] = f end
    end
    local bar = not a.quiet and is_terminal(2)
    params.progress = function(i, n, r)
      if bar then
        local width = 30
        local done = math.floor(width * i / n)
        io.stderr:write(("\r[%s%s] %d/%d"):format(("#"):rep(done), ("."):rep(width - done), i, n))
        if i == n then io.stderr:write("\n") end
      elseif not a.quiet then
        if r.ok then
          say(("%d/%d %s: %s (%s)%s\n"):format(i, n, r.object, r.meaning, r.status_hex,
            r.decoded and ", sent decoded" or ""))
        else
          local why = r.message or (r.meaning .. " (" .. r.status_hex .. ")")
          if why:sub(1, #r.object + 1) == r.object .. ":" then why = why:sub(#r.object + 3) end
          say(("%d/%d %s: NOT STORED: %s\n"):format(i, n, r.object, why))
        end
      end
    end
    local results, summary = dk().send(files, params)
    if not results then complain(summary) return 1 end
    say(("sent %d: %d stored (%d with warnings), %d failed, %d not sent\n"):format(summary.total,
      summary.stored, summary.warnings, summary.failed, summary.not_sent))
    for _, r in ipairs(results) do
      if not r.ok then
        local why = r.message or (r.meaning .. " (status " .. r.status_hex .. ")")
        if why:sub(1, #r.object + 1) == r.object .. ":" then why = why:sub(#r.object + 3) end
        io.stderr:write(("  %s: %s\n"):format(r.object, why))
      elseif r.category == "warning" then
        io.stderr:write(("  %s: warning %s (%s)\n"):format(r.object, r.status_hex, r.meaning))
      end
    end
    return summary.stored == summary.total and 0 or 1
  end,
}

---------------------------------------------------------------------------
-- scripts, chunks and the REPL

local function traceback(message)
  if type(message) ~= "string" and not (getmetatable(message) or {}).__tostring then
    message = ("(error object is a %s value)"):format(type(message))
  end
  return debug.traceback(tostring(message), 2)
end

local function script_env()
  _G.dk = dk()
  _G.help = require("dicomkit.help").print
  return _G
end

-- Run `chunk`; report an error like lua5.4 does. Returns status and the packed results.
local function run(chunk, ...)
  local results = table.pack(xpcall(chunk, traceback, ...))
  if not results[1] then
    complain(tostring(results[2]))
    return 1, results
  end
  return 0, results
end

local function run_script(argv)
  local path = argv[1]
  local env = script_env()
  local chunk, err = loadfile(path, "bt", env)
  if not chunk then
    complain(err)
    return 1
  end
  local script_arg = { [-1] = "dicomkit", [0] = path }
  for i = 2, #argv do script_arg[i - 1] = argv[i] end
  _G.arg = script_arg
  local status = run(chunk, table.unpack(script_arg, 1, #argv - 1))
  return status
end

local function run_chunk(argv)
  if not argv[2] then usage_error("-e needs a chunk of Lua") end
  local env = script_env()
  local chunk, err = load(argv[2], "=(command line)", "t", env)
  if not chunk then usage_error(err) end
  local status, results = run(chunk, table.unpack(argv, 3))
  if status == 0 and results.n > 1 then
    local shown = {}
    for i = 2, results.n do shown[#shown + 1] = tostring(results[i]) end
    say(table.concat(shown, "\t"), "\n")
  end
  return status
end

function cli.main(argv)
  local first = argv[1]
  local ok, status = xpcall(function()
    if first == nil then
      return require("dicomkit.repl").run()
    elseif first == "--help" or first == "-h" then
      say(USAGE, "\n")
      return 0
    elseif first == "-e" then
      return run_chunk(argv)
    elseif commands[first] then
      return commands[first].run(table.move(argv, 2, #argv, 1, {}))
    elseif first:sub(1, 1) == "-" then
      usage_error(("unknown option '%s'"):format(first))
    elseif not first:match("%.lua$") and not first:find("/", 1, true)
        and not io.open(first, "r") then
      usage_error(("unknown command '%s'"):format(first))
    end
    return run_script(argv)
  end, function(e)
    if getmetatable(e) == UsageError then return e end
    return traceback(e)
  end)
  if ok then return status end
  if getmetatable(status) == UsageError then
    io.stderr:write("dicomkit: ", status.msg, "\n", status.usage or USAGE, "\n")
    return 2
  end
  complain(tostring(status))
  return 1
end

cli.commands = commands
return cli
