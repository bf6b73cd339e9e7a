--- A local Orthanc for the demo and the specs (not installed with the module): Debian's
-- /usr/sbin/Orthanc with its own configuration and storage in a directory of ours, on free
-- loopback ports, HTTP for localhost only, stopped by its pid. Needs LuaSocket (ports and the
-- REST API) and dkjson (its configuration).
local orthanc = {}

local json = require "dkjson"
local shell_quote = require("dicomkit.util").shell_quote

--- A free TCP port on loopback.
function orthanc.free_port()
  local socket = require "socket"
  local server = assert(socket.bind("127.0.0.1", 0))
  local _, port = server:getsockname()
  server:close()
  return tonumber(port)
end

local function alive(pid)
  return os.execute("kill -0 " .. pid .. " 2>/dev/null") == true
end

--- Start Orthanc. opts: dir (its config, storage and log; made if missing), config (extra keys),
-- aet ("ORTHANC"). Returns a handle or nil, message.
function orthanc.start(opts)
  opts = opts or {}
  local dir = assert(opts.dir, "orthanc.start needs dir")
  os.execute("mkdir -p " .. shell_quote(dir .. "/storage"))
  local handle = { dir = dir, aet = opts.aet or "ORTHANC", http = orthanc.free_port(),
                   dicom = orthanc.free_port() }
  local config = {
    Name = "dicomkit", StorageDirectory = dir .. "/storage", IndexDirectory = dir .. "/storage",
    HttpPort = handle.http, DicomPort = handle.dicom, DicomAet = handle.aet,
    RemoteAccessAllowed = false, AuthenticationEnabled = false, DicomCheckCalledAet = false,
    Plugins = {}, ConcurrentJobs = 1, SaveJobs = false,
  }
  for k, v in pairs(opts.config or {}) do config[k] = v end
  local f = assert(io.open(dir .. "/orthanc.json", "w"))
  f:write(json.encode(config))
  f:close()
  -- TCP_NODELAY: Debian's dcmtk inside Orthanc leaves Nagle on otherwise (~45 ms per object).
  -- LD_PRELOAD is ours (a sanitizer run), not Orthanc's.
  local p = io.popen("cd " .. shell_quote(dir) .. " && (unset LD_PRELOAD; TCP_NODELAY=1 exec /usr/sbin/Orthanc "
    .. shell_quote(dir .. "/orthanc.json") .. " >" .. shell_quote(dir .. "/orthanc.log")
    .. " 2>&1 & echo $!)")
  handle.pid = tonumber(p:read("a"):match("%d+"))
  p:close()
  setmetatable(handle, { __index = orthanc })
  for _ = 1, 300 do
    if handle:get("/system") then return handle end
    if not alive(handle.pid) then break end
    os.execute("sleep 0.1")
  end
  handle:stop()
  local log = io.open(dir .. "/orthanc.log")
  return nil, "Orthanc did not start: " .. (log and log:read("a") or "no log")
end

local function request(self, method, path, body)
  local http = require "socket.http"
  local ltn12 = require "ltn12"
  local chunks = {}
  local ok, code = http.request{
    url = ("http://127.0.0.1:%d%s"):format(self.http, path), method = method,
    source = body and ltn12.source.string(body) or nil,
    headers = body and { ["content-length"] = tostring(#body) } or nil,
    sink = ltn12.sink.table(chunks),
  }
  if not ok or code ~= 200 then return nil, code end
  return table.concat(chunks)
end

--- GET path; returns the body (a string) or nil, HTTP status.
function orthanc:get(path) return request(self, "GET", path) end

--- POST path; returns the body or nil, HTTP status.
function orthanc:post(path, body) return request(self, "POST", path, body) end

--- The Orthanc ID of the instance with this SOP Instance UID, or nil.
function orthanc:lookup(uid)
  local body = self:post("/tools/lookup", uid)
  return body and body:match('"ID"%s*:%s*"([^"]+)"') or nil
end

--- Stop by pid and wait until it is gone.
function orthanc:stop(signal)
  if not self.pid then return end
  os.execute("kill -" .. (signal or "TERM") .. " " .. self.pid .. " 2>/dev/null")
  for _ = 1, 100 do
    if not alive(self.pid) then return end
    os.execute("sleep 0.1")
  end
  os.execute("kill -KILL " .. self.pid .. " 2>/dev/null")
end

--- The Orthanc Explorer address of a study.
function orthanc:explorer(study_id)
  return ("http://127.0.0.1:%d/app/explorer.html#study?uuid=%s"):format(self.http, study_id)
end

return orthanc
