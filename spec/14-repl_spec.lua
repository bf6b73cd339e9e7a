-- The REPL as a user meets it in a terminal (tmux): help for the API and the templates, short
-- errors with the traceback on request, Ctrl-C that stops a running chunk or drops a half-typed
-- line and never the session, and a history that outlives a terminal closed under it.
-- Then, without a terminal: every function and method of the module has a help text, and
-- every subcommand answers --help.
local h = require "helpers"

-- A REPL in a tmux pane of its own tmux server (-S, a socket in the test's temporary directory:
-- the user's server is never touched), with its own HOME, so the history file is a fresh one.
local Terminal = {}
Terminal.__index = Terminal

local function tmux(socket, args)
  return h.run("env -u TMUX tmux -f /dev/null -S " .. h.quote(socket) .. " " .. args)
end

function Terminal.open(home, socket)
  -- a second session keeps the server up when the REPL's is killed (a new-session racing with
  -- a server on its way out fails)
  tmux(socket, "has-session -t keeper 2>/dev/null || tmux -f /dev/null -S " .. h.quote(socket)
    .. " new-session -d -s keeper cat")
  local t = setmetatable({ home = home, socket = socket, name = "repl" .. math.random(1e6) }, Terminal)
  local ok, _, _, err = tmux(socket, "new-session -d -s " .. t.name .. " -x 200 -y 50 "
    .. h.quote("HOME=" .. h.quote(home) .. " exec " .. h.quote(h.dicomkit)))
  assert(ok, "tmux new-session: " .. err)
  t:wait_for("dk> ")
  return t
end

--- The whole pane, scrollback included, wrapped lines joined.
function Terminal:screen()
  local _, _, out = tmux(self.socket, "capture-pane -p -J -S - -t " .. self.name)
  return out
end

--- Type text literally, then the named keys (Enter, Tab, Up, C-c...).
function Terminal:type(text, ...)
  if text ~= "" then tmux(self.socket, "send-keys -t " .. self.name .. " -l " .. h.quote(text)) end
  for _, key in ipairs({ ... }) do tmux(self.socket, "send-keys -t " .. self.name .. " " .. key) end
end

local function count(haystack, needle)
  local n, at = 0, 1
  while true do
    local i = haystack:find(needle, at, true)
    if not i then return n end
    n, at = n + 1, i + 1
  end
end

--- Wait until the screen shows text (`times` times, 1 by default) within 15 seconds.
function Terminal:wait_for(text, times)
  for _ = 1, 150 do
    if count(self:screen(), text) >= (times or 1) then return true end
    os.execute("sleep 0.1")
  end
  error(("the screen never showed %q%s:\n%s"):format(text,
    times and (" " .. times .. " times") or "", self:screen()), 2)
end

--- The terminal goes away under the REPL (no ctrl-D): the pane's process gets SIGHUP.
function Terminal:close()
  tmux(self.socket, "kill-session -t " .. self.name)
end

describe("the REPL in a terminal #repl", function()
  local home, socket, term

  before_each(function()
    home = h.tmpdir()
    socket = h.tmpdir() .. "/tmux"
    term = Terminal.open(home, socket)
  end)
  after_each(function()
    tmux(socket, "kill-server")
    h.cleanup()
  end)

  it("shows help for dk.template, for a template (its options and modules) and for a dataset method", function()
    term:type("help(dk.template)", "Enter")
    term:wait_for("dk.template(name) -> template")
    term:wait_for('help(dk.template("vl_photographic")) lists its options and modules')

    term:type('help(dk.template("vl_photographic"))', "Enter")
    term:wait_for("template vl_photographic: VL Photographic Image (SOP Class 1.2.840.10008.5.1.4.1.1.77.1.4)")
    local screen = term:screen()
    -- the options every template takes and this one's own, each with what it does
    assert.matches("\n    input +path of the image to import %(a JPEG, PNG, TIFF or HEIC", screen)
    assert.matches("\n    jpeg +the same as input %(the older name%)\n", screen)
    assert.matches("\n    now +the time stamps to use, as os.time%(%) seconds\n", screen)
    assert.matches("\n    uid_root +org root for generated UIDs\n", screen)
    assert.matches("\n    acquisition_context +items of AcquisitionContextSequence", screen)
    assert.matches("modules: Patient, General Study, Patient Study, General Series, General "
      .. "Equipment, General Acquisition, General Image, Image Pixel, Acquisition Context, VL Image, "
      .. "ICC Profile, SOP Common", screen, 1, true)

    term:type("ds = dk.dataset()", "Enter")
    term:type("help(ds.save)", "Enter")
    term:wait_for("ds:save(path | file [, {transfer_syntax =")
    screen = term:screen()
    assert.matches("A regular file is replaced atomically (temporary file and rename)", screen, 1, true)
    assert.matches("returns ENOSPC and leaves the destination as it was", screen, 1, true)
  end)

  it("prints tables readably, errors shortly, and the traceback on .trace", function()
    term:type("dk.templates()", "Enter")
    term:wait_for('{ name = "vl_photographic", path = ')
    assert.matches('{ name = "secondary_capture", path = "[^"]+/secondary_capture.lua", source = "bundled" }',
      term:screen())
    assert.is_nil(term:screen():find("table: 0x", 1, true), "a table address:\n" .. term:screen())

    term:type("dk.read(nil)", "Enter")
    term:wait_for("error: stdin:1: bad argument #1 to 'read' (string expected, got nil)  (.trace shows where)")
    assert.is_nil(term:screen():find("stack traceback", 1, true), "the traceback came unasked:\n" .. term:screen())
    term:type(".trace", "Enter")
    term:wait_for("stack traceback:")
    local trace = term:screen():match("dk> %.trace\n(.-)\ndk> ")
    assert.matches("stdin:1: in main chunk", trace, 1, true)
    -- the REPL's own frames are not the user's business
    assert.is_nil(trace:find("repl.lua", 1, true), "the REPL's frames are in it:\n" .. trace)
    assert.is_nil(trace:find("cli.lua", 1, true), "the command's frames are in it:\n" .. trace)

    -- TAB completes module functions as far as they agree, then lists them
    term:type("dk.tem", "Tab")
    term:wait_for("dk> dk.template")
    term:type("", "Tab", "Tab")
    term:wait_for("\ndk.template   dk.templates")
  end)

  it("stops a long loop on Ctrl-C and goes on; Ctrl-C at the prompt drops the line", function()
    -- the marker says the chunk runs: the ^C cannot land before it starts
    term:type('print("looping") while true do end', "Enter")
    term:wait_for("\nlooping\n")
    term:type("", "C-c")
    term:wait_for("error: interrupted  (.trace shows where)")
    term:type("return 1+1", "Enter")
    term:wait_for("dk> return 1+1\n2\n")

    -- a pcall inside the loop does not swallow the ^C (the loop spends its time in the pcall)
    term:type('print("looping again") while true do pcall(function() for _ = 1, 1000 do end end) end', "Enter")
    term:wait_for("\nlooping again\n")
    term:type("", "C-c")
    term:wait_for("error: interrupted  (.trace shows where)\ndk> ", 2)
    term:type("return 2+2", "Enter")
    term:wait_for("dk> return 2+2\n4\n")

    -- at the prompt: the half-typed line is dropped and a fresh prompt is shown
    term:type("half typed")
    term:wait_for("dk> half typed")
    term:type("", "C-c")
    term:wait_for("dk> half typed^C\ndk> ")
    term:type("return 3+3", "Enter")
    term:wait_for("dk> return 3+3\n6\n")
    assert.is_nil(term:screen():find("syntax error", 1, true), "the dropped line was run:\n" .. term:screen())
    -- and a statement being continued on several lines
    term:type("for i = 1, 3 do", "Enter")
    term:wait_for(">> ")
    term:type("", "C-c")
    term:type("return 4+4", "Enter")
    term:wait_for("dk> return 4+4\n8\n")
  end)

  it("keeps the history when the terminal is closed, and Up recalls it in the next session", function()
    local token = tostring(math.random(1e9))
    local line1 = 'first = "' .. token .. '"'
    local line2 = "return first .. '-again'"
    term:type(line1, "Enter")
    term:type(line2, "Enter")
    term:wait_for('"' .. token .. '-again"')
    term:close() -- no ctrl-D: the REPL never gets to leave cleanly

    local path = home .. "/.dicomkit_history"
    assert.is_true(h.exists(path), "no history file")
    assert.equal(line1 .. "\n" .. line2 .. "\n", h.read_file(path))
    -- the lines may hold patient names: the file is the user's only, as a shell's history is
    local _, _, mode = h.run("stat -c %a " .. h.quote(path))
    assert.equal("600\n", mode)

    local again = Terminal.open(home, socket)
    again:type("", "Up")
    again:wait_for("dk> " .. line2)
    again:type("", "Up")
    again:wait_for("dk> " .. line1)
    again:type("", "Enter")
    again:type("return first", "Enter")
    again:wait_for('dk> return first\n"' .. token .. '"\n')
  end)
end)

describe("help texts #repl", function()
  local dk = require "dicomkit"
  local help = require "dicomkit.help"

  -- every function of a table, by name
  local function functions(t)
    local out = {}
    for name, value in pairs(t) do
      if type(name) == "string" and type(value) == "function" then out[name] = value end
    end
    return out
  end

  it("exist for every dk function, dataset method, association method and template", function()
    local missing = {}
    local function check(label, f)
      local text = help.lookup(f)
      if not text then
        missing[#missing + 1] = label
      else
        -- the text is about that function: its first line shows it called
        local name = label:match("[.:](.+)$")
        if not text:match("^[^\n]*" .. name:gsub("%p", "%%%0") .. "[%({]") then
          missing[#missing + 1] = label .. " (its text is another's: " .. text:match("^[^\n]*") .. ")"
        end
      end
    end
    local n = 0
    for name, f in pairs(functions(dk)) do check("dk." .. name, f) n = n + 1 end
    assert.is_true(n >= 15, "only " .. n .. " dk functions?")

    local ds = dk.dataset()
    local methods = getmetatable(ds).__methods
    n = 0
    for name, f in pairs(functions(methods)) do check("ds:" .. name, f) n = n + 1 end
    assert.is_true(n >= 12, "only " .. n .. " dataset methods?")
    assert.equal(help.lookup(methods.save), help.lookup(ds.save))
    ds:close()

    local assoc_methods = debug.getregistry()["dicomkit.Association"].__index
    n = 0
    for name, f in pairs(functions(assoc_methods)) do check("assoc:" .. name, f) n = n + 1 end
    assert.is_true(n >= 6, "only " .. n .. " association methods?")

    local common = require "dicomkit.templates.common"
    for _, entry in ipairs(dk.templates()) do
      local tpl = dk.template(entry.name)
      check("template:extend", tpl.extend)
      local text = help.text(tpl)
      assert.matches("^template " .. entry.name .. ": ", text)
      for option in pairs(common.options) do
        if not text:find("\n    " .. option .. " ", 1, true) then
          missing[#missing + 1] = entry.name .. " option " .. option
        end
      end
      for option in pairs(tpl.options or {}) do
        if not text:find("\n    " .. option .. " ", 1, true) then
          missing[#missing + 1] = entry.name .. " option " .. option
        end
      end
      for _, module in ipairs(tpl.modules or {}) do
        if not text:find(module, 1, true) then missing[#missing + 1] = entry.name .. " module " .. module end
      end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("are listed by help() and reached by name", function()
    local all = help.text()
    for _, topic in ipairs({ "dk.template", "dk.read", "ds:save", "assoc:store" }) do
      assert.matches(topic, all, 1, true)
    end
    assert.equal(help.text(dk.read), help.text("dk.read"))
    assert.equal(help.text(dk.read), help.text("read"))
    assert.matches("^no help", help.text(print))
  end)

  it("answer `dicomkit COMMAND --help` for every subcommand", function()
    local names = {}
    for name in pairs(require("dicomkit.cli").commands) do names[#names + 1] = name end
    table.sort(names)
    -- the ones the README names, and any added since
    for _, name in ipairs({ "create", "dump", "echo", "send", "templates", "uid", "validate", "version" }) do
      assert.truthy(require("dicomkit.cli").commands[name], name)
    end
    for _, name in ipairs(names) do
      local ok, code, out, err = h.run(h.quote(h.dicomkit) .. " " .. name .. " --help")
      assert.is_true(ok, name .. ": " .. err)
      assert.equal(0, code)
      assert.matches("^Usage: dicomkit " .. name, out)
      assert.matches("%-h, %-%-help +Show this help message and exit%.", out)
      assert.equal("", err)
    end
  end)
end)
