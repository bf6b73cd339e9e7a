--- Help texts: help(x) in the REPL and in scripts, for every dk function, dataset and
-- association method, and template. One text per thing, in one place.
local core = require "dicomkit.core"

local help = {}

local texts = {
  -- module functions
  dataset = [[
dk.dataset([values]) -> dataset
  A new empty dataset, or one filled from a table of Keyword = value:
    local ds = dk.dataset{ PatientName = "Doe^Jane", PatientID = "12345" }
  Values: strings for text, numbers for binary numbers, arrays for several values, arrays of
  tables (or datasets) for sequences. A bad value raises with the keyword and the rule.]],
  read = [[
dk.read(path [, limits]) -> dataset [, notes] | nil, message, code
  Read a DICOM file (Part 10, or a bare data set). The bytes are checked before they are
  parsed; limits = { max_file_bytes=, max_inflated_bytes=, max_depth=, max_elements= } change
  the defaults (4 GiB, 512 MiB, 64, 10,000,000). notes says what had to be repaired (text not
  valid in its character set). Codes: ENOENT, EIO, EFORMAT, ELIMIT.]],
  template = [[
dk.template(name) -> template
  Find a template (DICOMKIT_TEMPLATES first, then the bundled ones); call it with params:
    local ds, report = dk.template("vl_photographic"){ jpeg = "photo.jpg", PatientID = "1" }
  help(dk.template("vl_photographic")) lists its options and modules.]],
  templates = [[
dk.templates() -> { {name=, source="site"|"bundled", path=}, ... }
  Every template that can be found, site ones first.]],
  send = [[
dk.send(objects, opts) -> results, summary | nil, message, code
  C-STORE datasets and files over one association. opts: the dk.connect parameters, and
  progress = function(i, n, result). summary = { total, stored, warnings, failed, not_sent }.]],
  connect = [[
dk.connect{ host=, port=, called_ae=, calling_ae=, timeout=, contexts= } -> association
                                                               | nil, message, code
  Open an association (called_ae is required). contexts = { {sop_class=, transfer_syntax=} }.
  Codes: ECONNREFUSED, EREJECTED, ETIMEOUT, ENETWORK. Methods: echo, store, release, abort.]],
  validate = [[
dk.validate(ds) -> findings
  What dicomkit's IOD tables and pixel checks find wrong: { {severity=, message=}, ... }.
  An unknown SOP Class is an error, never a silent pass.]],
  jpeg = [[
dk.jpeg(path | {bytes=} [, {max_pixels=}]) -> info | nil, message, code
  What a JPEG's markers say: width, height, components, precision, sof, colorspace, sampling,
  orientation, exif, gps, icc, baseline (whether JPEG Baseline can carry it), decodable.]],
  uid = [[
dk.uid([{root=, from=}]) -> "2.25...."
  A new UID: random (2.25 and a version 4 UUID), under an org root, or derived from a string
  (from=: the same text always gives the same UID).]],
  is_uid = "dk.is_uid(s) -> boolean\n  Whether s is a valid UID (digits and dots, at most 64).",
  tag = "dk.tag(keyword) -> tag number | nil\n  dk.tag(\"PatientName\") is 0x00100010.",
  keyword = "dk.keyword(tag) -> keyword | nil\n  dk.keyword(0x00100010) is \"PatientName\".",
  keywords = "dk.keywords() -> { keyword, ... }\n  Every keyword of the data dictionary, sorted.",
  dictionary = "dk.dictionary(keyword_or_tag) -> {tag=, keyword=, vr=, vm=} | nil",
  peek = "dk.peek(path) -> sop_class, transfer_syntax | nil, message, code\n  From a file's first bytes.",
  check_ae = "dk.check_ae(title [, what]) -> true\n  Raises when title is not a valid AE title.",
  is_dataset = "dk.is_dataset(x) -> boolean",
  version = "dk.version() -> {dicomkit=, dcmtk=, libjpeg_turbo=, lua=}",
  help = "help(x) -> prints what x is and how to use it; help() lists the topics.",
  -- dataset methods
  ["ds:get"] = "ds:get(key) -> value, vr | nil\n  key: a keyword, a tag number or \"(gggg,eeee)\".",
  ["ds:set"] = [[
ds:set(key, vr, value) -> ds
  Set with an explicit VR: private tags need it (ds:set(0x00291001, "US", {1, 2})).]],
  ["ds:remove"] = "ds:remove(key) -> boolean\n  Whether it was there.",
  ["ds:has"] = "ds:has(key) -> boolean",
  ["ds:keys"] = [[
for key, vr in ds:keys() do ... end
  Every element in tag order, reading no value (pairs(ds) gives the values and copies them).]],
  ["ds:info"] = "ds:info(key) -> {tag=, vr=, vm=, length=, kind=, keyword=} | nil, reading no value.",
  ["ds:save"] = [[
ds:save(path | file [, {transfer_syntax = "explicit"|"implicit"|UID}]) -> true | nil, message, code
  Write a Part 10 file. A regular file is replaced atomically (temporary file and rename); a
  device or FIFO is written directly; io.stdout writes to standard output. A full disk or a
  file over `ulimit -f` returns ENOSPC and leaves the destination as it was.]],
  ["ds:json"] = "ds:json() -> text\n  The DICOM JSON Model (PS3.18 F.2) of the dataset.",
  ["ds:close"] = "ds:close()\n  Free it now (or let <close> or the collector do it); using it afterwards raises.",
  ["ds:is_root"] = "ds:is_root() -> boolean\n  False for an item of a sequence.",
  ["ds:transfer_syntax"] = "ds:transfer_syntax() -> UID\n  How the pixel data is held.",
  ["ds:set_pixels"] = [[
ds:set_pixels(source [, opts]) -> report | nil, message, code
  source: a JPEG path, {path=}, {bytes=[, name=]}, or raw pixels
  {rows=, columns=, samples=, bits=, data=, photometric=}. opts (JPEG): decode, keep_markers,
  orientation = "apply"|"keep", allow_rgb, max_pixels. The report says what happened: mode
  ("passthrough", "decoded", "native"), rows, columns, photometric, transfer_syntax, ...]],
  -- association methods
  ["assoc:echo"] = "assoc:echo() -> true | nil, message, code",
  ["assoc:store"] = [[
assoc:store(ds_or_path) -> result | nil, message, code [, result]
  result = { ok, status, status_hex, category, meaning, sop_instance_uid, transfer_syntax,
  decoded }. A peer's failure status returns nil, "...: status 0xA700 (...)", "ESTATUS", result.]],
  ["assoc:release"] = "assoc:release() -> true | nil, message, code\n  Using it afterwards raises.",
  ["assoc:abort"] = "assoc:abort()",
  ["assoc:is_open"] = "assoc:is_open() -> boolean",
  ["assoc:state"] = "assoc:state() -> \"open\" | \"released\" | \"failed\" | \"closed\"",
  ["assoc:close"] = "assoc:close()\n  Abort if still open and free it (as <close> and the collector do).",
}

-- Which text a function value has: the module's functions and the methods of datasets and
-- associations, found by identity.
local by_function
local function index_functions()
  if by_function then return by_function end
  by_function = {}
  for name, value in pairs(core) do
    if type(value) == "function" and texts[name] then by_function[value] = texts[name] end
  end
  local ok, dk = pcall(require, "dicomkit")
  if ok then
    for name, value in pairs(dk) do
      if type(value) == "function" and texts[name] then by_function[value] = texts[name] end
    end
  end
  local ds = core.dataset()
  for name in pairs(texts) do
    local method = name:match("^ds:(.+)$")
    if method then
      local f = ds[method]
      if type(f) == "function" then by_function[f] = texts[name] end
    end
  end
  ds:close()
  local mt = debug.getregistry()["dicomkit.Association"]
  if mt and type(mt.__index) == "table" then
    for name, f in pairs(mt.__index) do
      if texts["assoc:" .. name] then by_function[f] = texts["assoc:" .. name] end
    end
  end
  return by_function
end

--- The help text of a template (its name, IOD, options and modules).
function help.template(t)
  local lines = { ("template %s: %s (SOP Class %s)"):format(t.name, t.iod or "?", t.sop_class) }
  lines[#lines + 1] = "  call it: local ds, report = dk.template(\"" .. t.name .. "\"){ jpeg = PATH, Keyword = value, ... }"
  local options = {}
  local common = require "dicomkit.templates.common"
  for k, v in pairs(common.options) do options[k] = v end
  for k, v in pairs(t.options or {}) do options[k] = v end
  local names = {}
  for k in pairs(options) do names[#names + 1] = k end
  table.sort(names)
  lines[#lines + 1] = "  options:"
  for _, k in ipairs(names) do lines[#lines + 1] = ("    %-20s %s"):format(k, options[k]) end
  lines[#lines + 1] = "  any other CamelCase param is a DICOM keyword, set last (it wins over the template)"
  if t.modules then
    lines[#lines + 1] = "  modules: " .. table.concat(t.modules, ", ")
  end
  return table.concat(lines, "\n")
end

--- The help text of x (a function, a template, a dataset, a topic name), or of everything.
function help.text(x)
  if x == nil then
    local names = {}
    for k in pairs(texts) do names[#names + 1] = k end
    table.sort(names)
    return "help(x) for any of: dk." .. table.concat(names, ", "):gsub(", ds:", ", ds:")
      .. "\nand for a template: help(dk.template(\"vl_photographic\"))"
  end
  if type(x) == "string" then
    return texts[x] or texts[x:gsub("^dk%.", "")] or ("no help for '" .. x .. "'")
  end
  if type(x) == "function" then
    return index_functions()[x] or "no help for this function"
  end
  if type(x) == "table" and x.sop_class and x.fill then
    return help.template(x)
  end
  if core.is_dataset(x) then
    local methods = {}
    for name in pairs(texts) do
      if name:match("^ds:") then methods[#methods + 1] = name end
    end
    table.sort(methods)
    return "a dataset: ds.Keyword reads and writes values; methods: " .. table.concat(methods, ", ")
  end
  return "no help for a " .. type(x)
end

--- help(x): print the text.
function help.print(x)
  print(help.text(x))
end

return help
