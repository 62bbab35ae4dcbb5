#!/usr/bin/env python3
"""tests/gen.py: random AWS flow logs, and what fl2ipfix makes of each line.

Writes a flow-log file (plain text or multi-member gzip) and a JSON
expectation file: for every input line its outcome (exported, nodata,
skipdata, header, blank, empty) and, for exported lines, the IPFIX values
fl2ipfix must send, by IANA element name.  Interface and VRF numbers are
fl2ipfix's own choice, so the expectation holds the AWS id strings; a
checker resolves the numbers through the options records (template 65000
interfaceName, 65002 VRFname).  Standard library only; the same --seed
always gives the same bytes.

Usage: gen.py [--seed N] [--profile NAME] [--lines N] [options] -o LOG -e EXP
"""

import argparse
import gzip
import ipaddress
import json
import random
import sys

# The VPC fields by the version that introduced them (AWS order).
VPC_FIELDS = [
    (2, "version account-id interface-id srcaddr dstaddr srcport dstport "
        "protocol packets bytes start end action log-status"),
    (3, "vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr"),
    (4, "region az-id sublocation-type sublocation-id"),
    (5, "pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"),
    (7, "ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn "
        "ecs-container-instance-id ecs-container-id ecs-second-container-id "
        "ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id"),
    (8, "reject-reason"),
    (9, "resource-id"),
    (10, "encryption-status"),
    (11, "instance-tag instance-tag-2 interface-tag interface-tag-2 asg-tag "
         "asg-tag-2 interface-type next-hop-interface-id next-hop-subnet-id "
         "next-hop-az-id next-hop-vpc-id next-hop-interface-type"),
]
FIELD_VERSION = {}
VPC_ALL = []
for _v, _names in VPC_FIELDS:
    for _n in _names.split():
        FIELD_VERSION[_n] = _v
        VPC_ALL.append(_n)
V2_DEFAULT = VPC_FIELDS[0][1].split()
V5_ALL = [f for f in VPC_ALL if FIELD_VERSION[f] <= 5]
EXTRA = {f for f in VPC_ALL if FIELD_VERSION[f] >= 7}

# The Transit Gateway default format (version 6), in AWS order.
TGW_DEFAULT = (
    "version resource-type account-id tgw-id tgw-attachment-id "
    "tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id "
    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni "
    "tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id "
    "srcaddr dstaddr srcport dstport protocol packets bytes start end "
    "log-status type packets-lost-no-route packets-lost-blackhole "
    "packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region "
    "flow-direction pkt-src-aws-service pkt-dst-aws-service").split()

# Fields whose presence makes a flow record (map_has_traffic in map.c).
TRAFFIC = ["srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr", "srcport",
           "dstport", "protocol", "packets", "bytes"]
LOST = ["packets-lost-no-route", "packets-lost-blackhole",
        "packets-lost-mtu-exceeded", "packets-lost-ttl-expired"]
# RFC 7270 forwardingStatus for each packets-lost-* field, in LOST order.
LOST_REASON = [131, 128, 133, 137]

PROFILES = {
    # name: layouts of the segments and default probabilities
    "v2": dict(segments=["v2-bare"]),
    "v2-header": dict(segments=["v2"]),
    "v5-custom": dict(segments=["v5-custom"]),
    "console": dict(segments=["console"]),
    "random": dict(segments=["random"]),
    "ipv6": dict(segments=["random", "v5-custom"], ipv6=0.9),
    "big": dict(segments=["v2", "v5-custom"], big=0.8),
    "tgw": dict(segments=["tgw"]),
    "tgw-custom": dict(segments=["tgw-custom"]),
    "mix": dict(segments=["v2-bare", "v2", "v5-custom", "console", "random",
                          "tgw", "tgw-custom", "random", "v2", "console"],
                shuffle=True, crlf=0.3, blank=0.04, special=0.05,
                big=0.3, ipv6=0.4, ws=0.05, repeat=1.2),
}


class Gen:
    def __init__(self, rng, a):
        self.rng = rng
        self.a = a
        r = rng
        hx = lambda n: "%0*x" % (n, r.getrandbits(4 * n))
        self.hx = hx
        self.enis = ["eni-" + hx(17) for _ in range(6)]
        self.vpcs = ["vpc-" + hx(17) for _ in range(4)]
        self.subnets = ["subnet-" + hx(17) for _ in range(5)]
        self.attach = ["tgw-attach-" + hx(17) for _ in range(5)]
        self.accounts = ["%012d" % r.randrange(10 ** 12) for _ in range(3)]
        self.accounts[0] = "0" + self.accounts[0][1:]   # leading zero
        self.tgws = ["tgw-" + hx(17) for _ in range(2)]

    # --- values -----------------------------------------------------------
    def addr(self, family):
        r = self.rng
        if family == 4:
            k = r.random()
            if k < 0.05:
                return r.choice(["0.0.0.0", "255.255.255.255", "127.0.0.1"])
            if k < 0.6:
                return str(ipaddress.IPv4Address(
                    (10 << 24) | r.randrange(1 << 24)))
            return str(ipaddress.IPv4Address(r.randrange(1 << 32)))
        k = r.random()
        if k < 0.05:
            return r.choice(["::", "::1", "fe80::1", "::ffff:10.1.2.3",
                             "ff02::1:ff00:1"])
        groups = [0x2001, 0xdb8] + [
            0 if r.random() < 0.45 else r.randrange(1 << 16)
            for _ in range(6)]
        v = 0
        for g in groups:
            v = (v << 16) | g
        return str(ipaddress.IPv6Address(v))

    def addr_text(self, s):
        """How the address is written: AWS writes compressed forms."""
        if ":" not in s:
            return s
        k = self.rng.random()
        if k < 0.1:
            return ipaddress.IPv6Address(s).exploded
        if k < 0.15:
            return s.upper()
        return s

    def counter(self):
        r = self.rng
        if r.random() < self.a.big:
            k = r.random()
            if k < 0.1:
                return (1 << 64) - 1
            if k < 0.2:
                return 1 << 32
            return r.randrange(1 << 32, 1 << 64)
        return r.choice([0, 1, r.randrange(1, 100), r.randrange(1, 10 ** 7)])

    def tag(self):
        return self.rng.choice(["web", "db%20primary", "caf%C3%A9", "café",
                                "日本", "team-a", "x=y", "arn:aws:x/y"])

    def extra(self):
        """The v7 to v11 fields: costly, so only when the layout has them."""
        r = self.rng
        return {
            "ecs-cluster-arn": "arn:aws:ecs:us-east-1:%s:cluster/c%d" % (
                self.accounts[1], r.randrange(3)),
            "ecs-cluster-name": "c%d" % r.randrange(3),
            "ecs-container-instance-arn": "arn:aws:ecs:us-east-1:%s:"
                "container-instance/c/%s" % (self.accounts[1], self.hx(32)),
            "ecs-container-instance-id": self.hx(32),
            "ecs-container-id": self.hx(64),
            "ecs-second-container-id": self.hx(64),
            "ecs-service-name": "svc-%d" % r.randrange(4),
            "ecs-task-definition-arn": "arn:aws:ecs:us-east-1:%s:"
                "task-definition/t:%d" % (self.accounts[1],
                                          r.randrange(1, 30)),
            "ecs-task-arn": "arn:aws:ecs:us-east-1:%s:task/c/%s" % (
                self.accounts[1], self.hx(32)),
            "ecs-task-id": self.hx(32),
            "reject-reason": r.choice(["BPA", "EC"]),
            "resource-id": "nat-" + self.hx(17),
            "encryption-status": str(r.randrange(4)),
            "instance-tag": self.tag(), "instance-tag-2": self.tag(),
            "interface-tag": self.tag(), "interface-tag-2": self.tag(),
            "asg-tag": self.tag(), "asg-tag-2": self.tag(),
            "interface-type": r.choice(["nat_gateway", "vpc_endpoint",
                                        "transit_gateway",
                                        "network_load_balancer"]),
            "next-hop-interface-id": r.choice(self.enis),
            "next-hop-subnet-id": r.choice(self.subnets),
            "next-hop-az-id": "euc1-az2",
            "next-hop-vpc-id": r.choice(self.vpcs),
            "next-hop-interface-type": "regional_nat_gateway",
        }

    def values(self, kind, family, need):
        """All field values of one flow (strings), before '-' is applied."""
        r = self.rng
        proto = r.choice([6, 6, 6, 17, 17, 1, 58, 47, 50, 0, 255,
                          r.randrange(256)])
        if proto in (6, 17) or r.random() < 0.1:
            sport, dport = r.randrange(65536), r.choice(
                [22, 80, 443, 53, 0, 65535, r.randrange(65536)])
        else:
            sport, dport = 0, 0
        start = r.choice([r.randrange(1_400_000_000, 1_900_000_000),
                          r.randrange(1_400_000_000, 1_900_000_000),
                          r.randrange(1_400_000_000, 1_900_000_000), 0,
                          4_102_444_800])
        end = start + r.randrange(0, 700)
        src, dst = self.addr(family), self.addr(family)
        psrc = src if r.random() < 0.6 else self.addr(family)
        pdst = dst if r.random() < 0.6 else self.addr(family)
        v = {
            "account-id": r.choice(self.accounts + ["unknown"]),
            "interface-id": r.choice(self.enis),
            "srcaddr": src, "dstaddr": dst,
            "pkt-srcaddr": psrc, "pkt-dstaddr": pdst,
            "srcport": str(sport), "dstport": str(dport),
            "protocol": str(proto),
            "packets": str(self.counter()), "bytes": str(self.counter()),
            "start": str(start), "end": str(end),
            "action": r.choice(["ACCEPT", "ACCEPT", "REJECT"]),
            "log-status": "OK",
            "vpc-id": r.choice(self.vpcs),
            "subnet-id": r.choice(self.subnets),
            "instance-id": "i-" + self.hx(17),
            "tcp-flags": str(r.choice([0, 1, 2, 3, 4, 18, 19, 20, 24,
                                       r.randrange(256)])),
            "type": r.choice(["IPv4" if family == 4 else "IPv6", "EFA"]
                             if r.random() < 0.05 else
                             ["IPv4" if family == 4 else "IPv6"]),
            "region": r.choice(["eu-central-1", "us-east-1",
                                "ap-southeast-2"]),
            "az-id": r.choice(["euc1-az1", "use1-az4", "apse2-az3"]),
            "sublocation-type": r.choice(["wavelength", "outpost",
                                          "localzone"]),
            "sublocation-id": "wlz-" + self.hx(8),
            "pkt-src-aws-service": r.choice(["AMAZON", "S3", "EC2",
                                             "DYNAMODB", "ROUTE53"]),
            "pkt-dst-aws-service": r.choice(["AMAZON", "S3",
                                             "CLOUDFRONT"]),
            "flow-direction": r.choice(["ingress", "egress"]),
            "traffic-path": str(r.randrange(1, 9)),
        }
        if need & EXTRA:
            v.update(self.extra())
        if kind == "tgw":
            att = r.sample(self.attach, 2)
            lost = [0, 0, 0, 0]
            if r.random() < 0.3:
                for i in range(4):
                    if r.random() < 0.5:
                        lost[i] = r.choice([1, r.randrange(1, 1000),
                                            r.randrange(1 << 60)])
            v.update({
                "version": "6",
                "resource-type": r.choice(["TransitGateway",
                                           "TransitGatewayAttachment"]),
                "tgw-id": r.choice(self.tgws),
                "tgw-attachment-id": att[0],
                "tgw-pair-attachment-id": att[1],
                "tgw-src-vpc-account-id": r.choice(self.accounts),
                "tgw-dst-vpc-account-id": r.choice(self.accounts),
                "tgw-src-vpc-id": r.choice(self.vpcs),
                "tgw-dst-vpc-id": r.choice(self.vpcs),
                "tgw-src-subnet-id": r.choice(self.subnets),
                "tgw-dst-subnet-id": r.choice(self.subnets),
                "tgw-src-eni": r.choice(self.enis),
                "tgw-dst-eni": r.choice(self.enis),
                "tgw-src-az-id": "euc1-az1",
                "tgw-dst-az-id": "euc1-az3",
            })
            for i, f in enumerate(LOST):
                v[f] = str(lost[i])
        return v


def mkrecord(g, layout, kind):
    """One data line's fields: name -> text, or None for '-'."""
    r, a = g.rng, g.a
    family = 6 if r.random() < a.ipv6 else 4
    v = g.values(kind, family, set(layout))
    if kind == "vpc":
        v["version"] = str(max(FIELD_VERSION[f] for f in layout
                               if f in FIELD_VERSION))
    rec = {f: v[f] for f in layout}
    k = r.random()
    if "log-status" in layout and k < a.special:
        # As AWS writes them: no traffic fields, no action.
        rec["log-status"] = r.choice(["NODATA", "SKIPDATA"])
        for f in TRAFFIC + ["action", "tcp-flags", "pkt-src-aws-service",
                            "pkt-dst-aws-service", "flow-direction",
                            "traffic-path"] + LOST:
            if f in rec:
                rec[f] = None
        if r.random() < 0.5:
            for f in ("start", "end"):
                if f in rec:
                    rec[f] = None
        return rec
    if k < a.special * 1.5:
        for f in TRAFFIC:
            if f in rec:
                rec[f] = None
    # '-' in random fields; pairs stay consistent.
    for f in list(rec):
        if f in ("srcport", "dstport", "start", "end", "version"):
            continue
        if r.random() < a.dash:
            rec[f] = None
    for pair in (("srcport", "dstport"), ("start", "end")):
        if r.random() < a.dash:
            for f in pair:
                if f in rec:
                    rec[f] = None
    if "log-status" in rec and rec["log-status"] is None and \
            r.random() < 0.5:
        rec["log-status"] = "OK"
    return rec


def expect_values(rec):
    """The IPFIX values of a line (map.c), or the line's outcome."""
    has = lambda f: rec.get(f) is not None
    ls = rec.get("log-status")
    if ls == "NODATA":
        return "nodata", None
    if ls == "SKIPDATA":
        return "skipdata", None
    if not any(has(f) for f in TRAFFIC):
        return "empty", None
    v = {}
    ip = ipaddress.ip_address
    src = rec["pkt-srcaddr"] if has("pkt-srcaddr") else \
        rec["srcaddr"] if has("srcaddr") else None
    dst = rec["pkt-dstaddr"] if has("pkt-dstaddr") else \
        rec["dstaddr"] if has("dstaddr") else None
    if src is not None:
        s = ip(src)
        v["sourceIPv%dAddress" % s.version] = str(s)
    if dst is not None:
        d = ip(dst)
        v["destinationIPv%dAddress" % d.version] = str(d)
    if src is not None and dst is not None and has("srcaddr") and \
            has("dstaddr") and (ip(src) != ip(rec["srcaddr"]) or
                                ip(dst) != ip(rec["dstaddr"])):
        s, d = ip(rec["srcaddr"]), ip(rec["dstaddr"])
        v["postNATSourceIPv%dAddress" % s.version] = str(s)
        v["postNATDestinationIPv%dAddress" % d.version] = str(d)
    if has("srcport"):
        v["sourceTransportPort"] = int(rec["srcport"])
        v["destinationTransportPort"] = int(rec["dstport"])
    if has("protocol"):
        v["protocolIdentifier"] = int(rec["protocol"])
    if has("tcp-flags"):
        v["tcpControlBits"] = int(rec["tcp-flags"])
    if has("packets"):
        v["packetDeltaCount"] = int(rec["packets"])
    if has("bytes"):
        v["octetDeltaCount"] = int(rec["bytes"])
    if has("start"):
        v["flowStartMilliseconds"] = int(rec["start"]) * 1000
        v["flowEndMilliseconds"] = int(rec["end"]) * 1000
    if has("flow-direction"):
        v["flowDirection"] = 1 if rec["flow-direction"] == "egress" else 0
    tgw = has("tgw-attachment-id") or has("tgw-pair-attachment-id")
    if tgw:
        fin, fout = "tgw-attachment-id", "tgw-pair-attachment-id"
        if rec.get("flow-direction") == "egress":
            fin, fout = fout, fin
        if has(fin):
            v["ingressInterface"] = rec[fin]
        if has(fout):
            v["egressInterface"] = rec[fout]
    elif has("interface-id"):
        v["ingressInterface"] = rec["interface-id"]
    if has("action"):
        acc = rec["action"] == "ACCEPT"
        v["forwardingStatus"] = 64 if acc else 129
        if not tgw:
            v["egressInterface"] = "ACCEPT" if acc else "REJECT"
    elif any(has(f) for f in LOST):
        total, most, which = 0, 0, -1
        for i, f in enumerate(LOST):
            if has(f):
                n = int(rec[f])
                total += n
                if n > most:
                    most, which = n, i
        v["droppedPacketDeltaCount"] = total
        v["forwardingStatus"] = 64 if which < 0 else LOST_REASON[which]
    vrf = "tgw-src-vpc-id" if tgw or not has("vpc-id") else "vpc-id"
    if has(vrf):
        v["ingressVRFID"] = rec[vrf]
    if has("tgw-dst-vpc-id"):
        v["egressVRFID"] = rec["tgw-dst-vpc-id"]
    return "exported", v


def make_layout(g, name):
    """(fields, kind, written header?) for a segment layout name."""
    r = g.rng
    if name == "v2-bare":
        return list(V2_DEFAULT), "vpc", False
    if name == "v2":
        return list(V2_DEFAULT), "vpc", True
    if name == "v5-custom":
        f = list(V5_ALL)
        r.shuffle(f)
        return f, "vpc", True
    if name in ("random", "console"):
        n = r.randrange(1, len(VPC_ALL) + 1)
        f = r.sample(VPC_ALL, n)
        if r.random() < 0.7:
            # Keep it useful: most layouts carry some traffic fields.
            for x in r.sample(TRAFFIC, r.randrange(1, len(TRAFFIC) + 1)):
                if x not in f:
                    f.append(x)
                    if x in ("srcport", "dstport"):
                        f.append("dstport" if x == "srcport" else "srcport")
            f = list(dict.fromkeys(f))
        for pair in (("srcport", "dstport"), ("start", "end")):
            if (pair[0] in f) != (pair[1] in f):
                f.append(pair[1] if pair[0] in f else pair[0])
        if name == "console":
            f.sort()
        else:
            r.shuffle(f)
        return f, "vpc", True
    if name == "tgw":
        return list(TGW_DEFAULT), "tgw", True
    if name == "tgw-custom":
        f = r.sample(TGW_DEFAULT, r.randrange(8, len(TGW_DEFAULT) + 1))
        for pair in (("srcport", "dstport"), ("start", "end")):
            if (pair[0] in f) != (pair[1] in f):
                f.append(pair[1] if pair[0] in f else pair[0])
        if "version" not in f:
            f.append("version")
        r.shuffle(f)
        return f, "tgw", True
    raise SystemExit("gen.py: unknown layout " + name)


def main():
    p = argparse.ArgumentParser(
        description="Random AWS flow logs and the IPFIX values fl2ipfix "
                    "must produce from them.")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", default="mix", choices=sorted(PROFILES),
                   help="v2: default layout, no header; v2-header; "
                        "v5-custom: all v2-v5 fields shuffled; console: "
                        "alphabetical subset of all VPC fields; random: "
                        "shuffled subset; ipv6: mostly IPv6; big: mostly "
                        "64-bit counters; tgw: TGW default; tgw-custom: "
                        "shuffled TGW subset; mix (default): segments of "
                        "all of them with repeated headers, blank lines, "
                        "CRLF, odd spacing")
    p.add_argument("--lines", type=int, default=200,
                   help="data lines (default 200)")
    p.add_argument("--ipv6", type=float, help="share of IPv6 flows")
    p.add_argument("--big", type=float,
                   help="share of counters past 2^32")
    p.add_argument("--dash", type=float, help="chance of '-' per field")
    p.add_argument("--special", type=float,
                   help="share of NODATA/SKIPDATA lines (and half as many "
                        "lines without traffic fields)")
    p.add_argument("--blank", type=float, help="share of blank lines")
    p.add_argument("--crlf", type=float, help="share of CRLF line ends")
    p.add_argument("--ws", type=float,
                   help="share of lines split by runs of spaces/tabs")
    p.add_argument("--repeat", type=float,
                   help="repeated header lines per segment, on average")
    p.add_argument("--segments", type=int,
                   help="number of layout segments (headers)")
    p.add_argument("--gzip-members", type=int, default=0,
                   help="write gzip cut into this many members (0: text)")
    p.add_argument("--headerless", action="store_true",
                   help="no header on the first segment; its layout is "
                        "printed on stdout as a -F FORMAT (${a} ${b} ...) and "
                        "kept in the expectation's args")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("-e", "--expect", required=True)
    a = p.parse_args()

    prof = PROFILES[a.profile]
    defaults = dict(ipv6=0.2, big=0.1, dash=0.08, special=0.03, blank=0.0,
                    crlf=0.0, ws=0.0, repeat=0.0)
    for k, d in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, prof.get(k, d))
    rng = random.Random(a.seed)
    g = Gen(rng, a)

    segs = list(prof["segments"])
    if prof.get("shuffle"):
        first = segs[0]
        rest = segs[1:]
        rng.shuffle(rest)
        segs = [first] + rest
    if a.segments:
        segs = [segs[i % len(segs)] for i in range(a.segments)]

    lines = []      # (text, outcome, values)
    args = []
    per_seg = max(1, a.lines // len(segs))
    for si, sname in enumerate(segs):
        if si > 0 and sname == "v2-bare":
            sname = "v2"    # a header-less layout only at the very start
        layout, kind, header = make_layout(g, sname)
        if si == 0 and a.headerless and header:
            header = False
            args = ["-F", " ".join("${%s}" % f for f in layout)]
        if header:
            lines.append((" ".join(layout), "header", None))
        for _ in range(per_seg):
            if rng.random() < a.blank:
                lines.append((rng.choice(["", " ", "\t", "  \t "]),
                              "blank", None))
            if rng.random() < a.repeat / per_seg:
                lines.append((" ".join(layout), "header", None))
            rec = mkrecord(g, layout, kind)
            outcome, vals = expect_values(rec)
            toks = ["-" if rec[f] is None else
                    g.addr_text(rec[f]) if "addr" in f else rec[f]
                    for f in layout]
            if rng.random() < a.ws:
                text = ""
                for i, t in enumerate(toks):
                    if i:
                        text += rng.choice([" ", "  ", "\t", " \t"])
                    text += t
                if rng.random() < 0.5:
                    text = rng.choice([" ", "\t"]) + text
                if rng.random() < 0.5:
                    text += rng.choice([" ", "\t "])
            else:
                text = " ".join(toks)
            lines.append((text, outcome, vals))

    out = bytearray()
    for i, (text, _, _) in enumerate(lines):
        out += text.encode("utf-8")
        last = i == len(lines) - 1
        if last and rng.random() < 0.3 and text.strip():
            break       # no final newline
        out += b"\r\n" if rng.random() < a.crlf else b"\n"
    data = bytes(out)
    if a.gzip_members > 0:
        cuts = sorted(rng.randrange(len(data) + 1)
                      for _ in range(a.gzip_members - 1))
        pieces, prev = [], 0
        for c in cuts + [len(data)]:
            pieces.append(data[prev:c])
            prev = c
        data = b"".join(gzip.compress(x, compresslevel=rng.choice([1, 6, 9]),
                                      mtime=0) for x in pieces)
    with open(a.output, "wb") as f:
        f.write(data)

    counts = {k: 0 for k in ("exported", "nodata", "skipdata", "header",
                             "blank", "empty")}
    recs = []
    for i, (_, outcome, vals) in enumerate(lines):
        counts[outcome] += 1
        e = {"n": i + 1, "outcome": outcome}
        if vals is not None:
            e["values"] = vals
        recs.append(e)
    exp = {"generator": "tests/gen.py", "seed": a.seed,
           "profile": a.profile, "args": args, "lines": len(lines),
           "counts": counts, "line": recs}
    # One line per input line, written piecewise: json's indenting
    # encoder is slow on big files.
    del exp["line"]
    with open(a.expect, "w", encoding="utf-8") as f:
        f.write(json.dumps(exp, ensure_ascii=False)[:-1] + ', "line": [\n')
        f.write(",\n".join(json.dumps(e, ensure_ascii=False) for e in recs))
        f.write("\n]}\n")
    if args:
        print(args[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
