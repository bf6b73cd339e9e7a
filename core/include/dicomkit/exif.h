/* dicomkit: the facts a camera wrote into a photo's EXIF, read with libexif.
 *
 * What is kept is what DICOM has a place for (the templates say where each goes; the README
 * lists it): the time the picture was taken, the camera and lens, the exposure, and, kept apart
 * because they identify people and places, serial numbers, the owner's name and the GPS
 * position. Strings are printable ASCII only (a control character, a backslash or a byte over
 * 0x7E becomes '?'), trailing spaces and NULs dropped, at most 64 characters (DICOM's LO). A
 * value that breaks its own format (a date that is no date, a zero denominator) is left out as
 * if absent: broken EXIF is never an error for the image it came with.
 */
#ifndef DICOMKIT_EXIF_H
#define DICOMKIT_EXIF_H

#include <stddef.h>

#include "dicomkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DK_EXIF_TEXT 65

typedef struct dk_exif_facts {
    int present;                     /* 1: an EXIF block was read */
    /* DateTimeOriginal (0x9003) with SubSecTimeOriginal (0x9291) and OffsetTimeOriginal
     * (0x9011) as a DICOM DT: YYYYMMDDHHMMSS[.F{1,6}][+-HHMM]; "" when absent or invalid */
    char date_time_original[27];
    char make[DK_EXIF_TEXT], model[DK_EXIF_TEXT];             /* IFD0 0x010F, 0x0110 */
    char software[DK_EXIF_TEXT];                              /* IFD0 0x0131 */
    char lens_make[DK_EXIF_TEXT], lens_model[DK_EXIF_TEXT];   /* 0xA433, 0xA434 */
    double exposure_time;  /* seconds (0x829A), 0 when absent */
    double f_number;       /* 0x829D, 0 when absent */
    double focal_length;   /* mm (0x920A), 0 when absent */
    int iso;               /* PhotographicSensitivity (0x8827), 0 when absent */
    int flash;             /* Flash (0x9209) as written, -1 when absent */
    /* identifying: only copied into DICOM on request */
    char body_serial[DK_EXIF_TEXT], lens_serial[DK_EXIF_TEXT]; /* 0xA431, 0xA435 */
    char owner[DK_EXIF_TEXT];                                  /* CameraOwnerName 0xA430 */
    char artist[DK_EXIF_TEXT];                                 /* IFD0 0x013B */
    int has_gps;           /* 1: latitude and longitude were read */
    double latitude, longitude; /* degrees, north and east positive */
    double latitude_dms[3], longitude_dms[3]; /* as written: degrees, minutes, seconds */
    char latitude_ref, longitude_ref;          /* 'N'/'S', 'E'/'W' */
    int has_altitude;
    double altitude;       /* metres above sea level (below: negative) */
} dk_exif_facts;

/* Read `len` bytes of EXIF: an APP1 body ("Exif\0\0" then a TIFF structure) or the TIFF
 * structure alone. *facts is always set (zeroed, flash -1, when nothing could be read).
 * DK_EFORMAT (naming `name`) when libexif finds no EXIF structure there at all. */
int dk_exif_read(const unsigned char *data, size_t len, const char *name, dk_exif_facts *facts,
                 dk_error *err);

#ifdef __cplusplus
}
#endif

#endif
