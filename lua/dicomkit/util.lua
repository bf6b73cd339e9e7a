--- Small helpers the pure-Lua parts share (one place for each).
local util = {}

--- A string as one word for /bin/sh, whatever it holds.
function util.shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- An error message without the "file:line: " Lua puts in front of it.
function util.without_position(message)
  return (tostring(message):gsub("^[^\n]-%.lua:%d+: ", ""))
end

return util
