// Pixel import: the JPEG decisions are made by the pure C layers (jpeg.c, jpeg_codec.c);
// this file only builds dcmtk elements from their results and installs them all at once.

#include "internal.hh"

#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcvrcs.h>
#include <dcmtk/dcmdata/dcvrds.h>
#include <dcmtk/dcmdata/dcvrobow.h>
#include <dcmtk/dcmdata/dcvrus.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <sys/stat.h>
#include <vector>

extern "C" {
#include "dicomkit/jpeg.h"
#include "dicomkit/jpeg_codec.h"
#include "dicomkit/pixels.h"
#include "dicomkit/vr.h"
}

using namespace dk;

namespace {

// Elements built before anything is installed, so that a failure changes nothing.
struct staged {
    std::vector<DcmElement *> elements;
    std::vector<DcmTagKey> removals;
    ~staged()
    {
        for (DcmElement *e : elements)
            delete e;
    }
    void add(DcmElement *e) { elements.push_back(e); }
    void install(DcmItem *item)
    {
        for (const DcmTagKey &key : removals)
            item->findAndDeleteElement(key);
        for (DcmElement *&e : elements) {
            item->insert(e, OFTrue);
            e = NULL;
        }
    }
};

DcmElement *us_element(const DcmTagKey &key, Uint16 value)
{
    DcmUnsignedShort *e = new DcmUnsignedShort(DcmTag(key, EVR_US));
    e->putUint16(value);
    return e;
}

DcmElement *string_element(const DcmTagKey &key, DcmEVR vr, const char *value)
{
    DcmElement *e = NULL;
    DcmItem::newDicomElementWithVR(e, DcmTag(key, vr));
    e->putString(value);
    return e;
}

void stage_image_pixel(staged &s, int rows, int columns, int samples, int bits,
                       const char *photometric)
{
    s.add(us_element(DCM_SamplesPerPixel, (Uint16)samples));
    s.add(string_element(DCM_PhotometricInterpretation, EVR_CS, photometric));
    s.add(us_element(DCM_Rows, (Uint16)rows));
    s.add(us_element(DCM_Columns, (Uint16)columns));
    s.add(us_element(DCM_BitsAllocated, (Uint16)bits));
    s.add(us_element(DCM_BitsStored, (Uint16)bits));
    s.add(us_element(DCM_HighBit, (Uint16)(bits - 1)));
    s.add(us_element(DCM_PixelRepresentation, 0));
    if (samples > 1)
        s.add(us_element(DCM_PlanarConfiguration, 0));
    else
        s.removals.push_back(DCM_PlanarConfiguration);
}

// ColorSpace (0028,2002) defined terms, recognised from the profile's description.
const char *icc_color_space(const unsigned char *icc, size_t len)
{
    struct name {
        const char *ascii;
        const char *term;
    } names[] = {{"sRGB", "SRGB"}, {"Adobe RGB", "ADOBERGB"}, {"ROMM", "ROMMRGB"}};
    for (const name &n : names) {
        size_t n_len = strlen(n.ascii);
        for (size_t i = 0; i + 2 * n_len <= len; i++) {
            if (i + n_len <= len && memcmp(icc + i, n.ascii, n_len) == 0)
                return n.term;
            // mluc descriptions are UTF-16BE
            size_t k = 0;
            while (k < n_len && icc[i + 2 * k] == 0 && icc[i + 2 * k + 1] == (unsigned char)n.ascii[k])
                k++;
            if (k == n_len)
                return n.term;
        }
    }
    return NULL;
}

int check_dimensions(const char *who, int width, int height, dk_error *err)
{
    if (width > 65535 || height > 65535)
        return dk_error_set(err, DK_EINVAL,
                            "%s: %dx%d is larger than DICOM's Rows/Columns allow (65535)", who,
                            width, height);
    return DK_OK;
}

void stage_lossy(staged &s, double ratio)
{
    char buf[17];
    s.add(string_element(DCM_LossyImageCompression, EVR_CS, "01"));
    s.add(string_element(DCM_LossyImageCompressionMethod, EVR_CS, "ISO_10918_1"));
    if (dk_vr_format_ds(ratio, buf, "LossyImageCompressionRatio", NULL) == DK_OK)
        s.add(string_element(DCM_LossyImageCompressionRatio, EVR_DS, buf));
}

// dcmtk 3.6.7 keeps setLengthField() protected; naming it through a derived class yields a
// member pointer we may call. Used to shrink a fragment whose buffer was filled in place
// (the file was read straight into it and its metadata stripped there).
struct length_access : DcmPixelItem {
    static void set(DcmObject *obj, Uint32 len)
    {
        void (DcmObject::*setter)(Uint32) = &length_access::setLengthField;
        (obj->*setter)(len);
    }
};

size_t even_length(size_t n) { return n + (n & 1); }

// Open a non-empty regular file for reading; *size gets its length.
int open_input(const char *path, FILE **file, size_t *size, dk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return dk_error_set(err, e == ENOENT ? DK_ENOENT : DK_EIO, "%s: %s", path, strerror(e));
    }
    struct stat st;
    int rc = DK_OK;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        rc = dk_error_set(err, DK_EIO, "%s: not a regular file", path);
    else if (st.st_size == 0)
        rc = dk_error_set(err, DK_EFORMAT, "%s: empty file", path);
    else if ((unsigned long long)st.st_size > 0xFFFFFFF0ull)
        rc = dk_error_set(err, DK_EINVAL, "%s: larger than a DICOM element can hold", path);
    if (rc != DK_OK) {
        fclose(f);
        return rc;
    }
    *file = f;
    *size = (size_t)st.st_size;
    return DK_OK;
}

// Read exactly `size` bytes into buf and close the file.
int read_all(FILE *f, const char *path, unsigned char *buf, size_t size, dk_error *err)
{
    size_t got = fread(buf, 1, size, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || got != size)
        return dk_error_set(err, DK_EIO, "%s: read failed", path);
    return DK_OK;
}

} // namespace

extern "C" {

int dk_read_file(const char *path, unsigned char **data, size_t *len, dk_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = NULL;
    size_t size = 0;
    int rc = open_input(path, &f, &size, err);
    if (rc != DK_OK)
        return rc;
    unsigned char *buf = (unsigned char *)malloc(size);
    if (buf == NULL) {
        fclose(f);
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory for %zu bytes", path, size);
    }
    if ((rc = read_all(f, path, buf, size, err)) != DK_OK) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = size;
    return DK_OK;
}

// `writable` is NULL or the same bytes as `jpeg` in a buffer we may change (then metadata is
// stripped in place, one copy fewer).
static int set_jpeg(dk_dataset *ds, const unsigned char *jpeg, unsigned char *writable, size_t len,
                    DcmPixelItem *writable_item, const char *name, const dk_jpeg_options *opts,
                    dk_pixel_report *report, dk_error *err)
{
    // `writable_item` (may be NULL) owns `writable`; it becomes the fragment when it can
    std::unique_ptr<DcmPixelItem> reusable(writable_item);
    unsigned char *transformed = NULL;
    try {
        const char *who = name ? name : "JPEG data";
        dk_jpeg_options defaults;
        memset(&defaults, 0, sizeof defaults);
        if (opts == NULL)
            opts = &defaults;
        dk_pixel_report local;
        if (report == NULL)
            report = &local;
        memset(report, 0, sizeof *report);
        if (ds == NULL || ds->stale || ds->root != ds)
            return dk_error_set(err, DK_EINVAL, "%s: pixels go into a root dataset", who);

        dk_jpeg_info info;
        int rc = dk_jpeg_read_header(jpeg, len, who, opts->max_pixels, &info, err);
        if (rc != DK_OK)
            return rc;
        int orientation = opts->keep_orientation || info.exif_orientation < 2 ? 1
                                                                               : info.exif_orientation;
        report->orientation = info.exif_orientation;
        report->has_exif = info.has_exif;
        report->has_gps = info.has_gps;
        report->source_bytes = len;

        bool decode = opts->decode != 0;
        const char *obstacle = dk_jpeg_baseline_obstacle(&info);
        if (!decode && obstacle != NULL)
            return dk_error_set(err, DK_EUNSUPPORTED,
                                "%s: JPEG Baseline cannot carry this JPEG as it is (%s); "
                                "allow decoding (decode=true, --decode) to store native pixels",
                                who, obstacle);
        if (!decode && info.colorspace == DK_JPEG_RGB && !opts->allow_rgb) {
            decode = true;
            snprintf(report->reason, sizeof report->reason,
                     "its components are RGB-coded, and this IOD allows JPEG Baseline only as "
                     "YBR_FULL_422");
        }
        const unsigned char *frame = jpeg;
        size_t frame_len = len;
        if (!decode && orientation > 1) {
            size_t out_len = 0;
            dk_error terr;
            rc = dk_jpeg_transform(jpeg, len, orientation, opts->keep_markers, &transformed,
                                   &out_len, who, &terr);
            if (rc == DK_OK) {
                frame = transformed;
                frame_len = out_len;
                report->lossless_transform = 1;
            } else if (rc == DK_EUNSUPPORTED) {
                decode = true;
                snprintf(report->reason, sizeof report->reason,
                         "EXIF orientation %d needs a rotation that is not lossless for a %dx%d "
                         "image (partial MCU blocks)",
                         orientation, info.width, info.height);
            } else {
                if (err)
                    *err = terr;
                return rc;
            }
        }
        if (decode) {
            const char *cannot = dk_jpeg_decode_obstacle(&info);
            if (cannot != NULL) {
                dk_jpeg_free(transformed);
                return dk_error_set(err, DK_EUNSUPPORTED, "%s: cannot decode %s", who, cannot);
            }
            if (report->reason[0] == '\0')
                snprintf(report->reason, sizeof report->reason, "%s",
                         obstacle ? obstacle : "decoding was asked for");
        }

        int columns, rows;
        dk_jpeg_upright_size(&info, orientation, &columns, &rows);
        if ((rc = check_dimensions(who, columns, rows, err)) != DK_OK) {
            dk_jpeg_free(transformed);
            return rc;
        }
        int samples = info.colorspace == DK_JPEG_GRAY ? 1 : 3;
        size_t native_len = (size_t)rows * (size_t)columns * (size_t)samples;

        std::vector<unsigned char> icc(info.icc_length);
        if (info.icc_length > 0 &&
            dk_jpeg_copy_icc(jpeg, len, who, icc.data(), icc.size(), NULL) != DK_OK)
            icc.clear();

        staged s;
        const char *photometric;
        if (decode) {
            photometric = samples == 1 ? "MONOCHROME2" : "RGB";
            DcmPixelData *pd = new DcmPixelData(DcmTag(DCM_PixelData, EVR_OB));
            s.add(pd);
            Uint8 *pixels = NULL;
            if (pd->createUint8Array((Uint32)native_len, pixels).bad() || pixels == NULL)
                return dk_error_set(err, DK_ENOMEM, "%s: out of memory for %zu bytes of pixels",
                                    who, native_len);
            rc = dk_jpeg_decode(jpeg, len, &info, orientation, pixels, native_len, who, err);
            if (rc != DK_OK) {
                dk_jpeg_free(transformed);
                return rc;
            }
            report->stored_bytes = native_len;
        } else {
            photometric = samples == 1                        ? "MONOCHROME2"
                          : info.colorspace == DK_JPEG_RGB ? "RGB"
                                                           : "YBR_FULL_422";
            // Work in a buffer we may write: the transform's output, the caller's writable
            // copy, or (for borrowed bytes) one scratch copy.
            std::vector<unsigned char> scratch;
            unsigned char *target = transformed ? transformed : (frame == jpeg ? writable : NULL);
            if (target == NULL) {
                scratch.resize(frame_len);
                target = scratch.data();
                if (opts->keep_markers)
                    memcpy(target, frame, frame_len);
            }
            size_t stored_len = frame_len;
            if (opts->keep_markers) {
                if (report->lossless_transform)
                    dk_jpeg_set_exif_orientation(target, stored_len, 1); // upright now
            } else {
                rc = dk_jpeg_strip_metadata(frame, frame_len, who, target, &stored_len, err);
                if (rc != DK_OK) {
                    dk_jpeg_free(transformed);
                    return rc;
                }
                report->metadata_removed = stored_len < frame_len;
            }
            // one fragment after an empty Basic Offset Table, padded to an even length (PS3.5 A.4)
            DcmPixelSequence *seq = new DcmPixelSequence(DcmTag(DCM_PixelSequenceTag));
            std::unique_ptr<DcmPixelSequence> seq_owner(seq);
            seq->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));
            size_t even = even_length(stored_len);
            if (reusable && target == writable) {
                // the bytes are already in the fragment's own buffer (sized for the whole file)
                if (even != stored_len)
                    writable[stored_len] = 0;
                length_access::set(reusable.get(), (Uint32)even);
                seq->insert(reusable.release());
            } else {
                DcmPixelItem *fragment = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
                seq->insert(fragment);
                Uint8 *bytes = NULL;
                if (fragment->createUint8Array((Uint32)even, bytes).bad() || bytes == NULL) {
                    dk_jpeg_free(transformed);
                    return dk_error_set(err, DK_ENOMEM, "%s: out of memory for %zu bytes", who, even);
                }
                memcpy(bytes, target, stored_len);
                if (even != stored_len)
                    bytes[stored_len] = 0;
            }
            DcmPixelData *pd = new DcmPixelData(DcmTag(DCM_PixelData, EVR_OB));
            s.add(pd);
            pd->putOriginalRepresentation(EXS_JPEGProcess1, NULL, seq_owner.release());
            report->stored_bytes = stored_len;
        }
        dk_jpeg_free(transformed);
        transformed = NULL;

        stage_image_pixel(s, rows, columns, samples, 8, photometric);
        report->compression_ratio = (double)native_len / (double)(decode ? len : report->stored_bytes);
        stage_lossy(s, report->compression_ratio);
        if (!icc.empty()) {
            DcmOtherByteOtherWord *e = new DcmOtherByteOtherWord(DcmTag(DCM_ICCProfile, EVR_OB));
            e->putUint8Array(icc.data(), (unsigned long)icc.size());
            s.add(e);
            const char *space = icc_color_space(icc.data(), icc.size());
            if (space != NULL)
                s.add(string_element(DCM_ColorSpace, EVR_CS, space));
            report->icc_length = icc.size();
        }
        s.install(ds->item);
        ds->xfer = decode ? EXS_LittleEndianExplicit : EXS_JPEGProcess1;

        report->decoded = decode;
        report->rows = rows;
        report->columns = columns;
        report->samples = samples;
        snprintf(report->photometric, sizeof report->photometric, "%s", photometric);
        report->orientation_applied = orientation > 1;
        if (!report->metadata_removed && !opts->keep_markers)
            report->metadata_removed = info.has_exif || info.has_xmp || info.has_iptc ||
                                       info.has_comment;
        return DK_OK;
    } catch (const std::bad_alloc &) {
        dk_jpeg_free(transformed);
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory", name ? name : "JPEG data");
    } catch (...) {
        dk_jpeg_free(transformed);
        return dk_error_set(err, DK_EINTERNAL, "%s: unexpected failure inside dcmtk",
                            name ? name : "JPEG data");
    }
}

int dk_dataset_set_jpeg(dk_dataset *ds, const unsigned char *jpeg, size_t len, const char *name,
                        const dk_jpeg_options *opts, dk_pixel_report *report, dk_error *err)
{
    return set_jpeg(ds, jpeg, NULL, len, NULL, name, opts, report, err);
}

int dk_dataset_set_jpeg_file(dk_dataset *ds, const char *path, const dk_jpeg_options *opts,
                             dk_pixel_report *report, dk_error *err)
{
    // Read the file straight into what will be the pixel data fragment: pass-through then
    // strips the metadata in place and copies nothing.
    try {
        FILE *f = NULL;
        size_t len = 0;
        int rc = open_input(path, &f, &len, err);
        if (rc != DK_OK)
            return rc;
        DcmPixelItem *item = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
        Uint8 *buf = NULL;
        if (item->createUint8Array((Uint32)even_length(len), buf).bad() || buf == NULL) {
            delete item;
            fclose(f);
            return dk_error_set(err, DK_ENOMEM, "%s: out of memory for %zu bytes", path, len);
        }
        if ((rc = read_all(f, path, buf, len, err)) != DK_OK) {
            delete item;
            return rc;
        }
        return set_jpeg(ds, buf, buf, len, item, path, opts, report, err);
    } catch (const std::bad_alloc &) {
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory", path);
    } catch (...) {
        return dk_error_set(err, DK_EINTERNAL, "%s: unexpected failure inside dcmtk", path);
    }
}

int dk_dataset_set_native_pixels(dk_dataset *ds, int rows, int columns, int samples, int bits,
                                 const char *photometric, const void *data, size_t len,
                                 dk_error *err)
{
    try {
        if (ds == NULL || ds->stale || ds->root != ds)
            return dk_error_set(err, DK_EINVAL, "pixels go into a root dataset");
        if (rows < 1 || columns < 1 || rows > 65535 || columns > 65535)
            return dk_error_set(err, DK_EINVAL, "pixels: rows and columns must be 1..65535, got %dx%d",
                                rows, columns);
        if (samples != 1 && samples != 3)
            return dk_error_set(err, DK_EINVAL, "pixels: samples must be 1 or 3, got %d", samples);
        if (bits != 8 && bits != 16)
            return dk_error_set(err, DK_EINVAL, "pixels: bits must be 8 or 16, got %d", bits);
        if (photometric == NULL)
            photometric = samples == 1 ? "MONOCHROME2" : "RGB";
        bool grey = !strcmp(photometric, "MONOCHROME2") || !strcmp(photometric, "MONOCHROME1");
        bool colour = !strcmp(photometric, "RGB") || !strcmp(photometric, "YBR_FULL");
        if ((samples == 1 && !grey) || (samples == 3 && !colour))
            return dk_error_set(err, DK_EINVAL,
                                "pixels: photometric '%s' does not fit %d sample%s per pixel "
                                "(1: MONOCHROME1 or MONOCHROME2; 3: RGB or YBR_FULL)",
                                photometric, samples, samples == 1 ? "" : "s");
        size_t need = (size_t)rows * (size_t)columns * (size_t)samples * (size_t)(bits / 8);
        if (len != need)
            return dk_error_set(err, DK_EINVAL,
                                "pixels: data has %zu bytes, %dx%d with %d sample%s of %d bits "
                                "needs %zu",
                                len, rows, columns, samples, samples == 1 ? "" : "s", bits, need);
        staged s;
        DcmPixelData *pd = new DcmPixelData(DcmTag(DCM_PixelData, bits == 8 ? EVR_OB : EVR_OW));
        s.add(pd);
        OFCondition cond;
        if (bits == 8) {
            cond = pd->putUint8Array(static_cast<const Uint8 *>(data), (unsigned long)len);
        } else {
            Uint16 *words = NULL;
            cond = pd->createUint16Array((Uint32)(len / 2), words);
            if (cond.good())
                memcpy(words, data, len);
        }
        if (cond.bad())
            return fail_condition(err, DK_EINTERNAL, "PixelData", cond);
        stage_image_pixel(s, rows, columns, samples, bits, photometric);
        s.install(ds->item);
        ds->xfer = EXS_LittleEndianExplicit;
        return DK_OK;
    } catch (const std::bad_alloc &) {
        return dk_error_set(err, DK_ENOMEM, "pixels: out of memory");
    } catch (...) {
        return dk_error_set(err, DK_EINTERNAL, "pixels: unexpected failure inside dcmtk");
    }
}

} // extern "C"
