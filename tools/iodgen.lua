#!/usr/bin/env lua5.4
--[[ iodgen: PS3.3's IOD and module tables as Lua data.

  lua5.4 tools/iodgen.lua D3STANDARD [INNOLITICS] [OUTDIR]

D3STANDARD is dicom3tools' libsrc/standard directory: the IOD compositions (iodcomp/*.tpl),
module and macro definitions (module/*.tpl), conditions (condn.tpl), enumerated values
(strval/*.tpl, binval.tpl, tagval.tpl), SOP Classes (sopcl.tpl) and the data dictionary
(elmdict/dicom3.tpl): the statement of PS3.3 that dciodvfy itself checks with. INNOLITICS is
the standard/ directory of innolitics/dicom-standard (PS3.3 as JSON), read only for the display
names and section numbers of IODs, modules and macros. OUTDIR (default lua/dicomkit/iod)
receives the tables in pieces that dicomkit.iod loads as it needs them: index.lua (the IODs'
names, titles and SOP Classes), iods/NAME.lua (an IOD's modules), modules/NAME.lua and
macros/NAME.lua (attributes, with the conditions their rows and usages name as Lua
predicates), dictionary/gGGGG.lua (a group of the data dictionary), strings/ and binaries/
(enumerated values, in buckets by name). Whole, PS3.3 takes ~60 ms to parse; one IOD's share
a few.

What carries over is the standard's facts; the reading and the layout are ours. The output is
committed, so a build needs neither source nor network; rerun this to move to a new edition.
]]

local SOURCE = "dicom3tools 20241220063551 (libsrc/standard)"
local SECTIONS = "innolitics/dicom-standard 7f4749d (2025-01-28)"

local d3, inn, outdir = arg[1], arg[2], arg[3] or "lua/dicomkit/iod"
if not d3 then
  io.stderr:write("usage: lua5.4 tools/iodgen.lua D3STANDARD [INNOLITICS] [OUTDIR]\n")
  os.exit(2)
end

local function fail(fmt, ...)
  io.stderr:write("iodgen: ", fmt:format(...), "\n")
  os.exit(1)
end

local function lines_of(path)
  local f = io.open(path, "r")
  if not f then fail("cannot read %s", path) end
  local text = f:read("a")
  f:close()
  local out = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    -- a '#' outside quotes starts a comment
    local cut, quoted = nil, false
    for i = 1, #line do
      local c = line:sub(i, i)
      if c == '"' then quoted = not quoted
      elseif c == "#" and not quoted then cut = i break end
    end
    if cut then line = line:sub(1, cut - 1) end
    out[#out + 1] = line
  end
  return out
end

local function files(dir)
  local p = io.popen("ls " .. dir .. "/*.tpl")
  local out = {}
  for name in p:lines() do out[#out + 1] = name end
  p:close()
  table.sort(out)
  return out
end

-- Key="value" pairs of a line, in order; a key may be followed by spaces before '='.
local function pairs_of(line)
  local out = {}
  for key, value in line:gmatch('([%w_]+)%s*=%s*"([^"]*)"') do
    value = value:match("^%s*(.-)%s*$") -- the source has a few stray spaces inside quotes
    out[#out + 1] = { key, value }
    out[key] = out[key] or value
  end
  return out
end

-- ---- data dictionary ----
local dict, keyword_tag = {}, {}
for _, line in ipairs(lines_of(d3 .. "/elmdict/dicom3.tpl")) do
  local g, e = line:match("^%((%x%x[%xx][%xx]),(%x%x%x%x)%)")
  if g then
    local kv = pairs_of(line)
    local repeating = g:find("x") ~= nil
    local tag = tonumber((g:gsub("x", "0")) .. e, 16)
    if kv.Keyword and kv.Keyword ~= "" then
      dict[tag] = { kv.Keyword, kv.VR, kv.VM, retired = kv.VERS == "RET" or nil,
                    repeating = repeating or nil }
      keyword_tag[kv.Keyword] = keyword_tag[kv.Keyword] or tag
    end
  end
end

local function tag_of(keyword, where)
  local t = keyword_tag[keyword]
  if not t then fail("%s: keyword %s is not in the dictionary", where, keyword) end
  return t
end

-- ---- SOP Classes ----
local sop_classes, sop_order = {}, {}
for _, line in ipairs(lines_of(d3 .. "/sopcl.tpl")) do
  local kv = pairs_of(line)
  if kv.Name and kv.Uid then
    sop_classes[kv.Name] = { uid = kv.Uid, title = kv.Desc }
    sop_order[#sop_order + 1] = kv.Name
  end
end

-- ---- enumerated values ----
local strings, binaries, tagvals = {}, {}, {}
local function read_values(path, opener, into, convert)
  local current
  for _, line in ipairs(lines_of(path)) do
    local name = line:match(opener .. '="([^"]+)"%s*{')
    if name then
      current = {}
      into[name] = current
    elseif line:match("^%s*}") then
      current = nil
    elseif current then
      local v = line:match("^%s*(.-)%s*$")
      v = v:gsub(",$", "")
      local value, meaning = v:match("^(.-)%s*=%s*(.*)$")
      value = value or v
      if value ~= "" then
        if value == "***EMPTYVALUE***" then
          current.empty = true
        else
          current[#current + 1] = convert(value)
          if meaning and meaning ~= "" then
            current.meanings = current.meanings or {}
            current.meanings[#current] = meaning
          end
        end
      end
    end
  end
end
for _, path in ipairs(files(d3 .. "/strval")) do
  read_values(path, "StringValues", strings, function(v) return v end)
end
read_values(d3 .. "/binval.tpl", "BinaryValues", binaries, function(v) return math.tointeger(tonumber(v)) end)
read_values(d3 .. "/tagval.tpl", "TagValues", tagvals, function(v)
  local g, e = v:match("0x(%x+),0x(%x+)")
  return tonumber(g .. e, 16)
end)
-- binval.tpl's one BinaryBitMap (Ultrasound RegionFlags) only names bits for display: not read

-- ---- modules and macros ----
local modules, macros = {}, {}
local ATTR_KEYS = {
  Type = "type", VM = "vm", Condition = "c", NoCondition = "nocond", mbpo = "mbpo",
  StringEnumValues = "enum", StringDefinedTerms = "terms", BinaryEnumValues = "benum",
  TagEnumValues = "tenum", ValueSelector = "sel", NotZeroError = "nz", NotZeroWarning = "nzw",
  ThenErrorMessage = "then_error", ThenWarningMessage = "then_warning",
  ElseWarningMessage = "else_warning", ShowValueWithMessage = "show",
  BaselineContextID = "bcid", DefinedContextID = "dcid", EnmeratedContextID = "ecid",
  DoNotSetUsed = "notused", BinaryBitMap = "bitmap",
}
for _, path in ipairs(files(d3 .. "/module")) do
  local stack, current
  for n, line in ipairs(lines_of(path)) do
    local where = ("%s:%d"):format(path, n)
    local kv = pairs_of(line)
    local first = kv[1] and kv[1][1]
    if first == "Module" or first == "DefineMacro" then
      current = { attrs = {} }
      stack = { current.attrs }
      if first == "Module" then modules[kv.Module] = current else macros[kv.DefineMacro] = current end
    elseif line:match("^%s*ModuleEnd") or line:match("^%s*MacroEnd") then
      if #stack ~= 1 then fail("%s: unclosed sequence", where) end
      current, stack = nil, nil
    elseif line:match("^%s*SequenceEnd") then
      table.remove(stack)
    elseif first then
      if not current then fail("%s: %s outside a module", where, first) end
      local row = {}
      for _, p in ipairs(kv) do
        local key, value = p[1], p[2]
        if key == "Name" or key == "Sequence" or key == "Verify" then
          row.k = value
          row.tag = tag_of(value, where)
          if key == "Verify" then row.verify = true end
        elseif key == "InvokeMacro" then
          row.macro = value
        elseif ATTR_KEYS[key] then
          local field = ATTR_KEYS[key]
          if field == "mbpo" or field == "show" then value = value == "true"
          elseif field == "nocond" or field == "nz" or field == "nzw" or field == "notused" then value = true
          elseif field == "sel" then value = math.tointeger(tonumber(value)) end
          row[field] = value
        else
          fail("%s: key %s is not understood", where, key)
        end
      end
      local list = stack[#stack]
      list[#list + 1] = row
      if first == "Sequence" then
        row.items = {}
        stack[#stack + 1] = row.items
      end
    end
  end
end

-- ---- IODs ----
local iods = {}
for _, path in ipairs(files(d3 .. "/iodcomp")) do
  local current, ie
  for n, line in ipairs(lines_of(path)) do
    local kv = pairs_of(line)
    if kv.CompositeIOD then
      current = { condition = kv.Condition, modules = {} }
      iods[kv.CompositeIOD] = current
    elseif kv.InformationEntity then
      ie = kv.InformationEntity
    elseif kv.Module then
      if not current then fail("%s:%d: module outside an IOD", path, n) end
      if not modules[kv.Module] then fail("%s:%d: module %s is not defined", path, n, kv.Module) end
      current.modules[#current.modules + 1] = { kv.Module, kv.Usage, kv.Condition, ie = ie }
    end
  end
end

-- ---- conditions, compiled to Lua ----
local PREDICATES = {
  ElementPresent = true, ValuePresent = true, StringValue = true, StringConstant = true,
  StringValueFromRootAttribute = true, StringConstantFromRootAttribute = true,
  StringValueFromRoot = true, StringValueAbove = true, ElementPresentAbove = true,
  ElementPresentInRoot = true, ElementPresentWithin = true, ElementPresentInPathFromRoot = true,
  ElementPresentInPathFromRootFirstItem = true, SequencePresentInPathFromRootHasItems = true,
  SequencePresentInPathFromRootFirstItemHasItems = true, BinaryValue = true,
  BinaryValueFromRootAttribute = true, TagValue = true, SequenceHasItems = true,
  SequenceHasOneItem = true, SequenceHasTwoItems = true, SequenceHasMultipleItems = true,
  GroupPresent = true,
}

local function lua_string(s) return ("%q"):format(s) end

local function sop_uid(name, where)
  local base = name:gsub("SOPClassUID$", "")
  local s = sop_classes[base]
  if not s then fail("%s: SOP Class constant %s is not in sopcl.tpl", where, name) end
  return s.uid
end

local function predicate(kv, where)
  local el = kv.Element
  local tag = tag_of(el, where)
  local sel = kv.ValueSelector
  local selector = (sel == nil or sel == "*") and "nil" or tostring(math.tointeger(tonumber(sel)))
  local kind
  for _, p in ipairs(kv) do if PREDICATES[p[1]] then kind = p[1] end end
  if not kind then fail("%s: no predicate", where) end
  local v = kv[kind]
  local T = ("0x%08X"):format(tag)
  if kind == "ElementPresent" then
    if v ~= "" then return ("h.present_masked(item, %s, %s)"):format(T, v) end
    return ("h.present(item, %s)"):format(T)
  elseif kind == "ElementPresentWithin" then
    local seq = ("0x%08X"):format(tag_of(v, where))
    if kv.StringValue then
      return ("h.string_within(item, %s, %s, %s)"):format(seq, T, lua_string(kv.StringValue))
    end
    return ("h.present_within(item, %s, %s)"):format(seq, T)
  elseif kind == "ValuePresent" then return ("h.value_present(item, %s, %s)"):format(T, selector)
  elseif kind == "StringValue" then return ("h.string(item, %s, %s, %s)"):format(T, selector, lua_string(v))
  elseif kind == "StringConstant" then
    return ("h.string(item, %s, %s, %s)"):format(T, selector, lua_string(sop_uid(v, where)))
  elseif kind == "StringValueFromRootAttribute" or kind == "StringValueFromRoot" then
    return ("h.string(h.root, %s, %s, %s)"):format(T, selector, lua_string(v))
  elseif kind == "StringConstantFromRootAttribute" then
    return ("h.string(h.root, %s, %s, %s)"):format(T, selector, lua_string(sop_uid(v, where)))
  elseif kind == "StringValueAbove" then
    return ("h.string(h.parent, %s, %s, %s)"):format(T, selector, lua_string(v))
  elseif kind == "ElementPresentAbove" then return ("h.present(h.parent, %s)"):format(T)
  elseif kind == "ElementPresentInRoot" then return ("h.present(h.root, %s)"):format(T)
  elseif kind == "ElementPresentInPathFromRoot" or kind == "ElementPresentInPathFromRootFirstItem" then
    return ("h.present_in_path(%s, %s, %s)"):format(("0x%08X"):format(tag_of(v, where)), T,
      kind:match("FirstItem") and "true" or "false")
  elseif kind:match("^SequencePresentInPathFromRoot") then
    return ("h.items_in_path(%s, %s, %s)"):format(("0x%08X"):format(tag_of(v, where)), T,
      kind:match("FirstItem") and "true" or "false")
  elseif kind == "BinaryValue" or kind == "BinaryValueFromRootAttribute" then
    local op, num = v:match("^%s*([=!<>]=?)%s*(%-?[%d.]+)%s*$")
    if not op then fail("%s: binary test %q", where, v) end
    local lop = ({ ["=="] = "==", ["!="] = "~=", ["<"] = "<", ["<="] = "<=", [">"] = ">", [">="] = ">=" })[op]
    return ("h.binary(%s, %s, %s, %s, %s)"):format(kind == "BinaryValue" and "item" or "h.root", T,
      selector, lua_string(lop), num)
  elseif kind == "TagValue" then
    local g, e = v:match("0x(%x+),0x(%x+)")
    return ("h.tag_value(item, %s, %s, 0x%s%s)"):format(T, selector, g, e)
  elseif kind == "SequenceHasItems" then return ("h.items(item, %s, 1, nil)"):format(T)
  elseif kind == "SequenceHasOneItem" then return ("h.items(item, %s, 1, 1)"):format(T)
  elseif kind == "SequenceHasTwoItems" then return ("h.items(item, %s, 2, 2)"):format(T)
  elseif kind == "SequenceHasMultipleItems" then return ("h.items(item, %s, 2, nil)"):format(T)
  elseif kind == "GroupPresent" then return ("h.group(item, 0x%04X)"):format(tag >> 16)
  end
  fail("%s: predicate %s not handled", where, kind)
end

local function combine(acc, op, modifier, expr)
  if modifier == "Not" then expr = "not " .. expr end
  op = op or "Or"
  if op == "Or" then return ("%s = %s or %s"):format(acc, acc, expr)
  elseif op == "And" then return ("%s = %s and %s"):format(acc, acc, expr)
  elseif op == "Xor" then return ("%s = (%s) ~= (%s)"):format(acc, acc, expr) end
  fail("operator %s", op)
end

local conditions, condition_names = {}, {}
do
  local path = d3 .. "/condn.tpl"
  local body, depth, name
  for n, line in ipairs(lines_of(path)) do
    local where = ("%s:%d"):format(path, n)
    local kv = pairs_of(line)
    if kv.Condition and not kv.Element then
      name, body, depth = kv.Condition, { "  local v0 = false" }, 0
    elseif line:match("^%s*ConditionEnd") then
      if depth ~= 0 then fail("%s: unbalanced parentheses", where) end
      body[#body + 1] = "  return v0"
      conditions[name] = table.concat(body, "\n")
      condition_names[#condition_names + 1] = name
      name = nil
    elseif name and line:match("^%s*%(") then
      depth = depth + 1
      body[#body + 1] = ("  local v%d = false"):format(depth)
    elseif name and line:match("^%s*%)") then
      if depth == 0 then fail("%s: unbalanced parentheses", where) end
      depth = depth - 1
      body[#body + 1] = "  " .. combine("v" .. depth, kv.Operator, kv.Modifier, "v" .. (depth + 1))
    elseif name and kv.Element then
      body[#body + 1] = "  " .. combine("v" .. depth, kv.Operator, kv.Modifier, predicate(kv, where))
    elseif name and line:match("%S") and not line:match("^%s*}%s*$") then
      -- (condn.tpl has one stray brace, in ImageTypeValue1OriginalOrMixedAndNotLegacy...;
      -- dciodvfy's own reader skips it too, and so does this one)
      fail("%s: line not understood: %s", where, line)
    end
  end
end
-- Never and Always are built into dciodvfy, not stated in condn.tpl
conditions.Never, conditions.Always = "  return false", "  return true"
condition_names[#condition_names + 1] = "Never"
condition_names[#condition_names + 1] = "Always"
-- every condition the modules, macros and IODs name must exist
local function need_condition(c, where)
  if c and not conditions[c] then fail("%s: condition %s is not defined", where, c) end
end
local function walk(list, where)
  for _, row in ipairs(list) do
    need_condition(row.c, where)
    if row.macro and not macros[row.macro] then fail("%s: macro %s is not defined", where, row.macro) end
    for _, f in ipairs { "enum", "terms" } do
      if row[f] and not strings[row[f]] then fail("%s: values %s are not defined", where, row[f]) end
    end
    if row.benum and not binaries[row.benum] then fail("%s: values %s are not defined", where, row.benum) end
    if row.tenum and not tagvals[row.tenum] then fail("%s: values %s are not defined", where, row.tenum) end
    if row.items then walk(row.items, where) end
  end
end
for n, m in pairs(modules) do walk(m.attrs, "module " .. n) end
for n, m in pairs(macros) do walk(m.attrs, "macro " .. n) end
for n, i in pairs(iods) do
  need_condition(i.condition, "IOD " .. n)
  for _, m in ipairs(i.modules) do need_condition(m[3], "IOD " .. n) end
end

-- ---- names and sections from innolitics (optional) ----
local function norm(s) return (s:lower():gsub("[^%w]", "")) end
local function read_json(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return require("dkjson").decode(text)
end
local function sections(path, into)
  local list = inn and read_json(path)
  for _, e in ipairs(list or {}) do
    local link = e.linkToStandard or ""
    local section = link:match("sect_([%w.]+)%.html")
    into[norm(e.name)] = { title = e.name, section = section, table = link:match("#table_([%w.%-]+)$") }
  end
end
local module_names, iod_names, macro_names = {}, {}, {}
if inn then
  sections(inn .. "/modules.json", module_names)
  sections(inn .. "/ciods.json", iod_names)
  sections(inn .. "/macros.json", macro_names)
end
local function name_of(n, into, strip)
  local key = norm(n)
  if strip then key = key:gsub(strip, "") end
  return into[key] or into[norm(n)]
end
for n, m in pairs(modules) do
  local info = name_of(n, module_names)
  if info then m.title, m.section = info.title, info.table and ("Table " .. info.table) or info.section end
end
for n, m in pairs(macros) do
  local info = name_of(n, macro_names) or name_of(n:gsub("Macro$", ""), macro_names)
  if info then m.title, m.section = info.title, info.section end
end
-- the SOP Class each IOD is for: the UID its instance condition tests
local sop_by_uid = {}
-- sopcl.tpl names some UIDs twice (a retired or trial name beside the current one, a longer
-- name beside PS3.4's): a name that is not retired wins, then the shorter, then the first in the
-- file, so that every run writes the same tables
local function lesser(name) return (name:match("Retired") or name:match("Trial") or name:match("Draft")) and 1 or 0 end
local function better(a, b)
  if lesser(a) ~= lesser(b) then return lesser(a) < lesser(b) end
  return #a < #b
end
for _, name in ipairs(sop_order) do
  local s = sop_classes[name]
  local had = sop_by_uid[s.uid]
  if not had or better(name, had[1]) then sop_by_uid[s.uid] = { name, s.title } end
end
for _, i in pairs(iods) do
  local uids = {}
  for uid in (conditions[i.condition] or ""):gmatch('h%.string%(h%.root, 0x00080016, nil, "([%d.]+)"%)') do
    uids[#uids + 1] = uid
  end
  i.sop_classes = uids
end
-- an IOD's PS3.3 name: by its own name, else by its SOP Class's ("X Image Storage" is "X Image")
for n, i in pairs(iods) do
  local info = name_of(n, iod_names)
  if not info and i.sop_classes[1] and sop_by_uid[i.sop_classes[1]] then
    local title = sop_by_uid[i.sop_classes[1]][2]:gsub(" Storage.*$", "")
    info = name_of(title, iod_names) or { title = title }
  end
  if info then i.title, i.section = info.title, info.section end
end

-- ---- writing ----
local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) == "number"
  end)
  return keys
end

local function serialize(v, indent)
  local t = type(v)
  if t == "string" then return lua_string(v)
  elseif t == "number" then
    if math.type(v) == "integer" and v > 0xFFFF then return ("0x%08X"):format(v) end
    return tostring(v)
  elseif t == "boolean" then return tostring(v)
  elseif t == "table" then
    local parts, n = {}, #v
    for i = 1, n do parts[#parts + 1] = serialize(v[i], indent .. " ") end
    for _, k in ipairs(sorted_keys(v)) do
      if not (math.type(k) == "integer" and k >= 1 and k <= n) then
        local key = type(k) == "string" and k:match("^[%a_][%w_]*$") and k or ("[" .. serialize(k, "") .. "]")
        parts[#parts + 1] = key .. "=" .. serialize(v[k], indent .. " ")
      end
    end
    local flat = "{" .. table.concat(parts, ",") .. "}"
    if #flat < 100 then return flat end
    return "{\n" .. indent .. " " .. table.concat(parts, ",\n" .. indent .. " ") .. "\n" .. indent .. "}"
  end
  error("cannot serialize " .. t)
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local header = ("-- Generated by tools/iodgen.lua from %s;\n-- names and PS3.3 sections from %s.\n"
  .. "-- Do not edit: change the generator or its source and run it again.\n"):format(SOURCE, SECTIONS)

-- The tables are written in pieces, each loaded by dicomkit.iod when first needed: a template
-- or a validation reads its IOD's modules and macros, the dictionary groups and enumerations it
-- meets and the conditions it evaluates, not the whole of PS3.3 (which costs ~60 ms to parse).
-- The bucket of a name is iod.bucket(name) in lua/dicomkit/iod.lua: the same function.
local BUCKETS = 16
local function bucket(name)
  local h = 0
  for i = 1, #name do h = (h * 31 + name:byte(i)) % 65521 end
  return h % BUCKETS
end

local function clear(dir)
  os.execute("mkdir -p '" .. dir .. "'")
  local list = io.popen("ls -1 '" .. dir .. "'")
  for name in list:lines() do
    if name:match("%.lua$") then os.remove(dir .. "/" .. name) end
  end
  list:close()
end
for _, sub in ipairs({ "iods", "modules", "macros", "dictionary", "strings", "binaries" }) do
  clear(outdir .. "/" .. sub)
end
os.remove(outdir .. "/tables.lua")
os.remove(outdir .. "/conditions.lua")

local function names_set(t)
  local set = {}
  for k in pairs(t) do set[k] = true end
  return set
end

-- Each module and macro file carries the predicates of the conditions its rows name (in their
-- items too), and a module's file those of its usage in every IOD that has it: a checker that
-- reads a row or decides on a module has loaded the file that can answer.
local usage_conditions = {}
for _, i in pairs(iods) do
  for _, m in ipairs(i.modules) do
    if m[3] then
      usage_conditions[m[1]] = usage_conditions[m[1]] or {}
      usage_conditions[m[1]][m[3]] = true
    end
  end
end
local function conditions_of(rows, into)
  for _, row in ipairs(rows) do
    if row.c then into[row.c] = true end
    if row.items then conditions_of(row.items, into) end
  end
  return into
end
local written_conditions = {}
for kind, set in pairs({ modules = modules, macros = macros }) do
  for name, def in pairs(set) do
    local needed = conditions_of(def.attrs or {}, {})
    if kind == "modules" then
      for c in pairs(usage_conditions[name] or {}) do needed[c] = true end
    end
    local parts = { header, "-- luacheck: ignore 212\nlocal C = {}\n" }
    for _, c in ipairs(sorted_keys(needed)) do
      if conditions[c] then
        parts[#parts + 1] = ("C[%q] = function(h, item)\n%s\nend\n"):format(c, conditions[c])
        written_conditions[c] = true
      end
    end
    parts[#parts + 1] = "local T = " .. serialize(def, "") .. "\nT.conditions = C\nreturn T\n"
    write(("%s/%s/%s.lua"):format(outdir, kind, name), table.concat(parts))
  end
end
local groups = {}
for tag, entry in pairs(dict) do
  local g = ("g%04X"):format(tag >> 16)
  groups[g] = groups[g] or {}
  groups[g][tag] = entry
end
for g, entries in pairs(groups) do
  write(("%s/dictionary/%s.lua"):format(outdir, g), header .. "return " .. serialize(entries, "") .. "\n")
end
-- the index names each IOD with its title, section and SOP Classes; its modules are in its file
local iod_index = {}
for name, def in pairs(iods) do
  iod_index[name] = { title = def.title, section = def.section, sop_classes = def.sop_classes }
  write(("%s/iods/%s.lua"):format(outdir, name), header .. "return " .. serialize(def, "") .. "\n")
end
local index = {
  source = SOURCE, sections = SECTIONS, iods = iod_index, sop_classes = sop_by_uid, tags = tagvals,
  modules = names_set(modules), macros = names_set(macros), dictionary_groups = names_set(groups),
  buckets = BUCKETS,
}
write(outdir .. "/index.lua", header .. "return " .. serialize(index, "") .. "\n")
for kind, lists in pairs({ strings = strings, binaries = binaries }) do
  local buckets = {}
  for name, list in pairs(lists) do
    local b = bucket(name)
    buckets[b] = buckets[b] or {}
    buckets[b][name] = list
  end
  for b = 0, BUCKETS - 1 do
    write(("%s/%s/b%02d.lua"):format(outdir, kind, b), header .. "return " .. serialize(buckets[b] or {}, "") .. "\n")
  end
end
-- the rest (an IOD's instance condition, conditions no row names) are not evaluated by the
-- checker; iodgen says how many there are
local unused = 0
for _, name in ipairs(condition_names) do if not written_conditions[name] then unused = unused + 1 end end

local count = 0
for _ in pairs(iods) do count = count + 1 end
print(("iodgen: %d IODs, %d modules, %d macros, %d conditions (%d named by no row or module), "
  .. "%d dictionary entries -> %s"):format(count, #sorted_keys(modules), #sorted_keys(macros), #condition_names,
  unused, #sorted_keys(dict), outdir))
