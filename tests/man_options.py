#!/usr/bin/python3
"""The options a man page's OPTIONS section lists, for tests/03-options.bats.

    man_options.py PAGE

For each option of a heading (the line after a .TP, up to the next .SH),
prints two lines, their fields separated by tabs, "-" for none:

    option LONG SHORT ARG
    bold LONG WORD...

the first as --dump-options says it (ARG as --help writes it:
"[GLOB=]TYPE", "'K: V'"); the second with the single words in bold in the
option's paragraph (.B, .BR, \\fB...), such as the values its argument
takes, but for the names of pages ("fnmatch (3)"). A heading of two
options ("--retry-delay SECS, --retry-max SECS") gives lines for each.
Exits 1 when the page has no OPTIONS section, or a heading it cannot read.
"""
import re
import shlex
import sys

# The fonts of the arguments of each macro, in turn (.B: all bold).
MACROS = {
    'B': 'B', 'I': 'I', 'R': 'R',
    'BI': 'BI', 'BR': 'BR', 'IB': 'IB', 'IR': 'IR', 'RB': 'RB', 'RI': 'RI',
}
CHARS = {r'\-': '-', r'\(aq': "'", r'\(lq': '"', r'\(rq': '"', r'\&': '', r'\e': '\\', r'\ ': ' '}


def chars(s):
    for k, v in CHARS.items():
        s = s.replace(k, v)
    return s


def runs(line):
    """A line of roff as (font, text) runs."""
    if line.startswith('.'):
        name, _, rest = line[1:].partition(' ')
        fonts = MACROS.get(name)
        if fonts is None:
            return []
        args = shlex.split(rest.replace('\\', '\\\\'), posix=True)
        out = []
        for i, arg in enumerate(args):
            font = fonts[i % len(fonts)]
            if len(fonts) == 1 and i:
                out.append(('R', ' '))
            out += [(f if f != 'P' else font, t) for f, t in inline(arg, font)]
        return out
    return inline(line, 'R')


def inline(text, font):
    """Text with \\fB, \\fI, \\fR and \\fP font changes, as runs."""
    out = []
    previous = font
    for part in re.split(r'(\\f[BIRP])', text):
        if re.fullmatch(r'\\f[BIRP]', part):
            new = part[2]
            previous, font = font, previous if new == 'P' else new
        elif part:
            out.append((font, chars(part)))
    return out


def heading(line):
    """(long, short, arg) of each option of a .TP heading."""
    text = ''.join(t for _, t in runs(line)).strip()
    out = []
    short = None
    for part in text.split(', '):
        name, _, arg = part.partition(' ')
        if re.fullmatch(r'-[A-Za-z0-9]', name) and not arg:
            short = name[1]
        elif re.fullmatch(r'--[a-z0-9][a-z0-9-]*', name):
            out.append((name[2:], short, arg or None))
            short = None
        else:
            raise ValueError(f'cannot read the heading {text!r}')
    if short or not out:
        raise ValueError(f'cannot read the heading {text!r}')
    return out


def bold_words(lines):
    """The single words in bold, but for references to pages: "fnmatch (3)"."""
    words = []
    for line in lines:
        line_runs = runs(line)
        for k, (font, text) in enumerate(line_runs):
            if font != 'B':
                continue
            found = [w for w in re.split(r'[\s,;.:()]+', text) if re.fullmatch(r'[a-z][a-z0-9-]*', w)]
            after = line_runs[k + 1][1] if k + 1 < len(line_runs) else ''
            if found and re.match(r'\(\d', after):
                found.pop()
            words += found
    return words


def main(path):
    lines = open(path, encoding='utf-8').read().splitlines()
    try:
        start = lines.index('.SH OPTIONS')
    except ValueError:
        sys.stderr.write(f'{path}: no OPTIONS section\n')
        return 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith('.SH')), len(lines))
    section = lines[start + 1:end]
    heads = [i + 1 for i, line in enumerate(section) if line == '.TP' and i + 1 < len(section)]
    for n, i in enumerate(heads):
        stop = heads[n + 1] - 1 if n + 1 < len(heads) else len(section)
        para = section[i + 1:stop]
        para = para[:next((k for k, line in enumerate(para) if line.startswith('.SS')), len(para))]
        try:
            options = heading(section[i])
        except ValueError as e:
            sys.stderr.write(f'{path}: {e}\n')
            return 1
        for long, short, arg in options:
            print(f'option\t{long}\t{short or "-"}\t{arg or "-"}')
            print('\t'.join(['bold', long] + bold_words(para)))
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(64)
    sys.exit(main(sys.argv[1]))
