// The transport layer dicomkit installs on its associations (transport.cc).
#ifndef DICOMKIT_DCMTK_TRANSPORT_HH
#define DICOMKIT_DCMTK_TRANSPORT_HH

#include "internal.hh"

#include <dcmtk/dcmnet/assoc.h>

namespace dk {

// Install a transport layer on `net` whose connections have Nagle's algorithm off from the
// first byte (the A-ASSOCIATE-RQ included) and this association's own send and receive
// timeouts, instead of dcmtk's process-wide ones. dcmtk's public hook for this is
// ASC_setTransportLayer; the network owns the layer afterwards.
OFCondition install_transport(T_ASC_Network *net, int send_timeout, int receive_timeout);

} // namespace dk

#endif
