#!/usr/bin/env bash
# Writes the sources leger.spec builds from into dist/:
#   leger-VERSION.tar.gz            the source tree at HEAD (git archive)
#   leger-VERSION-deno-dir.tar.gz   a DENO_DIR holding the npm packages of
#                                   deno.lock, so %build compiles offline
# Source2 (denort-DENO-ARCH.zip, Deno's base runtime) is not made here: put
# the zip Deno publishes for the target into dist/ for rpmbuild -bb.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^Version: *//p' leger.spec)
mkdir -p dist
git archive --format=tar.gz --prefix="leger-$version/" -o "dist/leger-$version.tar.gz" HEAD
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
DENO_DIR="$dir" DENO_NO_UPDATE_CHECK=1 deno install --quiet --frozen --entrypoint main.ts
tar -czf "dist/leger-$version-deno-dir.tar.gz" -C "$dir" .
ls -l "dist/leger-$version.tar.gz" "dist/leger-$version-deno-dir.tar.gz"
