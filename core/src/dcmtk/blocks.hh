// Blocks of bytes that dcmtk reads element values from, held once and shared.
//
// dcmtk's public way to give an element a value it reads later is a stream factory
// (DcmElement::createValueFromTempFile, or DcmInputStream::newFactory while parsing): the
// element keeps the factory and, when its value is wanted (a getter, a write), creates a stream
// and reads from it. A factory over a block of ours lets a JPEG's bytes become its fragment
// without a copy, and a file's large values stay in the bytes read from the file until used:
// written straight from there when the object is sent or saved, never copied into dcmtk.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcistrma.h>
#include <dcmtk/dcmdata/dcistrmb.h>

#include <cstdlib>
#include <memory>
#include <new>

namespace dk {

// A block of bytes shared by the elements (and their clones) that read from it.
struct bytes_block {
    std::shared_ptr<unsigned char> data;
    size_t len = 0; // bytes in use
    size_t cap = 0; // bytes allocated

    // Not zero-filled: every byte in use is written before dcmtk reads it.
    static bytes_block allocate(size_t cap)
    {
        bytes_block b;
        b.data.reset(static_cast<unsigned char *>(malloc(cap ? cap : 1)), free);
        if (!b.data)
            throw std::bad_alloc();
        b.cap = cap;
        return b;
    }
};

// A stream over block[offset, offset + len) that keeps the block alive while dcmtk reads.
class block_stream : public DcmInputBufferStream {
  public:
    block_stream(const bytes_block &b, size_t offset, size_t len) : block_(b), offset_(offset)
    {
        setBuffer(b.data.get() + offset, (offile_off_t)len);
        setEos();
    }

    // When `lazy`, values longer than the parse's maxReadLength are left in the block: the
    // element keeps a factory for a stream that starts where its value does. Not for a stream
    // with a filter (deflate): its positions are not the block's.
    void set_lazy(bool lazy) { lazy_ = lazy; }
    DcmInputStreamFactory *newFactory() const override;

  private:
    bytes_block block_;
    size_t offset_;
    bool lazy_ = false;
};

class block_factory : public DcmInputStreamFactory {
  public:
    block_factory(const bytes_block &b, size_t offset, size_t len)
        : block_(b), offset_(offset), len_(len)
    {
    }
    DcmInputStream *create() const override { return new block_stream(block_, offset_, len_); }
    DcmInputStreamFactory *clone() const override { return new block_factory(*this); }
    // dcmtk asks only to tell the kinds apart; ours behaves as a temporary file's would
    DcmInputStreamFactoryType ident() const override { return DFT_DcmInputTempFileStreamFactory; }

  private:
    bytes_block block_;
    size_t offset_, len_;
};

inline DcmInputStreamFactory *block_stream::newFactory() const
{
    if (!lazy_)
        return nullptr; // dcmtk then reads the value into memory now
    size_t at = offset_ + (size_t)tell();
    return new block_factory(block_, at, block_.len - at);
}

} // namespace dk
