--- The `dicomkit` command: runs scripts (`dicomkit SCRIPT.lua ARGS...`, like lua5.4) and
-- small jobs. Returns an exit status: 0 success, 1 failure of the job, 2 bad usage.
local cli = {}

local USAGE = [[
usage: dicomkit SCRIPT.lua [ARGS...]   run a Lua script with `dk` loaded and `arg` set
       dicomkit -e CHUNK                run a chunk of Lua (its results are printed)
       dicomkit version                 print dicomkit's, dcmtk's and Lua's versions
       dicomkit --help                  this text]]

local function traceback(message)
  if type(message) ~= "string" then
    message = tostring(message)
  end
  return debug.traceback(message, 2)
end

-- Run `chunk` with `args` as `...`; report an error like lua5.4 does.
local function run(chunk, args)
  local results = table.pack(xpcall(chunk, traceback, table.unpack(args, 1, args.n or #args)))
  if not results[1] then
    io.stderr:write("dicomkit: ", tostring(results[2]), "\n")
    return 1, results
  end
  return 0, results
end

local function script_env()
  local dk = require "dicomkit"
  _G.dk = dk
  return _G
end

function cli.main(argv)
  local first = argv[1]
  if first == nil or first == "--help" or first == "-h" then
    io.stdout:write(USAGE, "\n")
    return first and 0 or 2
  end
  if first == "version" then
    local v = require("dicomkit").version()
    io.stdout:write(("dicomkit %s\ndcmtk %s\n%s\n"):format(v.dicomkit, v.dcmtk, v.lua))
    return 0
  end
  if first == "-e" then
    if not argv[2] then
      io.stderr:write("dicomkit: -e needs a chunk of Lua\n", USAGE, "\n")
      return 2
    end
    local env = script_env()
    local chunk, err = load(argv[2], "=(command line)", "t", env)
    if not chunk then
      io.stderr:write("dicomkit: ", err, "\n")
      return 2
    end
    local status, results = run(chunk, table.pack(table.unpack(argv, 3)))
    if status == 0 and results.n > 1 then
      local shown = {}
      for i = 2, results.n do
        shown[#shown + 1] = tostring(results[i])
      end
      io.stdout:write(table.concat(shown, "\t"), "\n")
    end
    return status
  end
  if first:sub(1, 1) == "-" then
    io.stderr:write("dicomkit: unknown option '", first, "'\n", USAGE, "\n")
    return 2
  end
  -- a script: arg[0] is the script, arg[1..] its arguments, as lua5.4 sets them
  local env = script_env()
  local chunk, err = loadfile(first, "bt", env)
  if not chunk then
    io.stderr:write("dicomkit: ", err, "\n")
    return 1
  end
  local script_arg = { [-1] = "dicomkit", [0] = first }
  for i = 2, #argv do
    script_arg[i - 1] = argv[i]
  end
  _G.arg = script_arg
  local status = run(chunk, table.pack(table.unpack(script_arg, 1, #argv - 1)))
  return status
end

return cli
