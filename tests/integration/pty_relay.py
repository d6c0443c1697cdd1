#!/usr/bin/env python3
"""tests/integration/pty_relay.py - a pty owned by a shell test.

Opens a pty, writes the slave's path to PATH_FILE (atomically, so a reader
never sees half a name) and appends everything the slave side writes to
CAPTURE_FILE, byte for byte, until SIGTERM or MAX_SECONDS. A shell test then
starts `sddf run` with the slave as its stdin and stdout (the terminal the
serial class's tty driver uses when <serial> names no device) and greps the
capture. The relay keeps the slave open itself too, so the master never
sees a hang-up while `sddf run` starts or stops.

Usage: pty_relay.py PATH_FILE CAPTURE_FILE MAX_SECONDS
"""
import os
import select
import signal
import sys
import time


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    path_file, capture, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
    master, slave = os.openpty()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    tmp = path_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(os.ttyname(slave) + "\n")
    os.rename(tmp, path_file)
    end = time.monotonic() + limit
    with open(capture, "ab", buffering=0) as out:
        while not stop and time.monotonic() < end:
            try:
                r, _, _ = select.select([master], [], [], 0.1)
            except InterruptedError:
                continue
            if not r:
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # EIO: no slave open (cannot happen while we hold it)
                time.sleep(0.05)
                continue
            out.write(data)
    os.close(master)
    os.close(slave)
    return 0


if __name__ == "__main__":
    sys.exit(main())
