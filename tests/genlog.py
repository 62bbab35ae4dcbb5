#!/usr/bin/python3
# tests/genlog.py: random flow logs for the tests (deterministic per seed).
#
#   genlog.py vpc SEED LINES ENI_LO ENI_HI VPC_LO VPC_HI [DELAY]
#       A VPC flow log (header line first) with ENIs and VPCs drawn from the
#       ranges, three accounts, both actions and directions.  With DELAY, one
#       line every DELAY seconds (a slow producer).
#   genlog.py tgw SEED FLOWS [--shuffle] [--no-header FORMATFILE]
#       A Transit Gateway log where every flow appears twice: at the
#       attachment where it enters (ingress, pair = where it leaves) and where
#       it leaves (egress, attachment and pair swapped), with the same
#       5-tuple, times and counters; sometimes egress first, sometimes another
#       flow in between.  Some IPv6, some lost packets (ties included), some
#       absent fields, a few NODATA lines.  --shuffle uses a random column
#       order instead of the TGW default; --no-header writes no header and
#       puts the layout, as a ${field} format, in FORMATFILE.
import random
import sys
import time

TGW_DEFAULT = (
    "version resource-type account-id tgw-id tgw-attachment-id "
    "tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id "
    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni "
    "tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id "
    "srcaddr dstaddr srcport dstport protocol packets bytes start end "
    "log-status type packets-lost-no-route packets-lost-blackhole "
    "packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region "
    "flow-direction pkt-src-aws-service pkt-dst-aws-service").split()


def vpc(args):
    seed, n, elo, ehi, vlo, vhi = (int(x) for x in args[:6])
    delay = float(args[6]) if len(args) > 6 else 0
    r = random.Random(seed)
    out = sys.stdout
    out.write("version account-id interface-id srcaddr dstaddr srcport "
              "dstport protocol packets bytes start end action log-status "
              "vpc-id flow-direction\n")
    for _ in range(n):
        e = r.randint(elo, ehi)
        v = r.randint(vlo, vhi)
        t = 1764201600 + r.randint(0, 86400)
        out.write("5 %s eni-%017x 10.%d.%d.%d 172.31.%d.%d %d %d 6 %d %d %d "
                  "%d %s OK vpc-%017x %s\n" % (
                      r.choice(("123456789012", "012345678901", "999")),
                      e, r.randint(0, 255), r.randint(0, 255),
                      r.randint(1, 254), r.randint(0, 255),
                      r.randint(1, 254), r.randint(1024, 65535),
                      r.choice((22, 443, 53)), r.randint(1, 10**6),
                      r.randint(40, 10**9), t, t + 60,
                      r.choice(("ACCEPT", "REJECT")), v,
                      r.choice(("ingress", "egress"))))
        if delay:
            out.flush()
            time.sleep(delay)


def tgw_flow(r, k):
    """The two records of flow k, as {field: value} (ingress first)."""
    att = ["tgw-attach-%017x" % i for i in range(6)]
    a, b = r.sample(att, 2)
    v6 = r.random() < 0.2
    proto = r.choice((6, 6, 17, 1))
    if v6:
        src = "2001:db8:%x::%x" % (r.randint(0, 0xffff), r.randint(1, 0xffff))
        dst = "2001:db8:ff:%x::%x" % (r.randint(0, 0xffff),
                                      r.randint(1, 0xffff))
    else:
        src = "10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255),
                               r.randint(1, 254))
        dst = "10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255),
                               r.randint(1, 254))
    t = 1764201600 + r.randint(0, 7200)
    f = {
        "version": "6", "resource-type": "TransitGateway",
        "account-id": "123456789012",
        "tgw-id": r.choice(("tgw-0123456789abcdef0", "tgw-0fedcba987654321f")),
        "tgw-src-vpc-account-id": "123456789012",
        "tgw-dst-vpc-account-id": r.choice(("123456789012", "000011112222")),
        "tgw-src-vpc-id": "vpc-%017x" % r.randint(0, 7),
        "tgw-dst-vpc-id": "vpc-%017x" % r.randint(0, 7),
        "tgw-src-subnet-id": "subnet-%017x" % r.randint(0, 20),
        "tgw-dst-subnet-id": "subnet-%017x" % r.randint(0, 20),
        "tgw-src-eni": "eni-%017x" % r.randint(0, 50),
        "tgw-dst-eni": "eni-%017x" % r.randint(0, 50),
        "tgw-src-az-id": "euc1-az1", "tgw-dst-az-id": "euc1-az2",
        "srcaddr": src, "dstaddr": dst,
        "srcport": str(r.randint(1024, 65535)) if proto != 1 else "0",
        "dstport": str(r.choice((443, 53, 5432))) if proto != 1 else "0",
        "protocol": str(proto),
        "packets": str(r.randint(1, 10**6)),
        "bytes": str(r.randint(40, 10**10)),
        "start": str(t), "end": str(t + r.randint(0, 60)),
        "log-status": "OK", "type": "IPv6" if v6 else "IPv4",
        "tcp-flags": str(r.choice((0, 2, 18, 19, 3))) if proto == 6 else "-",
        "region": "eu-central-1",
        "pkt-src-aws-service": "-", "pkt-dst-aws-service": "-",
    }
    if r.random() < 0.1:
        f["tgw-dst-vpc-id"] = "-"       # e.g. a VPN or peering attachment
    ing = dict(f, **{"tgw-attachment-id": a, "tgw-pair-attachment-id": b,
                     "flow-direction": "ingress"})
    egr = dict(f, **{"tgw-attachment-id": b, "tgw-pair-attachment-id": a,
                     "flow-direction": "egress"})
    lost = ["0", "0", "0", "0"]
    x = r.random()
    if x < 0.1:
        lost = ["-", "-", "-", "-"]
    elif x < 0.4:
        lost = [str(r.choice((0, 0, 1, 3, 7))) for _ in range(4)]
    for i, name in enumerate(("packets-lost-no-route",
                              "packets-lost-blackhole",
                              "packets-lost-mtu-exceeded",
                              "packets-lost-ttl-expired")):
        ing[name] = lost[i]
        egr[name] = "0" if lost[i] != "-" else "-"
    return ing, egr


def tgw(args):
    seed, nflows = int(args[0]), int(args[1])
    shuffle = "--shuffle" in args
    fmtfile = args[args.index("--no-header") + 1] \
        if "--no-header" in args else None
    r = random.Random(seed)
    cols = list(TGW_DEFAULT)
    if shuffle:
        r.shuffle(cols)
    recs = []
    pending = None
    for k in range(nflows):
        ing, egr = tgw_flow(r, k)
        first, second = (ing, egr) if r.random() < 0.8 else (egr, ing)
        recs.append(first)
        # Sometimes the second record comes after the next flow's first.
        if pending is not None:
            recs.append(pending)
            pending = None
        if r.random() < 0.2:
            pending = second
        else:
            recs.append(second)
        if r.random() < 0.03:
            recs.append({"version": "6", "resource-type": "TransitGateway",
                         "account-id": "123456789012",
                         "log-status": "NODATA"})
    if pending is not None:
        recs.append(pending)
    out = sys.stdout
    if fmtfile:
        with open(fmtfile, "w") as fp:
            fp.write(" ".join("${%s}" % c for c in cols) + "\n")
    else:
        out.write(" ".join(cols) + "\n")
    for rec in recs:
        out.write(" ".join(rec.get(c, "-") for c in cols) + "\n")


if sys.argv[1] == "vpc":
    vpc(sys.argv[2:])
elif sys.argv[1] == "tgw":
    tgw(sys.argv[2:])
else:
    sys.exit("usage: genlog.py vpc|tgw ...")
