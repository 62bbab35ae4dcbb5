#!/usr/bin/env python3
"""tests/decode.py: what independent decoders read from an IPFIX file.

Compares it with tests/gen.py's expectation.

Usage:
  decode.py pyipfix FILE.ipfix [--expect E.json] [--summary S.json] [--print]
  decode.py ipfixdump DUMP.txt [...]    (DUMP.txt: ipfixDump --rfc5610 -i FILE)
  decode.py tshark TSHARK.json [...]    (TSHARK.json: tshark -r FILE -T json)

Each decoder's view is turned into one list of records, IANA element name ->
value (integers; addresses in compressed text; times in milliseconds since
the epoch; strings).  Options records are checked and folded in: the
interface and VRF numbers of flow records are replaced by the names that the
options records (RFC layout 65000 interfaceName, 65002 VRFname) gave them,
after checking that each number was named before its first use, that no
number is named twice differently, that no name has two numbers, and that
the nfdump-layout copies (observationDomainId scope, NUL-padded names) say
the same.  With --expect, the flow records must equal the expectation's
exported lines one by one, in order, with exactly the same elements; with
--summary (ipfixcheck.py --json) the record counts must be the file's.
tshark's expert infos and malformed-packet marks are failures.  The
python3-ipfix decoder needs Debian's /usr/bin/python3 (run it under timeout:
it can hang on odd templates); the others use the standard library only.
Exit status: 0 when everything matches, 1 on a mismatch, 2 on usage or
input trouble.
"""

import argparse
import datetime
import ipaddress
import json
import re
import sys

EPOCH = datetime.datetime(1970, 1, 1)
IF_FIELDS = ("ingressInterface", "egressInterface")
VRF_FIELDS = ("ingressVRFID", "egressVRFID")
ADDR_FIELDS = {
    "sourceIPv4Address", "destinationIPv4Address", "sourceIPv6Address",
    "destinationIPv6Address", "postNATSourceIPv4Address",
    "postNATDestinationIPv4Address", "postNATSourceIPv6Address",
    "postNATDestinationIPv6Address",
}
PSEUDO_IF = {"ACCEPT": 1, "REJECT": 2}
TIME_FIELDS = {"flowStartMilliseconds", "flowEndMilliseconds"}
STRING_FIELDS = {"interfaceName", "interfaceDescription", "VRFname"}


class DecodeError(Exception):
    pass


def canon_addr(s):
    return str(ipaddress.ip_address(str(s).strip()))


def ms_of(dt):
    """A naive UTC datetime -> milliseconds since the epoch, rounded."""
    d = dt - EPOCH
    return (d.days * 86400 + d.seconds) * 1000 + \
        (d.microseconds + 500) // 1000


def normal(name, v):
    """One decoded value in the common form."""
    if name in ADDR_FIELDS:
        return canon_addr(v)
    if name in TIME_FIELDS:
        if isinstance(v, datetime.datetime):
            if v.tzinfo is not None:
                v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return ms_of(v)
        return int(v)
    if name in STRING_FIELDS:
        return str(v).rstrip("\x00")
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    return int(v)


# --- python3-ipfix -------------------------------------------------------

def read_pyipfix(path):
    try:
        import ipfix.ie
        import ipfix.reader
    except ImportError as e:
        raise DecodeError("python3-ipfix is not importable (%s); use "
                          "Debian's /usr/bin/python3 with python3-ipfix "
                          "installed" % e)
    ipfix.ie.use_iana_default()
    recs = []
    with open(path, "rb") as f:
        r = ipfix.reader.from_stream(f)
        for rec in r.namedict_iterator():
            recs.append({k: normal(k, v) for k, v in rec.items()})
    return recs


# --- ipfixDump (libfixbuf) ----------------------------------------------

_DUMP_FIELD = re.compile(r"^\t\((\d+(?:/\d+)?)\)(?: \(S\))?\s+(\S+) : (.*)$")
_DUMP_HDR = re.compile(r"^\s*count:\s*(\d+)\s+tid:\s*(\d+)")
_DUMP_STR = re.compile(r"^\(len: (\d+)\) ?(.*)$", re.S)
_DUMP_STATS = re.compile(r"File Stats: (\d+) Messages, (\d+) Data Records")


def dump_value(name, text):
    if name in STRING_FIELDS:
        m = _DUMP_STR.match(text)
        if m is None:
            raise DecodeError("ipfixDump: unexpected string form for %s: %r"
                              % (name, text))
        return m.group(2).rstrip("\x00")
    if name in TIME_FIELDS:
        dt = datetime.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S.%f")
        return ms_of(dt)
    return normal(name, text.strip())


def read_ipfixdump(path):
    """Records of an ipfixDump --rfc5610 listing (data records only)."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "surrogateescape")
    recs = []
    cur = None
    want = 0
    stats = None
    for line in text.split("\n"):
        if line.startswith("--- "):
            if cur is not None and len(cur) != want:
                raise DecodeError("ipfixDump: record %d has %d fields, its "
                                  "header says %d" % (len(recs), len(cur),
                                                      want))
            cur = None
            if line.startswith("--- data record"):
                cur = {}
                recs.append(cur)
            continue
        m = _DUMP_STATS.search(line)
        if m:
            stats = int(m.group(2))
        if cur is None:
            continue
        m = _DUMP_HDR.match(line)
        if m:
            want = int(m.group(1))
            continue
        m = _DUMP_FIELD.match(line)
        if m:
            name = m.group(2)
            if name in cur:
                raise DecodeError("ipfixDump: %s twice in record %d" % (
                    name, len(recs)))
            cur[name] = dump_value(name, m.group(3))
    if cur is not None and len(cur) != want:
        raise DecodeError("ipfixDump: last record has %d fields, its header "
                          "says %d" % (len(cur), want))
    if stats is None:
        raise DecodeError("ipfixDump: no \"File Stats\" line (did it stop "
                          "early?)")
    if stats != len(recs):
        raise DecodeError("ipfixDump: %d data records listed, its stats say "
                          "%d" % (len(recs), stats))
    return recs


# --- tshark -T json -----------------------------------------------------

class _Pairs(list):
    """A JSON object kept as its (key, value) pairs: tshark repeats keys."""


TSHARK_NAMES = {
    "cflow.srcaddr": "sourceIPv4Address",
    "cflow.dstaddr": "destinationIPv4Address",
    "cflow.srcaddrv6": "sourceIPv6Address",
    "cflow.dstaddrv6": "destinationIPv6Address",
    "cflow.post_natsource_ipv4_address": "postNATSourceIPv4Address",
    "cflow.post_natdestination_ipv4_address": "postNATDestinationIPv4Address",
    "cflow.post_nat_source_ipv6_address": "postNATSourceIPv6Address",
    "cflow.post_nat_destination_ipv6_address":
        "postNATDestinationIPv6Address",
    "cflow.srcport": "sourceTransportPort",
    "cflow.dstport": "destinationTransportPort",
    "cflow.protocol": "protocolIdentifier",
    "cflow.tcpflags": "tcpControlBits",
    "cflow.packets": "packetDeltaCount",
    "cflow.octets": "octetDeltaCount",
    "cflow.direction": "flowDirection",
    "cflow.inputint": "ingressInterface",
    "cflow.outputint": "egressInterface",
    "cflow.ingress_vrfid": "ingressVRFID",
    "cflow.egress_vrfid": "egressVRFID",
    "cflow.drop_packets": "droppedPacketDeltaCount",
    "cflow.od_id": "observationDomainId",
    "cflow.if_name": "interfaceName",
    "cflow.if_descr": "interfaceDescription",
    "cflow.vrfname": "VRFname",
}
# Derived display fields that carry no element of their own.
TSHARK_IGNORED = {"cflow.timedelta"}
_TS_TIME = re.compile(r"^(\w{3}) +(\d+), (\d+) (\d+):(\d+):(\d+)\.(\d+) UTC$")
_MONTHS = {m: i + 1 for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def tshark_time(s):
    m = _TS_TIME.match(s)
    if m is None:
        raise DecodeError("tshark: unexpected time form %r" % s)
    mon, day, year, hh, mm, ss, frac = m.groups()
    dt = datetime.datetime(int(year), _MONTHS[mon], int(day), int(hh),
                           int(mm), int(ss))
    return ms_of(dt) + int((frac + "000")[:3])


def tshark_flow(pairs, where):
    rec = {}

    def put(name, v):
        if name in rec:
            raise DecodeError("tshark: %s twice in %s" % (name, where))
        rec[name] = v

    for k, v in pairs:
        if k == "cflow.timedelta_tree":
            for kk, vv in v:
                if kk == "cflow.abstimestart":
                    put("flowStartMilliseconds", tshark_time(vv))
                elif kk == "cflow.abstimeend":
                    put("flowEndMilliseconds", tshark_time(vv))
            continue
        if k in TSHARK_IGNORED or k.endswith("_tree"):
            continue    # derived display fields and string lengths
        if k == "Forwarding Status":
            # The status (forwarded, dropped, consumed) and its reason code.
            d = dict(v)
            codes = [int(x) for kk, x in d.items() if kk.startswith(
                "cflow.forwarding_status_") and kk.endswith("_code")]
            if len(codes) > 1 or "cflow.forwarding_status" not in d:
                raise DecodeError("tshark: odd forwarding status %r in %s" %
                                  (d, where))
            put("forwardingStatus",
                (int(d["cflow.forwarding_status"]) << 6) |
                (codes[0] if codes else 0))
            continue
        name = TSHARK_NAMES.get(k)
        if name is None:
            raise DecodeError("tshark: unknown field %s in %s" % (k, where))
        if name == "tcpControlBits":
            put(name, int(v, 16))
        elif name in STRING_FIELDS:
            put(name, v.rstrip("\x00"))
        else:
            put(name, normal(name, v))
    # tshark leaves out empty strings.
    if "interfaceName" in rec and "interfaceDescription" not in rec:
        rec["interfaceDescription"] = ""
    return rec


def tshark_expert(o, where):
    """Raise on any expert info or malformed-packet mark in a subtree."""
    if isinstance(o, _Pairs):
        for k, v in o:
            if k.startswith("_ws.expert") or k.startswith("_ws.malformed"):
                raise DecodeError("tshark: %s in %s: %s" % (
                    k, where, json.dumps(v)[:300]))
            tshark_expert(v, where)
    elif isinstance(o, list):
        for x in o:
            tshark_expert(x, where)


def read_tshark(path):
    with open(path, "rb") as f:
        data = json.loads(f.read().decode("utf-8"), object_pairs_hook=_Pairs)
    for pi, pkt in enumerate(data):
        tshark_expert(pkt, "frame %d" % (pi + 1))
    recs = []
    for pi, pkt in enumerate(data):
        layers = dict(dict(pkt)["_source"])["layers"]
        layers = dict(layers)
        if "cflow" not in layers:
            raise DecodeError("tshark: frame %d is not IPFIX" % (pi + 1))
        for sk, sv in layers["cflow"]:
            if not sk.startswith("Set ") or not isinstance(sv, _Pairs):
                continue
            m = re.search(r"\((\d+) flows\)", sk)
            nflows = 0
            for fk, fv in sv:
                if fk.startswith("Flow "):
                    nflows += 1
                    recs.append(tshark_flow(fv, "frame %d %s %s" % (
                        pi + 1, sk, fk)))
            if m and int(m.group(1)) != nflows:
                raise DecodeError("tshark: frame %d %s lists %d flows" % (
                    pi + 1, sk, nflows))
    return recs


# --- common checks ------------------------------------------------------

def cut63(s):
    """What fits the 64-octet nfdump-layout names: 63 octets, cut on a
    UTF-8 boundary (ipfix.c keeps the last octet for nfdump's NUL)."""
    b = s.encode()
    if len(b) <= 63:
        return s
    n = 63
    while n > 0 and (b[n] & 0xc0) == 0x80:
        n -= 1
    return b[:n].decode()


def resolve(recs):
    """Fold the options records in; return the flow records with interface
    and VRF numbers replaced by their names, and the options count."""
    ifname, ifdesc, ifidx = {}, {}, {}
    vrfname, vrfidx = {}, {}
    flows = []
    nopt = 0

    def name_once(table, back, idx, name, what):
        if idx in table and table[idx] != name:
            raise DecodeError("%s %d named %r, then %r" % (
                what, idx, table[idx], name))
        if back.get(name, idx) != idx:
            raise DecodeError("%s %r has two numbers: %d and %d" % (
                what, name, back[name], idx))
        table[idx] = name
        back[name] = idx

    for i, r in enumerate(recs):
        if "interfaceName" in r or "interfaceDescription" in r:
            nopt += 1
            idx = r.get("ingressInterface")
            if idx is None:
                raise DecodeError("options record %d names no interface: %r"
                                  % (i + 1, r))
            if "observationDomainId" in r:
                # nfdump layout: the description, else the name, cut to 63.
                if idx not in ifname:
                    raise DecodeError("interface %d: nfdump-layout name "
                                      "before the RFC-layout one" % idx)
                want = cut63(ifdesc[idx] or ifname[idx])
                if r.get("interfaceDescription", "") != want:
                    raise DecodeError("interface %d: nfdump-layout name %r, "
                                      "RFC layout says %r" % (
                                          idx, r.get("interfaceDescription"),
                                          want))
                continue
            name_once(ifname, ifidx, idx, r.get("interfaceName"),
                      "interface")
            # fl2ipfix's numbering (idmap.h): the ACCEPT and REJECT
            # pseudo-interfaces are 1 and 2, real ones start at 16.
            want = PSEUDO_IF.get(ifname[idx])
            if (want is not None and idx != want) or \
                    (want is None and idx < 16):
                raise DecodeError("interface %r has number %d" % (
                    ifname[idx], idx))
            ifdesc[idx] = r.get("interfaceDescription", "")
            continue
        if "VRFname" in r:
            nopt += 1
            idx = r.get("ingressVRFID")
            if idx is None:
                raise DecodeError("options record %d names no VRF: %r" % (
                    i + 1, r))
            if "observationDomainId" in r:
                if idx not in vrfname:
                    raise DecodeError("VRF %d: nfdump-layout name before the "
                                      "RFC-layout one" % idx)
                if r["VRFname"] != cut63(vrfname[idx]):
                    raise DecodeError("VRF %d: nfdump-layout name %r, RFC "
                                      "layout says %r" % (
                                          idx, r["VRFname"], vrfname[idx]))
                continue
            name_once(vrfname, vrfidx, idx, r["VRFname"], "VRF")
            if idx < 1:
                raise DecodeError("VRF %r has number 0" % r["VRFname"])
            continue
        f = dict(r)
        for k in IF_FIELDS:
            if k in f:
                if f[k] not in ifname:
                    raise DecodeError("flow record %d: %s %d has no name "
                                      "sent before it" % (len(flows) + 1, k,
                                                          f[k]))
                f[k] = ifname[f[k]]
        for k in VRF_FIELDS:
            if k in f:
                if f[k] not in vrfname:
                    raise DecodeError("flow record %d: %s %d has no name "
                                      "sent before it" % (len(flows) + 1, k,
                                                          f[k]))
                f[k] = vrfname[f[k]]
        flows.append(f)
    return flows, nopt


def load_expect(path):
    with open(path, encoding="utf-8") as f:
        e = json.load(f)
    out = []
    for ln in e["line"]:
        if ln["outcome"] == "exported":
            v = dict(ln["values"])
            for k in list(v):
                if k in ADDR_FIELDS:
                    v[k] = canon_addr(v[k])
            out.append((ln["n"], v))
    return e, out


def compare(expected, flows, label, limit=5):
    """Mismatch messages (at most limit, then a count)."""
    errs = []
    if len(flows) != len(expected):
        errs.append("%s: %d flow records, expected %d" % (
            label, len(flows), len(expected)))
    for i, ((n, want), got) in enumerate(zip(expected, flows)):
        if want == got:
            continue
        diffs = []
        for k in sorted(set(want) | set(got)):
            if k not in got:
                diffs.append("%s missing (want %r)" % (k, want[k]))
            elif k not in want:
                diffs.append("%s=%r unexpected" % (k, got[k]))
            elif want[k] != got[k]:
                diffs.append("%s=%r, want %r" % (k, got[k], want[k]))
        errs.append("%s: record %d (line %d of its input): %s" % (
            label, i + 1, n, "; ".join(diffs)))
        if len(errs) > limit:
            break
    return errs


READERS = {"pyipfix": read_pyipfix, "ipfixdump": read_ipfixdump,
           "tshark": read_tshark}


def main():
    p = argparse.ArgumentParser(
        description="Decode with one independent decoder and compare with "
                    "gen.py's expectation.")
    p.add_argument("decoder", choices=sorted(READERS))
    p.add_argument("input", help="IPFIX file (pyipfix), ipfixDump listing, "
                                 "or tshark -T json output")
    p.add_argument("--expect", action="append",
                   help="gen.py expectation JSON; repeat it for several "
                        "input files, in the order fl2ipfix read them")
    p.add_argument("--summary",
                   help="ipfixcheck.py --json output: the flow and options "
                        "record counts there must be")
    p.add_argument("--print", action="store_true",
                   help="print the resolved flow records as JSON lines")
    a = p.parse_args()
    try:
        recs = READERS[a.decoder](a.input)
        flows, nopt = resolve(recs)
    except (DecodeError, OSError, ValueError, KeyError) as e:
        print("decode.py %s: %s: %s" % (a.decoder, a.input, e),
              file=sys.stderr)
        return 1
    if a.print:
        for f in flows:
            print(json.dumps(f, sort_keys=True, ensure_ascii=False))
    errs = []
    if a.summary:
        with open(a.summary) as f:
            s = json.load(f)
        if nopt != s["options_records"] or len(flows) != s["flow_records"]:
            errs.append("%s: %d flow and %d options records; the file "
                        "holds %d and %d" % (a.decoder, len(flows), nopt,
                                             s["flow_records"],
                                             s["options_records"]))
    if a.expect:
        expected = []
        for path in a.expect:
            expected += load_expect(path)[1]
        errs += compare(expected, flows, a.decoder)
    for e in errs:
        print("decode.py " + e, file=sys.stderr)
    if errs:
        return 1
    if not a.print:
        print("decode.py %s: %d flow records and %d options records match"
              % (a.decoder, len(flows), nopt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
