-- UIDs: the 2.25 form, org roots, name-based determinism, and the validity check.
local dk = require "dicomkit"

describe("dk.uid", function()
  it("makes 2.25.<decimal of a random UUID> by default, unique and valid", function()
    local seen = {}
    for _ = 1, 200 do
      local uid = dk.uid()
      assert.matches("^2%.25%.[1-9]%d*$", uid)
      assert.is_true(#uid <= 64)
      assert.is_true(dk.is_uid(uid))
      assert.is_nil(seen[uid])
      seen[uid] = true
    end
  end)

  it("makes UIDs under an org root, within 64 characters", function()
    local uid = dk.uid{ root = "1.2.826.0.1.3680043.10.543" }
    assert.matches("^1%.2%.826%.0%.1%.3680043%.10%.543%.[1-9]%d*$", uid)
    assert.is_true(#uid <= 64 and dk.is_uid(uid))
  end)

  it("derives from= UIDs as Python's hashlib computes a version 5 UUID in dicomkit's namespace", function()
    local h = require "helpers"
    local inputs = { "MRN 42 / visit 7", "x", "", "Müller^Jürgen", "\0binary\255" }
    local hex = {}
    for i, v in ipairs(inputs) do hex[i] = (v:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end
    -- the namespace is dicomkit's own (core/src/uid.c); the rest is RFC 4122 section 4.3
    local expected = h.pydicom([==[
import hashlib, uuid
ns = bytes.fromhex("5c1f3e8a94274b61a03d7712e5c9084f")
out = []
for name in sys.argv[1:]:
    d = bytearray(hashlib.sha1(ns + bytes.fromhex(name)).digest()[:16])
    d[6] = (d[6] & 0x0F) | 0x50
    d[8] = (d[8] & 0x3F) | 0x80
    u = uuid.UUID(bytes=bytes(d))
    assert u.version == 5
    out.append(["2.25.%d" % u.int, "1.2.3." + str(u.int)[-(64 - 6):].lstrip("0")])
print(json.dumps(out))]==], table.unpack(hex))
    for i, v in ipairs(inputs) do
      assert.equal(expected[i][1], dk.uid{ from = v }, "from " .. hex[i])
      assert.equal(expected[i][2], dk.uid{ root = "1.2.3", from = v }, "root 1.2.3, from " .. hex[i])
    end
  end)

  it("makes 2.25 UIDs that are version 4 UUIDs (random), as Python's uuid reads them", function()
    local h = require "helpers"
    local uids = {}
    for i = 1, 50 do uids[i] = dk.uid() end
    local verdict = h.pydicom([==[
import uuid
print(json.dumps([[uuid.UUID(int=int(u[5:])).version, uuid.UUID(int=int(u[5:])).variant == uuid.RFC_4122]
                  for u in sys.argv[1:]]))]==], table.unpack(uids))
    for i, v in ipairs(verdict) do
      assert.same({ 4, true }, v, uids[i])
    end
  end)

  it("derives the same UID from the same input", function()
    assert.equal(dk.uid{ from = "MRN 42 / visit 7" }, dk.uid{ from = "MRN 42 / visit 7" })
    assert.not_equal(dk.uid{ from = "MRN 42 / visit 7" }, dk.uid{ from = "MRN 42 / visit 8" })
    local a = dk.uid{ root = "1.2.3", from = "x" }
    assert.equal(a, dk.uid{ root = "1.2.3", from = "x" })
    assert.matches("^1%.2%.3%.", a)
  end)

  it("refuses a bad or too long root with the rule", function()
    assert.has_error(function() dk.uid{ root = "1.02.3" } end,
      "uid root '1.02.3' is not a valid UID (digits and dots, no empty component, no leading zero, at most 64 characters)")
    assert.has_error(function() dk.uid{ root = "1.2." .. ("9"):rep(45) } end,
      "uid root '1.2." .. ("9"):rep(45) .. "' is 49 characters: at most 47 leaves room for 16 unique digits within 64")
    assert.has_error(function() dk.uid{ from = 12 } end, "option from must be a string, got number")
  end)
end)

describe("dk.is_uid", function()
  it("checks syntax, leading zeros and length", function()
    assert.is_true(dk.is_uid("1.2.840.10008.5.1.4.1.1.77.1.4"))
    assert.is_true(dk.is_uid("1.0.2"))
    assert.is_false(dk.is_uid("1.02"))
    assert.is_false(dk.is_uid("1..2"))
    assert.is_false(dk.is_uid("1.2."))
    assert.is_false(dk.is_uid(""))
    assert.is_false(dk.is_uid(("1"):rep(65)))
    assert.is_false(dk.is_uid(12))
  end)
end)
