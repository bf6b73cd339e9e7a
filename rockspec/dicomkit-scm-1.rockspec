rockspec_format = "3.0"
package = "dicomkit"
version = "scm-1"
source = {
  url = "git+https://github.com/dicomkit/dicomkit.git",
  branch = "main",
}
description = {
  summary = "Turn ordinary images into conformant DICOM and send them to a PACS",
  detailed = [[
    A C core on dcmtk and libjpeg-turbo (datasets, Part 10 files, UIDs, pixel import,
    C-ECHO/C-STORE), the Lua module `dicomkit`, IOD templates as editable Lua scripts, and the
    `dicomkit` command (a REPL, scripts, create/dump/validate/echo/send).
  ]],
  homepage = "https://github.com/dicomkit/dicomkit",
  license = "MIT",
  labels = { "dicom", "medical-imaging", "jpeg", "pacs" },
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "argparse >= 0.7",
}
-- optional at run time: readline (line editing in the REPL; plain input without it)
test_dependencies = {
  "busted >= 2.0",
  "dkjson >= 2.5",
  "luasocket >= 3.0",
}
external_dependencies = {
  DCMTK = { header = "dcmtk/dcmdata/dctk.h" },
  TURBOJPEG = { header = "turbojpeg.h", library = "turbojpeg" },
  SPNG = { header = "spng.h", library = "spng" },
  -- Debian puts these headers under the multiarch include directory, which LuaRocks does not
  -- search; the libraries it finds, and CMake's pkg-config finds the rest
  TIFF = { library = "tiff" },
  HEIF = { library = "heif" },
  EXIF = { header = "libexif/exif-data.h", library = "exif" },
}
build = {
  type = "cmake",
  variables = {
    CMAKE_C_FLAGS = "$(CFLAGS)",
    CMAKE_BUILD_TYPE = "Release",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUADIR = "$(LUADIR)",
    LIBDIR = "$(LIBDIR)",
    DCMTK_DIR = "$(DCMTK_DIR)",
    TURBOJPEG_DIR = "$(TURBOJPEG_DIR)",
    SPNG_DIR = "$(SPNG_DIR)",
    TIFF_DIR = "$(TIFF_DIR)",
    HEIF_DIR = "$(HEIF_DIR)",
    EXIF_DIR = "$(EXIF_DIR)",
    DICOMKIT_TESTS = "OFF",
    DICOMKIT_INSTALL_COMMAND = "OFF",
  },
  -- the command: LuaRocks installs it with a wrapper of its own that finds the module
  install = {
    bin = { dicomkit = "scripts/dicomkit.lua" },
  },
}
