--- Shared by the specs: temporary directories, running commands, and the oracles we did not
-- write (dcmdump, pydicom through Debian's /usr/bin/python3, dcmtk's own tools).
local helpers = {}

helpers.source = os.getenv("DICOMKIT_SOURCE") or "."
helpers.build = os.getenv("DICOMKIT_BUILD") or (helpers.source .. "/build")

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
helpers.quote = shell_quote

--- Run a shell command; returns ok, exit code, stdout, stderr.
function helpers.run(cmd, input)
  local out = os.tmpname()
  local err = os.tmpname()
  local full = "(" .. cmd .. ") >" .. out .. " 2>" .. err
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

return helpers
