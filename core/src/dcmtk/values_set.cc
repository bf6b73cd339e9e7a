// Setting values: the target element's VR, the value rules (vr.c), the character set, and the
// one place where a new element replaces an old one.
//
// Value rules are ours: dcmtk's own checks are more lenient than PS3.5 in places and do not
// say which rule broke.

#include "internal.hh"

#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcspchrs.h>
#include <dcmtk/dcmdata/dcvrat.h>
#include <dcmtk/dcmdata/dcvrsv.h>
#include <dcmtk/dcmdata/dcvruv.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

extern "C" {
#include "charset.h"
#include "dicomkit/vr.h"
}

using namespace dk;

namespace {

// Where a value goes: the element's tag, its VR and what the dictionary says of it.
struct target {
    uint32_t tag;
    DcmTagKey key;
    char vr[3];
    const dk_vr_facts *facts;
    int vm_min, vm_max; // vm_max -1 for n; vm_min 0 when unknown (no check)
    std::string what;
};

// Which concrete VRs an ambiguous dictionary VR stands for.
bool vr_allowed_for(DcmEVR dict, const char *vr)
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
    case EVR_na:
    case EVR_UNKNOWN:
    case EVR_UNKNOWN2B:
        return !strcmp(vr, "UN");
    default:
        return strcmp(DcmVR(dict).getVRName(), vr) == 0;
    }
}

long long root_integer(dk_dataset *root, const DcmTagKey &key, long long fallback)
{
    Uint16 v;
    if (root->item->findAndGetUint16(key, v).good())
        return v;
    return fallback;
}

// Groups no dataset element may have (PS3.5 7.1 and 7.5; PS3.7 for the command group).
int refuse_group(const target &t, dk_error *err)
{
    unsigned group = t.tag >> 16;
    const char *why = nullptr;
    if (group == 0x0000)
        why = "command elements (group 0000) belong to DIMSE messages, not to a dataset";
    else if (group == 0x0002)
        why = "file meta information (group 0002) is made when the file is written, not set "
              "in the dataset";
    else if (group == 0x0001 || group == 0x0003 || group == 0x0005 || group == 0x0007 ||
             group == 0xFFFF)
        why = "PS3.5 7.1 reserves this group: no element may use it";
    else if (group == 0xFFFE)
        why = "item delimiters are not elements";
    else if ((t.tag & 0xFFFF) == 0x0000)
        why = "group lengths are computed when the file is written";
    if (why == nullptr)
        return DK_OK;
    return dk_error_set(err, DK_EINVAL, "%s: %s", t.what.c_str(), why);
}

// Decide the VR of `tag` from the caller's `vr` (may be NULL/"") and the dictionary.
int resolve(dk_dataset *ds, uint32_t tag, const char *vr, target *t, dk_error *err)
{
    t->tag = tag;
    t->key = DcmTagKey(tag >> 16, tag & 0xFFFF);
    t->what = describe_tag(tag);
    t->vm_min = 0;
    t->vm_max = -1;
    int rc = refuse_group(*t, err);
    if (rc != DK_OK)
        return rc;

    const DcmDataDictionary &dict = dcmDataDict.rdlock();
    const DcmDictEntry *entry = dict.findEntry(t->key, nullptr);
    DcmEVR dict_evr = entry ? entry->getEVR() : EVR_UNKNOWN;
    if (entry) {
        t->vm_min = entry->getVMMin();
        t->vm_max = entry->getVMMax() == DcmVariableVM ? -1 : entry->getVMMax();
    }
    dcmDataDict.rdunlock();

    if (vr != nullptr && vr[0] != '\0') {
        t->facts = dk_vr_facts_of(vr);
        if (t->facts == nullptr)
            return dk_error_set(err, DK_EINVAL, "%s: '%.8s' is not a DICOM VR", t->what.c_str(), vr);
        if (entry && !vr_allowed_for(dict_evr, vr))
            return dk_error_set(err, DK_EINVAL, "%s has VR %s in the data dictionary, not %s",
                                t->what.c_str(), DcmVR(dict_evr).getVRName(), vr);
        memcpy(t->vr, vr, 3);
        return DK_OK;
    }
    if (!entry)
        return dk_error_set(err, DK_EKEYWORD,
                            "%s is not in the data dictionary: give its VR explicitly "
                            "(ds:set(tag, vr, value))",
                            t->what.c_str());
    const char *name;
    switch (dict_evr) {
    case EVR_xs:
    case EVR_lt: // signedness follows the image's PixelRepresentation
        name = root_integer(ds->root, DCM_PixelRepresentation, 0) == 1 ? "SS" : "US";
        break;
    case EVR_ox:
    case EVR_px:
        name = root_integer(ds->root, DCM_BitsAllocated, 8) > 8 ? "OW" : "OB";
        break;
    case EVR_up:
        name = "UL";
        break;
    case EVR_na:
    case EVR_UNKNOWN:
    case EVR_UNKNOWN2B:
        name = "UN";
        break;
    default:
        name = DcmVR(dict_evr).getVRName();
    }
    t->facts = dk_vr_facts_of(name);
    if (t->facts == nullptr)
        return dk_error_set(err, DK_EINTERNAL, "%s: dictionary VR %s is not known to dicomkit",
                            t->what.c_str(), name);
    memcpy(t->vr, t->facts->name, 3);
    return DK_OK;
}

int check_vm(const target &t, size_t vm, dk_error *err)
{
    if (t.vm_min <= 0 || vm == 0)
        return DK_OK;
    if (vm > 0xFFFFFFFFu)
        return dk_error_set(err, DK_EINVAL, "%s: %zu values are more than any element holds",
                            t.what.c_str(), vm);
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
// old one. The only place an element goes into a dataset.
int install(dk_dataset *ds, const target &t, DcmElement *elem, dk_error *err)
{
    std::unique_ptr<DcmElement> owned(elem);
    OFCondition cond = put_element(ds, elem);
    if (cond.bad())
        return fail_condition(err, DK_EINTERNAL, t.what, cond);
    owned.release();
    return DK_OK;
}

std::unique_ptr<DcmElement> make_element(const target &t)
{
    DcmElement *elem = nullptr;
    DcmTag tag(t.key, DcmVR(t.vr));
    if (DcmItem::newDicomElementWithVR(elem, tag).bad())
        return nullptr;
    return std::unique_ptr<DcmElement>(elem);
}

bool is_default_repertoire(const char *scs)
{
    return scs == nullptr || scs[0] == '\0' || strcmp(scs, "ISO_IR 6") == 0;
}

std::string root_charset(dk_dataset *ds)
{
    const char *scs = nullptr;
    ds->root->item->findAndGetString(DCM_SpecificCharacterSet, scs, OFTrue);
    return scs ? scs : "";
}

// Can UTF-8 `value` be written in the single character set `scs`?
int representable(const target &t, const std::string &scs, const char *value, size_t len,
                  dk_error *err)
{
    DcmSpecificCharacterSet converter;
    OFString out;
    if (converter.selectCharacterSet("ISO_IR 192", scs.c_str()).bad())
        return dk_error_set(err, DK_EINVAL,
                            "%s: SpecificCharacterSet '%s' is one dicomkit cannot write to",
                            t.what.c_str(), scs.c_str());
    if (converter.convertString(value, len, out).bad())
        return dk_error_set(err, DK_EINVAL,
                            "%s: the value has characters that SpecificCharacterSet '%s' cannot "
                            "hold; set SpecificCharacterSet to 'ISO_IR 192' (UTF-8) to keep them",
                            t.what.c_str(), scs.c_str());
    return DK_OK;
}

// Text is UTF-8 inside dicomkit. Non-ASCII text in a dataset without a character set makes it
// ISO_IR 192; under another single character set it must be representable there, and the file
// is written in that set (files.cc).
int prepare_charset(dk_dataset *ds, const target &t, const char *value, size_t len,
                    bool *needs_192, dk_error *err)
{
    *needs_192 = false;
    if (!dk_has_non_ascii(value, len))
        return DK_OK;
    if (!t.facts->non_ascii)
        return dk_error_set(err, DK_EINVAL,
                            "%s: VR %s allows only ASCII characters (the default repertoire)",
                            t.what.c_str(), t.vr);
    std::string scs = root_charset(ds);
    if (is_default_repertoire(scs.c_str())) {
        *needs_192 = true;
        return DK_OK;
    }
    if (scs == "ISO_IR 192")
        return DK_OK;
    return representable(t, scs, value, len, err);
}

// Setting SpecificCharacterSet on a root: one term (dicomkit writes no code extensions), and
// every non-ASCII text already in the dataset must be representable in it.
int check_new_charset(dk_dataset *ds, const target &t, const char *value, size_t len,
                      dk_error *err)
{
    if (t.tag != 0x00080005 || ds->root != ds)
        return DK_OK;
    std::string scs(value, len);
    while (!scs.empty() && scs.back() == ' ')
        scs.pop_back();
    if (scs.find('\\') != std::string::npos || scs.rfind("ISO 2022", 0) == 0)
        return dk_error_set(err, DK_EINVAL,
                            "%s: '%s' uses code extensions (several character sets); dicomkit "
                            "reads such files but writes one character set",
                            t.what.c_str(), scs.c_str());
    if (dk_charset_known(scs.data(), scs.size(), nullptr) != DK_OK)
        return dk_error_set(err, DK_EINVAL,
                            "%s: '%s' is not a defined term of PS3.3 C.12.1.1.2 that dicomkit "
                            "knows (ISO_IR 100, ISO_IR 192, GB18030, ...)",
                            t.what.c_str(), scs.c_str());
    if (is_default_repertoire(scs.c_str()) || scs == "ISO_IR 192")
        return DK_OK;
    std::vector<DcmItem *> todo{ds->item};
    while (!todo.empty()) {
        DcmItem *item = todo.back();
        todo.pop_back();
        for (DcmObject *o = item->nextInContainer(nullptr); o; o = item->nextInContainer(o)) {
            DcmElement *e = static_cast<DcmElement *>(o);
            if (e->ident() == EVR_SQ) {
                DcmSequenceOfItems *sq = static_cast<DcmSequenceOfItems *>(e);
                for (DcmObject *i = sq->nextInContainer(nullptr); i; i = sq->nextInContainer(i))
                    todo.push_back(static_cast<DcmItem *>(i));
                continue;
            }
            const dk_vr_facts *f = dk_vr_facts_of(DcmVR(e->getVR()).getVRName());
            char *s = nullptr;
            Uint32 n = 0;
            if (f == nullptr || !f->non_ascii || e->getString(s, n).bad() || s == nullptr ||
                !dk_has_non_ascii(s, n))
                continue;
            target holder = t;
            holder.what = describe_tag(((uint32_t)e->getGTag() << 16) | e->getETag());
            int rc = representable(holder, scs, s, n, err);
            if (rc != DK_OK)
                return rc;
        }
    }
    return DK_OK;
}

int check_encoded_length(const target &t, size_t bytes, dk_error *err)
{
    if (t.facts->short_length && bytes > 65534)
        return dk_error_set(err, DK_EINVAL,
                            "%s: the value takes %zu bytes, more than the 65534 a %s length field "
                            "can hold",
                            t.what.c_str(), bytes, t.vr);
    return DK_OK;
}

int put_string(dk_dataset *ds, const target &t, const char *value, size_t len, dk_error *err)
{
    unsigned vm = 0;
    int rc = check_encoded_length(t, len, err);
    if (rc == DK_OK)
        rc = dk_vr_check_string(t.vr, value, len, t.what.c_str(), &vm, err); // length first
    if (rc == DK_OK)
        rc = check_vm(t, vm, err);
    bool needs_192 = false;
    if (rc == DK_OK)
        rc = prepare_charset(ds, t, value, len, &needs_192, err);
    if (rc == DK_OK)
        rc = check_new_charset(ds, t, value, len, err);
    if (rc != DK_OK)
        return rc;
    std::unique_ptr<DcmElement> elem = make_element(t);
    if (!elem)
        return dk_error_set(err, DK_EINTERNAL, "%s: dcmtk could not make a %s element",
                            t.what.c_str(), t.vr);
    OFCondition cond = elem->putString(value, (Uint32)len); // len <= 0xFFFFFFFE, checked above
    if (cond.bad())
        return fail_condition(err, DK_EINVAL, t.what, cond);
    if ((rc = install(ds, t, elem.release(), err)) != DK_OK)
        return rc;
    if (needs_192) {
        ds->root->item->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
        touched(ds);
    }
    return DK_OK;
}

template <typename T> OFCondition put_array(DcmElement *elem, const std::vector<T> &v);
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
int put_numbers(dk_dataset *ds, const target &t, const S *values, size_t count, dk_error *err)
{
    std::vector<T> v(values, values + count);
    std::unique_ptr<DcmElement> elem = make_element(t);
    if (!elem)
        return dk_error_set(err, DK_EINTERNAL, "%s: dcmtk could not make a %s element",
                            t.what.c_str(), t.vr);
    OFCondition cond = count ? put_array(elem.get(), v) : EC_Normal;
    if (cond.bad())
        return fail_condition(err, DK_EINVAL, t.what, cond);
    return install(ds, t, elem.release(), err);
}

int put_tags(dk_dataset *ds, const target &t, const long long *values, size_t count,
             dk_error *err)
{
    std::unique_ptr<DcmElement> elem = make_element(t);
    if (!elem)
        return dk_error_set(err, DK_EINTERNAL, "%s: dcmtk could not make an AT element",
                            t.what.c_str());
    for (size_t i = 0; i < count; i++) {
        if (values[i] < 0 || values[i] > 0xFFFFFFFFLL)
            return dk_error_set(err, DK_EINVAL, "%s: AT value %zu (%lld) is not a 32-bit tag",
                                t.what.c_str(), i + 1, values[i]);
        uint32_t tag = (uint32_t)values[i];
        DcmTagKey key(tag >> 16, tag & 0xFFFF);
        OFCondition cond =
            static_cast<DcmAttributeTag *>(elem.get())->putTagVal(key, (unsigned long)i);
        if (cond.bad())
            return fail_condition(err, DK_EINVAL, t.what, cond);
    }
    return install(ds, t, elem.release(), err);
}

// The encoded size of `count` binary values, refused before it could overflow.
int binary_size(const target &t, size_t count, dk_error *err)
{
    size_t unit = t.facts->value_size ? t.facts->value_size : 1;
    if (count > 0xFFFFFFFEu / unit)
        return dk_error_set(err, DK_EINVAL, "%s: %zu values of %s take more than the 4 GiB an "
                            "element holds", t.what.c_str(), count, t.vr);
    return check_encoded_length(t, count * unit, err);
}

int set_integer_vr(dk_dataset *ds, const target &t, const long long *values, size_t count,
                   dk_error *err)
{
    int rc = check_vm(t, count, err);
    if (rc == DK_OK)
        rc = binary_size(t, count, err);
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

int join_formatted(dk_dataset *ds, const target &t, const std::vector<std::string> &parts,
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

int check_string_kind(const target &t, dk_error *err)
{
    if (t.facts->kind == DK_KIND_STRING)
        return DK_OK;
    const char *hint = t.facts->kind == DK_KIND_SEQUENCE ? "a sequence: give an array of items"
                       : t.facts->kind == DK_KIND_BYTES  ? "a binary VR: give bytes"
                                                         : "a binary number VR: give numbers";
    return dk_error_set(err, DK_EINVAL, "%s: VR %s is %s, not text", t.what.c_str(), t.vr, hint);
}

// A double that is exactly an integer a long long holds. 2^63 itself does not fit; the
// comparison is against exact powers of two, so no value rounds across the bound.
bool exact_integer(double v)
{
    return v == std::floor(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0;
}

// A deep copy of `src`'s elements as a new item, leaving out a root's character set.
std::unique_ptr<DcmItem> clone_as_item(dk_dataset *src, bool *wants_utf8)
{
    std::unique_ptr<DcmItem> copy(new DcmItem());
    for (DcmElement *elem : elements_of(src)) {
        if (src->root == src && elem->getTag() == DCM_SpecificCharacterSet) {
            const char *scs = nullptr;
            src->item->findAndGetString(DCM_SpecificCharacterSet, scs);
            if (scs != nullptr && strcmp(scs, "ISO_IR 192") == 0)
                *wants_utf8 = true;
            continue;
        }
        std::unique_ptr<DcmElement> e(static_cast<DcmElement *>(elem->clone()));
        if (copy->insert(e.get(), OFTrue).good())
            e.release();
    }
    return copy;
}

} // namespace

extern "C" {

int dk_dataset_set_string(dk_dataset *ds, uint32_t tag, const char *vr, const char *value,
                          size_t len, dk_error *err)
{
    return guarded(err, "set", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        if (value == nullptr)
            return dk_error_set(err, DK_EINVAL, "value is NULL");
        if (len == (size_t)-1)
            len = strlen(value);
        target t;
        if ((rc = resolve(ds, tag, vr, &t, err)) != DK_OK)
            return rc;
        if ((rc = check_string_kind(t, err)) != DK_OK)
            return rc;
        return put_string(ds, t, value, len, err);
    });
}

int dk_dataset_set_integers(dk_dataset *ds, uint32_t tag, const char *vr, const long long *values,
                            size_t count, dk_error *err)
{
    return guarded(err, "set", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        target t;
        if ((rc = resolve(ds, tag, vr, &t, err)) != DK_OK)
            return rc;
        if (t.facts->kind == DK_KIND_INTEGER)
            return set_integer_vr(ds, t, values, count, err);
        if (t.facts->kind == DK_KIND_FLOAT || !strcmp(t.vr, "DS")) {
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
        return dk_error_set(err, DK_EINVAL, "%s: VR %s does not hold numbers", t.what.c_str(),
                            t.vr);
    });
}

int dk_dataset_set_floats(dk_dataset *ds, uint32_t tag, const char *vr, const double *values,
                          size_t count, dk_error *err)
{
    return guarded(err, "set", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        target t;
        if ((rc = resolve(ds, tag, vr, &t, err)) != DK_OK)
            return rc;
        if (t.facts->kind == DK_KIND_FLOAT) {
            if ((rc = check_vm(t, count, err)) != DK_OK || (rc = binary_size(t, count, err)) != DK_OK)
                return rc;
            if (strcmp(t.vr, "FL") != 0)
                return put_numbers<Float64>(ds, t, values, count, err);
            for (size_t i = 0; i < count; i++)
                if (std::isfinite(values[i]) && std::fabs(values[i]) > FLT_MAX)
                    return dk_error_set(err, DK_EINVAL,
                                        "%s: FL value %g is out of range for a 32-bit float "
                                        "(at most %g); use an FD element for it",
                                        t.what.c_str(), values[i], (double)FLT_MAX);
            return put_numbers<Float32>(ds, t, values, count, err);
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
        if (t.facts->kind == DK_KIND_INTEGER || !strcmp(t.vr, "IS")) {
            std::vector<long long> ints;
            for (size_t i = 0; i < count; i++) {
                if (!exact_integer(values[i]))
                    return dk_error_set(err, DK_EINVAL,
                                        "%s: %s value %.17g is not an integer a %s can hold",
                                        t.what.c_str(), t.vr, values[i], t.vr);
                ints.push_back((long long)values[i]);
            }
            return dk_dataset_set_integers(ds, tag, t.vr, ints.data(), count, err);
        }
        return dk_error_set(err, DK_EINVAL, "%s: VR %s does not hold numbers", t.what.c_str(),
                            t.vr);
    });
}

int dk_dataset_set_bytes(dk_dataset *ds, uint32_t tag, const char *vr, const void *data,
                         size_t len, dk_error *err)
{
    return guarded(err, "set", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        target t;
        if ((rc = resolve(ds, tag, vr, &t, err)) != DK_OK)
            return rc;
        if (t.facts->kind != DK_KIND_BYTES)
            return dk_error_set(err, DK_EINVAL, "%s: VR %s does not hold raw bytes",
                                t.what.c_str(), t.vr);
        if (len > 0xFFFFFFFEu)
            return dk_error_set(err, DK_EINVAL, "%s: %zu bytes exceed the 4 GiB element limit",
                                t.what.c_str(), len);
        size_t unit = t.facts->value_size;
        if (len % unit != 0)
            return dk_error_set(err, DK_EINVAL,
                                "%s: %s value of %zu bytes is not a whole number of %zu-byte values",
                                t.what.c_str(), t.vr, len, unit);
        std::unique_ptr<DcmElement> elem = make_element(t);
        if (!elem)
            return dk_error_set(err, DK_EINTERNAL, "%s: dcmtk could not make a %s element",
                                t.what.c_str(), t.vr);
        OFCondition cond = EC_Normal;
        // dcmtk keeps values in host byte order; dicomkit supports little-endian hosts only.
        if (len > 0 && unit == 1) {
            cond = elem->putUint8Array(static_cast<const Uint8 *>(data), (unsigned long)len);
        } else if (len > 0 && unit == 2) {
            Uint16 *dst = nullptr;
            cond = elem->createUint16Array((Uint32)(len / 2), dst);
            if (cond.good())
                memcpy(dst, data, len);
        } else if (len > 0 && !strcmp(t.vr, "OF")) {
            std::vector<Float32> v(len / 4);
            memcpy(v.data(), data, len);
            cond = put_array(elem.get(), v);
        } else if (len > 0 && !strcmp(t.vr, "OL")) {
            std::vector<Uint32> v(len / 4);
            memcpy(v.data(), data, len);
            cond = put_array(elem.get(), v);
        } else if (len > 0 && !strcmp(t.vr, "OD")) {
            std::vector<Float64> v(len / 8);
            memcpy(v.data(), data, len);
            cond = put_array(elem.get(), v);
        } else if (len > 0) {
            std::vector<Uint64> v(len / 8);
            memcpy(v.data(), data, len);
            cond = put_array(elem.get(), v);
        }
        if (cond.bad())
            return fail_condition(err, DK_EINVAL, t.what, cond);
        return install(ds, t, elem.release(), err);
    });
}

int dk_dataset_set_sequence(dk_dataset *ds, uint32_t tag, size_t count, dk_error *err)
{
    return guarded(err, "set", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        target t;
        if ((rc = resolve(ds, tag, "SQ", &t, err)) != DK_OK)
            return rc;
        if (ds->depth + 1 > DK_DEFAULT_MAX_DEPTH)
            return dk_error_set(err, DK_ELIMIT, "%s: sequences nested deeper than %u levels",
                                t.what.c_str(), DK_DEFAULT_MAX_DEPTH);
        std::unique_ptr<DcmSequenceOfItems> sq(new DcmSequenceOfItems(DcmTag(t.key, EVR_SQ)));
        for (size_t i = 0; i < count; i++)
            sq->append(new DcmItem());
        return install(ds, t, sq.release(), err);
    });
}

int dk_dataset_set_sequence_items(dk_dataset *ds, uint32_t tag, dk_dataset *const *items,
                                  size_t count, dk_error *err)
{
    return guarded(err, "set", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        for (size_t i = 0; i < count; i++)
            if (items[i] != nullptr && (rc = check_handle(items[i], err)) != DK_OK)
                return rc;
        target t;
        if ((rc = resolve(ds, tag, "SQ", &t, err)) != DK_OK)
            return rc;
        // the copies land one level below ds; what they hold must still fit the limit
        for (size_t i = 0; i < count; i++) {
            unsigned below = items[i] ? nesting_below(items[i]->item) : 0;
            if (ds->depth + 1 + below > DK_DEFAULT_MAX_DEPTH)
                return dk_error_set(err, DK_ELIMIT,
                                    "%s: item %zu would nest sequences deeper than %u levels",
                                    t.what.c_str(), i + 1, DK_DEFAULT_MAX_DEPTH);
        }
        bool wants_utf8 = false;
        std::unique_ptr<DcmSequenceOfItems> sq(new DcmSequenceOfItems(DcmTag(t.key, EVR_SQ)));
        for (size_t i = 0; i < count; i++) {
            std::unique_ptr<DcmItem> copy =
                items[i] ? clone_as_item(items[i], &wants_utf8) : std::unique_ptr<DcmItem>(new DcmItem());
            if (sq->append(copy.get()).good())
                copy.release();
        }
        if (wants_utf8) {
            std::string scs = root_charset(ds);
            if (!is_default_repertoire(scs.c_str()) && scs != "ISO_IR 192")
                return dk_error_set(err, DK_EINVAL,
                                    "%s: the items hold UTF-8 text but SpecificCharacterSet is '%s'",
                                    t.what.c_str(), scs.c_str());
        }
        if ((rc = install(ds, t, sq.release(), err)) != DK_OK)
            return rc;
        if (wants_utf8) {
            ds->root->item->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
            touched(ds);
        }
        return (int)DK_OK;
    });
}

int dk_dataset_remove(dk_dataset *ds, uint32_t tag, dk_error *err)
{
    return guarded(err, "remove", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        DcmElement *elem = find_element(ds, tag);
        if (elem == nullptr)
            return dk_error_set(err, DK_ENOENT, "%s is not in the dataset",
                                describe_tag(tag).c_str());
        drop_element(ds, elem);
        return (int)DK_OK;
    });
}

int dk_dataset_add_item(dk_dataset *ds, uint32_t tag, dk_dataset **item, dk_error *err)
{
    return guarded(err, "add item", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        DcmElement *elem = find_element(ds, tag);
        if (elem == nullptr) {
            if ((rc = dk_dataset_set_sequence(ds, tag, 0, err)) != DK_OK)
                return rc;
            elem = find_element(ds, tag);
        }
        if (elem == nullptr || elem->ident() != EVR_SQ)
            return dk_error_set(err, DK_EINVAL, "%s is not a sequence", describe_tag(tag).c_str());
        if (ds->depth + 1 > DK_DEFAULT_MAX_DEPTH)
            return dk_error_set(err, DK_ELIMIT, "%s: sequences nested deeper than %u levels",
                                describe_tag(tag).c_str(), DK_DEFAULT_MAX_DEPTH);
        DcmSequenceOfItems *sq = static_cast<DcmSequenceOfItems *>(static_cast<DcmObject *>(elem));
        std::unique_ptr<DcmItem> fresh(new DcmItem());
        if (sq->append(fresh.get()).bad())
            return dk_error_set(err, DK_EINTERNAL, "%s: the item could not be added",
                                describe_tag(tag).c_str());
        touched(ds);
        *item = item_handle(ds->root, fresh.release(), ds->depth + 1);
        return (int)DK_OK;
    });
}

} // extern "C"
