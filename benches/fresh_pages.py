#!/usr/bin/env python3
"""What fresh memory costs on this machine, without fleetstate.

    python3 benches/fresh_pages.py 1 1 8 8      # sizes in GB, each a new mapping
    python3 benches/fresh_pages.py 8:huge       # the same with MADV_HUGEPAGE

For each size it maps anonymous memory, writes one byte per 4 KiB page (every first touch
is a minor page fault: the kernel zeroes a page and, on a virtual machine, the host may
have to back it), then unmaps it. It prints the faults, the user and system time of this
process, the machine's steal time (from /proc/stat) and the wall time. The loop itself
costs about 0.25 s of user time per GB.

At fleet scale most of fleetstate's memory is such fresh memory (BENCHMARKS.md, the
nineteenth round): this measures its price apart from the program.
"""

import mmap
import resource
import sys
import time

PAGE = 4096


def steal_ticks():
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return int(fields[8]) if len(fields) > 8 else 0


def touch(gigabytes, huge):
    n = int(gigabytes * (1 << 30))
    m = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if huge:
        m.madvise(mmap.MADV_HUGEPAGE)
    view = memoryview(m)
    s0, r0, t0 = steal_ticks(), resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    for off in range(0, n, PAGE):
        view[off] = 1
    s1, r1, t1 = steal_ticks(), resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    view.release()
    m.close()
    faults = r1.ru_minflt - r0.ru_minflt
    system = r1.ru_stime - r0.ru_stime
    per_fault = system / faults * 1e6 if faults else 0.0
    print(
        f"{gigabytes:g} GB{' huge' if huge else ''}: {faults} faults, "
        f"user {r1.ru_utime - r0.ru_utime:.2f} s, system {system:.2f} s "
        f"({per_fault:.2f} us a fault), steal {(s1 - s0) / 100:.2f} s, wall {t1 - t0:.2f} s"
    )


def main(args):
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for arg in args:
        size, _, kind = arg.partition(":")
        if kind not in ("", "huge"):
            print(f"fresh_pages: {arg!r}: the size may only be followed by ':huge'", file=sys.stderr)
            return 2
        touch(float(size), kind == "huge")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
