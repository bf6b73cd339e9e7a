// Reading values and describing elements. Every read walks what it reads once: text is taken
// raw from dcmtk and split and trimmed here (dcmtk's per-value getters re-scan the whole value
// for each one), items and fragments come from the handle's arrays.

#include "internal.hh"

#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcvrat.h>

#include <cstring>

extern "C" {
#include "dicomkit/vr.h"
}

using namespace dk;

// The two-letter name of a VR. As written (dictionary false): dcmtk's internal VRs become what
// they are written as. As the dictionary gives it (dictionary true, dk_dict_entry): the
// ambiguous ones keep dcmtk's lower-case markers ("xs" US or SS, "ox" OB or OW, "lt" US, SS or
// OW).
void dk::vr_name(DcmEVR evr, bool dictionary, char out[3])
{
    const char *name;
    switch (evr) {
    case EVR_ox: case EVR_px: name = dictionary ? "ox" : "OB"; break;
    case EVR_xs: name = dictionary ? "xs" : "US"; break;
    case EVR_lt: name = dictionary ? "lt" : "US"; break;
    case EVR_up: name = "UL"; break;
    case EVR_na: case EVR_UNKNOWN: case EVR_UNKNOWN2B: name = "UN"; break;
    default: name = DcmVR(evr).getVRName(); break;
    }
    out[0] = name[0];
    out[1] = name[1];
    out[2] = '\0';
}

namespace {

// Whether the keyword names exactly this tag (not another group of a repeating-group entry, and
// not the generic group length every group shares).
bool keyword_is_exact(const char *keyword, uint32_t tag)
{
    dk_dict_entry e;
    return keyword != nullptr && dk_dict_find_keyword(keyword, &e, nullptr) == DK_OK && e.tag == tag;
}

void element_info(DcmElement *elem, dk_element_info *out)
{
    const DcmTag &tag = elem->getTag();
    out->tag = ((uint32_t)tag.getGTag() << 16) | tag.getETag();
    vr_name(elem->getVR(), false, out->vr);
    out->keyword = nullptr;
    if (!tag.isPrivate()) {
        const DcmDataDictionary &dict = dcmDataDict.rdlock();
        const DcmDictEntry *e = dict.findEntry(tag, nullptr);
        if (e != nullptr)
            out->keyword = e->getTagName();
        dcmDataDict.rdunlock();
    }
    out->keyword_exact = keyword_is_exact(out->keyword, out->tag);
    const dk_vr_facts *facts = dk_vr_facts_of(out->vr);
    out->kind = facts ? facts->kind : DK_KIND_BYTES;
    if (out->kind == DK_KIND_SEQUENCE) {
        // dcmtk computes a sequence's length by walking all its items: not for every look
        out->length = 0;
        out->vm = static_cast<DcmSequenceOfItems *>(static_cast<DcmObject *>(elem))->card();
        return;
    }
    out->length = elem->getLength();
    if (out->tag == 0x7FE00010) {
        DcmPixelSequence *seq = encapsulated_sequence(elem);
        if (seq != nullptr) {
            out->kind = DK_KIND_ENCAPSULATED;
            out->vm = seq->card();
            return;
        }
    }
    if (out->kind == DK_KIND_BYTES)
        out->vm = out->length ? 1 : 0;
    else
        out->vm = elem->getVM();
}

int find_typed(dk_dataset *ds, uint32_t tag, DcmElement **elem, dk_element_info *info,
               dk_error *err)
{
    int rc = check_handle(ds, err);
    if (rc != DK_OK)
        return rc;
    *elem = find_element(ds, tag);
    if (*elem == nullptr)
        return dk_error_set(err, DK_ENOENT, "%s is not in the dataset", describe_tag(tag).c_str());
    element_info(*elem, info);
    return DK_OK;
}

// dcmtk's normalisation of one value (dcvr*.cc): leading spaces go for AE CS DS IS LO SH,
// trailing padding for every text VR (NUL for UI).
bool trims_leading(const char *vr)
{
    static const char *const vrs[] = {"AE", "CS", "DS", "IS", "LO", "SH"};
    for (const char *v : vrs)
        if (strcmp(v, vr) == 0)
            return true;
    return false;
}

void append_trimmed(std::string &out, const char *s, size_t n, bool leading)
{
    size_t start = 0;
    if (leading)
        while (start < n && s[start] == ' ')
            start++;
    while (n > start && (s[n - 1] == ' ' || s[n - 1] == '\0'))
        n--;
    out.append(s + start, n - start);
}

int index_error(dk_error *err, uint32_t tag, size_t index, size_t vm)
{
    return dk_error_set(err, DK_ENOENT, "%s has %zu values; value %zu does not exist",
                        describe_tag(tag).c_str(), vm, index + 1);
}

} // namespace

extern "C" {

size_t dk_dataset_count(const dk_dataset *ds)
{
    if (ds == nullptr || ds->stale)
        return 0;
    return ds->item->card();
}

int dk_dataset_info_at(dk_dataset *ds, size_t index, dk_element_info *out, dk_error *err)
{
    return guarded(err, "element", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        const std::vector<DcmElement *> &all = elements_of(ds);
        if (index >= all.size())
            return dk_error_set(err, DK_ENOENT, "element index %zu is past the end", index);
        element_info(all[index], out);
        return (int)DK_OK;
    });
}

int dk_dataset_info(dk_dataset *ds, uint32_t tag, dk_element_info *out, dk_error *err)
{
    return guarded(err, "element", [&] {
        int rc = check_handle(ds, err);
        if (rc != DK_OK)
            return rc;
        DcmElement *elem = find_element(ds, tag);
        if (elem == nullptr)
            return (int)DK_ENOENT;
        element_info(elem, out);
        return (int)DK_OK;
    });
}

int dk_dataset_get_string(dk_dataset *ds, uint32_t tag, const char **value, size_t *len,
                          dk_error *err)
{
    return guarded(err, "get", [&] {
        DcmElement *elem;
        dk_element_info info;
        int rc = find_typed(ds, tag, &elem, &info, err);
        if (rc != DK_OK)
            return rc;
        if (info.kind != DK_KIND_STRING)
            return dk_error_set(err, DK_EINVAL, "%s: VR %s is not text", describe_tag(tag).c_str(),
                                info.vr);
        char *raw = nullptr;
        Uint32 n = 0;
        OFCondition cond = elem->getString(raw, n);
        if (cond.bad() && cond != EC_IllegalCall)
            return fail_condition(err, DK_EINTERNAL, describe_tag(tag), cond);
        ds->scratch.clear();
        if (raw != nullptr) {
            const dk_vr_facts *facts = dk_vr_facts_of(info.vr);
            bool leading = trims_leading(info.vr);
            if (facts != nullptr && facts->multi_valued) {
                size_t start = 0;
                for (size_t i = 0; i <= n; i++) {
                    if (i == n || raw[i] == '\\') {
                        if (start > 0)
                            ds->scratch += '\\';
                        append_trimmed(ds->scratch, raw + start, i - start, leading);
                        start = i + 1;
                    }
                }
            } else {
                append_trimmed(ds->scratch, raw, n, leading);
            }
        }
        *value = ds->scratch.c_str();
        if (len)
            *len = ds->scratch.size();
        return (int)DK_OK;
    });
}

int dk_dataset_get_integer(dk_dataset *ds, uint32_t tag, size_t index, long long *out,
                           dk_error *err)
{
    return guarded(err, "get", [&] {
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
            if ((cond = elem->getUint64(v, pos)).good()) {
                if (v > (Uint64)INT64_MAX)
                    return dk_error_set(err, DK_EUNSUPPORTED,
                                        "%s: UV value %llu is beyond what a signed 64-bit "
                                        "integer holds",
                                        describe_tag(tag).c_str(), (unsigned long long)v);
                *out = (long long)v;
            }
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
        return (int)DK_OK;
    });
}

int dk_dataset_get_float(dk_dataset *ds, uint32_t tag, size_t index, double *out, dk_error *err)
{
    return guarded(err, "get", [&] {
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
            long long v = 0;
            if ((rc = dk_dataset_get_integer(ds, tag, index, &v, err)) != DK_OK)
                return rc;
            *out = (double)v;
            return (int)DK_OK;
        }
        if (cond.bad())
            return fail_condition(err, DK_EFORMAT, describe_tag(tag), cond);
        return (int)DK_OK;
    });
}

int dk_dataset_get_bytes(dk_dataset *ds, uint32_t tag, const void **data, size_t *len,
                         dk_error *err)
{
    return guarded(err, "get", [&] {
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
            return dk_error_set(err, DK_EINVAL, "%s: VR %s is not a byte VR",
                                describe_tag(tag).c_str(), info.vr);
        *len = elem->getLength();
        *data = nullptr;
        if (*len == 0)
            return (int)DK_OK;
        // dcmtk keeps every byte VR's value as one buffer in host order (little-endian here)
        OFCondition cond;
        const dk_vr_facts *facts = dk_vr_facts_of(info.vr);
        size_t unit = facts ? facts->value_size : 1;
        if (unit == 1) {
            Uint8 *p = nullptr;
            cond = elem->getUint8Array(p);
            *data = p;
        } else if (unit == 2) {
            Uint16 *p = nullptr;
            cond = elem->getUint16Array(p);
            *data = p;
        } else if (!strcmp(info.vr, "OF")) {
            Float32 *p = nullptr;
            cond = elem->getFloat32Array(p);
            *data = p;
        } else if (!strcmp(info.vr, "OL")) {
            Uint32 *p = nullptr;
            cond = elem->getUint32Array(p);
            *data = p;
        } else if (!strcmp(info.vr, "OD")) {
            Float64 *p = nullptr;
            cond = elem->getFloat64Array(p);
            *data = p;
        } else {
            Uint64 *p = nullptr;
            cond = elem->getUint64Array(p);
            *data = p;
        }
        if (cond.bad())
            return fail_condition(err, DK_EFORMAT, describe_tag(tag), cond);
        return (int)DK_OK;
    });
}

int dk_dataset_get_fragment(dk_dataset *ds, uint32_t tag, size_t index, const void **data,
                            size_t *len, dk_error *err)
{
    return guarded(err, "get", [&] {
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
        const std::vector<DcmObject *> &items = children_of(ds, encapsulated_sequence(elem));
        DcmPixelItem *item = static_cast<DcmPixelItem *>(items[index]);
        Uint8 *bytes = nullptr;
        *len = item->getLength();
        if (*len > 0 && item->getUint8Array(bytes).bad())
            return dk_error_set(err, DK_EINTERNAL, "%s: item %zu cannot be read",
                                describe_tag(tag).c_str(), index);
        *data = bytes;
        return (int)DK_OK;
    });
}

int dk_dataset_get_item(dk_dataset *ds, uint32_t tag, size_t index, dk_dataset **item,
                        dk_error *err)
{
    return guarded(err, "get", [&] {
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
        const std::vector<DcmObject *> &items = children_of(ds, elem);
        *item = item_handle(ds->root, static_cast<DcmItem *>(items[index]), ds->depth + 1);
        return (int)DK_OK;
    });
}

void dk_free(void *p) { free(p); }

const char *dk_dataset_transfer_syntax(const dk_dataset *ds)
{
    if (ds == nullptr || ds->stale)
        return nullptr;
    return DcmXfer(ds->root->xfer).getXferID();
}

} // extern "C"
