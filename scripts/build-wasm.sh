#!/usr/bin/env bash
# Builds crates/knobs-core to wasm32 (SIMD128) into wasm-pkg/ with wasm-pack. Reproducible:
# paths are remapped, so the bytes do not depend on where the repository is checked out.
#   scripts/build-wasm.sh [out-dir]     (default: wasm-pkg)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-wasm-pkg}
case $out in /*) ;; *) out="$root/$out" ;; esac
. "$root/scripts/toolchain.env"

rust_src=$(ls -d /usr/src/rustc-1.*/library | sort -V | tail -1)
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo
# Lets Debian's stable cargo take -Zbuild-std: std for wasm32 is built from rust-web-src.
export RUSTC_BOOTSTRAP=1
# wasm-pack only checks that the target's libdir exists; build-std supplies the real std.
mkdir -p "$($RUSTC --target wasm32-unknown-unknown --print target-libdir)"
export RUSTFLAGS="-C target-feature=+simd128 -C linker=wasm-ld \
--remap-path-prefix=$root=/knobs --remap-path-prefix=$HOME/.cargo=/cargo --remap-path-prefix=$(dirname "$rust_src")=/rustc"
# Debian's cargo first: -Zbuild-std is tied to cargo's own version. wasm-bindgen/wasm-pack
# come from ~/.cargo/bin after it.
export PATH="/usr/bin:$HOME/.cargo/bin:$PATH"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && wasm-pack --quiet build crates/knobs-core --release --target web --no-pack \
  --out-dir "$tmp" --out-name knobs_core -- -Zbuild-std=std,panic_abort)
mkdir -p "$out"
rm -f "$out"/knobs_core*
cp "$tmp"/knobs_core.js "$tmp"/knobs_core.d.ts "$tmp"/knobs_core_bg.wasm "$tmp"/knobs_core_bg.wasm.d.ts "$out"/
cat > "$out/BUILD-INFO" <<INFO
# Toolchain that produced these files (scripts/build-wasm.sh). A rebuild with other versions
# may give other bytes; scripts/check-wasm-pkg.sh compares.
rustc: $($RUSTC --version)
cargo: $($CARGO --version)
lld: $(dpkg-query -W -f='${Version}' lld 2>/dev/null || echo unknown)
wasm-bindgen: $(wasm-bindgen --version | awk '{print $2}')
wasm-pack: $(wasm-pack --version | awk '{print $2}')
rustflags: -C target-feature=+simd128 (std rebuilt with -Zbuild-std=std,panic_abort)
sha256: $(cd "$out" && sha256sum knobs_core_bg.wasm | cut -d' ' -f1)
INFO
echo "build-wasm: $(wc -c < "$out/knobs_core_bg.wasm") bytes -> $out"
