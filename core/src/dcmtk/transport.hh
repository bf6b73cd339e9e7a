// The transport layer dicomkit installs on its associations (transport.cc).
#ifndef DICOMKIT_DCMTK_TRANSPORT_HH
#define DICOMKIT_DCMTK_TRANSPORT_HH

#include "internal.hh"

#include <dcmtk/dcmnet/assoc.h>

namespace dk {

// What the layer saw of an association's connection: its socket (-1 when there is none) and
// whether a read or write gave up because the socket's own timeout expired ("receiving",
// "sending"; dcmtk reports those as a plain I/O error, often with a stale errno).
struct transport_state {
    int socket = -1;
    const char *stalled = nullptr;
};

// Install a transport layer on `net` whose connections have Nagle's algorithm off from the
// first byte (the A-ASSOCIATE-RQ included) and this association's own send and receive
// timeouts, instead of dcmtk's process-wide ones. dcmtk's public hook for this is
// ASC_setTransportLayer; the network owns the layer afterwards. `state` must outlive `net`.
OFCondition install_transport(T_ASC_Network *net, int send_timeout, int receive_timeout,
                              transport_state *state);

// Call before ASC_abortAssociation: the A-ABORT PDU is then written only if the socket takes
// it at once, and reading ends, so that dcmtk does not wait (up to the ACSE timeout) for a
// peer that stopped answering to close the connection.
void abandon_connection(transport_state *state);

} // namespace dk

#endif
