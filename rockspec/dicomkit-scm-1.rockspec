rockspec_format = "3.0"
package = "dicomkit"
version = "scm-1"
source = {
  url = "git+file:///dev/null", -- the project is installed from its own checkout: luarocks make
}
description = {
  summary = "Turn ordinary images into conformant DICOM and send them to a PACS",
  detailed = [[
    A C core on dcmtk and libjpeg-turbo (datasets, Part 10 files, UIDs, pixel import,
    C-ECHO/C-STORE), the Lua module `dicomkit`, IOD templates as editable Lua scripts, and the
    `dicomkit` command.
  ]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "argparse >= 0.7",
  "luasocket >= 3.0",  -- dicomkit.orthanc (the local Orthanc of the demo)
  "readline",          -- the REPL's line editing (it falls back to plain input without)
}
test_dependencies = {
  "busted >= 2.0",
  "dkjson >= 2.5",
}
external_dependencies = {
  DCMTK = { header = "dcmtk/dcmdata/dctk.h" },
  TURBOJPEG = { header = "turbojpeg.h" },
}
build = {
  type = "cmake",
  variables = {
    CMAKE_C_FLAGS = "$(CFLAGS)",
    CMAKE_BUILD_TYPE = "Release",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUADIR = "$(LUADIR)",
    LIBDIR = "$(LIBDIR)",
    BINDIR = "$(BINDIR)",
    DICOMKIT_TESTS = "OFF",
  },
}
