#!/usr/bin/env bash
# lint.sh: functions seal-core must not call (STYLE.md §4): unbounded string functions, printing
# and exiting (a library never prints or exits), atoi-style parsing and rand.
set -u
root=${1:?usage: lint.sh REPO_ROOT}
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|printf|fprintf|puts|exit|abort|rand)[[:space:]]*\('
hits=$(grep -rnE "$banned" "$root/seal-core/src" "$root/seal-core/include" --include='*.c' --include='*.h' \
       | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)')
if [ -n "$hits" ]; then
  echo "banned functions in seal-core:"; echo "$hits"
  echo "0 passed, 1 failed"; exit 1
fi
big=$(find "$root/seal-core" "$root/cli" "$root/verifier" "$root/tests" -name '*.[ch]' -exec wc -l {} + |
      awk '$2 != "total" && $1 > 1000 {print $2" ("$1" lines)"}')
if [ -n "$big" ]; then echo "files over 1000 lines:"; echo "$big"; echo "1 passed, 1 failed"; exit 1; fi
echo "2 passed, 0 failed"
