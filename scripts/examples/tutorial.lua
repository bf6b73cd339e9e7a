-- The notebook tutorial in a page of Lua: a JPEG becomes a VL Photographic Image, is written to
-- a file and dumped. Run: dicomkit scripts/examples/tutorial.lua PHOTO.jpg [OUT.dcm]
--
-- What the old notebook got wrong comes out right here: the acquisition context item has its
-- ValueType (TEXT, so its TextValue is allowed), PatientOrientation is written once (by the
-- template), and the file meta information carries dicomkit's own Implementation Class UID,
-- not the SOP Class.
local photo = assert(arg[1], "usage: dicomkit tutorial.lua PHOTO.jpg [OUT.dcm]")
local out = arg[2] or "tutorial.dcm"

local ds, report = assert(dk.template("vl_photographic"){
  jpeg = photo,                       -- kept as JPEG Baseline; EXIF, GPS and comments removed
  PatientName = "Doe^John",
  PatientID = "123456",
  PatientSex = "M",
  PatientBirthDate = "19700101",
  ReferringPhysicianName = "Smith^Anna^^Dr",
  AccessionNumber = "A0001",
  StudyID = "S1",
  SeriesNumber = 1,
  InstanceNumber = 1,
  Laterality = "R",
  Manufacturer = "Example Camera Co",
  ManufacturerModelName = "EC-100",
  acquisition_context = {
    -- a local code: "99" designators are a site's own coding scheme (PS3.3 8.2); DCM has no
    -- concept for "what was photographed", and a borrowed one would mean something else
    { concept = { "SITE", "99CLINIC", "Photographed site" }, text = "clinical photograph" },
  },
})
print(("%s: %dx%d %s (%s)"):format(photo, report.columns, report.rows, report.photometric,
  report.mode))

assert(ds:save(out))
print(out .. " written")
print(assert(dk.read(out)))
