"""A small DICOM peer for the network specs: the behaviours no real peer offers on demand.
It speaks just enough of the DICOM upper layer (PS3.8) by hand, no DICOM library: it accepts
every association (each proposed presentation context with its first transfer syntax),
answers C-ECHO and C-STORE with the statuses it is given, and A-RELEASE; and it records what
it received, one JSON object a line, flushed as it happens, for the spec to read.

usage: /usr/bin/python3 fake_scp.py RECORD [options]
  --host H            address to listen on (127.0.0.1; ::1 for IPv6)
  --mode M            normal   answer as above (the default)
                      silent   accept the TCP connection, read everything, never send a byte
                      mute     accept the association, then read everything and answer nothing
                      deaf     accept the association, then read nothing more (our writes
                               stall once the socket buffers are full)
                      garbage  accept the association, answer the first request with bytes
                               that are not a PDU
                      backlog  listen but never accept, with the accept queue filled first:
                               a connect then gets no answer at all
  --statuses S,S,...  C-STORE-RSP statuses (hex) for the stores of a connection in order; the
                      last one repeats (default 0000)
  --echo-status S     C-ECHO-RSP status (hex, default 0000)
  --abort-after N     answer N C-STOREs, then send an A-ABORT PDU for the next and close

Records ({"conn": n, "event": ...}; conn 0 for the listener):
  listening {port}                       the port is bound and listening (port 0 picks one)
  connect                                a TCP connection was accepted
  associate {called, calling, contexts}  an A-ASSOCIATE-RQ arrived (and was answered unless silent)
  echo {status}                          a C-ECHO-RQ arrived
  store {sop_class, sop_instance, bytes, status}   a complete C-STORE-RQ (command and data set)
  garbage / aborted-by-us                what this peer sent instead of an answer
  release                                an A-RELEASE-RQ arrived (answered with A-RELEASE-RP)
  abort {source, reason}                 an A-ABORT PDU arrived
  closed {abort_seen, release_seen, pdus}  the TCP connection ended; pdus: the PDU types seen
"""
import json
import socket
import struct
import sys
import threading
import time

APPLICATION_CONTEXT = b"1.2.840.10008.3.1.1.1"
IMPLEMENTATION_UID = b"1.2.826.0.1.3680043.10.543.7"


class Recorder:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()

    def __call__(self, conn, event, **fields):
        fields.update(conn=conn, event=event, time=time.time())
        with self.lock:
            self.file.write(json.dumps(fields) + "\n")
            self.file.flush()


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_pdu(sock):
    pdu_type, _, length = struct.unpack(">BBI", recv_exact(sock, 6))
    return pdu_type, recv_exact(sock, length)


def pdu(pdu_type, body):
    return struct.pack(">BBI", pdu_type, 0, len(body)) + body


def item(item_type, body):
    return struct.pack(">BBH", item_type, 0, len(body)) + body


def text(raw):
    return raw.rstrip(b"\0 ").decode("ascii", "replace")


def parse_associate_rq(body):
    called, calling = body[4:20], body[20:36]
    contexts, pos = [], 68
    while pos + 4 <= len(body):
        kind, _, length = struct.unpack(">BBH", body[pos:pos + 4])
        value = body[pos + 4:pos + 4 + length]
        pos += 4 + length
        if kind != 0x20:
            continue
        context = {"id": value[0], "abstract": None, "transfer": []}
        sub = 4
        while sub + 4 <= len(value):
            skind, _, slength = struct.unpack(">BBH", value[sub:sub + 4])
            svalue = text(value[sub + 4:sub + 4 + slength])
            sub += 4 + slength
            if skind == 0x30:
                context["abstract"] = svalue
            elif skind == 0x40:
                context["transfer"].append(svalue)
        contexts.append(context)
    return called, calling, contexts


def associate_ac(called, calling, contexts):
    body = struct.pack(">HH", 1, 0) + called + calling + b"\0" * 32
    body += item(0x10, APPLICATION_CONTEXT)
    for c in contexts:
        ts = c["transfer"][0].encode("ascii") if c["transfer"] else b""
        body += item(0x21, struct.pack(">BBBB", c["id"], 0, 0, 0) + item(0x40, ts))
    user = item(0x51, struct.pack(">I", 16384)) + item(0x52, IMPLEMENTATION_UID)
    user += item(0x55, b"FAKE_SCP")
    body += item(0x50, user)
    return pdu(0x02, body)


def parse_command(data):
    fields, pos = {}, 0
    while pos + 8 <= len(data):
        group, element, length = struct.unpack("<HHI", data[pos:pos + 8])
        value = data[pos + 8:pos + 8 + length]
        pos += 8 + length
        if group != 0:
            continue
        if element in (0x0100, 0x0110, 0x0800, 0x0900) and length == 2:
            fields[element] = struct.unpack("<H", value)[0]
        elif element in (0x0002, 0x1000):
            fields[element] = text(value)
    return fields


def element(tag, value):
    return struct.pack("<HHI", 0, tag, len(value)) + value


def uid_value(uid):
    raw = uid.encode("ascii")
    return raw + b"\0" if len(raw) % 2 else raw


def response(context_id, command_field, message_id, status, sop_class, sop_instance=None):
    rest = element(0x0002, uid_value(sop_class))
    rest += element(0x0100, struct.pack("<H", command_field))
    rest += element(0x0120, struct.pack("<H", message_id))
    rest += element(0x0800, struct.pack("<H", 0x0101))
    rest += element(0x0900, struct.pack("<H", status))
    if sop_instance is not None:
        rest += element(0x1000, uid_value(sop_instance))
    command = element(0x0000, struct.pack("<I", len(rest))) + rest
    pdv = struct.pack(">IBB", len(command) + 2, context_id, 0x03) + command
    return pdu(0x04, pdv)


class Connection:
    def __init__(self, sock, number, options, record):
        self.sock, self.n, self.o, self.record = sock, number, options, record
        self.stores = 0
        self.answered_requests = 0
        self.pdus = []
        self.abort_seen = self.release_seen = False

    def run(self):
        self.record(self.n, "connect")
        try:
            self.serve()
        except (EOFError, ConnectionError, OSError):
            pass
        finally:
            self.record(self.n, "closed", abort_seen=self.abort_seen,
                        release_seen=self.release_seen, pdus=self.pdus)
            self.sock.close()

    def drain(self):
        """Read PDUs (recording them) until the peer closes; answer nothing."""
        while True:
            self.handle_passively(*read_pdu(self.sock))

    def handle_passively(self, pdu_type, body):
        self.pdus.append(pdu_type)
        if pdu_type == 0x07:
            self.abort_seen = True
            self.record(self.n, "abort", source=body[2], reason=body[3])
            if self.o["mode"] == "normal":
                raise EOFError  # a peer that works closes the connection (PS3.8 AA-3)
        elif pdu_type == 0x05:
            self.release_seen = True
            self.record(self.n, "release")
        elif pdu_type == 0x01:
            called, calling, contexts = parse_associate_rq(body)
            self.record(self.n, "associate", called=text(called), calling=text(calling),
                        contexts=contexts, answered=False)

    def serve(self):
        mode = self.o["mode"]
        if mode == "silent":
            self.drain()
        pdu_type, body = read_pdu(self.sock)
        self.pdus.append(pdu_type)
        if pdu_type != 0x01:
            self.handle_passively(pdu_type, body)
            self.drain()
        called, calling, contexts = parse_associate_rq(body)
        self.record(self.n, "associate", called=text(called), calling=text(calling),
                    contexts=contexts, answered=True)
        self.sock.sendall(associate_ac(called, calling, contexts))
        if mode == "mute":
            self.drain()
        if mode == "deaf":
            while True:
                time.sleep(60)
        command, dataset, context_id = b"", 0, 0
        in_dataset = False
        while True:
            pdu_type, body = read_pdu(self.sock)
            if pdu_type != 0x04:
                self.handle_passively(pdu_type, body)
                if pdu_type == 0x05:
                    self.sock.sendall(pdu(0x06, b"\0\0\0\0"))
                continue
            self.pdus.append(pdu_type)
            pos = 0
            while pos + 6 <= len(body):
                length, context_id, control = struct.unpack(">IBB", body[pos:pos + 6])
                fragment = body[pos + 6:pos + 4 + length]
                pos += 4 + length
                last = control & 0x02
                if control & 0x01:
                    command += fragment
                    if not last:
                        continue
                    fields = parse_command(command)
                    if fields.get(0x0800, 0x0101) != 0x0101:
                        in_dataset = True
                        continue
                    self.answer(context_id, fields, 0)
                    command = b""
                else:
                    dataset += len(fragment)
                    if last and in_dataset:
                        self.answer(context_id, parse_command(command), dataset)
                        command, dataset, in_dataset = b"", 0, False

    def answer(self, context_id, fields, size):
        o = self.o
        if o["mode"] == "garbage":
            self.record(self.n, "garbage")
            self.sock.sendall(b"\xde\xad\xbe\xef" * 64)
            self.drain()
        field = fields.get(0x0100)
        message_id = fields.get(0x0110, 0)
        sop_class = fields.get(0x0002, "")
        if field == 0x0030:  # C-ECHO-RQ
            self.record(self.n, "echo", status=o["echo_status"])
            self.sock.sendall(response(context_id, 0x8030, message_id, o["echo_status"], sop_class))
        elif field == 0x0001:  # C-STORE-RQ
            sop_instance = fields.get(0x1000, "")
            if o["abort_after"] is not None and self.stores >= o["abort_after"]:
                self.record(self.n, "aborted-by-us", sop_instance=sop_instance)
                self.sock.sendall(pdu(0x07, b"\0\0\0\0"))
                self.sock.shutdown(socket.SHUT_RDWR)
                raise EOFError
            statuses = o["statuses"]
            status = statuses[min(self.stores, len(statuses) - 1)]
            self.stores += 1
            self.record(self.n, "store", sop_class=sop_class, sop_instance=sop_instance,
                        bytes=size, status=status)
            self.sock.sendall(response(context_id, 0x8001, message_id, status, sop_class,
                                       sop_instance))
        else:
            self.record(self.n, "unknown-command", field=field)


def main(argv):
    record = Recorder(argv[1])
    options = {"host": "127.0.0.1", "mode": "normal", "statuses": [0], "echo_status": 0,
               "abort_after": None}
    args = argv[2:]
    while args:
        name, value, args = args[0], args[1], args[2:]
        if name == "--host":
            options["host"] = value
        elif name == "--mode":
            options["mode"] = value
        elif name == "--statuses":
            options["statuses"] = [int(s, 16) for s in value.split(",")]
        elif name == "--echo-status":
            options["echo_status"] = int(value, 16)
        elif name == "--abort-after":
            options["abort_after"] = int(value)
        else:
            sys.exit("fake_scp.py: unknown option " + name)
    family = socket.AF_INET6 if ":" in options["host"] else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((options["host"], 0))
    port = server.getsockname()[1]
    if options["mode"] == "backlog":
        server.listen(0)
        fillers = []
        while True:  # fill the accept queue until a connect gets no answer
            c = socket.socket(family, socket.SOCK_STREAM)
            c.settimeout(0.3)
            try:
                c.connect((options["host"], port))
            except socket.timeout:
                c.close()
                break
            fillers.append(c)
        record(0, "listening", port=port, fillers=len(fillers))
        while True:
            time.sleep(60)
    server.listen(16)
    record(0, "listening", port=port)
    number = 0
    while True:
        sock, _ = server.accept()
        number += 1
        threading.Thread(target=Connection(sock, number, options, record).run, daemon=True).start()


if __name__ == "__main__":
    main(sys.argv)
