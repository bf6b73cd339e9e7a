--- The dicomkit REPL: Lua 5.4 with `dk` loaded, readline editing and history, expressions
-- printed without `=` or print, datasets shown as dumps, TAB completion of DICOM keywords
-- after `ds.` and of the module's functions after `dk.`.
local repl = {}

local dk = require "dicomkit"

local HISTORY = (os.getenv("HOME") or ".") .. "/.dicomkit_history"

--- What to show for a value.
function repl.show(value)
  if dk.is_dataset(value) then
    local ok, text = pcall(tostring, value)
    return ok and text:gsub("\n$", "") or tostring(value)
  end
  if type(value) == "table" then
    local parts, n = {}, 0
    for i, v in ipairs(value) do
      n = i
      parts[#parts + 1] = dk.is_dataset(v) and "<item>" or
        (type(v) == "string" and ("%q"):format(v) or tostring(v))
      if i >= 32 then parts[#parts + 1] = "..." break end
    end
    for k, v in pairs(value) do
      if not (math.type(k) == "integer" and k >= 1 and k <= n) and #parts < 48 then
        parts[#parts + 1] = tostring(k) .. " = " .. (type(v) == "string" and ("%q"):format(v) or tostring(v))
      end
    end
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  if type(value) == "string" then return ("%q"):format(value) end
  return tostring(value)
end

local keywords -- loaded on first completion

--- Completions of `text` (the word before the cursor) in environment `env`.
function repl.complete(text, env)
  local prefix, sep, partial = text:match("^(.-)([%.:])([%w_]*)$")
  local out = {}
  if prefix and prefix ~= "" then
    -- evaluate the part before the dot: a plain name path only, no calls
    if not prefix:match("^[%a_][%w_%.]*$") then return out end
    local chunk = load("return " .. prefix, "=completion", "t", env)
    local ok, object = pcall(chunk or function() end)
    if not ok or object == nil then return out end
    local names = {}
    if dk.is_dataset(object) then
      if sep == "." then
        -- the attributes the dataset has come first: `ds.Pat` TAB -> ds.PatientName when
        -- that is the one there; otherwise every keyword of the dictionary
        for k in pairs(object) do
          if type(k) == "string" and k:sub(1, #partial) == partial then names[#names + 1] = k end
        end
        if #names == 0 then
          keywords = keywords or dk.keywords()
          for _, k in ipairs(keywords) do names[#names + 1] = k end
        end
      end
      for _, m in ipairs({ "get", "set", "remove", "has", "save", "close", "set_pixels",
                           "transfer_syntax" }) do
        names[#names + 1] = m
      end
    elseif type(object) == "table" then
      for k in pairs(object) do
        if type(k) == "string" and k:match("^[%a_][%w_]*$") then names[#names + 1] = k end
      end
    elseif type(object) == "string" and sep == ":" then
      for k in pairs(string) do names[#names + 1] = k end
    end
    for _, name in ipairs(names) do
      if name:sub(1, #partial) == partial then out[#out + 1] = prefix .. sep .. name end
    end
  else
    for k in pairs(env) do
      if type(k) == "string" and k:sub(1, #text) == text then out[#out + 1] = k end
    end
    for k in pairs(_G) do
      if type(k) == "string" and k:sub(1, #text) == text and env[k] == nil then out[#out + 1] = k end
    end
  end
  table.sort(out)
  return out
end

local function traceback(message)
  local text = tostring(message)
  -- the REPL's own frames say nothing to the user
  local trace = debug.traceback(text, 2)
  return (trace:gsub("\n%s*%[C%]: in function 'xpcall'.*$", ""))
end

--- Compile a line as an expression first (so `ds` shows it), then as a statement.
-- Returns chunk, or nil, "incomplete", or nil, error message.
local function compile(source, env)
  local chunk = load("return " .. source, "=stdin", "t", env)
  if chunk then return chunk end
  local err
  chunk, err = load(source, "=stdin", "t", env)
  if chunk then return chunk end
  if err:match("<eof>$") then return nil, "incomplete" end
  return nil, err
end

--- Run the REPL on standard input; returns the exit status.
function repl.run(options)
  options = options or {}
  local env = setmetatable({ dk = dk }, { __index = _G })
  -- readline only on a terminal: piped input is read plainly, without echo or history
  if options.plain == nil then options.plain = not os.execute("test -t 0") end
  local ok_rl, readline = pcall(require, "readline")
  local read
  if ok_rl and not options.plain then
    readline.set_options{ histfile = options.history or HISTORY, completion = true, keeplines = 1000 }
    readline.set_readline_name("dicomkit")
    readline.set_completion_append_character("")
    -- called with the whole line and the bounds of the word being completed
    readline.set_complete_function(function(line, from, to)
      return repl.complete(line:sub(from, to), env)
    end)
    read = readline.readline
  else
    read = function(prompt)
      io.stdout:write(prompt)
      io.stdout:flush()
      return io.stdin:read("l")
    end
  end
  io.stdout:write(("dicomkit %s (Lua 5.4, dcmtk %s): dk is loaded; ctrl-D to leave\n")
    :format(dk.version().dicomkit, dk.version().dcmtk))
  local buffer = nil
  while true do
    local line = read(buffer and ">> " or "dk> ")
    if line == nil then break end
    local source = buffer and (buffer .. "\n" .. line) or line:gsub("^=", "return ")
    local chunk, err = compile(source, env)
    if chunk then
      buffer = nil
      local results = table.pack(xpcall(chunk, traceback))
      if results[1] then
        for i = 2, results.n do io.stdout:write(repl.show(results[i]), "\n") end
      else
        io.stdout:write(tostring(results[2]), "\n")
      end
    elseif err == "incomplete" then
      buffer = source
    else
      buffer = nil
      io.stdout:write(err, "\n")
    end
    io.stdout:flush()
  end
  io.stdout:write("\n")
  if ok_rl and not options.plain then readline.save_history() end
  return 0
end

return repl
