#!/usr/bin/env lua5.4
-- The `dicomkit` command: a REPL, a script runner and subcommands (lua/dicomkit/cli.lua).
-- LuaRocks installs it with a wrapper of its own that finds the module; the build tree's
-- build/dicomkit puts the staged module first on Lua's paths.
-- `true` closes the Lua state first: what a script left open (an association, a dataset) is
-- finalized, so an open association ends with an A-ABORT rather than a bare TCP close.
os.exit(require("dicomkit.cli").main(arg), true)
