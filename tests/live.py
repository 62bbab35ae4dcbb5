#!/usr/bin/python3
"""live.py: a live feed (a pipe kept open, then quiet) is not held back.

fl2ipfix gets a few records (plain, or gzip sync-flushed) on a pipe it
keeps open; within a few seconds
(it pushes after one second of quiet input) the collector or the output
file must hold every one of them, while the pipe is still open.  Prints
"ok NAME" or "FAIL NAME: why" lines for tests/run.sh.
Usage: live.py FL2IPFIX TMPDIR   (FL2IPFIX_WRAP in the environment wraps it)
"""
import os
import socket
import struct
import subprocess
import sys
import time
import zlib

WAIT = 20.0     # seconds: generous for valgrind on a busy machine


def line(i):
    return (b"2 123456789012 eni-%d 10.0.0.%d 10.0.1.%d %d 443 6 %d %d "
            b"1700000000 1700000060 ACCEPT OK\n" % (i % 3, i % 250 + 1,
                                                   i % 250 + 1, 1024 + i,
                                                   i + 1, 40 * (i + 1)))


class Counter:
    """Counts flow data records in IPFIX messages (templates learned)."""

    def __init__(self):
        self.reclen = {}
        self.records = 0

    def message(self, m):
        if len(m) < 16 or struct.unpack("!H", m[:2])[0] != 10:
            raise ValueError("not an IPFIX message")
        off = 16
        while off + 4 <= len(m):
            sid, slen = struct.unpack("!HH", m[off:off + 4])
            body = m[off + 4:off + slen]
            if sid == 2:
                p = 0
                while p + 4 <= len(body):
                    tid, nf = struct.unpack("!HH", body[p:p + 4])
                    p += 4
                    n = 0
                    for _ in range(nf):
                        ie, fl = struct.unpack("!HH", body[p:p + 4])
                        p += 8 if ie & 0x8000 else 4
                        n += fl
                    self.reclen[tid] = n
            elif sid >= 256 and sid < 65000 and sid in self.reclen:
                self.records += len(body) // self.reclen[sid]
            off += slen

    def stream(self, data):
        off = 0
        while off + 4 <= len(data):
            n = struct.unpack("!H", data[off + 2:off + 4])[0]
            if n < 16 or off + n > len(data):
                break
            self.message(data[off:off + n])
            off += n


def collect(s, c, want):
    """Count records from socket s into c until want, or WAIT seconds."""
    t = time.time()
    while c.records < want and time.time() - t < WAIT:
        try:
            c.message(s.recv(65535))
        except socket.timeout:
            pass
    return c.records == want


def collector():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    return s, "127.0.0.1:%d" % s.getsockname()[1]


def start(args):
    wrap = os.environ.get("FL2IPFIX_WRAP", "").split()
    return subprocess.Popen(wrap + args, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def finish(name, p, problem):
    p.stdin.close()
    try:
        p.wait(WAIT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        problem = problem or "did not end after its input did"
    err = p.stderr.read().decode(errors="replace")
    if not problem and p.returncode != 0:
        problem = "exit status %d: %s" % (p.returncode, err[:300])
    print("FAIL %s: %s" % (name, problem) if problem else "ok " + name)


def live_feed(fl, name, batches, encode=lambda b: b, end=lambda: b""):
    """Batches of records to a UDP collector, each counted on arrival
    while the pipe stays open; encode turns a batch into what is written,
    end() gives what is written before the pipe closes."""
    s, addr = collector()
    p = start([fl, "-d", addr])
    c = Counter()
    problem = None
    sent = 0
    for batch in batches:
        p.stdin.write(encode(b"".join(line(sent + i) for i in range(batch))))
        p.stdin.flush()
        sent += batch
        if not collect(s, c, sent):
            problem = ("%d of %d records arrived while the pipe stayed "
                       "open" % (c.records, sent))
            break
    p.stdin.write(end())
    finish(name, p, problem)


def live_gzip(fl):
    """gzip on a pipe: each batch sync-flushed, so it can be inflated."""
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    live_feed(fl, "live-gzip", (6, 2),
              lambda b: z.compress(b) + z.flush(zlib.Z_SYNC_FLUSH),
              z.flush)


def live_file(fl, tmp):
    out = os.path.join(tmp, "live.ipfix")
    p = start([fl, "-o", out])
    p.stdin.write(b"".join(line(i) for i in range(4)))
    p.stdin.flush()
    t = time.time()
    got = 0
    while time.time() - t < WAIT:
        time.sleep(0.2)
        c = Counter()
        with open(out, "rb") as f:
            c.stream(f.read())
        got = c.records
        if got == 4:
            break
    finish("live-file", p, None if got == 4 else
           "%d of 4 records in the file while the pipe stayed open" % got)


live_feed(sys.argv[1], "live-udp", (5, 3))
live_gzip(sys.argv[1])
live_file(sys.argv[1], sys.argv[2])
