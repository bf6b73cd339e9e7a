--- dk.send: many objects over one association, each with its own result.
local core = require "dicomkit.core"

local send = {}

local function describe(object)
  if type(object) == "string" then return object end
  if core.is_dataset(object) then
    local ok, uid = pcall(function() return object.SOPInstanceUID end)
    if ok and uid then return uid end
    if ok then return "a dataset without SOPInstanceUID" end -- not its whole dump
  end
  return tostring(object)
end

local function not_sent(i, object, message, code)
  return { index = i, object = describe(object), ok = false, sent = false, error = code,
           message = message }
end

--- What will be sent, as presentation contexts; objects that cannot be sent at all get
-- their failed result now (a file that is not DICOM, a closed dataset, one without UIDs).
local function plan(objects, results, opts)
  local contexts, seen = {}, {}
  for i, object in ipairs(objects) do
    local sop, ts, err, code
    if type(object) == "string" then
      sop, ts, code = core.peek(object)
      if not sop then err, ts = ts, nil end
    elseif core.is_dataset(object) then
      local root, instance
      local ok, why = pcall(function()
        sop, ts = object.SOPClassUID, object:transfer_syntax()
        root, instance = object:is_root(), object.SOPInstanceUID
      end)
      if not ok then
        err, code = ("the dataset cannot be sent: %s"):format(tostring(why):gsub("^.-:%d+: ", "")), "EINVAL"
      elseif not root then
        err, code = "the dataset is an item of a sequence, not an object", "EINVAL"
      elseif not sop or sop == "" then
        err, code = "the dataset has no SOPClassUID", "EINVAL"
      elseif not instance or instance == "" then
        -- assoc:store raises for it (a mistake in a single call); in a batch it is one bad object
        err, code = "the dataset has no SOPInstanceUID", "EINVAL"
      end
    else
      error(("send: object %d must be a dataset or a path, got %s"):format(i, type(object)), 3)
    end
    local findings
    if not err and opts.validate ~= false then
      if type(object) == "string" then
        if opts.validate then
          local validate = require "dicomkit.validate"
          local found, how = validate.file(object)
          if found and validate.errors(found) then
            err, code, findings = ("%s does not validate: %s"):format(object,
              validate.format(validate.errors(found)[1])), "EINVALID", found
          elseif not found then
            err, code = how, "EFORMAT"
          end
        end
      else
        local validate = require "dicomkit.validate"
        err, code, findings = validate.gate(object, { validate = opts.validate })
      end
    end
    if err then
      results[i] = not_sent(i, object, err, code)
      results[i].findings = findings
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

local function summarize(results, n)
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
  return summary
end

--- dk.send(objects, opts) -> results, summary | nil, message, code (when no association)
-- opts: the dk.connect parameters, progress = function(i, n, result) called after each, and
-- validate = true to check each object first (an object with errors is not sent: its result has
-- error "EINVALID" and its findings); datasets of a template with `validate = true` are checked
-- unless validate = false.
-- A result is { index, object, ok, sent, status, status_hex, category, meaning, message, error,
-- sop_instance_uid, transfer_syntax, decoded }: ok for success and warning statuses, sent for
-- everything the peer answered (a refusal too), message and error (a code) when not ok.
function send.send(objects, opts)
  opts = opts or {}
  if type(objects) ~= "table" then
    error("send: objects must be an array of datasets or paths", 2)
  end
  local results = {}
  local params = {}
  for k, v in pairs(opts) do params[k] = v end
  params.progress = nil
  params.validate = nil
  params.contexts = plan(objects, results, opts)
  local assoc, msg, code
  if #params.contexts > 0 then
    assoc, msg, code = core.connect(params)
    if not assoc then return nil, msg, code end
  end
  local n = #objects
  for i, object in ipairs(objects) do
    if not results[i] then
      local r, err, ecode, refused = assoc:store(object)
      if r then
        r.index, r.object, r.sent = i, describe(object), true
      elseif refused then -- the peer answered with a failure status
        r = refused
        r.index, r.object, r.sent, r.error, r.message = i, describe(object), true, ecode, err
      else
        r = not_sent(i, object, err, ecode)
      end
      results[i] = r
    end
    if opts.progress then opts.progress(i, n, results[i]) end
  end
  if assoc then
    if assoc:is_open() then assoc:release() end
    assoc:close()
  end
  return results, summarize(results, n)
end

return send
