// dicomkit's dcmtk adapter for datasets, the dictionary and Part 10 files.
//
// Every extern "C" entry catches everything: no C++ exception or type crosses into C.
// Value rules are ours (vr.c): dcmtk's own checks are more lenient than PS3.5 in places and
// do not say which rule broke.

#include "internal.hh"

#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvrsv.h>
#include <dcmtk/dcmdata/dcvruv.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcvrat.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/oflog.h>

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include "dicomkit/uid.h"
#include "dicomkit/vr.h"
}

namespace dk {

void init_dcmtk()
{
    static bool done = false;
    if (done)
        return;
    done = true;
    // A library must not print: dcmtk's warnings become our error messages instead.
    const char *level = getenv("DICOMKIT_DCMTK_LOG");
    OFLogger::LogLevel lvl = OFLogger::OFF_LOG_LEVEL;
    if (level != NULL) {
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
}

std::string describe_tag(uint32_t tag)
{
    char buf[128];
    const char *kw = NULL;
    const DcmDataDictionary &dict = dcmDataDict.rdlock();
    const DcmDictEntry *e = dict.findEntry(DcmTagKey(tag >> 16, tag & 0xFFFF), NULL);
    if (e != NULL)
        kw = e->getTagName();
    dcmDataDict.rdunlock();
    if (kw != NULL)
        snprintf(buf, sizeof buf, "%s (%04X,%04X)", kw, tag >> 16, tag & 0xFFFF);
    else
        snprintf(buf, sizeof buf, "(%04X,%04X)", tag >> 16, tag & 0xFFFF);
    return buf;
}

int fail_condition(dk_error *err, int code, const std::string &what, const OFCondition &cond)
{
    return dk_error_set(err, code, "%s: %s", what.c_str(), cond.text());
}

} // namespace dk

using namespace dk;

// ---------------------------------------------------------------------------
// handles

static dk_dataset *new_handle(DcmItem *item, dk_dataset *root)
{
    dk_dataset *h = new dk_dataset();
    h->item = item;
    h->root = root ? root : h;
    h->stale = false;
    h->fileformat = NULL;
    h->xfer = EXS_LittleEndianExplicit;
    return h;
}

DcmPixelSequence *dk::encapsulated_sequence(DcmElement *elem)
{
    DcmPixelData *pd = dynamic_cast<DcmPixelData *>(elem);
    if (pd == NULL)
        return NULL;
    E_TransferSyntax xfer = EXS_Unknown;
    const DcmRepresentationParameter *param = NULL;
    pd->getCurrentRepresentationKey(xfer, param);
    DcmPixelSequence *seq = NULL;
    if (!DcmXfer(xfer).isEncapsulated() ||
        pd->getEncapsulatedRepresentation(xfer, param, seq).bad())
        return NULL;
    return seq;
}

dk_dataset *dk::adopt_root(DcmFileFormat *ff, E_TransferSyntax xfer)
{
    dk_dataset *h = new_handle(ff->getDataset(), NULL);
    h->fileformat = ff;
    h->xfer = xfer;
    return h;
}

static int check_handle(const dk_dataset *ds, dk_error *err)
{
    if (ds == NULL)
        return dk_error_set(err, DK_EINVAL, "dataset handle is NULL");
    if (ds->stale)
        return dk_error_set(err, DK_ESTALE,
                            "this sequence item was removed from its dataset and can no longer be used");
    return DK_OK;
}

// Mark every item handle below `obj` stale, before dcmtk deletes the objects.
static void retire_items(dk_dataset *root, DcmObject *obj)
{
    if (obj == NULL)
        return;
    if (obj->ident() != EVR_SQ)
        return;
    DcmSequenceOfItems *sq = static_cast<DcmSequenceOfItems *>(obj);
    for (unsigned long i = 0; i < sq->card(); i++) {
        DcmItem *item = sq->getItem(i);
        auto found = root->items.find(item);
        if (found != root->items.end()) {
            found->second->stale = true;
            found->second->item = NULL;
            root->items.erase(found);
        }
        for (unsigned long j = 0; j < item->card(); j++)
            retire_items(root, item->getElement(j));
    }
}

static dk_dataset *item_handle(dk_dataset *root, DcmItem *item)
{
    auto found = root->items.find(item);
    if (found != root->items.end())
        return found->second;
    dk_dataset *h = new_handle(item, root);
    root->items[item] = h;
    root->all_items.push_back(h);
    return h;
}

// ---------------------------------------------------------------------------
// VR and kind

struct vr_kind_entry {
    const char *name;
    dk_value_kind kind;
};

static const vr_kind_entry vr_kinds[] = {
    {"AE", DK_KIND_STRING},  {"AS", DK_KIND_STRING},  {"CS", DK_KIND_STRING},
    {"DA", DK_KIND_STRING},  {"DS", DK_KIND_STRING},  {"DT", DK_KIND_STRING},
    {"IS", DK_KIND_STRING},  {"LO", DK_KIND_STRING},  {"LT", DK_KIND_STRING},
    {"PN", DK_KIND_STRING},  {"SH", DK_KIND_STRING},  {"ST", DK_KIND_STRING},
    {"TM", DK_KIND_STRING},  {"UC", DK_KIND_STRING},  {"UI", DK_KIND_STRING},
    {"UR", DK_KIND_STRING},  {"UT", DK_KIND_STRING},  {"US", DK_KIND_INTEGER},
    {"SS", DK_KIND_INTEGER}, {"UL", DK_KIND_INTEGER}, {"SL", DK_KIND_INTEGER},
    {"SV", DK_KIND_INTEGER}, {"UV", DK_KIND_INTEGER}, {"AT", DK_KIND_INTEGER},
    {"FL", DK_KIND_FLOAT},   {"FD", DK_KIND_FLOAT},   {"OB", DK_KIND_BYTES},
    {"OW", DK_KIND_BYTES},   {"OD", DK_KIND_BYTES},   {"OF", DK_KIND_BYTES},
    {"OL", DK_KIND_BYTES},   {"OV", DK_KIND_BYTES},   {"UN", DK_KIND_BYTES},
    {"SQ", DK_KIND_SEQUENCE},
};

static bool vr_kind(const char *vr, dk_value_kind *kind)
{
    for (const vr_kind_entry &e : vr_kinds)
        if (strcmp(e.name, vr) == 0) {
            *kind = e.kind;
            return true;
        }
    return false;
}

// The two-letter name of a concrete VR; dcmtk's internal ones map to what they are written as.
static void evr_name(DcmEVR evr, char out[3])
{
    switch (evr) {
    case EVR_ox:
    case EVR_px:
        strcpy(out, "OB");
        return;
    case EVR_xs:
    case EVR_lt:
        strcpy(out, "US");
        return;
    case EVR_up:
        strcpy(out, "UL");
        return;
    case EVR_na:
    case EVR_UNKNOWN:
    case EVR_UNKNOWN2B:
        strcpy(out, "UN");
        return;
    default:
        break;
    }
    const char *name = DcmVR(evr).getVRName();
    out[0] = name[0];
    out[1] = name[1];
    out[2] = '\0';
}

// Which concrete VRs an ambiguous dictionary VR stands for.
static bool vr_allowed_for(DcmEVR dict, const char *vr)
{
    switch (dict) {
    case EVR_xs:
        return !strcmp(vr, "US") || !strcmp(vr, "SS");
    case EVR_lt:
        return !strcmp(vr, "US") || !strcmp(vr, "SS") || !strcmp(vr, "OW");
    case EVR_ox:
    case EVR_px:
        return !strcmp(vr, "OB") || !strcmp(vr, "OW");
    case EVR_up:
        return !strcmp(vr, "UL");
    default: {
        char name[3];
        evr_name(dict, name);
        return strcmp(name, vr) == 0;
    }
    }
}

static long long root_integer(dk_dataset *root, const DcmTagKey &key, long long fallback)
{
    Uint16 v;
    if (root->item->findAndGetUint16(key, v).good())
        return v;
    return fallback;
}

struct target {
    uint32_t tag;
    DcmTagKey key;
    char vr[3];
    dk_value_kind kind;
    int vm_min, vm_max; // vm_max -1 for n; vm_min 0 when unknown (no check)
    std::string what;
};

// Decide the VR of `tag` from the caller's `vr` (may be NULL/"") and the dictionary.
static int resolve(dk_dataset *ds, uint32_t tag, const char *vr, target *t, dk_error *err)
{
    t->tag = tag;
    t->key = DcmTagKey(tag >> 16, tag & 0xFFFF);
    t->what = describe_tag(tag);
    t->vm_min = 0;
    t->vm_max = -1;
    if ((tag >> 16) == 0x0002)
        return dk_error_set(err, DK_EINVAL,
                            "%s: file meta information (group 0002) is made when the file is "
                            "written, not set in the dataset",
                            t->what.c_str());
    if ((tag & 0xFFFF) == 0x0000)
        return dk_error_set(err, DK_EINVAL,
                            "%s: group lengths are computed when the file is written",
                            t->what.c_str());
    if ((tag >> 16) == 0xFFFE)
        return dk_error_set(err, DK_EINVAL, "%s: item delimiters are not elements",
                            t->what.c_str());

    const DcmDataDictionary &dict = dcmDataDict.rdlock();
    const DcmDictEntry *entry = dict.findEntry(t->key, NULL);
    DcmEVR dict_evr = entry ? entry->getEVR() : EVR_UNKNOWN;
    if (entry) {
        t->vm_min = entry->getVMMin();
        t->vm_max = entry->getVMMax() == DcmVariableVM ? -1 : entry->getVMMax();
    }
    dcmDataDict.rdunlock();

    if (vr != NULL && vr[0] != '\0') {
        dk_value_kind kind;
        if (strlen(vr) != 2 || !vr_kind(vr, &kind))
            return dk_error_set(err, DK_EINVAL, "%s: '%s' is not a DICOM VR", t->what.c_str(), vr);
        if (entry && !vr_allowed_for(dict_evr, vr)) {
            char name[3];
            evr_name(dict_evr, name);
            return dk_error_set(err, DK_EINVAL, "%s has VR %s in the data dictionary, not %s",
                                t->what.c_str(), name, vr);
        }
        memcpy(t->vr, vr, 3);
        t->kind = kind;
        return DK_OK;
    }
    if (!entry)
        return dk_error_set(err, DK_EKEYWORD,
                            "%s is not in the data dictionary: give its VR explicitly "
                            "(ds:set(tag, vr, value))",
                            t->what.c_str());
    switch (dict_evr) {
    case EVR_xs:
    case EVR_lt: // signedness follows the image's PixelRepresentation
        strcpy(t->vr, root_integer(ds->root, DCM_PixelRepresentation, 0) == 1 ? "SS" : "US");
        break;
    case EVR_ox:
    case EVR_px:
        strcpy(t->vr, root_integer(ds->root, DCM_BitsAllocated, 8) > 8 ? "OW" : "OB");
        break;
    default:
        evr_name(dict_evr, t->vr);
    }
    vr_kind(t->vr, &t->kind);
    return DK_OK;
}

static int check_vm(const target &t, size_t vm, dk_error *err)
{
    if (t.vm_min <= 0 || vm == 0)
        return DK_OK;
    char spec[32];
    if (t.vm_max < 0)
        snprintf(spec, sizeof spec, "%d-n", t.vm_min);
    else if (t.vm_max == t.vm_min)
        snprintf(spec, sizeof spec, "%d", t.vm_min);
    else
        snprintf(spec, sizeof spec, "%d-%d", t.vm_min, t.vm_max);
    return dk_vr_check_vm((unsigned)vm, spec, t.what.c_str(), err);
}

// Replace the element at t.key with `elem` (ownership taken), retiring item handles below the
// old one.
static int install(dk_dataset *ds, const target &t, DcmElement *elem, dk_error *err)
{
    DcmElement *old = NULL;
    if (ds->item->findAndGetElement(t.key, old, OFFalse).good() && old != NULL)
        retire_items(ds->root, old);
    OFCondition cond = ds->item->insert(elem, OFTrue);
    if (cond.bad()) {
        delete elem;
        return fail_condition(err, DK_EINTERNAL, t.what, cond);
    }
    return DK_OK;
}

static DcmElement *make_element(const target &t)
{
    DcmElement *elem = NULL;
    DcmTag tag(t.key, DcmVR(t.vr));
    if (DcmItem::newDicomElementWithVR(elem, tag).bad())
        return NULL;
    return elem;
}

static bool may_hold_non_ascii(const char *vr)
{
    static const char *const vrs[] = {"SH", "LO", "ST", "LT", "PN", "UC", "UT"};
    for (const char *v : vrs)
        if (strcmp(v, vr) == 0)
            return true;
    return false;
}

// Non-ASCII text means UTF-8, declared as ISO_IR 192 on the root.
static int prepare_charset(dk_dataset *ds, const target &t, const char *value, size_t len,
                           bool *needs_192, dk_error *err)
{
    *needs_192 = false;
    if (!dk_has_non_ascii(value, len))
        return DK_OK;
    if (!may_hold_non_ascii(t.vr))
        return dk_error_set(err, DK_EINVAL,
                            "%s: VR %s allows only ASCII characters (the default repertoire)",
                            t.what.c_str(), t.vr);
    const char *scs = NULL;
    ds->root->item->findAndGetString(DCM_SpecificCharacterSet, scs);
    if (scs == NULL || scs[0] == '\0' || strcmp(scs, "ISO_IR 6") == 0) {
        *needs_192 = true;
        return DK_OK;
    }
    if (strcmp(scs, "ISO_IR 192") == 0)
        return DK_OK;
    return dk_error_set(err, DK_EINVAL,
                        "%s: the value is UTF-8 but SpecificCharacterSet is '%s'; set it to "
                        "'ISO_IR 192' or remove it first",
                        t.what.c_str(), scs);
}

// VRs whose explicit-VR encoding has a 16-bit length field.
static bool short_length_vr(const char *vr)
{
    static const char *const vrs[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS",
                                      "LO", "LT", "PN", "SH", "SL", "SS", "ST", "TM", "UI", "UL",
                                      "US"};
    for (const char *v : vrs)
        if (strcmp(v, vr) == 0)
            return true;
    return false;
}

static int check_encoded_length(const target &t, size_t bytes, dk_error *err)
{
    if (short_length_vr(t.vr) && bytes > 65534)
        return dk_error_set(err, DK_EINVAL,
                            "%s: the value takes %zu bytes, more than the 65534 a %s length field "
                            "can hold",
                            t.what.c_str(), bytes, t.vr);
    return DK_OK;
}

static int put_string(dk_dataset *ds, const target &t, const char *value, size_t len, dk_error *err)
{
    unsigned vm = 0;
    if (check_encoded_length(t, len, err) != DK_OK)
        return DK_EINVAL;
    int rc = dk_vr_check_string(t.vr, value, len, t.what.c_str(), &vm, err);
    if (rc != DK_OK)
        return rc;
    if ((rc = check_vm(t, vm, err)) != DK_OK)
        return rc;
    bool needs_192 = false;
    if ((rc = prepare_charset(ds, t, value, len, &needs_192, err)) != DK_OK)
        return rc;
    DcmElement *elem = make_element(t);
    if (elem == NULL)
        return dk_error_set(err, DK_EINTERNAL, "%s: dcmtk could not make a %s element",
                            t.what.c_str(), t.vr);
    OFCondition cond = elem->putString(value, (Uint32)len);
    if (cond.bad()) {
        delete elem;
        return fail_condition(err, DK_EINVAL, t.what, cond);
    }
    if ((rc = install(ds, t, elem, err)) != DK_OK)
        return rc;
    if (needs_192)
        ds->root->item->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    return DK_OK;
}

template <typename T> static OFCondition put_array(DcmElement *elem, const std::vector<T> &v);
template <> OFCondition put_array(DcmElement *e, const std::vector<Uint16> &v)
{
    return e->putUint16Array(v.data(), (unsigned long)v.size());
}
template <> OFCondition put_array(DcmElement *e, const std::vector<Sint16> &v)
{
    return e->putSint16Array(v.data(), (unsigned long)v.size());
}
template <> OFCondition put_array(DcmElement *e, const std::vector<Uint32> &v)
{
    return e->putUint32Array(v.data(), (unsigned long)v.size());
}
template <> OFCondition put_array(DcmElement *e, const std::vector<Sint32> &v)
{
    return e->putSint32Array(v.data(), (unsigned long)v.size());
}
template <> OFCondition put_array(DcmElement *e, const std::vector<Uint64> &v)
{
    // 64-bit puts live on the concrete classes only (UV, and OV which derives from it)
    return static_cast<DcmUnsigned64bitVeryLong *>(e)->putUint64Array(v.data(),
                                                                      (unsigned long)v.size());
}
template <> OFCondition put_array(DcmElement *e, const std::vector<Sint64> &v)
{
    return static_cast<DcmSigned64bitVeryLong *>(e)->putSint64Array(v.data(),
                                                                    (unsigned long)v.size());
}
template <> OFCondition put_array(DcmElement *e, const std::vector<Float32> &v)
{
    return e->putFloat32Array(v.data(), (unsigned long)v.size());
}
template <> OFCondition put_array(DcmElement *e, const std::vector<Float64> &v)
{
    return e->putFloat64Array(v.data(), (unsigned long)v.size());
}

template <typename T, typename S>
static int put_numbers(dk_dataset *ds, const target &t, const S *values, size_t count,
                       dk_error *err)
{
    std::vector<T> v(values, values + count);
    DcmElement *elem = make_element(t);
    if (elem == NULL)
        return dk_error_set(err, DK_EINTERNAL, "%s: dcmtk could not make a %s element",
                            t.what.c_str(), t.vr);
    OFCondition cond = count ? put_array(elem, v) : EC_Normal;
    if (cond.bad()) {
        delete elem;
        return fail_condition(err, DK_EINVAL, t.what, cond);
    }
    return install(ds, t, elem, err);
}

static int put_tags(dk_dataset *ds, const target &t, const long long *values, size_t count,
                    dk_error *err)
{
    DcmElement *elem = make_element(t);
    if (elem == NULL)
        return dk_error_set(err, DK_EINTERNAL, "%s: dcmtk could not make an AT element",
                            t.what.c_str());
    for (size_t i = 0; i < count; i++) {
        if (values[i] < 0 || values[i] > 0xFFFFFFFFLL) {
            delete elem;
            return dk_error_set(err, DK_EINVAL, "%s: AT value %zu (%lld) is not a 32-bit tag",
                                t.what.c_str(), i + 1, values[i]);
        }
        uint32_t tag = (uint32_t)values[i];
        DcmTagKey key(tag >> 16, tag & 0xFFFF);
        OFCondition cond = static_cast<DcmAttributeTag *>(elem)->putTagVal(key, i);
        if (cond.bad()) {
            delete elem;
            return fail_condition(err, DK_EINVAL, t.what, cond);
        }
    }
    return install(ds, t, elem, err);
}

static size_t vr_value_size(const char *vr)
{
    if (!strcmp(vr, "US") || !strcmp(vr, "SS"))
        return 2;
    if (!strcmp(vr, "SV") || !strcmp(vr, "UV") || !strcmp(vr, "FD"))
        return 8;
    return 4;
}

static int set_integer_vr(dk_dataset *ds, const target &t, const long long *values, size_t count,
                          dk_error *err)
{
    int rc = check_vm(t, count, err);
    if (rc == DK_OK)
        rc = check_encoded_length(t, count * vr_value_size(t.vr), err);
    if (rc != DK_OK)
        return rc;
    if (strcmp(t.vr, "AT") == 0)
        return put_tags(ds, t, values, count, err);
    for (size_t i = 0; i < count; i++)
        if ((rc = dk_vr_check_integer(t.vr, values[i], t.what.c_str(), err)) != DK_OK)
            return rc;
    if (!strcmp(t.vr, "US"))
        return put_numbers<Uint16>(ds, t, values, count, err);
    if (!strcmp(t.vr, "SS"))
        return put_numbers<Sint16>(ds, t, values, count, err);
    if (!strcmp(t.vr, "UL"))
        return put_numbers<Uint32>(ds, t, values, count, err);
    if (!strcmp(t.vr, "SL"))
        return put_numbers<Sint32>(ds, t, values, count, err);
    if (!strcmp(t.vr, "UV"))
        return put_numbers<Uint64>(ds, t, values, count, err);
    return put_numbers<Sint64>(ds, t, values, count, err);
}

static int join_formatted(dk_dataset *ds, const target &t, const std::vector<std::string> &parts,
                          dk_error *err)
{
    std::string joined;
    for (size_t i = 0; i < parts.size(); i++) {
        if (i)
            joined += '\\';
        joined += parts[i];
    }
    return put_string(ds, t, joined.data(), joined.size(), err);
}

static int check_string_kind(const target &t, dk_error *err)
{
    if (t.kind == DK_KIND_STRING)
        return DK_OK;
    const char *hint = t.kind == DK_KIND_SEQUENCE ? "a sequence: give an array of items"
                       : t.kind == DK_KIND_BYTES  ? "a binary VR: give bytes"
                                                  : "a binary number VR: give numbers";
    return dk_error_set(err, DK_EINVAL, "%s: VR %s is %s, not text", t.what.c_str(), t.vr, hint);
}

// ---------------------------------------------------------------------------
// extern "C" entry points

#define DK_GUARD_BEGIN try {
#define DK_GUARD_END(ret_on_throw)                                                               \
    }                                                                                            \
    catch (const std::bad_alloc &)                                                               \
    {                                                                                            \
        dk_error_set(err, DK_ENOMEM, "out of memory");                                           \
        return ret_on_throw;                                                                     \
    }                                                                                            \
    catch (...)                                                                                  \
    {                                                                                            \
        dk_error_set(err, DK_EINTERNAL, "unexpected failure inside dcmtk");                      \
        return ret_on_throw;                                                                     \
    }

extern "C" {

static int fill_entry(const DcmDictEntry *e, dk_dict_entry *out)
{
    out->tag = ((uint32_t)e->getGroup() << 16) | e->getElement();
    out->keyword = e->getTagName();
    evr_name(e->getEVR(), out->vr);
    // keep dcmtk's ambiguous markers visible to the caller
    switch (e->getEVR()) {
    case EVR_xs: strcpy(out->vr, "xs"); break;
    case EVR_ox: strcpy(out->vr, "ox"); break;
    case EVR_px: strcpy(out->vr, "ox"); break;
    case EVR_lt: strcpy(out->vr, "lt"); break;
    default: break;
    }
    out->vm_min = e->getVMMin();
    out->vm_max = e->getVMMax() == DcmVariableVM ? -1 : e->getVMMax();
    return DK_OK;
}

// dcmtk finds an entry by name with a linear search over ~5000 entries; a template sets
// dozens of attributes by keyword, so keywords get an index, built once.
static const std::unordered_map<std::string, dk_dict_entry> &keyword_index()
{
    static const std::unordered_map<std::string, dk_dict_entry> index = [] {
        std::unordered_map<std::string, dk_dict_entry> built;
        built.reserve(8192);
        dk_dict_foreach(
            [](const dk_dict_entry *e, void *ud) {
                auto *map = static_cast<std::unordered_map<std::string, dk_dict_entry> *>(ud);
                map->emplace(e->keyword, *e); // the first entry of a name wins, as in dcmtk
                return 0;
            },
            &built, NULL);
        return built;
    }();
    return index;
}

int dk_dict_find_keyword(const char *keyword, dk_dict_entry *out, dk_error *err)
{
    DK_GUARD_BEGIN
    init_dcmtk();
    if (keyword == NULL || keyword[0] == '\0')
        return dk_error_set(err, DK_EKEYWORD, "empty keyword");
    const auto &index = keyword_index();
    auto found = index.find(keyword);
    if (found == index.end())
        return dk_error_set(err, DK_EKEYWORD, "unknown keyword '%s' (not in the data dictionary)",
                            keyword);
    *out = found->second;
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dict_find_tag(uint32_t tag, dk_dict_entry *out, dk_error *err)
{
    DK_GUARD_BEGIN
    init_dcmtk();
    const DcmDataDictionary &dict = dcmDataDict.rdlock();
    const DcmDictEntry *e = dict.findEntry(DcmTagKey(tag >> 16, tag & 0xFFFF), NULL);
    int rc = e ? fill_entry(e, out) : DK_EKEYWORD;
    dcmDataDict.rdunlock();
    if (rc != DK_OK)
        return dk_error_set(err, DK_EKEYWORD, "tag (%04X,%04X) is not in the data dictionary",
                            tag >> 16, tag & 0xFFFF);
    out->tag = tag; // a repeating-group entry answers for the asked group
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dict_foreach(int (*fn)(const dk_dict_entry *entry, void *ud), void *ud, dk_error *err)
{
    DK_GUARD_BEGIN
    init_dcmtk();
    std::vector<dk_dict_entry> entries;
    // dcmtk offers iterators only on a non-const dictionary; nothing here modifies it
    DcmDataDictionary &dict = const_cast<DcmDataDictionary &>(dcmDataDict.rdlock());
    auto keep = [&entries](const DcmDictEntry *e) {
        if (e != NULL && e->getPrivateCreator() == NULL && e->getTagName() != NULL) {
            dk_dict_entry out;
            fill_entry(e, &out);
            entries.push_back(out);
        }
    };
    for (DcmHashDictIterator it = dict.normalBegin(); it != dict.normalEnd(); ++it)
        keep(*it);
    for (DcmDictEntryListIterator it = dict.repeatingBegin(); it != dict.repeatingEnd(); ++it)
        keep(*it);
    dcmDataDict.rdunlock();
    // call back outside the dictionary lock
    for (const dk_dict_entry &e : entries)
        if (fn(&e, ud) != 0)
            break;
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

dk_dataset *dk_dataset_new(dk_error *err)
{
    DK_GUARD_BEGIN
    init_dcmtk();
    if (!dcmDataDict.isDictionaryLoaded()) {
        dk_error_set(err, DK_EINTERNAL,
                     "dcmtk's data dictionary is not loaded (is DCMDICTPATH set right?)");
        return NULL;
    }
    return adopt_root(new DcmFileFormat(), EXS_LittleEndianExplicit);
    DK_GUARD_END(NULL)
}

void dk_dataset_free(dk_dataset *ds)
{
    if (ds == NULL || ds->root != ds)
        return;
    try {
        for (dk_dataset *item : ds->all_items)
            delete item;
        delete ds->fileformat;
        delete ds;
    } catch (...) {
    }
}

int dk_dataset_is_root(const dk_dataset *ds) { return ds != NULL && ds->root == ds; }

int dk_dataset_check(const dk_dataset *ds, dk_error *err) { return check_handle(ds, err); }

size_t dk_dataset_count(const dk_dataset *ds)
{
    if (ds == NULL || ds->stale)
        return 0;
    return ds->item->card();
}

static int element_info(dk_dataset *ds, DcmElement *elem, dk_element_info *out)
{
    const DcmTag &tag = elem->getTag();
    out->tag = ((uint32_t)tag.getGTag() << 16) | tag.getETag();
    evr_name(elem->getVR(), out->vr);
    out->keyword = NULL;
    {
        const DcmDataDictionary &dict = dcmDataDict.rdlock();
        const DcmDictEntry *e = dict.findEntry(tag, NULL);
        if (e != NULL && !tag.isPrivate())
            out->keyword = e->getTagName();
        dcmDataDict.rdunlock();
    }
    out->length = elem->getLength();
    if (!vr_kind(out->vr, &out->kind))
        out->kind = DK_KIND_BYTES;
    if (out->kind == DK_KIND_SEQUENCE) {
        out->vm = static_cast<DcmSequenceOfItems *>(static_cast<DcmObject *>(elem))->card();
        return DK_OK;
    }
    if (out->tag == 0x7FE00010) {
        DcmPixelSequence *seq = encapsulated_sequence(elem);
        if (seq != NULL) {
            out->kind = DK_KIND_ENCAPSULATED;
            out->vm = seq->card();
            return DK_OK;
        }
    }
    if (out->kind == DK_KIND_BYTES)
        out->vm = out->length ? 1 : 0;
    else
        out->vm = elem->getVM();
    (void)ds;
    return DK_OK;
}

int dk_dataset_info_at(dk_dataset *ds, size_t index, dk_element_info *out, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    if (index >= ds->item->card())
        return dk_error_set(err, DK_ENOENT, "element index %zu is past the end", index);
    return element_info(ds, ds->item->getElement((unsigned long)index), out);
    DK_GUARD_END(DK_EINTERNAL)
}

static DcmElement *find_element(dk_dataset *ds, uint32_t tag)
{
    DcmElement *elem = NULL;
    if (ds->item->findAndGetElement(DcmTagKey(tag >> 16, tag & 0xFFFF), elem, OFFalse).bad())
        return NULL;
    return elem;
}

int dk_dataset_info(dk_dataset *ds, uint32_t tag, dk_element_info *out, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    DcmElement *elem = find_element(ds, tag);
    if (elem == NULL)
        return DK_ENOENT;
    return element_info(ds, elem, out);
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_remove(dk_dataset *ds, uint32_t tag, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    DcmElement *elem = find_element(ds, tag);
    if (elem == NULL)
        return dk_error_set(err, DK_ENOENT, "%s is not in the dataset", describe_tag(tag).c_str());
    retire_items(ds->root, elem);
    ds->item->findAndDeleteElement(DcmTagKey(tag >> 16, tag & 0xFFFF), OFFalse, OFFalse);
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_set_string(dk_dataset *ds, uint32_t tag, const char *vr, const char *value,
                          size_t len, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    if (value == NULL)
        return dk_error_set(err, DK_EINVAL, "value is NULL");
    if (len == (size_t)-1)
        len = strlen(value);
    target t;
    if ((rc = resolve(ds, tag, vr, &t, err)) != DK_OK)
        return rc;
    if ((rc = check_string_kind(t, err)) != DK_OK)
        return rc;
    return put_string(ds, t, value, len, err);
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_set_integers(dk_dataset *ds, uint32_t tag, const char *vr, const long long *values,
                            size_t count, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    target t;
    if ((rc = resolve(ds, tag, vr, &t, err)) != DK_OK)
        return rc;
    if (t.kind == DK_KIND_INTEGER)
        return set_integer_vr(ds, t, values, count, err);
    if (t.kind == DK_KIND_FLOAT || !strcmp(t.vr, "DS")) {
        std::vector<double> d(values, values + count);
        return dk_dataset_set_floats(ds, tag, t.vr, d.data(), count, err);
    }
    if (!strcmp(t.vr, "IS")) {
        std::vector<std::string> parts;
        for (size_t i = 0; i < count; i++) {
            if ((rc = dk_vr_check_integer("IS", values[i], t.what.c_str(), err)) != DK_OK)
                return rc;
            parts.push_back(std::to_string(values[i]));
        }
        return join_formatted(ds, t, parts, err);
    }
    return dk_error_set(err, DK_EINVAL, "%s: VR %s does not hold numbers", t.what.c_str(), t.vr);
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_set_floats(dk_dataset *ds, uint32_t tag, const char *vr, const double *values,
                          size_t count, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    target t;
    if ((rc = resolve(ds, tag, vr, &t, err)) != DK_OK)
        return rc;
    if (t.kind == DK_KIND_FLOAT) {
        if ((rc = check_vm(t, count, err)) != DK_OK ||
            (rc = check_encoded_length(t, count * vr_value_size(t.vr), err)) != DK_OK)
            return rc;
        if (!strcmp(t.vr, "FL"))
            return put_numbers<Float32>(ds, t, values, count, err);
        return put_numbers<Float64>(ds, t, values, count, err);
    }
    if (!strcmp(t.vr, "DS")) {
        std::vector<std::string> parts;
        for (size_t i = 0; i < count; i++) {
            char buf[17];
            if ((rc = dk_vr_format_ds(values[i], buf, t.what.c_str(), err)) != DK_OK)
                return rc;
            parts.push_back(buf);
        }
        return join_formatted(ds, t, parts, err);
    }
    if (t.kind == DK_KIND_INTEGER || !strcmp(t.vr, "IS")) {
        std::vector<long long> ints;
        for (size_t i = 0; i < count; i++) {
            double v = values[i];
            if (!(v == std::floor(v)) || v < -9.3e18 || v > 9.3e18)
                return dk_error_set(err, DK_EINVAL, "%s: %s value %g is not an integer",
                                    t.what.c_str(), t.vr, v);
            ints.push_back((long long)v);
        }
        return dk_dataset_set_integers(ds, tag, t.vr, ints.data(), count, err);
    }
    return dk_error_set(err, DK_EINVAL, "%s: VR %s does not hold numbers", t.what.c_str(), t.vr);
    DK_GUARD_END(DK_EINTERNAL)
}

static size_t vr_unit(const char *vr)
{
    if (!strcmp(vr, "OW"))
        return 2;
    if (!strcmp(vr, "OF") || !strcmp(vr, "OL"))
        return 4;
    if (!strcmp(vr, "OD") || !strcmp(vr, "OV"))
        return 8;
    return 1;
}

int dk_dataset_set_bytes(dk_dataset *ds, uint32_t tag, const char *vr, const void *data,
                         size_t len, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    target t;
    if ((rc = resolve(ds, tag, vr, &t, err)) != DK_OK)
        return rc;
    if (t.kind != DK_KIND_BYTES)
        return dk_error_set(err, DK_EINVAL, "%s: VR %s does not hold raw bytes", t.what.c_str(),
                            t.vr);
    size_t unit = vr_unit(t.vr);
    if (len % unit != 0)
        return dk_error_set(err, DK_EINVAL,
                            "%s: %s value of %zu bytes is not a whole number of %zu-byte values",
                            t.what.c_str(), t.vr, len, unit);
    if (len > 0xFFFFFFFEu)
        return dk_error_set(err, DK_EINVAL, "%s: %zu bytes exceed the 4 GiB element limit",
                            t.what.c_str(), len);
    DcmElement *elem = make_element(t);
    if (elem == NULL)
        return dk_error_set(err, DK_EINTERNAL, "%s: dcmtk could not make a %s element",
                            t.what.c_str(), t.vr);
    OFCondition cond = EC_Normal;
    if (len > 0) {
        // dcmtk keeps values in host byte order; dicomkit supports little-endian hosts only.
        if (unit == 1)
            cond = elem->putUint8Array(static_cast<const Uint8 *>(data), (unsigned long)len);
        else if (unit == 2) {
            Uint16 *dst = NULL;
            cond = elem->createUint16Array((Uint32)(len / 2), dst);
            if (cond.good())
                memcpy(dst, data, len);
        } else if (!strcmp(t.vr, "OF")) {
            std::vector<Float32> v(len / 4);
            memcpy(v.data(), data, len);
            cond = put_array(elem, v);
        } else if (!strcmp(t.vr, "OL")) {
            std::vector<Uint32> v(len / 4);
            memcpy(v.data(), data, len);
            cond = put_array(elem, v);
        } else if (!strcmp(t.vr, "OD")) {
            std::vector<Float64> v(len / 8);
            memcpy(v.data(), data, len);
            cond = put_array(elem, v);
        } else {
            std::vector<Uint64> v(len / 8);
            memcpy(v.data(), data, len);
            cond = put_array(elem, v);
        }
    }
    if (cond.bad()) {
        delete elem;
        return fail_condition(err, DK_EINVAL, t.what, cond);
    }
    return install(ds, t, elem, err);
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_set_sequence(dk_dataset *ds, uint32_t tag, size_t count, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    target t;
    if ((rc = resolve(ds, tag, "SQ", &t, err)) != DK_OK)
        return rc;
    DcmSequenceOfItems *sq = new DcmSequenceOfItems(DcmTag(t.key, EVR_SQ));
    for (size_t i = 0; i < count; i++)
        sq->append(new DcmItem());
    return install(ds, t, sq, err);
    DK_GUARD_END(DK_EINTERNAL)
}

// A deep copy of `src`'s elements as a new item, leaving out a root's character set.
static DcmItem *clone_as_item(dk_dataset *src, bool *wants_utf8)
{
    DcmItem *copy = new DcmItem();
    for (unsigned long i = 0; i < src->item->card(); i++) {
        DcmElement *elem = src->item->getElement(i);
        if (src->root == src && elem->getTag() == DCM_SpecificCharacterSet) {
            const char *scs = NULL;
            src->item->findAndGetString(DCM_SpecificCharacterSet, scs);
            if (scs != NULL && strcmp(scs, "ISO_IR 192") == 0)
                *wants_utf8 = true;
            continue;
        }
        copy->insert(static_cast<DcmElement *>(elem->clone()), OFTrue);
    }
    return copy;
}

int dk_dataset_set_sequence_items(dk_dataset *ds, uint32_t tag, dk_dataset *const *items,
                                  size_t count, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    for (size_t i = 0; i < count; i++)
        if (items[i] != NULL && (rc = check_handle(items[i], err)) != DK_OK)
            return rc;
    target t;
    if ((rc = resolve(ds, tag, "SQ", &t, err)) != DK_OK)
        return rc;
    bool wants_utf8 = false;
    DcmSequenceOfItems *sq = new DcmSequenceOfItems(DcmTag(t.key, EVR_SQ));
    for (size_t i = 0; i < count; i++)
        sq->append(items[i] ? clone_as_item(items[i], &wants_utf8) : new DcmItem());
    if (wants_utf8) {
        const char *scs = NULL;
        ds->root->item->findAndGetString(DCM_SpecificCharacterSet, scs);
        if (scs != NULL && scs[0] != '\0' && strcmp(scs, "ISO_IR 192") != 0 &&
            strcmp(scs, "ISO_IR 6") != 0) {
            delete sq;
            return dk_error_set(err, DK_EINVAL,
                                "%s: the items hold UTF-8 text but SpecificCharacterSet is '%s'",
                                t.what.c_str(), scs);
        }
    }
    if ((rc = install(ds, t, sq, err)) != DK_OK)
        return rc;
    if (wants_utf8)
        ds->root->item->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

static int find_typed(dk_dataset *ds, uint32_t tag, DcmElement **elem, dk_element_info *info,
                      dk_error *err)
{
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    *elem = find_element(ds, tag);
    if (*elem == NULL)
        return dk_error_set(err, DK_ENOENT, "%s is not in the dataset", describe_tag(tag).c_str());
    return element_info(ds, *elem, info);
}

int dk_dataset_get_string(dk_dataset *ds, uint32_t tag, const char **value, size_t *len,
                          dk_error *err)
{
    DK_GUARD_BEGIN
    DcmElement *elem;
    dk_element_info info;
    int rc = find_typed(ds, tag, &elem, &info, err);
    if (rc != DK_OK)
        return rc;
    if (info.kind != DK_KIND_STRING)
        return dk_error_set(err, DK_EINVAL, "%s: VR %s is not text", describe_tag(tag).c_str(),
                            info.vr);
    OFString s;
    OFCondition cond = elem->getOFStringArray(s, OFTrue);
    if (cond.bad() && cond != EC_IllegalCall)
        return fail_condition(err, DK_EINTERNAL, describe_tag(tag), cond);
    ds->scratch.assign(s.c_str(), s.length());
    *value = ds->scratch.c_str();
    if (len)
        *len = ds->scratch.size();
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

static int index_error(dk_error *err, uint32_t tag, size_t index, size_t vm)
{
    return dk_error_set(err, DK_ENOENT, "%s has %zu values; value %zu does not exist",
                        describe_tag(tag).c_str(), vm, index + 1);
}

int dk_dataset_get_integer(dk_dataset *ds, uint32_t tag, size_t index, long long *out,
                           dk_error *err)
{
    DK_GUARD_BEGIN
    DcmElement *elem;
    dk_element_info info;
    int rc = find_typed(ds, tag, &elem, &info, err);
    if (rc != DK_OK)
        return rc;
    if (index >= info.vm)
        return index_error(err, tag, index, info.vm);
    unsigned long pos = (unsigned long)index;
    OFCondition cond = EC_IllegalCall;
    const char *vr = info.vr;
    if (!strcmp(vr, "US")) {
        Uint16 v;
        if ((cond = elem->getUint16(v, pos)).good())
            *out = v;
    } else if (!strcmp(vr, "SS")) {
        Sint16 v;
        if ((cond = elem->getSint16(v, pos)).good())
            *out = v;
    } else if (!strcmp(vr, "UL")) {
        Uint32 v;
        if ((cond = elem->getUint32(v, pos)).good())
            *out = v;
    } else if (!strcmp(vr, "SL") || !strcmp(vr, "IS")) {
        Sint32 v;
        if ((cond = elem->getSint32(v, pos)).good())
            *out = v;
    } else if (!strcmp(vr, "SV")) {
        Sint64 v;
        if ((cond = elem->getSint64(v, pos)).good())
            *out = v;
    } else if (!strcmp(vr, "UV")) {
        Uint64 v;
        if ((cond = elem->getUint64(v, pos)).good())
            *out = (long long)v;
    } else if (!strcmp(vr, "AT")) {
        DcmTagKey key;
        if ((cond = static_cast<DcmAttributeTag *>(elem)->getTagVal(key, pos)).good())
            *out = ((long long)key.getGroup() << 16) | key.getElement();
    } else {
        return dk_error_set(err, DK_EINVAL, "%s: VR %s is not an integer VR",
                            describe_tag(tag).c_str(), vr);
    }
    if (cond.bad())
        return fail_condition(err, DK_EFORMAT, describe_tag(tag), cond);
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_get_float(dk_dataset *ds, uint32_t tag, size_t index, double *out, dk_error *err)
{
    DK_GUARD_BEGIN
    DcmElement *elem;
    dk_element_info info;
    int rc = find_typed(ds, tag, &elem, &info, err);
    if (rc != DK_OK)
        return rc;
    if (index >= info.vm)
        return index_error(err, tag, index, info.vm);
    OFCondition cond = EC_IllegalCall;
    if (!strcmp(info.vr, "FL")) {
        Float32 v;
        if ((cond = elem->getFloat32(v, (unsigned long)index)).good())
            *out = v;
    } else if (!strcmp(info.vr, "FD") || !strcmp(info.vr, "DS")) {
        Float64 v;
        if ((cond = elem->getFloat64(v, (unsigned long)index)).good())
            *out = v;
    } else {
        long long v;
        if ((rc = dk_dataset_get_integer(ds, tag, index, &v, err)) != DK_OK)
            return rc;
        *out = (double)v;
        return DK_OK;
    }
    if (cond.bad())
        return fail_condition(err, DK_EFORMAT, describe_tag(tag), cond);
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_get_bytes(dk_dataset *ds, uint32_t tag, const void **data, size_t *len,
                         dk_error *err)
{
    DK_GUARD_BEGIN
    DcmElement *elem;
    dk_element_info info;
    int rc = find_typed(ds, tag, &elem, &info, err);
    if (rc != DK_OK)
        return rc;
    if (info.kind == DK_KIND_ENCAPSULATED)
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "%s is encapsulated (compressed fragments), not raw bytes",
                            describe_tag(tag).c_str());
    if (info.kind != DK_KIND_BYTES)
        return dk_error_set(err, DK_EINVAL, "%s: VR %s is not a byte VR", describe_tag(tag).c_str(),
                            info.vr);
    *len = elem->getLength();
    *data = NULL;
    if (*len == 0)
        return DK_OK;
    OFCondition cond;
    size_t unit = vr_unit(info.vr);
    if (unit == 1) {
        Uint8 *p = NULL;
        cond = elem->getUint8Array(p);
        *data = p;
    } else if (unit == 2) {
        Uint16 *p = NULL;
        cond = elem->getUint16Array(p);
        *data = p;
    } else if (!strcmp(info.vr, "OF")) {
        Float32 *p = NULL;
        cond = elem->getFloat32Array(p);
        *data = p;
    } else if (!strcmp(info.vr, "OL")) {
        Uint32 *p = NULL;
        cond = elem->getUint32Array(p);
        *data = p;
    } else if (!strcmp(info.vr, "OD")) {
        Float64 *p = NULL;
        cond = elem->getFloat64Array(p);
        *data = p;
    } else {
        Uint64 *p = NULL;
        cond = elem->getUint64Array(p);
        *data = p;
    }
    if (cond.bad())
        return fail_condition(err, DK_EFORMAT, describe_tag(tag), cond);
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_get_fragment(dk_dataset *ds, uint32_t tag, size_t index, const void **data,
                            size_t *len, dk_error *err)
{
    DK_GUARD_BEGIN
    DcmElement *elem;
    dk_element_info info;
    int rc = find_typed(ds, tag, &elem, &info, err);
    if (rc != DK_OK)
        return rc;
    if (info.kind != DK_KIND_ENCAPSULATED)
        return dk_error_set(err, DK_EINVAL, "%s is not encapsulated pixel data",
                            describe_tag(tag).c_str());
    if (index >= info.vm)
        return dk_error_set(err, DK_ENOENT, "%s has %zu items; item %zu does not exist",
                            describe_tag(tag).c_str(), info.vm, index);
    DcmPixelSequence *seq = encapsulated_sequence(elem);
    DcmPixelItem *item = NULL;
    if (seq == NULL || seq->getItem(item, (unsigned long)index).bad() || item == NULL)
        return dk_error_set(err, DK_EINTERNAL, "%s: item %zu cannot be read",
                            describe_tag(tag).c_str(), index);
    Uint8 *bytes = NULL;
    *len = item->getLength();
    if (*len > 0 && item->getUint8Array(bytes).bad())
        return dk_error_set(err, DK_EINTERNAL, "%s: item %zu cannot be read",
                            describe_tag(tag).c_str(), index);
    *data = bytes;
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_get_item(dk_dataset *ds, uint32_t tag, size_t index, dk_dataset **item,
                        dk_error *err)
{
    DK_GUARD_BEGIN
    DcmElement *elem;
    dk_element_info info;
    int rc = find_typed(ds, tag, &elem, &info, err);
    if (rc != DK_OK)
        return rc;
    if (info.kind != DK_KIND_SEQUENCE)
        return dk_error_set(err, DK_EINVAL, "%s is not a sequence", describe_tag(tag).c_str());
    if (index >= info.vm)
        return dk_error_set(err, DK_ENOENT, "%s has %zu items; item %zu does not exist",
                            describe_tag(tag).c_str(), info.vm, index + 1);
    DcmSequenceOfItems *sq = static_cast<DcmSequenceOfItems *>(static_cast<DcmObject *>(elem));
    *item = item_handle(ds->root, sq->getItem((unsigned long)index));
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

int dk_dataset_add_item(dk_dataset *ds, uint32_t tag, dk_dataset **item, dk_error *err)
{
    DK_GUARD_BEGIN
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    DcmElement *elem = find_element(ds, tag);
    if (elem == NULL) {
        if ((rc = dk_dataset_set_sequence(ds, tag, 0, err)) != DK_OK)
            return rc;
        elem = find_element(ds, tag);
    }
    if (elem == NULL || elem->ident() != EVR_SQ)
        return dk_error_set(err, DK_EINVAL, "%s is not a sequence", describe_tag(tag).c_str());
    DcmSequenceOfItems *sq = static_cast<DcmSequenceOfItems *>(static_cast<DcmObject *>(elem));
    DcmItem *fresh = new DcmItem();
    sq->append(fresh);
    *item = item_handle(ds->root, fresh);
    return DK_OK;
    DK_GUARD_END(DK_EINTERNAL)
}

void dk_free(void *p) { free(p); }

const char *dk_version(void) { return DICOMKIT_VERSION; }

const char *dk_dcmtk_version(void) { return OFFIS_DCMTK_VERSION_STRING; }

const char *dk_dataset_transfer_syntax(const dk_dataset *ds)
{
    if (ds == NULL || ds->stale)
        return NULL;
    return DcmXfer(ds->root->xfer).getXferID();
}

} // extern "C"
