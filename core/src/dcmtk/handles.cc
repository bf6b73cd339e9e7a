// Handles: roots, the item handles they give out, and the arrays that make reading linear.

#include "internal.hh"

#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <memory>

namespace dk {

int check_handle(const dk_dataset *ds, dk_error *err)
{
    if (ds == nullptr)
        return dk_error_set(err, DK_EINVAL, "dataset handle is NULL");
    if (ds->stale)
        return dk_error_set(err, DK_ESTALE,
                            "this sequence item was removed from its dataset and can no longer be used");
    return DK_OK;
}

dk_dataset *adopt_root(DcmFileFormat *ff, E_TransferSyntax xfer)
{
    dk_dataset *h = new dk_dataset();
    h->item = ff->getDataset();
    h->root = h;
    h->fileformat = ff;
    h->xfer = xfer;
    return h;
}

dk_dataset *item_handle(dk_dataset *root, DcmItem *item, unsigned depth)
{
    auto found = root->items.find(item);
    if (found != root->items.end())
        return found->second;
    std::unique_ptr<dk_dataset> h(new dk_dataset());
    h->item = item;
    h->root = root;
    h->depth = depth;
    // room first, so that push_back cannot throw below; grown geometrically (an exact +1 would
    // copy the whole array for each of a 40,000-item sequence's handles)
    if (root->all_items.size() == root->all_items.capacity())
        root->all_items.reserve(2 * root->all_items.size() + 16);
    root->items[item] = h.get();
    root->all_items.push_back(h.get());
    return h.release();
}

void touched(dk_dataset *ds) { ds->root->generation++; }

// The objects directly inside a container (elements of an item, items of a sequence), walked
// once with the list's own cursor.
template <typename Container, typename Out> static void collect(Container *c, std::vector<Out> &out)
{
    out.clear();
    out.reserve(c->card());
    for (DcmObject *o = c->nextInContainer(nullptr); o != nullptr; o = c->nextInContainer(o))
        out.push_back(static_cast<Out>(o));
}

void retire_items(dk_dataset *root, DcmObject *obj)
{
    if (obj == nullptr || obj->ident() != EVR_SQ)
        return;
    std::vector<DcmObject *> todo{obj}; // sequences whose items go away; no recursion
    std::vector<DcmObject *> inside;
    while (!todo.empty()) {
        DcmSequenceOfItems *sq = static_cast<DcmSequenceOfItems *>(todo.back());
        todo.pop_back();
        collect(sq, inside);
        for (DcmObject *o : inside) {
            DcmItem *item = static_cast<DcmItem *>(o);
            auto found = root->items.find(item);
            if (found != root->items.end()) {
                found->second->stale = true;
                found->second->item = nullptr;
                root->items.erase(found);
            }
            for (DcmObject *e = item->nextInContainer(nullptr); e != nullptr;
                 e = item->nextInContainer(e))
                if (e->ident() == EVR_SQ)
                    todo.push_back(e);
        }
    }
}

static void refresh(dk_dataset *ds)
{
    if (ds->cache_generation == ds->root->generation)
        return;
    ds->children.clear();
    collect(ds->item, ds->elements);
    ds->cache_generation = ds->root->generation;
}

const std::vector<DcmElement *> &elements_of(dk_dataset *ds)
{
    refresh(ds);
    return ds->elements;
}

static uint32_t tag_of(const DcmObject *o)
{
    const DcmTag &t = o->getTag();
    return ((uint32_t)t.getGTag() << 16) | t.getETag();
}

DcmElement *find_element(dk_dataset *ds, uint32_t tag)
{
    const std::vector<DcmElement *> &all = elements_of(ds);
    auto at = std::lower_bound(all.begin(), all.end(), tag,
                               [](const DcmElement *e, uint32_t t) { return tag_of(e) < t; });
    if (at == all.end() || tag_of(*at) != tag)
        return nullptr;
    return *at;
}

OFCondition put_element(dk_dataset *ds, DcmElement *elem)
{
    uint32_t tag = tag_of(elem);
    DcmElement *old = find_element(ds, tag); // the arrays are valid from here on
    // where `elem` goes, found while `old` is alive: the search reads the tags in the array
    std::vector<DcmElement *> &all = ds->elements;
    size_t at = (size_t)(std::lower_bound(all.begin(), all.end(), tag,
                                          [](const DcmElement *e, uint32_t t) {
                                              return tag_of(e) < t;
                                          }) -
                         all.begin());
    if (old != nullptr)
        retire_items(ds->root, old);
    OFCondition cond = ds->item->insert(elem, OFTrue); // deletes `old`
    touched(ds);
    if (cond.bad())
        return cond;
    // keep this handle's arrays valid instead of rebuilding them at the next read: a loop that
    // sets n elements would otherwise walk the list n times
    if (old != nullptr) {
        ds->children.erase(old);
        all[at] = elem;
    } else {
        all.insert(all.begin() + (std::ptrdiff_t)at, elem);
    }
    ds->cache_generation = ds->root->generation;
    return cond;
}

void drop_element(dk_dataset *ds, DcmElement *elem)
{
    uint32_t tag = tag_of(elem);
    elements_of(ds); // valid from here on
    std::vector<DcmElement *> &all = ds->elements;
    // found before `elem` is deleted: the search reads the tags in the array
    auto at = std::lower_bound(all.begin(), all.end(), tag,
                               [](const DcmElement *e, uint32_t t) { return tag_of(e) < t; });
    retire_items(ds->root, elem);
    delete ds->item->remove(elem);
    touched(ds);
    if (at != all.end() && *at == elem)
        all.erase(at);
    ds->children.erase(elem);
    ds->cache_generation = ds->root->generation;
}

const std::vector<DcmObject *> &children_of(dk_dataset *ds, DcmObject *container)
{
    refresh(ds);
    auto found = ds->children.find(container);
    if (found != ds->children.end())
        return found->second;
    std::vector<DcmObject *> &out = ds->children[container];
    if (container->ident() == EVR_SQ)
        collect(static_cast<DcmSequenceOfItems *>(container), out);
    else if (container->ident() == EVR_pixelSQ)
        collect(static_cast<DcmPixelSequence *>(container), out);
    return out;
}

DcmPixelSequence *encapsulated_sequence(DcmElement *elem)
{
    DcmPixelData *pd = dynamic_cast<DcmPixelData *>(elem);
    if (pd == nullptr)
        return nullptr;
    E_TransferSyntax xfer = EXS_Unknown;
    const DcmRepresentationParameter *param = nullptr;
    pd->getCurrentRepresentationKey(xfer, param);
    DcmPixelSequence *seq = nullptr;
    if (!DcmXfer(xfer).isEncapsulated() ||
        pd->getEncapsulatedRepresentation(xfer, param, seq).bad())
        return nullptr;
    return seq;
}

unsigned nesting_below(DcmItem *item)
{
    unsigned deepest = 0;
    std::vector<std::pair<DcmItem *, unsigned>> todo{{item, 0}};
    while (!todo.empty()) {
        auto [at, depth] = todo.back();
        todo.pop_back();
        for (DcmObject *e = at->nextInContainer(nullptr); e != nullptr; e = at->nextInContainer(e)) {
            if (e->ident() != EVR_SQ)
                continue;
            deepest = std::max(deepest, depth + 1);
            DcmSequenceOfItems *sq = static_cast<DcmSequenceOfItems *>(e);
            for (DcmObject *i = sq->nextInContainer(nullptr); i != nullptr; i = sq->nextInContainer(i))
                todo.push_back({static_cast<DcmItem *>(i), depth + 1});
        }
    }
    return deepest;
}

} // namespace dk

extern "C" {

dk_dataset *dk_dataset_new(dk_error *err)
{
    return dk::guarded_ptr<dk_dataset>(err, "new dataset", [&]() -> dk_dataset * {
        dk::init_dcmtk();
        if (!dcmDataDict.isDictionaryLoaded()) {
            dk_error_set(err, DK_EINTERNAL,
                         "dcmtk's data dictionary is not loaded (is DCMDICTPATH set right?)");
            return nullptr;
        }
        std::unique_ptr<DcmFileFormat> ff(new DcmFileFormat());
        dk_dataset *h = dk::adopt_root(ff.get(), EXS_LittleEndianExplicit);
        ff.release();
        return h;
    });
}

void dk_dataset_free(dk_dataset *ds)
{
    if (ds == nullptr || ds->root != ds)
        return;
    try {
        for (dk_dataset *item : ds->all_items)
            delete item;
        delete ds->fileformat;
        delete ds;
    } catch (...) {
    }
}

int dk_dataset_is_root(const dk_dataset *ds) { return ds != nullptr && ds->root == ds; }

int dk_dataset_check(const dk_dataset *ds, dk_error *err) { return dk::check_handle(ds, err); }

} // extern "C"
