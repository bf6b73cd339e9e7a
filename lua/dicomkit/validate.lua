--- Check a DICOM object against PS3.3's tables (dicomkit.iod), the data dictionary, PS3.5's
-- value rules and the Image Pixel rules; and, for a file, with dciodvfy too where installed.
--
-- A finding is { severity = "error"|"warning", path =, keyword =, module =, rule =, message =,
-- source = "dicomkit"|"dciodvfy" }. `path` reaches into sequences
-- ("AcquisitionContextSequence[1].ConceptNameCodeSequence[1].CodeMeaning"); `rule` is a short
-- stable name a script can switch on (see RULES). Nothing is "ok" that was not checked: an
-- object whose SOP Class has no tables is an error.
--
-- The checks follow what dciodvfy does with the same tables (PS3.3's Types, conditions,
-- enumerated values and defined terms, sequence item counts), so that on the objects both
-- check, every error dciodvfy reports is one of ours; README "Validation" lists where the two
-- differ and why.
local core = require "dicomkit.core"
local util = require "dicomkit.util"
local iod = require "dicomkit.iod"

local validate = {}

--- The rules, by name: what each finding's `rule` means.
validate.RULES = {
  ["no-iod"] = "the SOP Class has no IOD tables, or the object names no SOP Class",
  ["type1-missing"] = "a Type 1 attribute is absent",
  ["type1-empty"] = "a Type 1 attribute is present without a value",
  ["type2-missing"] = "a Type 2 attribute is absent (write it empty when unknown)",
  ["condition-missing"] = "a Type 1C or 2C attribute is absent although its condition holds",
  ["condition-empty"] = "a Type 1C attribute is empty although its condition holds",
  ["condition-present"] = "a Type 1C or 2C attribute is present although its condition does not hold",
  ["items"] = "a sequence has more or fewer items than its VM allows",
  ["enumerated"] = "a value is not one of the attribute's enumerated values",
  ["defined-term"] = "a value is not one of the attribute's defined terms (a warning)",
  ["not-zero"] = "a value that must not be zero is zero",
  ["rule"] = "a rule PS3.3 states for the attribute (the message says which)",
  ["vr"] = "the element's VR is not the dictionary's",
  ["vm"] = "the number of values is not what the dictionary or the module allows",
  ["value"] = "a value breaks its VR's rules (PS3.5 6.2): a date that is not a date, a bad UID, ...",
  ["pixels"] = "the Image Pixel attributes disagree with each other or with the pixel data",
  ["meta"] = "the file meta information does not match the data set",
  ["not-in-iod"] = "an attribute is in none of the IOD's modules (a warning: a Standard Extended SOP Class)",
  ["read"] = "what reading the file had to repair",
}

-- ---- a snapshot of the dataset: plain tables, read once ----
-- node = { els = { [tag] = el }, list = { el... } }
-- el = { tag=, vr=, vm=, kind=, length=, values = {...} (text and numbers), items = {node...} }

local BULK = { bytes = true, encapsulated = true }

local function snapshot(ds, depth, no_pixels)
  local node = { els = {}, list = {} }
  for key in ds:keys() do
    local info = ds:info(key)
    local el = { tag = info.tag, vr = info.vr, vm = info.vm, kind = info.kind, length = info.length,
                 keyword = info.keyword }
    if info.kind == "sequence" then
      el.items = {}
      for i, item in ipairs(ds[info.tag]) do el.items[i] = snapshot(item, depth + 1, no_pixels) end
      el.vm = #el.items
    elseif not BULK[info.kind] then
      local v = ds[info.tag]
      if type(v) == "table" then el.values = v
      elseif v == "" then el.values = {}
      else el.values = { v } end
    elseif info.kind == "encapsulated" and info.tag == 0x7FE00010 and not no_pixels then
      el.pixels = ds[info.tag]
    end
    node.els[el.tag] = el
    node.list[#node.list + 1] = el
    -- repeating groups (overlays 60xx, curves 50xx) are defined once, at group 6000/5000
    local group = el.tag >> 16
    if group > 0x5000 and group <= 0x60FF and group % 2 == 0 and (group & 0xFF) ~= 0 then
      local base = (group & 0xFF00) << 16 | (el.tag & 0xFFFF)
      node.els[base] = node.els[base] or el
    end
  end
  return node
end

-- ---- the predicates the generated conditions call ----

local function empty(el)
  if el.items then return #el.items == 0 end
  if el.kind == "encapsulated" then return el.pixels ~= nil and #el.pixels == 0 end
  if el.values then return #el.values == 0 end
  return (el.length or 0) == 0
end

local function trimmed(v)
  if type(v) == "string" then return (v:gsub("^ +", ""):gsub(" +$", "")) end
  return v
end

local H = {}
H.__index = H

function H.present(item, tag) return item ~= nil and item.els[tag] ~= nil end

function H.present_masked(item, tag, mask)
  if not item then return false end
  local want_group, want_element = (tag >> 16) & mask, tag & 0xFFFF
  for _, el in ipairs(item.list) do
    if ((el.tag >> 16) & mask) == want_group and (el.tag & 0xFFFF) == want_element then return true end
  end
  return false
end

function H.value_present(item, tag, sel)
  local el = item and item.els[tag]
  if not el then return false end
  return (el.vm or 0) > (sel or 0)
end

function H.string(item, tag, sel, want)
  local el = item and item.els[tag]
  if not el or not el.values then return false end
  if sel then return trimmed(el.values[sel + 1]) == want end
  for _, v in ipairs(el.values) do if trimmed(v) == want then return true end end
  return false
end

function H.binary(item, tag, sel, op, n)
  local el = item and item.els[tag]
  if not el or not el.values then return false end
  local function test(v)
    v = tonumber(v)
    if not v then return false end
    if op == "==" then return v == n elseif op == "~=" then return v ~= n
    elseif op == "<" then return v < n elseif op == "<=" then return v <= n
    elseif op == ">" then return v > n else return v >= n end
  end
  if sel then return test(el.values[sel + 1]) end
  for _, v in ipairs(el.values) do if test(v) then return true end end
  return false
end

function H.tag_value(item, tag, sel, want)
  local el = item and item.els[tag]
  if not el or not el.values then return false end
  local function same(v)
    if type(v) == "string" then
      local g, e = v:match("^%(?(%x%x%x%x),(%x%x%x%x)%)?$")
      v = g and tonumber(g .. e, 16) or tonumber(v)
    end
    return v == want
  end
  if sel then return same(el.values[sel + 1]) end
  for _, v in ipairs(el.values) do if same(v) then return true end end
  return false
end

function H.items(item, tag, min, max)
  local el = item and item.els[tag]
  if not el or not el.items then return false end
  local n = #el.items
  return n >= min and (max == nil or n <= max)
end

function H.present_within(item, seq, tag)
  local el = item and item.els[seq]
  if not el or not el.items then return false end
  for _, it in ipairs(el.items) do if it.els[tag] then return true end end
  return false
end

function H.string_within(item, seq, tag, want)
  local el = item and item.els[seq]
  if not el or not el.items then return false end
  for _, it in ipairs(el.items) do
    if it.els[tag] then return H.string(it, tag, nil, want) end
  end
  return false
end

local function search(node, tag, need_items)
  local el = node.els[tag]
  if el and (not need_items or (el.items and #el.items > 0)) then return true end
  for _, e in ipairs(node.list) do
    if e.items then
      for _, it in ipairs(e.items) do
        if search(it, tag, need_items) then return true end
      end
    end
  end
  return false
end

function H:present_in_path(seq, tag, first_only)
  local el = self.root.els[seq]
  if not el or not el.items then return false end
  for i, it in ipairs(el.items) do
    if i > 1 and first_only then break end
    if search(it, tag, false) then return true end
  end
  return false
end

function H:items_in_path(seq, tag, first_only)
  local el = self.root.els[seq]
  if not el or not el.items then return false end
  for i, it in ipairs(el.items) do
    if i > 1 and first_only then break end
    if search(it, tag, true) then return true end
  end
  return false
end

function H.group(item, group)
  if not item then return false end
  for _, el in ipairs(item.list) do
    if el.tag >> 16 == group then return true end
  end
  return false
end

-- The generated conditions call h.present_in_path(...) with a dot; give them a bound table.
local function helper(root, parent)
  local h = setmetatable({ root = root, parent = parent }, H)
  h.present_in_path = function(...) return H.present_in_path(h, ...) end
  h.items_in_path = function(...) return H.items_in_path(h, ...) end
  return h
end

-- ---- the checker ----

local Checker = {}
Checker.__index = Checker

function Checker:add(severity, rule, path, keyword, module, message, type_)
  self.out[#self.out + 1] = { severity = severity, rule = rule, path = path, keyword = keyword,
                              module = module, message = message, source = "dicomkit", type = type_ }
end

function Checker:condition(name, item, parent)
  local f = self.conditions[name]
  if not f then error(("dicomkit.iod: no predicate for condition %s (the tables are incomplete)"):format(name), 0) end
  local key = parent or self.root
  local h = self.helpers[key]
  if not h then
    h = helper(self.root, parent)
    self.helpers[key] = h
  end
  return f(h, item) and true or false
end

local function parse_vm(vm)
  if not vm then return nil end
  local a, b = vm:match("^(%d+)%-(%d+)$")
  if a then return tonumber(a), tonumber(b), 1 end
  a = vm:match("^(%d+)%-n$")
  if a then return tonumber(a), math.huge, 1 end
  local step
  a, step = vm:match("^(%d+)%-(%d+)n$")
  if a then return tonumber(a), math.huge, tonumber(step) end
  a = vm:match("^(%d+)$")
  if a then return tonumber(a), tonumber(a), 1 end
  return nil
end

local function vm_ok(n, vm)
  local lo, hi, step = parse_vm(vm)
  if not lo then return true end
  return n >= lo and n <= hi and (step == 1 or n % step == 0)
end

local function list_text(values, limit)
  local shown = {}
  for i = 1, math.min(#values, limit or 12) do shown[i] = tostring(values[i]) end
  local text = table.concat(shown, ", ")
  if #values > (limit or 12) then text = text .. ", ..." end
  return text
end

local function selected(el, sel)
  if not el.values then return {} end
  if sel then
    local v = el.values[sel + 1]
    return v ~= nil and { [sel + 1] = v } or {}
  end
  local all = {}
  for i, v in ipairs(el.values) do all[i] = v end
  return all
end

function Checker:enumerations(row, el, path, module)
  if not el or empty(el) then return end
  local t = self.tables
  local function check(listname, kind, severity, rule)
    local list = t[kind][listname]
    if not list then return end
    local set = list.set
    if not set then
      set = {}
      for _, v in ipairs(list) do set[v] = true end
      list.set = set
    end
    for i, v in pairs(selected(el, row.sel)) do
      local key = kind == "strings" and trimmed(v) or v
      if kind ~= "strings" then key = math.tointeger(tonumber(key)) or key end
      if not set[key] and not (list.empty and key == "") then
        self:add(severity, rule, path, row.k, module,
          ("value %d '%s' is not %s: %s"):format(i, tostring(v),
            rule == "enumerated" and "an enumerated value" or "a defined term", list_text(list)))
      end
    end
  end
  if row.enum then check(row.enum, "strings", "error", "enumerated") end
  if row.terms then check(row.terms, "strings", "warning", "defined-term") end
  if row.benum then check(row.benum, "binaries", "error", "enumerated") end
  if row.tenum then check(row.tenum, "tags", "error", "enumerated") end
  if row.nz or row.nzw then
    for i, v in pairs(selected(el, row.sel)) do
      if tonumber(v) == 0 then
        self:add(row.nz and "error" or "warning", "not-zero", path, row.k, module,
          ("value %d must not be zero"):format(i))
      end
    end
  end
end

function Checker:rows(list, item, parent, prefix, module, used)
  for _, row in ipairs(list) do
    if row.macro then
      if not row.c or self:condition(row.c, item, parent) then
        self:rows(iod.macro(row.macro).attrs, item, parent, prefix, module, used)
      end
    else
      local el = item.els[row.tag]
      local path = prefix .. row.k
      if row.verify then
        local holds = true
        if row.c then holds = self:condition(row.c, item, parent) end
        if holds then
          if row.then_error then
            self:add("error", "rule", path, row.k, module, row.then_error
              .. (row.show and el and el.values and (" (value '" .. tostring(el.values[1]) .. "')") or ""))
          end
          if row.then_warning then
            self:add("warning", "rule", path, row.k, module, row.then_warning)
          end
          self:enumerations(row, el, path, module)
        elseif row.else_warning then
          self:add("warning", "rule", path, row.k, module, row.else_warning)
        end
      else
        if el and not row.notused then used[el] = true end
        self:attribute(row, el, item, parent, path, module)
      end
    end
  end
end

function Checker:attribute(row, el, item, parent, path, module)
  local type_ = row.type or "3"
  local base = type_:sub(1, 1)
  local conditional = type_:sub(2, 2) == "C"
  local required = not conditional
  local gated = true -- whether the value checks apply
  if conditional and base ~= "3" then
    if row.nocond then
      required, gated = false, true
    else
      required = self:condition(row.c, item, parent)
      gated = required
      if not required and el and not row.mbpo then
        self:add("error", "condition-present", path, row.k, module,
          ("Type %s attribute is present but its condition (%s) does not hold"):format(type_, row.c), type_)
      end
    end
  elseif row.c and base == "3" then
    gated = self:condition(row.c, item, parent)
  end
  if not el then
    if required and base == "1" then
      self:add("error", conditional and "condition-missing" or "type1-missing", path, row.k, module,
        conditional and ("Type 1C attribute is missing: its condition (%s) holds"):format(row.c)
          or "Type 1 attribute is missing", type_)
    elseif required and base == "2" then
      self:add("error", conditional and "condition-missing" or "type2-missing", path, row.k, module,
        conditional and ("Type 2C attribute is missing: its condition (%s) holds; write it empty when unknown")
          :format(row.c)
          or "Type 2 attribute is missing (write it empty when the value is unknown)", type_)
    end
    return
  end
  if base == "1" and (required or row.nocond) and empty(el) then
    self:add("error", conditional and "condition-empty" or "type1-empty", path, row.k, module,
      ("Type %s attribute is empty; it needs a value"):format(type_), type_)
  end
  if row.items then
    if el.items then
      local n = #el.items
      if row.vm and not (n == 0 and base == "2") and not vm_ok(n, row.vm)
        and not (n == 0 and base == "1") then
        self:add("error", "items", path, row.k, module,
          ("sequence has %d item%s; its VM is %s"):format(n, n == 1 and "" or "s", row.vm))
      end
      for i, it in ipairs(el.items) do
        local used = {}
        self:rows(row.items, it, item, ("%s[%d]."):format(path, i), module, used)
        self:unused(it, used, ("%s[%d]."):format(path, i))
      end
    end
  elseif row.vm and el.vm and el.vm > 0 and not vm_ok(el.vm, row.vm) then
    self:add("error", "vm", path, row.k, module,
      ("has %d value%s; the module allows VM %s"):format(el.vm, el.vm == 1 and "" or "s", row.vm))
  end
  if gated then self:enumerations(row, el, path, module) end
end

local function keyword_of(el)
  local e = iod.dictionary(el.tag)
  return e and e[1] or el.keyword or ("(%04X,%04X)"):format(el.tag >> 16, el.tag & 0xFFFF)
end

function Checker:unused(node, used, prefix)
  for _, el in ipairs(node.list) do
    local group = el.tag >> 16
    if not used[el] and group % 2 == 0 and (el.tag & 0xFFFF) ~= 0 and not (prefix == "" and group == 2) then
      local kw = keyword_of(el)
      self:add("warning", "not-in-iod", prefix .. kw, kw, nil,
        "is in none of the IOD's modules (the object is a Standard Extended SOP Class)")
    end
  end
end

local STRING_VR = {
  AE = true, AS = true, CS = true, DA = true, DS = true, DT = true, IS = true, LO = true,
  LT = true, PN = true, SH = true, ST = true, TM = true, UC = true, UI = true, UR = true, UT = true,
}

-- The dictionary's VR and VM, and the value rules of PS3.5 6.2, for every element.
function Checker:elements(node, prefix)
  for _, el in ipairs(node.list) do
    local entry = iod.dictionary(el.tag)
    local kw = keyword_of(el)
    local path = prefix .. kw
    if entry and (el.tag >> 16) % 2 == 0 and el.vr ~= "UN" then
      local vrs = entry[2]
      local ok = false
      for vr in vrs:gmatch("%u%u") do if vr == el.vr then ok = true end end
      if not ok and not (el.tag == 0x7FE00010 and (el.vr == "OB" or el.vr == "OW")) then
        self:add("error", "vr", path, kw, nil, ("VR is %s; the dictionary says %s"):format(el.vr, vrs))
      end
      if el.values and el.vm > 0 and not vm_ok(el.vm, entry[3]) then
        self:add("error", "vm", path, kw, nil,
          ("has %d value%s; the dictionary says VM %s"):format(el.vm, el.vm == 1 and "" or "s", entry[3]))
      end
    end
    if STRING_VR[el.vr] and el.values and #el.values > 0 then
      local text = {}
      for i, v in ipairs(el.values) do text[i] = tostring(v) end
      local good, message = core._check_string(el.vr, table.concat(text, "\\"), kw)
      if not good then
        self:add("error", "value", path, kw, nil, message)
      elseif el.vr == "UI" then
        -- PS3.5 9.1: a UID's first component is a root arc, 0, 1 or 2; one of only zeros names nothing
        for i, uid in ipairs(text) do
          uid = trimmed(uid):gsub("%z+$", "")
          if uid ~= "" and not uid:match("^[012]%.") and not uid:match("^[012]$") then
            self:add("error", "value", path, kw, nil,
              ("value %d '%s' is not a UID: the first component must be 0, 1 or 2 (PS3.5 9.1)"):format(i, uid))
          elseif uid ~= "" and not uid:match("[1-9]") then
            self:add("error", "value", path, kw, nil,
              ("value %d '%s' is not a UID: it has only zero components"):format(i, uid))
          end
        end
      end
    end
    if el.items then
      for i, it in ipairs(el.items) do self:elements(it, ("%s[%d]."):format(path, i)) end
    end
  end
end

-- ---- Image Pixel (PS3.3 C.7.6.3) and the transfer syntax ----

local PHOTOMETRIC_SAMPLES = {
  MONOCHROME1 = 1, MONOCHROME2 = 1, ["PALETTE COLOR"] = 1, RGB = 3, YBR_FULL = 3,
  YBR_FULL_422 = 3, YBR_ICT = 3, YBR_RCT = 3, YBR_PARTIAL_420 = 3, HSV = 3, ARGB = 4, CMYK = 4,
}

-- Photometric interpretations that only describe compressed pixels (C.7.6.3.1.2)
local COMPRESSED_ONLY = { YBR_PARTIAL_420 = true, YBR_ICT = true, YBR_RCT = true }

local NATIVE = {
  ["1.2.840.10008.1.2"] = true, ["1.2.840.10008.1.2.1"] = true, ["1.2.840.10008.1.2.2"] = true,
  ["1.2.840.10008.1.2.1.99"] = true,
}

local function number(node, tag)
  local el = node.els[tag]
  local v = el and el.values and el.values[1]
  return math.tointeger(tonumber(v))
end

function Checker:pixels(root, transfer_syntax)
  local el = root.els[0x7FE00010]
  if not el then return end
  local M = "ImagePixel"
  local rows, columns = number(root, 0x00280010), number(root, 0x00280011)
  local samples, allocated = number(root, 0x00280002), number(root, 0x00280100)
  local stored, high = number(root, 0x00280101), number(root, 0x00280102)
  local pe = root.els[0x00280004]
  local photometric = pe and pe.values and trimmed(pe.values[1])
  local frames = number(root, 0x00280008) or 1
  local function bad(keyword, message) self:add("error", "pixels", keyword, keyword, M, message) end
  if not (rows and columns and samples and allocated) then
    bad("PixelData", "PixelData is present but Rows, Columns, SamplesPerPixel or BitsAllocated is missing")
    return
  end
  if stored and stored > allocated then
    bad("BitsStored", ("BitsStored %d is more than BitsAllocated %d"):format(stored, allocated))
  end
  if stored and high and high ~= stored - 1 then
    bad("HighBit", ("HighBit %d is not BitsStored - 1 (%d)"):format(high, stored - 1))
  end
  local want = PHOTOMETRIC_SAMPLES[photometric]
  if want and want ~= samples then
    bad("SamplesPerPixel", ("PhotometricInterpretation %s needs SamplesPerPixel %d, not %d"):format(
      photometric, want, samples))
  end
  if samples > 1 and not root.els[0x00280006] then
    bad("PlanarConfiguration", "PlanarConfiguration is missing (SamplesPerPixel is more than 1)")
  end
  if el.kind == "encapsulated" then
    if transfer_syntax and NATIVE[transfer_syntax] then
      bad("PixelData", ("PixelData is encapsulated but the transfer syntax %s is native"):format(transfer_syntax))
    end
    local first = el.pixels and el.pixels[1]
    local header = first and #first > 0 and core.jpeg{ bytes = first }
    if header and header.width then
      if header.width ~= columns or header.height ~= rows then
        bad("Rows", ("Rows and Columns say %dx%d but the JPEG frame is %dx%d"):format(
          columns, rows, header.width, header.height))
      end
      if header.components ~= samples then
        bad("SamplesPerPixel", ("SamplesPerPixel is %d but the JPEG frame has %d components"):format(
          samples, header.components))
      end
    end
    if el.pixels and #el.pixels < frames then
      bad("NumberOfFrames", ("NumberOfFrames is %d but PixelData holds %d fragment%s"):format(
        frames, #el.pixels, #el.pixels == 1 and "" or "s"))
    end
    return
  end
  if transfer_syntax and not NATIVE[transfer_syntax] then
    bad("PixelData", ("PixelData is native but the transfer syntax %s is a compressed one"):format(transfer_syntax))
  end
  if COMPRESSED_ONLY[photometric] then
    bad("PhotometricInterpretation", ("PhotometricInterpretation %s describes compressed pixels only, "
      .. "but PixelData is native"):format(photometric))
  end
  local need = rows * columns * samples * frames * allocated
  need = (need + 7) // 8
  local have = el.length
  if have ~= need and have ~= need + (need % 2) then
    bad("PixelData", ("PixelData holds %d bytes; Rows %d x Columns %d x SamplesPerPixel %d x "
      .. "BitsAllocated %d x %d frame%s need %d"):format(have, rows, columns, samples, allocated,
      frames, frames == 1 and "" or "s", need))
  end
end

-- ---- file meta (PS3.10 7.1) against the data set ----

function Checker:meta(root, meta, transfer_syntax)
  if not meta or #meta.list == 0 then return end
  local function text(node, tag)
    local el = node.els[tag]
    return el and el.values and trimmed(el.values[1])
  end
  local pairs_ = {
    { 0x00020002, "MediaStorageSOPClassUID", 0x00080016, "SOPClassUID" },
    { 0x00020003, "MediaStorageSOPInstanceUID", 0x00080018, "SOPInstanceUID" },
  }
  for _, p in ipairs(pairs_) do
    local a, b = text(meta, p[1]), text(root, p[3])
    if a and b and a ~= b then
      self:add("error", "meta", p[2], p[2], "FileMetaInformation",
        ("%s is %s but the data set's %s is %s"):format(p[2], a, p[4], b))
    elseif a and not b then
      self:add("error", "meta", p[2], p[2], "FileMetaInformation",
        ("%s is %s but the data set has no %s"):format(p[2], a, p[4]))
    end
  end
  local ts = text(meta, 0x00020010)
  if not ts then
    self:add("error", "meta", "TransferSyntaxUID", "TransferSyntaxUID", "FileMetaInformation",
      "the file meta information has no TransferSyntaxUID (PS3.10 7.1: Type 1)")
  end
  if ts and transfer_syntax and ts ~= transfer_syntax then
    self:add("error", "meta", "TransferSyntaxUID", "TransferSyntaxUID", "FileMetaInformation",
      ("TransferSyntaxUID is %s but the data set is encoded as %s"):format(ts, transfer_syntax))
  end
end

--- Findings for a dataset. `iod_name` (an IOD name, its PS3.3 title or a SOP Class UID) is
-- taken from SOPClassUID when not given. opts.meta: a dataset of the file meta information
-- (ds:file_meta() of a read file is used when not given); opts.transfer_syntax; opts.pixels =
-- false skips reading the pixel data and the pixel checks (the templates' own pass).
function validate.dataset(ds, iod_name, opts)
  if type(iod_name) == "table" and opts == nil then iod_name, opts = nil, iod_name end
  opts = opts or {}
  local root = snapshot(ds, 0, opts.pixels == false)
  local meta_ds = opts.meta
  if meta_ds == nil and ds.file_meta and ds:is_root() then meta_ds = ds:file_meta() end
  local meta = meta_ds and snapshot(meta_ds, 0)
  if meta_ds and meta_ds ~= opts.meta then meta_ds:close() end
  -- the meta group takes part in the checks as dciodvfy sees it: elements of the root
  if meta then
    for _, el in ipairs(meta.list) do
      root.els[el.tag] = el
      table.insert(root.list, 1, el)
    end
  end
  local transfer_syntax = opts.transfer_syntax
  if transfer_syntax == nil and meta and meta.els[0x00020010] then
    transfer_syntax = ds:transfer_syntax()
  end
  if transfer_syntax == nil and ds:info("PixelData") then
    transfer_syntax = ds:transfer_syntax()
  end
  local c = setmetatable({ out = {}, root = root, tables = iod.tables(), conditions = iod.conditions(),
                         helpers = {} }, Checker)
  local name
  if iod_name then
    name = iod.resolve(iod_name)
    if not name then
      error(("validate: no IOD named %s (dk.iods() lists them)"):format(tostring(iod_name)), 2)
    end
  else
    local sop = root.els[0x00080016]
    local uid = sop and sop.values and trimmed(sop.values[1])
    if not uid or uid == "" then
      c:add("error", "no-iod", "SOPClassUID", "SOPClassUID", nil, "SOPClassUID is missing: the object names no IOD")
    else
      name = iod.resolve(uid)
      if not name then
        local known = iod.sop_class(uid)
        c:add("error", "no-iod", "SOPClassUID", "SOPClassUID", nil,
          ("no IOD tables for SOP Class %s%s: nothing about its modules was checked"):format(uid,
            known and (" (" .. known[2] .. ")") or ""))
      end
    end
  end
  if name then
    local used = {}
    for _, m in ipairs(iod.get(name).modules) do
      local module = iod.module(m[1]) -- loaded first: its file holds the usage condition
      if not m[3] or c:condition(m[3], root, nil) then
        c:rows(module.attrs, root, nil, "", m[1], used)
      end
    end
    c:unused(root, used, "")
  end
  c:elements(root, "")
  -- the instance-level UIDs name different things (a study is not its frame of reference)
  local uid_tags = { { 0x0020000D, "StudyInstanceUID" }, { 0x0020000E, "SeriesInstanceUID" },
                     { 0x00080018, "SOPInstanceUID" }, { 0x00200052, "FrameOfReferenceUID" } }
  for i = 1, #uid_tags do
    for j = i + 1, #uid_tags do
      local a, b = root.els[uid_tags[i][1]], root.els[uid_tags[j][1]]
      local va, vb = a and a.values and a.values[1], b and b.values and b.values[1]
      if va and va ~= "" and va == vb then
        c:add("error", "value", uid_tags[i][2], uid_tags[i][2], nil,
          ("has the same value as %s (%s): each names a different thing"):format(uid_tags[j][2], va))
      end
    end
  end
  local per_frame = root.els[0x52009230]
  if per_frame and per_frame.items then
    local frames = number(root, 0x00280008) or 1
    if frames ~= #per_frame.items then
      c:add("error", "items", "PerFrameFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence", nil,
        ("has %d items but NumberOfFrames is %d: one item per frame (PS3.3 C.7.6.16)"):format(#per_frame.items, frames))
    end
  end
  if opts.pixels ~= false then c:pixels(root, transfer_syntax) end
  c:meta(root, meta, transfer_syntax)
  return c.out, name
end

local function find_dciodvfy()
  for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    if core._file_type(dir .. "/dciodvfy") == "file" then return dir .. "/dciodvfy" end
  end
  return nil
end

-- The attribute a dciodvfy line is about, as a keyword: Element=<Keyword>; a tag (0xGGGG,0xEEEE);
-- "attribute <Name Of It>" by the dictionary's keyword for that name; else the first word that
-- is a keyword. nil for a line about the object as a whole.
local lower_keywords
function validate.dciodvfy_keyword(line)
  local kw = line:match("Element=<([%w]+)>")
  if kw then return kw end
  local g, e = line:match("%(0x(%x%x%x%x),0x(%x%x%x%x)%)")
  if g then
    local entry = iod.dictionary(tonumber(g .. e, 16))
    if entry then return entry[1] end
  end
  if not lower_keywords then
    lower_keywords = {}
    for _, entry in pairs(iod.all_dictionary()) do lower_keywords[entry[1]:lower()] = entry[1] end
  end
  local name = line:match("[Aa]ttribute <([^>]+)>")
  if name then
    -- PS3.6 names to keywords: "Patient's Sex" is PatientSex
    local found = lower_keywords[(name:gsub("'s%f[%W]", ""):gsub("[^%w]", "")):lower()]
    if found then return found end
  end
  for word in line:gmatch("%u[%w]+") do
    if lower_keywords[word:lower()] == word then return word end
  end
  return nil
end

--- dciodvfy's verdict on a file: findings from every line it prints ("Error" and "Abort" lines
-- are errors, "Warning" lines warnings), and an error when it exits non-zero without saying why.
-- Returns findings, or nil when dciodvfy is not installed.
function validate.dciodvfy(path)
  local program = find_dciodvfy()
  if not program then return nil end
  local p = io.popen(util.shell_quote(program) .. " " .. util.shell_quote(path) .. " 2>&1")
  local out, errors = {}, 0
  local function add(severity, line)
    local kw = validate.dciodvfy_keyword(line)
    out[#out + 1] = { severity = severity, message = line, source = "dciodvfy", keyword = kw,
                      path = kw or "", rule = "dciodvfy" }
  end
  for line in p:lines() do
    if line:match("^Error") or line:match("^Abort") then
      errors = errors + 1
      add("error", line)
    elseif line:match("^Warning") then
      add("warning", line)
    end
  end
  local _, _, status = p:close()
  if status ~= 0 and errors == 0 then
    add("error", ("dciodvfy exited with status %s"):format(tostring(status)))
  end
  return out
end

--- Findings for the file at `path`, and how it was checked ({ iod =, dciodvfy = "ran" |
-- "not found" | "not asked" }); nil, message, code when the file cannot be read.
-- opts.dciodvfy: run dciodvfy too; opts.limits: dk.read's limits; opts.iod.
function validate.file(path, opts)
  opts = opts or {}
  local ds, notes, code = core.read(path, opts.limits)
  if not ds then return nil, notes, code end
  local out, name = validate.dataset(ds, opts.iod)
  ds:close()
  for line in (notes or ""):gmatch("[^\n]+") do
    out[#out + 1] = { severity = "warning", rule = "read", path = "", message = line, source = "dicomkit" }
  end
  local how = { dciodvfy = "not asked", iod = name }
  if opts.dciodvfy then
    local found = validate.dciodvfy(path)
    how.dciodvfy = found and "ran" or "not found"
    for _, f in ipairs(found or {}) do out[#out + 1] = f end
  end
  return out, how
end

--- The errors among findings (nil when there are none).
function validate.errors(findings)
  local out = {}
  for _, f in ipairs(findings) do if f.severity == "error" then out[#out + 1] = f end end
  return #out > 0 and out or nil
end

--- Datasets made by a template whose `validate` field is true: saved and sent only when they
-- validate, unless the call says validate = false (weak keys: no dataset is kept alive).
validate.by_default = setmetatable({}, { __mode = "k" })

--- The check ds:save and dk.send run first when asked (opts.validate, or the template's
-- default): nil when the object may go, else a message naming the first errors, "EINVALID"
-- and the findings.
function validate.gate(ds, opts)
  local want = opts and opts.validate
  if want == nil then want = validate.by_default[ds] end
  if not want then return nil end
  local findings = validate.dataset(ds, opts and opts.iod, { transfer_syntax = ds:transfer_syntax() })
  local errors = validate.errors(findings)
  if not errors then return nil end
  local lines = {}
  for i = 1, math.min(#errors, 3) do lines[i] = validate.format(errors[i]) end
  return ("the object does not validate (%d error%s): %s%s"):format(#errors, #errors == 1 and "" or "s",
    table.concat(lines, "; "), #errors > 3 and "; ..." or ""), "EINVALID", findings
end

--- One line per finding, as `dicomkit validate` prints them: "path: severity: message".
function validate.format(f)
  local where = f.path ~= nil and f.path ~= "" and f.path or "(object)"
  local source = f.source == "dciodvfy" and "dciodvfy: " or ""
  local module = f.module and f.source ~= "dciodvfy" and (" [" .. f.module .. "]") or ""
  return ("%s: %s: %s%s%s"):format(where, f.severity, source, f.message, module)
end

return validate
