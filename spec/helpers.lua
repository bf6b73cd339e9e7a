--- Shared by the specs: temporary directories, running commands, and the oracles we did not
-- write (dcmdump, pydicom through Debian's /usr/bin/python3, dcmtk's own tools).
local helpers = {}

helpers.source = os.getenv("DICOMKIT_SOURCE") or "."
helpers.build = os.getenv("DICOMKIT_BUILD") or (helpers.source .. "/build")

local shell_quote = require("dicomkit.util").shell_quote
helpers.quote = shell_quote

--- Run a shell command; returns ok, exit code, stdout, stderr.
function helpers.run(cmd, input)
  local out = os.tmpname()
  local err = os.tmpname()
  -- the sanitizer build preloads ASan into the spec runner; other programs go without it
  -- (the build's own dicomkit command loads it again by itself)
  local full = "(unset LD_PRELOAD; " .. cmd .. ") >" .. out .. " 2>" .. err
  if input then
    local inf = os.tmpname()
    local f = assert(io.open(inf, "wb"))
    f:write(input)
    f:close()
    full = full .. " <" .. inf
  else
    full = full .. " </dev/null"
  end
  local ok, _, code = os.execute(full)
  local function slurp(p)
    local f = io.open(p, "rb")
    local s = f and f:read("a") or ""
    if f then f:close() end
    os.remove(p)
    return s
  end
  return ok == true, code, slurp(out), slurp(err)
end

--- A fresh temporary directory, removed by helpers.cleanup().
local made = {}
function helpers.tmpdir()
  local ok, _, out = helpers.run("mktemp -d /tmp/dicomkit-spec-XXXXXX")
  assert(ok, "mktemp failed")
  local dir = out:gsub("%s+$", "")
  made[#made + 1] = dir
  return dir
end

function helpers.cleanup()
  for _, dir in ipairs(made) do
    os.execute("rm -rf " .. shell_quote(dir))
  end
  made = {}
end

function helpers.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

function helpers.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

function helpers.write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

function helpers.listdir(dir)
  local _, _, out = helpers.run("ls -A " .. shell_quote(dir))
  local names = {}
  for name in out:gmatch("[^\n]+") do names[#names + 1] = name end
  return names
end

--- dcmdump's output and its warnings/errors (stderr, and "W:"/"E:" lines).
function helpers.dcmdump(path, extra)
  local ok, code, out, err = helpers.run("dcmdump " .. (extra or "") .. " " .. shell_quote(path))
  return out, err, ok, code
end

--- Run a Python snippet under Debian's python3 (which has pydicom); the snippet gets the
-- arguments in sys.argv[1:] and prints JSON. Returns the decoded table.
local json = require "dkjson"
function helpers.pydicom(code, ...)
  local script = os.tmpname()
  helpers.write_file(script, "import sys, json\nimport pydicom\n" .. code)
  local args = {}
  for _, a in ipairs({...}) do args[#args + 1] = shell_quote(a) end
  local ok, _, out, err = helpers.run("/usr/bin/python3 " .. script .. " " .. table.concat(args, " "))
  os.remove(script)
  assert(ok, "pydicom oracle failed: " .. err)
  local value, _, msg = json.decode(out)
  assert(value ~= nil, "pydicom oracle printed no JSON: " .. tostring(msg) .. "\n" .. out)
  return value
end

--- The `dicomkit` command of the build tree.
helpers.dicomkit = helpers.build .. "/dicomkit"

function helpers.json_decode(s)
  return json.decode(s)
end

--- A free TCP port on loopback.
function helpers.free_port() return require("orthanc").free_port() end

--- Start a command in the background; returns its pid.
function helpers.spawn(cmd, log)
  local _, _, out = helpers.run("(" .. cmd .. ") >" .. shell_quote(log) .. " 2>&1 & echo $!")
  return tonumber(out:match("%d+"))
end

--- Whether a process runs; one that exited but is not reaped yet (a zombie: background
-- processes are reaped by PID 1, which may take a second or two) is not alive.
function helpers.alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat", "r")
  if f then
    local stat = f:read("a") or ""
    f:close()
    return stat:match("^%d+ %(.*%) (%a)") ~= "Z"
  end
  return os.execute("kill -0 " .. pid .. " 2>/dev/null") == true
end

--- Stop a process we started, by its pid, and wait until it is gone.
function helpers.stop(pid, signal)
  if not pid then return end
  local socket = require "socket"
  os.execute("kill -" .. (signal or "TERM") .. " " .. pid .. " 2>/dev/null")
  for _ = 1, 500 do
    if not helpers.alive(pid) then return end
    socket.sleep(0.02)
  end
  os.execute("kill -KILL " .. pid .. " 2>/dev/null")
end

--- Start Orthanc on loopback with its own config and storage (spec/support/orthanc.lua); `extra` adds
-- config keys. The handle has .http, .dicom, .aet, .pid, .dir, rest(path) (JSON decoded),
-- lookup(uid) and stop(signal).
function helpers.start_orthanc(extra, dir)
  local o = assert(require("orthanc").start{ dir = dir or helpers.tmpdir(), config = extra })
  local handle = { http = o.http, dicom = o.dicom, aet = o.aet, pid = o.pid, dir = o.dir }
  function handle.rest(path)
    local body, code = o:get(path)
    if not body then return nil, code end
    local first = body:sub(1, 1)
    if first == "{" or first == "[" then return json.decode(body) end
    return body
  end
  function handle.lookup(uid) return o:lookup(uid) end
  function handle.stop(signal) o:stop(signal) end
  return handle
end

--- Start dcmtk's storescp on loopback, writing into its own directory.
function helpers.start_storescp(args, env)
  local dir = helpers.tmpdir()
  local port = helpers.free_port()
  os.execute("mkdir -p " .. shell_quote(dir .. "/in"))
  local pid = helpers.spawn("exec env " .. (env or "TCP_NODELAY=1") .. " storescp -v -aet STORESCP -od "
    .. shell_quote(dir .. "/in") .. " " .. (args or "") .. " " .. port, dir .. "/storescp.log")
  local scp = { port = port, pid = pid, dir = dir, aet = "STORESCP" }
  function scp.stop() helpers.stop(pid) end
  function scp.log() return helpers.read_file(dir .. "/storescp.log") end
  local socket = require "socket"
  for _ = 1, 100 do
    local c = socket.connect("127.0.0.1", port)
    if c then c:close() return scp end
    os.execute("sleep 0.05")
  end
  error("storescp did not start: " .. helpers.read_file(dir .. "/storescp.log"))
end

--- Start spec/support/fake_scp.py, a DICOM peer of ours for what real peers do not do on demand
-- (never answer, answer garbage, answer a given status), on a free loopback port with its own
-- directory; `args` are its options (a shell string). The handle has .port, .pid, .dir,
-- records() (what it recorded so far, decoded), events(name [, conn]) (the records of one kind),
-- wait(predicate [, seconds]) and stop().
function helpers.start_fake_scp(args)
  local socket = require "socket"
  local dir = helpers.tmpdir()
  local record = dir .. "/record.jsonl"
  local pid = helpers.spawn("exec /usr/bin/python3 " .. shell_quote(helpers.source .. "/spec/support/fake_scp.py")
    .. " " .. shell_quote(record) .. " " .. (args or ""), dir .. "/fake_scp.log")
  local fake = { pid = pid, dir = dir }
  function fake.records()
    local f = io.open(record, "rb")
    if not f then return {} end
    local list = {}
    for line in f:lines() do
      local value = json.decode(line)
      if value then list[#list + 1] = value end -- a line being written is skipped
    end
    f:close()
    return list
  end
  function fake.events(name, conn)
    local list = {}
    for _, r in ipairs(fake.records()) do
      if r.event == name and (conn == nil or r.conn == conn) then list[#list + 1] = r end
    end
    return list
  end
  function fake.wait(predicate, seconds)
    local deadline = socket.gettime() + (seconds or 10)
    repeat
      local value = predicate()
      if value then return value end
      socket.sleep(0.02)
    until socket.gettime() > deadline
    return nil
  end
  function fake.stop() helpers.stop(pid) end
  local listening = fake.wait(function() return fake.events("listening")[1] end)
  if not listening then
    helpers.stop(pid)
    error("fake_scp.py did not start: " .. helpers.read_file(dir .. "/fake_scp.log"))
  end
  fake.port = listening.port
  return fake
end

return helpers
