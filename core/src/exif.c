/* EXIF facts by libexif (exif.h). libexif parses; this file only picks the entries and checks
 * each against its own format (EXIF 2.32, CIPA DC-008: the tags' numbers, types and counts). */
#include "dicomkit/exif.h"

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* An entry of `ifd` with `tag`, of `format` and at least `count` components, or NULL. */
static ExifEntry *entry(ExifData *ed, ExifIfd ifd, unsigned tag, ExifFormat format, unsigned count)
{
    ExifContent *c = ed->ifd[ifd];
    if (c == NULL)
        return NULL;
    ExifEntry *e = exif_content_get_entry(c, (ExifTag)tag);
    if (e == NULL || e->data == NULL || e->format != format || e->components < count)
        return NULL;
    size_t unit = (size_t)exif_format_get_size(format);
    if (unit == 0 || e->size < unit * (size_t)count)
        return NULL;
    return e;
}

/* An ASCII entry as printable text (exif.h's rule) into out[DK_EXIF_TEXT]. */
static void text(ExifData *ed, ExifIfd ifd, unsigned tag, char *out)
{
    out[0] = '\0';
    ExifEntry *e = entry(ed, ifd, tag, EXIF_FORMAT_ASCII, 1);
    if (e == NULL)
        return;
    size_t n = 0;
    for (size_t i = 0; i < e->size && e->data[i] != '\0' && n < DK_EXIF_TEXT - 1; i++) {
        unsigned char c = e->data[i];
        out[n++] = (c < 0x20 || c > 0x7E || c == '\\') ? '?' : (char)c;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    size_t lead = 0;
    while (lead < n && out[lead] == ' ')
        lead++;
    memmove(out, out + lead, n - lead);
    out[n - lead] = '\0';
}

/* The k-th unsigned rational of an entry as a number; -1 for a zero denominator. */
static double rational(ExifData *ed, ExifEntry *e, unsigned k)
{
    ExifRational r = exif_get_rational(e->data + 8 * (size_t)k, exif_data_get_byte_order(ed));
    return r.denominator == 0 ? -1 : (double)r.numerator / (double)r.denominator;
}

static double positive_rational(ExifData *ed, ExifIfd ifd, unsigned tag)
{
    ExifEntry *e = entry(ed, ifd, tag, EXIF_FORMAT_RATIONAL, 1);
    double v = e ? rational(ed, e, 0) : 0;
    return v > 0 && isfinite(v) ? v : 0;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int number(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* "YYYY:MM:DD HH:MM:SS" (+ sub-seconds, + "+HH:MM") as DICOM DT into out[27]. */
static void date_time(ExifData *ed, char *out)
{
    char dt[DK_EXIF_TEXT], sub[DK_EXIF_TEXT], off[DK_EXIF_TEXT];
    out[0] = '\0';
    text(ed, EXIF_IFD_EXIF, 0x9003, dt);
    if (strlen(dt) != 19 || dt[4] != ':' || dt[7] != ':' || dt[10] != ' ' || dt[13] != ':' ||
        dt[16] != ':' || !digits(dt, 4) || !digits(dt + 5, 2) || !digits(dt + 8, 2) ||
        !digits(dt + 11, 2) || !digits(dt + 14, 2) || !digits(dt + 17, 2))
        return;
    int y = number(dt, 4), mo = number(dt + 5, 2), d = number(dt + 8, 2);
    int h = number(dt + 11, 2), mi = number(dt + 14, 2), s = number(dt + 17, 2);
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] ||
        (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) || h > 23 ||
        mi > 59 || s > 60)
        return; /* "0000:00:00 00:00:00" (never set) ends here too */
    int n = snprintf(out, 27, "%.4s%.2s%.2s%.2s%.2s%.2s", dt, dt + 5, dt + 8, dt + 11, dt + 14,
                     dt + 17);
    text(ed, EXIF_IFD_EXIF, 0x9291, sub);
    size_t sl = strlen(sub);
    if (sl > 0 && digits(sub, sl))
        n += snprintf(out + n, (size_t)(27 - n), ".%.6s", sub);
    text(ed, EXIF_IFD_EXIF, 0x9011, off);
    if (strlen(off) == 6 && (off[0] == '+' || off[0] == '-') && off[3] == ':' &&
        digits(off + 1, 2) && digits(off + 4, 2) && number(off + 1, 2) <= 14 &&
        number(off + 4, 2) <= 59)
        snprintf(out + n, (size_t)(27 - n), "%c%.2s%.2s", off[0], off + 1, off + 4);
}

/* Degrees from three rationals (degrees, minutes, seconds) and a reference ("N"/"S", "E"/"W"). */
static int coordinate(ExifData *ed, unsigned ref_tag, unsigned tag, const char *neg, double max,
                      double *out, double dms[3], char *ref_out)
{
    char ref[DK_EXIF_TEXT];
    text(ed, EXIF_IFD_GPS, ref_tag, ref);
    ExifEntry *e = entry(ed, EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL, 3);
    if (e == NULL || (ref[0] != neg[0] && ref[0] != neg[1]) || ref[1] != '\0')
        return 0;
    double d = rational(ed, e, 0), m = rational(ed, e, 1), s = rational(ed, e, 2);
    if (d < 0 || m < 0 || s < 0 || m >= 60 || s >= 60)
        return 0;
    double v = d + m / 60 + s / 3600;
    if (!isfinite(v) || v > max)
        return 0;
    *out = ref[0] == neg[1] ? -v : v;
    dms[0] = d;
    dms[1] = m;
    dms[2] = s;
    *ref_out = ref[0];
    return 1;
}

int dk_exif_read(const unsigned char *data, size_t len, const char *name, dk_exif_facts *facts,
                 dk_error *err)
{
    memset(facts, 0, sizeof *facts);
    facts->flash = -1;
    const char *who = name ? name : "EXIF data";
    if (data == NULL || len < 8 || len > 0xFFFFFFu)
        return dk_error_set(err, DK_EFORMAT, "%s: no EXIF structure", who);
    /* libexif takes an APP1 body or JPEG bytes; a bare TIFF structure gets the header prepended */
    static const unsigned char header[6] = {'E', 'x', 'i', 'f', 0, 0};
    ExifData *ed = exif_data_new();
    if (ed == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION); /* read, never rewrite */
    if (memcmp(data, header, 6) == 0) {
        exif_data_load_data(ed, data, (unsigned)len);
    } else {
        unsigned char *copy = malloc(len + 6);
        if (copy == NULL) {
            exif_data_unref(ed);
            return dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
        }
        memcpy(copy, header, 6);
        memcpy(copy + 6, data, len);
        exif_data_load_data(ed, copy, (unsigned)(len + 6));
        free(copy);
    }
    int any = 0;
    for (int i = 0; i < EXIF_IFD_COUNT; i++)
        any |= ed->ifd[i] != NULL && ed->ifd[i]->count > 0;
    if (!any) {
        exif_data_unref(ed);
        return dk_error_set(err, DK_EFORMAT, "%s: no EXIF structure libexif can read", who);
    }
    facts->present = 1;
    date_time(ed, facts->date_time_original);
    text(ed, EXIF_IFD_0, 0x010F, facts->make);
    text(ed, EXIF_IFD_0, 0x0110, facts->model);
    text(ed, EXIF_IFD_0, 0x0131, facts->software);
    text(ed, EXIF_IFD_0, 0x013B, facts->artist);
    text(ed, EXIF_IFD_EXIF, 0xA433, facts->lens_make);
    text(ed, EXIF_IFD_EXIF, 0xA434, facts->lens_model);
    text(ed, EXIF_IFD_EXIF, 0xA431, facts->body_serial);
    text(ed, EXIF_IFD_EXIF, 0xA435, facts->lens_serial);
    text(ed, EXIF_IFD_EXIF, 0xA430, facts->owner);
    facts->exposure_time = positive_rational(ed, EXIF_IFD_EXIF, 0x829A);
    facts->f_number = positive_rational(ed, EXIF_IFD_EXIF, 0x829D);
    facts->focal_length = positive_rational(ed, EXIF_IFD_EXIF, 0x920A);
    ExifEntry *e = entry(ed, EXIF_IFD_EXIF, 0x8827, EXIF_FORMAT_SHORT, 1);
    if (e != NULL)
        facts->iso = exif_get_short(e->data, exif_data_get_byte_order(ed));
    e = entry(ed, EXIF_IFD_EXIF, 0x9209, EXIF_FORMAT_SHORT, 1);
    if (e != NULL)
        facts->flash = exif_get_short(e->data, exif_data_get_byte_order(ed));
    if (coordinate(ed, 0x0001, 0x0002, "NS", 90, &facts->latitude, facts->latitude_dms,
                   &facts->latitude_ref) &&
        coordinate(ed, 0x0003, 0x0004, "EW", 180, &facts->longitude, facts->longitude_dms,
                   &facts->longitude_ref)) {
        facts->has_gps = 1;
    } else {
        facts->latitude = facts->longitude = 0;
        memset(facts->latitude_dms, 0, sizeof facts->latitude_dms);
        memset(facts->longitude_dms, 0, sizeof facts->longitude_dms);
        facts->latitude_ref = facts->longitude_ref = '\0';
    }
    e = entry(ed, EXIF_IFD_GPS, 0x0006, EXIF_FORMAT_RATIONAL, 1);
    if (facts->has_gps && e != NULL) {
        double a = rational(ed, e, 0);
        ExifEntry *ref = entry(ed, EXIF_IFD_GPS, 0x0005, EXIF_FORMAT_BYTE, 1);
        if (a >= 0 && isfinite(a) && a < 1e6) {
            facts->has_altitude = 1;
            facts->altitude = ref != NULL && ref->data[0] == 1 ? -a : a;
        }
    }
    exif_data_unref(ed);
    return DK_OK;
}
