#!/usr/bin/python3
# bench_py.py: the benchmark's Python peer: what a user would write with
# python3-ipfix to convert the same flow log (header line first) to IPFIX.
# Usage: bench_py.py FILE >OUT
import sys
from datetime import datetime
from ipaddress import ip_address

import ipfix.ie
import ipfix.message
import ipfix.template

ipfix.ie.use_iana_default()

COMMON = ["sourceTransportPort", "destinationTransportPort",
          "protocolIdentifier", "packetDeltaCount", "octetDeltaCount",
          "flowStartMilliseconds", "flowEndMilliseconds", "forwardingStatus",
          "ingressInterface", "egressInterface", "ingressVRFID"]
V4 = ["sourceIPv4Address", "destinationIPv4Address"] + COMMON
V6 = ["sourceIPv6Address", "destinationIPv6Address"] + COMMON


def main():
    out = sys.stdout.buffer
    msg = ipfix.message.MessageBuffer()
    tmpl = {4: ipfix.template.from_ielist(256, ipfix.ie.spec_list(V4)),
            6: ipfix.template.from_ielist(257, ipfix.ie.spec_list(V6))}
    ids = {}

    def begin():
        msg.begin_export(0)
        msg.add_template(tmpl[4])
        msg.add_template(tmpl[6])

    def idx(s):
        if s not in ids:
            ids[s] = len(ids) + 16
        return ids[s]

    # python3-ipfix wants naive UTC times.
    def ts(s):
        return datetime.utcfromtimestamp(int(s))

    begin()
    col = None
    with open(sys.argv[1]) as f:
        for line in f:
            v = line.split()
            if col is None:
                col = {name: i for i, name in enumerate(v)}
                continue
            if v[col["log-status"]] != "OK":
                continue
            src = v[col.get("pkt-srcaddr", col["srcaddr"])]
            if src == "-":
                src = v[col["srcaddr"]]
            dst = v[col.get("pkt-dstaddr", col["dstaddr"])]
            if dst == "-":
                dst = v[col["dstaddr"]]
            sa, da = ip_address(src), ip_address(dst)
            vpc = col.get("vpc-id")
            rec = (sa, da, int(v[col["srcport"]]), int(v[col["dstport"]]),
                   int(v[col["protocol"]]), int(v[col["packets"]]),
                   int(v[col["bytes"]]), ts(v[col["start"]]), ts(v[col["end"]]),
                   64 if v[col["action"]] == "ACCEPT" else 129,
                   idx(v[col["interface-id"]]),
                   1 if v[col["action"]] == "ACCEPT" else 2,
                   idx(v[vpc]) if vpc is not None else 0)
            setid = 256 if sa.version == 4 else 257
            for attempt in (0, 1):
                try:
                    msg.export_ensure_set(setid)
                    msg.export_tuple(rec)
                    break
                except ipfix.message.EndOfMessage:
                    msg.write_message(out)
                    begin()
    msg.write_message(out)


main()
