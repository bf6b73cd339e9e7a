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

--- dk.validate(ds) -> findings: what dicomkit's IOD tables and pixel checks find wrong.
dk.validate = require("dicomkit.validate").dataset

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
