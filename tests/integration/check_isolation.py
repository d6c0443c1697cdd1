#!/usr/bin/env python3
"""tests/integration/check_isolation.py - compare what a running system's PDs
really map (/proc/PID/maps) with what its description grants.

Usage: check_isolation.py DESCRIBE_XML MONITOR_LOG MONITOR_PID

DESCRIBE_XML is the output of `sddf describe` (the expanded low-level form:
<memory_region name=...>, <protection_domain name=...> with <map mr=...
perms=...>). MONITOR_LOG holds the monitor's "sddf: started PD 'NAME' (pid N)"
lines. Memory regions are memfds named after the region, so a mapping of
region R shows in /proc/PID/maps as "/memfd:R (deleted)".

Checks (one "ok:"/"FAIL:" line each; exit status 1 if any failed):
  - every PD of the description runs as its own process, with a distinct pid,
    and its parent is the monitor;
  - each PD maps exactly the regions the description grants it, and with
    exactly the granted permissions (r -> r--s, rw -> rw-s, ...);
  - so each region is mapped only by the PDs the description grants;
  - every PD, the driver included, runs with no capabilities and with
    no-new-privs set, and only a PD given a TAP IRQ holds a TAP descriptor;
  - every PD runs under a uid and gid of its own: non-zero, not the
    monitor's, distinct from every other PD's, with no supplementary groups;
  - the net-specific rules (sDDF design): no client maps the rx DMA region
    (the device-reachable region the rx virtualiser maps), and the two
    clients share no region.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

FAILS = 0
CHECKS = 0


def check(ok, what):
    global FAILS, CHECKS
    CHECKS += 1
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        FAILS += 1
    return ok


def perm_string(perms):
    """Description perms ('r', 'rw', 'rx') -> the /proc/PID/maps form of a shared map."""
    return ("r" if "r" in perms else "-") + ("w" if "w" in perms else "-") + \
        ("x" if "x" in perms else "-") + "s"


def load_description(path):
    root = ET.parse(path).getroot()
    regions = {}
    for mr in root.iter("memory_region"):
        regions[mr.get("name")] = mr.attrib
    grants = {}  # pd -> {region: perms}
    taps = set()  # PDs given a TAP device as an IRQ
    for pd in root.iter("protection_domain"):
        if any(i.get("kind") == "tap" for i in pd.findall("irq")):
            taps.add(pd.get("name"))
        g = {}
        for m in pd.findall("map"):
            perms = m.get("perms", "rw")
            # The same region mapped twice in one PD: keep every perms seen.
            g.setdefault(m.get("mr"), set()).add(perm_string(perms))
        grants[pd.get("name")] = g
    return regions, grants, taps


def load_pids(path):
    pids = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^sddf: started PD '([^']+)' \(pid (\d+)\)", line)
            if m:
                pids[m.group(1)] = int(m.group(2))
    return pids


def memfd_maps(pid):
    """{memfd name: set of perms strings} of a running process."""
    out = {}
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) < 6:
                continue
            m = re.match(r"^/memfd:(.*) \(deleted\)$", parts[5].strip())
            if m:
                out.setdefault(m.group(1), set()).add(parts[1])
    return out


def status_of(pid):
    """/proc/PID/status as {field: value}."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def fd_targets(pid):
    out = []
    d = f"/proc/{pid}/fd"
    for fd in os.listdir(d):
        try:
            out.append(os.readlink(f"{d}/{fd}"))
        except OSError:
            pass
    return out


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    regions, grants, taps = load_description(sys.argv[1])
    pids = load_pids(sys.argv[2])
    monitor = int(sys.argv[3])

    check(len(grants) > 0, f"description has {len(grants)} PDs")
    check(sorted(pids) == sorted(grants),
          f"monitor started exactly the described PDs: {sorted(pids)}")
    check(len(set(pids.values())) == len(pids),
          f"{len(pids)} distinct PD processes: {sorted(pids.values())}")
    check(monitor not in pids.values(), "no PD runs inside the monitor process")

    actual = {}
    uids = {}
    monitor_uid = int(status_of(monitor)["Uid"].split()[0])
    for pd, pid in sorted(pids.items()):
        try:
            st = status_of(pid)
            ids = [int(x) for x in st["Uid"].split() + st["Gid"].split()]
            uid = ids[0]
            uids[pd] = uid
            check(len(set(ids)) == 1 and uid != 0 and uid != monitor_uid,
                  f"PD {pd}: real/effective/saved uid and gid all {uid}, not 0, not the "
                  f"monitor's ({monitor_uid}): {ids}")
            check(st.get("Groups", "") == "", f"PD {pd}: no supplementary groups "
                  f"({st.get('Groups')!r})")
            check(int(st.get("PPid", "-1")) == monitor,
                  f"PD {pd} (pid {pid}): parent is the monitor")
            caps = {k: st.get(k) for k in ("CapPrm", "CapEff", "CapBnd", "CapAmb")}
            check(all(v is None or int(v, 16) == 0 for v in caps.values()),
                  f"PD {pd}: no capabilities {caps}")
            check(st.get("NoNewPrivs") == "1", f"PD {pd}: no-new-privs set")
            tun = [t for t in fd_targets(pid) if t == "/dev/net/tun"]
            if pd in taps:
                check(len(tun) == 1, f"PD {pd} (TAP driver) holds its TAP descriptor ({len(tun)})")
            else:
                check(not tun, f"PD {pd} holds no TAP descriptor ({len(tun)})")
            actual[pd] = memfd_maps(pid)
        except OSError as e:
            check(False, f"PD {pd} (pid {pid}) is running: {e}")
            actual[pd] = {}

    check(len(set(uids.values())) == len(uids),
          f"every PD has a uid of its own: {sorted(uids.items())}")

    for pd, g in sorted(grants.items()):
        if pd not in actual:
            continue
        have = actual[pd]
        mapped_regions = {r for r in have if r in regions}
        unknown = sorted(r for r in have if r not in regions)
        if unknown:
            # The runtime's own memfds (boot blob, configuration, statistics)
            # are not description regions; each is private to one PD and
            # named "KIND:PDNAME", so another PD's name here is a leak.
            print(f"note: PD {pd} also maps runtime memfds {unknown}")
            foreign = [r for r in unknown if ":" in r and r.rsplit(":", 1)[1] != pd]
            check(not foreign, f"PD {pd} maps no other PD's runtime memfd {foreign}")
        check(mapped_regions == set(g),
              f"PD {pd} maps exactly its granted regions "
              f"(missing {sorted(set(g) - mapped_regions)}, "
              f"extra {sorted(mapped_regions - set(g))})")
        for r in sorted(mapped_regions & set(g)):
            check(have[r] == g[r],
                  f"PD {pd}: region {r} mapped {sorted(have[r])}, granted {sorted(g[r])}")

    for r in sorted(regions):
        granted_to = sorted(pd for pd, g in grants.items() if r in g)
        mapped_by = sorted(pd for pd, a in actual.items() if r in a)
        check(mapped_by == granted_to,
              f"region {r} mapped only by {granted_to} (really: {mapped_by})")

    # Net rules. The rx DMA region: device-reachable (io_addr) and mapped by
    # the rx virtualiser; clients: PDs whose name starts with "client" and
    # that are not copiers.
    virt_rx = [pd for pd in grants if "virt_rx" in pd]
    clients = sorted(pd for pd in grants if pd.startswith("client") and "cop" not in pd)
    dma = sorted(r for r in regions
                 if regions[r].get("io_addr") and any(r in grants[v] for v in virt_rx))
    if virt_rx:
        check(len(dma) >= 1, f"rx DMA region(s) identified: {dma}")
        for r in dma:
            for v in virt_rx:
                if r in actual.get(v, {}):
                    check(actual[v][r] == {"r--s"}, f"{v} maps rx DMA {r} read-only (r--s)")
            for c in clients:
                check(r not in actual.get(c, {}), f"client {c} does not map rx DMA {r}")
            for pd in sorted(grants):
                if "cop" in pd and r in actual.get(pd, {}):
                    check(actual[pd][r] == {"r--s"}, f"copier {pd} maps rx DMA {r} read-only (r--s)")
    for i, a in enumerate(clients):
        for b in clients[i + 1:]:
            shared = sorted(set(actual.get(a, {})) & set(actual.get(b, {})) & set(regions))
            check(not shared, f"clients {a} and {b} share no region (shared: {shared})")

    print(f"{CHECKS - FAILS} of {CHECKS} isolation checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
