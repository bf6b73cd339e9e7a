--- The DICOM JSON model (PS3.18 F.2) of a dataset, as text.
local dk = require "dicomkit"

local json = {}

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local function number(v)
  if v ~= v or v == math.huge or v == -math.huge then return "null" end
  if math.type(v) == "integer" then return tostring(v) end
  return ("%.17g"):format(v)
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chunk = {}
    for k = 3, 0, -1 do
      local idx = (n >> (6 * k)) & 63
      chunk[#chunk + 1] = b64chars:sub(idx + 1, idx + 1)
    end
    if not b then chunk[3], chunk[4] = "=", "=" elseif not c then chunk[4] = "=" end
    out[#out + 1] = table.concat(chunk)
  end
  return table.concat(out)
end

local binary_vr = { OB = true, OW = true, OD = true, OF = true, OL = true, OV = true, UN = true }
local number_vr = { US = true, SS = true, UL = true, SL = true, SV = true, UV = true,
                    FL = true, FD = true, IS = true, DS = true }

local function as_list(value)
  if type(value) == "table" then return value end
  return { value }
end

local encode_dataset

local function encode_element(ds, key)
  local value, vr = ds:get(key)
  if type(value) == "table" and value.encapsulated then
    -- compressed fragments have no place in the JSON model's single value: leave it out
    return '{"vr":"' .. vr .. '"}'
  end
  local parts = { '"vr":"' .. vr .. '"' }
  if value == "" or (type(value) == "table" and #value == 0 and vr ~= "SQ") then
    -- an empty value has no "Value"
  elseif vr == "SQ" then
    local items = {}
    for i, item in ipairs(value) do items[i] = encode_dataset(item) end
    parts[#parts + 1] = '"Value":[' .. table.concat(items, ",") .. "]"
  elseif binary_vr[vr] then
    parts[#parts + 1] = '"InlineBinary":' .. quote(base64(value))
  elseif vr == "PN" then
    local names = {}
    for i, v in ipairs(as_list(value)) do
      local groups, fields = {}, { "Alphabetic", "Ideographic", "Phonetic" }
      local n = 0
      for group in (v .. "="):gmatch("([^=]*)=") do
        n = n + 1
        if group ~= "" and fields[n] then groups[#groups + 1] = quote(fields[n]) .. ":" .. quote(group) end
      end
      names[i] = "{" .. table.concat(groups, ",") .. "}"
    end
    parts[#parts + 1] = '"Value":[' .. table.concat(names, ",") .. "]"
  elseif vr == "AT" then
    local tags = {}
    for i, v in ipairs(as_list(value)) do tags[i] = ('"%08X"'):format(v) end
    parts[#parts + 1] = '"Value":[' .. table.concat(tags, ",") .. "]"
  else
    local values = {}
    for i, v in ipairs(as_list(value)) do
      if number_vr[vr] and type(v) == "number" then values[i] = number(v)
      elseif v == "" then values[i] = "null"
      else values[i] = quote(tostring(v)) end
    end
    parts[#parts + 1] = '"Value":[' .. table.concat(values, ",") .. "]"
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function encode_dataset(ds)
  local members = {}
  for key in pairs(ds) do
    local tag = type(key) == "number" and key or dk.tag(key)
    members[#members + 1] = ('"%08X":'):format(tag) .. encode_element(ds, key)
  end
  return "{" .. table.concat(members, ",") .. "}"
end

--- The JSON text of `ds`.
function json.encode(ds)
  return encode_dataset(ds)
end

return json
