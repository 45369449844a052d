#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed corpora for the fuzzers (tests/fuzz/corpus/), from real captures.

usage: tests/fuzz/seeds.py CAPTURE_DIR... [--runs RUN_DIR...]

CAPTURE_DIR: what a real run recorded with VFSIM_CAPTURE=DIR
(sim/bus/capture.h): the vhost-user messages, virtio_pcidev requests and
admin commands the real UML kernel and drivers sent.  RUN_DIR: run
directories of real runs (console.log, lockdep*.txt, saved migration
streams).  The scenario library and tests/unit/data are used as they are.
Each capture is turned into the input format of its harness (the header
comment of tests/fuzz/fuzz_NAME.c); doc/fuzzing.md says how to refresh.
"""
import glob
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX_SEED = 16384          # bytes: the -max_len make fuzz uses


def records(path):
    """The [le32 length][bytes] records of a capture file."""
    data = open(path, "rb").read()
    out, i = [], 0
    while i + 4 <= len(data):
        n = struct.unpack_from("<I", data, i)[0]
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def put(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data[:MAX_SEED])


def chunks(ops, header, limit=MAX_SEED):
    """Split a list of encoded operations into seeds below @limit bytes."""
    seeds, cur = [], header
    for op in ops:
        if len(cur) + len(op) > limit and len(cur) > len(header):
            seeds.append(cur)
            cur = header
        cur += op
    seeds.append(cur)
    return seeds


# --- vhost_user: the front end's messages, memory moved into 64 KiB ------

VU_SET_MEM_TABLE, VU_SET_VRING_ADDR = 5, 9
FD_KIND = {ord("m"): 0, ord("e"): 2, ord("p"): 3, ord("s"): 2}
HARNESS_MEM = 0x10000


def vu_adapt(msg, base):
    """The harness maps 64 KiB: the region and the rings are moved there."""
    req, flags, size = struct.unpack_from("<III", msg, 0)
    body = bytearray(msg[12:])
    if req == VU_SET_MEM_TABLE and size >= 40:
        gpa, _, uaddr, _ = struct.unpack_from("<QQQQ", body, 8)
        struct.pack_into("<QQQQ", body, 8, gpa, HARNESS_MEM, uaddr, 0)
        base[0] = uaddr
    elif req == VU_SET_VRING_ADDR and size >= 40 and base[0] is not None:
        index = struct.unpack_from("<I", body, 0)[0]
        ring = base[0] + 0x4000 * (index % 2)
        # UML's layout: descriptors, used ring 4 KiB on, avail 8 KiB on.
        struct.pack_into("<QQQ", body, 8, ring, ring + 0x1000, ring + 0x2000)
    return msg[:12] + bytes(body)


def vhost_user(capdir, tag):
    for path in sorted(glob.glob(os.path.join(capdir, "vu-pf-*.bin")))[:1]:
        base, out = [None], b""
        for r in records(path):
            n = r[0]
            kinds = bytes(FD_KIND.get(k, 2) for k in r[1:1 + n])
            msg = vu_adapt(r[1 + n:], base)
            out += bytes([0, n]) + kinds + struct.pack("<H", len(msg)) + msg
        put("vhost_user", f"{tag}-pf", out)


# --- pcidev: the PF's requests, processed as UML polls them ---------------

def request_op(r):
    wlen = struct.unpack_from("<I", r, 0)[0]
    body = r[4:]
    return (bytes([0]) + struct.pack("<HH", len(body), min(wlen, 0xffff)) +
            bytes([0]) + body + bytes([3]))


def capture(capdir, stream):
    """The capture file of the PF's @stream (sim/bus/capture.h), or None."""
    found = sorted(glob.glob(os.path.join(capdir, f"{stream}-pf-*.bin")))
    return found[0] if found else None


def pcidev(capdir, tag):
    path = capture(capdir, "req")
    if not path:
        return
    header = bytes([2]) + bytes(8) + bytes([4, 7, 16])  # vfs, seed, events
    ops = [request_op(r) for r in records(path)]
    for i, seed in enumerate(chunks(ops, header, 4096)):
        put("pcidev", f"{tag}-pf-{i}", seed)


# --- admin: the PF driver's admin commands, each notified -----------------

def admin(capdir, tag, vfs):
    path = capture(capdir, "admin")
    if not path:
        return
    # parts_obj_limit 15 as vfsim's default, 64 context bytes, vfs, seed,
    # admin queue vector 3.
    header = bytes([14, 64, vfs - 1]) + bytes(8) + bytes([3])
    ops = []
    for r in records(path):
        wlen = struct.unpack_from("<I", r, 0)[0]
        body = r[4:]
        ops.append(bytes([0]) + struct.pack("<HH", len(body), min(wlen, 0xffff)) +
                   bytes([0]) + body + bytes([2]))
    for i, seed in enumerate(chunks(ops, header)):
        put("admin", f"{tag}-{i}", seed)


# --- vring: real requests in a ring as UML lays it out --------------------

def vring(capdir, tag):
    path = capture(capdir, "req")
    if not path:
        return
    reqs = records(path)[:8]
    num, desc, avail, used = 16, 0x0, 0x100, 0x140
    mem = bytearray(8192)
    data = 0x1000
    for i, r in enumerate(reqs):
        wlen = min(struct.unpack_from("<I", r, 0)[0], 64)
        body = r[4:]
        mem[data:data + len(body)] = body
        rd, wr = 0x10000 + data, 0x10000 + data + len(body)
        # header+data readable, the reply writable, as virtio_pcidev does
        struct.pack_into("<QIHH", mem, desc + 32 * i, rd, len(body),
                         1 if wlen else 0, 2 * i + 1)
        struct.pack_into("<QIHH", mem, desc + 32 * i + 16, wr, wlen, 2, 0)
        struct.pack_into("<H", mem, avail + 4 + 2 * i, (2 * i) % num)
        data += len(body) + wlen
    struct.pack_into("<H", mem, avail + 2, len(reqs))
    header = (bytes([4]) + struct.pack("<HHH", desc, avail, used) +
              bytes([0]) + struct.pack("<HH", 0, len(mem)))
    ops = b"".join(bytes([0, 1]) + struct.pack("<HH", 0, 64) +
                   bytes([2]) + struct.pack("<HI", 0, 8) for _ in reqs)
    put("vring", f"{tag}-requests", header + bytes(mem) + ops)


# --- parts: saved migration streams and DEV_PARTS_SET contexts ------------

def parts_from_admin(capdir, tag):
    path = capture(capdir, "admin")
    if not path:
        return
    for i, r in enumerate(records(path)):
        body = r[4:]
        if struct.unpack_from("<H", body, 0)[0] == 16:   # DEV_PARTS_SET
            put("parts", f"{tag}-set-{i}", bytes([0]) + body[24 + 8:])


def parts_from_run(rundir, tag):
    for path in sorted(glob.glob(os.path.join(rundir, "*.bin")))[:3]:
        stream = open(path, "rb").read()
        name = os.path.basename(path)[:-4]
        put("parts", f"{tag}-stream-{name}", bytes([1]) + stream)


# --- text harnesses -------------------------------------------------------

def kreport(path, tag):
    """Console excerpts of 4 KiB around each report of a real console."""
    lines = open(path, "rb").read().split(b"\n")
    starts = [i for i, l in enumerate(lines)
              if re.search(rb"BUG:|WARNING:|INFO: task|Kernel panic|UBSAN:", l)]
    for n, i in enumerate(starts[:4] or [0]):
        text = b"\n".join(lines[max(i - 3, 0):])[:4096]
        put("kreport", f"{tag}-{n}", text)


def console(path, tag):
    """Console excerpts of 4 KiB around the agent's requests and marks, fed
    in chunks of 1, 7 and 61 bytes and whole (the first byte, 0)."""
    text = open(path, "rb").read()
    # The run's absolute paths are the machine's: a neutral one stands in.
    text = re.sub(rb"/[^\s]*?/build/", b"/tmp/vfsim/build/", text)
    lines = text.split(b"\n")
    hits = [i for i, l in enumerate(lines) if re.search(rb"vfsim-(rpc|mark) ", l)]
    for n, i in enumerate(hits[:4]):
        seed = b"\n".join(lines[max(i - 8, 0):])[:4096]
        put("console", f"{tag}-{n}", bytes([(0, 1, 7, 61)[n % 4]]) + seed)


def lockmap(rundir, tag):
    classes = os.path.join(rundir, "lockdep.txt")
    chains = os.path.join(rundir, "lockdep_chains.txt")
    if not (os.path.exists(classes) and os.path.exists(chains)):
        return
    cls = open(classes, "rb").read().split(b"\n")
    chn = open(chains, "rb").read().split(b"\n")
    source = (b"static DEFINE_MUTEX(virtiovf_lock);\n"
              b"\tmutex_init(&virtvdev->state_mutex);\n"
              b"\tspin_lock_init(&vp_dev->admin_vq.lock);\n")
    for i, start in enumerate((0, len(cls) // 2)):
        seed = (b"\n".join(cls[start:start + 30]) + b"\n=== chains\n" +
                b"\n".join(chn[i * 400:i * 400 + 40]) + b"\n=== source\n" +
                source)
        put("lockmap", f"{tag}-{i}", seed[:4096])


def scenarios():
    """Each library scenario with its includes, flattened into one input."""
    for path in sorted(glob.glob(os.path.join(ROOT, "scenarios", "*", "*.vfs"))):
        text = open(path, "rb").read()
        extra = b""
        for inc in re.findall(rb"^\s*include\s+(\S+)", text, re.M):
            name = os.path.basename(inc)
            ipath = os.path.join(os.path.dirname(path), inc.decode())
            text = text.replace(inc, name)
            extra += b"\n=== " + name + b"\n" + open(ipath, "rb").read()
        area = os.path.basename(os.path.dirname(path))
        put("scenario", f"{area}-{os.path.basename(path)[:-4]}", text + extra)


def main(argv):
    runs = []
    if "--runs" in argv:
        i = argv.index("--runs")
        argv, runs = argv[:i], argv[i + 1:]
    for capdir in argv:
        tag = os.path.basename(os.path.normpath(capdir))
        vfs = len({re.sub(r"-\d+\.bin$", "", p) for p in
                   glob.glob(os.path.join(capdir, "req-vf*.bin"))})
        vhost_user(capdir, tag)
        pcidev(capdir, tag)
        admin(capdir, tag, max(vfs, 1))
        vring(capdir, tag)
        parts_from_admin(capdir, tag)
    for rundir in runs:
        tag = re.sub(r"-\d+$", "", os.path.basename(os.path.normpath(rundir)))
        parts_from_run(rundir, tag)
        lockmap(rundir, tag)
        if os.path.exists(os.path.join(rundir, "console.log")):
            kreport(os.path.join(rundir, "console.log"), tag)
            console(os.path.join(rundir, "console.log"), tag)
    for path in glob.glob(os.path.join(ROOT, "tests", "unit", "data", "consoles", "*.log")):
        kreport(path, "unit-" + os.path.basename(path)[:-4])
    scenarios()


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 else 2)
    main(sys.argv[1:])
