#!/usr/bin/env python3
"""tests/outputs.py: helpers for t_udp.sh and t_pcap.sh (standard library only).

  gen N SEED                 distinct random v2 flow lines (IPv4 and IPv6) on stdout
  expect LOG                 the flows fl2ipfix must export, one canonical row each
  nfdump                     canonical rows from nfdump -o fmt output (TZ=UTC) on stdin
  pmacct CSV                 canonical rows from an nfacctd print-plugin CSV
  tshark                     canonical rows from `tshark -T json` on stdin
  pcapinfo PCAP              facts about a pcap as JSON: packets, largest UDP
                             payload, template times, flow records per second
  recv OUT SECS ADDR...      receive datagrams on each HOST:PORT ([V6]:PORT)
                             until SIGTERM (or SECS pass); then write one size
                             per line to OUT (OUT.ready once listening)

A canonical row is sa|da|sp|dp|pr|packets|bytes|start_ms|end_ms|in|out,
addresses normalised, rows sorted.  Interfaces: fl2ipfix numbers ENIs from
16 in the order they first appear, and sets egressInterface 1 (ACCEPT) or
2 (REJECT).
"""

import calendar
import csv
import ipaddress
import json
import random
import select
import signal
import socket
import struct
import sys
import time

HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport "
          "protocol packets bytes start end action log-status")


def row(sa, da, sp, dp, pr, pkt, byt, ts, te, i, o):
    return "|".join(str(x) for x in (
        ipaddress.ip_address(sa.strip()), ipaddress.ip_address(da.strip()),
        int(sp), int(dp), int(pr), int(pkt), int(byt), int(ts), int(te),
        int(i), int(o)))


def gen(n, seed):
    rnd = random.Random(seed)
    enis = ["eni-%017x" % rnd.getrandbits(68) for _ in range(5)]
    print(HEADER)
    seen = set()
    t0 = 1764201600
    while len(seen) < n:
        if rnd.random() < 0.3:
            sa = "2001:db8:%x::%x" % (rnd.randrange(1, 16), rnd.randrange(1, 65536))
            da = "2001:db8:ff::%x" % rnd.randrange(1, 65536)
        else:
            sa = "10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256),
                                  rnd.randrange(1, 255))
            da = "172.31.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
        sp, dp = rnd.randrange(1024, 65536), rnd.choice([22, 53, 80, 443, 5432])
        pr = rnd.choice([6, 17])
        if (sa, da, sp, dp, pr) in seen:
            continue
        seen.add((sa, da, sp, dp, pr))
        pkt = rnd.randrange(1, 1000000)
        byt = pkt * rnd.randrange(40, 1501)
        if rnd.random() < 0.05:
            byt += 1 << 33          # past 32 bits
        start = t0 + rnd.randrange(3600)
        end = start + rnd.randrange(61)
        print("2 123456789012 %s %s %s %d %d %d %d %d %d %d %s OK" % (
            rnd.choice(enis), sa, da, sp, dp, pr, pkt, byt, start, end,
            rnd.choice(["ACCEPT", "REJECT"])))


def expect(path):
    ifs, rows = {}, []
    with open(path) as f:
        for line in f:
            v = line.split()
            if not v or v[0] == "version":
                continue
            ifs.setdefault(v[2], 16 + len(ifs))
            rows.append(row(v[3], v[4], v[5], v[6], v[7], v[8], v[9],
                            int(v[10]) * 1000, int(v[11]) * 1000, ifs[v[2]],
                            1 if v[12] == "ACCEPT" else 2))
    return rows


def ms(text, fmt):
    """Milliseconds since the epoch of a UTC time with a fraction."""
    text = " ".join(text.split())
    whole, _, frac = text.partition(".")
    frac = frac.split()[0] if frac else "0"
    t = calendar.timegm(time.strptime(whole, fmt))
    return t * 1000 + int((frac + "000")[:3])


def from_nfdump(lines):
    rows = []
    for line in lines:
        v = line.split("|")
        if len(v) != 11:
            continue
        rows.append(row(v[0], v[1], v[2], v[3], v[4], v[5], v[6],
                        ms(v[7], "%Y-%m-%d %H:%M:%S"),
                        ms(v[8], "%Y-%m-%d %H:%M:%S"), v[9], v[10]))
    return rows


def from_pmacct(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append(row(r["SRC_IP"], r["DST_IP"], r["SRC_PORT"],
                            r["DST_PORT"], r["PROTOCOL"], r["PACKETS"],
                            r["BYTES"],
                            ms(r["TIMESTAMP_START"], "%Y-%m-%d %H:%M:%S"),
                            ms(r["TIMESTAMP_END"], "%Y-%m-%d %H:%M:%S"),
                            r["IN_IFACE"], r["OUT_IFACE"]))
    return rows


def flows_of(cflow):
    """The flow records (not options records) in one packet's cflow layer."""
    for k, v in cflow.items():
        if not k.startswith("Set ") or not isinstance(v, dict):
            continue
        sid = int(v.get("cflow.flowset_id", "0"))
        if sid < 256 or sid >= 65000:
            continue
        for fk, fv in v.items():
            if fk.startswith("Flow "):
                yield fv


def from_tshark(data):
    rows = []
    for pk in data:
        cflow = pk["_source"]["layers"].get("cflow")
        if cflow is None:
            continue
        for f in flows_of(cflow):
            td = f["cflow.timedelta_tree"]
            fmt = "%b %d, %Y %H:%M:%S"
            rows.append(row(
                f.get("cflow.srcaddr") or f["cflow.srcaddrv6"],
                f.get("cflow.dstaddr") or f["cflow.dstaddrv6"],
                f["cflow.srcport"], f["cflow.dstport"], f["cflow.protocol"],
                f["cflow.packets"], f["cflow.octets"],
                ms(td["cflow.abstimestart"].replace(" UTC", ""), fmt),
                ms(td["cflow.abstimeend"].replace(" UTC", ""), fmt),
                f["cflow.inputint"], f["cflow.outputint"]))
    return rows


def pcapinfo(path):
    """Walk the pcap ourselves: sizes, template sets, records per second."""
    info = {"packets": 0, "max_payload": 0, "template_times": [],
            "times": [], "flow_sets": 0, "udp_ports": []}
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        e = "<" if magic == 0xa1b2c3d4 else ">"
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                if ph:
                    info["truncated"] = True
                break
            sec, _, incl, _ = struct.unpack(e + "IIII", ph)
            pkt = f.read(incl)
            if len(pkt) < incl:
                info["truncated"] = True
                break
            info["packets"] += 1
            if sec not in info["times"]:
                info["times"].append(sec)
            et = struct.unpack("!H", pkt[12:14])[0]
            off = 14 + (20 if et == 0x0800 else 40)
            sp, dp, ulen = struct.unpack("!HHH", pkt[off:off + 6])
            if (sp, dp) not in [tuple(p) for p in info["udp_ports"]]:
                info["udp_ports"].append((sp, dp))
            msg = pkt[off + 8:off + ulen]
            info["max_payload"] = max(info["max_payload"], len(msg))
            mlen = struct.unpack("!H", msg[2:4])[0]
            assert mlen == len(msg), "message length != UDP payload"
            p = 16
            while p + 4 <= mlen:
                sid, slen = struct.unpack("!HH", msg[p:p + 4])
                if sid == 2 and sec not in info["template_times"]:
                    info["template_times"].append(sec)
                if 256 <= sid < 65000:
                    info["flow_sets"] += 1
                p += slen
    return info


def recv(out, limit, addrs):
    """Receive on every HOST:PORT ([V6]:PORT) until SIGTERM (or limit s)."""
    socks = []
    for a in addrs:
        host, _, port = a.rpartition(":")
        host = host.strip("[]")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((host, int(port)))
        socks.append(s)
    sizes = []

    def done(*_):
        with open(out, "w") as f:
            f.write("".join("%d\n" % n for n in sizes))
        sys.exit(0)

    signal.signal(signal.SIGTERM, done)
    with open(out + ".ready", "w"):
        pass
    deadline = time.time() + limit
    while time.time() < deadline:
        ready, _, _ = select.select(socks, [], [], 0.2)
        for s in ready:
            sizes.append(len(s.recv(70000)))
    done()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gen":
        gen(int(args[0]), int(args[1]))
        return
    if cmd == "recv":
        recv(args[0], float(args[1]), args[2:])
        return
    if cmd == "pcapinfo":
        print(json.dumps(pcapinfo(args[0])))
        return
    if cmd == "expect":
        rows = expect(args[0])
    elif cmd == "nfdump":
        rows = from_nfdump(sys.stdin)
    elif cmd == "pmacct":
        rows = from_pmacct(args[0])
    elif cmd == "tshark":
        rows = from_tshark(json.load(sys.stdin))
    else:
        sys.exit("outputs.py: unknown command " + cmd)
    print("\n".join(sorted(rows)))


if __name__ == "__main__":
    main()
