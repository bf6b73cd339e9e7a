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
  help = [[
help(x) prints what x is and how to use it; help() lists the topics.
  help is a global in dicomkit's REPL and in scripts run by `dicomkit SCRIPT.lua`; dk.help(x)
  returns the text instead of printing it.]],
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
  -- template methods
  ["template:extend"] = [[
tpl:extend{ name=, defaults = { Keyword = value, option = value }, after = function(ds, params) } -> template
  A template that is this one with other defaults and an extra last step (a site template):
    return dk.template("vl_photographic"):extend{ name = "site_photo",
      defaults = { InstitutionName = "General Hospital", uid_root = "1.2.826.0.1.3680043.9999" } }
  Saved as site_photo.lua in a directory listed in DICOMKIT_TEMPLATES.]],
}

-- Which text a function value has: the module's functions and the methods of datasets and
-- associations, found by identity.
local by_function
local registered = {} -- the facade's functions (init.lua), so this module need not require it

--- help.register(t): make the functions of table t (the facade, dk) known to help by name.
function help.register(t)
  for name, value in pairs(t) do
    if type(value) == "function" then registered[name] = value end
  end
  by_function = nil
end

local function index_functions()
  if by_function then return by_function end
  by_function = {}
  for name, value in pairs(core) do
    if type(value) == "function" and texts[name] then by_function[value] = texts[name] end
  end
  for name, value in pairs(registered) do
    if texts[name] then by_function[value] = texts[name] end
  end
  -- help itself: the global of the REPL and of scripts (help.print), and dk.help (help.text)
  by_function[help.print] = texts.help
  by_function[help.text] = texts.help
  -- the methods table itself: ds[name] would raise for a name that is no method
  local dmt = debug.getregistry()["dicomkit.Dataset"]
  if dmt and type(dmt.__methods) == "table" then
    for name, f in pairs(dmt.__methods) do
      if type(f) == "function" and texts["ds:" .. name] then by_function[f] = texts["ds:" .. name] end
    end
  end
  local template = require "dicomkit.template"
  local tmt = getmetatable(template.new{ name = "help", sop_class = "1.2", fill = function() end })
  if tmt and type(tmt.__index) == "table" then
    for name, f in pairs(tmt.__index) do
      if type(f) == "function" and texts["template:" .. name] then by_function[f] = texts["template:" .. name] end
    end
  end
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
  lines[#lines + 1] = ("  call it: local ds, report = dk.template(%q){ jpeg = PATH, Keyword = value, ... }")
    :format(t.name)
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
  local defaults = {}
  for k, v in pairs(t.defaults or {}) do
    if type(k) == "string" then
      defaults[#defaults + 1] = k .. " = " .. (type(v) == "string" and ("%q"):format(v) or tostring(v))
    end
  end
  if #defaults > 0 then
    table.sort(defaults)
    lines[#lines + 1] = "  defaults: " .. table.concat(defaults, ", ")
  end
  if t.base and t.base.name then lines[#lines + 1] = "  extends: " .. t.base.name end
  if t.modules then
    lines[#lines + 1] = "  modules: " .. table.concat(t.modules, ", ")
  end
  return table.concat(lines, "\n")
end

--- The help text of a function of dicomkit's (a dk function, a dataset or association
-- method), or nil.
function help.lookup(f)
  return index_functions()[f]
end

--- The first line of a function's help text (its signature), or nil.
function help.signature(f)
  local text = type(f) == "function" and index_functions()[f]
  return text and text:match("^[^\n]*") or nil
end

local function topics(prefix)
  local names = {}
  for k in pairs(texts) do
    if prefix == "" and not k:find(":", 1, true) and k ~= "help" then
      names[#names + 1] = "dk." .. k
    elseif prefix ~= "" and k:sub(1, #prefix) == prefix then
      names[#names + 1] = k
    end
  end
  table.sort(names)
  -- several to a line, under 96 columns
  local lines, line = {}, "   "
  for _, name in ipairs(names) do
    if #line + #name + 1 > 96 then lines[#lines + 1] = line line = "   " end
    line = line .. " " .. name
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

--- The help text of x (a function, a template, a dataset, a topic name), or of everything.
function help.text(x)
  if x == nil then
    return table.concat({
      "help(x) shows what x is and how to use it. x can be:",
      "  a function of the module:",
      topics(""),
      "  a dataset or one of its methods (help(ds), help(ds.save)):",
      topics("ds:"),
      "  an association (dk.connect) or one of its methods:",
      topics("assoc:"),
      "  a template: help(dk.template(\"vl_photographic\")) lists its options and modules;",
      "    dk.templates() lists the templates, tpl:extend{...} makes a site template",
      "  or a name: help(\"read\"), help(\"ds:save\"), help(\"assoc:store\")",
      "In the REPL: an expression is printed, .trace shows the traceback of the last error,",
      "TAB completes (ds.Pat, dk.tem), Ctrl-C stops a running chunk, Ctrl-D leaves.",
    }, "\n")
  end
  if type(x) == "string" then
    return texts[x] or texts[(x:gsub("^dk%.", ""))] or texts[(x:gsub("^ds%.", "ds:"))]
      or ("no help for '" .. x .. "' (help() lists the topics)")
  end
  if type(x) == "function" then
    return index_functions()[x] or "no help for this function: it is not dicomkit's (help() lists the topics)"
  end
  if type(x) == "table" and x.sop_class and type(x.fill) == "function" then
    return help.template(x)
  end
  if core.is_dataset(x) then
    return "a dataset: ds.Keyword reads and writes values (ds[0x00100010] too), #ds counts the\n"
      .. "elements, pairs(ds) walks them in tag order, print(ds) dumps it. Methods (help(ds.save)...):\n"
      .. topics("ds:")
  end
  if type(x) == "userdata" and getmetatable(x) == debug.getregistry()["dicomkit.Association"] then
    return "an association (dk.connect): methods (help(assoc.store)...):\n" .. topics("assoc:")
  end
  return "no help for a " .. type(x) .. " (help() lists the topics)"
end

--- help(x): print the text.
function help.print(x)
  print(help.text(x))
end

return help
