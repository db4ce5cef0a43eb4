#!/usr/bin/env bash
# Installs what building crates/ to wasm needs on a fresh Debian 12 machine. Idempotent and
# fast when everything is already there. Users who only `npm install` never need this.
#
# Route (no `rustup target add` here): Debian's rustc-web/cargo-web + rust-web-src (std sources)
# + lld, std built for wasm32 with -Zbuild-std (see scripts/build-wasm.sh); wasm-bindgen-cli and
# wasm-pack from crates.io, built for the host with `cargo install --locked`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/toolchain.env"
export PATH="$HOME/.cargo/bin:$PATH"

apt_need=()
want_deb() { # name version
  local have
  have=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true)
  [ "$have" = "$2" ] || apt_need+=("$1")
}
want_deb rustc-web "$DEB_RUSTC_WEB"
want_deb cargo-web "$DEB_RUSTC_WEB"
want_deb rust-web-src "$DEB_RUSTC_WEB"
want_deb lld "$DEB_LLD"
if [ ${#apt_need[@]} -gt 0 ]; then
  apt-get update -qq
  pinned=()
  for p in "${apt_need[@]}"; do
    case $p in lld) pinned+=("lld=$DEB_LLD") ;; *) pinned+=("$p=$DEB_RUSTC_WEB") ;; esac
  done
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pinned[@]}" >/dev/null; then
    # The archive may have moved on; a newer rustc can change the wasm bytes, which the
    # reproducibility check will then report (with BUILD-INFO showing the version difference).
    echo "setup-toolchain: pinned versions unavailable, installing current ones" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_need[@]}" >/dev/null
  fi
fi

# Host tools. rustup's stable (or Debian's cargo) is fine for these host builds.
if ! command -v cargo >/dev/null; then echo "setup-toolchain: no cargo on PATH" >&2; exit 1; fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN" ]; then
  cargo install --locked --force "wasm-bindgen-cli@=$WASM_BINDGEN"
fi
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK" ]; then
  cargo install --locked --force "wasm-pack@=$WASM_PACK"
fi
echo "setup-toolchain: $(/usr/bin/rustc --version); wasm-bindgen $WASM_BINDGEN; wasm-pack $WASM_PACK"
