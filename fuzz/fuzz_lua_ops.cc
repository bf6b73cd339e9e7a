// libFuzzer target: the Lua binding (dicomkit.core, lua/src/*.c) driven by fuzzed operations.
//
// Each input runs in a fresh lua_State. The driver below (Lua, embedded) reads the input as a
// program: byte by byte it picks an operation and its operands from fixed tables of keywords,
// tags, VRs and value shapes, and runs it under pcall on four dataset slots (roots, items, or
// closed ones; two roots and an item to start with). A Lua error is an expected answer to a bad
// operation; a crash, a sanitizer report, a leak, or a broken property (fuzz_broken, which
// aborts) is a finding. The properties: a closed dataset and the items of a closed root raise
// on every use, never crash; an item whose sequence was replaced raises; a successful set is
// there to read, a remove is gone; what ds:save wrote, dk.read reads; ds:json() is valid JSON;
// tostring of a closed dataset says so.
//
// Files go to one directory per process, made under $TMPDIR (or /tmp) and removed at exit.
// With DICOMKIT_FUZZ_ALLOC_FAIL=1 in the environment, an input whose first byte is 0xFA also
// makes Lua's Nth allocation fail (N from the next two bytes): a memory error wherever the
// binding can meet one, for hunting leaks on those paths. Off by default: one failure only,
// since a finalizer Lua cannot call for want of memory is dropped, which would read as a leak.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_dicomkit_core(lua_State *L);
}

#ifndef DICOMKIT_SOURCE_DIR
#error "DICOMKIT_SOURCE_DIR must name the source tree (for dicomkit.validate)"
#endif

namespace {

const char kDriver[] = R"lua(
local data, dir, broken = ...
local dk = require "dicomkit.core"

local pos = 1
local function byte()
  local b = data:byte(pos)
  pos = pos + 1
  return b or 0
end
local function more() return pos <= #data end
local function pick(t) return t[byte() % #t + 1] end
local function chunk(n)
  local s = data:sub(pos, pos + n - 1)
  pos = pos + n
  return s
end
local function hex(s)
  return (s:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

-- keys: keywords of every VR, tags as numbers and strings, repeating groups, group lengths,
-- private tags, and keys that are no tag at all
local KEYS = {
  "PatientName", "PatientID", "PatientBirthDate", "StudyTime", "AcquisitionDateTime",
  "PatientAge", "Modality", "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "ImageType",
  "InstanceNumber", "PixelSpacing", "SliceThickness", "Rows", "Columns",
  "SmallestImagePixelValue", "StationAETitle", "ImageComments", "TextValue", "RetrieveURL",
  "PixelData", "ICCProfile", "FloatPixelData", "DoubleFloatPixelData", "SelectorATValue",
  "SelectorFDValue", "SelectorFLValue", "SelectorSLValue", "SelectorULValue", "SelectorSVValue",
  "SelectorUVValue", "SelectorUSValue", "SelectorSSValue", "LongCodeValue", "SelectorSTValue",
  "SpecificCharacterSet", "LUTData", "ReferencedImageSequence", "ContentSequence",
  "OtherPatientIDsSequence", "ConceptNameCodeSequence", "OtherPatientIDs", "CodeValue",
  "PhotometricInterpretation", "SamplesPerPixel", "BitsAllocated", "NumberOfFrames",
  0x00100010, "(0010,0020)", "00080060", 0x60020010, 0x60000010, 0x00080000, 0x00280000,
  0x00290010, 0x00291001, 0x00291002, "(0029,1003)", 0x00091001, 0x00110010, 0x7FE00010,
  0xFFFEE000, 0x00020010, 0x0002FFFF,
  "NotAKeyword", "patientname", "", "(zzzz,0010)", -1, 0x100000000, 1.5, true,
}
local SEQ_KEYS = { "ReferencedImageSequence", "ContentSequence", "OtherPatientIDsSequence",
                   "ConceptNameCodeSequence", 0x00291002 }
local VRS = {
  "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF",
  "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN",
  "UR", "US", "UT", "UV", "", "XX", "sq", "O", "OBX", "xs", "ox",
}
local STRINGS = {
  "", " ", "A", "Doe^Jane", "Müller^Jürgen", "山田^太郎=やまだ^たろう", "20240229", "20230229",
  "1980-02-29", "120000.5", "235960", "20240229120000+0100", "1.2.3", "1.02", "2.25.1",
  "1.2.840.10008.5.1.4.1.1.7", "12", "-0", "1e5", " 3.5 ", "1e400", "nan", "a\\b\\c", "\\",
  "\xff\xfe", "\0", "abc\0def", "ORIGINAL", "DERIVED\\SECONDARY", "ISO_IR 100", "ISO_IR 192",
  "ISO 2022 IR 87", "GB18030", "\27$B", "MONOCHROME2", "RGB", "055Y", "http://x/y",
  string.rep("x", 65), string.rep("9", 17),
}
local NUMBERS = {
  0, 1, -1, 2, 3, 8, 16, 255, 65535, 65536, -32768, -32769, 2147483647, 2147483648,
  4294967295, 4294967296, math.maxinteger, math.mininteger, 0.5, 1 / 3, -0.0, 1e300, 1e-300,
  math.huge, -math.huge, 0 / 0, 2 ^ 53, 0x00100010,
}
local GREY = hex(
  "ffd8ffe000104a46494600010100000100010000ffdb0043001b12141714111b1716171e1c1b2028422b2825" ..
  "2528513a3d3042605565645f555d5b6a7899816a7190735b5d85b586909ea3abadab6780bcc9baa6c799a8ab" ..
  "a4ffc0000b080008000801011100ffc4001f0000010501010101010100000000000000000102030405060708" ..
  "090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114" ..
  "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748" ..
  "494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999a" ..
  "a2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7" ..
  "e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00cad3fb57ffd9")
local TURNED = hex( -- 16x8 colour 4:4:4 with EXIF Orientation 6
  "ffd8ffe000104a46494600010100000100010000ffe100224578696600004d4d002a00000008000101120003" ..
  "000000010006000000000000ffdb0043001b12141714111b1716171e1c1b2028422b28252528513a3d304260" ..
  "5565645f555d5b6a7899816a7190735b5d85b586909ea3abadab6780bcc9baa6c799a8aba4ffdb0043011c1e" ..
  "1e2823284e2b2b4ea46e5d6ea4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4" ..
  "a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4ffc00011080008001003011100021101031101ffc40015000101" ..
  "00000000000000000000000000000405ffc40017100003010000000000000000000000000000030461ffc400" ..
  "17010003010000000000000000000000000002030405ffc40016110003000000000000000000000000000000" ..
  "0203ffda000c03010002110311003f0098a9b0a99c19505aa6c12ce69ca87fffd9")

local slots = {}                        -- four datasets (roots or items), or nil
local root_of = setmetatable({}, { __mode = "k" })  -- item -> its root, as the driver saw it
local closed = setmetatable({}, { __mode = "k" })   -- roots the driver closed

-- Datasets used as items are copied, and a dataset that holds copies of itself grows
-- geometrically: a script may do that, the fuzzer need not. A few copies per input.
local copies = 0
local function as_item(ds)
  copies = copies + 1
  if copies > 6 then return {} end
  return ds
end

local function dead(ds)
  return closed[ds] or (root_of[ds] ~= nil and closed[root_of[ds]])
end
local function slot_index() return byte() % 4 + 1 end
local function slot()
  local ds = slots[slot_index()]
  if ds == nil then error("empty slot") end
  return ds
end
local function file() return dir .. "/f" .. (byte() % 4) end

-- a value of some shape; depth bounds the nesting the driver itself builds
local value
local function item_table(depth)
  local t = {}
  for _ = 1, byte() % 4 do t[pick(KEYS)] = value(depth + 1) end
  return t
end
function value(depth)
  local kind = byte() % 14
  if kind == 0 then return nil
  elseif kind == 1 or kind == 2 then return pick(STRINGS)
  elseif kind == 3 then return chunk(byte() % 64)
  elseif kind == 4 or kind == 5 then return pick(NUMBERS)
  elseif kind == 6 then
    local t = {}
    for i = 1, byte() % 6 do t[i] = byte() % 2 == 0 and pick(STRINGS) or pick(NUMBERS) end
    return t
  elseif kind == 7 then
    local t = {}
    if depth < 4 then for i = 1, byte() % 4 do t[i] = item_table(depth) end end
    return t
  elseif kind == 8 then
    local t = {}
    for i = 1, byte() % 3 do t[i] = as_item(slots[byte() % 4 + 1] or {}) end
    return t
  elseif kind == 9 then return as_item(slots[byte() % 4 + 1])
  elseif kind == 10 then
    local t = { {} }
    t[1][pick(SEQ_KEYS)] = t -- an item that contains its own sequence
    return t
  elseif kind == 11 then return byte() % 2 == 0
  elseif kind == 12 then return string.rep(pick(STRINGS), byte() * 4)
  else return { 1, "a", x = 2, [4] = 4 }
  end
end

-- read a value as a script would: every item's elements, bounded
local function touch(v, depth)
  depth = depth or 0
  if depth > 3 then return end
  if type(v) == "table" then
    for _, x in ipairs(v) do touch(x, depth + 1) end
  elseif dk.is_dataset(v) then
    for _, x in pairs(v) do touch(x, depth + 1) end
  end
end

-- every use a closed dataset must refuse
local USES = {
  function(ds) return ds:get("PatientName") end,
  function(ds) return ds.PatientName end,
  function(ds) return ds[0x00100010] end,
  function(ds) ds.PatientName = "X" end,
  function(ds) return ds:set("PatientID", "LO", "1") end,
  function(ds) return ds:remove("PatientName") end,
  function(ds) return ds:has("PatientName") end,
  function(ds) for _ in ds:keys() do end end,
  function(ds) for _ in pairs(ds) do end end,
  function(ds) return ds:info("PatientName") end,
  function(ds) return ds:json() end,
  function(ds) return ds:save(dir .. "/closed") end,
  function(ds) return #ds end,
  function(ds) return ds:is_root() end,
  function(ds) return ds:transfer_syntax() end,
  function(ds) return ds:set_pixels{ rows = 1, columns = 1, data = "\0" } end,
  function(ds) return dk.dataset{ ReferencedImageSequence = { ds } } end,
}

local function must_refuse(ds, why)
  for i, use in ipairs(USES) do
    if pcall(use, ds) then broken(why .. ": use " .. i .. " did not raise") end
  end
  if not dk.is_dataset(ds) then broken(why .. ": no longer a dataset") end
end

local function validate(ds)
  local v = require "dicomkit.validate"
  local findings = v.dataset(ds)
  if type(findings) ~= "table" then broken("validate returned no findings table") end
end

local SAVE_OPTS = {
  false, { transfer_syntax = "explicit" }, { transfer_syntax = "implicit" },
  { transfer_syntax = "1.2.840.10008.1.2.4.50" }, { transfer_syntax = "1.2.840.10008.1.2.2" },
  { transfer_syntax = "1.2.3" }, { transfer_syntax = "bogus" }, {},
}

local OPS = {
  -- 1: a new dataset, empty or from a table
  function()
    local init = byte() % 2 == 0 and item_table(0) or nil
    slots[slot_index()] = dk.dataset(init)
  end,
  -- 2: ds[key] = value; then it is there (or gone for nil)
  function()
    local ds, key = slot(), pick(KEYS)
    local v = value(0)
    ds[key] = v
    local there = ds:has(key)
    if v == nil and there then broken("ds[key] = nil left the element") end
    if v ~= nil and not there then broken("ds[key] = value left no element") end
  end,
  -- 3: ds:set(key, vr, value)
  function()
    local ds, key, vr = slot(), pick(KEYS), pick(VRS)
    local v = value(0)
    ds:set(key, vr, v)
    if v ~= nil and not ds:has(key) then broken("ds:set left no element") end
  end,
  -- 4, 5: reading
  function() touch(slot()[pick(KEYS)]) end,
  function()
    local v, vr = slot():get(pick(KEYS))
    touch(v)
    if v ~= nil and type(vr) ~= "string" then broken("ds:get gave a value without its VR") end
  end,
  -- 6: remove; then it is gone
  function()
    local ds, key = slot(), pick(KEYS)
    ds:remove(key)
    if ds:has(key) then broken("ds:remove left the element") end
  end,
  -- 7: has, info
  function() local ds, key = slot(), pick(KEYS); ds:has(key); ds:info(key) end,
  -- 8, 9: iteration, with values and without
  function() for _, v in pairs(slot()) do touch(v) end end,
  function() for _, vr in slot():keys() do assert(type(vr) == "string") end end,
  -- 10: JSON, which must be JSON
  function()
    local text = slot():json()
    local doc, _, msg = require("dkjson").decode(text)
    if doc == nil then
      broken("ds:json() is not JSON: " .. tostring(msg) .. ": " .. text:sub(1, 200))
    end
  end,
  -- 11: the dump
  function() assert(type(tostring(slot())) == "string") end,
  -- 12: save, then what was saved reads back
  function()
    local ds, path, opts = slot(), file(), pick(SAVE_OPTS)
    local ok = ds:save(path, opts or nil)
    if ok then
      local back, msg = dk.read(path)
      if not back then broken("ds:save wrote what dk.read refuses: " .. tostring(msg)) end
      slots[slot_index()] = back
    end
  end,
  -- 13: save into an open file (the write_fd path)
  function()
    local ds, path, opts = slot(), file(), pick(SAVE_OPTS)
    local f = assert(io.open(path, "wb"))
    local ok, msg = pcall(ds.save, ds, f, opts or nil)
    f:close()
    if not ok then error(msg) end
  end,
  -- 14: close; then every use raises, and so does every use of its items
  function()
    local ds = slot()
    local root = ds:is_root()
    ds:close()
    ds:close() -- twice is harmless
    if root then
      closed[ds] = true
      if tostring(ds) ~= "dicomkit.Dataset (closed)" then broken("tostring of a closed dataset") end
      must_refuse(ds, "a closed root")
    end
    for _, other in pairs(slots) do
      if dead(other) then must_refuse(other, "an item of a closed root") end
    end
  end,
  -- 15: an iterator kept past close
  function()
    local ds = slot()
    if not ds:is_root() then return end
    local next_of, s, c = pairs(ds)
    ds:close()
    closed[ds] = true
    if pcall(next_of, s, c) then broken("an iterator ran on after close") end
  end,
  -- 16: take an item of a sequence into a slot
  function()
    local ds = slot()
    local seq = ds[pick(SEQ_KEYS)]
    if type(seq) == "table" and #seq > 0 then
      local item = seq[byte() % #seq + 1]
      root_of[item] = root_of[ds] or ds
      slots[slot_index()] = item
    end
  end,
  -- 17: an item whose sequence is replaced or removed goes stale: it raises
  function()
    local ds, key = slot(), pick(SEQ_KEYS)
    local seq = ds[key]
    if type(seq) ~= "table" or #seq == 0 then return end
    local item = seq[byte() % #seq + 1]
    local replacement = nil
    if byte() % 2 == 1 then replacement = value(0) end
    ds[key] = replacement
    must_refuse(item, "an item of a replaced sequence")
  end,
  -- 18: raw pixels
  function()
    local samples = byte() % 2 == 0 and 1 or 3
    local bits = byte() % 2 == 0 and 8 or 16
    local rows, columns = byte() % 5 + (byte() % 8 == 0 and 0 or 1), byte() % 5 + 1
    local n = rows * columns * samples * bits // 8 + (byte() % 8 == 0 and 1 or 0)
    local photometric = byte() % 4 == 0 and "YBR_FULL" or nil
    slot():set_pixels{ rows = rows, columns = columns, samples = samples, bits = bits,
                       data = string.rep("\x55", n), photometric = photometric }
  end,
  -- 19: a JPEG, from the two above or from the input
  function()
    local src = pick({ GREY, TURNED, "raw" })
    if src == "raw" then src = chunk(byte() * 4) end
    local b = byte()
    slot():set_pixels({ bytes = src, name = "fuzz.jpg" }, {
      decode = b & 1 ~= 0, keep_markers = b & 2 ~= 0, allow_rgb = b & 4 ~= 0,
      orientation = b & 8 ~= 0 and "keep" or "apply", max_pixels = 1000000 })
  end,
  -- 20: collect
  function() collectgarbage() end,
  -- 21: read bytes of the input as a file
  function()
    local path = file()
    local f = assert(io.open(path, "wb"))
    f:write(byte() % 2 == 0 and string.rep("\0", 128) .. "DICM" or "", chunk(byte() * 8))
    f:close()
    local ds = dk.read(path, { max_elements = 10000, max_inflated_bytes = 1 << 20 })
    if ds then
      touch(ds)
      slots[slot_index()] = ds
    end
  end,
  -- 22: dicomkit.validate (the pure-Lua IOD tables)
  function() validate(slot()) end,
  -- 23: small questions
  function()
    local ds = slot()
    local _ = #ds, ds:transfer_syntax(), ds:is_root(), dk.is_dataset(ds)
  end,
  -- 24: the module's functions
  function()
    local s = pick(STRINGS)
    dk.tag(s); dk.is_uid(s); dk.keyword(pick(NUMBERS)); dk.dictionary(pick(KEYS))
    dk.uid{ from = s }
  end,
  -- 25, 26: moving references around (what the garbage collector then frees)
  function() slots[slot_index()] = nil end,
  function() slots[slot_index()] = slots[slot_index()] end,
  -- 27: a sequence made of datasets, itself and its own items among them
  function()
    local ds, key = slot(), pick(SEQ_KEYS)
    local items = {}
    for i = 1, byte() % 3 + 1 do
      local which = byte() % 3
      if which == 0 then items[i] = as_item(ds)
      elseif which == 1 then
        local seq = ds[key]
        items[i] = as_item(type(seq) == "table" and seq[1] or {})
      else items[i] = as_item(slots[byte() % 4 + 1] or {}) end
    end
    ds[key] = items
  end,
}

-- two roots that can be saved, and an item of the second, to start from
slots[1] = dk.dataset{ SOPClassUID = "1.2.840.10008.5.1.4.1.1.7", SOPInstanceUID = "2.25.1",
                       PatientName = "Doe^Jane", Rows = 2 }
slots[2] = dk.dataset{ SOPClassUID = "1.2.840.10008.5.1.4.1.1.7", SOPInstanceUID = "2.25.2",
                       ContentSequence = { { CodeValue = "X" }, {} } }
slots[3] = slots[2].ContentSequence[1]
root_of[slots[3]] = slots[2]

local ops = 0
while more() and ops < 300 do
  ops = ops + 1
  local op = OPS[byte() % #OPS + 1]
  local ok, err = pcall(op)
  if not ok and type(err) == "string" and err:find("unexpected failure inside dcmtk", 1, true) then
    broken("an unclassified dcmtk failure: " .. err)
  end
end
)lua";

std::string g_dir;
std::string g_driver; // the driver compiled once, as Lua bytecode

int collect_chunk(lua_State *, const void *p, size_t n, void *ud)
{
    static_cast<std::string *>(ud)->append(static_cast<const char *>(p), n);
    return 0;
}

void remove_files()
{
    for (const char *f : {"/f0", "/f1", "/f2", "/f3", "/closed"})
        unlink((g_dir + f).c_str());
}

void remove_dir()
{
    remove_files();
    rmdir(g_dir.c_str());
}

int l_broken(lua_State *L)
{
    fprintf(stderr, "fuzz_lua_ops: property broken: %s\n", luaL_tolstring(L, 1, nullptr));
    abort();
}

// Lua's allocator, failing the Nth allocation when asked (see the top of the file).
struct alloc_state {
    bool failing = false;
    long countdown = 0;
};

void *fuzz_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    alloc_state *a = static_cast<alloc_state *>(ud);
    if (nsize == 0) {
        free(ptr);
        return nullptr;
    }
    if (a->failing && nsize > osize && a->countdown-- == 0)
        return nullptr;
    return realloc(ptr, nsize);
}

bool alloc_fail_enabled()
{
    const char *e = getenv("DICOMKIT_FUZZ_ALLOC_FAIL");
    return e != nullptr && strcmp(e, "1") == 0;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    const char *tmp = getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/fuzz_lua_ops.XXXXXX";
    if (mkdtemp(&templ[0]) == nullptr) {
        perror("fuzz_lua_ops: mkdtemp");
        abort();
    }
    g_dir = templ;
    atexit(remove_dir);
    lua_State *L = luaL_newstate();
    if (L == nullptr || luaL_loadbuffer(L, kDriver, sizeof kDriver - 1, "=driver") != LUA_OK) {
        fprintf(stderr, "fuzz_lua_ops: %s\n", L ? lua_tostring(L, -1) : "no Lua state");
        abort();
    }
    lua_dump(L, collect_chunk, &g_driver, 0);
    lua_close(L);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool may_fail = alloc_fail_enabled();
    remove_files(); // nothing from the previous input is there to read
    alloc_state alloc;
    lua_State *L = lua_newstate(fuzz_alloc, &alloc);
    if (L == nullptr)
        abort();
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_dicomkit_core);
    lua_setfield(L, -2, "dicomkit.core");
    lua_pop(L, 1);
    lua_getglobal(L, "package");
    lua_pushstring(L, DICOMKIT_SOURCE_DIR "/lua/?.lua;" DICOMKIT_SOURCE_DIR "/lua/?/init.lua;"
                      "/usr/share/lua/5.4/?.lua");
    lua_setfield(L, -2, "path");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "cpath"); // nothing native but what is linked in
    lua_pop(L, 1);

    if (luaL_loadbufferx(L, g_driver.data(), g_driver.size(), "=driver", "b") != LUA_OK) {
        fprintf(stderr, "fuzz_lua_ops: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_pushlstring(L, reinterpret_cast<const char *>(data), size);
    lua_pushstring(L, g_dir.c_str());
    lua_pushcfunction(L, l_broken);
    bool injecting = may_fail && size >= 3 && data[0] == 0xFA;
    if (injecting) {
        alloc.failing = true;
        alloc.countdown = (long)data[1] << 8 | data[2];
    }
    if (lua_pcall(L, 3, 0, 0) != LUA_OK && !injecting) {
        // the driver guards every operation: an error here is the driver's own bug
        fprintf(stderr, "fuzz_lua_ops: driver failed: %s\n", lua_tostring(L, -1));
        abort();
    }
    alloc.failing = false;
    lua_close(L);
    return 0;
}
