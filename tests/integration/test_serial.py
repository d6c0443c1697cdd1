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
           SIGTERM, a PD crash, and signals the monitor has no special
           use for (SIGQUIT, SIGUSR1: stop requests); SIGPIPE is ignored.
  example  the example client (build/serial_client): the begin text on a
           line of its own, the colour reset before the line break, a
           switch message always before the new client's answer, bad
           sequences swallowed whole (nothing leaks to the client), and a
           paste far larger than the rings: every answer line whole, no
           output dropped (the client applies back-pressure).
  redirect `sddf run` with stdout a regular file and stdin /dev/null or a
           file (cron, CI, nohup): exit 0, output whole in the file, input
           EOF handled; and stdout a pipe whose reader exits (no SIGPIPE
           death of the driver).

Usage: test_serial.py BUILD_DIR SOURCE_ROOT traffic|termios|example|redirect
Every wait is bounded; the system is killed on any exit path.
"""
import os
import re
import select
import shutil
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
# Work folders this run made: removed at the end unless a check failed.
WORK_DIRS = []


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
    WORK_DIRS.append(d)
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
        first = len(t.buf)
        for seq, why in ((b"\x1cq\r", b"not a digit"), (b"\x1c1x\r", b"not a digit"),
                         (b"\x1c9\r", b"no such client"), (b"\x1c12345\r", b"too many digits"),
                         (b"\x1c\r", b"no client number"), (b"\x1cabc def\r", b"not a digit")):
            mark = len(t.buf)
            t.send(seq)
            msg = b"bad switch sequence (" + why + b"): input stays with client 2 (echo)"
            check("invalid switch %r is reported and switches nothing" % seq,
                  t.wait_for(msg, 10, mark) > 0)
        mark = len(t.buf)
        t.send(b"\x1c1\x1c2\r")  # a Ctrl-\ inside a sequence starts it afresh
        check("Ctrl-\\ 1 Ctrl-\\ 2 Enter switches to client 2",
              t.wait_for(b"input now goes to client 2 (echo)", 10, mark) > 0)
        mark = len(t.buf)
        t.send(b"still here\n")
        check("input still goes to echo after the invalid sequences",
              t.wait_for(b"still here\n", 10, mark) > 0)
        check("no byte of an invalid sequence reached the client (only 'still here' echoed)",
              t.buf[first:].count(b"[echo]") == 1, repr(t.buf[first:]))
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
    for how in ("timeout", "sigterm", "crash", "sigquit", "sigusr1", "sigpipe"):
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
        elif how in ("sigquit", "sigusr1"):
            # no special meaning, but default action "terminate": a stop request
            rc = stop(p, signal.SIGQUIT if how == "sigquit" else signal.SIGUSR1)
            check("%s: a stop request (exit 0)" % how, rc == 0, "rc=%s" % rc)
        elif how == "sigpipe":
            p.send_signal(signal.SIGPIPE)
            time.sleep(0.5)
            check("sigpipe: ignored (the system keeps running)", p.poll() is None)
            rc = stop(p)
            check("sigpipe: then SIGTERM stops it (exit 0)", rc == 0, "rc=%s" % rc)
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


EXAMPLE = """<?xml version="1.0"?>
<system>
  <protection_domain name="alice"><program_image path="serial_client"/></protection_domain>
  <protection_domain name="bob"><program_image path="serial_client"/></protection_domain>
  <serial name="ser" driver="tty" device="{dev}" colour="true" prefix="true"
          ring_size="0x1000" begin="Begin input">
    <client pd="alice"/> <client pd="bob"/>
  </serial>
</system>
"""

RESET = b"\x1b[0m"


def example():
    t = Pty()
    p, log = start(EXAMPLE.format(dev=os.ttyname(t.slave)))
    try:
        ready = t.wait_for(b"bob (client 1) ready: type a line", 10)
        t.wait_for(b"alice (client 0) ready: type a line", 10)
        check("the begin text comes first, on a line of its own",
              ready > 0 and t.buf.startswith(b"Begin input\r\n\x1b["), repr(t.buf[:80]))
        check("the colour reset comes before the line break",
              b"[alice] alice (client 0) ready: type a line" + RESET + b"\r\n" in t.buf,
              repr(t.buf[:200]))
        # A switch and input for the new client in one write, many times over:
        # the confirmation is always on the terminal before the answer.
        order_ok = True
        for i in range(40):
            c, name = (1, b"bob") if i % 2 == 0 else (0, b"alice")
            mark = len(t.buf)
            t.send(b"\x1c%d\rq%d\r" % (c, i))
            ans = name + b" got: q%d" % i
            end = t.wait_for(ans, 10, mark)
            msg = t.buf.find(b"input now goes to client %d (%s)" % (c, name), mark)
            if end < 0 or msg < 0 or msg > end - len(ans):
                order_ok = check("switch %d: confirmation before the answer" % i, False,
                                 repr(t.buf[mark:]))
                break
        check("40 switches: every confirmation before the new client's answer", order_ok)
        # Bad sequences are swallowed whole: the Enter and the tail never reach the client.
        for seq, why in ((b"\x1c12345\r", b"too many digits"), (b"\x1c0\x1cx2\r", b"not a digit")):
            mark = len(t.buf)
            t.send(seq + b"after\r")
            got = t.wait_for(b"alice got: after", 10, mark)
            check("bad sequence %r reported" % seq,
                  t.buf.find(b"bad switch sequence (" + why + b")", mark) >= 0, repr(t.buf[mark:]))
            check("nothing of %r reached the client" % seq,
                  got > 0 and t.buf[mark:].count(b" got:") == 1, repr(t.buf[mark:]))
        # A paste far larger than the rings (4 KiB): every answer line whole.
        mark = len(t.buf)
        paste = b"".join(b"line %05d\r" % i for i in range(5000))
        check("the paste was accepted", t.send(paste, 60))
        seen = -1
        for _ in range(100):  # the paste may end mid-line: a fresh line each try
            t.send(b"\rEND\r")
            seen = t.wait_for(b"alice got: END", 0.5, mark)
            if seen > 0:
                break
        check("the client still answers after the paste", seen > 0)
        lines = [l for l in t.buf[mark:seen].split(b"\r\n") if b"got:" in l and b"END" not in l]
        whole = re.compile(rb"\x1b\[31m\[alice\] alice got: [ -~]*\x1b\[0m")
        bad = [l for l in lines if not whole.fullmatch(l)]
        check("%d answer lines, every one whole" % len(lines), len(lines) > 100 and not bad,
              repr(bad[:3]))
        nums = [int(m.group(1)) for l in lines for m in [re.search(rb"got: line (\d{5})\x1b", l)] if m]
        check("answers to whole input lines in order", nums == sorted(nums) and len(nums) > 50,
              "%d numbered" % len(nums))
    finally:
        rc = stop(p)
    text = log_text(log)
    check("SIGTERM stops the example with exit 0", rc == 0, "rc=%s\n%s" % (rc, text))
    for pd in ("alice", "bob"):
        m = re.search(r"stats %s .*serial_tx_dropped=(\d+) serial_tx_dropped_lines=(\d+)" % pd, text)
        check("%s dropped no output (back-pressure)" % pd,
              m is not None and m.group(1) == "0" and m.group(2) == "0", text)


def redirect():
    d = tempfile.mkdtemp(prefix="sddf-serial-redirect-")
    WORK_DIRS.append(d)
    spam = os.path.join(d, "spam.system")
    with open(spam, "w") as f:
        f.write(SYSTEM.format(b=PDDIR, dev=""))
    ex = os.path.join(d, "example.system")
    with open(ex, "w") as f:
        f.write(EXAMPLE.replace(' device="{dev}"', ""))
    # stdout a regular file, stdin /dev/null: all output lands, whole.
    out, err = os.path.join(d, "out"), os.path.join(d, "err")
    with open(out, "wb") as o, open(err, "wb") as e, open(os.devnull, "rb") as i:
        rc = subprocess.run([SDDF, "run", "--quiet", "--timeout", "5000", spam],
                            stdin=i, stdout=o, stderr=e, timeout=60).returncode
    text = open(out, "rb").read()
    errs = open(err, "rb").read()
    check("> file < /dev/null: exit 0", rc == 0, "rc=%s %r" % (rc, errs))
    check("> file: no IRQ failure", b"cannot wait on IRQ" not in errs, repr(errs))
    for c in ("spam0", "spam1"):
        pre = ("[%s] %s " % (c, c)).encode()
        got = [l for l in text.split(b"\r\n") if pre in l]
        want = [pre + b"%05d" % i for i in range(10000)] + [pre + b"done"]
        check("> file: %s's 10000 lines, whole and in order" % c, got == want,
              "%d lines" % len(got))
    # stdin a file: its input is read to EOF and handled.
    inp = os.path.join(d, "in")
    with open(inp, "wb") as f:
        f.write(b"hello\r\x1c1\rworld\r")
    with open(out, "wb") as o, open(err, "wb") as e, open(inp, "rb") as i:
        rc = subprocess.run([SDDF, "run", "--quiet", "--timeout", "3000", ex],
                            stdin=i, stdout=o, stderr=e, timeout=60).returncode
    text = open(out, "rb").read()
    errs = open(err, "rb").read()
    check("< file > file: exit 0", rc == 0, "rc=%s %r" % (rc, errs))
    a = text.find(b"alice got: hello")
    m = text.find(b"input now goes to client 1 (bob)")
    b = text.find(b"bob got: world")
    check("< file: every input line answered, the switch message before bob's answer",
          a >= 0 and 0 <= m < b, repr(text))
    check("< file: end of input noticed", b"input ended" in errs, repr(errs))
    # stdout a pipe whose reader goes away: EPIPE, not a SIGPIPE death.
    with open(err, "wb") as e, open(os.devnull, "rb") as i:
        p = subprocess.Popen([SDDF, "run", "--quiet", "--timeout", "3000", spam],
                             stdin=i, stdout=subprocess.PIPE, stderr=e)
        first = p.stdout.read(100)
        p.stdout.close()
        try:
            rc = p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
    errs = open(err, "rb").read()
    check("| reader that exits: output began", len(first) == 100)
    check("| reader that exits: exit 0 (no PD killed by SIGPIPE)", rc == 0,
          "rc=%s %r" % (rc, errs))
    check("| reader that exits: the driver saw the output end", b"output ended" in errs,
          repr(errs))


if os.geteuid() != 0 and not os.access(SDDF, os.X_OK):
    print("SKIP: no sddf binary")
    sys.exit(77)
{"traffic": traffic, "termios": termios_case, "example": example, "redirect": redirect}[CASE]()
print("%s: %d failed" % (CASE, len(FAILS)))
if FAILS:
    print("logs kept in " + " ".join(WORK_DIRS))
else:
    for d in WORK_DIRS:
        shutil.rmtree(d, ignore_errors=True)
sys.exit(1 if FAILS else 0)
