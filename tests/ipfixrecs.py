#!/usr/bin/python3
# tests/ipfixrecs.py DECODER FILE.ipfix...: decode IPFIX files with an
# independent decoder and print their data records (flow and options), one
# JSON object a line, in file order: {"tid": N, "IE": value, ...}.  With
# several files, each one's records go to FILE.json (FILE without .ipfix).
# Values are normalised so decoders compare: integers, addresses in
# canonical text, strings without NUL padding, times in milliseconds; empty
# strings are left out (tshark shows nothing for them).
# DECODER is "ipfixdump" (libfixbuf's ipfixDump) or "tshark" (Wireshark's
# PDML).  Exits 1, saying why on stderr, when the decoder complains.
import datetime
import ipaddress
import json
import subprocess
import sys
import xml.etree.ElementTree as ET


def fail(why):
    sys.stderr.write("ipfixrecs: %s\n" % why)
    sys.exit(1)


def ms_of(text):
    d = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")
    d = d.replace(tzinfo=datetime.timezone.utc)
    return int(round(d.timestamp() * 1000))


ADDR = {8, 12, 27, 28, 225, 226, 281, 282}
STRING = {82, 83, 236}
TIME = {152, 153}


def ipfixdump(path):
    p = subprocess.run(["ipfixDump", "--rfc5610", "-i", path],
                       capture_output=True, timeout=60)
    if p.stderr.strip():
        fail("ipfixDump: " + p.stderr.decode(errors="replace")[:300])
    rec = None
    out = []
    infields = False
    for raw in p.stdout.split(b"\n"):
        line = raw.decode("utf-8", errors="strict")
        if line.startswith("--- "):
            if rec is not None:
                out.append(rec)
            rec = {} if line.startswith("--- data record") else None
            infields = False
            continue
        if rec is None:
            continue
        if "tid:" in line and "count:" in line:
            rec["tid"] = int(line.split("tid:")[1].split()[0])
            continue
        if line.startswith("fields:"):
            infields = True
            continue
        if not infields or not line.startswith("\t("):
            continue
        ie = int(line[2:line.index(")")])
        val = line.split(" : ", 1)[1]
        if ie in STRING:
            # "(len: N) text"; the text stops at the first NUL.
            n = int(val[len("(len: "):val.index(")")])
            s = val[val.index(")") + 2:] if n else ""
            rec[str(ie)] = s
        elif ie in ADDR:
            rec[str(ie)] = str(ipaddress.ip_address(val.strip()))
        elif ie in TIME:
            rec[str(ie)] = ms_of(val.strip())
        else:
            rec[str(ie)] = int(val.strip())
    if rec is not None:
        out.append(rec)
    return out


# tshark field names -> IE numbers, for the fields we send.
TSHARK = {
    "cflow.srcaddr": 8, "cflow.dstaddr": 12, "cflow.srcaddrv6": 27,
    "cflow.dstaddrv6": 28, "cflow.post_natsource_ipv4_address": 225,
    "cflow.post_natdestination_ipv4_address": 226,
    "cflow.post_nat_source_ipv6_address": 281,
    "cflow.post_nat_destination_ipv6_address": 282,
    "cflow.srcport": 7, "cflow.dstport": 11, "cflow.protocol": 4,
    "cflow.tcpflags": 6, "cflow.packets64": 2, "cflow.packets": 2,
    "cflow.octets64": 1, "cflow.octets": 1, "cflow.abstimestart": 152,
    "cflow.abstimeend": 153, "cflow.direction": 61, "cflow.inputint": 10,
    "cflow.outputint": 14, "cflow.ingress_vrfid": 234,
    "cflow.egress_vrfid": 235, "cflow.drop_packets": 133,
    "cflow.od_id": 149, "cflow.if_name": 82, "cflow.if_descr": 83,
    "cflow.vrfname": 236,
}


def tshark_value(ie, f):
    hexval = f.get("value", "")
    raw = bytes.fromhex(hexval)
    if ie in ADDR:
        return str(ipaddress.ip_address(raw))
    if ie in STRING:
        return raw.split(b"\0")[0].decode("utf-8")
    return int.from_bytes(raw, "big")


def tshark_record(fields, rec):
    for f in fields:
        name = f.get("name")
        if name == "cflow.timedelta":
            tshark_record(list(f), rec)
        elif name == "" and f.get("show") == "Forwarding Status":
            rec["89"] = int(f.get("value"), 16)
        elif name in TSHARK:
            rec[str(TSHARK[name])] = tshark_value(TSHARK[name], f)
        elif name:
            rec["?" + name] = f.get("show")


def tshark(path):
    p = subprocess.run(["tshark", "-r", path, "-T", "pdml"],
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        fail("tshark: " + p.stderr.decode(errors="replace")[:300])
    out = []
    root = ET.fromstring(p.stdout)
    # Expert info (malformed packets, dissector warnings) is a failure.
    for el in root.iter():
        if (el.get("name") or "").startswith(("_ws.expert", "_ws.malformed")):
            fail("tshark: %s: %s" % (path, el.get("showname") or
                                     el.get("show") or el.get("name")))
    for packet in root.iter("packet"):
        for proto in packet.iter("proto"):
            if proto.get("name") != "cflow":
                continue
            for fs in proto:
                if fs.get("name") != "":
                    continue
                sid = None
                for f in fs:
                    if f.get("name") == "cflow.flowset_id":
                        sid = int(f.get("show").split("(")[-1].rstrip(")")
                                  if "(" in f.get("show") else f.get("show"))
                if sid is None or sid < 256:
                    continue
                for f in fs:
                    if f.get("name") == "" and \
                            (f.get("show") or "").startswith("Flow "):
                        rec = {"tid": sid}
                        tshark_record(list(f), rec)
                        out.append(rec)
    return out


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("ipfixdump", "tshark"):
        fail("usage: ipfixrecs.py ipfixdump|tshark FILE...")
    decode = ipfixdump if sys.argv[1] == "ipfixdump" else tshark
    for path in sys.argv[2:]:
        recs = [{k: v for k, v in r.items() if v != ""}
                for r in decode(path)]
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in recs)
        if len(sys.argv) == 3:
            sys.stdout.write(text)
        else:
            base = path[:-6] if path.endswith(".ipfix") else path
            with open(base + ".json", "w") as fp:
                fp.write(text)


main()
