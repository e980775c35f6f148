#!/usr/bin/python3
"""Numbered records at a steady rate, for tests.

  paced.py N RATE [--progress FILE]

Writes 1 to N, one a line, to stdout, RATE a second (in batches every
10 ms, each on time by the clock, not by sleeps added up). With
--progress, FILE holds the last number written (rewritten atomically
after each batch).
"""
import argparse
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("rate", type=int)
    ap.add_argument("--progress")
    a = ap.parse_args()
    out = sys.stdout.buffer
    start = time.monotonic()
    done = 0
    while done < a.n:
        due = min(a.n, int((time.monotonic() - start) * a.rate) + 1)
        if due > done:
            out.write(b"".join(b"%d\n" % i for i in range(done + 1, due + 1)))
            out.flush()
            done = due
            if a.progress:
                with open(a.progress + ".tmp", "w") as f:
                    f.write(f"{done}\n")
                os.replace(a.progress + ".tmp", a.progress)
        time.sleep(0.01)


if __name__ == "__main__":
    main()
