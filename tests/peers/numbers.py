#!/usr/bin/python3
"""Checks a stream of numbered records (one number a line, or TAG<TAB>N).

  numbers.py FILE N [--max-dup K] [--tags /a,/b,/c]

Every number from 1 to N must be there (for each tag); taking each
number's first appearance, they must come in order; numbers seen twice
(the duplicates a receiver restart may leave) are at most K (default 0).
Prints "records R, unique U, duplicates D" (per tag), exits 1 with what
is wrong otherwise.
"""
import argparse
import sys


def check(name, numbers, n, max_dup):
    seen = set()
    last = 0
    dups = 0
    for x in numbers:
        if x in seen:
            dups += 1
            continue
        if x <= last:
            return f"{name}: {x} came after {last}: out of order"
        seen.add(x)
        last = x
    missing = n - len(seen)
    if missing or last != n or len(seen) != n:
        lost = sorted(set(range(1, n + 1)) - seen)
        return f"{name}: {missing} missing (first: {lost[:5]})"
    if dups > max_dup:
        return f"{name}: {dups} duplicates, more than {max_dup}"
    print(f"{name}records {len(numbers)}, unique {len(seen)}, duplicates {dups}")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("n", type=int)
    ap.add_argument("--max-dup", type=int, default=0)
    ap.add_argument("--tags")
    a = ap.parse_args()
    by_tag = {}
    with open(a.file, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            tag = b""
            if a.tags:
                tag, _, line = line.partition(b"\t")
            try:
                by_tag.setdefault(tag.decode(), []).append(int(line))
            except ValueError:
                print(f"not a number: {line[:40]!r}")
                return 1
    tags = a.tags.split(",") if a.tags else [""]
    for tag in tags:
        problem = check(f"{tag}: " if tag else "", by_tag.get(tag, []), a.n, a.max_dup)
        if problem:
            print(problem)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
