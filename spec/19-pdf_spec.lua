-- PDF into Encapsulated PDF, as a user does it (`dicomkit create encapsulated_pdf --input
-- report.pdf`), checked by oracles we did not write: PIL writes the PDFs (its titles ASCII or
-- UTF-16), dciodvfy checks the objects (exit status and every line), pydicom reads back the
-- document's bytes and attributes, Orthanc's /pdf returns the original bytes. A file that is not
-- a whole PDF is refused naming the rule, with no output file.
local dk = require "dicomkit"
local h = require "helpers"
local dciodvfy = require "dciodvfy"

local PDF_SOP = "1.2.840.10008.5.1.4.1.1.104.1"

describe("PDF into Encapsulated PDF #pdf", function()
  local dir

  setup(function()
    dir = h.tmpdir()
    assert(h.run("/usr/bin/python3 -c " .. h.quote(([[
from PIL import Image
im = Image.new("RGB", (300, 200), (240, 240, 240))
im.save("%s/ascii.pdf", title="Discharge letter 2026-12-01")
im.save("%s/utf16.pdf", title="Befund Müller — Röntgen Thorax")
im2 = Image.new("L", (50, 50), 128)
im2.save("%s/two.pdf", save_all=True, append_images=[im2.copy()], title="Two pages")
]]):gsub("%%s", dir))))
    -- hand-written PDFs for what PIL does not write: a hex title with an octal escape beside it,
    -- escapes in a literal title (\351 is é in PDFDocEncoding, ISO 32000-1 Annex D),
    -- PDF 2.0's UTF-8 title, an encrypted file (its strings are not readable), no Info at all
    local function pdf(name, version, info_dict, extra_trailer)
      local body = ("%%PDF-%s\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        .. "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"):format(version)
      if info_dict then body = body .. "3 0 obj\n" .. info_dict .. "\nendobj\n" end
      local trailer = "trailer\n<< /Root 1 0 R /Size 4" .. (info_dict and " /Info 3 0 R" or "")
        .. (extra_trailer or "") .. " >>\nstartxref\n0\n%%EOF\n"
      h.write_file(dir .. "/" .. name, body .. trailer)
    end
    pdf("hex.pdf", "1.7", "<< /Author (A \\(B\\) \\101) /Title <FEFF00C40072007A0074> >>")
    pdf("escapes.pdf", "1.4", "<< /Title (Line one\\nline \\(two\\) \\351) /TitleX (no) >>")
    pdf("utf8.pdf", "2.0", "<< /Title (\239\187\191Ärztlicher Bericht) >>")
    pdf("encrypted.pdf", "1.6", "<< /Title (garbled) >>", " /Encrypt 9 0 R")
    pdf("untitled.pdf", "1.3", nil)
  end)

  teardown(function() h.cleanup() end)

  local function create(input, out, extra)
    local ok, code, stdout, stderr = h.run(h.quote(h.dicomkit) .. " create encapsulated_pdf --input "
      .. h.quote(input) .. " -o " .. h.quote(out) .. " --set PatientID=DOC1 --set PatientName=Doc^Test "
      .. (extra or ""))
    return ok, code, stdout, stderr, h.exists(out)
  end

  local function read_back(path)
    return h.pydicom([[
ds = pydicom.dcmread(sys.argv[1])
n = int(ds.EncapsulatedDocumentLength)
doc = ds.EncapsulatedDocument
print(json.dumps({"sop": str(ds.SOPClassUID), "ts": str(ds.file_meta.TransferSyntaxUID),
  "mime": str(ds.MIMETypeOfEncapsulatedDocument), "title": str(ds.get("DocumentTitle", "")),
  "length": n, "stored": len(doc), "same": doc[:n] == open(sys.argv[2], "rb").read(),
  "pad": doc[n:].hex(), "modality": str(ds.Modality), "burned": str(ds.BurnedInAnnotation),
  "charset": str(ds.get("SpecificCharacterSet", "")), "pixels": "PixelData" in ds}))]],
      path, path:gsub("%.dcm$", ""))
  end

  it("every PDF: dciodvfy and dk.validate find no error; the document whole, its title read", function()
    local cases = {
      { "ascii.pdf", "Discharge letter 2026-12-01" },
      { "utf16.pdf", "Befund Müller — Röntgen Thorax" },
      { "two.pdf", "Two pages" },
      { "hex.pdf", "Ärzt" },
      { "escapes.pdf", "Line one line (two) é" },
      { "utf8.pdf", "Ärztlicher Bericht" },
      { "encrypted.pdf", "" },
      { "untitled.pdf", "" },
    }
    for _, c in ipairs(cases) do
      local src = dir .. "/" .. c[1]
      local out = src .. ".dcm"
      local ok, _, stdout, stderr = create(src, out)
      assert.is_true(ok, c[1] .. ": " .. stderr)
      assert.matches(out .. ": Encapsulated PDF, PDF ", stdout, 1, true)
      dciodvfy.accepts(out, "EncapsulatedPDF", c[1])
      local errors = {}
      for _, f in ipairs(dk.validate(assert(dk.read(out)))) do
        if f.severity == "error" then errors[#errors + 1] = f.path .. ": " .. f.message end
      end
      assert.same({}, errors, c[1])
      local r = read_back(out)
      assert.equal(PDF_SOP, r.sop)
      assert.equal("application/pdf", r.mime)
      assert.is_true(r.same, c[1] .. ": the document's bytes differ")
      assert.equal(#h.read_file(src), r.length)
      assert.equal(r.length + r.length % 2, r.stored)
      assert.equal(r.length % 2 == 1 and "00" or "", r.pad)
      assert.equal(c[2], r.title, c[1])
      assert.equal("DOC", r.modality)
      assert.equal("YES", r.burned)
      assert.is_false(r.pixels)
      if c[2]:find("[\128-\255]") then assert.equal("ISO_IR 192", r.charset) end
    end
    local info = assert(dk.pdf(dir .. "/encrypted.pdf"))
    assert.is_true(info.encrypted)
    assert.is_nil(info.title)
    info = assert(dk.pdf(dir .. "/utf16.pdf"))
    assert.equal("1.4", info.version)
    assert.equal("Befund Müller — Röntgen Thorax", info.title)
  end)

  it("the title and BurnedInAnnotation can be given; in Lua the same", function()
    local out = dir .. "/titled.dcm"
    local ok, _, _, stderr = create(dir .. "/ascii.pdf", out, "--set 'DocumentTitle=Letter, corrected'")
    assert.is_true(ok, stderr)
    local ds = assert(dk.read(out))
    assert.equal("Letter, corrected", ds.DocumentTitle)
    ds:close()
    ds = assert(dk.template("encapsulated_pdf"){ input = dir .. "/ascii.pdf", title = "From Lua",
                                                 burned_in_annotation = "NO", PatientID = "9" })
    assert.equal("From Lua", ds.DocumentTitle)
    assert.equal("NO", ds.BurnedInAnnotation)
    ds:close()
    assert.has_error(function()
      dk.template("encapsulated_pdf"){ input = dir .. "/ascii.pdf", burned_in_annotation = "maybe" }
    end)
  end)

  describe("what is not a whole PDF: the error names the file and the rule, exit 1, no file", function()
    local function refused(file, pattern)
      local out = file .. ".dcm"
      local ok, code, _, stderr, written = create(file, out)
      assert.is_false(ok, file .. " was accepted")
      assert.equal(1, code, stderr)
      assert.is_false(written, file .. ": a file was written")
      assert.matches("dicomkit: " .. file .. ": " .. pattern, stderr, 1, true)
      local ds = dk.dataset()
      local report = ds:set_document(file)
      assert.is_nil(report)
      assert.is_nil(ds:info("EncapsulatedDocument"))
    end

    it("truncated, empty, missing", function()
      local whole = h.read_file(dir .. "/ascii.pdf")
      h.write_file(dir .. "/half.pdf", whole:sub(1, #whole // 2))
      refused(dir .. "/half.pdf", "truncated or not a whole PDF (no \"%%EOF\" in its last 1024 bytes)")
      h.write_file(dir .. "/no-startxref.pdf", (whole:gsub("startxref", "startXref")))
      refused(dir .. "/no-startxref.pdf", "not a whole PDF (no \"startxref\" before its \"%%EOF\")")
      h.write_file(dir .. "/empty.pdf", "")
      refused(dir .. "/empty.pdf", "empty file")
      refused(dir .. "/missing.pdf", "No such file or directory")
    end)

    it("another kind under a PDF's name, and a PDF where an image goes", function()
      h.write_file(dir .. "/notes.pdf", "Just text, named like a PDF\n")
      refused(dir .. "/notes.pdf", "not a PDF (no \"%PDF-\" header in its first 1024 bytes)")
      assert(h.run("cp " .. h.quote(h.source .. "/spec/data/jpeg/testorig.jpg") .. " "
        .. h.quote(dir .. "/photo.pdf")))
      refused(dir .. "/photo.pdf", "a jpeg is no document; images go in with set_pixels")
      h.write_file(dir .. "/bad-version.pdf", "%PDF-9.1\nstartxref\n0\n%%EOF\n")
      refused(dir .. "/bad-version.pdf", "the PDF header names no version 1.0-2.0")
      local out = dir .. "/as-image.dcm"
      local ok, code, _, stderr = h.run(h.quote(h.dicomkit) .. " create secondary_capture --input "
        .. h.quote(dir .. "/ascii.pdf") .. " -o " .. h.quote(out))
      assert.is_false(ok)
      assert.equal(1, code)
      assert.matches("a PDF is no image; it goes whole into an Encapsulated PDF (dicomkit create "
        .. "encapsulated_pdf --input FILE", stderr, 1, true)
      assert.is_false(h.exists(out))
    end)
  end)

  describe("into Orthanc #network", function()
    it("C-STOREd; Orthanc's /pdf returns the original bytes", function()
      local orthanc = h.start_orthanc()
      finally(function() orthanc.stop() end)
      for _, name in ipairs({ "utf16.pdf", "two.pdf" }) do
        local out = dir .. "/orthanc-" .. name .. ".dcm"
        assert.is_true((create(dir .. "/" .. name, out)))
        local ds = assert(dk.read(out))
        local results = dk.send({ ds }, { port = orthanc.dicom, called_ae = orthanc.aet })
        assert.is_true(results[1].ok, results[1].message)
        local id = assert(orthanc.lookup(ds.SOPInstanceUID))
        local body = assert(orthanc.rest("/instances/" .. id .. "/pdf"))
        assert.is_true(body == h.read_file(dir .. "/" .. name), name .. ": /pdf differs from the PDF")
        local tags = orthanc.rest("/instances/" .. id .. "/simplified-tags")
        assert.equal("application/pdf", tags.MIMETypeOfEncapsulatedDocument)
        ds:close()
      end
    end)
  end)
end)
