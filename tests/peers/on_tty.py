#!/usr/bin/python3
"""Runs a command with a terminal for its stdin, as an interactive user would.

Usage: on_tty.py PIDFILE STATUSFILE COMMAND...: the command's stdin is a
new pty, its stdout and stderr are this script's. What this script reads
on its stdin is typed into the terminal, line by line. The command's pid
goes to PIDFILE once it runs, its exit status to STATUSFILE once it ends;
the terminal stays open until then, so the command never sees an end of
input.
"""
import os
import subprocess
import sys
import threading


def type_lines(master):
    for line in sys.stdin.buffer:
        os.write(master, line)


def main():
    pid_file, status_file, command = sys.argv[1], sys.argv[2], sys.argv[3:]
    master, slave = os.openpty()
    child = subprocess.Popen(command, stdin=slave)
    os.close(slave)
    with open(pid_file + ".tmp", "w") as f:
        f.write(f"{child.pid}\n")
    os.rename(pid_file + ".tmp", pid_file)
    threading.Thread(target=type_lines, args=(master,), daemon=True).start()
    status = child.wait()
    with open(status_file + ".tmp", "w") as f:
        f.write(f"{status}\n")
    os.rename(status_file + ".tmp", status_file)


main()
