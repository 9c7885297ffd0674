#!/bin/sh
# The leger-validate pre-commit hook: runs `leger validate --no-host` once
# for every set folder holding one of the changed files given as arguments
# (a drop-in web.container.d/x.conf belongs to the folder above it).
# Arguments before the first file (those starting with -) go to leger.
set -u
flags=""
while [ $# -gt 0 ]; do
  case "$1" in
    --podman-version) flags="$flags $1 $2"; shift 2 ;;
    -*) flags="$flags $1"; shift ;;
    *) break ;;
  esac
done
status=0
for dir in $(for f in "$@"; do d=$(dirname -- "$f"); case "$d" in *.d) d=$(dirname -- "$d") ;; esac; echo "$d"; done | sort -u); do
  # shellcheck disable=SC2086 # flags are words on purpose
  leger validate --no-host $flags "$dir" || status=$?
done
exit "$status"
