#!/usr/bin/env bash
# Rebuilds ../pki.min.js, the PKI.js bundle the subscriber portal serves at
# /assets/pki.min.js, from the versions package-lock.json pins, and copies each bundled
# package's licence to ../licenses/. Needs node and npm (the npm registry).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npx esbuild entry.js --bundle --minify --format=iife --global-name=InkanPKI \
  --target=es2020 --legal-comments=none --outfile=../pki.min.js
mkdir -p ../licenses
for p in pkijs asn1js bytestreamjs @peculiar/utils @noble/hashes; do
  name="$(echo "$p" | tr '/' '-' | tr -d '@')"
  cp "node_modules/$p/LICENSE"* "../licenses/$name.LICENSE"
done
rm -rf node_modules
echo "built ../pki.min.js ($(wc -c < ../pki.min.js) bytes)"
