// The data dictionary (dcmtk's): lookups by tag and by keyword, and names for messages.

#include "internal.hh"

#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcdict.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace dk {

std::string describe_tag(uint32_t tag)
{
    char buf[128];
    const char *kw = nullptr;
    const DcmDataDictionary &dict = dcmDataDict.rdlock();
    const DcmDictEntry *e = dict.findEntry(DcmTagKey(tag >> 16, tag & 0xFFFF), nullptr);
    if (e != nullptr)
        kw = e->getTagName();
    dcmDataDict.rdunlock();
    if (kw != nullptr)
        snprintf(buf, sizeof buf, "%s (%04X,%04X)", kw, tag >> 16, tag & 0xFFFF);
    else
        snprintf(buf, sizeof buf, "(%04X,%04X)", tag >> 16, tag & 0xFFFF);
    return buf;
}

int fail_condition(dk_error *err, int code, const std::string &what, const OFCondition &cond)
{
    return dk_error_set(err, code, "%s: %s", what.c_str(), cond.text());
}

bool dictionary_says_sequence(uint32_t tag)
{
    if ((tag >> 16) & 1) // private: its VR depends on the private creator
        return false;
    const DcmDataDictionary &dict = dcmDataDict.rdlock();
    const DcmDictEntry *e = dict.findEntry(DcmTagKey(tag >> 16, tag & 0xFFFF), nullptr);
    bool sq = e != nullptr && e->getEVR() == EVR_SQ;
    dcmDataDict.rdunlock();
    return sq;
}

} // namespace dk

using namespace dk;

static dk_dict_entry entry_of(const DcmDictEntry *e)
{
    dk_dict_entry out;
    out.tag = ((uint32_t)e->getGroup() << 16) | e->getElement();
    out.keyword = e->getTagName();
    vr_name(e->getEVR(), true, out.vr);
    out.vm_min = e->getVMMin();
    out.vm_max = e->getVMMax() == DcmVariableVM ? -1 : e->getVMMax();
    return out;
}

// Every public keyword of the dictionary, sorted by keyword (the first entry of a name wins,
// as in dcmtk). Built once; it lives as long as the process, like dcmtk's dictionary.
struct keyword_table {
    std::vector<dk_dict_entry> entries;
};

static const keyword_table &keywords()
{
    static keyword_table *table = nullptr;
    static std::once_flag once;
    std::call_once(once, [] {
        std::unique_ptr<keyword_table> built(new keyword_table());
        // dcmtk offers iterators only on a non-const dictionary; nothing here modifies it
        DcmDataDictionary &dict = const_cast<DcmDataDictionary &>(dcmDataDict.rdlock());
        auto keep = [&built](const DcmDictEntry *e) {
            if (e != nullptr && e->getPrivateCreator() == nullptr && e->getTagName() != nullptr)
                built->entries.push_back(entry_of(e));
        };
        for (DcmHashDictIterator it = dict.normalBegin(); it != dict.normalEnd(); ++it)
            keep(*it);
        for (DcmDictEntryListIterator it = dict.repeatingBegin(); it != dict.repeatingEnd(); ++it)
            keep(*it);
        dcmDataDict.rdunlock();
        std::stable_sort(built->entries.begin(), built->entries.end(),
                         [](const dk_dict_entry &a, const dk_dict_entry &b) {
                             return strcmp(a.keyword, b.keyword) < 0;
                         });
        auto last = std::unique(built->entries.begin(), built->entries.end(),
                                [](const dk_dict_entry &a, const dk_dict_entry &b) {
                                    return strcmp(a.keyword, b.keyword) == 0;
                                });
        built->entries.erase(last, built->entries.end());
        table = built.release();
    });
    return *table;
}

extern "C" {

int dk_dict_find_keyword(const char *keyword, dk_dict_entry *out, dk_error *err)
{
    return guarded(err, "dictionary", [&] {
        init_dcmtk();
        if (keyword == nullptr || keyword[0] == '\0')
            return dk_error_set(err, DK_EKEYWORD, "empty keyword");
        // dcmtk finds an entry by name with a linear search over ~5000 entries; a template sets
        // dozens of attributes by keyword, so the sorted table is searched instead
        const std::vector<dk_dict_entry> &all = keywords().entries;
        auto at = std::lower_bound(all.begin(), all.end(), keyword,
                                   [](const dk_dict_entry &e, const char *k) {
                                       return strcmp(e.keyword, k) < 0;
                                   });
        if (at == all.end() || strcmp(at->keyword, keyword) != 0)
            return dk_error_set(err, DK_EKEYWORD,
                                "unknown keyword '%.64s' (not in the data dictionary)", keyword);
        *out = *at;
        return (int)DK_OK;
    });
}

int dk_dict_find_tag(uint32_t tag, dk_dict_entry *out, dk_error *err)
{
    return guarded(err, "dictionary", [&] {
        init_dcmtk();
        const DcmDataDictionary &dict = dcmDataDict.rdlock();
        const DcmDictEntry *e = dict.findEntry(DcmTagKey(tag >> 16, tag & 0xFFFF), nullptr);
        if (e != nullptr)
            *out = entry_of(e);
        dcmDataDict.rdunlock();
        if (e == nullptr)
            return dk_error_set(err, DK_EKEYWORD, "tag (%04X,%04X) is not in the data dictionary",
                                tag >> 16, tag & 0xFFFF);
        out->tag = tag; // a repeating-group entry answers for the asked group
        return (int)DK_OK;
    });
}

const dk_dict_entry *dk_dict_entries(size_t *count, dk_error *err)
{
    *count = 0;
    return guarded_ptr<const dk_dict_entry>(err, "dictionary", [&]() -> const dk_dict_entry * {
        init_dcmtk();
        const keyword_table &table = keywords();
        *count = table.entries.size();
        return table.entries.data();
    });
}

} // extern "C"
