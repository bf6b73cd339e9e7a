// Shared by the dcmtk adapter files only; never included from C.
#ifndef DICOMKIT_DCMTK_INTERNAL_HH
#define DICOMKIT_DCMTK_INTERNAL_HH

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixseq.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "dicomkit/dataset.h"

// A root owns its DcmFileFormat and every item handle it handed out; an item handle points
// at a DcmItem inside the root and becomes stale (item == NULL) when that item is deleted.
struct dk_dataset {
    DcmItem *item;
    dk_dataset *root;
    bool stale;
    std::string scratch; // backs the pointer dk_dataset_get_string returns

    // root only
    DcmFileFormat *fileformat;
    E_TransferSyntax xfer;
    std::unordered_map<DcmItem *, dk_dataset *> items; // live item handles
    std::vector<dk_dataset *> all_items;                // every handle ever made, freed with root
};

namespace dk {
void init_dcmtk();
std::string describe_tag(uint32_t tag);
int fail_condition(dk_error *err, int code, const std::string &what, const OFCondition &cond);
// The fragments of pixel data held encapsulated (item 0 is the Basic Offset Table), or NULL
// when `elem` is not PixelData in a compressed representation.
DcmPixelSequence *encapsulated_sequence(DcmElement *elem);
// A new root handle that owns `ff`.
dk_dataset *adopt_root(DcmFileFormat *ff, E_TransferSyntax xfer);
} // namespace dk

#endif
