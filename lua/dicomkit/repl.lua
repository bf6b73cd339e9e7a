--- The dicomkit REPL: Lua 5.4 with `dk` and `help` loaded, readline editing and history (saved
-- line by line), expressions printed without `=` or print, datasets shown as dumps, short error
-- messages (`.trace` shows the last traceback), Ctrl-C interrupting the running chunk and not the
-- session, TAB completion of DICOM keywords after `ds.` and of the module's functions after `dk.`.
local core = require "dicomkit.core"
local dk = require "dicomkit"
local help = require "dicomkit.help"

local repl = {}

local HISTORY = (os.getenv("HOME") or ".") .. "/.dicomkit_history"
local KEEP_LINES = 1000

--- What to show for a value.
function repl.show(value)
  if dk.is_dataset(value) then
    local ok, text = pcall(tostring, value)
    return ok and text:gsub("\n$", "") or tostring(value)
  end
  if type(value) == "table" then
    if value.sop_class and value.fill then return help.template(value) end
    local parts, n = {}, 0
    for i, v in ipairs(value) do
      n = i
      parts[#parts + 1] = dk.is_dataset(v) and "<item>" or
        (type(v) == "string" and ("%q"):format(v) or tostring(v))
      if i >= 32 then parts[#parts + 1] = "..." break end
    end
    local keys = {}
    for k in pairs(value) do
      if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
    end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      if #parts >= 48 then parts[#parts + 1] = "..." break end
      local v = value[k]
      parts[#parts + 1] = tostring(k) .. " = " .. (type(v) == "string" and ("%q"):format(v) or
        type(v) == "table" and (v.name and ("<" .. tostring(v.name) .. ">") or "{...}") or tostring(v))
    end
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  if type(value) == "string" then return ("%q"):format(value) end
  return tostring(value)
end

local keywords -- loaded on first completion

local DATASET_METHODS = { "get", "set", "remove", "has", "keys", "info", "save", "json", "close",
                          "is_root", "set_pixels", "transfer_syntax" }

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
        -- that is the one there; otherwise every keyword of the dictionary. keys() reads no
        -- value, so a large PixelData is not copied for a TAB.
        for k in object:keys() do
          if type(k) == "string" and k:sub(1, #partial) == partial then names[#names + 1] = k end
        end
        if #names == 0 then
          keywords = keywords or dk.keywords()
          for _, k in ipairs(keywords) do names[#names + 1] = k end
        end
      end
      for _, m in ipairs(DATASET_METHODS) do names[#names + 1] = m end
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

-- The history file, line by line as lines are entered, so that a terminal closed without
-- leaving the REPL loses nothing; cut to its last KEEP_LINES lines when the REPL starts.
local history = {}

function history.trim(path)
  local f = io.open(path, "r")
  if not f then return end
  local lines = {}
  for line in f:lines() do lines[#lines + 1] = line end
  f:close()
  if #lines <= KEEP_LINES then return end
  f = io.open(path, "w")
  if not f then return end
  for i = #lines - KEEP_LINES + 1, #lines do f:write(lines[i], "\n") end
  f:close()
end

function history.add(path, line)
  if line:match("^%s*$") then return end
  local f = io.open(path, "a")
  if not f then return end
  f:write(line, "\n")
  f:close()
end

--- Run the REPL on standard input; returns the exit status.
function repl.run(options)
  options = options or {}
  local env = setmetatable({ dk = dk, help = help.print }, { __index = _G })
  -- readline only on a terminal: piped input is read plainly, without echo or history
  if options.plain == nil then options.plain = not os.execute("test -t 0") end
  local histfile = options.history or HISTORY
  local ok_rl, readline = false, nil
  if not options.plain then ok_rl, readline = pcall(require, "readline") end
  local read
  if ok_rl then
    history.trim(histfile)
    readline.set_options{ histfile = histfile, completion = true, keeplines = KEEP_LINES,
                          auto_add = true }
    readline.set_readline_name("dicomkit")
    readline.set_completion_append_character("")
    -- called with the whole line and the bounds of the word being completed
    readline.set_complete_function(function(line, from, to)
      return repl.complete(line:sub(from, to), env)
    end)
    read = function(prompt)
      core._interrupts("wait")
      local line = readline.readline(prompt)
      if line then history.add(histfile, line) end
      return line
    end
  else
    read = function(prompt)
      io.stdout:write(prompt)
      io.stdout:flush()
      return io.stdin:read("l")
    end
  end
  io.stdout:write(("dicomkit %s (Lua 5.4, dcmtk %s): dk and help are loaded; help() to start, "
    .. "ctrl-D to leave\n"):format(dk.version().dicomkit, dk.version().dcmtk))
  local buffer, last_trace = nil, nil
  while true do
    local line = read(buffer and ">> " or "dk> ")
    if line == nil then break end
    if not buffer and line:match("^%s*%.trace%s*$") then
      io.stdout:write(last_trace or "no error yet", "\n")
    else
      local source = buffer and (buffer .. "\n" .. line) or line:gsub("^=", "return ")
      local chunk, err = compile(source, env)
      if chunk then
        buffer = nil
        if not options.plain then core._interrupts("run") end
        local results = table.pack(xpcall(chunk, function(e)
          last_trace = debug.traceback(tostring(e), 2)
          return e
        end))
        if not options.plain then core._interrupts("wait") end
        if results[1] then
          for i = 2, results.n do io.stdout:write(repl.show(results[i]), "\n") end
        else
          local message = type(results[2]) == "string" and results[2] or tostring(results[2])
          io.stdout:write("error: ", message, "  (.trace shows where)\n")
        end
      elseif err == "incomplete" then
        buffer = source
      else
        buffer = nil
        io.stdout:write(err, "\n")
      end
    end
    io.stdout:flush()
  end
  if not options.plain then core._interrupts("off") end
  io.stdout:write("\n")
  return 0
end

return repl
