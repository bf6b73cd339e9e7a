--- `dicomkit template new IOD OUT.lua`: a starting template for any IOD, from its tables.
--
-- The template fills every Type 1 and Type 2 attribute of the IOD's mandatory modules, module
-- by module with each module's PS3.3 table as a comment: Type 2 empty (unknown), Type 1 with
-- what dicomkit can supply (new UIDs, the time stamps, the SOP Class, the one value an
-- enumeration allows, the pixel attributes from the image) and the rest marked TODO, which
-- raises, naming the attribute, until it is filled in the file or given as a parameter.
-- Conditional attributes are listed as comments with their condition; common.complete (the
-- last step, as in every bundled template) writes those whose condition then holds.
local iod = require "dicomkit.iod"

local scaffold = {}

local function quote(s) return ("%q"):format(s) end

local RANK = { ["1"] = 1, ["2"] = 2, ["1C"] = 3, ["2C"] = 4, ["3"] = 5, ["3C"] = 5 }

local function values_text(row)
  local t = iod.tables()
  local list = row.enum and t.strings[row.enum]
  if not list then return nil end
  local shown = {}
  for i = 1, math.min(#list, 8) do shown[i] = list[i] end
  return (row.sel and ("value %d "):format(row.sel + 1) or "") .. "one of " .. table.concat(shown, ", ")
    .. (#list > 8 and ", ..." or "")
end

local function describe(row)
  local e = iod.dictionary(row.tag)
  local parts = { "Type " .. (row.type or "3"), e and e[2] or "?", "VM " .. (row.vm or (e and e[3]) or "?") }
  local v = values_text(row)
  if v then parts[#parts + 1] = v end
  return table.concat(parts, ", ")
end

local PIXELS = {
  Rows = true, Columns = true, SamplesPerPixel = true, PhotometricInterpretation = true,
  BitsAllocated = true, BitsStored = true, HighBit = true, PixelRepresentation = true,
  PlanarConfiguration = true, PixelData = true,
  LossyImageCompressionRatio = true, LossyImageCompressionMethod = true,
}

-- A Lua expression for a Type 1 value dicomkit supplies, or nil.
local function supplied(row)
  local e = iod.dictionary(row.tag)
  local vr = e and e[2]
  if row.k == "SOPClassUID" then return "self.sop_class" end
  if row.k == "NumberOfFrames" then return "ds.NumberOfFrames or 1" end
  if row.k == "LossyImageCompression" then return 'ds.LossyImageCompression or "00"' end
  if vr == "UI" and row.k:match("UID$") and not row.k:match("^Referenced") then return "common.uid(p)" end
  if vr == "DA" then return "date" end
  if vr == "TM" then return "time" end
  if vr == "DT" then return "date .. time" end
  local list = row.enum and iod.tables().strings[row.enum]
  if list and #list == 1 and not row.sel then return quote(list[1]) end
  return nil
end

-- The items of a Type 1 sequence: one item with its own Type 1 attributes (a code sequence's
-- value, scheme and meaning), as Lua source.
local function item_source(rows, path, indent)
  local lines = {}
  local flat = iod.rows(rows)
  local is_code = false
  for _, r in ipairs(flat) do if r.k == "CodeMeaning" then is_code = true end end
  for _, r in ipairs(flat) do
    if not r.verify then
      local t = r.type or "3"
      local wanted = t == "1" or t == "2" or (is_code and (r.k == "CodeValue" or r.k == "CodingSchemeDesignator"))
      if wanted then
        local here = path .. "." .. r.k
        local value
        if r.items then
          value = (t == "1") and ("{\n" .. item_source(r.items, here .. "[1]", indent .. "  ") .. indent .. "}") or "{}"
        elseif t == "2" then
          value = '""'
        else
          value = supplied(r) or ("TODO " .. quote(here))
        end
        lines[#lines + 1] = ("%s  %s = %s, -- %s"):format(indent, r.k, value, describe(r))
      end
    end
  end
  return indent .. "{\n" .. table.concat(lines, "\n") .. "\n" .. indent .. "},\n"
end

--- The source of a starting template for the IOD `what` (name, PS3.3 title or SOP Class UID),
-- named `name`; raises for an IOD the tables do not have.
function scaffold.source(what, name, path)
  local iod_name = iod.resolve(what)
  if not iod_name then
    error(("no IOD named '%s' (dicomkit template new --list shows them)"):format(tostring(what)), 2)
  end
  local def = iod.get(iod_name)
  local sop = def.sop_classes[1]
  if not sop then error(("IOD %s has no SOP Class of its own to make objects of"):format(iod_name), 2) end
  local title = def.title or iod_name

  -- each keyword once, in the first mandatory module where its strongest Type is
  local best = {}
  local has_pixels = false
  for _, m in ipairs(def.modules) do
    if m[2] == "M" then
      if m[1] == "ImagePixel" then has_pixels = true end
      for _, r in ipairs(iod.rows(iod.module(m[1]))) do
        if not r.verify then
          local rank = RANK[r.type or "3"] or 5
          if not best[r.k] or rank < best[r.k].rank then best[r.k] = { rank = rank, module = m[1], row = r } end
        end
      end
    end
  end

  local out = {}
  local function w(line) out[#out + 1] = line end
  local module_names = {}
  for _, m in ipairs(def.modules) do
    if m[2] == "M" then
      local mod = iod.module(m[1])
      if mod.title then module_names[#module_names + 1] = quote(mod.title) end
    end
  end

  w(("--- %s (PS3.3 %s), SOP Class %s."):format(title, def.section or "Annex A", sop))
  w(("-- Written by `dicomkit template new` from %s."):format(iod.source()))
  w("-- Fill every value marked TODO (a Type 1 attribute: it needs a value) here, or give it as a")
  w("-- parameter; Type 2 attributes are written empty (unknown) unless given. Conditional (1C, 2C)")
  w("-- attributes are listed where their module is: common.complete, the last step, writes those")
  w("-- whose condition holds when dicomkit can (an empty 2C, a UID, a time stamp); the others are")
  w("-- yours to add. `dicomkit validate` (or dk.validate) says what is still missing.")
  w("local common = require \"dicomkit.templates.common\"")
  w("local template = require \"dicomkit.template\"")
  w("")
  w("local T = {")
  w(("  name = %s,"):format(quote(name)))
  w(("  iod = %s,"):format(quote(title)))
  w(("  sop_class = %s,"):format(quote(sop)))
  w("  modules = { " .. table.concat(module_names, ", ") .. " },")
  w("  options = {},")
  w("  defaults = {},")
  w("  validate = true, -- ds:save and dk.send refuse what does not validate")
  w("}")
  w("")
  w("-- A TODO marks a value to fill; the template raises, naming it, while one is left.")
  w("local TODO_MARK = {}")
  w("local function TODO(what) return setmetatable({ todo = what }, TODO_MARK) end")
  w("local function filled(keyword, v)")
  w("  if type(v) == \"table\" then")
  w("    if getmetatable(v) == TODO_MARK then")
  local message = ("template %s: %%s is a Type 1 value to fill (in %s, or give %%s = ...)")
    :format(name, path or (name .. ".lua"))
  w(("      error((%q):format(v.todo, keyword), 0)"):format(message))
  w("    end")
  w("    for _, x in pairs(v) do filled(keyword, x) end")
  w("  end")
  w("  return v")
  w("end")
  w("local function put(ds, p, keyword, v)")
  w("  if p[keyword] ~= nil then ds[keyword] = p[keyword] else ds[keyword] = filled(keyword, v) end")
  w("end")
  w("")
  w("function T.fill(ds, params, self)")
  w("  self = self or T")
  w("  local p = common.merge(self, params)")
  if has_pixels then
    w("  -- Image Pixel from the image: jpeg = PATH, jpeg_bytes = ... or pixels = {rows=, columns=, ...}")
    w("  local report, msg, code = common.pixels(ds, p, true)")
    w("  if not report then return nil, msg, code end")
  else
    w("  local report = {}")
  end
  w("  local date, time = common.timestamps(p)")
  w("  local _ = date .. time -- used by the lines below that need a time stamp")
  for _, m in ipairs(def.modules) do
    if m[2] == "M" then
      local mod = iod.module(m[1])
      w("")
      w(("  -- %s%s"):format(mod.title or m[1], mod.section and (" (PS3.3 " .. mod.section .. ")") or
        " (dciodvfy's check of this IOD's own rules)"))
      for _, r in ipairs(iod.rows(mod)) do
        local b = best[r.k]
        if not r.verify and b and b.module == m[1] and b.row == r then
          local t = r.type or "3"
          if has_pixels and PIXELS[r.k] then
            w(("  -- %s: from the image (%s)"):format(r.k, describe(r)))
          elseif t == "1" then
            local value = supplied(r)
            if r.items then
              value = "{\n" .. item_source(r.items, r.k .. "[1]", "    ") .. "  }"
            end
            w(("  put(ds, p, %s, %s) -- %s"):format(quote(r.k), value or ("TODO " .. quote(r.k)), describe(r)))
          elseif t == "2" then
            -- the time stamps of what is made now (study, series, content, acquisition) are
            -- now; every other Type 2 (a birth date included) is unknown: empty
            local stamp = r.k:match("^(%u%l+)Date$") or r.k:match("^(%u%l+)Time$") or r.k:match("^(%u%l+)DateTime$")
            local now = stamp == "Study" or stamp == "Series" or stamp == "Content" or stamp == "Acquisition"
            local value = now and supplied(r) or '""'
            w(("  put(ds, p, %s, %s) -- %s"):format(quote(r.k), value, describe(r)))
          elseif t == "1C" or t == "2C" then
            w(("  -- %s: Type %s when %s%s"):format(r.k, t, r.c or "(condition stated in prose)",
              r.mbpo and "; may be present otherwise" or ""))
          end
        end
      end
    end
  end
  w("")
  w("  common.finish(self, ds, p)")
  w("  return report")
  w("end")
  w("")
  w("return template.new(T)")
  return table.concat(out, "\n") .. "\n", iod_name
end

return scaffold
