#!/usr/bin/zsh -f
# zsh_complete.zsh FPATH_DIR LINE: what zsh completes at the end of LINE,
# one "MATCH:candidate" a line, with the completion functions of FPATH_DIR
# (for tests/03-options.bats). An interactive zsh, in a pseudo-terminal,
# gets LINE and a TAB; compadd, wrapped, prints what it adds.
zmodload zsh/zpty || exit 2
dir=$1 line=$2
zpty z env TERM=dumb zsh -f -i
zpty -w z "PROMPT='>'; RPROMPT=; fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits
  builtin compadd -A __hits "$@"
  local h
  for h in $__hits; do print -r -- "MATCH:$IPREFIX$h"; done
}'
# The end of the matches: a word the echoed command line does not hold.
zpty -w z 'finish() { print -r -- END""OF""MATCHES; }; comppostfuncs=(finish)'
zpty -w -n z "$line"$'\t'
zpty -r -m z out '*ENDOFMATCHES*' || exit 2
print -r -- "${out##*comppostfuncs=\(finish\)}" | tr -d '\r' | grep -a -oE 'MATCH:[^[:cntrl:]]*'
zpty -d z
