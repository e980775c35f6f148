#!/usr/bin/python3
"""A strict checker of the Prometheus text exposition format 0.0.4, for tests
(promtool is not in Debian 12).

    prom_check.py [FILE]      (standard input without FILE)

Exits 0 and prints "ok: N families, M samples" when the text is valid;
else prints each problem as "line N: ..." on standard error and exits 1.

What it holds the text to, stricter than Prometheus' own parser where that
one is lenient, never looser:

- The whole text is UTF-8; lines end with a line feed, the last one too; no
  carriage returns. Empty lines are allowed (the format ignores them).
- A sample is  name[{label="value",...}] value [timestamp]  as the EBNF of
  the format says: a metric name [a-zA-Z_:][a-zA-Z0-9_:]*, label names
  [a-zA-Z_][a-zA-Z0-9_]* not starting with "__" and not twice in one
  sample, values in double quotes with only \\\\, \\" and \\n as escapes
  (a trailing comma is allowed; blanks inside the braces are not), a value
  that Go's ParseFloat takes without hex or underscores (or NaN, +Inf,
  -Inf), an optional timestamp (an int64 of milliseconds).
- "# HELP name text" (text escapes: \\\\ and \\n only) and
  "# TYPE name counter|gauge|histogram|summary|untyped": at most one of
  each per name, before the samples of the name. Other comments are
  allowed, as the format allows them.
- Every sample belongs to a family that has a TYPE line before it, and the
  lines of a family form one group.
- Names, as in the 0.0.4 text Prometheus' client libraries write: a
  counter's TYPE line names it with its "_total" (the name its samples
  have), where OpenMetrics would name the family without it; Prometheus'
  parser of 0.0.4 takes both. Counters must end in "_total"; their values
  are not NaN and not negative. A histogram's samples are NAME_bucket
  (with an "le" label), NAME_sum and NAME_count; a summary's NAME (with a
  "quantile" label), NAME_sum and NAME_count; others are NAME itself.
- No series twice: the same name with the same labels (in any order).
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN")
TIMESTAMP = re.compile(r"-?[0-9]+")
BLANKS = re.compile(r"[ \t]+")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class Problem(Exception):
    pass


def unescape(text, allowed):
    """The text with its escapes replaced; any other backslash is a problem."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in allowed:
                raise Problem("bad escape %r" % text[i:i + 2])
            out.append({"\\": "\\", '"': '"', "n": "\n"}[text[i + 1]])
            i += 2
            continue
        if c == "\n":
            raise Problem("a line feed that is not escaped")
        out.append(c)
        i += 1
    return "".join(out)


def parse_labels(line, i):
    """Labels from just after '{': (list of (name, value), index after '}')."""
    labels = []
    while True:
        if line.startswith("}", i):
            return labels, i + 1
        m = LABEL.match(line, i)
        if not m:
            raise Problem("expected a label name at column %d" % (i + 1))
        name = m.group()
        if name.startswith("__"):
            raise Problem("label name %s is reserved (starts with __)" % name)
        i = m.end()
        if not line.startswith('="', i):
            raise Problem('expected =" after label %s' % name)
        i += 2
        start = i
        while i < len(line) and line[i] != '"':
            i += 2 if line[i] == "\\" else 1
        if i >= len(line):
            raise Problem("label %s: value not closed" % name)
        labels.append((name, unescape(line[start:i], '\\"n')))
        i += 1
        if line.startswith(",", i):
            i += 1
        elif not line.startswith("}", i):
            raise Problem("expected , or } after the value of label %s" % name)


def parse_sample(line):
    m = NAME.match(line)
    if not m:
        raise Problem("expected a metric name")
    name, i = m.group(), m.end()
    labels = []
    if line.startswith("{", i):
        labels, i = parse_labels(line, i + 1)
    rest = line[i:]
    b = BLANKS.match(rest)
    if not b:
        raise Problem("expected blanks before the value")
    fields = rest[b.end():].split()
    if not fields or len(fields) > 2:
        raise Problem("expected a value and at most a timestamp")
    if not FLOAT.fullmatch(fields[0]):
        raise Problem("value %r is not a float" % fields[0])
    if len(fields) == 2:
        if not TIMESTAMP.fullmatch(fields[1]) or not -2**63 <= int(fields[1]) < 2**63:
            raise Problem("timestamp %r is not an int64" % fields[1])
    seen = set()
    for label, _ in labels:
        if label in seen:
            raise Problem("label %s twice" % label)
        seen.add(label)
    return name, labels, float(fields[0])


def family_of(name, types):
    """The family (TYPE'd name) a sample name belongs to, or None."""
    if name in types and types[name] != "histogram":
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            kind = types.get(base)
            if kind == "histogram" or (kind == "summary" and suffix != "_bucket"):
                return base
    return None


def check(data):
    problems = []
    types, helps = {}, {}
    sampled = set()         # families with samples already
    closed = set()          # families whose group has ended
    current = None          # the family of the group going on
    series = set()
    n_samples = 0

    if data and not data.endswith(b"\n"):
        problems.append("line %d: the last line does not end with a line feed"
                        % (data.count(b"\n") + 1))
    for number, raw in enumerate(data.split(b"\n")[:-1] if data else [], 1):
        try:
            try:
                line = raw.decode("utf-8", errors="strict")
            except UnicodeDecodeError as e:
                raise Problem("not UTF-8: %s" % e.reason)
            if "\r" in line:
                raise Problem("a carriage return")
            stripped = line.strip(" \t")
            if not stripped:
                continue
            if stripped.startswith("#"):
                tokens = stripped[1:].split(None, 2)
                if not tokens or tokens[0] not in ("HELP", "TYPE"):
                    continue            # a comment
                if len(tokens) < 2 or not NAME.fullmatch(tokens[1]):
                    raise Problem("# %s without a valid metric name" % tokens[0])
                kind, name = tokens[0], tokens[1]
                if name in sampled or name in closed:
                    raise Problem("%s of %s after its samples or group" % (kind, name))
                if current != name and current is not None:
                    closed.add(current)
                current = name
                if kind == "HELP":
                    if name in helps:
                        raise Problem("a second HELP for %s" % name)
                    helps[name] = unescape(tokens[2] if len(tokens) > 2 else "", "\\n")
                    continue
                if len(tokens) != 3 or tokens[2] not in TYPES:
                    raise Problem("TYPE %s: expected one of %s" % (name, ", ".join(TYPES)))
                if name in types:
                    raise Problem("a second TYPE for %s" % name)
                if tokens[2] == "counter" and not name.endswith("_total"):
                    raise Problem("counter %s does not end in _total" % name)
                types[name] = tokens[2]
                continue

            name, labels, value = parse_sample(stripped)
            n_samples += 1
            family = family_of(name, types)
            if family is None:
                raise Problem("sample of %s without a TYPE before it" % name)
            if family != current:
                if family in closed or family in sampled:
                    raise Problem("samples of %s apart from its group" % family)
                if current is not None:
                    closed.add(current)
                current = family
            sampled.add(family)
            kind = types[family]
            label_names = {k for k, _ in labels}
            if kind == "counter" and (math.isnan(value) or value < 0):
                raise Problem("counter %s has the value %s" % (name, value))
            if kind == "histogram" and name.endswith("_bucket") and "le" not in label_names:
                raise Problem("bucket %s without le" % name)
            if kind == "summary" and name == family and "quantile" not in label_names:
                raise Problem("summary %s without quantile" % name)
            key = (name, frozenset(labels))
            if key in series:
                raise Problem("series %s%s twice" % (name, dict(labels)))
            series.add(key)
        except Problem as e:
            problems.append("line %d: %s" % (number, e))
    return problems, len(types), n_samples


def main():
    if len(sys.argv) > 2:
        sys.exit("usage: prom_check.py [FILE]")
    if len(sys.argv) == 2:
        with open(sys.argv[1], "rb") as f:
            data = f.read()
    else:
        data = sys.stdin.buffer.read()
    problems, families, samples = check(data)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print("ok: %d families, %d samples" % (families, samples))


if __name__ == "__main__":
    main()
