--- dk.send: many objects over one association, each with its own result.
local core = require "dicomkit.core"

local send = {}

local function describe(object)
  if type(object) == "string" then return object end
  local ok, uid = pcall(function() return object.SOPInstanceUID end)
  return ok and uid or tostring(object)
end

--- What will be sent, as presentation contexts; objects that cannot be sent at all get
-- their failed result now.
local function plan(objects, results)
  local contexts, seen = {}, {}
  for i, object in ipairs(objects) do
    local sop, ts, err, code
    if type(object) == "string" then
      sop, ts, code = core.peek(object)
      if not sop then err = ts ts = nil end
    elseif core.is_dataset(object) then
      sop, ts = object.SOPClassUID, object:transfer_syntax()
      if not sop then err, code = "the dataset has no SOPClassUID", "EINVAL" end
    else
      error(("send: object %d must be a dataset or a path, got %s"):format(i, type(object)), 3)
    end
    if err then
      results[i] = { index = i, object = describe(object), ok = false, sent = false,
                     error = code, message = err }
    else
      local key = sop .. "|" .. ts
      if not seen[key] then
        seen[key] = true
        contexts[#contexts + 1] = { sop_class = sop, transfer_syntax = ts }
      end
    end
  end
  return contexts
end

--- dk.send(objects, opts) -> results, summary | nil, message, code (when no association)
-- opts: the dk.connect parameters, and progress = function(i, n, result) called after each.
function send.send(objects, opts)
  opts = opts or {}
  if type(objects) ~= "table" then
    error("send: objects must be an array of datasets or paths", 2)
  end
  local results = {}
  local params = {}
  for k, v in pairs(opts) do params[k] = v end
  params.progress = nil
  params.contexts = plan(objects, results)
  local assoc, msg, code
  if #params.contexts > 0 then
    assoc, msg, code = core.connect(params)
    if not assoc then return nil, msg, code end
  end
  local n = #objects
  for i, object in ipairs(objects) do
    if not results[i] then
      local r, err, ecode = assoc:store(object)
      if r then
        r.index, r.object, r.sent = i, describe(object), true
      else
        r = { index = i, object = describe(object), ok = false, sent = false,
              error = ecode, message = err }
      end
      results[i] = r
    end
    if opts.progress then opts.progress(i, n, results[i]) end
  end
  if assoc then
    if assoc:is_open() then assoc:release() end
    assoc:abort()
  end
  local summary = { total = n, stored = 0, warnings = 0, failed = 0, not_sent = 0 }
  for _, r in ipairs(results) do
    if r.ok then
      summary.stored = summary.stored + 1
      if r.category == "warning" then summary.warnings = summary.warnings + 1 end
    elseif r.sent then
      summary.failed = summary.failed + 1
    else
      summary.not_sent = summary.not_sent + 1
    end
  end
  return results, summary
end

return send
