#!/usr/bin/env python3
"""tests/ipfixcheck.py: a strict RFC 7011 structural check of an IPFIX file.

Usage: ipfixcheck.py [--max-size N] [--export-time S] [--domain ID] [--json]
                     FILE     (FILE may be - for stdin)

Checks every message of an IPFIX file (RFC 5655: messages back to back):
version 10; message lengths tile the file; no message larger than
--max-size (default 65535); Export Time never decreases; Sequence Number
equals the number of data records (flow and options) sent before in that
observation domain; set lengths tile each message and records tile each set
with no padding; no reserved set ids; template ids >= 256; every data set's
template defined earlier in the stream of its domain and never redefined
differently; one options template per Options Template Set, with a scope
count from 1 to its field count; field lengths that fit the IANA type of
known elements (reduced-size encoding only where RFC 7011 allows it);
well-formed UTF-8 in string fields; no empty data sets, no withdrawals;
with --export-time and --domain, those exact values in every message.

Exits 1 with one line naming the first violation and where it is; exits 0
and prints a summary otherwise (--json: the summary as one JSON object).
Standard library only.
"""

import argparse
import json
import struct
import sys

# IANA types of elements 1-433 (enterprise 0), as ranges of ids.
IANA_TYPES = {
    "boolean": "276 333 388-389",
    "dateTimeMicroseconds": "154-155 268 271 324",
    "dateTimeMilliseconds": "152-153 160 258 269 272 323 359-360",
    "dateTimeNanoseconds": "156-157 270 273 325",
    "dateTimeSeconds": "150-151 260-261 264-265 322",
    "float64": "311 320-321 336-338",
    "ipv4Address": "8 12 15 18 43-45 47 130 211 225-226 366 403 432",
    "ipv6Address": "27-28 62-63 131 140 169-170 212 281-282 404",
    "macAddress": "56-57 80-81 365 367 414-415",
    "octetArray": "70-79 90 95 104 210 262 266 274-275 313-317 347 349 411",
    "string": "82-84 94 96 100 147 236 247 284 288-290 300 335 340-341 "
              "348 350 371-374",
    "unsigned16": "6-7 11 32 36-37 58-59 88 102-103 139 145 180-183 186-187 "
                  "190-191 205 216-217 227-228 238 241-243 245 250 254-256 "
                  "259 285-287 303-304 312 345 361-364 370 390 400 408-410",
    "unsigned32": "10 14 16-17 21-22 31 34 50 54 64 87 89 92-93 99 128-129 "
                  "141-144 149 158-159 161-162 184-185 194 201-202 204 208 "
                  "213 234-235 249 251-253 278 283 295-296 305-310 346 "
                  "368-369 380-381 385-387 405-406 412",
    "unsigned64": "1-3 19-20 23-26 40-42 85-86 132-135 137-138 148 163-168 "
                  "171-175 198-199 209 218-224 231-232 279-280 298-299 "
                  "301-302 318-319 326-332 334 342-343 351-358 375-379 "
                  "382-383 391-399 401-402 407 417-418 420-431 433",
    "unsigned8": "4-5 9 13 29-30 33 35 38-39 46 48-49 51-53 55 60-61 91 98 "
                 "101 136 146 176-179 188-189 192-193 195-197 200 203 "
                 "206-207 214-215 229-230 233 237 239-240 244 246 248 257 "
                 "263 267 277 294 297 339 344 384 413",
}
# Allowed field lengths per type (RFC 7011 6.1, 6.2: reduced-size encoding
# only for the integers and float64; None: any length, variable included).
TYPE_LENGTHS = {
    "boolean": {1}, "dateTimeMicroseconds": {8}, "dateTimeMilliseconds": {8},
    "dateTimeNanoseconds": {8}, "dateTimeSeconds": {4}, "float64": {4, 8},
    "ipv4Address": {4}, "ipv6Address": {16}, "macAddress": {6},
    "octetArray": None, "string": None,
    "unsigned8": {1}, "unsigned16": {1, 2}, "unsigned32": {1, 2, 3, 4},
    "unsigned64": set(range(1, 9)),
}
VARLEN = 65535


def _types():
    t = {}
    for name, spec in IANA_TYPES.items():
        for part in spec.split():
            lo, _, hi = part.partition("-")
            for i in range(int(lo), int(hi or lo) + 1):
                t[i] = name
    return t


TYPES = _types()


class Violation(Exception):
    pass


class Template:
    def __init__(self, tid, fields, scope):
        self.tid = tid
        self.fields = fields        # ((ie, length, pen), ...)
        self.scope = scope          # 0 for a plain template
        self.fixed = VARLEN not in [f[1] for f in fields]
        self.minlen = sum(1 if f[1] == VARLEN else f[1] for f in fields)

    def key(self):
        return (self.fields, self.scope)


def fieldname(f):
    ie, _, pen = f
    return "IE %d" % ie if pen == 0 else "IE %d/%d" % (pen, ie)


def check_field_spec(f, where):
    ie, length, pen = f
    if pen != 0:
        return
    if ie == 0:
        raise Violation("%s: information element 0 is reserved" % where)
    t = TYPES.get(ie)
    if t is None:
        return
    ok = TYPE_LENGTHS[t]
    if ok is not None and length not in ok:
        raise Violation("%s: IE %d (%s) with length %d (allowed: %s)" % (
            where, ie, t, length,
            "variable" if length == VARLEN else
            ", ".join(str(x) for x in sorted(ok))))


def parse_template(data, pos, end, options, where):
    """One (options) template record at pos; returns (Template, new pos)."""
    hdr = 6 if options else 4
    if end - pos < hdr:
        raise Violation("%s: %d octets after the last record (padding is "
                        "not allowed)" % (where, end - pos))
    tid, count = struct.unpack_from(">HH", data, pos)
    scope = struct.unpack_from(">H", data, pos + 4)[0] if options else 0
    where = "%s: template %d" % (where, tid)
    if count == 0:
        raise Violation("%s: a withdrawal (field count 0); not expected in "
                        "a file" % where)
    if tid < 256:
        raise Violation("%s: template id below 256" % where)
    if options and not 1 <= scope <= count:
        raise Violation("%s: scope field count %d (must be 1 to the field "
                        "count %d)" % (where, scope, count))
    pos += hdr
    fields = []
    for i in range(count):
        if end - pos < 4:
            raise Violation("%s: field %d runs past the end of its set" % (
                where, i + 1))
        ie, length = struct.unpack_from(">HH", data, pos)
        pos += 4
        pen = 0
        if ie & 0x8000:
            if end - pos < 4:
                raise Violation("%s: enterprise number of field %d runs "
                                "past the end of its set" % (where, i + 1))
            pen = struct.unpack_from(">I", data, pos)[0]
            pos += 4
            ie &= 0x7fff
        if length == 0:
            raise Violation("%s: field %d (IE %d) has length 0" % (
                where, i + 1, ie))
        f = (ie, length, pen)
        check_field_spec(f, "%s field %d" % (where, i + 1))
        fields.append(f)
    return Template(tid, tuple(fields), scope), pos


def parse_record(data, pos, end, t, where):
    """One data record; returns (new pos, values) or raises."""
    values = []
    for i, f in enumerate(t.fields):
        length = f[1]
        if length == VARLEN:
            if pos >= end:
                raise Violation("%s: variable-length field %d (%s) runs past "
                                "the end of its set" % (where, i + 1,
                                                        fieldname(f)))
            length = data[pos]
            pos += 1
            if length == 255:
                if end - pos < 2:
                    raise Violation("%s: length of field %d runs past the "
                                    "end of its set" % (where, i + 1))
                length = struct.unpack_from(">H", data, pos)[0]
                pos += 2
        if end - pos < length:
            raise Violation("%s: field %d (%s) runs past the end of its set" %
                            (where, i + 1, fieldname(f)))
        v = data[pos:pos + length]
        pos += length
        if f[2] == 0 and TYPES.get(f[0]) == "string":
            try:
                v.decode("utf-8", "strict")
            except UnicodeDecodeError as e:
                raise Violation("%s: field %d (%s) is not well-formed "
                                "UTF-8 (%s)" % (where, i + 1, fieldname(f),
                                                e.reason))
        values.append(v)
    return pos, values


class Checker:
    def __init__(self, max_size, export_time=None, domain=None):
        self.max_size = max_size
        self.export_time = export_time
        self.want_domain = domain
        self.domains = {}       # odid -> {"templates": {}, "records": n}
        self.messages = 0
        self.largest = 0
        self.last_time = None
        self.template_records = 0
        self.options_template_records = 0
        self.flow_records = 0
        self.options_records = 0
        self.sets = 0
        self.records_by_template = {}
        self.template_fields = {}   # "odid/tid" -> "ie:len ..."

    def domain(self, odid):
        d = self.domains.get(odid)
        if d is None:
            d = self.domains[odid] = {"templates": {}, "records": 0}
        return d

    def define(self, odid, d, t, where):
        old = d["templates"].get(t.tid)
        if old is not None and old.key() != t.key():
            raise Violation("%s: template %d redefined with different "
                            "content" % (where, t.tid))
        d["templates"][t.tid] = t
        self.template_fields["%d/%d" % (odid, t.tid)] = "%s%s" % (
            "scope %d: " % t.scope if t.scope else "",
            " ".join("%d:%d" % f[:2] if not f[2] else "%d/%d:%d" % (
                f[2], f[0], f[1]) for f in t.fields))
        if t.scope:
            self.options_template_records += 1
        else:
            self.template_records += 1

    def message(self, data, off, n):
        left = len(data) - off
        where = "message %d at offset %d" % (n, off)
        if left < 16:
            raise Violation("%s: %d octets left, too few for a message "
                            "header" % (where, left))
        version, length, etime, seq, odid = struct.unpack_from(
            ">HHIII", data, off)
        if version != 10:
            raise Violation("%s: version %d, not 10" % (where, version))
        if length < 16:
            raise Violation("%s: length %d is shorter than the header" % (
                where, length))
        if length > left:
            raise Violation("%s: length %d runs past the end of the file "
                            "(%d octets left)" % (where, length, left))
        if length > self.max_size:
            raise Violation("%s: length %d is over the maximum %d" % (
                where, length, self.max_size))
        if self.last_time is not None and etime < self.last_time:
            raise Violation("%s: export time %d is earlier than the previous "
                            "message's %d" % (where, etime, self.last_time))
        self.last_time = etime
        if self.export_time is not None and etime != self.export_time:
            raise Violation("%s: export time %d, expected %d" % (
                where, etime, self.export_time))
        if self.want_domain is not None and odid != self.want_domain:
            raise Violation("%s: observation domain %d, expected %d" % (
                where, odid, self.want_domain))
        d = self.domain(odid)
        if seq != d["records"] % (1 << 32):
            raise Violation("%s: sequence number %d, expected %d (data "
                            "records sent before in domain %d)" % (
                                where, seq, d["records"] % (1 << 32), odid))
        end = off + length
        pos = off + 16
        nset = 0
        while pos < end:
            nset += 1
            swhere = "%s: set %d at offset %d" % (where, nset, pos)
            if end - pos < 4:
                raise Violation("%s: %d octets left, too few for a set "
                                "header" % (swhere, end - pos))
            sid, slen = struct.unpack_from(">HH", data, pos)
            if slen < 4:
                raise Violation("%s: set length %d" % (swhere, slen))
            if pos + slen > end:
                raise Violation("%s: set length %d runs past the end of the "
                                "message" % (swhere, slen))
            swhere = "%s (id %d)" % (swhere, sid)
            send = pos + slen
            p = pos + 4
            if sid == 2:
                if p == send:
                    raise Violation("%s: empty template set" % swhere)
                while p < send:
                    t, p = parse_template(data, p, send, False, swhere)
                    self.define(odid, d, t, swhere)
            elif sid == 3:
                t, p = parse_template(data, p, send, True, swhere)
                if p != send:
                    raise Violation("%s: %d octets after the options template"
                                    " (one options template per set, no "
                                    "padding)" % (swhere, send - p))
                self.define(odid, d, t, swhere)
            elif sid < 256:
                raise Violation("%s: set id %d is reserved" % (swhere, sid))
            else:
                t = d["templates"].get(sid)
                if t is None:
                    raise Violation("%s: data set for template %d, not "
                                    "defined before in domain %d" % (
                                        swhere, sid, odid))
                nrec = 0
                while p < send:
                    if send - p < t.minlen:
                        raise Violation("%s: %d octets after record %d "
                                        "(padding is not allowed)" % (
                                            swhere, send - p, nrec))
                    nrec += 1
                    p, _ = parse_record(data, p, send, t,
                                        "%s record %d" % (swhere, nrec))
                if nrec == 0:
                    raise Violation("%s: empty data set" % swhere)
                d["records"] += nrec
                if t.scope:
                    self.options_records += nrec
                else:
                    self.flow_records += nrec
                k = "%d/%d" % (odid, sid)
                self.records_by_template[k] = \
                    self.records_by_template.get(k, 0) + nrec
            pos = send
            self.sets += 1
        self.messages += 1
        self.largest = max(self.largest, length)
        return end

    def run(self, data):
        off, n = 0, 0
        while off < len(data):
            n += 1
            off = self.message(data, off, n)

    def summary(self):
        return {
            "messages": self.messages, "largest_message": self.largest,
            "sets": self.sets, "domains": len(self.domains),
            "template_records": self.template_records,
            "options_template_records": self.options_template_records,
            "data_records": self.flow_records + self.options_records,
            "flow_records": self.flow_records,
            "options_records": self.options_records,
            "records_by_template": self.records_by_template,
            "template_fields": self.template_fields,
        }


def main():
    p = argparse.ArgumentParser(
        description="Strict RFC 7011 structural check of an IPFIX file.")
    p.add_argument("--max-size", type=int, default=65535,
                   help="largest message allowed, in octets "
                        "(default 65535)")
    p.add_argument("--export-time", type=int, metavar="SECONDS",
                   help="every message must have this export time")
    p.add_argument("--domain", type=int, metavar="ID",
                   help="every message must be in this observation domain")
    p.add_argument("--json", action="store_true",
                   help="print the summary as JSON")
    p.add_argument("file", help="IPFIX file, or - for stdin")
    a = p.parse_args()
    if not 16 <= a.max_size <= 65535:
        p.error("--max-size must be from 16 to 65535")
    try:
        if a.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(a.file, "rb") as f:
                data = f.read()
    except OSError as e:
        print("ipfixcheck: %s: %s" % (a.file, e.strerror), file=sys.stderr)
        return 2
    c = Checker(a.max_size, a.export_time, a.domain)
    try:
        c.run(data)
    except Violation as e:
        print("ipfixcheck: %s: %s" % (a.file, e), file=sys.stderr)
        return 1
    s = c.summary()
    if a.json:
        print(json.dumps(s, sort_keys=True))
    else:
        print("ipfixcheck: %s: ok: %d messages (largest %d octets), %d "
              "templates, %d options templates, %d data records (%d flow, "
              "%d options) in %d domain%s" % (
                  a.file, s["messages"], s["largest_message"],
                  s["template_records"], s["options_template_records"],
                  s["data_records"], s["flow_records"], s["options_records"],
                  s["domains"], "" if s["domains"] == 1 else "s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
