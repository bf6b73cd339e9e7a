--- dicomkit: turn ordinary images into DICOM objects and send them to a PACS.
-- `local dk = require "dicomkit"`. The C binding is dicomkit.core; this facade adds the
-- pure-Lua parts.
local core = require "dicomkit.core"

local dk = {}
for name, value in pairs(core) do
  dk[name] = value
end

--- Versions of dicomkit and what it was built with.
function dk.version()
  return {
    dicomkit = core._VERSION,
    dcmtk = core._DCMTK_VERSION,
    lua = _VERSION,
  }
end

return dk
