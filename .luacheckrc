-- luacheck (Debian's lua-check), run by scripts/test: `luacheck .` from the repository root.
std = "lua54"
max_line_length = 120
-- written by tools/iodgen.lua: data and one predicate per condition, not code we edit
exclude_files = { "lua/dicomkit/iod/**", "build*/**", "build.luarocks/**" }
-- specs and the bench hold long literal commands and messages
files["spec/**/*.lua"] = { std = "+busted", max_line_length = false }
-- scripts run by `dicomkit SCRIPT.lua` have the module as dk and help as globals
files["scripts/demo.lua"] = { read_globals = { "dk", "help" } }
files["scripts/examples/**/*.lua"] = { read_globals = { "dk", "help" } }
files["bench/*.lua"] = { read_globals = { "dk" }, max_line_length = false }
files["fuzz/**/*.lua"] = { read_globals = { "dk" } }
