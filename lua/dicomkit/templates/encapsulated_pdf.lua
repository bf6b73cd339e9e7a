--- Encapsulated PDF (PS3.3 A.45.1): a PDF document, whole and unchanged, as a DICOM object.
-- dk.template("encapsulated_pdf"){ input = "report.pdf", PatientName = "Doe^Jane", ... }
local common = require "dicomkit.templates.common"
local template = require "dicomkit.template"

local T = {
  name = "encapsulated_pdf",
  iod = "Encapsulated PDF",
  sop_class = "1.2.840.10008.5.1.4.1.1.104.1",
  modules = {
    "Patient", "General Study", "Patient Study", "Encapsulated Document Series", "General Equipment",
    "SC Equipment", "Encapsulated Document", "SOP Common",
  },
  options = {
    conversion_type = "SC Equipment ConversionType: WSD (default: made on a workstation), SD "
      .. "(a scanned document), DI, DV, DF, SI, SYN",
    burned_in_annotation = "BurnedInAnnotation: YES (default: a document names its patient) or NO",
    title = "DocumentTitle, when the PDF's own title (its Info dictionary) is not the one wanted",
  },
  defaults = {},
}

function T.fill(ds, params, self)
  self = self or T
  local p = common.merge(self, params)
  local source = p.input or p.jpeg
  if p.pixels then error(("template %s: give input = PATH (a PDF), not pixels"):format(self.name), 3) end
  if source == nil and p.jpeg_bytes == nil then
    error(("template %s: give input = PATH (a PDF)"):format(self.name), 3)
  end
  if type(source) == "table" then
    error(("template %s: one PDF makes one object; got a list of %d"):format(self.name, #source), 3)
  end
  local report, msg, code = ds:set_document(source or { bytes = p.jpeg_bytes })
  if not report then return nil, msg, code end
  local date, time = common.timestamps(p)
  local burned = p.burned_in_annotation or "YES"
  if burned ~= "YES" and burned ~= "NO" then
    error(("template %s: burned_in_annotation must be YES or NO, got %s"):format(self.name, tostring(burned)), 3)
  end

  common.patient(ds, p)
  common.general_study(ds, p, date, time)
  -- Encapsulated Document Series Module (C.24.1)
  ds.Modality = p.Modality or "DOC"
  common.set(ds, p, "SeriesInstanceUID", common.uid(p))
  common.set(ds, p, "SeriesNumber", 1)
  common.general_equipment(ds, p)
  -- SC Equipment Module (C.8.6.1)
  ds.ConversionType = p.conversion_type or "WSD"
  -- Encapsulated Document Module (C.24.2); the document's own facts where it has them
  common.set(ds, p, "InstanceNumber", 1)
  common.set(ds, p, "ContentDate", date)
  common.set(ds, p, "ContentTime", time)
  ds.BurnedInAnnotation = burned
  common.set(ds, p, "DocumentTitle", p.title or report.title or "")
  ds.ConceptNameCodeSequence = {}
  common.sop_common(ds, p, self.sop_class, date, time)

  common.finish(self, ds, p)
  report.mode = "document"
  report.rows, report.columns = nil, nil
  return report
end

return template.new(T)
