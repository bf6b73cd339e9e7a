// A DcmTransportLayer whose connections have TCP_NODELAY and per-association timeouts.
//
// Debian's dcmtk leaves Nagle's algorithm on: a small DIMSE command then waits for the peer's
// delayed acknowledgement, about 45 ms per object (measured: 200 HD objects over loopback,
// 9.4 s with Nagle, 0.43 s without). DUL calls createConnection right after connect(), before
// the association request is sent, so the option holds for the whole association.

#include "transport.hh"

#include <dcmtk/dcmnet/dcmlayer.h>
#include <dcmtk/dcmnet/dcmtrans.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace dk {

namespace {

class tuned_layer : public DcmTransportLayer {
  public:
    tuned_layer(int send_timeout, int receive_timeout)
        : send_timeout_(send_timeout), receive_timeout_(receive_timeout)
    {
    }

    DcmTransportConnection *createConnection(DcmNativeSocketType socket, OFBool secure) override
    {
        if (secure)
            return nullptr; // TLS comes with its own layer
        int one = 1;
        setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        // DcmTCPConnection sets dcmtk's global timeouts on the socket; ours replace them
        DcmTCPConnection *connection = new DcmTCPConnection(socket);
        set_timeout(socket, SO_SNDTIMEO, send_timeout_);
        set_timeout(socket, SO_RCVTIMEO, receive_timeout_);
        return connection;
    }

  private:
    static void set_timeout(DcmNativeSocketType socket, int option, int seconds)
    {
        if (seconds <= 0)
            return;
        struct timeval tv;
        tv.tv_sec = seconds;
        tv.tv_usec = 0;
        setsockopt(socket, SOL_SOCKET, option, &tv, sizeof tv);
    }

    int send_timeout_, receive_timeout_;
};

} // namespace

OFCondition install_transport(T_ASC_Network *net, int send_timeout, int receive_timeout)
{
    return ASC_setTransportLayer(net, new tuned_layer(send_timeout, receive_timeout), 1);
}

} // namespace dk
