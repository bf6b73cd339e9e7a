// dcmtk's one-time set-up, and the versions dicomkit was built with.

#include "internal.hh"

#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcobject.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace dk {

static void set_up()
{
    // A library must not print: dcmtk's warnings become our error messages instead.
    const char *level = getenv("DICOMKIT_DCMTK_LOG");
    OFLogger::LogLevel lvl = OFLogger::OFF_LOG_LEVEL;
    if (level != nullptr) {
        if (strcmp(level, "debug") == 0)
            lvl = OFLogger::DEBUG_LOG_LEVEL;
        else if (strcmp(level, "info") == 0)
            lvl = OFLogger::INFO_LOG_LEVEL;
        else if (strcmp(level, "warn") == 0)
            lvl = OFLogger::WARN_LOG_LEVEL;
        else
            lvl = OFLogger::ERROR_LOG_LEVEL;
    }
    OFLog::configure(lvl);
    // An element written as UN whose tag the dictionary knows is read with the dictionary's VR
    // (as pydicom and `dcmdump +u` do), so its value comes back without UN's padding. This is a
    // process-wide dcmtk setting; dicomkit documents it in dataset.h.
    dcmEnableUnknownVRConversion.set(OFTrue);
}

void init_dcmtk()
{
    static std::once_flag once;
    std::call_once(once, set_up);
}

static void set_up_jpegls()
{
    // Lossless only; raw encoding (the cooked one goes through DicomImage and would rescale);
    // one fragment per frame with the offset table filled; the SOP Instance UID is ours to keep,
    // the codec never makes a new one.
    DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, OFFalse, 0, OFTrue, EJLSUC_never);
    DJLSDecoderRegistration::registerCodecs();
}

void init_jpegls()
{
    init_dcmtk();
    static std::once_flag once;
    std::call_once(once, set_up_jpegls);
}

} // namespace dk

extern "C" {

const char *dk_version(void) { return DICOMKIT_VERSION; }

const char *dk_dcmtk_version(void) { return OFFIS_DCMTK_VERSION_STRING; }

} // extern "C"
