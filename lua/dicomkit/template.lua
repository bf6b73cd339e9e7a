--- Templates: plain Lua modules that fill an IOD's modules into a dataset.
--
-- A template module returns a table { name=, iod=, sop_class=, modules=, fill=function(ds, params) }.
-- dk.template(name) finds it: directories listed in DICOMKIT_TEMPLATES (separated by ':')
-- first, then the bundled ones (the Lua module dicomkit.templates.NAME). Calling the result
-- with a params table makes a dataset.
local core = require "dicomkit.core"

local template = {}

local Template = {}
Template.__index = Template

--- Make a dataset from params; returns the dataset and the pixel import report, or
-- nil, message, code when the input (a JPEG file, say) is not usable.
function Template:__call(params)
  params = params or {}
  if type(params) ~= "table" then
    error(("template %s: params must be a table, got %s"):format(self.name, type(params)), 2)
  end
  local ds = core.dataset()
  local ok, report, msg, code = pcall(self.fill, ds, params, self)
  if not ok then
    ds:close()
    -- a mistake in the caller's params: point at the caller, not at dicomkit's files
    if type(report) == "string" then
      report = report:gsub("^[^\n]-dicomkit/[%w_/]+%.lua:%d+: ", "")
    end
    error(report, 2)
  end
  if report == nil and msg ~= nil then
    ds:close()
    return nil, msg, code
  end
  -- the image is not one the IOD takes (common.complete found it by the IOD's rule)
  local common = package.loaded["dicomkit.templates.common"]
  local why = common and common.refused[ds]
  if why then
    ds:close()
    return nil, why, "EUNSUPPORTED"
  end
  if self.validate then require("dicomkit.validate").by_default[ds] = true end
  return ds, report
end

--- A template that is this one with other defaults or an extra step:
-- base:extend{ name = "site_photo", defaults = { InstitutionName = "..." }, after = function(ds, params) ... end }
function Template:extend(changes)
  local derived = setmetatable({}, Template)
  for k, v in pairs(self) do derived[k] = v end
  local defaults = {}
  for k, v in pairs(self.defaults or {}) do defaults[k] = v end
  for k, v in pairs(changes.defaults or {}) do defaults[k] = v end
  for k, v in pairs(changes) do
    if k ~= "defaults" and k ~= "after" then derived[k] = v end
  end
  derived.defaults = defaults
  local base_after, extra_after = self.after, changes.after
  if extra_after then
    derived.after = function(ds, params)
      if base_after then base_after(ds, params) end
      extra_after(ds, params)
    end
  end
  derived.base = self
  return derived
end

--- Turn a template module's table into a template object (idempotent).
function template.new(t)
  if getmetatable(t) == Template then return t end
  for _, field in ipairs({ "name", "sop_class", "fill" }) do
    if t[field] == nil then
      error(("template is missing its '%s' field"):format(field), 2)
    end
  end
  return setmetatable(t, Template)
end

local function search_dirs()
  local dirs = {}
  for dir in (os.getenv("DICOMKIT_TEMPLATES") or ""):gmatch("[^:]+") do
    dirs[#dirs + 1] = dir
  end
  return dirs
end

--- Where the template `name` comes from: a path or "dicomkit.templates.NAME".
function template.locate(name)
  if type(name) ~= "string" or not name:match("^[%w_%-]+$") then
    error(("template name must be letters, digits, '_' or '-', got %s"):format(tostring(name)), 3)
  end
  for _, dir in ipairs(search_dirs()) do
    local path = dir .. "/" .. name .. ".lua"
    local f = io.open(path, "r")
    if f then
      f:close()
      return path
    end
  end
  local module = "dicomkit.templates." .. name
  if package.searchpath(module, package.path) then
    return module
  end
  return nil
end

local loaded = {}

--- dk.template(name) -> template object; raises when there is none by that name.
function template.load(name)
  local where = template.locate(name)
  if not where then
    local known = {}
    for _, t in ipairs(template.list()) do known[#known + 1] = t.name end
    error(("no template named '%s' (known: %s)"):format(name, table.concat(known, ", ")), 2)
  end
  if loaded[where] then return loaded[where] end
  local t
  if where:sub(-4) == ".lua" then
    local chunk = assert(loadfile(where))
    t = chunk(name, where)
  else
    t = require(where)
  end
  if type(t) ~= "table" then
    error(("template %s (%s) did not return a table"):format(name, where), 2)
  end
  t = template.new(t)
  loaded[where] = t
  return t
end

-- The template names in a directory (its Lua files).
local function lua_files(dir)
  local out = {}
  for _, file in ipairs(core._dir(dir) or {}) do
    local name = file:match("^([%w_%-]+)%.lua$")
    if name then out[#out + 1] = name end
  end
  return out
end

--- Every template that can be found: { {name=, source="site"|"bundled", path=} }
function template.list()
  local seen, out = {}, {}
  local function add(name, source, path)
    if seen[name] then return end
    seen[name] = true
    out[#out + 1] = { name = name, source = source, path = path }
  end
  for _, dir in ipairs(search_dirs()) do
    for _, name in ipairs(lua_files(dir)) do add(name, "site", dir .. "/" .. name .. ".lua") end
  end
  local bundled = package.searchpath("dicomkit.templates.common", package.path)
  if bundled then
    local dir = bundled:match("^(.*)/[^/]+$")
    for _, name in ipairs(lua_files(dir)) do
      if name ~= "common" then add(name, "bundled", dir .. "/" .. name .. ".lua") end
    end
  end
  table.sort(out, function(a, b) return a.name < b.name end)
  return out
end

return template
