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
