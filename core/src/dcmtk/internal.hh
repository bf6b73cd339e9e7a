// Shared by the dcmtk adapter files only; never included from C.
#ifndef DICOMKIT_DCMTK_INTERNAL_HH
#define DICOMKIT_DCMTK_INTERNAL_HH

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <cstdint>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "dicomkit/dataset.h"

// A root owns its DcmFileFormat and every item handle it handed out; an item handle points
// at a DcmItem inside the root and becomes stale (item == NULL) when that item is deleted.
//
// dcmtk keeps elements, items and fragments in linked lists that it walks from the start for
// every index (getElement(i), getItem(i)) and every tag search. So that reading a dataset is
// linear, each handle keeps arrays of what its lists hold, built on first use and thrown away
// whenever anything in the root changes (the root's generation moves on).
struct dk_dataset {
    DcmItem *item = nullptr;
    dk_dataset *root = nullptr;
    bool stale = false;
    unsigned depth = 0;   // sequences between the root and this item (0 for a root)
    std::string scratch;  // backs the pointer dk_dataset_get_string returns

    uint64_t cache_generation = 0;                // == root->generation while the arrays hold
    std::vector<DcmElement *> elements;           // the item's elements in tag order
    std::unordered_map<const DcmObject *, std::vector<DcmObject *>> children; // items, fragments

    // root only
    uint64_t generation = 1;
    DcmFileFormat *fileformat = nullptr;
    E_TransferSyntax xfer = EXS_LittleEndianExplicit;
    std::string notes; // what reading had to repair (text not valid in its character set)
    std::unordered_map<DcmItem *, dk_dataset *> items; // live item handles
    std::vector<dk_dataset *> all_items;               // every handle ever made, freed with root
};

namespace dk {

// ---- setup.cc
// dcmtk's one-time set-up (logging off, the UN conversion the reader needs); safe to call from
// any thread, any number of times.
void init_dcmtk();
// dcmjpls's JPEG-LS encoder and decoder, registered once (lossless, see setup.cc).
void init_jpegls();

// ---- guarded calls: every extern "C" entry runs its body through one of these, so that no
// C++ exception crosses into C; `who` names the operation in the message.
template <typename F> int guarded(dk_error *err, const char *who, F &&body) noexcept
{
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
    } catch (...) {
        return dk_error_set(err, DK_EINTERNAL, "%s: unexpected failure inside dcmtk", who);
    }
}

template <typename T, typename F> T *guarded_ptr(dk_error *err, const char *who, F &&body) noexcept
{
    try {
        return body();
    } catch (const std::bad_alloc &) {
        dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
    } catch (...) {
        dk_error_set(err, DK_EINTERNAL, "%s: unexpected failure inside dcmtk", who);
    }
    return nullptr;
}

// ---- dictionary.cc
std::string describe_tag(uint32_t tag);
int fail_condition(dk_error *err, int code, const std::string &what, const OFCondition &cond);
bool dictionary_says_sequence(uint32_t tag);

// ---- values_get.cc
// A VR's two-letter name: as written, or as the dictionary gives it ("xs", "ox", "lt" kept).
void vr_name(DcmEVR evr, bool dictionary, char out[3]);

// ---- handles.cc
int check_handle(const dk_dataset *ds, dk_error *err);
// A new root handle that owns `ff`.
dk_dataset *adopt_root(DcmFileFormat *ff, E_TransferSyntax xfer);
// The handle of `item` (a DcmItem inside `root`), made on first use; `depth` is its nesting.
dk_dataset *item_handle(dk_dataset *root, DcmItem *item, unsigned depth);
// Everything in the root may have changed: drop every handle's arrays.
void touched(dk_dataset *ds);
// Mark every item handle below `obj` stale, before dcmtk deletes the objects.
void retire_items(dk_dataset *root, DcmObject *obj);
// The one place an element goes into a dataset or leaves it: put_element replaces any element
// of the same tag (retiring item handles below it) and takes ownership of `elem` on success;
// drop_element removes and deletes `elem`. Both keep the handle's arrays up to date.
OFCondition put_element(dk_dataset *ds, DcmElement *elem);
void drop_element(dk_dataset *ds, DcmElement *elem);
// The element `tag` directly in `ds`, or NULL (binary search of the handle's array).
DcmElement *find_element(dk_dataset *ds, uint32_t tag);
// The elements of `ds`, in tag order.
const std::vector<DcmElement *> &elements_of(dk_dataset *ds);
// The items of a sequence, or the items (offset table first) of a pixel sequence.
const std::vector<DcmObject *> &children_of(dk_dataset *ds, DcmObject *container);
// The fragments of pixel data held encapsulated (item 0 is the Basic Offset Table), or NULL
// when `elem` is not PixelData in a compressed representation.
DcmPixelSequence *encapsulated_sequence(DcmElement *elem);
// How deep the sequences inside `item` go (0 when it holds none); iterative.
unsigned nesting_below(DcmItem *item);

} // namespace dk

#endif
