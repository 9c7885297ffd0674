#!/bin/bash
# A program of leger's fake test host (tests/fakes/bin/podman, systemctl, journalctl and busctl link here; the
# name called is the tool): answers from the state folder in $LEGER_FAKE_HOST.
#
# While a test runs, its process answers on 127.0.0.1:$LEGER_FAKE_HOST_PORT (tests/fakes/fake_host_serve.ts
# describes the exchange): no Deno is started. Otherwise a Deno runs fake_host_cli.ts: $LEGER_DENO (the Deno
# that runs the tests), else the first deno on PATH.
export LC_ALL=C
tool=${0##*/}
if [ -n "${LEGER_FAKE_HOST_PORT:-}" ] && { exec 3<>"/dev/tcp/127.0.0.1/$LEGER_FAKE_HOST_PORT"; } 2>/dev/null; then
  {
    printf '%s\n' "$tool" "$#" "${#PWD}"
    printf '%s' "$PWD"
    for arg in "$@"; do printf '%s\n%s' "${#arg}" "$arg"; done
  } >&3
  IFS= read -r reads <&3 || { echo "$tool (fake): the test process hung up" >&2; exit 125; }
  if [ "$reads" = 1 ]; then
    input=$(mktemp) && cat >"$input" && size=$(stat -c %s "$input") && { printf '%s\n' "$size"; cat "$input"; } >&3
    rm -f "$input"
  fi
  IFS=' ' read -r code errlen <&3 || { echo "$tool (fake): the test process hung up" >&2; exit 125; }
  if [ "$errlen" -gt 0 ]; then
    IFS= read -r -N "$errlen" err <&3
    printf '%s' "$err" >&2
  fi
  cat <&3
  exit "$code"
fi
deno=${LEGER_DENO:-$(command -v deno)}
if [ -z "$deno" ]; then
  echo "$tool (fake): no Deno to run the fake host: set LEGER_DENO or put deno on PATH" >&2
  exit 127
fi
exec "$deno" run -A --quiet --no-config --no-lock "${0%/*}/../fake_host_cli.ts" "$tool" "$@"
