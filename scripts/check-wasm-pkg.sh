#!/usr/bin/env bash
# Rebuilds the wasm into a temporary folder and fails if it differs from the committed wasm-pkg/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/build-wasm.sh" "$tmp" >/dev/null
if ! diff -r "$tmp" "$root/wasm-pkg" >/dev/null; then
  echo "check-wasm-pkg: wasm-pkg/ is not what crates/ builds. Run: npm run build:wasm" >&2
  diff -r "$tmp" "$root/wasm-pkg" | head -20 >&2 || true
  exit 1
fi
echo "check-wasm-pkg: wasm-pkg/ matches crates/ byte for byte"
