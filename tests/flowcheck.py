#!/usr/bin/python3
# tests/flowcheck.py: the field mapping, written again from the documentation
# (COMMON.md, fl2ipfix.1 FIELD MAPPING), as an oracle for decoded output.
#
#   flowcheck.py [-F FORMAT] [-N NAMES]... [-m MAP] RECORDS.json LOG...
#       RECORDS.json comes from tests/ipfixrecs.py; more RECORDS.json LOG...
#       groups may follow (one output each, options shared).  Every exported line of
#       the LOGs (headers switch layouts; -F gives the starting layout) must
#       be one flow record, in order, with exactly the expected elements and
#       values; every interface and VRF index must be named by options
#       records (both layouts, once each, before its first use) that resolve
#       to the id on the input line; names come from the NAMES files; with
#       -m, the indexes must agree with the MAP file.
#   flowcheck.py --map MAP
#       MAP is a well-formed id map and a bijection per kind.
# Prints each problem (at most 20) and exits 1 if there were any.
import json
import sys

PRESETS = {
    "vpc-default": "version account-id interface-id srcaddr dstaddr srcport "
    "dstport protocol packets bytes start end action log-status",
    "tgw-default": "version resource-type account-id tgw-id tgw-attachment-id "
    "tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id "
    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni "
    "tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id "
    "srcaddr dstaddr srcport dstport protocol packets bytes start end "
    "log-status type packets-lost-no-route packets-lost-blackhole "
    "packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region "
    "flow-direction pkt-src-aws-service pkt-dst-aws-service",
}
RFC_IF, NF_IF, RFC_VRF, NF_VRF = 65000, 65001, 65002, 65003
NFDUMP_NAMELEN = 64
NAME_MAX = 255

problems = []


context = ""


def problem(msg):
    problems.append(context + msg)


def layout_of(fmt):
    if fmt in PRESETS:
        fmt = PRESETS[fmt]
    return fmt.replace("$", "").replace("{", "").replace("}", "").replace(
        "_", "-").split()


def is_header(tokens):
    return tokens and tokens[0][:1].isalpha() and tokens[0][0].islower() \
        and ("srcaddr" in tokens or "interface-id" in tokens or
             "version" in tokens)


def expected_lines(logs, fmt):
    """The exported lines: (file:line, {field: value}) in order."""
    out = []
    traffic = ("srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr", "srcport",
               "dstport", "protocol", "packets", "bytes")
    for path in logs:
        cols = layout_of(fmt)
        with open(path, encoding="utf-8") as fp:
            for n, line in enumerate(fp, 1):
                tok = line.split()
                if not tok:
                    continue
                if is_header(tok):
                    cols = tok
                    continue
                if len(tok) != len(cols):
                    problem("%s:%d: %d fields, layout has %d" %
                            (path, n, len(tok), len(cols)))
                    continue
                rec = {c: v for c, v in zip(cols, tok) if v != "-"}
                if rec.get("log-status") in ("NODATA", "SKIPDATA"):
                    continue
                if not any(f in rec for f in traffic):
                    continue
                out.append(("%s:%d" % (path, n), rec))
    return out


def load_names(paths):
    names = {}
    for path in paths:
        with open(path, encoding="utf-8") as fp:
            for line in fp:
                line = line.rstrip("\r\n")
                if not line or line.startswith("#"):
                    continue
                f = line.split("\t", 2) + ["", ""]
                ident, name, descr = f[0], f[1], f[2].replace("\t", " ")
                name = "" if name == "None" else name
                descr = "" if descr == "None" else descr
                if ident in names:
                    continue
                if name and descr and name != descr:
                    label = "%s (%s)" % (name, descr)
                else:
                    label = name or descr
                names[ident] = (name, label)
    return names


def cut(s, n):
    b = s.encode()
    if len(b) <= n:
        return s
    return b[:n].decode("utf-8", errors="ignore")


def load_map(path):
    kinds = {"if": ({}, {}), "vrf": ({}, {})}
    with open(path, encoding="ascii") as fp:
        lines = fp.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        if not line or line.startswith("#") or line.endswith("#torn"):
            continue
        f = line.split(" ")
        if len(f) != 3 or f[0] not in kinds or not f[1].isdigit():
            problem("%s:%d: not KIND INDEX ID: %r" % (path, n, line))
            continue
        byid, byidx = kinds[f[0]]
        idx = int(f[1])
        if f[2] in byid and byid[f[2]] != idx:
            problem("%s:%d: %s has %d and %d" % (path, n, f[2], byid[f[2]],
                                                 idx))
        if idx in byidx and byidx[idx] != f[2]:
            problem("%s:%d: %d is %s and %s" % (path, n, idx, byidx[idx],
                                                f[2]))
        if (f[0] == "if" and idx < 16) or (f[0] == "vrf" and idx < 1):
            problem("%s:%d: index %d is reserved" % (path, n, idx))
        byid[f[2]] = idx
        byidx[idx] = f[2]
    return kinds


def expect_flow(r):
    """The elements a line maps to; ids as ("if"/"vrf", id) to resolve."""
    e = {}
    src = r.get("pkt-srcaddr", r.get("srcaddr"))
    dst = r.get("pkt-dstaddr", r.get("dstaddr"))
    v6 = (src or dst or "").count(":") > 0
    if src is not None:
        e[27 if v6 else 8] = src
    if dst is not None:
        e[28 if v6 else 12] = dst
    if src is not None and dst is not None and "srcaddr" in r and \
            "dstaddr" in r and (r["srcaddr"] != src or r["dstaddr"] != dst):
        e[281 if v6 else 225] = r["srcaddr"]
        e[282 if v6 else 226] = r["dstaddr"]
    for name, ie in (("srcport", 7), ("dstport", 11), ("protocol", 4),
                     ("tcp-flags", 6), ("packets", 2), ("bytes", 1)):
        if name in r:
            e[ie] = int(r[name])
    if "start" in r:
        e[152] = int(r["start"]) * 1000
        e[153] = int(r["end"]) * 1000
    if "flow-direction" in r:
        e[61] = 0 if r["flow-direction"] == "ingress" else 1
    tgw = "tgw-attachment-id" in r or "tgw-pair-attachment-id" in r
    if tgw:
        a, b = r.get("tgw-attachment-id"), r.get("tgw-pair-attachment-id")
        if r.get("flow-direction") == "egress":
            a, b = b, a
        if a is not None:
            e[10] = ("if", a)
        if b is not None:
            e[14] = ("if", b)
    elif "interface-id" in r:
        e[10] = ("if", r["interface-id"])
    if "action" in r:
        e[89] = 64 if r["action"] == "ACCEPT" else 129
        if not tgw:
            e[14] = 1 if r["action"] == "ACCEPT" else 2
    else:
        lost = [r.get(k) for k in ("packets-lost-no-route",
                                   "packets-lost-blackhole",
                                   "packets-lost-mtu-exceeded",
                                   "packets-lost-ttl-expired")]
        if any(x is not None for x in lost):
            nums = [int(x) if x is not None else 0 for x in lost]
            e[133] = sum(nums)
            if sum(nums) == 0:
                e[89] = 64
            else:
                e[89] = (131, 128, 133, 137)[nums.index(max(nums))]
    vin = r.get("vpc-id") if not tgw and "vpc-id" in r else \
        r.get("tgw-src-vpc-id")
    if vin is not None:
        e[234] = ("vrf", vin)
    if "tgw-dst-vpc-id" in r:
        e[235] = ("vrf", r["tgw-dst-vpc-id"])
    return e


def check(records, logs, fmt, names, mapfile, domain):
    lines = expected_lines(logs, fmt)
    tables = {RFC_IF: {}, NF_IF: {}, RFC_VRF: {}, NF_VRF: {}}
    flows = []
    for rec in records:
        tid = rec.pop("tid")
        if tid in (RFC_IF, RFC_VRF):
            key = 10 if tid == RFC_IF else 234
            t = tables[tid]
            if rec[str(key)] in t:
                problem("options %d: index %d named twice" %
                        (tid, rec[str(key)]))
            t[rec[str(key)]] = rec
        elif tid in (NF_IF, NF_VRF):
            key = 10 if tid == NF_IF else 234
            if rec.get("149") != domain:
                problem("options %d: observationDomainId %s, want %d" %
                        (tid, rec.get("149"), domain))
            if rec[str(key)] in tables[tid]:
                problem("options %d: index %d named twice" %
                        (tid, rec[str(key)]))
            tables[tid][rec[str(key)]] = rec
        else:
            # Indexes must be named before the first record using them.
            for ie, rfc, nf in ((10, RFC_IF, NF_IF), (14, RFC_IF, NF_IF),
                                (234, RFC_VRF, NF_VRF),
                                (235, RFC_VRF, NF_VRF)):
                v = rec.get(str(ie))
                if v is not None and (v not in tables[rfc] or
                                      v not in tables[nf]):
                    problem("flow %d: %d=%d used before its options "
                            "records" % (len(flows) + 1, ie, v))
            flows.append(rec)
    if len(flows) != len(lines):
        problem("%d flow records for %d exported lines" %
                (len(flows), len(lines)))

    def ifname(idx):
        o = tables[RFC_IF].get(idx)
        return o.get("82") if o else None

    def vrfname(idx):
        o = tables[RFC_VRF].get(idx)
        return o.get("236", "") if o else None

    # Names of ids: VRF options carry the Name, so map indexes by the flows.
    vrf_ids = {}
    for (where, r), f in zip(lines, flows):
        want = expect_flow(r)
        got = {int(k): v for k, v in f.items()}
        if set(got) != set(want):
            problem("%s: elements %s, want %s" %
                    (where, sorted(got), sorted(want)))
            continue
        for ie, w in want.items():
            g = got[ie]
            if isinstance(w, tuple):
                kind, ident = w
                if kind == "if":
                    if ifname(g) != ident:
                        problem("%s: %d=%d is %r, want %r" %
                                (where, ie, g, ifname(g), ident))
                else:
                    if g in vrf_ids and vrf_ids[g] != ident:
                        problem("%s: %d=%d is both %s and %s" %
                                (where, ie, g, vrf_ids[g], ident))
                    vrf_ids[g] = ident
                    name = names.get(ident, ("", ""))[0] or ident
                    if vrfname(g) != cut(name, NAME_MAX):
                        problem("%s: %d=%d is named %r, want %r (%s)" %
                                (where, ie, g, vrfname(g), name, ident))
            elif g != w:
                problem("%s: element %d is %r, want %r" % (where, ie, g, w))
    # Interface names in both layouts; different ids, different indexes.
    seen = {}
    for idx, o in tables[RFC_IF].items():
        ident = o.get("82")
        if ident in seen:
            problem("%s has indexes %d and %d" % (ident, seen[ident], idx))
        seen[ident] = idx
        if idx in (1, 2):
            if ident != ("ACCEPT" if idx == 1 else "REJECT") or \
                    not o.get("83", ""):
                problem("pseudo-interface %d named %r %r" %
                        (idx, ident, o.get("83", "")))
            want = o.get("83", "")
        else:
            want = cut(names.get(ident, ("", ""))[1], NAME_MAX)
            if o.get("83", "") != want:
                problem("interface %d (%s): description %r, want %r" %
                        (idx, ident, o.get("83", ""), want))
        nf = tables[NF_IF].get(idx)
        nfwant = cut(want or ident, NFDUMP_NAMELEN - 1)
        if nf is None or nf.get("83", "") != nfwant:
            problem("interface %d: nfdump layout %r, want %r" %
                    (idx, nf and nf.get("83", ""), nfwant))
    for idx, o in tables[RFC_VRF].items():
        nf = tables[NF_VRF].get(idx)
        if nf is None or nf.get("236", "") != cut(o.get("236", ""),
                                              NFDUMP_NAMELEN - 1):
            problem("vrf %d: nfdump layout %r, RFC layout %r" %
                    (idx, nf and nf.get("236", ""), o.get("236", "")))
    if set(tables[RFC_IF]) != set(tables[NF_IF]) or \
            set(tables[RFC_VRF]) != set(tables[NF_VRF]):
        problem("the two layouts name different indexes")
    if mapfile:
        m = load_map(mapfile)
        for idx, o in tables[RFC_IF].items():
            if idx >= 16 and m["if"][1].get(idx) != o.get("82"):
                problem("interface %d is %s here, %s in the map" %
                        (idx, o.get("82"), m["if"][1].get(idx)))
        for idx, ident in vrf_ids.items():
            if m["vrf"][1].get(idx) != ident:
                problem("vrf %d is %s here, %s in the map" %
                        (idx, ident, m["vrf"][1].get(idx)))
    return len(flows)


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--map":
        load_map(args[1])
    else:
        global context
        fmt, names, mapfile, domain, groups = "vpc-default", [], None, 0, []
        while args:
            a = args.pop(0)
            if a == "-F":
                fmt = args.pop(0)
            elif a == "-N":
                names.append(args.pop(0))
            elif a == "-m":
                mapfile = args.pop(0)
            elif a == "--domain":
                domain = int(args.pop(0))
            elif a.endswith(".json"):
                groups.append((a, []))
            else:
                groups[-1][1].append(a)
        n = 0
        for rfile, logs in groups:
            context = rfile + ": " if len(groups) > 1 else ""
            records = [json.loads(x) for x in open(rfile)]
            n += check(records, logs, fmt, load_names(names), mapfile,
                       domain)
        if not problems:
            print("%d flow records as documented" % n)
    for p in problems[:20]:
        print(p)
    if len(problems) > 20:
        print("... %d problems in all" % len(problems))
    sys.exit(1 if problems else 0)


main()
