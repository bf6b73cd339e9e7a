// Associations, C-ECHO and C-STORE on dcmtk's ASC/DIMSE layer. DcmSCU would hide the
// association and its parameters; driving ASC/DIMSE directly lets us choose the presentation
// context per object exactly (dcmtk's lookup falls back to any syntax) and install our own
// transport layer (transport.cc).

#include "internal.hh"
#include "transport.hh"

#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include "dicomkit/jpeg.h"
#include "dicomkit/jpeg_codec.h"
#include "dicomkit/net.h"
}

using namespace dk;

struct dk_assoc {
    T_ASC_Network *net = nullptr;
    T_ASC_Association *assoc = nullptr;
    bool open = false;
    bool released = false;   // released by us: using it again is a programming error
    std::string dead_reason; // set once the association failed
    std::string peer;        // "AE@host:port" for messages
    int dimse_timeout = 60;
    transport_state transport; // filled in by our transport layer (transport.hh)
};

namespace {

const char *const native_syntaxes[] = {UID_LittleEndianExplicitTransferSyntax,
                                       UID_LittleEndianImplicitTransferSyntax};

int classify(const OFCondition &cond)
{
    if (cond == DUL_ASSOCIATIONREJECTED)
        return DK_EREJECTED;
    if (cond == DUL_READTIMEOUT || cond == DIMSE_NODATAAVAILABLE)
        return DK_ETIMEOUT;
    if (cond == DUL_PEERABORTEDASSOCIATION || cond == DUL_NETWORKCLOSED ||
        cond == DUL_PEERREQUESTEDRELEASE)
        return DK_EABORTED;
    const char *text = cond.text();
    if (strstr(text, "Connection refused"))
        return DK_ECONNREFUSED;
    if (strstr(text, "imeout") || strstr(text, "timed out"))
        return DK_ETIMEOUT;
    if (strstr(text, "reset") || strstr(text, "Broken pipe") || strstr(text, "closed"))
        return DK_EABORTED;
    return DK_ENETWORK;
}

std::string reject_reason(T_ASC_Parameters *params)
{
    T_ASC_RejectParameters rej;
    if (ASC_getRejectParameters(params, &rej).bad())
        return "no reason given";
    OFString text;
    ASC_printRejectParameters(text, &rej);
    // dcmtk prints several lines: keep the one that says why
    std::string all(text.c_str());
    size_t pos = all.find("Reason:");
    std::string reason = pos == std::string::npos ? all : all.substr(pos + 8);
    size_t nl = reason.find('\n');
    if (nl != std::string::npos)
        reason.resize(nl);
    while (!reason.empty() && (reason.back() == ' ' || reason.back() == '\r'))
        reason.pop_back();
    return reason;
}

// A-ABORT without waiting for the peer to close the connection: dcmtk would otherwise wait up
// to the ACSE timeout after the abort, doubling every timeout on a peer that stopped answering.
void abort_now(dk_assoc *a)
{
    abandon_connection(&a->transport);
    ASC_abortAssociation(a->assoc);
}

void kill(dk_assoc *a, const std::string &why)
{
    if (a->dead_reason.empty())
        a->dead_reason = why;
    if (a->assoc != nullptr && a->open)
        abort_now(a);
    a->open = false;
}

// A DIMSE exchange failed: the association is dead from now on. Returns the dk_status and
// puts why into `why`.
int fail_exchange(dk_assoc *a, const OFCondition &cond, std::string *why)
{
    int code = classify(cond);
    if (code == DK_ENETWORK)
        code = DK_EABORTED;
    const char *stalled = a->transport.stalled;
    if (stalled != nullptr && strcmp(stalled, "sending") == 0) {
        // the socket's send timeout: the peer stopped reading (dcmtk says "TCP I/O Error")
        code = DK_ETIMEOUT;
        *why = "the peer took no data for " + std::to_string(a->dimse_timeout) + " s";
    } else if (code == DK_ETIMEOUT || stalled != nullptr) {
        code = DK_ETIMEOUT;
        *why = "no response within " + std::to_string(a->dimse_timeout) + " s";
    } else {
        *why = cond.text();
    }
    kill(a, *why);
    return code;
}

int check_usable(dk_assoc *a, dk_error *err)
{
    if (a == nullptr)
        return dk_error_set(err, DK_EINVAL, "association handle is NULL");
    if (!a->dead_reason.empty())
        return dk_error_set(err, DK_EABORTED, "%s: the association failed earlier (%s); not sent",
                            a->peer.c_str(), a->dead_reason.c_str());
    if (!a->open)
        return dk_error_set(err, DK_EINVAL, "%s: the association was released; open a new one",
                            a->peer.c_str());
    return DK_OK;
}

void copy_uid(char out[65], const char *uid) { snprintf(out, 65, "%s", uid ? uid : ""); }

const char *category_of(Uint16 status)
{
    if (status == STATUS_Success)
        return "success";
    if ((status & 0xF000) == 0xB000 || status == 0x0107 || status == 0x0116)
        return "warning";
    return "failure";
}

// The JPEG frame held in encapsulated pixel data: every fragment after the offset table.
int frame_bytes(DcmPixelSequence *seq, std::vector<unsigned char> *jpeg)
{
    DcmObject *o = seq->nextInContainer(nullptr); // the Basic Offset Table
    for (o = o ? seq->nextInContainer(o) : nullptr; o; o = seq->nextInContainer(o)) {
        DcmPixelItem *item = static_cast<DcmPixelItem *>(o);
        Uint8 *bytes = nullptr;
        if (item->getLength() > 0 && item->getUint8Array(bytes).good() && bytes != nullptr)
            jpeg->insert(jpeg->end(), bytes, bytes + item->getLength());
    }
    while (jpeg->size() > 2 && jpeg->back() == 0) // fragment padding after EOI
        jpeg->pop_back();
    return DK_OK;
}

// A copy of `src` decoded by dcmtk's own codecs (JPEG-LS, which dicomkit writes for PNG
// input); NULL with err.
DcmDataset *dcmtk_decoded_copy(DcmDataset *src, E_TransferSyntax own_xfer, const char *who,
                               dk_error *err)
{
    init_jpegls();
    std::unique_ptr<DcmDataset> copy(new DcmDataset(*src));
    OFCondition cond = copy->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (cond.bad() || !copy->canWriteXfer(EXS_LittleEndianExplicit)) {
        dk_error_set(err, DK_EUNSUPPORTED, "%s: cannot decode %s pixel data for a peer that takes "
                     "only uncompressed (%s)", who, DcmXfer(own_xfer).getXferName(),
                     cond.bad() ? cond.text() : "no decoder");
        return nullptr;
    }
    return copy.release();
}

// A copy of `src` with its encapsulated JPEG frame decoded to native pixels; NULL with err.
DcmDataset *decoded_copy(DcmDataset *src, E_TransferSyntax own_xfer, const char *who,
                         dk_error *err)
{
    if (own_xfer != EXS_JPEGProcess1)
        return dcmtk_decoded_copy(src, own_xfer, who, err);
    DcmElement *elem = nullptr;
    if (src->findAndGetElement(DCM_PixelData, elem).bad() || elem == nullptr) {
        dk_error_set(err, DK_EUNSUPPORTED, "%s: no pixel data to decode", who);
        return nullptr;
    }
    DcmPixelSequence *seq = encapsulated_sequence(elem);
    if (seq == nullptr || seq->card() < 2) {
        dk_error_set(err, DK_EUNSUPPORTED, "%s: the pixel data is not an encapsulated frame", who);
        return nullptr;
    }
    Sint32 frames = 1;
    src->findAndGetSint32(DCM_NumberOfFrames, frames);
    if (frames > 1) {
        dk_error_set(err, DK_EUNSUPPORTED,
                     "%s: multi-frame JPEG cannot be decoded for sending natively", who);
        return nullptr;
    }
    std::vector<unsigned char> jpeg;
    frame_bytes(seq, &jpeg);
    dk_jpeg_info info;
    if (dk_jpeg_read_header(jpeg.data(), jpeg.size(), who, 0, &info, err) != DK_OK)
        return nullptr;
    int samples = info.colorspace == DK_JPEG_GRAY ? 1 : 3;
    uint64_t len = (uint64_t)info.width * (uint64_t)info.height * (uint64_t)samples;
    if (len > 0xFFFFFFFEull) {
        dk_error_set(err, DK_ELIMIT, "%s: the decoded frame would exceed 4 GiB", who);
        return nullptr;
    }
    std::unique_ptr<DcmDataset> copy(new DcmDataset(*src));
    std::unique_ptr<DcmPixelData> native(new DcmPixelData(DcmTag(DCM_PixelData, EVR_OB)));
    Uint8 *pixels = nullptr;
    if (native->createUint8Array((Uint32)len, pixels).bad() || pixels == nullptr) {
        dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
        return nullptr;
    }
    if (dk_jpeg_decode(jpeg.data(), jpeg.size(), &info, 1, pixels, (size_t)len, who, err) != DK_OK)
        return nullptr;
    copy->insert(native.release(), OFTrue);
    copy->putAndInsertString(DCM_PhotometricInterpretation, samples == 1 ? "MONOCHROME2" : "RGB");
    if (samples == 3)
        copy->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    return copy.release();
}

// The accepted context for exactly this SOP Class and transfer syntax, or 0. (dcmtk's
// ASC_findAcceptedPresentationContextID falls back to any syntax, which we must not.)
T_ASC_PresentationContextID find_context(T_ASC_Association *assoc, const char *sop, const char *ts)
{
    int n = ASC_countPresentationContexts(assoc->params);
    for (int i = 0; i < n; i++) {
        T_ASC_PresentationContext pc;
        if (ASC_getPresentationContext(assoc->params, i, &pc).good() &&
            pc.resultReason == ASC_P_ACCEPTANCE && strcmp(pc.abstractSyntax, sop) == 0 &&
            strcmp(pc.acceptedTransferSyntax, ts) == 0)
            return pc.presentationContextID;
    }
    return 0;
}

// Which context an object goes in, decoding it when the peer takes its SOP Class only native.
// *decoded is set (and owned by the caller) when a decoded copy is to be sent.
int choose_context(dk_assoc *a, DcmDataset *dataset, E_TransferSyntax own_xfer,
                   const char *sop_class, const char *sop_instance,
                   T_ASC_PresentationContextID *pid, std::unique_ptr<DcmDataset> *decoded,
                   dk_store_result *r, dk_error *err)
{
    DcmXfer own(own_xfer);
    *pid = 0;
    if (own.isEncapsulated()) {
        *pid = find_context(a->assoc, sop_class, own.getXferID());
        copy_uid(r->transfer_syntax, own.getXferID());
    }
    if (*pid == 0) {
        for (const char *ts : native_syntaxes) {
            if ((*pid = find_context(a->assoc, sop_class, ts)) != 0) {
                copy_uid(r->transfer_syntax, ts);
                break;
            }
        }
        if (*pid != 0 && own.isEncapsulated()) {
            // the peer takes this SOP Class only uncompressed: decode and say so
            decoded->reset(decoded_copy(dataset, own_xfer, sop_instance, err));
            if (!*decoded)
                return err ? err->code : DK_EUNSUPPORTED;
            r->decoded = 1;
        }
    }
    if (*pid != 0)
        return DK_OK;
    const char *name = dcmFindNameOfUID(sop_class, nullptr);
    return dk_error_set(err, DK_ENOCONTEXT,
                        "%s: %s accepted no presentation context for SOP Class %s%s%s%s (%s or "
                        "uncompressed); not sent",
                        sop_instance, a->peer.c_str(), sop_class, name ? " (" : "",
                        name ? name : "", name ? ")" : "", own.getXferName());
}

int store_dataset(dk_assoc *a, DcmDataset *dataset, E_TransferSyntax own_xfer,
                  dk_store_result *r, dk_error *err)
{
    int rc = check_usable(a, err);
    if (rc != DK_OK)
        return rc;
    const char *sop_class = nullptr, *sop_instance = nullptr;
    dataset->findAndGetString(DCM_SOPClassUID, sop_class);
    dataset->findAndGetString(DCM_SOPInstanceUID, sop_instance);
    if (sop_class == nullptr || !*sop_class || sop_instance == nullptr || !*sop_instance)
        return dk_error_set(err, DK_EINVAL,
                            "C-STORE needs SOPClassUID (0008,0016) and SOPInstanceUID (0008,0018)");
    copy_uid(r->sop_class_uid, sop_class);
    copy_uid(r->sop_instance_uid, sop_instance);

    T_ASC_PresentationContextID pid = 0;
    std::unique_ptr<DcmDataset> decoded;
    if ((rc = choose_context(a, dataset, own_xfer, sop_class, sop_instance, &pid, &decoded, r,
                             err)) != DK_OK)
        return rc;

    T_DIMSE_C_StoreRQ req;
    T_DIMSE_C_StoreRSP rsp;
    memset(&req, 0, sizeof req);
    memset(&rsp, 0, sizeof rsp);
    req.MessageID = a->assoc->nextMsgID++;
    OFStandard::strlcpy(req.AffectedSOPClassUID, sop_class, sizeof req.AffectedSOPClassUID);
    OFStandard::strlcpy(req.AffectedSOPInstanceUID, sop_instance, sizeof req.AffectedSOPInstanceUID);
    req.DataSetType = DIMSE_DATASET_PRESENT;
    req.Priority = DIMSE_PRIORITY_MEDIUM;
    DcmDataset *detail = nullptr;
    OFCondition cond = DIMSE_storeUser(a->assoc, pid, &req, nullptr,
                                       decoded ? decoded.get() : dataset, nullptr, nullptr,
                                       DIMSE_NONBLOCKING, a->dimse_timeout, &rsp, &detail);
    delete detail;
    if (cond.bad()) {
        std::string why;
        int code = fail_exchange(a, cond, &why);
        return dk_error_set(err, code, "%s: %s: %s; the association is aborted", sop_instance,
                            a->peer.c_str(), why.c_str());
    }
    r->status = rsp.DimseStatus;
    snprintf(r->category, sizeof r->category, "%s", category_of(rsp.DimseStatus));
    snprintf(r->meaning, sizeof r->meaning, "%s", DU_cstoreStatusString(rsp.DimseStatus));
    if (rsp.opts & O_STORE_AFFECTEDSOPINSTANCEUID)
        copy_uid(r->sop_instance_uid, rsp.AffectedSOPInstanceUID);
    return DK_OK;
}

// ---------------------------------------------------------------------------
// opening

struct checked_params {
    const char *called, *calling;
    int connect_timeout, acse_timeout, dimse_timeout;
    unsigned long max_pdu;
};

int check_params(const dk_assoc_params *p, checked_params *c, dk_error *err)
{
    if (p == nullptr || p->host == nullptr || p->host[0] == '\0')
        return dk_error_set(err, DK_EINVAL, "connect: host is missing");
    if (p->port < 1 || p->port > 65535)
        return dk_error_set(err, DK_EINVAL, "connect: port %d is not 1..65535", p->port);
    if (p->called_ae == nullptr)
        return dk_error_set(err, DK_EINVAL, "connect: the called AE title (the peer's) is missing");
#if OFFIS_DCMTK_VERSION_NUMBER < 369
    // dcmtk before 3.6.9 splits "host:port" at the first colon and resolves IPv4 only
    if (strchr(p->host, ':') != nullptr)
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "connect: %s is an IPv6 address; dcmtk %s connects over IPv4 only "
                            "(IPv6 needs dcmtk 3.6.9 or later)",
                            p->host, OFFIS_DCMTK_VERSION_STRING);
#endif
    c->called = p->called_ae;
    c->calling = p->calling_ae ? p->calling_ae : "DICOMKIT";
    int rc = dk_ae_title_check(c->called, "called AE title", err);
    if (rc == DK_OK)
        rc = dk_ae_title_check(c->calling, "calling AE title", err);
    if (rc != DK_OK)
        return rc;
    if (p->connect_timeout < 0 || p->acse_timeout < 0 || p->dimse_timeout < 0)
        return dk_error_set(err, DK_EINVAL, "connect: timeouts must not be negative");
    c->connect_timeout = p->connect_timeout > 0 ? p->connect_timeout : 10;
    c->acse_timeout = p->acse_timeout > 0 ? p->acse_timeout : 30;
    c->dimse_timeout = p->dimse_timeout > 0 ? p->dimse_timeout : 60;
    c->max_pdu = p->max_pdu ? p->max_pdu : 65536;
    if (c->max_pdu < ASC_MINIMUMPDUSIZE || c->max_pdu > ASC_MAXIMUMPDUSIZE)
        return dk_error_set(err, DK_EINVAL, "connect: max_pdu %lu is not %u..%u", c->max_pdu,
                            (unsigned)ASC_MINIMUMPDUSIZE, (unsigned)ASC_MAXIMUMPDUSIZE);
    return DK_OK;
}

// Verification, then each SOP Class with its own syntax (once) and the native ones.
int add_contexts(T_ASC_Parameters *params, const dk_context *contexts, size_t ncontexts,
                 dk_error *err)
{
    int id = 1;
    const char *verification[] = {UID_LittleEndianExplicitTransferSyntax,
                                  UID_LittleEndianImplicitTransferSyntax};
    ASC_addPresentationContext(params, (T_ASC_PresentationContextID)id, UID_VerificationSOPClass,
                               verification, 2);
    id += 2;
    std::vector<std::string> seen;
    for (size_t i = 0; i < ncontexts; i++) {
        const char *sop = contexts[i].sop_class;
        const char *ts = contexts[i].transfer_syntax;
        if (sop == nullptr || !*sop)
            continue;
        bool encapsulated = ts && *ts && DcmXfer(ts).isEncapsulated();
        std::string key = std::string(sop) + "|" + (encapsulated ? ts : "");
        bool dup = false;
        for (const std::string &s : seen)
            dup = dup || s == key;
        if (dup)
            continue;
        if (id + (encapsulated ? 2 : 0) > 255)
            return dk_error_set(err, DK_EINVAL,
                                "connect: more than 127 presentation contexts; send in batches");
        seen.push_back(key);
        if (encapsulated) {
            // own syntax first, in a context of its own, so that a peer choosing among
            // several syntaxes cannot drop the compressed one silently
            const char *own[1] = {ts};
            ASC_addPresentationContext(params, (T_ASC_PresentationContextID)id, sop, own, 1);
            id += 2;
        }
        const char *native[2] = {native_syntaxes[0], native_syntaxes[1]};
        ASC_addPresentationContext(params, (T_ASC_PresentationContextID)id, sop, native, 2);
        id += 2;
    }
    return DK_OK;
}

// dcmtk reads the connect timeout from a process-wide global when it connects; associations
// opened from several threads at once take turns here so each connects with its own.
std::mutex connect_lock;

int request(dk_assoc *a, T_ASC_Parameters *&params, const checked_params &c, dk_error *err)
{
    OFCondition cond;
    {
        std::lock_guard<std::mutex> hold(connect_lock);
        dcmConnectionTimeout.set(c.connect_timeout);
        cond = ASC_requestAssociation(a->net, params, &a->assoc);
    }
    if (cond.good()) {
        params = nullptr; // owned by the association now
        a->open = true;
        if (ASC_countAcceptedPresentationContexts(a->assoc->params) == 0)
            return dk_error_set(err, DK_EREJECTED,
                                "%s: the peer accepted none of the proposed presentation contexts",
                                a->peer.c_str());
        return DK_OK;
    }
    if (a->assoc != nullptr)
        params = nullptr; // dcmtk made the association around them: destroyed with it
    int code = a->transport.stalled != nullptr ? DK_ETIMEOUT : classify(cond);
    if (code == DK_EREJECTED)
        return dk_error_set(err, code, "%s: association rejected: %s", a->peer.c_str(),
                            reject_reason(a->assoc ? a->assoc->params : params).c_str());
    if (code == DK_ECONNREFUSED)
        return dk_error_set(err, code, "%s: connection refused (nothing listening?)", a->peer.c_str());
    if (code == DK_ETIMEOUT) // dcmtk's connect timeout is a "TCP Initialization Error"
        return dk_error_set(err, code, "%s: no answer within %d s", a->peer.c_str(),
                            strstr(cond.text(), "TCP Initialization") ? c.connect_timeout
                                                                      : c.acse_timeout);
    return dk_error_set(err, code, "%s: %s", a->peer.c_str(), cond.text());
}

} // namespace

extern "C" {

int dk_ae_title_check(const char *ae, const char *what, dk_error *err)
{
    if (ae == nullptr || ae[0] == '\0')
        return dk_error_set(err, DK_EINVAL, "%s is empty", what);
    size_t len = strlen(ae);
    if (len > 16)
        return dk_error_set(err, DK_EINVAL, "%s '%.32s' is %zu characters, at most 16 allowed", what,
                            ae, len);
    bool only_spaces = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)ae[i];
        if (c < 0x20 || c >= 0x7F)
            return dk_error_set(err, DK_EINVAL, "%s has a control or non-ASCII character", what);
        if (c == '\\')
            return dk_error_set(err, DK_EINVAL, "%s '%s' contains a backslash", what, ae);
        if (c != ' ')
            only_spaces = false;
    }
    if (only_spaces)
        return dk_error_set(err, DK_EINVAL, "%s is only spaces", what);
    return DK_OK;
}

dk_assoc *dk_assoc_open(const dk_assoc_params *p, const dk_context *contexts, size_t ncontexts,
                        dk_error *err)
{
    return guarded_ptr<dk_assoc>(err, "connect", [&]() -> dk_assoc * {
        init_dcmtk();
        checked_params c = {};
        if (check_params(p, &c, err) != DK_OK)
            return nullptr;
        std::unique_ptr<dk_assoc, void (*)(dk_assoc *)> a(new dk_assoc(), dk_assoc_free);
        a->dimse_timeout = c.dimse_timeout;
        a->peer = std::string(c.called) + "@" + p->host + ":" + std::to_string(p->port);
        T_ASC_Parameters *params = nullptr;
        std::unique_ptr<T_ASC_Parameters *, void (*)(T_ASC_Parameters **)> params_owner(
            &params, [](T_ASC_Parameters **pp) {
                if (*pp != nullptr)
                    ASC_destroyAssociationParameters(pp);
            });
        OFCondition cond = ASC_initializeNetwork(NET_REQUESTOR, 0, c.acse_timeout, &a->net);
        if (cond.good())
            cond = install_transport(a->net, c.dimse_timeout,
                                     c.acse_timeout > c.dimse_timeout ? c.acse_timeout : c.dimse_timeout,
                                     &a->transport);
        if (cond.good())
            cond = ASC_createAssociationParameters(&params, (long)c.max_pdu);
        if (cond.bad()) {
            dk_error_set(err, DK_ENETWORK, "%s: %s", a->peer.c_str(), cond.text());
            return nullptr;
        }
        ASC_setAPTitles(params, c.calling, c.called, nullptr);
#if OFFIS_DCMTK_VERSION_NUMBER >= 369
        if (strchr(p->host, ':') != nullptr)
            ASC_setProtocolFamily(params, ASC_AF_INET6);
#endif
        std::string address = std::string(p->host) + ":" + std::to_string(p->port);
        ASC_setPresentationAddresses(params, "localhost", address.c_str());
        if (add_contexts(params, contexts, ncontexts, err) != DK_OK)
            return nullptr;
        if (request(a.get(), params, c, err) != DK_OK)
            return nullptr;
        return a.release();
    });
}

int dk_assoc_echo(dk_assoc *a, dk_error *err)
{
    return guarded(err, "C-ECHO", [&] {
        int rc = check_usable(a, err);
        if (rc != DK_OK)
            return rc;
        DIC_US status = 0;
        DcmDataset *detail = nullptr;
        OFCondition cond = DIMSE_echoUser(a->assoc, a->assoc->nextMsgID++, DIMSE_NONBLOCKING,
                                          a->dimse_timeout, &status, &detail);
        delete detail;
        if (cond.bad()) {
            std::string why;
            int code = fail_exchange(a, cond, &why);
            return dk_error_set(err, code, "%s: C-ECHO failed: %s", a->peer.c_str(), why.c_str());
        }
        if (status != STATUS_Success)
            return dk_error_set(err, DK_ESTATUS, "%s: C-ECHO answered status 0x%04X (%s)",
                                a->peer.c_str(), status, DU_cechoStatusString(status));
        return (int)DK_OK;
    });
}

int dk_assoc_store(dk_assoc *a, dk_dataset *ds, dk_store_result *result, dk_error *err)
{
    dk_store_result local;
    if (result == nullptr)
        result = &local;
    memset(result, 0, sizeof *result);
    return guarded(err, "C-STORE", [&] {
        if (ds == nullptr || ds->stale || ds->root != ds)
            return dk_error_set(err, DK_EINVAL, "C-STORE needs a root dataset");
        return store_dataset(a, ds->fileformat->getDataset(), ds->xfer, result, err);
    });
}

int dk_assoc_store_file(dk_assoc *a, const char *path, dk_store_result *result, dk_error *err)
{
    dk_store_result local;
    if (result == nullptr)
        result = &local;
    memset(result, 0, sizeof *result);
    return guarded(err, path ? path : "C-STORE", [&] {
        int rc = check_usable(a, err);
        if (rc != DK_OK)
            return rc;
        std::unique_ptr<dk_dataset, void (*)(dk_dataset *)> ds(dk_dataset_read(path, err),
                                                               dk_dataset_free);
        if (!ds)
            return err ? err->code : DK_EFORMAT;
        rc = store_dataset(a, ds->fileformat->getDataset(), ds->xfer, result, err);
        if (rc != DK_OK && err != nullptr && strstr(err->message, path) == nullptr) {
            std::string msg = std::string(path) + ": " + err->message;
            snprintf(err->message, sizeof err->message, "%s", msg.c_str());
        }
        return rc;
    });
}

int dk_assoc_release(dk_assoc *a, dk_error *err)
{
    return guarded(err, "release", [&] {
        int rc = check_usable(a, err);
        if (rc != DK_OK)
            return rc;
        OFCondition cond = ASC_releaseAssociation(a->assoc);
        if (cond.bad()) {
            bool stalled = a->transport.stalled != nullptr || classify(cond) == DK_ETIMEOUT;
            std::string why = stalled ? "no answer within " + std::to_string(a->dimse_timeout) + " s"
                                      : std::string(cond.text());
            kill(a, why); // still open: aborted, not left half-released
            return dk_error_set(err, stalled ? DK_ETIMEOUT : DK_EABORTED, "%s: release failed: %s",
                                a->peer.c_str(), why.c_str());
        }
        a->open = false;
        a->released = true;
        return (int)DK_OK;
    });
}

void dk_assoc_abort(dk_assoc *a)
{
    if (a == nullptr)
        return;
    try {
        if (a->open && a->assoc != nullptr)
            abort_now(a);
        a->open = false;
        if (a->dead_reason.empty() && !a->released)
            a->dead_reason = "aborted";
    } catch (...) {
    }
}

int dk_assoc_is_open(const dk_assoc *a) { return a != nullptr && a->open && a->dead_reason.empty(); }

int dk_assoc_state(const dk_assoc *a)
{
    if (a == nullptr)
        return DK_ASSOC_CLOSED;
    if (a->open && a->dead_reason.empty())
        return DK_ASSOC_OPEN;
    return a->released ? DK_ASSOC_RELEASED : DK_ASSOC_FAILED;
}

void dk_assoc_free(dk_assoc *a)
{
    if (a == nullptr)
        return;
    try {
        dk_assoc_abort(a);
        if (a->assoc != nullptr) {
            ASC_dropSCPAssociation(a->assoc);
            ASC_destroyAssociation(&a->assoc);
        }
        if (a->net != nullptr)
            ASC_dropNetwork(&a->net);
    } catch (...) {
    }
    delete a;
}

} // extern "C"
