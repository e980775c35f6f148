#!/usr/bin/python3
"""Checks the runs of a client that resumes from a state file, for tests.

  resume_runs.py N RUN...

Each RUN is FILE:STATE, the output of one run (one number a line) and the
offset its --state file held once the run had ended (killed or not; "-"
when it held none). Across the runs, every number from 1 to N must be
there, each run's numbers consecutive, and each run must start right
after the offset the state file held when it started (at 1 with none):
no hole. A run may repeat what the previous one wrote after its state
file's offset (the records of its last write, rxws(7)): those are the
duplicates, each run's at most 1 MiB of records. A state file that is
ahead of its run's output (it said more than stdout got) is a failure.

Prints a line per run and the totals (records out, unique, duplicates,
gaps); exits 1 with what is wrong.
"""
import sys

LAST_WRITE_MAX = 1 << 20


def main():
    n = int(sys.argv[1])
    runs = []
    for arg in sys.argv[2:]:
        path, _, state = arg.rpartition(":")
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        runs.append((path, [int(x) for x in lines], None if state == "-" else int(state)))

    problems = []
    seen = set()
    out = dups = gaps = 0
    state = None    # what the state file held when the run started
    written = 0     # the last number written by any run
    print(f"{'run':<6}{'records':>9}{'first':>8}{'last':>8}{'state':>8}{'dup':>7}{'dup bytes':>11}")
    for i, (path, nums, after) in enumerate(runs, 1):
        run_dups = 0
        run_dup_bytes = 0
        if nums:
            start = (state or 0) + 1
            if nums[0] != start:
                problems.append(f"run {i} starts at {nums[0]}, not after the state's {state}")
            for a, b in zip(nums, nums[1:]):
                if b != a + 1:
                    problems.append(f"run {i}: {b} after {a}")
                    break
            if nums[0] > written + 1:
                gaps += nums[0] - written - 1
            for x in nums:
                if x in seen:
                    run_dups += 1
                    run_dup_bytes += len(str(x)) + 1
                seen.add(x)
            written = max(written, nums[-1])
        if after is not None and nums and after > nums[-1]:
            problems.append(f"run {i}: the state says {after}, ahead of its output ({nums[-1]})")
        if run_dup_bytes > LAST_WRITE_MAX:
            problems.append(f"run {i}: {run_dup_bytes} bytes again, more than one write")
        out += len(nums)
        dups += run_dups
        print(f"{i:<6}{len(nums):>9}{nums[0] if nums else '-':>8}{nums[-1] if nums else '-':>8}"
              f"{after if after is not None else '-':>8}{run_dups:>7}{run_dup_bytes:>11}")
        if after is not None:
            state = after
    missing = sorted(set(range(1, n + 1)) - seen)
    if missing:
        problems.append(f"{len(missing)} missing (first: {missing[:5]})")
    extra = sorted(seen - set(range(1, n + 1)))
    if extra:
        problems.append(f"numbers past {n}: {extra[:5]}")
    print(f"records out {out}, unique {len(seen)}, duplicates {dups}, gaps {gaps}")
    for p in problems:
        print(p)
    return 1 if problems else 0


sys.exit(main())
