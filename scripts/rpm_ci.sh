#!/usr/bin/env bash
# CI's RPM step: rpmlint on the spec, the source RPM always, the binary RPM
# only when Deno's base runtime is given through DENORT_BIN (deno compile
# cannot download it here); says which it did.
set -euo pipefail
cd "$(dirname "$0")/.."
rpmlint leger.spec
scripts/rpm_sources.sh
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
rpmbuild -bs leger.spec --define "_sourcedir $PWD/dist" --define "_topdir $top" --define "_srcrpmdir $PWD/dist"
if [ -n "${DENORT_BIN:-}" ]; then
  # --nodeps: on Debian, deno and systemd-rpm-macros are not rpm packages.
  rpmbuild -bb --nodeps leger.spec --define "_sourcedir $PWD/dist" --define "_topdir $top" --define "_rpmdir $PWD/dist"
  echo "RPM: built the source RPM and the binary RPM (runtime from DENORT_BIN=$DENORT_BIN)"
else
  echo "RPM: built the source RPM only; SKIPPED the binary RPM: DENORT_BIN is not set (deno compile needs Deno's base runtime, which this machine cannot download)"
fi
ls -l dist/*.rpm dist/*/*.rpm 2>/dev/null || true
