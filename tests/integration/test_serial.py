#!/usr/bin/env python3
"""tests/integration/test_serial.py - the serial class through a real pty.

The test owns the pty master; `sddf run` drives the slave (by path in the
description, or as its controlling terminal). Cases (argv[3]):

  traffic  two clients print 10,000 lines each at full speed while a flood
           of input far larger than the rings goes to a client that never
           reads: every line arrives whole and in order per client, none
           lost; the flood is dropped and counted; then switching, every
           byte value through a raw echo client, each invalid switch
           sequence, and a clean SIGTERM stop.
  termios  the terminal mode of the controlling terminal is raw while the
           system runs and restored after a normal stop (--timeout),
           SIGTERM, and a PD crash.

Usage: test_serial.py BUILD_DIR SOURCE_ROOT traffic|termios
Every wait is bounded; the system is killed on any exit path.
"""
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time

BUILD, ROOT, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
SDDF = os.path.join(BUILD, "sddf")
PDDIR = os.path.join(BUILD, "tests", "integration")  # pd_serial_spam, pd_serial_echo
FAILS = []


def check(what, ok, detail=""):
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok else " " + detail))
    if not ok:
        FAILS.append(what)
    return ok


SYSTEM = """<?xml version="1.0"?>
<system>
  <protection_domain name="spam0"><program_image path="{b}/pd_serial_spam"/></protection_domain>
  <protection_domain name="spam1"><program_image path="{b}/pd_serial_spam"/></protection_domain>
  <protection_domain name="echo"><program_image path="{b}/pd_serial_echo"/></protection_domain>
  <serial name="ser" driver="tty" {dev} prefix="true" ring_size="0x1000">
    <client pd="spam0"/> <client pd="spam1"/> <client pd="echo"/>
  </serial>
</system>
"""


class Pty:
    def __init__(self):
        self.master, self.slave = os.openpty()
        os.set_blocking(self.master, False)
        self.buf = b""

    def pump(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if r:
            try:
                self.buf += os.read(self.master, 1 << 16)
            except OSError:
                pass

    def wait_for(self, pattern, timeout, start=0):
        """Wait until bytes @pattern appear in the output after @start; returns their end or -1."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            i = self.buf.find(pattern, start)
            if i >= 0:
                return i + len(pattern)
            self.pump(0.05)
        return -1

    def send(self, data, timeout=10):
        end = time.monotonic() + timeout
        while data and time.monotonic() < end:
            try:
                n = os.write(self.master, data)
                data = data[n:]
            except BlockingIOError:
                self.pump(0.01)
        return not data


def start(system_text, stdio=None, args=()):
    d = tempfile.mkdtemp(prefix="sddf-serial-")
    path = os.path.join(d, "t.system")
    with open(path, "w") as f:
        f.write(system_text)
    log = open(os.path.join(d, "sddf.log"), "w+")
    p = subprocess.Popen([SDDF, "run", "--quiet", "--stats", *args, path],
                         stdin=stdio if stdio is not None else subprocess.DEVNULL,
                         stdout=stdio if stdio is not None else log, stderr=log,
                         start_new_session=True)
    return p, log


def stop(p, sig=signal.SIGTERM, timeout=15):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return None


def log_text(log):
    log.flush()
    log.seek(0)
    return log.read()


def traffic():
    t = Pty()
    sysfile = SYSTEM.format(b=PDDIR, dev='device="%s"' % os.ttyname(t.slave))
    p, log = start(sysfile)
    try:
        # Flood spam0 (the current client, which never reads) while both print.
        flood = bytes((i * 7) % 256 for i in range(1 << 20)).replace(b"\x1c", b"a")
        sent, end = 0, time.monotonic() + 60
        while time.monotonic() < end and (t.buf.count(b" done\r\n") < 2 or sent < len(flood)):
            if sent < len(flood):
                try:
                    sent += os.write(t.master, flood[sent:sent + 4096])
                except BlockingIOError:
                    pass
            t.pump(0.001)
        check("the whole 1 MiB flood was accepted (nothing blocks)", sent == len(flood),
              "%d of %d" % (sent, len(flood)))
        for c in ("spam0", "spam1"):
            pre = ("[%s] %s " % (c, c)).encode()
            lines = [l for l in t.buf.split(b"\r\n") if pre in l]
            nums = [l[l.index(pre) + len(pre):] for l in lines]
            whole = all(l.startswith(pre) and re.fullmatch(rb"\d{5}|done", n) for l, n in zip(lines, nums))
            seq = [int(n) for n in nums if n != b"done"]
            check("%s: every line whole (no other client inside it)" % c, whole)
            check("%s: 10000 lines, each once, in order" % c, seq == list(range(10000)),
                  "got %d lines" % len(seq))
        # Switch to the echo client (2); every byte value through it.
        mark = len(t.buf)
        t.send(b"\x1c2\r")
        check("switch to client 2", t.wait_for(b"input now goes to client 2 (echo)", 10, mark) > 0)
        payload = bytes(range(256))
        t.send(payload.replace(b"\x1c", b"\x1c\x1c") + b"\n")
        want = b"[echo] " + payload[:11] + b"[echo] " + payload[11:] + b"\n"
        check("every byte value (NUL, Ctrl-\\ escaped) passes unchanged",
              t.wait_for(want, 10, mark) > 0, repr(t.buf[mark:][-400:]))
        for seq, why in ((b"\x1cq", b"not a digit"), (b"\x1c1x", b"not a digit"),
                         (b"\x1c9\r", b"no such client"), (b"\x1c12345\r", b"too many digits")):
            mark = len(t.buf)
            t.send(seq)
            msg = b"bad switch sequence (" + why + b"): input stays with client 2 (echo)"
            check("invalid switch %r is reported and switches nothing" % seq,
                  t.wait_for(msg, 10, mark) > 0)
        mark = len(t.buf)
        t.send(b"still here\n")
        check("input still goes to echo after the invalid sequences",
              t.wait_for(b"still here\n", 10, mark) > 0)
        mark = len(t.buf)
        t.send(b"no newline yet")
        check("a partial line (a prompt) shows once nothing else is pending",
              t.wait_for(b"[echo] no newline yet", 10, mark) > 0)
        mark = len(t.buf)
        t.send(b"\x1c1\r")
        check("switch back to client 1", t.wait_for(b"to client 1 (spam1)", 10, mark) > 0)
        check("the console message ends the held partial line first (never inside it)",
              t.buf.find(b"no newline yet\r\n\r\nsddf serial: input now goes to client 1") >= 0)
    finally:
        rc = stop(p)
    text = log_text(log)
    check("SIGTERM stops the system with exit 0", rc == 0, "rc=%s\n%s" % (rc, text))
    m = re.search(r"stats ser_virt_rx .*rx_dropped=(\d+)", text)
    check("the flood's excess was dropped and counted", m is not None and int(m.group(1)) > 0,
          text)


def termios_case():
    for how in ("timeout", "sigterm", "crash"):
        t = Pty()
        before = termios.tcgetattr(t.slave)
        sysfile = SYSTEM.format(b=PDDIR, dev="")
        args = ("--timeout", "3000") if how == "timeout" else ()
        p, log = start(sysfile, stdio=t.slave, args=args)
        ready = t.wait_for(b"echo ready", 10)
        running = termios.tcgetattr(t.slave)
        check("%s: raw mode while running" % how,
              ready > 0 and not (running[3] & (termios.ICANON | termios.ECHO)))
        if how == "crash":
            t.send(b"\x1c2\rcrash!\n")
            try:
                rc = p.wait(15)
            except subprocess.TimeoutExpired:
                rc = stop(p, signal.SIGKILL)
            check("crash: the PD fault stops the system (exit 1)", rc == 1, "rc=%s" % rc)
        elif how == "sigterm":
            rc = stop(p)
            check("sigterm: exit 0", rc == 0, "rc=%s" % rc)
        else:
            try:
                rc = p.wait(15)
            except subprocess.TimeoutExpired:
                rc = stop(p, signal.SIGKILL)
            check("timeout: exit 0", rc == 0, "rc=%s" % rc)
        after = termios.tcgetattr(t.slave)
        check("%s: terminal mode restored" % how, after == before,
              "%s != %s\n%s" % (after, before, log_text(log)))
        os.close(t.master)
        os.close(t.slave)


if os.geteuid() != 0 and not os.access(SDDF, os.X_OK):
    print("SKIP: no sddf binary")
    sys.exit(77)
{"traffic": traffic, "termios": termios_case}[CASE]()
print("%s: %d failed" % (CASE, len(FAILS)))
sys.exit(1 if FAILS else 0)
