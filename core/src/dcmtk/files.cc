// Part 10 files: reading (the bytes are walked by scan.c before dcmtk parses them) and writing
// (our own file meta identity, our own output stream so that no write error is lost, and a
// destination rule that never replaces what is not a regular file).

#include "internal.hh"
#include "blocks.hh"

#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcostrma.h>
#include <dcmtk/dcmdata/dcwcache.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "dicomkit/uid.h"
#include "charset.h"
#include "scan.h"
}

using namespace dk;

namespace {

// ---------------------------------------------------------------------------
// writing

// A consumer for dcmtk's output stream that writes to a file descriptor and keeps the first
// error with its errno. dcmtk's own file stream drops the error of the final flush (fclose),
// so a full disk looked like success.
class fd_consumer : public DcmConsumer {
  public:
    explicit fd_consumer(int fd) : fd_(fd) { buffer_.reserve(kBuffer); }
    OFBool good() const override { return error_ == 0; }
    OFCondition status() const override
    {
        return error_ == 0 ? EC_Normal : makeOFCondition(OFM_dcmdata, 19, OF_error, strerror(error_));
    }
    OFBool isFlushed() const override { return buffer_.empty(); }
    offile_off_t avail() const override { return error_ == 0 ? 0x7FFFFFFF : 0; }
    // dcmtk hands over each element's header and value separately: small pieces are gathered
    // (a write(2) per piece made 49,000 system calls for 200 photos), large ones go straight out.
    offile_off_t write(const void *buf, offile_off_t len) override
    {
        const char *p = static_cast<const char *>(buf);
        if (error_ != 0 || len <= 0)
            return 0;
        if (buffer_.size() + (size_t)len > kBuffer)
            flush();
        if ((size_t)len >= kBuffer)
            return put(p, (size_t)len);
        if (error_ != 0)
            return 0;
        buffer_.insert(buffer_.end(), p, p + len);
        return len;
    }
    void flush() override
    {
        put(buffer_.data(), buffer_.size());
        buffer_.clear(); // after a failure too: the error is kept, the bytes are lost anyway
    }
    int error() const { return error_; }

  private:
    static const size_t kBuffer = 256 * 1024;

    offile_off_t put(const char *p, size_t len)
    {
        size_t done = 0;
        while (error_ == 0 && done < len) {
            ssize_t n = ::write(fd_, p + done, len - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                error_ = n < 0 ? errno : EIO;
                break;
            }
            done += (size_t)n;
        }
        return (offile_off_t)done;
    }

    int fd_;
    int error_ = 0;
    std::vector<char> buffer_;
};

// dcmtk's DcmOutputStream with our consumer (its constructor is protected for subclasses).
class fd_stream : public DcmOutputStream {
  public:
    explicit fd_stream(int fd) : DcmOutputStream(&consumer_), consumer_(fd) {}
    fd_consumer consumer_;
};

// SIGXFSZ (a write past `ulimit -f`) and SIGPIPE (a reader that went away) would kill the
// process; while writing they are blocked for this thread only, the write fails with EFBIG
// or EPIPE instead, and a signal raised meanwhile is taken off the queue before unblocking.
class quiet_signals {
  public:
    quiet_signals()
    {
        sigemptyset(&mine_);
        sigaddset(&mine_, SIGXFSZ);
        sigaddset(&mine_, SIGPIPE);
        sigset_t pending;
        sigpending(&pending);
        for (int s : {SIGXFSZ, SIGPIPE})
            if (sigismember(&pending, s))
                sigdelset(&mine_, s); // not ours to swallow
        pthread_sigmask(SIG_BLOCK, &mine_, &old_);
    }
    ~quiet_signals()
    {
        sigset_t pending;
        sigpending(&pending);
        struct timespec zero = {0, 0};
        for (int s : {SIGXFSZ, SIGPIPE}) {
            if (sigismember(&mine_, s) && sigismember(&pending, s)) {
                sigset_t one;
                sigemptyset(&one);
                sigaddset(&one, s);
                sigtimedwait(&one, nullptr, &zero);
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }

  private:
    sigset_t mine_, old_;
};

int io_code(int e) { return e == ENOSPC || e == EFBIG || e == EDQUOT ? DK_ENOSPC : DK_EIO; }

int require_uid(dk_dataset *ds, const DcmTagKey &key, const char *name, dk_error *err)
{
    const char *v = nullptr;
    if (ds->item->findAndGetString(key, v).bad() || v == nullptr || v[0] == '\0')
        return dk_error_set(err, DK_EINVAL,
                            "cannot write a Part 10 file without %s: it names the object in the "
                            "file meta information",
                            name);
    return DK_OK;
}

// Build the meta header ourselves so that it carries dicomkit's implementation identity:
// dcmtk's EWM_fileformat would overwrite it with OFFIS's.
int build_meta(DcmFileFormat *ff, E_TransferSyntax xfer, dk_error *err)
{
    OFCondition cond = ff->validateMetaInfo(xfer, EWM_createNewMeta);
    DcmMetaInfo *meta = ff->getMetaInfo();
    if (cond.good())
        cond = meta->putAndInsertString(DCM_ImplementationClassUID, DK_IMPLEMENTATION_CLASS_UID);
    if (cond.good())
        cond = meta->putAndInsertString(DCM_ImplementationVersionName,
                                        DK_IMPLEMENTATION_VERSION_NAME);
    if (cond.good())
        cond = meta->computeGroupLengthAndPadding(EGL_withGL, EPD_noChange,
                                                  META_HEADER_DEFAULT_TRANSFERSYNTAX,
                                                  EET_UndefinedLength);
    if (cond.bad())
        return fail_condition(err, DK_EINTERNAL, "file meta information", cond);
    return DK_OK;
}

// Checks before anything is written; fills *xfer with the syntax to write.
int prepare_save(dk_dataset *ds, const char *who, const char *transfer_syntax,
                 E_TransferSyntax *xfer, dk_error *err)
{
    if (ds == nullptr || ds->stale)
        return dk_error_set(err, DK_EINVAL, "dataset handle is NULL or stale");
    if (ds->root != ds)
        return dk_error_set(err, DK_EINVAL, "only a root dataset can be saved, not a sequence item");
    *xfer = ds->xfer;
    if (transfer_syntax != nullptr && transfer_syntax[0] != '\0') {
        DcmXfer x(transfer_syntax);
        if (x.getXfer() == EXS_Unknown)
            return dk_error_set(err, DK_EINVAL, "%s: unknown transfer syntax '%s'", who,
                                transfer_syntax);
        *xfer = x.getXfer();
    }
    if (!ds->fileformat->getDataset()->canWriteXfer(*xfer, ds->xfer))
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "%s: the pixel data is %s and cannot be written as %s without "
                            "re-encoding",
                            who, DcmXfer(ds->xfer).getXferName(), DcmXfer(*xfer).getXferName());
    int rc = require_uid(ds, DCM_SOPClassUID, "SOPClassUID (0008,0016)", err);
    if (rc == DK_OK)
        rc = require_uid(ds, DCM_SOPInstanceUID, "SOPInstanceUID (0008,0018)", err);
    if (rc == DK_OK)
        rc = build_meta(ds->fileformat, *xfer, err);
    return rc;
}

// Text is UTF-8 in memory; a dataset whose SpecificCharacterSet names another single character
// set is written in that set. The conversion is undone after writing (dcmtk converts in place).
class written_charset {
  public:
    written_charset(dk_dataset *ds) : dataset_(ds->fileformat->getDataset())
    {
        const char *scs = nullptr;
        dataset_->findAndGetString(DCM_SpecificCharacterSet, scs, OFTrue);
        if (scs != nullptr && scs[0] != '\0' && strcmp(scs, "ISO_IR 6") != 0 &&
            strcmp(scs, "ISO_IR 192") != 0)
            target_ = scs;
    }
    int convert(const char *who, dk_error *err)
    {
        if (target_.empty())
            return DK_OK;
        OFCondition cond = dataset_->convertCharacterSet("ISO_IR 192", target_.c_str(), 0, OFFalse);
        converted_ = true; // a failure may leave it half converted: undo either way
        if (cond.bad())
            return dk_error_set(err, DK_EINVAL,
                                "%s: the text cannot be written in SpecificCharacterSet '%s': %s",
                                who, target_.c_str(), cond.text());
        return DK_OK;
    }
    ~written_charset()
    {
        if (converted_)
            dataset_->convertCharacterSet(target_.c_str(), "ISO_IR 192", 0, OFFalse);
    }

  private:
    DcmDataset *dataset_;
    std::string target_;
    bool converted_ = false;
};

// Write the whole Part 10 stream to `fd`.
int write_to_fd(dk_dataset *ds, int fd, E_TransferSyntax xfer, const char *who, dk_error *err)
{
    written_charset charset(ds);
    int rc = charset.convert(who, err);
    if (rc != DK_OK)
        return rc;
    quiet_signals quiet;
    fd_stream out(fd);
    DcmWriteCache cache;
    DcmFileFormat *ff = ds->fileformat;
    ff->transferInit();
    OFCondition cond = ff->write(out, xfer, EET_ExplicitLength, &cache, EGL_recalcGL,
                                 EPD_noChange, 0, 0, 0, EWM_dontUpdateMeta);
    ff->transferEnd();
    if (cond.good()) {
        for (int i = 0; i < 1000 && !out.isFlushed(); i++) // the deflate filter's tail
            out.flush();
        out.consumer_.flush(); // what our consumer gathered (a filter does not flush it)
    }
    touched(ds); // writing recomputes group lengths in place
    if (out.consumer_.error() != 0) // the real cause, not dcmtk's "I/O suspension"
        return dk_error_set(err, io_code(out.consumer_.error()), "%s: writing failed: %s", who,
                            strerror(out.consumer_.error()));
    if (cond.bad())
        return dk_error_set(err, DK_EIO, "%s: writing failed: %s", who, cond.text());
    return DK_OK;
}

std::string directory_of(const std::string &path)
{
    size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

std::string base_of(const std::string &path)
{
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Follow symbolic links to the path they name (which may not exist yet).
int follow_links(std::string *path, struct stat *st, bool *exists, dk_error *err)
{
    for (int hops = 0; hops < 40; hops++) {
        if (lstat(path->c_str(), st) != 0) {
            if (errno != ENOENT)
                return dk_error_set(err, DK_EIO, "%s: %s", path->c_str(), strerror(errno));
            *exists = false;
            return DK_OK;
        }
        if (!S_ISLNK(st->st_mode)) {
            *exists = true;
            return DK_OK;
        }
        char target[PATH_MAX];
        ssize_t n = readlink(path->c_str(), target, sizeof target - 1);
        if (n < 0)
            return dk_error_set(err, DK_EIO, "%s: %s", path->c_str(), strerror(errno));
        target[n] = '\0';
        *path = target[0] == '/' ? std::string(target) : directory_of(*path) + "/" + target;
    }
    return dk_error_set(err, DK_EIO, "%s: too many levels of symbolic links", path->c_str());
}

// A new file next to `target`, made with O_EXCL and a random name (no umask juggling).
int make_temporary(const std::string &target, mode_t mode, std::string *tmp, int *fd, dk_error *err)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char r[6];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
            for (unsigned char &b : r)
                b = (unsigned char)rand();
        char suffix[16];
        snprintf(suffix, sizeof suffix, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
        *tmp = directory_of(target) + "/." + base_of(target) + "." + suffix;
        *fd = open(tmp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (*fd >= 0)
            return DK_OK;
        if (errno != EEXIST) {
            int e = errno;
            tmp->clear();
            return dk_error_set(err, e == ENOENT ? DK_ENOENT : io_code(e), "%s: %s", target.c_str(),
                                strerror(e));
        }
    }
    tmp->clear();
    return dk_error_set(err, DK_EIO, "%s: no free temporary name", target.c_str());
}

// Regular files and new paths: write a temporary file beside the target and rename it over.
int save_replacing(dk_dataset *ds, const char *who, const std::string &target, bool exists,
                   const struct stat &st, E_TransferSyntax xfer, dk_error *err)
{
    std::string tmp;
    int fd = -1;
    int rc = make_temporary(target, exists ? (st.st_mode & 07777) : 0666, &tmp, &fd, err);
    if (rc != DK_OK)
        return rc;
    if (exists)
        fchmod(fd, st.st_mode & 07777); // the replaced file's permissions, not the umask's
    rc = write_to_fd(ds, fd, xfer, who, err);
    // No fsync: the rename makes a failure leave either the old file or the whole new one;
    // durability against power loss is the filesystem's (ext4 flushes data before a
    // replacing rename), and an fsync per file cost 13% of the pass-through benchmark.
    if (close(fd) != 0 && rc == DK_OK)
        rc = dk_error_set(err, io_code(errno), "%s: writing failed: %s", who, strerror(errno));
    if (rc == DK_OK && rename(tmp.c_str(), target.c_str()) != 0)
        rc = dk_error_set(err, io_code(errno), "%s: %s", who, strerror(errno));
    if (rc != DK_OK)
        unlink(tmp.c_str());
    return rc;
}

} // namespace

extern "C" {

int dk_dataset_save(dk_dataset *ds, const char *path, const char *transfer_syntax, dk_error *err)
{
    return guarded(err, path ? path : "save", [&] {
        if (path == nullptr || path[0] == '\0')
            return dk_error_set(err, DK_EINVAL, "save: empty path");
        E_TransferSyntax xfer;
        int rc = prepare_save(ds, path, transfer_syntax, &xfer, err);
        if (rc != DK_OK)
            return rc;
        std::string target(path);
        struct stat st;
        bool exists = false;
        if ((rc = follow_links(&target, &st, &exists, err)) != DK_OK)
            return rc;
        if (!exists || S_ISREG(st.st_mode))
            return save_replacing(ds, path, target, exists, st, xfer, err);
        if (S_ISDIR(st.st_mode))
            return dk_error_set(err, DK_EIO, "%s: is a directory", path);
        // a device, FIFO or socket is written as it is, never replaced
        int fd = open(target.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return dk_error_set(err, io_code(errno), "%s: %s", path, strerror(errno));
        rc = write_to_fd(ds, fd, xfer, path, err);
        if (close(fd) != 0 && rc == DK_OK)
            rc = dk_error_set(err, io_code(errno), "%s: writing failed: %s", path, strerror(errno));
        return rc;
    });
}

int dk_dataset_write_fd(dk_dataset *ds, int fd, const char *name, const char *transfer_syntax,
                        dk_error *err)
{
    const char *who = name ? name : "output";
    return guarded(err, who, [&] {
        E_TransferSyntax xfer;
        int rc = prepare_save(ds, who, transfer_syntax, &xfer, err);
        if (rc != DK_OK)
            return rc;
        return write_to_fd(ds, fd, xfer, who, err);
    });
}

static int scan_is_sequence(uint32_t tag, void *) { return dictionary_says_sequence(tag); }

// The whole of a regular file, within the size limit.
static int read_input(const char *path, const dk_read_limits &limits, bytes_block *bytes,
                      dk_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return dk_error_set(err, e == ENOENT ? DK_ENOENT : DK_EIO, "%s: %s", path, strerror(e));
    }
    struct stat st;
    int rc = DK_OK;
    if (fstat(fd, &st) != 0)
        rc = dk_error_set(err, DK_EIO, "%s: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = dk_error_set(err, DK_EIO, "%s: is a directory", path);
    else if (!S_ISREG(st.st_mode))
        rc = dk_error_set(err, DK_EIO, "%s: not a regular file", path);
    else if (st.st_size == 0)
        rc = dk_error_set(err, DK_EFORMAT, "%s: empty file, not DICOM", path);
    else if ((uint64_t)st.st_size > limits.max_file_bytes)
        rc = dk_error_set(err, DK_ELIMIT, "%s: %lld bytes, more than %llu (limit max_file_bytes)",
                          path, (long long)st.st_size, (unsigned long long)limits.max_file_bytes);
    if (rc == DK_OK) {
        *bytes = bytes_block::allocate((size_t)st.st_size);
        bytes->len = (size_t)st.st_size;
        size_t got = 0;
        while (got < bytes->len) {
            ssize_t n = read(fd, bytes->data.get() + got, bytes->len - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                rc = dk_error_set(err, DK_EIO, "%s: read failed%s%s", path, n < 0 ? ": " : "",
                                  n < 0 ? strerror(errno) : " (the file got shorter)");
                break;
            }
            got += (size_t)n;
        }
    }
    close(fd);
    return rc;
}

// Values longer than this are left in the bytes read (blocks.hh) until they are used: a sent
// object's pixel data goes from the file's bytes to the network without a copy into dcmtk.
static const Uint32 kLazyFrom = 64 * 1024;

// The transfer syntax dcmtk is to read the data set in: the one the walk followed. A syntax dcmtk
// knows and encodes so (JPEG Baseline, say) is passed as it is, so that encapsulated pixel data is
// recorded as such; anything else as the plain encoding the walk used.
static E_TransferSyntax walked_syntax(const dk_scan_result &scan)
{
    switch (scan.syntax) {
    case DK_SCAN_IMPLICIT_LE: return EXS_LittleEndianImplicit;
    case DK_SCAN_EXPLICIT_BE: return EXS_BigEndianExplicit;
    case DK_SCAN_DEFLATED_LE: return EXS_DeflatedLittleEndianExplicit;
    case DK_SCAN_EXPLICIT_LE: break;
    }
    DcmXfer named(scan.transfer_syntax);
    if (named.getXfer() != EXS_Unknown && named.isExplicitVR() && named.isLittleEndian() &&
        named.getStreamCompression() == ESC_none)
        return named.getXfer();
    return EXS_LittleEndianExplicit;
}

// dcmtk parses the very bytes scan.c walked (no second read of a file that could change), where
// and how the walk read them: the meta group from the bytes before the data set, the data set in
// the transfer syntax the walk followed. Left to itself, dcmtk would guess where the data set
// starts (a meta group length that disagrees with its elements) and how it is encoded (a transfer
// syntax it does not know, or none) by rules of its own, and read what the walk did not check.
static int parse_checked(const bytes_block &bytes, const dk_scan_result &scan, const char *path,
                         DcmFileFormat *ff, dk_error *err)
{
    OFCondition cond = EC_Normal;
    if (scan.has_meta) {
        block_stream meta(bytes, 0, scan.dataset_offset);
        ff->getMetaInfo()->transferInit();
        cond = ff->getMetaInfo()->read(meta, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
        ff->getMetaInfo()->transferEnd();
    }
    if (cond.good()) {
        block_stream in(bytes, scan.dataset_offset, bytes.len - scan.dataset_offset);
        // large values stay in `bytes` until used (blocks.hh); a deflated data set is inflated
        // by a filter whose positions are not the block's, so it is read into memory
        E_TransferSyntax xfer = walked_syntax(scan);
        in.set_lazy(xfer != EXS_DeflatedLittleEndianExplicit);
        ff->getDataset()->transferInit();
        cond = ff->getDataset()->read(in, xfer, EGL_noChange, kLazyFrom);
        ff->getDataset()->transferEnd();
    }
    if (cond.bad())
        return dk_error_set(err, DK_EFORMAT, "%s: not a readable DICOM file (%s)", path,
                            cond == EC_StreamNotifyClient ? "it ends too early" : cond.text());
    if (ff->getDataset()->card() == 0)
        return dk_error_set(err, DK_EFORMAT, "%s: no DICOM elements found", path);
    return DK_OK;
}

// Values are UTF-8 inside dicomkit. Text in another character set is decoded by charset.c (which,
// unlike dcmtk 3.6.7 on glibc, reads ISO 2022 Japanese); bytes the declared set does not allow
// become U+FFFD and the root keeps a note saying how many, so nothing that is not UTF-8 is ever
// handed out as UTF-8. An item's own SpecificCharacterSet applies below it.
static bool affected_by_charset(DcmEVR vr)
{
    return vr == EVR_PN || vr == EVR_LO || vr == EVR_SH || vr == EVR_ST || vr == EVR_LT ||
           vr == EVR_UC || vr == EVR_UT;
}

// The string VRs of the default repertoire only (PS3.5 6.1.2): no character set applies to them,
// yet a file may hold any bytes there.
static bool default_repertoire(DcmEVR vr)
{
    return vr == EVR_AE || vr == EVR_AS || vr == EVR_CS || vr == EVR_DA || vr == EVR_DS ||
           vr == EVR_DT || vr == EVR_IS || vr == EVR_TM || vr == EVR_UI || vr == EVR_UR;
}

static bool plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80 || s[i] == 0x1B)
            return false;
    return true;
}

// A value from the file quoted in a note: ASCII, one line (other bytes as \xNN).
static std::string printable(const std::string &s)
{
    std::string out;
    for (unsigned char c : s) {
        char hex[5];
        snprintf(hex, sizeof hex, "\\x%02X", c);
        out += c >= 0x20 && c < 0x7F ? std::string(1, (char)c) : std::string(hex);
    }
    return out;
}

static int to_utf8(dk_dataset *root, const char *path, dk_error *err)
{
    const char *scs = nullptr;
    root->item->findAndGetString(DCM_SpecificCharacterSet, scs, OFTrue);
    std::string declared = scs ? scs : "";
    std::vector<std::pair<DcmItem *, std::string>> todo{{root->item, declared}};
    std::string unknown;
    size_t replaced = 0, elements = 0;
    while (!todo.empty()) {
        DcmItem *item = todo.back().first;
        std::string charset = todo.back().second;
        todo.pop_back();
        const char *own = nullptr;
        if (item != root->item &&
            item->findAndGetString(DCM_SpecificCharacterSet, own, OFTrue).good() && own != nullptr) {
            charset = own;
            delete item->remove(DCM_SpecificCharacterSet); // the root's ISO_IR 192 covers it now
        }
        if (dk_charset_known(charset.data(), charset.size(), nullptr) != DK_OK) {
            unknown = charset; // read as if none were given: ASCII, and Latin-1 above 0x7F
            charset.clear();
        }
        for (DcmObject *o = item->nextInContainer(nullptr); o; o = item->nextInContainer(o)) {
            DcmElement *e = static_cast<DcmElement *>(o);
            if (e->ident() == EVR_SQ) {
                DcmSequenceOfItems *sq = static_cast<DcmSequenceOfItems *>(e);
                for (DcmObject *i = sq->nextInContainer(nullptr); i; i = sq->nextInContainer(i))
                    todo.push_back({static_cast<DcmItem *>(i), charset});
                continue;
            }
            char *raw = nullptr;
            Uint32 n = 0;
            bool text = affected_by_charset(e->ident());
            if (!(text || default_repertoire(e->ident())) || e->getString(raw, n).bad() ||
                raw == nullptr || plain_ascii(raw, n))
                continue;
            // a byte above 0x7F where only ASCII belongs (a UI, a CS) is read as ISO 8859-1, as
            // in a file without SpecificCharacterSet: what is handed out is UTF-8 all the same
            const std::string &set = text ? charset : std::string();
            char *utf8 = nullptr;
            size_t utf8_len = 0, bad = 0;
            int rc = dk_charset_to_utf8(set.data(), set.size(), DcmVR(e->getVR()).getVRName(), raw,
                                        n, &utf8, &utf8_len, &bad, err);
            if (rc != DK_OK)
                return rc;
            e->putString(utf8, (Uint32)utf8_len);
            free(utf8);
            replaced += bad;
            elements += bad ? 1 : 0;
        }
    }
    if (!declared.empty() || replaced > 0)
        root->item->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    char note[400];
    if (!unknown.empty()) {
        snprintf(note, sizeof note,
                 "%s: SpecificCharacterSet '%.64s' is not a defined term dicomkit knows; its "
                 "text was read as ASCII with ISO 8859-1 above 0x7F",
                 path, printable(unknown).c_str());
        root->notes += note;
    }
    if (replaced > 0) {
        snprintf(note, sizeof note,
                 "%s%s: %zu byte%s in %zu text element%s %s not valid in SpecificCharacterSet "
                 "'%.64s' and read as U+FFFD",
                 root->notes.empty() ? "" : "\n", path, replaced, replaced == 1 ? "" : "s",
                 elements, elements == 1 ? "" : "s", replaced == 1 ? "was" : "were",
                 printable(declared).c_str());
        root->notes += note;
    }
    touched(root);
    return DK_OK;
}

// File meta information (group 0002) inside the data set, where dcmtk leaves it when no meta
// header stands where one belongs, is dropped: the writer makes the meta header, and a second
// group 0002 in a written data set would be taken for it by the next reader.
static size_t drop_meta_in_dataset(DcmDataset *d)
{
    size_t dropped = 0;
    DcmObject *o = d->nextInContainer(nullptr);
    while (o != nullptr && o->getGTag() <= 0x0002) {
        DcmObject *next = d->nextInContainer(o);
        if (o->getGTag() == 0x0002) {
            delete d->remove(o);
            dropped++;
        }
        o = next;
    }
    return dropped;
}

// dcmtk parses sequences by recursion, about 1.4 KB of stack a level: the nesting limit may be
// raised, but not to where an 8 MB stack could overflow (6,000 levels did).
static int check_limits(const dk_read_limits &limits, const char *who, dk_error *err)
{
    if (limits.max_depth > DK_MAX_DEPTH_CAP)
        return dk_error_set(err, DK_EINVAL,
                            "%s: max_depth %u is more than %u, the nesting dcmtk's recursive "
                            "parser can take without running out of stack",
                            who, limits.max_depth, DK_MAX_DEPTH_CAP);
    return DK_OK;
}

// Walk, then parse, then convert the text: the one path every read takes.
static dk_dataset *read_checked(bytes_block &bytes, const char *name, const dk_read_limits &limits,
                                dk_error *err)
{
    dk_scan_result scan;
    if (dk_scan_dicom(bytes.data.get(), bytes.len, name, &limits, 0,
                      scan_is_sequence, nullptr, &scan, err) != DK_OK)
        return nullptr;
    std::unique_ptr<DcmFileFormat> ff(new DcmFileFormat());
    if (parse_checked(bytes, scan, name, ff.get(), err) != DK_OK)
        return nullptr;
    bytes = bytes_block(); // what is left of it belongs to the elements that read from it
    E_TransferSyntax xfer = ff->getDataset()->getOriginalXfer();
    if (xfer == EXS_Unknown)
        xfer = EXS_LittleEndianExplicit;
    size_t misplaced = drop_meta_in_dataset(ff->getDataset());
    dk_dataset *root = adopt_root(ff.release(), xfer);
    if (to_utf8(root, name, err) != DK_OK) {
        dk_dataset_free(root);
        return nullptr;
    }
    if (misplaced > 0) {
        char note[200];
        snprintf(note, sizeof note,
                 "%s%s: %zu file meta information element%s (group 0002) inside the data set "
                 "%s dropped",
                 root->notes.empty() ? "" : "\n", name, misplaced, misplaced == 1 ? "" : "s",
                 misplaced == 1 ? "was" : "were");
        root->notes += note;
    }
    return root;
}

dk_dataset *dk_dataset_read_limited(const char *path, const dk_read_limits *limits, dk_error *err)
{
    return guarded_ptr<dk_dataset>(err, path ? path : "read", [&]() -> dk_dataset * {
        init_dcmtk();
        if (path == nullptr || path[0] == '\0') {
            dk_error_set(err, DK_EINVAL, "read: empty path");
            return nullptr;
        }
        dk_read_limits resolved = dk_read_limits_resolve(limits);
        if (check_limits(resolved, path, err) != DK_OK)
            return nullptr;
        bytes_block bytes;
        if (read_input(path, resolved, &bytes, err) != DK_OK)
            return nullptr;
        return read_checked(bytes, path, resolved, err);
    });
}

dk_dataset *dk_dataset_read_bytes(const void *data, size_t len, const char *name,
                                  const dk_read_limits *limits, dk_error *err)
{
    const char *who = name ? name : "DICOM data";
    return guarded_ptr<dk_dataset>(err, who, [&]() -> dk_dataset * {
        init_dcmtk();
        dk_read_limits resolved = dk_read_limits_resolve(limits);
        if (check_limits(resolved, who, err) != DK_OK)
            return nullptr;
        if (len == 0) {
            dk_error_set(err, DK_EFORMAT, "%s: empty, not DICOM", who);
            return nullptr;
        }
        if ((uint64_t)len > resolved.max_file_bytes) {
            dk_error_set(err, DK_ELIMIT, "%s: %zu bytes, more than %llu (limit max_file_bytes)",
                         who, len, (unsigned long long)resolved.max_file_bytes);
            return nullptr;
        }
        bytes_block bytes = bytes_block::allocate(len); // the caller's buffer may go
        memcpy(bytes.data.get(), data, len);
        bytes.len = len;
        return read_checked(bytes, who, resolved, err);
    });
}

dk_dataset *dk_dataset_read(const char *path, dk_error *err)
{
    return dk_dataset_read_limited(path, nullptr, err);
}

const char *dk_dataset_notes(const dk_dataset *ds)
{
    if (ds == nullptr || ds->stale || ds->root->notes.empty())
        return nullptr;
    return ds->root->notes.c_str();
}

} // extern "C"

extern "C" {

int dk_file_peek(const char *path, char sop_class[65], char transfer_syntax[65], dk_error *err)
{
    sop_class[0] = transfer_syntax[0] = '\0';
    return guarded(err, path ? path : "peek", [&] {
        init_dcmtk();
        if (path == nullptr || path[0] == '\0')
            return dk_error_set(err, DK_EINVAL, "peek: empty path");
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            return dk_error_set(err, e == ENOENT ? DK_ENOENT : DK_EIO, "%s: %s", path, strerror(e));
        }
        struct stat st;
        bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        // the identifying attributes sit in the first few KB; read more only when they do not
        std::string prefix(regular ? (size_t)std::min<off_t>(st.st_size, 65536) : 0, '\0');
        ssize_t got = regular ? pread(fd, &prefix[0], prefix.size(), 0) : -1;
        close(fd);
        if (!regular)
            return dk_error_set(err, DK_EIO, "%s: not a regular file", path);
        if (got < 0 || (size_t)got != prefix.size())
            return dk_error_set(err, DK_EIO, "%s: read failed", path);
        dk_read_limits limits = dk_read_limits_resolve(nullptr);
        dk_scan_result scan;
        int rc = dk_scan_dicom((const unsigned char *)prefix.data(), prefix.size(), path, &limits,
                               0x00080016, scan_is_sequence, nullptr, &scan, err);
        if (rc != DK_OK && (off_t)prefix.size() < st.st_size) {
            bytes_block whole;
            if ((rc = read_input(path, limits, &whole, err)) != DK_OK)
                return rc;
            rc = dk_scan_dicom(whole.data.get(), whole.len, path, &limits,
                               0x00080016, scan_is_sequence, nullptr, &scan, err);
        }
        if (rc != DK_OK)
            return rc;
        if (scan.sop_class[0] == '\0')
            return dk_error_set(err, DK_EFORMAT, "%s: no SOPClassUID, not a storable object", path);
        snprintf(sop_class, 65, "%s", scan.sop_class);
        const char *ts = scan.transfer_syntax;
        if (ts[0] == '\0' || DcmXfer(ts).getXfer() == EXS_Unknown)
            ts = scan.syntax == DK_SCAN_IMPLICIT_LE   ? UID_LittleEndianImplicitTransferSyntax
                 : scan.syntax == DK_SCAN_EXPLICIT_BE ? UID_BigEndianExplicitTransferSyntax
                                                      : UID_LittleEndianExplicitTransferSyntax;
        snprintf(transfer_syntax, 65, "%s", ts);
        return (int)DK_OK;
    });
}

} // extern "C"

dk_dataset *dk_dataset_file_meta(dk_dataset *ds, dk_error *err)
{
    return dk::guarded_ptr<dk_dataset>(err, "file meta", [&]() -> dk_dataset * {
        if (ds == nullptr || ds->stale || ds->root != ds) {
            dk_error_set(err, DK_EINVAL, "file meta: only a root dataset has file meta information");
            return nullptr;
        }
        std::unique_ptr<DcmFileFormat> ff(new DcmFileFormat());
        DcmDataset *out = ff->getDataset();
        DcmMetaInfo *meta = ds->fileformat->getMetaInfo();
        for (unsigned long i = 0; meta != nullptr && i < meta->card(); i++) {
            DcmElement *e = meta->getElement(i);
            if (e == nullptr)
                continue;
            DcmElement *copy = OFstatic_cast(DcmElement *, e->clone());
            if (copy == nullptr || out->insert(copy, true).bad()) {
                delete copy;
                dk_error_set(err, DK_ENOMEM, "file meta: cannot copy an element");
                return nullptr;
            }
        }
        dk_dataset *h = dk::adopt_root(ff.get(), EXS_LittleEndianExplicit);
        ff.release();
        return h;
    });
}
