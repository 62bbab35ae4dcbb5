"""tests/broken.py: helpers of t_broken.sh and t_mutate.sh (python3, stdlib only).

  gen DIR             write the broken inputs of t_broken.sh and what each
                      should give (DIR/*.want, DIR/*.facts)
  mutate DIR N SEED   write N mutated inputs (byte flips, cuts inside gzip
                      members, junk lines) as DIR/mNN.{log,gz}
  check ERR IPFIX [key=value ...]
                      the --stats=json line in ERR adds up, the IPFIX file
                      is structurally valid with as many flow records as
                      exported lines, and each key (an outcome, lines,
                      failed, packets, bytes, quiet) has its value;
                      input=IN rejects=REJ: each line of REJ is a line of IN
Exit status 0 when all is well; otherwise the reasons are printed.
"""
import gzip
import json
import random
import re
import sys
import zlib

HDR = (b"version account-id interface-id srcaddr dstaddr srcport dstport "
       b"protocol packets bytes start end action log-status")
TGW_HDR = (b"version resource-type account-id tgw-id tgw-attachment-id "
           b"srcaddr dstaddr srcport dstport protocol packets bytes start end "
           b"log-status")


def line(i):
    """A valid v2 default line; i makes it distinct."""
    return (b"2 123456789012 eni-%05d 10.%d.%d.%d 172.31.%d.%d %d 443 6 "
            b"%d %d %d %d ACCEPT OK" % (
                i % 7, (i >> 16) & 255, (i >> 8) & 255, i & 255,
                (i >> 8) & 255, i & 255, 1024 + i % 60000, 1 + i % 100,
                40 + i * 3, 1764201600 + i, 1764201660 + i))


def text(lines):
    return b"".join(x + b"\n" for x in lines)


def put(d, name, data):
    with open("%s/%s" % (d, name), "wb") as f:
        f.write(data)


def facts(d, name, **kw):
    put(d, name + ".facts", " ".join("%s=%s" % kv for kv in
                                     sorted(kw.items())).encode())


def inflated(data):
    """What zlib inflates from data (gzip members one after the other)
    before the end, the damage or trailing garbage: byte by byte, so the
    text before the damage is all there."""
    out = b""
    i = 0
    while i < len(data) and data[i:i + 2] == b"\x1f\x8b":
        z = zlib.decompressobj(31)
        while i < len(data) and not z.eof:
            try:
                out += z.decompress(data[i:i + 1])
            except zlib.error:
                return out
            i += 1
        if not z.eof:
            break
    return out


def gen(d):
    good = [HDR] + [line(i) for i in range(3000)]
    gz = gzip.compress(text(good), 6, mtime=0)
    put(d, "good.log", text(good))
    put(d, "good.gz", gz)
    nxt = [line(100000 + i) for i in range(5)]
    put(d, "next.log", text(nxt))

    # Cuts inside the gzip header, the deflate data and the trailer.
    for cut in (2, 10, len(gz) // 3, len(gz) // 2, len(gz) - 8,
                len(gz) - 1):
        data = gz[:cut]
        out = inflated(data)
        parts = out.split(b"\n")
        whole, partial = parts[:-1], parts[-1]
        data_lines = [x for x in whole if x != HDR]
        name = "cut-%d" % cut
        put(d, name + ".gz", data)
        facts(d, name, lines=len(whole) + (partial != b"") + len(nxt),
              exported=len(data_lines) + len(nxt),
              malformed=int(partial != b""), failed=1)
        put(d, name + ".want",
            (HDR + b"\n" + partial + b"\n") if partial else b"")

    # Damage: a corrupt block, a bad CRC, a bad method byte.
    for name, off in (("corrupt-mid", len(gz) // 2),
                      ("corrupt-crc", len(gz) - 6),
                      ("corrupt-method", 2)):
        data = bytearray(gz)
        for k in range(4 if name == "corrupt-mid" else 1):
            data[off + k] ^= 0xff
        data = bytes(data)
        out = inflated(data)
        parts = out.split(b"\n")
        whole, partial = parts[:-1], parts[-1]
        put(d, name + ".gz", data)
        if name == "corrupt-mid":
            # What the garbage lines give is anyone's guess: only count.
            facts(d, name, lines=len(whole) + (partial != b""), failed=1)
        else:
            facts(d, name, exported=len([x for x in whole if x != HDR]),
                  malformed=int(partial != b""), failed=1)
        put(d, name + ".want",
            (HDR + b"\n" + partial + b"\n") if partial else b"")
    put(d, "garbage.gz", gz + b"this is not gzip\n")
    put(d, "zeros.gz", gz + b"\0" * 512)
    # Two members, the second cut in half.
    gz2 = gzip.compress(text(nxt), 6, mtime=0)
    put(d, "members.gz", gz + gz2[:len(gz2) // 2])

    # A 1 MiB line between good ones.
    big = b"2 123456789012 eni-1 " + b"x" * (1 << 20)
    put(d, "long.log", text([HDR, line(1), big, line(2)]))
    put(d, "long.want", text([HDR, big]))

    # NUL bytes: a stray one early or late (that line only); a zeroed
    # block at the start (binary, as a crash may leave a log).
    put(d, "nul-early.log", text([HDR, b"2 1 eni\0-1 x"] + good[1:50]))
    put(d, "nul-early.want", text([HDR, b"2 1 eni\0-1 x"]))
    put(d, "zeroed.log", b"\0" * 600 + text(good[:50]))
    late = good[:100] + [b"2 123456789012 eni-\0\0 10.0.0.1 10.0.0.2 1 2 6 "
                         b"1 1 1 2 ACCEPT OK"] + good[100:110]
    put(d, "nul-late.log", text(late))
    put(d, "nul-late.want", text([HDR, late[100]]))
    # In a column fl2ipfix does not know (so does not read), and in the
    # header line itself: still that line's reason.
    xhdr = HDR + b" x-extra"
    skip = [xhdr] + [line(i) + b" x%d" % i for i in range(20)]
    skip[7] = line(6) + b" x\0y"
    put(d, "nul-skip.log", text(skip))
    put(d, "nul-skip.want", text([xhdr, skip[7]]))
    put(d, "nul-header.log", text([HDR[:8] + b"\0" + HDR[8:]] +
                                  [line(i) for i in range(5)]))

    # Invalid UTF-8 in string fields (ids must be ASCII anyway).
    bad = [b"2 123456789012 eni-\xff 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK",
           b"2 123456789012 eni-\xc0\xaf 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 "
           b"ACCEPT OK",
           b"2 123456789012 eni-\xed\xa0\x80 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 "
           b"ACCEPT OK",
           b"2 12345\xe2\x82 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK"]
    ok = [line(7)]
    put(d, "utf8.log", text([HDR] + bad + ok))
    put(d, "utf8.want", text([HDR] + bad))

    # Random binary, plain and gzipped.
    rnd = random.Random(6)
    blob = bytes(rnd.randrange(256) for _ in range(8192))
    put(d, "random.bin", blob)
    put(d, "random.gz", gzip.compress(blob, 6, mtime=0))

    # Junk lines among good ones: each must be malformed, and copied.
    junk = [b"hello world",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 80 6 1 1",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 65536 80 6 1 1 1 2 "
            b"ACCEPT OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 256 1 1 1 2 ACCEPT OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 "
            b"18446744073709551616 1 1 2 ACCEPT OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 "
            b"99999999999999999999 2 ACCEPT OK",
            b"2 123456789012 eni-1 256.1.1.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK",
            b"2 123456789012 eni-1 01.2.3.4 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 - 80 6 1 1 1 2 ACCEPT OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 -5 1 1 2 ACCEPT OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 +5 1 1 2 ACCEPT OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 0x10 1 1 2 "
            b"ACCEPT OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 MAYBE OK",
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK "
            b"extra",
            b"2 123456789012 eni-1 10.0.0.1 ::ffff:zz 1 2 6 1 1 1 2 ACCEPT OK",
            b"version account-id version",
            b"\x1b[31mred\x1b[0m"]
    # Counters at 2^64-1 are exact; their sum in the stats saturates.
    top = b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 " \
          b"18446744073709551615 18446744073709551615 1 2 ACCEPT OK"
    mixed = [HDR, line(1)]
    packets = 2 * (2 ** 64 - 1) + 1 + 1 % 100
    for j in junk:
        packets += 1 + len(mixed) % 100
        mixed += [j, line(len(mixed))]
    mixed += [top, top, b"", b"  \t"]
    put(d, "junk.log", text(mixed))
    put(d, "junk.want", text([HDR] + junk))
    facts(d, "junk", malformed=len(junk), exported=len(junk) + 3, blank=2,
          header=1, lines=len(mixed),
          packets=min(packets, 2 ** 64 - 1))  # the totals saturate

    # Layout changes: the rejects file repeats the header in force.
    put(d, "lay1.log", text([line(1), b"2 bad"]))
    tgw = (b"6 TransitGateway 123456789012 tgw-1 tgw-attach-1 10.0.0.1 "
           b"10.0.0.2 1 2 6 1 1 1 2 OK")
    put(d, "lay2.log", text([TGW_HDR, tgw, b"6 bad tgw"]))
    put(d, "lay3.log", text([b"2 bad again", line(2)]))
    put(d, "lay.want", text([HDR, b"2 bad", TGW_HDR, b"6 bad tgw", HDR,
                             b"2 bad again"]))

    # Endless new unknown field names in header lines.
    put(d, "unknown.log", text([b"version srcaddr dstaddr x%d" % i
                                for i in range(20000)]))

    put(d, "empty.log", b"")
    put(d, "header-only.log", text([HDR]))


def mutate(d, n, seed):
    """n inputs damaged the ways real archives are damaged."""
    rnd = random.Random(seed)
    base = text([HDR] + [line(i) for i in range(400)])
    tgw = text([TGW_HDR] + [b"6 TransitGateway 123456789012 tgw-1 "
                            b"tgw-attach-%d 10.0.0.%d 10.0.1.1 %d 443 6 "
                            b"%d 999 1764201600 1764201660 OK" %
                            (i % 3, i % 250, 1000 + i, i)
                            for i in range(200)])
    gz = gzip.compress(base, 6, mtime=0)
    gz2 = gz + gzip.compress(tgw, 6, mtime=0)
    junk = [b"", b"-", b"2", b"\xff\xfe", b"2 - - - - - - - - - - - - -",
            b"version", b"version srcaddr", b"\t\t", b"\r", b"x" * 300,
            b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 2 1 ACCEPT OK"]
    for k in range(n):
        kind = k % 5
        if kind == 0:           # byte flips in a gzip file
            data = bytearray(gz2)
            for _ in range(rnd.randrange(1, 8)):
                data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
            ext = "gz"
        elif kind == 1:         # a cut inside a member
            data = bytearray(gz2[:rnd.randrange(2, len(gz2))])
            ext = "gz"
        elif kind == 2:         # byte flips in text
            data = bytearray(base + tgw)
            for _ in range(rnd.randrange(1, 20)):
                data[rnd.randrange(len(data))] = rnd.choice(
                    [0, 0xff, 0x0a, 0x0d, 0x20, 0x09, 0x2d,
                     rnd.randrange(256)])
            ext = "log"
        elif kind == 3:         # junk lines in text
            ls = (base + tgw).split(b"\n")
            for _ in range(rnd.randrange(1, 30)):
                ls.insert(rnd.randrange(len(ls)), rnd.choice(junk) +
                          bytes(rnd.randrange(33, 127)
                                for _ in range(rnd.randrange(3))))
            data = bytearray(b"\n".join(ls))
            ext = "log"
        else:                   # a cut text file, gzipped, then flipped
            data = bytearray(gzip.compress(
                (base + tgw)[:rnd.randrange(len(base + tgw))], 1, mtime=0))
            if rnd.randrange(2):
                data[rnd.randrange(10, len(data))] ^= 0x40
            ext = "gz"
        put(d, "m%02d.%s" % (k, ext), bytes(data))


def ipfix_count(p):
    """Flow and options records, messages; raises on a structural fault."""
    templates = {}
    off = seq = flows = options = msgs = 0
    while off < len(p):
        assert len(p) - off >= 16, "message header past the end"
        ver, mlen = p[off] << 8 | p[off + 1], p[off + 2] << 8 | p[off + 3]
        assert ver == 10, "version %d" % ver
        assert 16 < mlen <= len(p) - off, "message lengths do not tile"
        mseq = int.from_bytes(p[off + 8:off + 12], "big")
        assert mseq == seq % 2**32, "sequence %d, expected %d" % (mseq, seq)
        s = off + 16
        while s < off + mlen:
            assert off + mlen - s >= 4, "set header past the message"
            sid = p[s] << 8 | p[s + 1]
            slen = p[s + 2] << 8 | p[s + 3]
            assert 4 < slen <= off + mlen - s, "set lengths do not tile"
            r, end = s + 4, s + slen
            if sid in (2, 3):
                while r < end:
                    tid = p[r] << 8 | p[r + 1]
                    nf = p[r + 2] << 8 | p[r + 3]
                    r += 6 if sid == 3 else 4
                    fields = []
                    for _ in range(nf):
                        ie, ln = p[r] << 8 | p[r + 1], p[r + 2] << 8 | p[r + 3]
                        r += 8 if ie & 0x8000 else 4
                        fields.append(ln)
                    assert r <= end, "template past its set"
                    t = (sid, fields)
                    assert templates.get(tid, t) == t, "template redefined"
                    templates[tid] = t
            else:
                assert sid in templates, "data set %d before its template" % sid
                kind, fields = templates[sid]
                while r < end:
                    for ln in fields:
                        if ln == 65535:
                            ln = p[r]
                            r += 1
                            if ln == 255:
                                ln = p[r] << 8 | p[r + 1]
                                r += 2
                        r += ln
                    assert r <= end, "record past its set"
                    seq += 1
                    if kind == 2:
                        flows += 1
                    else:
                        options += 1
            s = end
        off += mlen
        msgs += 1
    return flows, options, msgs


def lines_of(f):
    """The lines of a file as fl2ipfix reads them (gzip inflated up to
    the damage, one CR stripped), and each as a header would be copied
    (its names joined by single spaces)."""
    data = open(f, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = inflated(data)
    seen = set()
    for x in data.split(b"\n"):
        x = x[:-1] if x.endswith(b"\r") else x
        seen.add(x)
        seen.add(b" ".join(re.split(b"[ \t]+", x.strip(b" \t"))))
    return seen


def check(errfile, ipfixfile, want):
    why = []
    err = open(errfile, "rb").read().decode("utf-8", "replace")
    for bad in ("Sanitizer", "runtime error", "LeakSanitizer"):
        if bad in err:
            why.append("sanitizer report")
    js = [x for x in err.splitlines() if x.startswith('{"lines":')]
    if not js:
        return why + ["no --stats=json line"]
    st = json.loads(js[-1])
    oc = st["outcomes"]
    if sum(oc.values()) != st["lines"]:
        why.append("outcomes add to %d, lines %d" % (sum(oc.values()),
                                                     st["lines"]))
    try:
        data = open(ipfixfile, "rb").read()
    except OSError:
        data = b""
    try:
        # "-": the output went where it cannot be read back.
        flows, options, msgs = ipfix_count(data)
        out = st["outputs"][0]
        if ipfixfile == "-":
            pass
        elif flows != oc["exported"] or flows != out["flow_records"]:
            why.append("%d flow records in the output, %d exported" %
                       (flows, oc["exported"]))
        elif options != out["options_records"] or msgs != out["messages"]:
            why.append("options records or messages differ from the stats")
        elif len(data) != out["octets"]:
            why.append("output size differs from the stats")
    except (AssertionError, IndexError) as e:
        why.append("IPFIX output: %s" % e)
    got = dict(oc)
    got.update(lines=st["lines"], failed=st["operands"]["failed"],
               packets=st["exported"]["packets"],
               bytes=st["exported"]["bytes"], quiet=int(len(
                   err.strip().splitlines()) == 1))
    for kv in want:
        k, v = kv.split("=", 1)
        if k == "input":
            # Every line of the rejects file (rejects=) is one of these.
            inp = lines_of(v)
        elif k == "rejects":
            extra = [x for x in open(v, "rb").read().split(b"\n")[:-1]
                     if x not in inp]
            if extra:
                why.append("rejects line not in the input: %r" %
                           extra[0][:80])
        elif k not in got:
            why.append("unknown key %s" % k)
        elif str(got[k]) != v:
            why.append("%s is %s, expected %s" % (k, got[k], v))
    return why


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "mutate":
        mutate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "check":
        why = check(sys.argv[2], sys.argv[3], sys.argv[4:])
        if why:
            print("; ".join(why))
            sys.exit(1)
    else:
        sys.exit("usage: broken.py gen|mutate|check ...")


if __name__ == "__main__":
    main()
