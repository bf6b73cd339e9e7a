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

-- One value inside a table: short, on one line.
local function brief(v)
  if type(v) == "string" then return (("%q"):format(v):gsub("\\\n", "\\n")) end
  if dk.is_dataset(v) then
    local ok, n = pcall(function() return #v end)
    return ok and ("<dataset: %d element%s>"):format(n, n == 1 and "" or "s") or "<closed dataset>"
  end
  if type(v) == "function" then
    local signature = help.signature(v)
    return signature and ("<" .. signature .. ">") or tostring(v)
  end
  return tostring(v)
end

local function is_template(v)
  return type(v) == "table" and v.sop_class ~= nil and type(v.fill) == "function"
end

-- A table that says itself how it is to be shown (a __tostring of its metatable).
local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__tostring ~= nil
end

local MAX_ITEMS, MAX_DEPTH, WIDTH = 48, 3, 100

-- A table as Lua-like text: on one line when it is short, else one element a line, nested
-- tables shown to MAX_DEPTH (dk.templates() is an array of records).
local function show_table(t, indent, depth, seen)
  if seen[t] then return "<cycle>" end
  if depth > MAX_DEPTH then return "{...}" end
  seen[t] = true
  local parts, n = {}, 0
  local function value_text(v)
    if is_template(v) then
      return "<template " .. tostring(v.name) .. ">"
    elseif type(v) == "table" and not has_tostring(v) then
      return show_table(v, indent .. "  ", depth + 1, seen)
    end
    return brief(v)
  end
  local truncated = false
  for i, v in ipairs(t) do
    if #parts >= MAX_ITEMS then truncated = true break end
    n = i
    parts[#parts + 1] = value_text(v)
  end
  local keys = {}
  for k in pairs(truncated and {} or t) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  if truncated then parts[#parts + 1] = "..." end
  table.sort(keys, function(a, b)
    if type(a) ~= type(b) then return type(a) < type(b) end
    if type(a) == "number" or type(a) == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  for _, k in ipairs(keys) do
    if #parts >= MAX_ITEMS then parts[#parts + 1] = "..." break end
    local key = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k or ("[" .. brief(k) .. "]")
    parts[#parts + 1] = key .. " = " .. value_text(t[k])
  end
  seen[t] = nil
  if #parts == 0 then return "{}" end
  local one_line = "{ " .. table.concat(parts, ", ") .. " }"
  -- a record of plain values (a row of dk.templates()) stays on one line up to twice as long
  local leaf = true
  for _, v in pairs(t) do
    if type(v) == "table" then leaf = false break end
  end
  if #one_line + #indent <= (leaf and 2 * WIDTH or WIDTH) and not one_line:find("\n", 1, true) then
    return one_line
  end
  return "{\n" .. indent .. "  " .. table.concat(parts, ",\n" .. indent .. "  ") .. ",\n" .. indent .. "}"
end

--- What to show for a value: a dataset as its dump, a template as its help, a table as
-- Lua-like text, a function of dicomkit's by its signature, a string quoted.
function repl.show(value)
  if dk.is_dataset(value) then
    local ok, text = pcall(tostring, value)
    return ok and (text:gsub("\n$", "")) or tostring(value)
  end
  if is_template(value) then return help.template(value) end
  if type(value) == "table" and not has_tostring(value) then return show_table(value, "", 1, {}) end
  if type(value) == "string" then return brief(value) end
  if type(value) == "function" then
    local signature = help.signature(value)
    if signature then return "function: " .. signature .. "  (help(x) for more)" end
  end
  return tostring(value)
end

local keywords -- loaded on first completion

-- The methods of a userdata (a dataset's __methods, an association's __index table).
local function methods_of(object)
  local mt = getmetatable(object)
  if type(mt) ~= "table" then return {} end
  local t = type(mt.__methods) == "table" and mt.__methods or
    (type(mt.__index) == "table" and mt.__index) or {}
  local names = {}
  for k in pairs(t) do
    if type(k) == "string" then names[#names + 1] = k end
  end
  return names
end

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
        local ok_keys = pcall(function()
          for k in object:keys() do
            if type(k) == "string" and k:sub(1, #partial) == partial then names[#names + 1] = k end
          end
        end)
        if ok_keys and #names == 0 then
          keywords = keywords or dk.keywords()
          for _, k in ipairs(keywords) do names[#names + 1] = k end
        end
      end
      for _, m in ipairs(methods_of(object)) do names[#names + 1] = m end
    elseif type(object) == "table" then
      for k in pairs(object) do
        if type(k) == "string" and k:match("^[%a_][%w_]*$") then names[#names + 1] = k end
      end
      local mt = getmetatable(object)
      if type(mt) == "table" and type(mt.__index) == "table" then -- a template's extend
        for k in pairs(mt.__index) do
          if type(k) == "string" and k:match("^[%a_][%w_]*$") then names[#names + 1] = k end
        end
      end
    elseif type(object) == "userdata" then
      names = methods_of(object)
    elseif type(object) == "string" and sep == ":" then
      for k in pairs(string) do names[#names + 1] = k end
    end
    local seen = {}
    for _, name in ipairs(names) do
      if name:sub(1, #partial) == partial and not seen[name] then
        seen[name] = true
        out[#out + 1] = prefix .. sep .. name
      end
    end
  else
    for k in pairs(env) do
      if type(k) == "string" and k:sub(1, #text) == text then out[#out + 1] = k end
    end
    for k in pairs(_G) do
      if type(k) == "string" and k:sub(1, #text) == text and rawget(env, k) == nil then
        out[#out + 1] = k
      end
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

-- The traceback of an error in a chunk, without the REPL's own frames below it.
local function chunk_traceback(traceback)
  local lines = {}
  for line in traceback:gmatch("[^\n]+") do
    if line:match("^%s*%[C%]: in function 'dicomkit%.core%._run'$") or
       line:match("^%s*%[C%]: in %?$") or line:match("^%s*%[C%]: in field '_run'$") or
       line:match("^%s*%[C%]: in function 'core%._run'$") then
      break
    end
    lines[#lines + 1] = line
  end
  return table.concat(lines, "\n")
end

--- The message of an error value, as the REPL shows it.
function repl.error_text(e)
  if type(e) == "string" then return e end
  local mt = getmetatable(e)
  if type(mt) == "table" and mt.__tostring then
    local ok, text = pcall(tostring, e)
    if ok then return text end
  end
  return ("(error object is a %s value)"):format(type(e))
end

-- The history file, line by line as lines are entered, so that a terminal closed without
-- leaving the REPL loses nothing; cut to its last KEEP_LINES lines when the REPL starts.
local history = { last = nil }

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
  if line:match("^%s*$") or line == history.last then return end
  history.last = line
  local ok, err = core._history_append(path, line)
  if not ok and not history.warned then
    history.warned = true
    io.stderr:write("dicomkit: history not saved: ", tostring(err), "\n")
  end
end

repl.history = history

--- Run the REPL on standard input; returns the exit status.
-- options: plain (read stdin plainly, no line editing; the default when stdin is not a
-- terminal), history (the history file; ~/.dicomkit_history by default).
function repl.run(options)
  options = options or {}
  local env = setmetatable({ dk = dk, help = help.print }, { __index = _G })
  -- readline only on a terminal: piped input is read plainly, without echo or history
  if options.plain == nil then options.plain = not os.execute("test -t 0") end
  local histfile = options.history or HISTORY
  local ok_rl, readline = false, nil
  if not options.plain then ok_rl, readline = pcall(require, "readline") end
  -- read(prompt) -> line | nil at the end of input | "" and true when Ctrl-C abandoned the line
  local read
  if not options.plain then history.trim(histfile) end
  if ok_rl then
    readline.set_options{ histfile = histfile, completion = true, keeplines = KEEP_LINES,
                          auto_add = true, minlength = 1 }
    readline.set_readline_name("dicomkit")
    -- called with the whole line and the bounds of the word being completed
    readline.set_complete_function(function(line, from, to)
      readline.set_completion_append_character("")
      -- an error must not cross readline's C frames (a __pairs or __index that raises)
      local ok, out = pcall(repl.complete, line:sub(from, to), env)
      return ok and out or {}
    end)
    read = function(prompt)
      core._interrupts("wait")
      local line = readline.readline(prompt)
      -- a ^C while reading: lua/src/repl.c makes readline return "" for it
      if core._interrupts("wait") > 0 and (line == "" or line == nil) then return "", true end
      if line then history.add(histfile, line) end
      return line
    end
  else
    read = function(prompt)
      io.stdout:write(prompt)
      io.stdout:flush()
      if options.plain then return io.stdin:read("l") end
      -- a terminal without lua-readline: a ^C makes read(2) fail with EINTR
      core._interrupts("wait")
      local line = io.stdin:read("l")
      if core._interrupts("wait") > 0 and line == nil then
        io.stdout:write("\n")
        return "", true
      end
      if line then history.add(histfile, line) end
      return line
    end
  end
  -- from here on SIGINT is the REPL's: counted at the prompt, "interrupted" in a chunk
  if not options.plain then core._interrupts("wait") end
  local v = dk.version()
  io.stdout:write(("dicomkit %s (Lua 5.4, dcmtk %s): dk and help are loaded; help() to start, "
    .. "ctrl-D to leave\n"):format(v.dicomkit, v.dcmtk))
  local buffer, last_trace = nil, nil
  while true do
    local line, abandoned = read(buffer and ">> " or "dk> ")
    if line == nil then break end
    if abandoned then
      buffer = nil -- ^C drops a statement being continued as well
    elseif not buffer and line:match("^%s*%.trace%s*$") then
      io.stdout:write(last_trace or "no error yet", "\n")
    else
      local source = buffer and (buffer .. "\n" .. line) or line:gsub("^=", "return ")
      local chunk, err = compile(source, env)
      if chunk then
        buffer = nil
        -- Ctrl-C raises "interrupted" in the chunk while it runs (lua/src/repl.c), and while
        -- its results are shown (a long dump); a __tostring that fails is an error like another
        local results = table.pack(core._run(chunk))
        if results[1] then
          results = table.pack(core._run(function()
            for i = 2, results.n do io.stdout:write(repl.show(results[i]), "\n") end
          end))
        end
        if not results[1] then
          local message = repl.error_text(results[2])
          last_trace = results[3] and chunk_traceback(results[3]) or message
          -- the terminal echoed ^C where the cursor was: the message goes on a line of its own
          if message:match("interrupted$") and not options.plain then io.stdout:write("\n") end
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
