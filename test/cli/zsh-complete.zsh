# Types each argument after the first into an interactive zsh that has sourced the completion
# script named by the first, presses Tab, and prints what zsh showed. Each step waits for the
# shell to answer (a marker, then the prompt) instead of sleeping.
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "PS1='> '; autoload -U compinit && compinit -u -D; source ${(q)1}; LISTMAX=10000; unsetopt beep; print RE''ADY"
zpty -r z out '*READY*> *' || exit 3
shift
local n=0
for typed in "$@"; do
  n=$((n + 1))
  zpty -w -n z "$typed"$'\t'
  zpty -w z $'\C-e\C-u'"print EN''D$n"
  zpty -r z out "*END$n*> *" || exit 4
  print -r -- "=== $typed"
  print -r -- "$out"
done
zpty -d z
