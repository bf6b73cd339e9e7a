--- dicomkit: turn ordinary images into DICOM objects and send them to a PACS.
-- `local dk = require "dicomkit"`. The C binding is dicomkit.core; this facade adds the
-- pure-Lua parts. Internal modules require dicomkit.core, never this facade.
local core = require "dicomkit.core"

local dk = {}
for name, value in pairs(core) do
  if name:sub(1, 1) ~= "_" or name:match("^_%u") then dk[name] = value end
end

local template = require "dicomkit.template"

--- dk.template(name) -> a template; call it with params to make a dataset.
dk.template = template.load

--- Every template that can be found, site ones first: { {name=, source=, path=} }
dk.templates = template.list

--- dk.send(objects, opts) -> results, summary: many objects over one association.
dk.send = require("dicomkit.send").send

local validate = require "dicomkit.validate"

--- dk.validate(ds [, iod]) -> findings, iod name: what PS3.3's tables, the dictionary and the
-- value and pixel rules find wrong; the IOD from SOPClassUID when not given.
dk.validate = validate.dataset

--- dk.iods() -> every IOD the tables know: { {name=, title=, section=, sop_class=} }
dk.iods = require("dicomkit.iod").list

-- ds:save(target, {validate = true}) validates first and refuses an object with errors
-- (nil, message, "EINVALID", findings); a template's `validate = true` makes it the default
-- for what it makes. The C method does the writing.
do
  -- the metatable from the registry: making a dataset to reach it would load dcmtk's data
  -- dictionary at start-up (~9 ms) in every process, even one that never needs it. A reloaded
  -- module wraps the C method again (not its own wrapper), with the validate it loaded.
  local registry = debug.getregistry()
  local methods = registry["dicomkit.Dataset"].__methods
  if methods.save ~= registry["dicomkit.validating_save"] then
    registry["dicomkit.c_save"] = methods.save -- the C method, of this core
  end
  local c_save = registry["dicomkit.c_save"]
  local function save(ds, target, opts)
    if opts ~= nil and type(opts) ~= "table" then
      error(("save: options must be a table ({transfer_syntax=, validate=}), got %s"):format(type(opts)), 2)
    end
    local message, code, findings = validate.gate(ds, opts)
    if message then return nil, message, code, findings end
    return c_save(ds, target, opts)
  end
  methods.save = save
  registry["dicomkit.validating_save"] = save
end

--- Versions of dicomkit and what it was built with.
function dk.version()
  return {
    dicomkit = core._VERSION,
    dcmtk = core._DCMTK_VERSION,
    libjpeg_turbo = core._LIBJPEG_TURBO_VERSION,
    lua = _VERSION,
  }
end

--- help(x): what a dk function, dataset method, association method or template does.
local help = require "dicomkit.help"
dk.help = help.text
help.register(dk)

return dk
