#!/usr/bin/python3
"""tests/namesudp.py: oracles for t_names_udp.sh (standard library only).

  nfdump NAMES MAP ROWS LOG... [--suffix]
      ROWS is nfdump -6 -N -q -o 'fmt:%sa|%da|%in|%inam|%out|%onam|%ivrf|
      %ivrfnam|%evrf|%evrfnam' output.  Every exported line of the LOGs
      (header lines set the layout) must be one row, in order, with the
      interface and VRF numbers of the id MAP and the names that the man
      page promises from the NAMES file.  With --suffix the rows may be
      the last flows only (a collector that started late); at least one.
  refreshes PCAP REFRESHES
      In tshark's reading of PCAP, cut the frames at each template refresh
      (a frame whose Template Set holds every flow template of the run).
      There must be REFRESHES such cuts, and from the part where a name
      first appears on, every part must carry its interfaceName once and
      its VRFname twice (RFC and nfdump layouts).
  refreshed PCAP T0 SECS
      Exit 0 once SECS seconds have passed since the time T0 and the pcap
      (being written) holds templates in two distinct seconds.
  once RECORDS.json
      RECORDS.json is from tests/ipfixrecs.py: every options record of
      templates 65000-65003 names a different index (each once), and
      every interface and VRF index in the flow records is named in all
      the layouts of its table.
Prints the problems (at most 20) and exits 1 if there are any.
"""

import ipaddress
import json
import struct
import subprocess
import sys
import time

# fl2ipfix's labels for the pseudo-interfaces 1 and 2 (idmap.c).
PSEUDO = {
    1: ("ACCEPT", "traffic accepted by security groups and network ACLs"),
    2: ("REJECT", "traffic rejected by security groups or network ACLs"),
}
V2 = ("version account-id interface-id srcaddr dstaddr srcport dstport "
      "protocol packets bytes start end action log-status").split()
NFDUMP_TEXT = 63        # octets of text in the fixed 64-octet nfdump field

problems = []


def problem(msg):
    problems.append(msg)


def finish(okmsg):
    for p in problems[:20]:
        print(p)
    if len(problems) > 20:
        print("... %d problems in all" % len(problems))
    if not problems:
        print(okmsg)
    sys.exit(1 if problems else 0)


def cut(s, n):
    b = s.encode()
    return s if len(b) <= n else b[:n].decode("utf-8", errors="ignore")


def load_names(path):
    """id -> (Name, label), as NAMES FILE in fl2ipfix.1 says."""
    names = {}
    with open(path, encoding="utf-8") as fp:
        for line in fp:
            line = line.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            f = line.split("\t", 2) + ["", ""]
            ident = f[0]
            name = "" if f[1] == "None" else f[1]
            descr = "" if f[2] == "None" else f[2].replace("\t", " ")
            if ident in names:
                continue
            if name and descr and name != descr:
                label = "%s (%s)" % (name, descr)
            else:
                label = name or descr
            names[ident] = (name, label)
    return names


def load_map(path):
    m = {"if": {}, "vrf": {}}
    with open(path, encoding="ascii") as fp:
        for line in fp:
            f = line.split()
            if len(f) == 3 and f[0] in m and not f[2].endswith("#torn"):
                m[f[0]][f[2]] = int(f[1])
    return m


def flows(logs):
    """The exported lines of the logs as {field: value}, in order."""
    out = []
    for path in logs:
        cols = V2
        with open(path, encoding="utf-8") as fp:
            for line in fp:
                tok = line.split()
                if not tok:
                    continue
                if tok[0][0].islower():
                    cols = tok
                    continue
                rec = {c: v for c, v in zip(cols, tok) if v != "-"}
                if rec.get("log-status") in ("NODATA", "SKIPDATA"):
                    continue
                out.append(rec)
    return out


def expect_row(r, names, idmap):
    """The nfdump row a line must give (FIELD MAPPING in fl2ipfix.1)."""
    src = r.get("pkt-srcaddr", r.get("srcaddr"))
    dst = r.get("pkt-dstaddr", r.get("dstaddr"))
    tgw = "tgw-attachment-id" in r
    if tgw:
        a, b = r["tgw-attachment-id"], r["tgw-pair-attachment-id"]
        if r.get("flow-direction") == "egress":
            a, b = b, a
        vin, vout = r.get("tgw-src-vpc-id"), r.get("tgw-dst-vpc-id")
    else:
        a, b = r["interface-id"], None
        vin, vout = r.get("vpc-id"), None

    def intf(ident):
        if ident is None:
            return ["0", ""]
        idx = idmap["if"][ident]
        return [str(idx), cut(names.get(ident, ("", ""))[1] or ident,
                              NFDUMP_TEXT)]

    def vrf(ident):
        if ident is None:
            return ["0", ""]
        idx = idmap["vrf"][ident]
        return [str(idx), cut(names.get(ident, ("", ""))[0] or ident,
                              NFDUMP_TEXT)]

    out = intf(b)
    if not tgw:
        idx = 1 if r["action"] == "ACCEPT" else 2
        out = [str(idx), PSEUDO[idx][1]]
    return [str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst))] + \
        intf(a) + out + vrf(vin) + vrf(vout)


def cmd_nfdump(args):
    suffix = "--suffix" in args
    args = [a for a in args if a != "--suffix"]
    names, idmap = load_names(args[0]), load_map(args[1])
    rows = []
    with open(args[2], encoding="utf-8") as fp:
        for line in fp:
            if not line.strip():
                continue
            v = [x.strip() for x in line.rstrip("\n").split("|")]
            if len(v) != 10:
                problem("not a row: %r" % line)
                continue
            v[0] = str(ipaddress.ip_address(v[0]))
            v[1] = str(ipaddress.ip_address(v[1]))
            rows.append(v)
    want = [expect_row(r, names, idmap) for r in flows(args[3:])]
    if suffix:
        if not rows or len(rows) > len(want):
            problem("%d rows for %d flows" % (len(rows), len(want)))
        want = want[len(want) - len(rows):]
    elif len(rows) != len(want):
        problem("%d rows for %d flows" % (len(rows), len(want)))
    for n, (g, w) in enumerate(zip(rows, want), 1):
        if g != w:
            problem("row %d: %s, want %s" % (n, "|".join(g), "|".join(w)))
    finish("%d rows, every interface and VRF named" % len(rows))


def tshark_fields(path, fields):
    argv = ["tshark", "-r", path, "-T", "fields", "-E", "occurrence=a",
            "-E", "aggregator=|"]
    for f in fields:
        argv += ["-e", f]
    p = subprocess.run(argv, capture_output=True, timeout=60)
    err = [x for x in p.stderr.decode(errors="replace").splitlines()
           if not x.startswith('Running as user "root"')]
    if p.returncode != 0 or err:
        problem("tshark: %s" % " ".join(err)[:300])
        finish("")
    out = []
    for line in p.stdout.decode("utf-8").splitlines():
        v = line.split("\t")
        out.append([x.split("|") if x else [] for x in v])
    return out


def cmd_refreshes(args):
    path, want = args[0], int(args[1])
    frames = tshark_fields(path, ["frame.time_epoch", "cflow.flowset_id",
                                  "cflow.template_id", "cflow.if_name",
                                  "cflow.vrfname"])
    # Template ids of flow templates (not the options ones) per frame.
    flowtids = [set(int(t) for t in f[2] if int(t) < 65000) for f in frames]
    every = set().union(*flowtids) if flowtids else set()
    parts, starts = [[]], []
    for f, tids in zip(frames, flowtids):
        # A first-use copy holds one template: several mean a refresh.
        if len(every) > 1 and tids == every:
            parts.append([])
            starts.append(int(float(f[0][0])))
        parts[-1].append(f)
    if len(parts) - 1 != want:
        problem("%d refreshes in the pcap, the stats say %d" %
                (len(parts) - 1, want))
    if want < 2:
        problem("only %d refreshes" % want)
    if starts != sorted(set(starts)):
        problem("refreshes not a second apart: %s" % starts)
    first = {}
    for n, part in enumerate(parts):
        count = {}
        for f in part:
            for kind, vals in (("if", f[3]), ("vrf", f[4])):
                for v in vals:
                    count[(kind, v)] = count.get((kind, v), 0) + 1
        for key in count:
            first.setdefault(key, n)
        for key, n0 in first.items():
            times = 1 if key[0] == "if" else 2
            if n >= n0 and count.get(key, 0) != times:
                problem("%s name %s: %d times in part %d (%s), want %d" %
                        (key[0], key[1], count.get(key, 0), n,
                         "start" if n == 0 else "refresh at %d" %
                         starts[n - 1], times))
    if not any(k[0] == "if" for k in first) or \
            not any(k[0] == "vrf" for k in first):
        problem("no interface or no VRF names at all")
    finish("%d refreshes (seconds %s), each with %d interface and %d VRF "
           "names" % (len(starts), " ".join(map(str, starts)),
                      sum(1 for k in first if k[0] == "if"),
                      sum(1 for k in first if k[0] == "vrf")))


def cmd_refreshed(args):
    path, t0, secs = args[0], float(args[1]), float(args[2])
    if time.time() - t0 < secs:
        sys.exit(1)
    seen = set()
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        sys.exit(1)
    e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    p = 24
    while p + 16 <= len(data):
        sec, _, incl, _ = struct.unpack(e + "IIII", data[p:p + 16])
        pkt = data[p + 16:p + 16 + incl]
        p += 16 + incl
        if len(pkt) < incl:
            break
        off = 14 + (20 if pkt[12:14] == b"\x08\x00" else 40) + 8
        if len(pkt) >= off + 18 and pkt[off + 16:off + 18] == b"\x00\x02":
            seen.add(sec)
    sys.exit(0 if len(seen) >= 2 else 1)


def cmd_once(args):
    recs = [json.loads(x) for x in open(args[0])]
    keys = {65000: "10", 65001: "10", 65002: "234", 65003: "234"}
    named = {t: {} for t in keys}
    for r in recs:
        t = r["tid"]
        if t in keys:
            i = r.get(keys[t])
            named[t][i] = named[t].get(i, 0) + 1
    for t, m in named.items():
        for i, c in sorted(m.items()):
            if c != 1:
                problem("template %d: index %s named %d times" % (t, i, c))
    used_if, used_vrf = set(), set()
    for r in recs:
        if r["tid"] < 65000:
            used_if |= {r[k] for k in ("10", "14") if k in r}
            used_vrf |= {r[k] for k in ("234", "235") if k in r}
    for t, used in ((65000, used_if), (65001, used_if), (65002, used_vrf),
                    (65003, used_vrf)):
        if set(named[t]) != used:
            problem("template %d names %s, the flows use %s" %
                    (t, sorted(named[t]), sorted(used)))
    finish("%d interfaces and %d VRFs named once in each layout" %
           (len(used_if), len(used_vrf)))


def main():
    cmds = {"nfdump": cmd_nfdump, "refreshes": cmd_refreshes,
            "refreshed": cmd_refreshed, "once": cmd_once}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])


main()
