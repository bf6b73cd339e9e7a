// Pixel import: the JPEG decisions are made by the pure C layers (jpeg.c, jpeg_codec.c); this
// file turns them into dcmtk elements and installs them all at once, so that a failure leaves
// the dataset as it was. Three steps: decide (what the JPEG is and what becomes of it), stage
// (the pixel data, decoded or passed through, and the attributes that describe it), install.
//
// The bytes of an image are held once: a JPEG file is read into one buffer that the pass-through
// fragment then reads from (metadata stripped in place), and a decode writes into one buffer
// that PixelData reads from. dcmtk takes such a value through its public stream factory
// (DcmElement::createValueFromTempFile); a plain createUint8Array would zero-fill a second
// buffer of the same size and cost a copy.

#include "internal.hh"
#include "blocks.hh"

#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcvrcs.h>
#include <dcmtk/dcmdata/dcvrds.h>
#include <dcmtk/dcmdata/dcvrobow.h>
#include <dcmtk/dcmdata/dcvrul.h>
#include <dcmtk/dcmdata/dcvrus.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpls/djrparam.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include "dicomkit/jpeg.h"
#include "dicomkit/jpeg_codec.h"
#include "dicomkit/pixels.h"
#include "dicomkit/png.h"
#include "dicomkit/vr.h"
}

using namespace dk;

namespace {

// ---------------------------------------------------------------------------
// buffers dcmtk reads values from

size_t even_length(size_t n) { return n + (n & 1); }

// Give `elem` the value block[0 .. len), padded to an even length with a zero byte.
int adopt_value(DcmElement *elem, bytes_block &block, size_t len, const char *who, dk_error *err)
{
    size_t even = even_length(len);
    if (even > 0xFFFFFFFEu)
        return dk_error_set(err, DK_ELIMIT, "%s: %zu bytes of pixel data exceed the 4 GiB a DICOM "
                            "element holds", who, len);
    if (even != len)
        block.data.get()[len] = 0; // block.cap > len: every block is allocated with room for it
    block.len = even;
    OFCondition cond = elem->createValueFromTempFile(new block_factory(block, 0, even), (Uint32)even,
                                                     EBO_LittleEndian);
    if (cond.bad())
        return fail_condition(err, DK_EINTERNAL, who, cond);
    return DK_OK;
}

// ---------------------------------------------------------------------------
// staging

// Elements built before anything is installed, so that a failure changes nothing.
struct staged {
    std::vector<std::unique_ptr<DcmElement>> elements;
    std::vector<DcmTagKey> removals;
    void add(DcmElement *e) { elements.emplace_back(e); }
    void install(dk_dataset *ds)
    {
        for (const DcmTagKey &key : removals) {
            DcmElement *gone = find_element(ds, ((uint32_t)key.getGroup() << 16) | key.getElement());
            if (gone != nullptr)
                drop_element(ds, gone);
        }
        for (std::unique_ptr<DcmElement> &e : elements)
            if (put_element(ds, e.get()).good())
                e.release();
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
    DcmElement *e = nullptr;
    DcmItem::newDicomElementWithVR(e, DcmTag(key, vr));
    e->putString(value);
    return e;
}

void stage_image_pixel(staged &s, int rows, int columns, int samples, int bits,
                       const char *photometric, size_t frames = 1)
{
    if (frames > 1) {
        char n[24];
        snprintf(n, sizeof n, "%zu", frames);
        s.add(string_element(DCM_NumberOfFrames, EVR_IS, n));
    } else {
        s.removals.push_back(DCM_NumberOfFrames); // pixels of one frame replace any before
    }
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
        for (size_t i = 0; i + n_len <= len; i++) {
            if (memcmp(icc + i, n.ascii, n_len) == 0)
                return n.term;
            // mluc descriptions are UTF-16BE
            size_t k = 0;
            while (i + 2 * n_len <= len && k < n_len && icc[i + 2 * k] == 0 &&
                   icc[i + 2 * k + 1] == (unsigned char)n.ascii[k])
                k++;
            if (k == n_len)
                return n.term;
        }
    }
    return nullptr;
}

void stage_lossy(staged &s, double ratio, const char *method = "ISO_10918_1")
{
    char buf[17];
    s.add(string_element(DCM_LossyImageCompression, EVR_CS, "01"));
    s.add(string_element(DCM_LossyImageCompressionMethod, EVR_CS, method));
    if (dk_vr_format_ds(ratio, buf, "LossyImageCompressionRatio", nullptr) == DK_OK)
        s.add(string_element(DCM_LossyImageCompressionRatio, EVR_DS, buf));
}

void stage_icc(staged &s, const unsigned char *icc, size_t len, dk_pixel_report *report)
{
    if (len == 0) {
        // the ICC profile described the pixels these replace
        s.removals.push_back(DCM_ICCProfile);
        s.removals.push_back(DCM_ColorSpace);
        return;
    }
    DcmOtherByteOtherWord *e = new DcmOtherByteOtherWord(DcmTag(DCM_ICCProfile, EVR_OB));
    e->putUint8Array(icc, (unsigned long)len);
    s.add(e);
    const char *space = icc_color_space(icc, len);
    if (space != nullptr)
        s.add(string_element(DCM_ColorSpace, EVR_CS, space));
    else
        s.removals.push_back(DCM_ColorSpace);
    report->icc_length = len;
}

void stage_icc(staged &s, const std::vector<unsigned char> &icc, dk_pixel_report *report)
{
    stage_icc(s, icc.data(), icc.size(), report);
}

// Pixels that were never lossy-compressed (PNG and other lossless sources).
void stage_lossless(staged &s)
{
    s.add(string_element(DCM_LossyImageCompression, EVR_CS, "00"));
    s.removals.push_back(DCM_LossyImageCompressionMethod);
    s.removals.push_back(DCM_LossyImageCompressionRatio);
}

// ---------------------------------------------------------------------------
// decide

struct tj_buffer_free {
    void operator()(unsigned char *p) const { dk_jpeg_free(p); }
};

// What the JPEG is and what will become of it.
struct jpeg_plan {
    dk_jpeg_info info;
    int orientation = 1;  // the transform that makes it upright, 1 for none
    bool decode = false;
    int columns = 0, rows = 0, samples = 0;
    size_t native_len = 0; // bytes of the decoded image
    std::vector<unsigned char> icc;
    std::unique_ptr<unsigned char, tj_buffer_free> transformed; // a perfect transform's output
    size_t transformed_len = 0;
};

int decide(const unsigned char *jpeg, size_t len, const char *who, const dk_jpeg_options *opts,
           jpeg_plan *plan, dk_pixel_report *report, dk_error *err)
{
    dk_jpeg_info &info = plan->info;
    int rc = dk_jpeg_read_header(jpeg, len, who, opts->max_pixels, &info, err);
    if (rc != DK_OK)
        return rc;
    plan->orientation = opts->keep_orientation || info.exif_orientation < 2 ? 1 : info.exif_orientation;
    report->orientation = info.exif_orientation;
    report->has_exif = info.has_exif;
    report->has_gps = info.has_gps;
    report->source_bytes = len;
    report->exif.flash = -1;
    if (info.has_exif && info.exif_len > 0 && info.exif_offset + info.exif_len <= len) {
        dk_error ignored; // broken EXIF is no error for the image (exif.h)
        dk_exif_read(jpeg + info.exif_offset, info.exif_len, who, &report->exif, &ignored);
    }

    plan->decode = opts->decode != 0;
    const char *obstacle = dk_jpeg_baseline_obstacle(&info);
    if (!plan->decode && obstacle != nullptr)
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "%s: JPEG Baseline cannot carry this JPEG as it is (%s); allow "
                            "decoding (decode=true, --decode) to store native pixels",
                            who, obstacle);
    if (!plan->decode && info.colorspace == DK_JPEG_RGB && !opts->allow_rgb) {
        plan->decode = true;
        snprintf(report->reason, sizeof report->reason,
                 "its components are RGB-coded, and this IOD allows JPEG Baseline only as "
                 "YBR_FULL_422");
    }
    if (!plan->decode && plan->orientation > 1) {
        unsigned char *out = nullptr;
        dk_error terr;
        rc = dk_jpeg_transform(jpeg, len, plan->orientation, opts->keep_markers, &out,
                               &plan->transformed_len, who, &terr);
        plan->transformed.reset(out);
        if (rc == DK_OK) {
            report->lossless_transform = 1;
        } else if (rc == DK_EUNSUPPORTED) {
            plan->decode = true;
            snprintf(report->reason, sizeof report->reason,
                     "EXIF orientation %d needs a rotation that is not lossless for a %dx%d "
                     "image (partial MCU blocks)",
                     plan->orientation, info.width, info.height);
        } else {
            if (err)
                *err = terr;
            return rc;
        }
    }
    if (plan->decode) {
        const char *cannot = dk_jpeg_decode_obstacle(&info);
        if (cannot != nullptr)
            return dk_error_set(err, DK_EUNSUPPORTED, "%s: cannot decode %s", who, cannot);
        if (report->reason[0] == '\0')
            snprintf(report->reason, sizeof report->reason, "%s",
                     obstacle ? obstacle : "decoding was asked for");
    }
    dk_jpeg_upright_size(&info, plan->orientation, &plan->columns, &plan->rows);
    if (plan->columns > 65535 || plan->rows > 65535)
        return dk_error_set(err, DK_EINVAL,
                            "%s: %dx%d is larger than DICOM's Rows/Columns allow (65535)", who,
                            plan->columns, plan->rows);
    plan->samples = info.colorspace == DK_JPEG_GRAY ? 1 : 3;
    // in 64 bits: 65535 x 65535 x 3 does not fit 32, and PixelData must stay under 4 GiB
    uint64_t native = (uint64_t)plan->rows * (uint64_t)plan->columns * (uint64_t)plan->samples;
    if (plan->decode && native > 0xFFFFFFFEull)
        return dk_error_set(err, DK_ELIMIT,
                            "%s: %dx%d with %d samples decodes to %llu bytes, more than the 4 GiB "
                            "a PixelData element holds",
                            who, plan->columns, plan->rows, plan->samples,
                            (unsigned long long)native);
    plan->native_len = (size_t)native;
    if (info.icc_length > 0) {
        plan->icc.resize(info.icc_length);
        if (dk_jpeg_copy_icc(jpeg, len, who, plan->icc.data(), plan->icc.size(), nullptr) != DK_OK)
            plan->icc.clear();
    }
    return DK_OK;
}

// ---------------------------------------------------------------------------
// stage the pixel data

int stage_decoded(staged &s, const unsigned char *jpeg, size_t len, const jpeg_plan &plan,
                  const char *who, dk_pixel_report *report, dk_error *err)
{
    bytes_block pixels = bytes_block::allocate(plan.native_len + 1);
    int rc = dk_jpeg_decode(jpeg, len, &plan.info, plan.orientation, pixels.data.get(),
                            plan.native_len, who, err);
    if (rc != DK_OK)
        return rc;
    std::unique_ptr<DcmPixelData> pd(new DcmPixelData(DcmTag(DCM_PixelData, EVR_OB)));
    if ((rc = adopt_value(pd.get(), pixels, plan.native_len, who, err)) != DK_OK)
        return rc;
    s.add(pd.release());
    report->stored_bytes = plan.native_len;
    return DK_OK;
}

// The fragment that stores one frame: the lossless transform's output or the source itself
// (`source` holds the JPEG as given and may be changed: metadata is stripped in place), padded to
// an even length (PS3.5 A.4). *stored gets the frame's length before padding.
int frame_fragment(bytes_block &source, const jpeg_plan &plan, bool keep_markers, const char *who,
                   dk_pixel_report *report, std::unique_ptr<DcmPixelItem> *out, size_t *stored,
                   dk_error *err)
{
    bytes_block frame = source;
    if (plan.transformed) {
        frame = bytes_block::allocate(plan.transformed_len + 1);
        memcpy(frame.data.get(), plan.transformed.get(), plan.transformed_len);
        frame.len = plan.transformed_len;
    }
    size_t stored_len = frame.len;
    if (keep_markers) {
        if (plan.transformed)
            dk_jpeg_set_exif_orientation(frame.data.get(), stored_len, 1); // upright now
    } else {
        int rc = dk_jpeg_strip_metadata(frame.data.get(), frame.len, who, frame.data.get(),
                                        &stored_len, err);
        if (rc != DK_OK)
            return rc;
        if (stored_len < frame.len)
            report->metadata_removed = 1;
    }
    std::unique_ptr<DcmPixelItem> fragment(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));
    int rc = adopt_value(fragment.get(), frame, stored_len, who, err);
    if (rc != DK_OK)
        return rc;
    *out = std::move(fragment);
    *stored = stored_len;
    return DK_OK;
}

// Encapsulated pixel data of the fragments, one per frame, after a Basic Offset Table that is
// empty for one frame and gives each frame's offset for several (PS3.5 A.4: from the first byte
// of the first fragment's item tag, 8 bytes of item header per fragment).
DcmPixelData *encapsulated(std::vector<std::unique_ptr<DcmPixelItem>> &fragments, E_TransferSyntax ts)
{
    std::unique_ptr<DcmPixelSequence> seq(new DcmPixelSequence(DcmTag(DCM_PixelSequenceTag)));
    DcmPixelItem *table = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
    seq->insert(table);
    if (fragments.size() > 1) {
        std::vector<Uint8> offsets(4 * fragments.size());
        uint64_t at = 0;
        for (size_t i = 0; i < fragments.size(); i++) {
            for (int k = 0; k < 4; k++)
                offsets[4 * i + k] = (Uint8)(at >> (8 * k)); // little endian
            at += 8 + fragments[i]->getLength();
        }
        table->putUint8Array(offsets.data(), (unsigned long)offsets.size());
    }
    for (std::unique_ptr<DcmPixelItem> &f : fragments)
        seq->insert(f.release());
    DcmPixelData *pd = new DcmPixelData(DcmTag(DCM_PixelData, EVR_OB));
    pd->putOriginalRepresentation(ts, nullptr, seq.release());
    return pd;
}

int stage_passthrough(staged &s, bytes_block &source, const jpeg_plan &plan, bool keep_markers,
                      const char *who, dk_pixel_report *report, dk_error *err)
{
    std::vector<std::unique_ptr<DcmPixelItem>> fragments(1);
    size_t stored = 0;
    int rc = frame_fragment(source, plan, keep_markers, who, report, &fragments[0], &stored, err);
    if (rc != DK_OK)
        return rc;
    s.add(encapsulated(fragments, EXS_JPEGProcess1));
    report->stored_bytes = stored;
    return DK_OK;
}

// ---------------------------------------------------------------------------
// the whole import

int set_jpeg(dk_dataset *ds, bytes_block &source, const char *who, const dk_jpeg_options *opts,
             dk_pixel_report *report, dk_error *err)
{
    dk_jpeg_options defaults;
    memset(&defaults, 0, sizeof defaults);
    if (opts == nullptr)
        opts = &defaults;
    jpeg_plan plan;
    int rc = decide(source.data.get(), source.len, who, opts, &plan, report, err);
    if (rc != DK_OK)
        return rc;
    staged s;
    const char *photometric;
    if (plan.decode) {
        photometric = plan.samples == 1 ? "MONOCHROME2" : "RGB";
        rc = stage_decoded(s, source.data.get(), source.len, plan, who, report, err);
    } else {
        photometric = plan.samples == 1                       ? "MONOCHROME2"
                      : plan.info.colorspace == DK_JPEG_RGB ? "RGB"
                                                            : "YBR_FULL_422";
        rc = stage_passthrough(s, source, plan, opts->keep_markers != 0, who, report, err);
    }
    if (rc != DK_OK)
        return rc;
    stage_image_pixel(s, plan.rows, plan.columns, plan.samples, 8, photometric);
    report->compression_ratio =
        (double)plan.native_len / (double)(plan.decode ? source.len : report->stored_bytes);
    stage_lossy(s, report->compression_ratio);
    stage_icc(s, plan.icc, report);
    s.install(ds);
    ds->xfer = plan.decode ? EXS_LittleEndianExplicit : EXS_JPEGProcess1;
    snprintf(report->transfer_syntax, sizeof report->transfer_syntax, "%s",
             plan.decode ? DK_TS_EXPLICIT_LE : DK_TS_JPEG_BASELINE);

    report->decoded = plan.decode;
    report->rows = plan.rows;
    report->columns = plan.columns;
    report->samples = plan.samples;
    snprintf(report->photometric, sizeof report->photometric, "%s", photometric);
    report->orientation_applied = plan.orientation > 1;
    if (!report->metadata_removed && !opts->keep_markers)
        report->metadata_removed = plan.info.has_exif || plan.info.has_xmp || plan.info.has_iptc ||
                                   plan.info.has_comment;
    return DK_OK;
}

// Several JPEGs as the frames of one object. Every frame is decided as a single JPEG is; when one
// of them must be decoded, all are (one object has one transfer syntax). The frames must then
// agree in what the Image Pixel module says of all of them: size (upright), components, and for
// pass-through also colour space, subsampling and precision.
// `sources` hold the JPEGs (each block is the fragment's storage: metadata is stripped in place).
int set_jpeg_frames(dk_dataset *ds, std::vector<bytes_block> &sources,
                    const std::vector<std::string> &names, const dk_jpeg_options *given,
                    dk_pixel_report *report, dk_error *err)
{
    size_t count = sources.size();
    dk_jpeg_options opts;
    memset(&opts, 0, sizeof opts);
    if (given != nullptr)
        opts = *given;
    std::vector<jpeg_plan> plans(count);
    bool decode = opts.decode != 0;
    char why[sizeof report->reason] = "";
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < count; i++) {
            dk_pixel_report r;
            memset(&r, 0, sizeof r);
            plans[i] = jpeg_plan();
            int rc = decide(sources[i].data.get(), sources[i].len, names[i].c_str(), &opts,
                            &plans[i], &r, err);
            if (rc != DK_OK)
                return rc;
            if (plans[i].decode && !decode) {
                // this frame needs decoding: every frame is decoded, and the report says why
                decode = true;
                snprintf(why, sizeof why, "frame %zu (%.60s): %.100s", i + 1, names[i].c_str(),
                         r.reason);
            }
            if (i == 0)
                *report = r;
            report->has_exif |= r.has_exif;
            report->has_gps |= r.has_gps;
            report->lossless_transform |= r.lossless_transform;
        }
        if (decode == (opts.decode != 0))
            break;
        opts.decode = 1; // and decide every frame again, for decoding
    }
    if (why[0] != '\0')
        memcpy(report->reason, why, sizeof why);
    else if (!decode)
        report->reason[0] = '\0';
    const jpeg_plan &first = plans[0];
    for (size_t i = 1; i < count; i++) {
        const jpeg_plan &p = plans[i];
        char what[160] = "";
        if (p.columns != first.columns || p.rows != first.rows)
            snprintf(what, sizeof what, "%dx%d, frame 1 is %dx%d", p.columns, p.rows,
                     first.columns, first.rows);
        else if (p.samples != first.samples)
            snprintf(what, sizeof what, "%d components, frame 1 has %d", p.info.ncomponents,
                     first.info.ncomponents);
        else if (!decode && p.info.colorspace != first.info.colorspace)
            snprintf(what, sizeof what, "another colour space than frame 1 (RGB-coded against "
                     "YCbCr)");
        else if (!decode && p.info.precision != first.info.precision)
            snprintf(what, sizeof what, "%d-bit samples, frame 1 %d-bit", p.info.precision,
                     first.info.precision);
        else if (!decode) {
            for (int c = 0; c < p.info.ncomponents && !what[0]; c++)
                if (p.info.comp[c].h != first.info.comp[c].h || p.info.comp[c].v != first.info.comp[c].v)
                    snprintf(what, sizeof what, "other chroma subsampling than frame 1 (component "
                             "%d is %dx%d, there %dx%d)", c + 1, p.info.comp[c].h, p.info.comp[c].v,
                             first.info.comp[c].h, first.info.comp[c].v);
        }
        if (what[0])
            return dk_error_set(err, DK_EINVAL, "%s: frame %zu differs from frame 1 (%s): %s; the "
                                "frames of one object must agree", names[i].c_str(), i + 1,
                                names[0].c_str(), what);
    }
    uint64_t frame_native = (uint64_t)first.native_len;
    if (decode && frame_native * count > 0xFFFFFFFEull)
        return dk_error_set(err, DK_ELIMIT, "%s: %zu frames of %dx%d decode to %llu bytes, more "
                            "than the 4 GiB a PixelData element holds", names[0].c_str(), count,
                            first.columns, first.rows, (unsigned long long)(frame_native * count));
    staged s;
    const char *photometric;
    size_t source_total = 0, stored_total = 0;
    for (const bytes_block &b : sources)
        source_total += b.len;
    if (decode) {
        photometric = first.samples == 1 ? "MONOCHROME2" : "RGB";
        size_t total = (size_t)(frame_native * count);
        bytes_block pixels = bytes_block::allocate(total + 1);
        for (size_t i = 0; i < count; i++) {
            int rc = dk_jpeg_decode(sources[i].data.get(), sources[i].len, &plans[i].info,
                                    plans[i].orientation, pixels.data.get() + i * first.native_len,
                                    first.native_len, names[i].c_str(), err);
            if (rc != DK_OK)
                return rc;
        }
        std::unique_ptr<DcmPixelData> pd(new DcmPixelData(DcmTag(DCM_PixelData, EVR_OB)));
        int rc = adopt_value(pd.get(), pixels, total, names[0].c_str(), err);
        if (rc != DK_OK)
            return rc;
        s.add(pd.release());
        stored_total = total;
    } else {
        photometric = first.samples == 1                       ? "MONOCHROME2"
                      : first.info.colorspace == DK_JPEG_RGB ? "RGB"
                                                             : "YBR_FULL_422";
        std::vector<std::unique_ptr<DcmPixelItem>> fragments(count);
        for (size_t i = 0; i < count; i++) {
            size_t stored = 0;
            int rc = frame_fragment(sources[i], plans[i], opts.keep_markers != 0, names[i].c_str(),
                                    report, &fragments[i], &stored, err);
            if (rc != DK_OK)
                return rc;
            stored_total += stored;
        }
        s.add(encapsulated(fragments, EXS_JPEGProcess1));
    }
    stage_image_pixel(s, first.rows, first.columns, first.samples, 8, photometric, count);
    report->stored_bytes = stored_total;
    report->source_bytes = source_total;
    report->compression_ratio = (double)(frame_native * count) /
                                (double)(decode ? source_total : stored_total);
    stage_lossy(s, report->compression_ratio);
    stage_icc(s, first.icc, report);
    s.install(ds);
    ds->xfer = decode ? EXS_LittleEndianExplicit : EXS_JPEGProcess1;
    snprintf(report->transfer_syntax, sizeof report->transfer_syntax, "%s",
             decode ? DK_TS_EXPLICIT_LE : DK_TS_JPEG_BASELINE);
    report->decoded = decode;
    report->frames = (int)count;
    report->rows = first.rows;
    report->columns = first.columns;
    report->samples = first.samples;
    snprintf(report->photometric, sizeof report->photometric, "%s", photometric);
    report->orientation_applied = 0;
    for (const jpeg_plan &p : plans)
        report->orientation_applied |= p.orientation > 1;
    if (!opts.keep_markers)
        for (const jpeg_plan &p : plans)
            report->metadata_removed |= p.info.has_exif || p.info.has_xmp || p.info.has_iptc ||
                                        p.info.has_comment;
    return DK_OK;
}

// ---------------------------------------------------------------------------
// native pixels from a decoded image, compressed losslessly as JPEG-LS unless asked not to

// The pixels as JPEG-LS, through dcmjpls on a scratch dataset that holds only what the encoder
// reads (so nothing it might add leaks into ours). Returns the PixelData element holding only
// the compressed representation, or nullptr with *why saying what the encoder said.
DcmElement *jpegls_pixel_data(const unsigned char *pixels, size_t len, int rows, int columns,
                              int samples, int bits, const char *photometric, int frames,
                              std::string *why)
{
    init_jpegls();
    DcmDataset scratch;
    if (frames > 1)
        scratch.putAndInsertString(DCM_NumberOfFrames, std::to_string(frames).c_str());
    scratch.putAndInsertUint16(DCM_SamplesPerPixel, (Uint16)samples);
    scratch.putAndInsertString(DCM_PhotometricInterpretation, photometric);
    scratch.putAndInsertUint16(DCM_Rows, (Uint16)rows);
    scratch.putAndInsertUint16(DCM_Columns, (Uint16)columns);
    scratch.putAndInsertUint16(DCM_BitsAllocated, (Uint16)bits);
    scratch.putAndInsertUint16(DCM_BitsStored, (Uint16)bits);
    scratch.putAndInsertUint16(DCM_HighBit, (Uint16)(bits - 1));
    scratch.putAndInsertUint16(DCM_PixelRepresentation, 0);
    if (samples > 1)
        scratch.putAndInsertUint16(DCM_PlanarConfiguration, 0);
    // the encoders read the value through getUint8Array/getUint16Array: it must be held in
    // memory, not behind a stream factory
    DcmPixelData *pd = new DcmPixelData(DcmTag(DCM_PixelData, bits == 8 ? EVR_OB : EVR_OW));
    OFCondition cond = bits == 8 ? pd->putUint8Array(pixels, (unsigned long)len)
                                 : pd->putUint16Array(reinterpret_cast<const Uint16 *>(pixels),
                                                      (unsigned long)(len / 2));
    if (cond.good())
        cond = scratch.insert(pd, OFTrue);
    else
        delete pd;
    DJLSRepresentationParameter lossless(0, OFTrue);
    if (cond.good())
        cond = scratch.chooseRepresentation(EXS_JPEGLSLossless, &lossless);
    if (cond.good() && !scratch.canWriteXfer(EXS_JPEGLSLossless))
        cond = EC_CannotChangeRepresentation;
    if (cond.bad()) {
        *why = std::string("the JPEG-LS encoder failed (") + cond.text() + "), stored uncompressed";
        return nullptr;
    }
    pd->removeAllButCurrentRepresentations();
    return scratch.remove(pd);
}

// A decoded image (PNG, TIFF, HEIF) into the dataset, its pixels stored as `compression` says.
// The image's buffers are taken over (freed here either way).
int set_decoded(dk_dataset *ds, dk_decoded_image &img, size_t source_len, const char *who,
                int compression, dk_pixel_report *report, dk_error *err)
{
    // the decoded pixels become a block (malloc'ed with a byte to spare, as adopt_value needs)
    bytes_block pixels;
    pixels.data.reset(img.pixels, free);
    pixels.cap = img.len + 1;
    pixels.len = img.len;
    img.pixels = nullptr;
    std::unique_ptr<unsigned char, void (*)(void *)> icc(img.icc, free);
    img.icc = nullptr;
    int frames = img.frames > 0 ? img.frames : 1;

    const char *photometric = img.samples == 1 ? "MONOCHROME2" : "RGB";
    staged s;
    int rc;
    E_TransferSyntax xfer = EXS_LittleEndianExplicit;
    DcmElement *compressed = nullptr;
    if (compression == DK_COMPRESS_JPEGLS) {
        std::string why;
        compressed = jpegls_pixel_data(pixels.data.get(), img.len, img.rows, img.columns,
                                       img.samples, img.bits, photometric, frames, &why);
        if (compressed == nullptr)
            snprintf(report->reason, sizeof report->reason, "%s", why.c_str());
    }
    if (compressed != nullptr) {
        s.add(compressed);
        xfer = EXS_JPEGLSLossless;
        DcmPixelSequence *seq = encapsulated_sequence(compressed);
        report->stored_bytes = 0;
        if (seq != nullptr)
            for (unsigned long i = 1; i < seq->card(); i++) {
                DcmPixelItem *item = nullptr;
                if (seq->getItem(item, i).good() && item != nullptr)
                    report->stored_bytes += item->getLength();
            }
        report->compressed = 1;
    } else {
        std::unique_ptr<DcmPixelData> pd(
            new DcmPixelData(DcmTag(DCM_PixelData, img.bits == 8 ? EVR_OB : EVR_OW)));
        if ((rc = adopt_value(pd.get(), pixels, img.len, who, err)) != DK_OK)
            return rc;
        s.add(pd.release());
        report->stored_bytes = img.len;
        if (compression == DK_COMPRESS_DEFLATE) {
            xfer = EXS_DeflatedLittleEndianExplicit;
            report->deflated = 1;
        }
    }
    stage_image_pixel(s, img.rows, img.columns, img.samples, img.bits, photometric,
                      (size_t)frames);
    report->source_bytes = source_len;
    report->exif = img.exif;
    if (img.lossy_method != nullptr)
        // pixels once lossy-compressed stay marked so (PS3.3 C.7.6.1.1.5), at the ratio the
        // source was compressed at
        stage_lossy(s, source_len ? (double)img.len / (double)source_len : 0, img.lossy_method);
    else
        stage_lossless(s);
    stage_icc(s, icc.get(), img.icc_len, report);
    s.install(ds);
    ds->xfer = xfer;

    report->decoded = 1;
    report->rows = img.rows;
    report->columns = img.columns;
    report->samples = img.samples;
    report->bits = img.bits;
    report->source_bits = img.source_bits;
    report->palette_expanded = img.palette_expanded;
    report->alpha = img.alpha;
    report->inverted = img.inverted;
    report->orientation = img.orientation;
    report->orientation_applied = img.orientation_applied;
    report->pages_skipped = img.pages_skipped;
    report->frames = frames;
    report->compression_ratio = report->stored_bytes ? (double)img.len / report->stored_bytes : 0;
    snprintf(report->photometric, sizeof report->photometric, "%s", photometric);
    return DK_OK;
}

int check_root(dk_dataset *ds, const char *who, dk_error *err)
{
    if (ds == nullptr || ds->stale || ds->root != ds)
        return dk_error_set(err, DK_EINVAL, "%s: pixels go into a root dataset", who);
    return DK_OK;
}

// A whole input file into a new block (with a byte to spare for padding); the size is checked
// against what an element can hold before anything is allocated.
int read_block(const char *path, bytes_block *out, dk_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return dk_error_set(err, e == ENOENT ? DK_ENOENT : DK_EIO, "%s: %s", path, strerror(e));
    }
    std::unique_ptr<int, void (*)(int *)> closer(&fd, [](int *f) { close(*f); });
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return dk_error_set(err, DK_EIO, "%s: not a regular file", path);
    if (st.st_size == 0)
        return dk_error_set(err, DK_EFORMAT, "%s: empty file", path);
    if ((unsigned long long)st.st_size > 0xFFFFFFF0ull)
        return dk_error_set(err, DK_ELIMIT, "%s: %lld bytes, larger than a DICOM element can hold",
                            path, (long long)st.st_size);
    *out = bytes_block::allocate((size_t)st.st_size + 1);
    size_t got = 0, want = (size_t)st.st_size;
    while (got < want) {
        ssize_t n = read(fd, out->data.get() + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return dk_error_set(err, DK_EIO, "%s: read failed%s%s", path, n < 0 ? ": " : "",
                                n < 0 ? strerror(errno) : " (the file got shorter)");
        got += (size_t)n;
    }
    out->len = want;
    return DK_OK;
}

} // namespace

extern "C" {

const char *dk_image_kind(const unsigned char *data, size_t len)
{
    if (data != nullptr && len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return "jpeg";
    if (dk_is_png(data, len))
        return "png";
    if (dk_is_tiff(data, len))
        return "tiff";
    if (dk_is_heif(data, len))
        return "heif";
    if (dk_is_pdf(data, len))
        return "pdf";
    return nullptr;
}

int dk_dataset_set_jpeg_frames(dk_dataset *ds, const dk_image_bytes *frames, size_t count,
                               const dk_jpeg_options *opts, dk_pixel_report *report, dk_error *err)
{
    const char *who = count > 0 && frames[0].name ? frames[0].name : "JPEG frames";
    dk_pixel_report local;
    if (report == nullptr)
        report = &local;
    memset(report, 0, sizeof *report);
    return guarded(err, who, [&] {
        int rc = check_root(ds, who, err);
        if (rc != DK_OK)
            return rc;
        if (count == 0 || frames == nullptr)
            return dk_error_set(err, DK_EINVAL, "frames: no JPEG given");
        if (count > DK_MAX_FRAMES)
            return dk_error_set(err, DK_ELIMIT, "%s: %zu frames, more than the %d one object takes "
                                "here", who, count, DK_MAX_FRAMES);
        // the caller's bytes are borrowed: each stored fragment needs a block of its own
        std::vector<bytes_block> sources(count);
        std::vector<std::string> names(count);
        for (size_t i = 0; i < count; i++) {
            names[i] = frames[i].name ? frames[i].name : "JPEG frame " + std::to_string(i + 1);
            if (frames[i].len > 0xFFFFFFF0u)
                return dk_error_set(err, DK_ELIMIT, "%s: %zu bytes, larger than a DICOM element "
                                    "can hold", names[i].c_str(), frames[i].len);
            sources[i] = bytes_block::allocate(frames[i].len + 1);
            if (frames[i].len > 0)
                memcpy(sources[i].data.get(), frames[i].data, frames[i].len);
            sources[i].len = frames[i].len;
        }
        return set_jpeg_frames(ds, sources, names, opts, report, err);
    });
}

int dk_dataset_set_jpeg_frame_files(dk_dataset *ds, const char *const *paths, size_t count,
                                    const dk_jpeg_options *opts, dk_pixel_report *report,
                                    dk_error *err)
{
    const char *who = count > 0 && paths != nullptr && paths[0] ? paths[0] : "JPEG frames";
    dk_pixel_report local;
    if (report == nullptr)
        report = &local;
    memset(report, 0, sizeof *report);
    return guarded(err, who, [&] {
        int rc = check_root(ds, who, err);
        if (rc != DK_OK)
            return rc;
        if (count == 0 || paths == nullptr)
            return dk_error_set(err, DK_EINVAL, "frames: no JPEG given");
        if (count > DK_MAX_FRAMES)
            return dk_error_set(err, DK_ELIMIT, "%s: %zu frames, more than the %d one object takes "
                                "here", who, count, DK_MAX_FRAMES);
        // each file is read once, into the block its fragment is stored from
        std::vector<bytes_block> sources(count);
        std::vector<std::string> names(count);
        for (size_t i = 0; i < count; i++) {
            names[i] = paths[i] ? paths[i] : "";
            if ((rc = read_block(names[i].c_str(), &sources[i], err)) != DK_OK)
                return rc;
        }
        return set_jpeg_frames(ds, sources, names, opts, report, err);
    });
}

int dk_dataset_set_png(dk_dataset *ds, const unsigned char *png, size_t len, const char *name,
                       const dk_png_options *opts, int compression, dk_pixel_report *report,
                       dk_error *err)
{
    return dk_dataset_set_image(ds, png, len, name ? name : "PNG data", opts, compression, report,
                                err);
}

int dk_dataset_set_image(dk_dataset *ds, const unsigned char *data, size_t len, const char *name,
                         const dk_decode_options *opts, int compression, dk_pixel_report *report,
                         dk_error *err)
{
    dk_image_bytes one = {data, len, name ? name : "image data"};
    return dk_dataset_set_images(ds, &one, 1, opts, compression, report, err);
}

int dk_dataset_set_images(dk_dataset *ds, const dk_image_bytes *inputs, size_t count,
                          const dk_decode_options *opts, int compression, dk_pixel_report *report,
                          dk_error *err)
{
    const char *who = count > 0 && inputs != nullptr && inputs[0].name ? inputs[0].name
                                                                        : "image data";
    dk_pixel_report local;
    if (report == nullptr)
        report = &local;
    memset(report, 0, sizeof *report);
    return guarded(err, who, [&] {
        int rc = check_root(ds, who, err);
        if (rc != DK_OK)
            return rc;
        if (compression < DK_COMPRESS_JPEGLS || compression > DK_COMPRESS_DEFLATE)
            return dk_error_set(err, DK_EINVAL, "%s: unknown compression %d", who, compression);
        if (count == 0 || inputs == nullptr)
            return dk_error_set(err, DK_EINVAL, "images: none given");
        if (count > DK_MAX_FRAMES)
            return dk_error_set(err, DK_ELIMIT, "%s: %zu images, more than the %d frames one "
                                "object takes here", who, count, DK_MAX_FRAMES);
        dk_decode_options local_opts;
        memset(&local_opts, 0, sizeof local_opts);
        if (opts != nullptr)
            local_opts = *opts;
        size_t limit = local_opts.max_pixels ? local_opts.max_pixels : DK_DECODE_DEFAULT_MAX_PIXELS;
        // all inputs end up as frames one after the other in `all`; each is decoded with what is
        // left of the pixel limit, so the limit holds for the object, not for each input
        dk_decoded_image all;
        memset(&all, 0, sizeof all);
        std::unique_ptr<dk_decoded_image, void (*)(dk_decoded_image *)> all_guard(
            &all, dk_decoded_image_free);
        size_t cap = 0, source_len = 0, used = 0;
        for (size_t i = 0; i < count; i++) {
            const unsigned char *data = inputs[i].data;
            size_t len = inputs[i].len;
            std::string name = inputs[i].name ? inputs[i].name
                                              : "image " + std::to_string(i + 1);
            const char *n = name.c_str();
            if (used >= limit)
                return dk_error_set(err, DK_EINVAL, "%s: the images before it hold %zu pixels, "
                                    "the limit (max_pixels) is %zu", n, used, limit);
            local_opts.max_pixels = limit - used;
            dk_decoded_image img;
            memset(&img, 0, sizeof img);
            if (dk_is_png(data, len))
                rc = dk_png_decode(data, len, n, &local_opts, &img, err);
            else if (dk_is_tiff(data, len))
                rc = dk_tiff_decode(data, len, n, &local_opts, &img, err);
            else if (dk_is_heif(data, len))
                rc = dk_heif_decode(data, len, n, &local_opts, &img, err);
            else
                return dk_error_set(err, DK_EFORMAT, "%s: not a PNG, TIFF or HEIF image", n);
            if (rc != DK_OK && used > 0 && err != nullptr && strstr(err->message, "(max_pixels)")) {
                // the limit the decoder saw is what the images before it left
                std::string why = err->message;
                return dk_error_set(err, rc, "%s, what is left of %zu after the %zu pixels of the "
                                    "images before it", why.c_str(), limit, used);
            }
            if (rc != DK_OK)
                return rc;
            std::unique_ptr<dk_decoded_image, void (*)(dk_decoded_image *)> img_guard(
                &img, dk_decoded_image_free);
            if (count == 1) {
                rc = set_decoded(ds, img, len, who, compression, report, err);
                if (rc == DK_OK)
                    snprintf(report->transfer_syntax, sizeof report->transfer_syntax, "%s",
                             DcmXfer(ds->xfer).getXferID());
                return rc;
            }
            if (i == 0) {
                all = img;          // the shape, the flags and the ICC profile are the first's
                all.pixels = nullptr;
                all.len = 0;
                all.frames = 0;
                img.icc = nullptr;  // now all's
                img.icc_len = 0;
            } else if (img.rows != all.rows || img.columns != all.columns ||
                       img.samples != all.samples || img.bits != all.bits) {
                return dk_error_set(err, DK_EINVAL, "%s: %dx%d %s %d-bit, %s is %dx%d %s %d-bit; "
                                    "the frames of one object must agree", n, img.columns,
                                    img.rows, img.samples == 1 ? "grey" : "RGB", img.bits, who,
                                    all.columns, all.rows, all.samples == 1 ? "grey" : "RGB",
                                    all.bits);
            } else {
                if (img.alpha > all.alpha)
                    all.alpha = img.alpha;
                all.inverted |= img.inverted;
                all.palette_expanded |= img.palette_expanded;
                all.orientation_applied |= img.orientation_applied;
                all.pages_skipped += img.pages_skipped;
                if (all.lossy_method == nullptr)
                    all.lossy_method = img.lossy_method;
                if (img.source_bits > all.source_bits)
                    all.source_bits = img.source_bits;
            }
            if ((uint64_t)all.len + img.len > 0xFFFFFFFEull)
                return dk_error_set(err, DK_ELIMIT, "%s: the images decode to more than the 4 GiB "
                                    "a PixelData element holds", n);
            if (all.frames + img.frames > DK_MAX_FRAMES)
                return dk_error_set(err, DK_ELIMIT, "%s: more than the %d frames one object "
                                    "takes here", n, DK_MAX_FRAMES);
            if ((rc = dk_image_reserve(&all.pixels, &cap, all.len + img.len + 1, n, err)) != DK_OK)
                return rc;
            memcpy(all.pixels + all.len, img.pixels, img.len);
            all.len += img.len;
            all.frames += img.frames;
            used += (size_t)img.rows * (size_t)img.columns * (size_t)img.frames;
            source_len += len;
        }
        rc = set_decoded(ds, all, source_len, who, compression, report, err);
        if (rc == DK_OK)
            snprintf(report->transfer_syntax, sizeof report->transfer_syntax, "%s",
                     DcmXfer(ds->xfer).getXferID());
        return rc;
    });
}

int dk_dataset_set_pdf(dk_dataset *ds, const unsigned char *pdf, size_t len, const char *name,
                       dk_pdf_info *info, dk_error *err)
{
    const char *who = name ? name : "PDF data";
    dk_pdf_info local;
    if (info == nullptr)
        info = &local;
    return guarded(err, who, [&] {
        int rc = check_root(ds, who, err);
        if (rc != DK_OK)
            return rc;
        if (len > 0xFFFFFFF0u)
            return dk_error_set(err, DK_ELIMIT, "%s: %zu bytes, larger than a DICOM element can hold",
                                who, len);
        if ((rc = dk_pdf_read(pdf, len, who, info, err)) != DK_OK)
            return rc;
        staged s;
        bytes_block doc = bytes_block::allocate(len + 1);
        memcpy(doc.data.get(), pdf, len);
        std::unique_ptr<DcmOtherByteOtherWord> e(
            new DcmOtherByteOtherWord(DcmTag(DCM_EncapsulatedDocument, EVR_OB)));
        if ((rc = adopt_value(e.get(), doc, len, who, err)) != DK_OK)
            return rc;
        s.add(e.release());
        DcmUnsignedLong *length = new DcmUnsignedLong(DcmTag(DCM_EncapsulatedDocumentLength, EVR_UL));
        length->putUint32((Uint32)len);
        s.add(length);
        s.add(string_element(DCM_MIMETypeOfEncapsulatedDocument, EVR_LO, "application/pdf"));
        s.removals.push_back(DCM_PixelData);
        s.install(ds);
        ds->xfer = EXS_LittleEndianExplicit;
        return (int)DK_OK;
    });
}

int dk_read_file(const char *path, unsigned char **data, size_t *len, dk_error *err)
{
    *data = nullptr;
    *len = 0;
    return guarded(err, path, [&] {
        bytes_block block;
        int rc = read_block(path, &block, err);
        if (rc != DK_OK)
            return rc;
        unsigned char *copy = static_cast<unsigned char *>(malloc(block.len ? block.len : 1));
        if (copy == nullptr)
            return dk_error_set(err, DK_ENOMEM, "%s: out of memory for %zu bytes", path, block.len);
        memcpy(copy, block.data.get(), block.len);
        *data = copy;
        *len = block.len;
        return (int)DK_OK;
    });
}

int dk_dataset_set_jpeg(dk_dataset *ds, const unsigned char *jpeg, size_t len, const char *name,
                        const dk_jpeg_options *opts, dk_pixel_report *report, dk_error *err)
{
    const char *who = name ? name : "JPEG data";
    dk_pixel_report local;
    if (report == nullptr)
        report = &local;
    memset(report, 0, sizeof *report);
    return guarded(err, who, [&] {
        int rc = check_root(ds, who, err);
        if (rc != DK_OK)
            return rc;
        if (len > 0xFFFFFFF0u)
            return dk_error_set(err, DK_ELIMIT, "%s: %zu bytes, larger than a DICOM element can hold",
                                who, len);
        // the caller's bytes are borrowed: the stored fragment needs a block of its own
        bytes_block source = bytes_block::allocate(len + 1);
        if (len > 0)
            memcpy(source.data.get(), jpeg, len);
        source.len = len;
        return set_jpeg(ds, source, who, opts, report, err);
    });
}

int dk_dataset_set_jpeg_file(dk_dataset *ds, const char *path, const dk_jpeg_options *opts,
                             dk_pixel_report *report, dk_error *err)
{
    dk_pixel_report local;
    if (report == nullptr)
        report = &local;
    memset(report, 0, sizeof *report);
    return guarded(err, path ? path : "JPEG file", [&] {
        int rc = check_root(ds, path, err);
        if (rc != DK_OK)
            return rc;
        bytes_block source;
        if ((rc = read_block(path, &source, err)) != DK_OK)
            return rc;
        return set_jpeg(ds, source, path, opts, report, err);
    });
}

int dk_dataset_set_native_pixels(dk_dataset *ds, int rows, int columns, int samples, int bits,
                                 const char *photometric, const void *data, size_t len,
                                 dk_error *err)
{
    return guarded(err, "pixels", [&] {
        int rc = check_root(ds, "pixels", err);
        if (rc != DK_OK)
            return rc;
        if (rows < 1 || columns < 1 || rows > 65535 || columns > 65535)
            return dk_error_set(err, DK_EINVAL,
                                "pixels: rows and columns must be 1..65535, got %dx%d", rows, columns);
        if (samples != 1 && samples != 3)
            return dk_error_set(err, DK_EINVAL, "pixels: samples must be 1 or 3, got %d", samples);
        if (bits != 8 && bits != 16)
            return dk_error_set(err, DK_EINVAL, "pixels: bits must be 8 or 16, got %d", bits);
        if (photometric == nullptr)
            photometric = samples == 1 ? "MONOCHROME2" : "RGB";
        bool grey = !strcmp(photometric, "MONOCHROME2") || !strcmp(photometric, "MONOCHROME1");
        bool colour = !strcmp(photometric, "RGB") || !strcmp(photometric, "YBR_FULL");
        if ((samples == 1 && !grey) || (samples == 3 && !colour))
            return dk_error_set(err, DK_EINVAL,
                                "pixels: photometric '%s' does not fit %d sample%s per pixel "
                                "(1: MONOCHROME1 or MONOCHROME2; 3: RGB or YBR_FULL)",
                                photometric, samples, samples == 1 ? "" : "s");
        // rows, columns, samples and bits are bounded above, so this cannot overflow 64 bits
        uint64_t need = (uint64_t)rows * (uint64_t)columns * (uint64_t)samples * (uint64_t)(bits / 8);
        if (need > 0xFFFFFFFEull)
            return dk_error_set(err, DK_ELIMIT, "pixels: %dx%d with %d samples of %d bits take "
                                "%llu bytes, more than the 4 GiB a PixelData element holds",
                                rows, columns, samples, bits, (unsigned long long)need);
        if (len != need)
            return dk_error_set(err, DK_EINVAL,
                                "pixels: data has %zu bytes, %dx%d with %d sample%s of %d bits "
                                "needs %llu",
                                len, rows, columns, samples, samples == 1 ? "" : "s", bits,
                                (unsigned long long)need);
        staged s;
        bytes_block pixels = bytes_block::allocate(len + 1);
        memcpy(pixels.data.get(), data, len);
        std::unique_ptr<DcmPixelData> pd(new DcmPixelData(DcmTag(DCM_PixelData, bits == 8 ? EVR_OB : EVR_OW)));
        if ((rc = adopt_value(pd.get(), pixels, len, "PixelData", err)) != DK_OK)
            return rc;
        s.add(pd.release());
        stage_image_pixel(s, rows, columns, samples, bits, photometric);
        s.install(ds);
        ds->xfer = EXS_LittleEndianExplicit;
        return (int)DK_OK;
    });
}

} // extern "C"
