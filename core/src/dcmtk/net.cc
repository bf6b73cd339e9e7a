// Associations, C-ECHO and C-STORE on dcmtk's ASC/DIMSE layer. DcmSCU would hide the
// association, and with it the socket we must set TCP_NODELAY on (Debian's dcmtk leaves
// Nagle on: about 45 ms per object), so we drive ASC/DIMSE directly.

#include "internal.hh"

#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>

#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <new>
#include <string>
#include <sys/socket.h>
#include <vector>

extern "C" {
#include "dicomkit/jpeg.h"
#include "dicomkit/jpeg_codec.h"
#include "dicomkit/net.h"
}

using namespace dk;

struct dk_assoc {
    T_ASC_Network *net = NULL;
    T_ASC_Association *assoc = NULL;
    bool open = false;
    std::string dead_reason; // set once the association failed
    std::string peer;        // "AE@host:port" for messages
    int dimse_timeout = 60;
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

// dcmtk 3.6.7 keeps getSocket() protected; naming it through a derived class yields a
// member pointer we may call on any connection.
struct socket_access : DcmTransportConnection {
    static DcmNativeSocketType fd(DcmTransportConnection *conn)
    {
        DcmNativeSocketType (DcmTransportConnection::*get)() = &socket_access::getSocket;
        return (conn->*get)();
    }
};

void no_nagle(T_ASC_Association *assoc)
{
    DcmTransportConnection *conn = DUL_getTransportConnection(assoc->DULassociation);
    if (conn == NULL)
        return;
    int one = 1;
    setsockopt(socket_access::fd(conn), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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

void kill(dk_assoc *a, const std::string &why)
{
    if (a->dead_reason.empty())
        a->dead_reason = why;
    if (a->assoc != NULL && a->open)
        ASC_abortAssociation(a->assoc);
    a->open = false;
}

// A DIMSE exchange failed: the association is dead from now on. Returns the dk_status and
// puts why into `why`.
int fail_exchange(dk_assoc *a, const OFCondition &cond, std::string *why)
{
    int code = classify(cond);
    if (code == DK_ENETWORK)
        code = DK_EABORTED;
    *why = code == DK_ETIMEOUT ? "no response within " + std::to_string(a->dimse_timeout) + " s"
                               : std::string(cond.text());
    kill(a, *why);
    return code;
}

int check_usable(dk_assoc *a, dk_error *err)
{
    if (a == NULL)
        return dk_error_set(err, DK_EINVAL, "association handle is NULL");
    if (!a->dead_reason.empty())
        return dk_error_set(err, DK_EABORTED, "%s: the association failed earlier (%s); not sent",
                            a->peer.c_str(), a->dead_reason.c_str());
    if (!a->open)
        return dk_error_set(err, DK_EABORTED, "%s: the association is released; not sent",
                            a->peer.c_str());
    return DK_OK;
}

void copy_uid(char out[65], const char *uid)
{
    snprintf(out, 65, "%s", uid ? uid : "");
}

const char *category_of(Uint16 status)
{
    if (status == STATUS_Success)
        return "success";
    if ((status & 0xF000) == 0xB000 || status == 0x0107 || status == 0x0116)
        return "warning";
    return "failure";
}

// A copy of `src` with its encapsulated JPEG frame decoded to native pixels; NULL with err.
DcmDataset *decoded_copy(DcmDataset *src, const char *who, dk_error *err)
{
    DcmElement *elem = NULL;
    if (src->findAndGetElement(DCM_PixelData, elem).bad() || elem == NULL) {
        dk_error_set(err, DK_EUNSUPPORTED, "%s: no pixel data to decode", who);
        return NULL;
    }
    DcmPixelSequence *seq = encapsulated_sequence(elem);
    if (seq == NULL || seq->card() < 2) {
        dk_error_set(err, DK_EUNSUPPORTED, "%s: the pixel data is not an encapsulated frame", who);
        return NULL;
    }
    Sint32 frames = 1;
    src->findAndGetSint32(DCM_NumberOfFrames, frames);
    if (frames > 1) {
        dk_error_set(err, DK_EUNSUPPORTED,
                     "%s: multi-frame JPEG cannot be decoded for sending natively", who);
        return NULL;
    }
    std::vector<unsigned char> jpeg;
    for (unsigned long i = 1; i < seq->card(); i++) { // item 0 is the Basic Offset Table
        DcmPixelItem *item = NULL;
        Uint8 *bytes = NULL;
        if (seq->getItem(item, i).good() && item->getLength() > 0 &&
            item->getUint8Array(bytes).good())
            jpeg.insert(jpeg.end(), bytes, bytes + item->getLength());
    }
    while (jpeg.size() > 2 && jpeg.back() == 0) // fragment padding after EOI
        jpeg.pop_back();
    dk_jpeg_info info;
    if (dk_jpeg_read_header(jpeg.data(), jpeg.size(), who, 0, &info, err) != DK_OK)
        return NULL;
    int samples = info.colorspace == DK_JPEG_GRAY ? 1 : 3;
    size_t len = (size_t)info.width * (size_t)info.height * (size_t)samples;
    DcmDataset *copy = new DcmDataset(*src);
    DcmPixelData *native = new DcmPixelData(DcmTag(DCM_PixelData, EVR_OB));
    Uint8 *pixels = NULL;
    if (native->createUint8Array((Uint32)len, pixels).bad() ||
        dk_jpeg_decode(jpeg.data(), jpeg.size(), &info, 1, pixels, len, who, err) != DK_OK) {
        delete native;
        delete copy;
        if (err && err->code == DK_OK)
            dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
        return NULL;
    }
    copy->insert(native, OFTrue);
    copy->putAndInsertString(DCM_PhotometricInterpretation, samples == 1 ? "MONOCHROME2" : "RGB");
    if (samples == 3)
        copy->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    return copy;
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

int store_dataset(dk_assoc *a, DcmDataset *dataset, E_TransferSyntax own_xfer,
                  dk_store_result *r, dk_error *err)
{
    int rc = check_usable(a, err);
    if (rc != DK_OK)
        return rc;
    const char *sop_class = NULL, *sop_instance = NULL;
    dataset->findAndGetString(DCM_SOPClassUID, sop_class);
    dataset->findAndGetString(DCM_SOPInstanceUID, sop_instance);
    if (sop_class == NULL || !*sop_class || sop_instance == NULL || !*sop_instance)
        return dk_error_set(err, DK_EINVAL,
                            "C-STORE needs SOPClassUID (0008,0016) and SOPInstanceUID (0008,0018)");
    copy_uid(r->sop_class_uid, sop_class);
    copy_uid(r->sop_instance_uid, sop_instance);

    DcmXfer own(own_xfer);
    T_ASC_PresentationContextID pid = 0;
    std::string sent_as;
    if (own.isEncapsulated()) {
        pid = find_context(a->assoc, sop_class, own.getXferID());
        sent_as = own.getXferID();
    }
    DcmDataset *decoded = NULL;
    if (pid == 0) {
        for (const char *ts : native_syntaxes) {
            pid = find_context(a->assoc, sop_class, ts);
            if (pid != 0) {
                sent_as = ts;
                break;
            }
        }
        if (pid != 0 && own.isEncapsulated()) {
            // the peer takes this SOP Class only uncompressed: decode and say so
            decoded = decoded_copy(dataset, sop_instance, err);
            if (decoded == NULL)
                return err ? err->code : DK_EUNSUPPORTED;
            dataset = decoded;
            r->decoded = 1;
        }
    }
    if (pid == 0) {
        const char *name = dcmFindNameOfUID(sop_class, NULL);
        return dk_error_set(err, DK_ENOCONTEXT,
                            "%s: %s accepted no presentation context for SOP Class %s%s%s%s "
                            "(%s or uncompressed); not sent",
                            sop_instance, a->peer.c_str(), sop_class, name ? " (" : "",
                            name ? name : "", name ? ")" : "", own.getXferName());
    }
    copy_uid(r->transfer_syntax, sent_as.c_str());

    T_DIMSE_C_StoreRQ req;
    T_DIMSE_C_StoreRSP rsp;
    memset(&req, 0, sizeof req);
    memset(&rsp, 0, sizeof rsp);
    req.MessageID = a->assoc->nextMsgID++;
    OFStandard::strlcpy(req.AffectedSOPClassUID, sop_class, sizeof req.AffectedSOPClassUID);
    OFStandard::strlcpy(req.AffectedSOPInstanceUID, sop_instance, sizeof req.AffectedSOPInstanceUID);
    req.DataSetType = DIMSE_DATASET_PRESENT;
    req.Priority = DIMSE_PRIORITY_MEDIUM;
    DcmDataset *detail = NULL;
    OFCondition cond = DIMSE_storeUser(a->assoc, pid, &req, NULL, dataset, NULL, NULL,
                                       DIMSE_NONBLOCKING, a->dimse_timeout, &rsp, &detail);
    delete detail;
    delete decoded;
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

} // namespace

extern "C" {

int dk_ae_title_check(const char *ae, const char *what, dk_error *err)
{
    if (ae == NULL || ae[0] == '\0')
        return dk_error_set(err, DK_EINVAL, "%s is empty", what);
    size_t len = strlen(ae);
    if (len > 16)
        return dk_error_set(err, DK_EINVAL, "%s '%s' is %zu characters, at most 16 allowed", what,
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
    dk_assoc *a = NULL;
    T_ASC_Parameters *params = NULL;
    try {
        init_dcmtk();
        if (p == NULL || p->host == NULL || p->host[0] == '\0') {
            dk_error_set(err, DK_EINVAL, "connect: host is missing");
            return NULL;
        }
        if (p->port < 1 || p->port > 65535) {
            dk_error_set(err, DK_EINVAL, "connect: port %d is not 1..65535", p->port);
            return NULL;
        }
        const char *called = p->called_ae ? p->called_ae : "ANY-SCP";
        const char *calling = p->calling_ae ? p->calling_ae : "DICOMKIT";
        if (dk_ae_title_check(called, "called AE title", err) != DK_OK ||
            dk_ae_title_check(calling, "calling AE title", err) != DK_OK)
            return NULL;
        int connect_timeout = p->connect_timeout > 0 ? p->connect_timeout : 10;
        int acse_timeout = p->acse_timeout > 0 ? p->acse_timeout : 30;
        unsigned long max_pdu = p->max_pdu ? p->max_pdu : 65536;
        if (max_pdu < ASC_MINIMUMPDUSIZE || max_pdu > ASC_MAXIMUMPDUSIZE) {
            dk_error_set(err, DK_EINVAL, "connect: max_pdu %lu is not %u..%u", max_pdu,
                         (unsigned)ASC_MINIMUMPDUSIZE, (unsigned)ASC_MAXIMUMPDUSIZE);
            return NULL;
        }

        a = new dk_assoc();
        a->dimse_timeout = p->dimse_timeout > 0 ? p->dimse_timeout : 60;
        a->peer = std::string(called) + "@" + p->host + ":" + std::to_string(p->port);
        dcmConnectionTimeout.set(connect_timeout);
        dcmSocketReceiveTimeout.set(acse_timeout > a->dimse_timeout ? acse_timeout : a->dimse_timeout);
        dcmSocketSendTimeout.set(a->dimse_timeout);
        OFCondition cond = ASC_initializeNetwork(NET_REQUESTOR, 0, acse_timeout, &a->net);
        if (cond.good())
            cond = ASC_createAssociationParameters(&params, (long)max_pdu);
        if (cond.bad()) {
            dk_error_set(err, DK_ENETWORK, "%s: %s", a->peer.c_str(), cond.text());
            throw 0;
        }
        ASC_setAPTitles(params, calling, called, NULL);
        std::string address = std::string(p->host) + ":" + std::to_string(p->port);
        ASC_setPresentationAddresses(params, "localhost", address.c_str());

        // Verification, then each SOP Class with its own syntax (once) and the native ones
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
            if (sop == NULL || !*sop)
                continue;
            bool encapsulated = ts && *ts && DcmXfer(ts).isEncapsulated();
            std::string key = std::string(sop) + "|" + (encapsulated ? ts : "");
            bool dup = false;
            for (const std::string &s : seen)
                dup = dup || s == key;
            if (dup)
                continue;
            if (id > 255) {
                dk_error_set(err, DK_EINVAL,
                             "connect: more than 127 presentation contexts; send in batches");
                throw 0;
            }
            seen.push_back(key);
            const char *syntaxes[3];
            int n = 0;
            if (encapsulated)
                syntaxes[n++] = ts;
            syntaxes[n++] = UID_LittleEndianExplicitTransferSyntax;
            syntaxes[n++] = UID_LittleEndianImplicitTransferSyntax;
            if (encapsulated) {
                // own syntax first, in a context of its own, so that a peer choosing among
                // several syntaxes cannot drop the compressed one silently
                const char *own[1] = {ts};
                ASC_addPresentationContext(params, (T_ASC_PresentationContextID)id, sop, own, 1);
                id += 2;
                if (id > 255)
                    break;
                ASC_addPresentationContext(params, (T_ASC_PresentationContextID)id, sop,
                                           syntaxes + 1, 2);
            } else {
                ASC_addPresentationContext(params, (T_ASC_PresentationContextID)id, sop, syntaxes,
                                           n);
            }
            id += 2;
        }

        cond = ASC_requestAssociation(a->net, params, &a->assoc);
        if (cond.bad()) {
            int code = classify(cond);
            if (code == DK_EREJECTED)
                dk_error_set(err, code, "%s: association rejected: %s", a->peer.c_str(),
                             reject_reason(params).c_str());
            else if (code == DK_ECONNREFUSED)
                dk_error_set(err, code, "%s: connection refused (nothing listening?)",
                             a->peer.c_str());
            else if (code == DK_ETIMEOUT)
                dk_error_set(err, code, "%s: no answer within %d s", a->peer.c_str(),
                             strstr(cond.text(), "onnect") ? connect_timeout : acse_timeout);
            else
                dk_error_set(err, code, "%s: %s", a->peer.c_str(), cond.text());
            if (a->assoc == NULL)
                ASC_destroyAssociationParameters(&params);
            throw 0;
        }
        params = NULL; // owned by the association now
        a->open = true;
        no_nagle(a->assoc);
        if (ASC_countAcceptedPresentationContexts(a->assoc->params) == 0) {
            dk_error_set(err, DK_EREJECTED, "%s: the peer accepted none of the proposed "
                         "presentation contexts", a->peer.c_str());
            throw 0;
        }
        return a;
    } catch (const std::bad_alloc &) {
        dk_error_set(err, DK_ENOMEM, "connect: out of memory");
    } catch (int) {
    } catch (...) {
        dk_error_set(err, DK_EINTERNAL, "connect: unexpected failure inside dcmtk");
    }
    if (params != NULL && (a == NULL || a->assoc == NULL))
        ASC_destroyAssociationParameters(&params);
    dk_assoc_free(a);
    return NULL;
}

int dk_assoc_echo(dk_assoc *a, dk_error *err)
{
    try {
        int rc = check_usable(a, err);
        if (rc != DK_OK)
            return rc;
        DIC_US status = 0;
        DcmDataset *detail = NULL;
        OFCondition cond = DIMSE_echoUser(a->assoc, a->assoc->nextMsgID++, DIMSE_NONBLOCKING,
                                          a->dimse_timeout, &status, &detail);
        delete detail;
        if (cond.bad()) {
            std::string why;
            int code = fail_exchange(a, cond, &why);
            return dk_error_set(err, code, "%s: C-ECHO failed: %s", a->peer.c_str(), why.c_str());
        }
        if (status != STATUS_Success)
            return dk_error_set(err, DK_EREJECTED, "%s: C-ECHO answered status 0x%04X (%s)",
                                a->peer.c_str(), status, DU_cechoStatusString(status));
        return DK_OK;
    } catch (...) {
        return dk_error_set(err, DK_EINTERNAL, "C-ECHO: unexpected failure inside dcmtk");
    }
}

int dk_assoc_store(dk_assoc *a, dk_dataset *ds, dk_store_result *result, dk_error *err)
{
    try {
        dk_store_result local;
        if (result == NULL)
            result = &local;
        memset(result, 0, sizeof *result);
        if (ds == NULL || ds->stale || ds->root != ds)
            return dk_error_set(err, DK_EINVAL, "C-STORE needs a root dataset");
        return store_dataset(a, ds->fileformat->getDataset(), ds->xfer, result, err);
    } catch (const std::bad_alloc &) {
        return dk_error_set(err, DK_ENOMEM, "C-STORE: out of memory");
    } catch (...) {
        return dk_error_set(err, DK_EINTERNAL, "C-STORE: unexpected failure inside dcmtk");
    }
}

int dk_assoc_store_file(dk_assoc *a, const char *path, dk_store_result *result, dk_error *err)
{
    dk_store_result local;
    if (result == NULL)
        result = &local;
    memset(result, 0, sizeof *result);
    int rc = check_usable(a, err);
    if (rc != DK_OK)
        return rc;
    dk_dataset *ds = dk_dataset_read(path, err);
    if (ds == NULL)
        return err ? err->code : DK_EFORMAT;
    rc = dk_assoc_store(a, ds, result, err);
    dk_dataset_free(ds);
    if (rc != DK_OK && err != NULL && strstr(err->message, path) == NULL) {
        std::string msg = std::string(path) + ": " + err->message;
        snprintf(err->message, sizeof err->message, "%s", msg.c_str());
    }
    return rc;
}

int dk_file_peek(const char *path, char sop_class[65], char transfer_syntax[65], dk_error *err)
{
    try {
        init_dcmtk();
        sop_class[0] = transfer_syntax[0] = '\0';
        DcmFileFormat ff;
        // stop before the pixel data: the meta header and identifying attributes suffice
        OFCondition cond = ff.loadFileUntilTag(path, EXS_Unknown, EGL_noChange, 4096,
                                               ERM_autoDetect, DCM_PixelData);
        if (cond.bad()) {
            dk_dataset *probe = dk_dataset_read(path, err); // for its precise error
            dk_dataset_free(probe);
            return probe ? dk_error_set(err, DK_EFORMAT, "%s: %s", path, cond.text())
                         : (err ? err->code : DK_EFORMAT);
        }
        const char *v = NULL;
        if (ff.getDataset()->findAndGetString(DCM_SOPClassUID, v).good() && v)
            copy_uid(sop_class, v);
        E_TransferSyntax xfer = ff.getDataset()->getOriginalXfer();
        copy_uid(transfer_syntax, DcmXfer(xfer).getXferID());
        if (!sop_class[0])
            return dk_error_set(err, DK_EFORMAT, "%s: no SOPClassUID, not a storable object", path);
        return DK_OK;
    } catch (...) {
        return dk_error_set(err, DK_EINTERNAL, "%s: unexpected failure inside dcmtk", path);
    }
}

int dk_assoc_release(dk_assoc *a, dk_error *err)
{
    int rc = check_usable(a, err);
    if (rc != DK_OK)
        return rc;
    OFCondition cond = ASC_releaseAssociation(a->assoc);
    a->open = false;
    if (cond.bad()) {
        kill(a, cond.text());
        return dk_error_set(err, DK_EABORTED, "%s: release failed: %s", a->peer.c_str(),
                            cond.text());
    }
    return DK_OK;
}

void dk_assoc_abort(dk_assoc *a)
{
    if (a == NULL)
        return;
    try {
        if (a->open && a->assoc != NULL)
            ASC_abortAssociation(a->assoc);
    } catch (...) {
    }
    a->open = false;
    if (a->dead_reason.empty())
        a->dead_reason = "aborted";
}

int dk_assoc_is_open(const dk_assoc *a) { return a != NULL && a->open && a->dead_reason.empty(); }

void dk_assoc_free(dk_assoc *a)
{
    if (a == NULL)
        return;
    try {
        dk_assoc_abort(a);
        if (a->assoc != NULL) {
            ASC_dropSCPAssociation(a->assoc);
            ASC_destroyAssociation(&a->assoc);
        }
        if (a->net != NULL)
            ASC_dropNetwork(&a->net);
    } catch (...) {
    }
    delete a;
}

} // extern "C"
