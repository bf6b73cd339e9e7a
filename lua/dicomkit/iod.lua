--- dicomkit.iod: the modules and attributes of the IODs dicomkit writes, as data, and a check
-- that a dataset writes no attribute from another IOD and fills every Type 1 and Type 2 one.
--
-- Transcribed from DICOM PS3.3 (module tables of the 2024e edition, IOD module lists checked
-- against 2026b), macros expanded in place at the top level. Sequences list the attributes of
-- their items (`items`) where a template fills them; other sequences leave `items` nil.
--
--   iod.iods[name] = { name =, sop_class =, section =, modules = {
--     { name =, section =, usage = "M"|"C"|"U", condition =?, attributes = {
--       { keyword =, type = "1"|"1C"|"2"|"2C"|"3", condition =?, enum =?, value_enums =?,
--         defined_terms =?, when =?, items =? }, ... },
--       not_in_dictionary =? }, ... } }
--
-- `enum` lists the Enumerated Values every value must take; `value_enums[i]` those of value i
-- alone (Image Type); `defined_terms` is informative and never enforced. `when`, where the
-- condition of a 1C/2C attribute can be read from the dataset itself, is a function(ds) that
-- returns true when the attribute is required. `not_in_dictionary` lists standard attributes
-- that dcmtk 3.6.7's data dictionary (the one dicomkit uses) does not know, by tag.
local iod = {}

local function A(keyword, type, extra)
  local attribute = { keyword = keyword, type = type }
  for k, v in pairs(extra or {}) do attribute[k] = v end
  return attribute
end

local function present(ds, keyword)
  return ds[keyword] ~= nil
end

local function first_value(value)
  if type(value) == "table" then return value[1] end
  return value
end

-- Item contents shared by many sequences ------------------------------------------------

-- Code Sequence Macro (PS3.3 Table 8.8-1): Basic Coded Entry Attributes and the Enhanced
-- Encoding Mode ones.
local CODE = {
  A("CodeValue", "1C", {
    condition = "required if the code value fits 16 characters and is not a URN or URL",
    when = function(ds)
      return not present(ds, "LongCodeValue") and not present(ds, "URNCodeValue")
    end }),
  A("CodingSchemeDesignator", "1C", {
    condition = "required if CodeValue or LongCodeValue is present",
    when = function(ds) return present(ds, "CodeValue") or present(ds, "LongCodeValue") end }),
  A("CodingSchemeVersion", "1C", {
    condition = "required if the designator does not identify the coding scheme unambiguously" }),
  A("CodeMeaning", "1"),
  A("LongCodeValue", "1C", {
    condition = "required if the code value is longer than 16 characters and not a URN or URL" }),
  A("URNCodeValue", "1C", { condition = "required if the code value is a URN or URL" }),
  A("EquivalentCodeSequence", "3"),
  A("ContextIdentifier", "3"),
  A("ContextUID", "3"),
  A("MappingResource", "1C", {
    condition = "required if ContextIdentifier is present",
    when = function(ds) return present(ds, "ContextIdentifier") end }),
  A("MappingResourceUID", "3"),
  A("MappingResourceName", "3"),
  A("ContextGroupVersion", "1C", {
    condition = "required if ContextIdentifier is present",
    when = function(ds) return present(ds, "ContextIdentifier") end }),
  A("ContextGroupExtensionFlag", "3", { enum = { "Y", "N" } }),
  A("ContextGroupLocalVersion", "1C", { condition = "required if ContextGroupExtensionFlag is Y",
    when = function(ds) return ds.ContextGroupExtensionFlag == "Y" end }),
  A("ContextGroupExtensionCreatorUID", "1C", {
    condition = "required if ContextGroupExtensionFlag is Y",
    when = function(ds) return ds.ContextGroupExtensionFlag == "Y" end }),
}

-- SOP Instance Reference Macro (Table 10-11).
local SOP_REF = {
  A("ReferencedSOPClassUID", "1"),
  A("ReferencedSOPInstanceUID", "1"),
}

-- Image SOP Instance Reference Macro (Table 10-3).
local IMAGE_REF = {
  A("ReferencedSOPClassUID", "1"),
  A("ReferencedSOPInstanceUID", "1"),
  A("ReferencedFrameNumber", "1C", {
    condition = "required if the referenced image is multi-frame and not all frames are meant" }),
  A("ReferencedSegmentNumber", "1C", {
    condition = "required if the reference is to a segmentation and not all segments are meant" }),
}

local function with(list, ...)
  local out = {}
  for _, a in ipairs(list) do out[#out + 1] = a end
  for _, a in ipairs({ ... }) do out[#out + 1] = a end
  return out
end

-- HL7v2 Hierarchic Designator Macro (Table 10-17).
local HL7_DESIGNATOR = {
  A("LocalNamespaceEntityID", "1C", { condition = "required if UniversalEntityID is absent" }),
  A("UniversalEntityID", "1C", { condition = "required if LocalNamespaceEntityID is absent" }),
  A("UniversalEntityIDType", "1C", {
    condition = "required if UniversalEntityID is present",
    when = function(ds) return present(ds, "UniversalEntityID") end }),
}

-- Person Identification Macro (Table 10-1).
local PERSON = {
  A("PersonIdentificationCodeSequence", "1", { items = CODE }),
  A("PersonAddress", "3"),
  A("PersonTelephoneNumbers", "3"),
  A("PersonTelecomInformation", "3"),
  A("InstitutionName", "1C", { condition = "required if InstitutionCodeSequence is absent" }),
  A("InstitutionAddress", "3"),
  A("InstitutionCodeSequence", "1C", { condition = "required if InstitutionName is absent",
    items = CODE }),
  A("InstitutionalDepartmentName", "3"),
  A("InstitutionalDepartmentTypeCodeSequence", "3", { items = CODE }),
}

local function value_type_is(...)
  local types = { ... }
  return function(ds)
    for _, t in ipairs(types) do
      if ds.ValueType == t then return true end
    end
    return false
  end
end

-- Content Item with Modifiers Macro (Tables 10-2 and 10-2b) for Acquisition Context items.
local CONTENT_ITEM = {
  A("ValueType", "1", { enum = { "DATETIME", "DATE", "TIME", "PNAME", "UIDREF", "TEXT", "CODE",
    "NUMERIC", "COMPOSITE", "IMAGE", "WAVEFORM" } }),
  A("ObservationDateTime", "3"),
  A("ObservationStartDateTime", "3"),
  A("ConceptNameCodeSequence", "1", { items = CODE }),
  A("DateTime", "1C", { condition = "required if ValueType is DATETIME",
    when = value_type_is("DATETIME") }),
  A("Date", "1C", { condition = "required if ValueType is DATE", when = value_type_is("DATE") }),
  A("Time", "1C", { condition = "required if ValueType is TIME", when = value_type_is("TIME") }),
  A("PersonName", "1C", { condition = "required if ValueType is PNAME",
    when = value_type_is("PNAME") }),
  A("UID", "1C", { condition = "required if ValueType is UIDREF",
    when = value_type_is("UIDREF") }),
  A("TextValue", "1C", { condition = "required if ValueType is TEXT",
    when = value_type_is("TEXT") }),
  A("ConceptCodeSequence", "1C", { condition = "required if ValueType is CODE",
    when = value_type_is("CODE"), items = CODE }),
  A("NumericValue", "1C", { condition = "required if ValueType is NUMERIC",
    when = value_type_is("NUMERIC") }),
  A("FloatingPointValue", "1C", {
    condition = "required if ValueType is NUMERIC and the value cannot be held exactly in "
      .. "NumericValue" }),
  A("RationalNumeratorValue", "1C", {
    condition = "required if ValueType is NUMERIC and the value is a rational number" }),
  A("RationalDenominatorValue", "1C", { condition = "required if RationalNumeratorValue is present",
    when = function(ds) return present(ds, "RationalNumeratorValue") end }),
  A("MeasurementUnitsCodeSequence", "1C", { condition = "required if ValueType is NUMERIC",
    when = value_type_is("NUMERIC"), items = CODE }),
  A("ReferencedSOPSequence", "1C", {
    condition = "required if ValueType is COMPOSITE, IMAGE or WAVEFORM",
    when = value_type_is("COMPOSITE", "IMAGE", "WAVEFORM"), items = IMAGE_REF }),
  A("ContentItemModifierSequence", "3"),
}

local YES_NO = { "YES", "NO" }

-- Modules --------------------------------------------------------------------------------

local modules = {}

modules.patient = { name = "Patient", section = "C.7.1.1", attributes = {
  A("PatientName", "2"),
  A("PatientID", "2"),
  A("IssuerOfPatientID", "3"),
  A("IssuerOfPatientIDQualifiersSequence", "3"),
  A("TypeOfPatientID", "3", { defined_terms = { "TEXT", "RFID", "BARCODE" } }),
  A("PatientBirthDate", "2"),
  A("PatientBirthDateInAlternativeCalendar", "3"),
  A("PatientDeathDateInAlternativeCalendar", "3"),
  A("PatientAlternativeCalendar", "1C", {
    condition = "required if a birth or death date in an alternative calendar is present",
    when = function(ds)
      return present(ds, "PatientBirthDateInAlternativeCalendar")
        or present(ds, "PatientDeathDateInAlternativeCalendar")
    end }),
  A("PatientSex", "2", { enum = { "M", "F", "O" } }),
  A("ReferencedPatientPhotoSequence", "3"),
  A("QualityControlSubject", "3", { enum = YES_NO }),
  A("ReferencedPatientSequence", "3", { items = SOP_REF }),
  A("PatientBirthTime", "3"),
  A("OtherPatientIDsSequence", "3", { items = {
    A("PatientID", "1"),
    A("IssuerOfPatientID", "3"),
    A("IssuerOfPatientIDQualifiersSequence", "3"),
    A("TypeOfPatientID", "1", { defined_terms = { "TEXT", "RFID", "BARCODE" } }),
  } }),
  A("OtherPatientNames", "3"),
  A("EthnicGroup", "3"),
  A("PatientComments", "3"),
  A("PatientSpeciesDescription", "1C", {
    condition = "required if the patient is an animal and PatientSpeciesCodeSequence is absent" }),
  A("PatientSpeciesCodeSequence", "1C", {
    condition = "required if the patient is an animal and PatientSpeciesDescription is absent",
    items = CODE }),
  A("PatientBreedDescription", "2C", {
    condition = "required if the patient is an animal and PatientBreedCodeSequence is empty" }),
  A("PatientBreedCodeSequence", "2C", { condition = "required if the patient is an animal",
    items = CODE }),
  A("BreedRegistrationSequence", "2C", { condition = "required if the patient is an animal" }),
  A("StrainDescription", "3"),
  A("StrainNomenclature", "3"),
  A("StrainCodeSequence", "3", { items = CODE }),
  A("StrainAdditionalInformation", "3"),
  A("StrainStockSequence", "3"),
  A("GeneticModificationsSequence", "3"),
  A("ResponsiblePerson", "2C", { condition = "required if the patient is an animal" }),
  A("ResponsiblePersonRole", "1C", {
    condition = "required if ResponsiblePerson is present and has a value",
    when = function(ds) local v = ds.ResponsiblePerson; return v ~= nil and v ~= "" end }),
  A("ResponsibleOrganization", "2C", { condition = "required if the patient is an animal" }),
  A("PatientIdentityRemoved", "3", { enum = YES_NO }),
  A("DeidentificationMethod", "1C", {
    condition = "required if PatientIdentityRemoved is YES and "
      .. "DeidentificationMethodCodeSequence is absent" }),
  A("DeidentificationMethodCodeSequence", "1C", {
    condition = "required if PatientIdentityRemoved is YES and DeidentificationMethod is absent",
    items = CODE }),
  A("SourcePatientGroupIdentificationSequence", "3"),
  A("GroupOfPatientsIdentificationSequence", "3"),
} }

modules.clinical_trial_subject = { name = "Clinical Trial Subject", section = "C.7.1.3",
  attributes = {
    A("ClinicalTrialSponsorName", "1"),
    A("ClinicalTrialProtocolID", "1"),
    A("ClinicalTrialProtocolName", "2"),
    A("ClinicalTrialSiteID", "2"),
    A("ClinicalTrialSiteName", "2"),
    A("ClinicalTrialSubjectID", "1C", {
      condition = "required if ClinicalTrialSubjectReadingID is absent",
      when = function(ds) return not present(ds, "ClinicalTrialSubjectReadingID") end }),
    A("ClinicalTrialSubjectReadingID", "1C", {
      condition = "required if ClinicalTrialSubjectID is absent",
      when = function(ds) return not present(ds, "ClinicalTrialSubjectID") end }),
    A("ClinicalTrialProtocolEthicsCommitteeName", "1C", {
      condition = "required if ClinicalTrialProtocolEthicsCommitteeApprovalNumber is present",
      when = function(ds)
        return present(ds, "ClinicalTrialProtocolEthicsCommitteeApprovalNumber")
      end }),
    A("ClinicalTrialProtocolEthicsCommitteeApprovalNumber", "3"),
  },
  not_in_dictionary = {
    { tag = 0x00120022, name = "Issuer of Clinical Trial Protocol ID", type = "3" },
    { tag = 0x00120023, name = "Other Clinical Trial Protocol IDs Sequence", type = "3" },
    { tag = 0x00120032, name = "Issuer of Clinical Trial Site ID", type = "3" },
    { tag = 0x00120041, name = "Issuer of Clinical Trial Subject ID", type = "3" },
    { tag = 0x00120043, name = "Issuer of Clinical Trial Subject Reading ID", type = "3" },
  },
}

modules.general_study = { name = "General Study", section = "C.7.2.1", attributes = {
  A("StudyInstanceUID", "1"),
  A("StudyDate", "2"),
  A("StudyTime", "2"),
  A("ReferringPhysicianName", "2"),
  A("ReferringPhysicianIdentificationSequence", "3", { items = PERSON }),
  A("ConsultingPhysicianName", "3"),
  A("ConsultingPhysicianIdentificationSequence", "3", { items = PERSON }),
  A("StudyID", "2"),
  A("AccessionNumber", "2"),
  A("IssuerOfAccessionNumberSequence", "3", { items = HL7_DESIGNATOR }),
  A("StudyDescription", "3"),
  A("PhysiciansOfRecord", "3"),
  A("PhysiciansOfRecordIdentificationSequence", "3", { items = PERSON }),
  A("NameOfPhysiciansReadingStudy", "3"),
  A("PhysiciansReadingStudyIdentificationSequence", "3", { items = PERSON }),
  A("RequestingServiceCodeSequence", "3", { items = CODE }),
  A("ReferencedStudySequence", "3", { items = SOP_REF }),
  A("ProcedureCodeSequence", "3", { items = CODE }),
  A("ReasonForPerformedProcedureCodeSequence", "3", { items = CODE }),
} }

modules.patient_study = { name = "Patient Study", section = "C.7.2.2", attributes = {
  A("AdmittingDiagnosesDescription", "3"),
  A("AdmittingDiagnosesCodeSequence", "3", { items = CODE }),
  A("PatientAge", "3"),
  A("PatientSize", "3"),
  A("PatientWeight", "3"),
  A("PatientBodyMassIndex", "3"),
  A("MeasuredAPDimension", "3"),
  A("MeasuredLateralDimension", "3"),
  A("PatientSizeCodeSequence", "3", { items = CODE }),
  A("MedicalAlerts", "3"),
  A("Allergies", "3"),
  A("SmokingStatus", "3", { enum = { "YES", "NO", "UNKNOWN" } }),
  A("PregnancyStatus", "3", { enum = { 1, 2, 3, 4 } }),
  A("LastMenstrualDate", "3"),
  A("PatientState", "3"),
  A("Occupation", "3"),
  A("AdditionalPatientHistory", "3"),
  A("AdmissionID", "3"),
  A("IssuerOfAdmissionIDSequence", "3", { items = HL7_DESIGNATOR }),
  A("ReasonForVisit", "3"),
  A("ReasonForVisitCodeSequence", "3", { items = CODE }),
  A("ServiceEpisodeID", "3"),
  A("IssuerOfServiceEpisodeIDSequence", "3", { items = HL7_DESIGNATOR }),
  A("ServiceEpisodeDescription", "3"),
  A("PatientSexNeutered", "2C", { condition = "required if the patient is an animal",
    enum = { "ALTERED", "UNALTERED" } }),
} }

modules.clinical_trial_study = { name = "Clinical Trial Study", section = "C.7.2.3",
  attributes = {
    A("ClinicalTrialTimePointID", "2"),
    A("ClinicalTrialTimePointDescription", "3"),
    A("LongitudinalTemporalOffsetFromEvent", "3"),
    A("LongitudinalTemporalEventType", "1C", {
      condition = "required if LongitudinalTemporalOffsetFromEvent is present",
      when = function(ds) return present(ds, "LongitudinalTemporalOffsetFromEvent") end }),
    A("ConsentForClinicalTrialUseSequence", "3"),
  },
  not_in_dictionary = {
    { tag = 0x00120055, name = "Issuer of Clinical Trial Time Point ID", type = "3" },
    { tag = 0x00120054, name = "Clinical Trial Time Point Type Code Sequence", type = "3" },
  },
}

modules.general_series = { name = "General Series", section = "C.7.3.1", attributes = {
  A("Modality", "1"),
  A("SeriesInstanceUID", "1"),
  A("SeriesNumber", "2"),
  A("Laterality", "2C", {
    condition = "required if the body part examined is a paired structure and ImageLaterality "
      .. "(or frame or measurement laterality) is not sent",
    enum = { "R", "L" } }),
  A("SeriesDate", "3"),
  A("SeriesTime", "3"),
  A("PerformingPhysicianName", "3"),
  A("PerformingPhysicianIdentificationSequence", "3", { items = PERSON }),
  A("ProtocolName", "3"),
  A("SeriesDescription", "3"),
  A("SeriesDescriptionCodeSequence", "3", { items = CODE }),
  A("OperatorsName", "3"),
  A("OperatorIdentificationSequence", "3", { items = PERSON }),
  A("ReferencedPerformedProcedureStepSequence", "3", { items = SOP_REF }),
  A("RelatedSeriesSequence", "3", { items = {
    A("StudyInstanceUID", "1"),
    A("SeriesInstanceUID", "1"),
    A("PurposeOfReferenceCodeSequence", "2", { items = CODE }),
  } }),
  A("BodyPartExamined", "3"),
  A("PatientPosition", "2C", {
    condition = "required for CT and MR images without PatientOrientationCodeSequence" }),
  A("SmallestPixelValueInSeries", "3"),
  A("LargestPixelValueInSeries", "3"),
  A("RequestAttributesSequence", "3", { items = {
    A("RequestedProcedureID", "1C", { condition = "required if procedure ID was assigned" }),
    A("AccessionNumber", "3"),
    A("IssuerOfAccessionNumberSequence", "3", { items = HL7_DESIGNATOR }),
    A("StudyInstanceUID", "3"),
    A("ReferencedStudySequence", "3", { items = SOP_REF }),
    A("RequestedProcedureDescription", "3"),
    A("RequestedProcedureCodeSequence", "3", { items = CODE }),
    A("ReasonForTheRequestedProcedure", "3"),
    A("ReasonForRequestedProcedureCodeSequence", "3", { items = CODE }),
    A("ScheduledProcedureStepID", "1C", {
      condition = "required if procedure step ID was assigned" }),
    A("ScheduledProcedureStepDescription", "3"),
    A("ScheduledProtocolCodeSequence", "3", { items = CODE }),
  } }),
  -- Performed Procedure Step Summary Macro (Table 10-16)
  A("PerformedProcedureStepID", "3"),
  A("PerformedProcedureStepStartDate", "3"),
  A("PerformedProcedureStepStartTime", "3"),
  A("PerformedProcedureStepEndDate", "3"),
  A("PerformedProcedureStepEndTime", "3"),
  A("PerformedProcedureStepDescription", "3"),
  A("PerformedProtocolCodeSequence", "3", { items = CODE }),
  A("CommentsOnThePerformedProcedureStep", "3"),
  A("AnatomicalOrientationType", "1C", {
    condition = "required if the patient is an animal and the orientation is not biped",
    enum = { "BIPED", "QUADRUPED" } }),
} }

modules.clinical_trial_series = { name = "Clinical Trial Series", section = "C.7.3.2",
  attributes = {
    A("ClinicalTrialCoordinatingCenterName", "2"),
    A("ClinicalTrialSeriesID", "3"),
    A("ClinicalTrialSeriesDescription", "3"),
  },
  not_in_dictionary = {
    { tag = 0x00120073, name = "Issuer of Clinical Trial Series ID", type = "3" },
  },
}

modules.frame_of_reference = { name = "Frame of Reference", section = "C.7.4.1", attributes = {
  A("FrameOfReferenceUID", "1"),
  A("PositionReferenceIndicator", "2"),
} }

modules.synchronization = { name = "Synchronization", section = "C.7.4.2", attributes = {
  A("SynchronizationFrameOfReferenceUID", "1"),
  A("SynchronizationTrigger", "1", {
    enum = { "SOURCE", "EXTERNAL", "PASSTHRU", "NO TRIGGER" } }),
  A("TriggerSourceOrType", "3"),
  A("SynchronizationChannel", "1C", { condition = "required if synchronization channel or "
    .. "trigger is encoded in a waveform in this SOP Instance" }),
  A("AcquisitionTimeSynchronized", "1", { enum = { "Y", "N" } }),
  A("TimeSource", "3"),
  A("TimeDistributionProtocol", "3", { enum = { "NTP", "IRIG", "GPS", "SNTP", "PTP" } }),
  A("NTPSourceAddress", "3"),
} }

modules.general_equipment = { name = "General Equipment", section = "C.7.5.1", attributes = {
  A("Manufacturer", "2"),
  A("InstitutionName", "3"),
  A("InstitutionAddress", "3"),
  A("StationName", "3"),
  A("InstitutionalDepartmentName", "3"),
  A("InstitutionalDepartmentTypeCodeSequence", "3", { items = CODE }),
  A("ManufacturerModelName", "3"),
  A("ManufacturerDeviceClassUID", "3"),
  A("DeviceSerialNumber", "3"),
  A("SoftwareVersions", "3"),
  A("GantryID", "3"),
  A("UDISequence", "3"),
  A("DeviceUID", "3"),
  A("SpatialResolution", "3"),
  A("DateOfLastCalibration", "3"),
  A("TimeOfLastCalibration", "3"),
  A("PixelPaddingValue", "1C", {
    condition = "required if PixelPaddingRangeLimit is present",
    when = function(ds) return present(ds, "PixelPaddingRangeLimit") end }),
},
  not_in_dictionary = {
    { tag = 0x00181204, name = "Date of Manufacture", type = "3" },
    { tag = 0x00181205, name = "Date of Installation", type = "3" },
  },
}

modules.vl_photographic_equipment = { name = "VL Photographic Equipment", section = "C.8.12.10",
  attributes = {
    A("CameraOwnerName", "3"),
    A("LensSpecification", "3"),
    A("LensMake", "3"),
    A("LensModel", "3"),
    A("LensSerialNumber", "3"),
  } }

modules.sc_equipment = { name = "SC Equipment", section = "C.8.6.1", attributes = {
  A("ConversionType", "1", {
    defined_terms = { "DV", "DI", "DF", "WSD", "SD", "SI", "DRW", "SYN" } }),
  A("Modality", "3", {
    condition = "this Type 3 overrides the Type of Modality in the General Series Module" }),
  A("SecondaryCaptureDeviceID", "3"),
  A("SecondaryCaptureDeviceManufacturer", "3"),
  A("SecondaryCaptureDeviceManufacturerModelName", "3"),
  A("SecondaryCaptureDeviceSoftwareVersions", "3"),
  A("VideoImageFormatAcquired", "3"),
  A("DigitalImageFormatAcquired", "3"),
} }

modules.general_acquisition = { name = "General Acquisition", section = "C.7.10.1",
  attributes = {
    A("AcquisitionUID", "3"),
    A("AcquisitionNumber", "3"),
    A("AcquisitionDate", "3"),
    A("AcquisitionTime", "3"),
    A("AcquisitionDateTime", "3"),
    A("AcquisitionDuration", "3"),
    A("ImagesInAcquisition", "3"),
    A("IrradiationEventUID", "3"),
  } }

local ANATOMIC_REGION_ITEMS = with(CODE, A("AnatomicRegionModifierSequence", "3", { items = CODE }))
local PRIMARY_STRUCTURE_ITEMS = with(CODE,
  A("PrimaryAnatomicStructureModifierSequence", "3", { items = CODE }))

modules.general_image = { name = "General Image", section = "C.7.6.1", attributes = {
  A("InstanceNumber", "2"),
  A("PatientOrientation", "2C", {
    condition = "required if the image does not require ImageOrientationPatient and "
      .. "ImagePositionPatient (or ImageOrientationSlide)",
    when = function(ds)
      return not present(ds, "ImageOrientationPatient") and not present(ds, "ImagePositionPatient")
        and not present(ds, "ImageOrientationSlide")
    end }),
  A("ContentDate", "2C", {
    condition = "required if the image is part of a series whose images are temporally related" }),
  A("ContentTime", "2C", {
    condition = "required if the image is part of a series whose images are temporally related" }),
  A("ImageType", "3", { value_enums = { { "ORIGINAL", "DERIVED" }, { "PRIMARY", "SECONDARY" } } }),
  A("ImageComments", "3"),
  A("QualityControlImage", "3", { enum = YES_NO }),
  A("BurnedInAnnotation", "3", { enum = YES_NO }),
  A("RecognizableVisualFeatures", "3", { enum = YES_NO }),
  A("LossyImageCompression", "3", { enum = { "00", "01" } }),
  A("LossyImageCompressionRatio", "3"),
  A("LossyImageCompressionMethod", "3", { defined_terms = { "ISO_10918_1", "ISO_14495_1",
    "ISO_15444_1", "ISO_15444_15", "ISO_13818_2", "ISO_14496_10", "ISO_23008_2" } }),
  A("IconImageSequence", "3"),
  A("PresentationLUTShape", "3", { enum = { "IDENTITY", "INVERSE" } }),
  A("RealWorldValueMappingSequence", "3"),
  A("ImageLaterality", "3", { enum = { "R", "L", "U", "B" } }),
  -- General Anatomy Optional Macro (Table 10-7)
  A("AnatomicRegionSequence", "3", { items = ANATOMIC_REGION_ITEMS }),
  A("PrimaryAnatomicStructureSequence", "3", { items = PRIMARY_STRUCTURE_ITEMS }),
} }

modules.general_reference = { name = "General Reference", section = "C.12.4", attributes = {
  A("ReferencedImageSequence", "3", { items = with(IMAGE_REF,
    A("PurposeOfReferenceCodeSequence", "3", { items = CODE })) }),
  A("ReferencedInstanceSequence", "3", { items = with(SOP_REF,
    A("PurposeOfReferenceCodeSequence", "1", { items = CODE })) }),
  A("DerivationDescription", "3"),
  A("DerivationCodeSequence", "3", { items = CODE }),
  A("SourceImageSequence", "3", { items = with(IMAGE_REF,
    A("PurposeOfReferenceCodeSequence", "3", { items = CODE }),
    A("SpatialLocationsPreserved", "3", { enum = { "YES", "NO", "REORIENTED_ONLY" } }),
    A("PatientOrientation", "1C", {
      condition = "required if SpatialLocationsPreserved is REORIENTED_ONLY",
      when = function(ds) return ds.SpatialLocationsPreserved == "REORIENTED_ONLY" end })) }),
  A("SourceInstanceSequence", "3", { items = with(SOP_REF,
    A("PurposeOfReferenceCodeSequence", "3", { items = CODE })) }),
} }

modules.image_plane = { name = "Image Plane", section = "C.7.6.2", attributes = {
  A("PixelSpacing", "1"),
  A("ImageOrientationPatient", "1"),
  A("ImagePositionPatient", "1"),
  A("SliceThickness", "2"),
  A("SpacingBetweenSlices", "3"),
  A("SliceLocation", "3"),
} }

local function more_than_one_sample(ds)
  local n = tonumber(first_value(ds.SamplesPerPixel))
  return n ~= nil and n > 1
end

-- Image Pixel Module (Table C.7-11a) with the Image Pixel Macro and Image Pixel Description
-- Macro (Tables C.7-11b and C.7-11c) expanded.
modules.image_pixel = { name = "Image Pixel", section = "C.7.6.3", attributes = {
  A("SamplesPerPixel", "1"),
  A("PhotometricInterpretation", "1", { defined_terms = { "MONOCHROME1", "MONOCHROME2",
    "PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_PARTIAL_420", "YBR_ICT",
    "YBR_RCT", "XYB" } }),
  A("Rows", "1"),
  A("Columns", "1"),
  A("BitsAllocated", "1"),
  A("BitsStored", "1"),
  A("HighBit", "1"),
  A("PixelRepresentation", "1", { enum = { 0, 1 } }),
  A("PlanarConfiguration", "1C", { condition = "required if SamplesPerPixel is greater than 1",
    when = more_than_one_sample, enum = { 0, 1 } }),
  A("PixelAspectRatio", "1C", {
    condition = "required if the aspect ratio is not 1:1 and no pixel spacing attribute "
      .. "describes it" }),
  A("SmallestImagePixelValue", "3"),
  A("LargestImagePixelValue", "3"),
  A("RedPaletteColorLookupTableDescriptor", "1C", {
    condition = "required if PhotometricInterpretation is PALETTE COLOR",
    when = function(ds) return ds.PhotometricInterpretation == "PALETTE COLOR" end }),
  A("GreenPaletteColorLookupTableDescriptor", "1C", {
    condition = "required if PhotometricInterpretation is PALETTE COLOR",
    when = function(ds) return ds.PhotometricInterpretation == "PALETTE COLOR" end }),
  A("BluePaletteColorLookupTableDescriptor", "1C", {
    condition = "required if PhotometricInterpretation is PALETTE COLOR",
    when = function(ds) return ds.PhotometricInterpretation == "PALETTE COLOR" end }),
  A("RedPaletteColorLookupTableData", "1C", {
    condition = "required if PhotometricInterpretation is PALETTE COLOR and no segmented "
      .. "palette is used" }),
  A("GreenPaletteColorLookupTableData", "1C", {
    condition = "required if PhotometricInterpretation is PALETTE COLOR and no segmented "
      .. "palette is used" }),
  A("BluePaletteColorLookupTableData", "1C", {
    condition = "required if PhotometricInterpretation is PALETTE COLOR and no segmented "
      .. "palette is used" }),
  A("ICCProfile", "3"),
  A("ColorSpace", "3"),
  A("PixelData", "1C", { condition = "required if PixelDataProviderURL is absent",
    when = function(ds) return not present(ds, "PixelDataProviderURL") end }),
  A("PixelDataProviderURL", "1C", {
    condition = "required if the image is sent with a Referenced Pixel Data transfer syntax" }),
  A("PixelPaddingRangeLimit", "1C", {
    condition = "required if pixel padding is a range and not a single value" }),
  A("ExtendedOffsetTable", "3"),
  A("ExtendedOffsetTableLengths", "1C", { condition = "required if ExtendedOffsetTable is present",
    when = function(ds) return present(ds, "ExtendedOffsetTable") end }),
} }

modules.acquisition_context = { name = "Acquisition Context", section = "C.7.6.14", attributes = {
  A("AcquisitionContextSequence", "2", { items = CONTENT_ITEM }),
  A("AcquisitionContextDescription", "3"),
} }

modules.device = { name = "Device", section = "C.7.6.12", attributes = {
  A("DeviceSequence", "1", { items = with(CODE,
    A("Manufacturer", "3"),
    A("ManufacturerModelName", "3"),
    A("DeviceSerialNumber", "3"),
    A("DeviceID", "3"),
    A("DeviceLength", "3"),
    A("DeviceDiameter", "3"),
    A("DeviceDiameterUnits", "2C", { condition = "required if DeviceDiameter is present",
      when = function(ds) return present(ds, "DeviceDiameter") end,
      enum = { "FR", "GA", "IN", "MM" } }),
    A("DeviceVolume", "3"),
    A("InterMarkerDistance", "3"),
    A("DeviceDescription", "3")) }),
} }

-- Specimen Module (Table C.7.6.22-1) with the Specimen Macro expanded.
modules.specimen = { name = "Specimen", section = "C.7.6.22", attributes = {
  A("ContainerIdentifier", "1"),
  A("IssuerOfTheContainerIdentifierSequence", "2", { items = HL7_DESIGNATOR }),
  A("AlternateContainerIdentifierSequence", "3"),
  A("ContainerTypeCodeSequence", "2", { items = CODE }),
  A("ContainerDescription", "3"),
  A("ContainerComponentSequence", "3"),
  A("SpecimenDescriptionSequence", "1", { items = {
    A("SpecimenIdentifier", "1"),
    A("IssuerOfTheSpecimenIdentifierSequence", "2", { items = HL7_DESIGNATOR }),
    A("SpecimenUID", "1"),
    A("SpecimenTypeCodeSequence", "3", { items = CODE }),
    A("SpecimenShortDescription", "3"),
    A("SpecimenDetailedDescription", "3"),
    A("SpecimenPreparationSequence", "2"),
    A("PrimaryAnatomicStructureSequence", "3", { items = PRIMARY_STRUCTURE_ITEMS }),
    A("SpecimenLocalizationContentItemSequence", "1C", {
      condition = "required if the specimen is localized within the container" }),
  } }),
} }

-- VL Image Module (Table C.8-77) and its specializations in C.8.12.1.1.
modules.vl_image = { name = "VL Image", section = "C.8.12.1", attributes = {
  A("ImageType", "1", { value_enums = { { "ORIGINAL", "DERIVED" }, { "PRIMARY", "SECONDARY" } },
    condition = "value 3 is STEREO L or STEREO R for stereo pairs (C.8.12.1.1.6)" }),
  A("PhotometricInterpretation", "1", { enum = { "MONOCHROME2", "RGB", "YBR_FULL_422",
    "YBR_PARTIAL_420", "YBR_ICT", "YBR_RCT" } }),
  A("BitsAllocated", "1", { enum = { 8 } }),
  A("BitsStored", "1", { enum = { 8 } }),
  A("HighBit", "1", { enum = { 7 } }),
  A("PixelRepresentation", "1", { enum = { 0 } }),
  A("SamplesPerPixel", "1", { enum = { 1, 3 } }),
  A("PlanarConfiguration", "1C", { condition = "required if SamplesPerPixel is greater than 1",
    when = more_than_one_sample, enum = { 0 } }),
  A("ContentTime", "1C", {
    condition = "required if the image is part of a series whose images are temporally related" }),
  A("LossyImageCompression", "2", { enum = { "00", "01" } }),
  A("ReferencedImageSequence", "1C", {
    condition = "required if ImageType value 3 is STEREO L or STEREO R",
    when = function(ds)
      local t = ds.ImageType
      return type(t) == "table" and (t[3] == "STEREO L" or t[3] == "STEREO R")
    end,
    items = with(IMAGE_REF, A("PurposeOfReferenceCodeSequence", "2", { items = CODE })) }),
  A("WindowCenter", "3", { condition = "meaningful only if PhotometricInterpretation is "
    .. "MONOCHROME2" }),
  A("WindowWidth", "1C", { condition = "required if WindowCenter is present",
    when = function(ds) return present(ds, "WindowCenter") end }),
  A("ImageLaterality", "3", { enum = { "R", "L", "U", "B" } }),
  A("AnatomicRegionSequence", "1C", {
    condition = "required if the image is multi-frame and the imaging subject is not a "
      .. "specimen", items = ANATOMIC_REGION_ITEMS }),
  A("PrimaryAnatomicStructureSequence", "3", { items = PRIMARY_STRUCTURE_ITEMS }),
  A("ChannelDescriptionCodeSequence", "3", { items = CODE }),
  A("PixelSpacing", "3"),
  A("ImagerPixelSpacing", "3"),
} }

modules.vl_photographic_acquisition = { name = "VL Photographic Acquisition",
  section = "C.8.12.11", attributes = {
    A("WhitePoint", "3"),
    A("PrimaryChromaticities", "3"),
    A("BatteryLevel", "3"),
    A("ExposureTimeInSeconds", "3"),
    A("FNumber", "3"),
    A("OECFRows", "3"),
    A("OECFColumns", "3"),
    A("OECFColumnNames", "3"),
    A("OECFValues", "3"),
    A("SpatialFrequencyResponseRows", "3"),
    A("SpatialFrequencyResponseColumns", "3"),
    A("SpatialFrequencyResponseColumnNames", "3"),
    A("SpatialFrequencyResponseValues", "3"),
    A("ColorFilterArrayPatternRows", "3"),
    A("ColorFilterArrayPatternColumns", "3"),
    A("ColorFilterArrayPatternValues", "3"),
    A("ExposureProgram", "3", { enum = { 0, 1, 2, 3, 4, 5, 6, 7, 8 } }),
    A("SpectralSensitivity", "3"),
    A("PhotographicSensitivity", "3"),
    A("SensitivityType", "3", { enum = { 0, 1, 2, 3, 4, 5, 6, 7 } }),
    A("StandardOutputSensitivity", "3"),
    A("RecommendedExposureIndex", "3"),
    A("ISOSpeed", "3"),
    A("ISOSpeedLatitudeyyy", "3"),
    A("ISOSpeedLatitudezzz", "3"),
    A("EXIFVersion", "3"),
    A("ShutterSpeedValue", "3"),
    A("ApertureValue", "3"),
    A("BrightnessValue", "3"),
    A("ExposureBiasValue", "3"),
    A("MaxApertureValue", "3"),
    A("SubjectDistance", "3"),
    A("MeteringMode", "3"),
    A("LightSource", "3"),
    A("FlashFiringStatus", "3"),
    A("FlashReturnStatus", "3"),
    A("FlashMode", "3"),
    A("FlashFunctionPresent", "3"),
    A("FlashRedEyeMode", "3"),
    A("FocalLength", "3"),
    A("SubjectArea", "3"),
    A("MakerNote", "3"),
    A("Temperature", "3"),
    A("Humidity", "3"),
    A("Pressure", "3"),
    A("WaterDepth", "3"),
    A("Acceleration", "3"),
    A("CameraElevationAngle", "3"),
    A("FlashEnergy", "3"),
    A("SubjectLocation", "3"),
    A("PhotographicExposureIndex", "3"),
    A("SensingMethod", "3"),
    A("FileSource", "3"),
    A("SceneType", "3"),
    A("CustomRendered", "3"),
    A("ExposureMode", "3"),
    A("WhiteBalance", "3"),
    A("DigitalZoomRatio", "3"),
    A("FocalLengthIn35mmFilm", "3"),
    A("SceneCaptureType", "3"),
    A("GainControl", "3"),
    A("Contrast", "3"),
    A("Saturation", "3"),
    A("Sharpness", "3"),
    A("DeviceSettingDescription", "3"),
    A("SubjectDistanceRange", "3"),
    A("SelfTimerMode", "3"),
    A("InteroperabilityIndex", "3"),
    A("InteroperabilityVersion", "3"),
  } }

modules.vl_photographic_geolocation = { name = "VL Photographic Geolocation",
  section = "C.8.12.12", attributes = {
    A("GPSVersionID", "3"),
    A("GPSLatitudeRef", "3", { enum = { "N", "S" } }),
    A("GPSLatitude", "3"),
    A("GPSLongitudeRef", "3", { enum = { "E", "W" } }),
    A("GPSLongitude", "3"),
    A("GPSAltitudeRef", "3"),
    A("GPSAltitude", "3"),
    A("GPSTimeStamp", "3"),
    A("GPSSatellites", "3"),
    A("GPSStatus", "3", { enum = { "A", "V" } }),
    A("GPSMeasureMode", "3", { enum = { "2", "3" } }),
    A("GPSDOP", "3"),
    A("GPSSpeedRef", "3", { enum = { "K", "M", "N" } }),
    A("GPSSpeed", "3"),
    A("GPSTrackRef", "3", { enum = { "T", "M" } }),
    A("GPSTrack", "3"),
    A("GPSImgDirectionRef", "3", { enum = { "T", "M" } }),
    A("GPSImgDirection", "3"),
    A("GPSMapDatum", "3"),
    A("GPSDestLatitudeRef", "3", { enum = { "N", "S" } }),
    A("GPSDestLatitude", "3"),
    A("GPSDestLongitudeRef", "3", { enum = { "E", "W" } }),
    A("GPSDestLongitude", "3"),
    A("GPSDestBearingRef", "3", { enum = { "T", "M" } }),
    A("GPSDestBearing", "3"),
    A("GPSDestDistanceRef", "3", { enum = { "K", "M", "N" } }),
    A("GPSDestDistance", "3"),
    A("GPSProcessingMethod", "3"),
    A("GPSAreaInformation", "3"),
    A("GPSDateStamp", "3"),
    A("GPSDifferential", "3"),
  } }

modules.sc_image = { name = "SC Image", section = "C.8.6.2", attributes = {
  A("DateOfSecondaryCapture", "3"),
  A("TimeOfSecondaryCapture", "3"),
  A("NominalScannedPixelSpacing", "3"),
  A("DocumentClassCodeSequence", "3", { items = CODE }),
  -- Basic Pixel Spacing Calibration Macro (Table 10-10)
  A("PixelSpacing", "1C", {
    condition = "required if the image has been calibrated; may be present otherwise" }),
  A("PixelSpacingCalibrationType", "3", { enum = { "GEOMETRY", "FIDUCIAL" } }),
  A("PixelSpacingCalibrationDescription", "1C", {
    condition = "required if PixelSpacingCalibrationType is present",
    when = function(ds) return present(ds, "PixelSpacingCalibrationType") end }),
  -- Optional View and Slice Progression Direction Macro (Table 10-25)
  A("ViewCodeSequence", "3", { items = CODE }),
  A("SliceProgressionDirection", "3", { enum = { "APEX_TO_BASE", "BASE_TO_APEX" } }),
} }

modules.overlay_plane = { name = "Overlay Plane", section = "C.9.2", attributes = {
  A("OverlayRows", "1"),
  A("OverlayColumns", "1"),
  A("OverlayType", "1", { enum = { "G", "R" } }),
  A("OverlayOrigin", "1"),
  A("OverlayBitsAllocated", "1", { enum = { 1 } }),
  A("OverlayBitPosition", "1", { enum = { 0 } }),
  A("OverlayData", "1"),
  A("OverlayDescription", "3"),
  A("OverlaySubtype", "3"),
  A("OverlayLabel", "3"),
  A("ROIArea", "3"),
  A("ROIMean", "3"),
  A("ROIStandardDeviation", "3"),
} }

modules.modality_lut = { name = "Modality LUT", section = "C.11.1", attributes = {
  A("ModalityLUTSequence", "1C", { condition = "required if RescaleIntercept is absent" }),
  A("RescaleIntercept", "1C", { condition = "required if ModalityLUTSequence is absent" }),
  A("RescaleSlope", "1C", { condition = "required if RescaleIntercept is present",
    when = function(ds) return present(ds, "RescaleIntercept") end }),
  A("RescaleType", "1C", { condition = "required if RescaleIntercept is present",
    when = function(ds) return present(ds, "RescaleIntercept") end }),
} }

modules.voi_lut = { name = "VOI LUT", section = "C.11.2", attributes = {
  A("VOILUTSequence", "1C", {
    condition = "required if WindowCenter is absent; may be present otherwise" }),
  A("WindowCenter", "1C", {
    condition = "required if VOILUTSequence is absent; may be present otherwise" }),
  A("WindowWidth", "1C", { condition = "required if WindowCenter is present",
    when = function(ds) return present(ds, "WindowCenter") end }),
  A("WindowCenterWidthExplanation", "3"),
  A("VOILUTFunction", "3", { defined_terms = { "LINEAR", "LINEAR_EXACT", "SIGMOID" } }),
} }

modules.icc_profile = { name = "ICC Profile", section = "C.11.15", attributes = {
  A("ICCProfile", "1"),
  A("ColorSpace", "3"),
} }

modules.sop_common = { name = "SOP Common", section = "C.12.1", attributes = {
  A("SOPClassUID", "1"),
  A("SOPInstanceUID", "1"),
  A("SpecificCharacterSet", "1C", {
    condition = "required if an extended or replacement character set is used" }),
  A("InstanceCreationDate", "3"),
  A("InstanceCreationTime", "3"),
  A("InstanceCoercionDateTime", "3"),
  A("InstanceCreatorUID", "3"),
  A("RelatedGeneralSOPClassUID", "3"),
  A("OriginalSpecializedSOPClassUID", "3"),
  A("CodingSchemeIdentificationSequence", "3"),
  A("ContextGroupIdentificationSequence", "3"),
  A("MappingResourceIdentificationSequence", "3"),
  A("TimezoneOffsetFromUTC", "3"),
  A("ContributingEquipmentSequence", "3"),
  A("InstanceNumber", "3"),
  A("SOPInstanceStatus", "3", { enum = { "NS", "OR", "AO", "AC" } }),
  A("SOPAuthorizationDateTime", "3"),
  A("SOPAuthorizationComment", "3"),
  A("AuthorizationEquipmentCertificationNumber", "3"),
  -- Digital Signatures Macro (Table C.12-6)
  A("MACParametersSequence", "3"),
  A("DigitalSignaturesSequence", "3"),
  A("EncryptedAttributesSequence", "1C", {
    condition = "required if application level confidentiality is needed" }),
  A("OriginalAttributesSequence", "3"),
  A("HL7StructuredDocumentReferenceSequence", "1C", {
    condition = "required if HL7 Structured Documents are referenced in the instance" }),
  A("LongitudinalTemporalInformationModified", "3", {
    enum = { "UNMODIFIED", "MODIFIED", "REMOVED" } }),
  A("QueryRetrieveView", "1C", {
    condition = "required if the instance was converted by a Query/Retrieve view",
    enum = { "CLASSIC", "ENHANCED" } }),
  A("ConversionSourceAttributesSequence", "1C", {
    condition = "required if the instance was converted from other instances" }),
  A("ContentQualification", "3", { enum = { "PRODUCT", "RESEARCH", "SERVICE" } }),
  A("PrivateDataElementCharacteristicsSequence", "3"),
  A("InstanceOriginStatus", "3", { defined_terms = { "LOCAL", "IMPORTED" } }),
  A("BarcodeValue", "3"),
  -- General Procedure Protocol Reference Macro (Table 10-34)
  A("ReferencedDefinedProtocolSequence", "1C", {
    condition = "required if the instance was created under a defined protocol" }),
  A("ReferencedPerformedProtocolSequence", "1C", {
    condition = "required if the instance was created under a performed protocol" }),
},
  not_in_dictionary = {
    { tag = 0x0008001C, name = "Synthetic Data", type = "3" },
  },
}

modules.common_instance_reference = { name = "Common Instance Reference", section = "C.12.2",
  attributes = {
    A("ReferencedSeriesSequence", "1C", {
      condition = "required if this instance references instances of this study and "
        .. "StudiesContainingOtherReferencedInstancesSequence does not hold them all",
      items = {
        A("SeriesInstanceUID", "1"),
        A("ReferencedInstanceSequence", "1", { items = SOP_REF }),
      } }),
    A("StudiesContainingOtherReferencedInstancesSequence", "1C", {
      condition = "required if this instance references instances of other studies",
      items = {
        A("StudyInstanceUID", "1"),
        A("ReferencedSeriesSequence", "1"),
      } }),
  } }

iod.modules = modules

-- IODs -----------------------------------------------------------------------------------

-- A module as an IOD uses it; `overrides` maps keyword -> fields that the IOD specializes.
local function use(module, usage, condition, overrides)
  local entry = { name = module.name, section = module.section, usage = usage,
    condition = condition, attributes = {}, not_in_dictionary = module.not_in_dictionary }
  for i, a in ipairs(module.attributes) do
    local o = overrides and overrides[a.keyword]
    if o then
      local copy = {}
      for k, v in pairs(a) do copy[k] = v end
      for k, v in pairs(o) do copy[k] = v end
      a = copy
    end
    entry.attributes[i] = a
  end
  return entry
end

iod.iods = {}

iod.iods.vl_photographic = {
  name = "VL Photographic Image",
  sop_class = "1.2.840.10008.5.1.4.1.1.77.1.4",
  section = "A.32.4",
  modules = {
    use(modules.patient, "M"),
    use(modules.clinical_trial_subject, "U"),
    use(modules.general_study, "M"),
    use(modules.patient_study, "U"),
    use(modules.clinical_trial_study, "U"),
    use(modules.general_series, "M", nil, {
      -- A.32.4 content constraint: the Modality of a VL Photographic Image is XC.
      Modality = { enum = { "XC" }, condition = "shall be XC in this IOD (PS3.3 A.32.4)" },
    }),
    use(modules.clinical_trial_series, "U"),
    use(modules.general_equipment, "M"),
    use(modules.vl_photographic_equipment, "U"),
    use(modules.general_acquisition, "M"),
    use(modules.general_image, "M"),
    use(modules.general_reference, "U"),
    use(modules.image_pixel, "M"),
    use(modules.acquisition_context, "M"),
    use(modules.device, "U"),
    use(modules.specimen, "C", "required if the imaging subject is a specimen"),
    use(modules.vl_image, "M"),
    use(modules.vl_photographic_acquisition, "U"),
    use(modules.vl_photographic_geolocation, "U"),
    use(modules.overlay_plane, "U"),
    use(modules.icc_profile, "U"),
    use(modules.sop_common, "M"),
    use(modules.common_instance_reference, "U"),
  },
}

iod.iods.secondary_capture = {
  name = "Secondary Capture Image",
  sop_class = "1.2.840.10008.5.1.4.1.1.7",
  section = "A.8.1",
  modules = {
    use(modules.patient, "M"),
    use(modules.clinical_trial_subject, "U"),
    use(modules.general_study, "M"),
    use(modules.patient_study, "U"),
    use(modules.clinical_trial_study, "U"),
    use(modules.general_series, "M", nil, {
      Modality = { type = "3",
        condition = "Type 3 in this IOD: the SC Equipment Module overrides the General Series "
          .. "Module (C.8.6.1)" },
    }),
    use(modules.clinical_trial_series, "U"),
    use(modules.frame_of_reference, "C",
      "required if ImagePositionPatient or ImageOrientationPatient is present; may be present "
        .. "otherwise"),
    use(modules.synchronization, "U"),
    use(modules.general_equipment, "U"),
    use(modules.sc_equipment, "M"),
    use(modules.general_acquisition, "M"),
    use(modules.general_image, "M"),
    use(modules.general_reference, "U"),
    use(modules.image_plane, "U"),
    use(modules.image_pixel, "M"),
    use(modules.device, "U"),
    use(modules.specimen, "U"),
    use(modules.sc_image, "M"),
    use(modules.overlay_plane, "U"),
    use(modules.modality_lut, "U"),
    use(modules.voi_lut, "U"),
    use(modules.icc_profile, "U"),
    use(modules.sop_common, "M"),
    use(modules.common_instance_reference, "U"),
  },
  -- 2026b lists an Enhanced Patient Orientation Module (U) here as well; it is not transcribed.
}

-- Queries and the check ---------------------------------------------------------------------

local function find(name)
  local found = iod.iods[name]
  if found then return found end
  for _, candidate in pairs(iod.iods) do
    if candidate.sop_class == name then return candidate end
  end
  error("unknown IOD '" .. tostring(name) .. "' (expected one of: vl_photographic, "
    .. "secondary_capture, or their SOP Class UID)", 3)
end

local strength = { ["1"] = 5, ["1C"] = 4, ["2"] = 3, ["2C"] = 2, ["3"] = 1 }

--- Every top-level attribute of the IOD's modules: keyword -> { type =, module = }. An
-- attribute in several modules gets the strictest type and the module that sets it.
function iod.attributes(iod_name)
  local d = find(iod_name)
  local set = {}
  for _, module in ipairs(d.modules) do
    for _, a in ipairs(module.attributes) do
      local seen = set[a.keyword]
      if not seen or strength[a.type] > strength[seen.type] then
        set[a.keyword] = { type = a.type, module = module.name }
      end
    end
  end
  return set
end

local ok_core, core = pcall(require, "dicomkit.core")

local function tag_text(tag)
  if not tag then return "" end
  return string.format(" (%04X,%04X)", tag >> 16, tag & 0xFFFF)
end

local function is_empty(value)
  return value == "" or (type(value) == "table" and next(value) == nil)
end

local function as_text(v)
  if math.type(v) == "float" and v == math.floor(v) then v = math.tointeger(v) end
  return tostring(v)
end

local function one_of(v, allowed)
  local text = as_text(v)
  for _, e in ipairs(allowed) do
    if as_text(e) == text then return true end
  end
  return false
end

local function list_text(allowed)
  local parts = {}
  for i, e in ipairs(allowed) do parts[i] = as_text(e) end
  return table.concat(parts, ", ")
end

local function values_of(value)
  if type(value) == "table" then return value end
  return { value }
end

-- Checks one list of attributes against a dataset or item; `where` prefixes the names of
-- attributes inside items (e.g. "AcquisitionContextSequence[1].").
local function value_of(ds, keyword)
  -- pixel data is only looked at for presence: reading it would copy it
  if keyword == "PixelData" and type(ds) == "userdata" then
    return ds:has(keyword) and true or nil
  end
  return ds[keyword]
end

local function check_attributes(ds, attributes, module_name, where, ctx)
  for _, a in ipairs(attributes) do
    local value = value_of(ds, a.keyword)
    local name = where .. a.keyword .. (where == "" and tag_text(ctx.tag(a.keyword)) or "")
    local required = a.type
    if (required == "1C" or required == "2C") and a.when and a.when(ds) then
      required = required:sub(1, 1)
    end
    -- an attribute that two modules require (Photometric Interpretation in Image Pixel and
    -- VL Image) is reported once, by the first
    if required == "1" and (value == nil or is_empty(value)) then
      ctx.report(string.format("%s is Type 1 in module %s and is %s", name, module_name,
        value == nil and "missing" or "empty"), name)
    elseif required == "2" and value == nil then
      ctx.report(string.format("%s is Type 2 in module %s and is missing", name, module_name),
        name)
    end
    if value ~= nil and a.items and ctx.items and type(value) == "table" then
      for i, item in ipairs(value) do
        if type(item) == "table" or type(item) == "userdata" then
          check_attributes(item, a.items, module_name,
            string.format("%s%s[%d].", where, a.keyword, i), ctx)
        end
      end
    end
    if value ~= nil and not a.items and (a.enum or a.value_enums) then
      for i, v in ipairs(values_of(value)) do
        local allowed = a.enum or (a.value_enums and a.value_enums[i])
        if allowed and v ~= "" and not one_of(v, allowed) then
          ctx.report(string.format("%s value %d '%s' is not one of %s (module %s)", name, i,
            as_text(v), list_text(allowed), module_name), name .. "#" .. i)
        end
      end
    end
  end
end

-- Whether an optional module is in the dataset: one of its attributes that no other module
-- of the IOD shares is present (Pixel Spacing alone does not bring in Image Plane).
local function module_present(ds, module, owners)
  for _, a in ipairs(module.attributes) do
    if owners[a.keyword] == 1 and value_of(ds, a.keyword) ~= nil then return true end
  end
  return false
end

--- Check a dataset against an IOD. Returns a list of problem strings, empty when none.
-- opts.tag: function(keyword) -> tag number for messages (default: dicomkit.core's dictionary);
-- opts.items = false: do not look into sequence items.
function iod.check(ds, iod_name, opts)
  opts = opts or {}
  local d = find(iod_name)
  local problems = {}
  local ctx = {
    items = opts.items ~= false,
    tag = opts.tag or (ok_core and core.tag) or function() return nil end,
    reported = {},
  }
  -- `what` names the attribute (and value) a problem is about, so it is reported only once
  function ctx.report(message, what)
    if what then
      if ctx.reported[what] then return end
      ctx.reported[what] = true
    end
    problems[#problems + 1] = message
  end

  local known, owners, known_tags = {}, {}, {}
  for _, module in ipairs(d.modules) do
    for _, a in ipairs(module.attributes) do
      known[a.keyword] = true
      owners[a.keyword] = (owners[a.keyword] or 0) + 1
    end
    for _, extra in ipairs(module.not_in_dictionary or {}) do
      known_tags[extra.tag] = true
    end
  end

  for key in ds:keys() do
    if type(key) == "number" then
      local group = key >> 16
      -- private tags (odd groups) are allowed; an even group here is one the dictionary lacks
      if group % 2 == 0 and group ~= 0x0002 and not known_tags[key] then
        ctx.report(string.format("%s is not an attribute of the %s IOD", tag_text(key):sub(2),
          d.name))
      end
    elseif not known[key] and key ~= "DataSetTrailingPadding" then
      local tag = ctx.tag(key)
      if not (tag and tag >> 16 == 0x0002) then
        ctx.report(string.format("%s%s is not an attribute of the %s IOD", key, tag_text(tag),
          d.name))
      end
    end
  end

  for _, module in ipairs(d.modules) do
    if module.usage == "M" or module_present(ds, module, owners) then
      check_attributes(ds, module.attributes, module.name, "", ctx)
    else
      -- an absent optional module still may not hold values outside its enumerations
      local enumerated = {}
      for _, a in ipairs(module.attributes) do
        if (a.enum or a.value_enums) and value_of(ds, a.keyword) ~= nil then
          enumerated[#enumerated + 1] = { keyword = a.keyword, type = "3", enum = a.enum,
            value_enums = a.value_enums }
        end
      end
      check_attributes(ds, enumerated, module.name, "", ctx)
    end
  end
  return problems
end

return iod
