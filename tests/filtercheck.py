#!/usr/bin/python3
# tests/filtercheck.py: the record filters, written again from the
# documentation, as an oracle for --stats=json.
#
#   filtercheck.py STATS.json KEPT.log [FILTER OPTIONS] -- LOG...
#       FILTER OPTIONS are fl2ipfix's (-D, --action, --account, --vpc,
#       --interface, --since, --until, --dedup, --dedup-window, -F).
#       Checks the "lines", "outcomes", "exported" and "removed" objects of
#       STATS.json (one JSON object, fl2ipfix's stderr) against what the
#       filters must do to the LOGs, that the outcomes add up to the lines,
#       that removed.*.records add up to outcomes.filtered, and that
#       "removed" names exactly the configured filters.  Writes the lines
#       that must be exported, each under its header, to KEPT.log (for
#       tests/flowcheck.py).
import calendar
import ipaddress
import json
import sys
import time

ORDER = ("direction", "action", "account", "vpc", "interface", "since",
         "until", "dedup")
PRESETS = {
    "vpc-default": "version account-id interface-id srcaddr dstaddr srcport "
    "dstport protocol packets bytes start end action log-status",
}
TRAFFIC = ("srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr", "srcport",
           "dstport", "protocol", "packets", "bytes")


def when(s):
    if s.isdigit():
        return int(s)
    s = s.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S" if s.count(":") == 2 else "%Y-%m-%dT%H:%M"
    return calendar.timegm(time.strptime(s, fmt))


def parse_args(args):
    conf = {"lists": {"account": [], "vpc": [], "interface": []},
            "window": 262144, "format": "vpc-default"}
    on = set()
    while args and args[0] != "--":
        a = args.pop(0)
        if a in ("-D", "--direction"):
            conf["direction"] = args.pop(0)
            on.add("direction")
        elif a == "--action":
            conf["action"] = args.pop(0).upper()
            on.add("action")
        elif a in ("--account", "--vpc", "--interface"):
            conf["lists"][a[2:]].append(args.pop(0))
            on.add(a[2:])
        elif a in ("--since", "--until"):
            conf[a[2:]] = when(args.pop(0))
            on.add(a[2:])
        elif a == "--dedup":
            on.add("dedup")
        elif a == "--dedup-window":
            conf["window"] = int(args.pop(0))
        elif a == "-F":
            conf["format"] = args.pop(0)
        else:
            sys.exit("filtercheck: unknown option %s" % a)
    args.pop(0)
    return conf, on, args


def addr(r, pkt, ifc):
    v = r.get(pkt, r.get(ifc))
    return None if v is None else str(ipaddress.ip_address(v))


def flowkey(r):
    k = (addr(r, "pkt-srcaddr", "srcaddr"), addr(r, "pkt-dstaddr", "dstaddr"),
         r.get("srcport"), r.get("dstport"), r.get("protocol"),
         r.get("start"), r.get("end"), r.get("packets"), r.get("bytes"))
    if "tgw-attachment-id" in r or "tgw-pair-attachment-id" in r:
        pair = sorted([r.get("tgw-attachment-id") or "",
                       r.get("tgw-pair-attachment-id") or ""])
        k += (tuple(pair), r.get("tgw-id"))
    return k


def main():
    stats = json.loads(open(sys.argv[1]).read().strip().split("\n")[-1])
    keptfile = sys.argv[2]
    conf, on, logs = parse_args(sys.argv[3:])
    outcomes = dict.fromkeys(("exported", "filtered", "nodata", "skipdata",
                              "header", "blank", "empty", "malformed"), 0)
    removed = {f: [0, 0, 0] for f in on}
    exported = [0, 0, 0]
    lines = 0
    fifo, seen = [], set()
    kept = []
    for path in logs:
        cols = conf["format"]
        cols = PRESETS.get(cols, cols).replace("$", "").replace(
            "{", "").replace("}", "").split()
        header_out = None
        for line in open(path, encoding="utf-8"):
            lines += 1
            tok = line.split()
            if not tok:
                outcomes["blank"] += 1
                continue
            if tok[0][0].isalpha() and tok[0][0].islower():
                cols = tok
                header_out = line
                outcomes["header"] += 1
                continue
            r = {c: v for c, v in zip(cols, tok) if v != "-"}
            if r.get("log-status") in ("NODATA", "SKIPDATA"):
                outcomes[r["log-status"].lower()] += 1
                continue
            if not any(f in r for f in TRAFFIC):
                outcomes["empty"] += 1
                continue
            why = None
            if "direction" in on and "flow-direction" in r and \
                    r["flow-direction"] != conf["direction"]:
                why = "direction"
            elif "action" in on and "action" in r and \
                    r["action"] != conf["action"]:
                why = "action"
            elif "account" in on and \
                    r.get("account-id") not in conf["lists"]["account"]:
                why = "account"
            elif "vpc" in on and not any(
                    r.get(f) in conf["lists"]["vpc"] for f in
                    ("vpc-id", "tgw-src-vpc-id", "tgw-dst-vpc-id")):
                why = "vpc"
            elif "interface" in on and not any(
                    r.get(f) in conf["lists"]["interface"] for f in
                    ("interface-id", "tgw-attachment-id",
                     "tgw-pair-attachment-id")):
                why = "interface"
            elif "since" in on and ("end" not in r or
                                    int(r["end"]) < conf["since"]):
                why = "since"
            elif "until" in on and ("end" not in r or
                                    int(r["end"]) >= conf["until"]):
                why = "until"
            elif "dedup" in on:
                k = flowkey(r)
                if k in seen:
                    why = "dedup"
                else:
                    if len(fifo) == conf["window"]:
                        seen.discard(fifo.pop(0))
                    fifo.append(k)
                    seen.add(k)
            counts = (1, int(r.get("packets", 0)), int(r.get("bytes", 0)))
            if why:
                outcomes["filtered"] += 1
                removed[why] = [a + b for a, b in zip(removed[why], counts)]
            else:
                outcomes["exported"] += 1
                exported = [a + b for a, b in zip(exported, counts)]
                if header_out is not None:
                    kept.append(header_out)
                    header_out = None
                kept.append(line)
    with open(keptfile, "w") as fp:
        fp.writelines(kept)

    bad = []
    if stats["lines"] != lines:
        bad.append("lines %d, want %d" % (stats["lines"], lines))
    if sum(stats["outcomes"].values()) != stats["lines"]:
        bad.append("outcomes add up to %d, lines %d" %
                   (sum(stats["outcomes"].values()), stats["lines"]))
    if stats["outcomes"] != outcomes:
        bad.append("outcomes %s, want %s" % (stats["outcomes"], outcomes))
    got_ex = [stats["exported"][k] for k in ("records", "packets", "bytes")]
    if got_ex != exported:
        bad.append("exported %s, want %s" % (got_ex, exported))
    rem = stats.get("removed", {})
    if set(rem) != on:
        bad.append("removed lists %s, configured %s" %
                   (sorted(rem), sorted(on)))
    if sum(v["records"] for v in rem.values()) != \
            stats["outcomes"]["filtered"]:
        bad.append("removed records add up to %d, filtered %d" %
                   (sum(v["records"] for v in rem.values()),
                    stats["outcomes"]["filtered"]))
    for f in on:
        got = [rem.get(f, {}).get(k) for k in ("records", "packets", "bytes")]
        if got != removed[f]:
            bad.append("removed.%s %s, want %s" % (f, got, removed[f]))
    for b in bad:
        print(b)
    if not bad:
        print("%d lines: %s; removed %s" % (lines, outcomes, removed))
    sys.exit(1 if bad else 0)


main()
