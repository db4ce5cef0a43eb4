#!/usr/bin/env bash
# Builds crates/knobs-core to wasm32 into wasm-pkg/ with wasm-pack, three times:
#   knobs_core_bg.wasm          SIMD128 (the default)
#   knobs_core_relaxed_bg.wasm  +relaxed-simd: fused multiply-add in the matmul kernel. Same
#                               exports, so it shares knobs_core.js (checked below).
#   knobs_core_threads_bg.wasm  SIMD128 +atomics on a shared, imported memory: the build behind
#                               init({ threads }), where other wasm instances in workers take parts
#                               of each matmul (kernels/par.rs). wasm-bindgen writes its own glue
#                               for it (knobs_core_threads.js: memory import, per-thread stacks).
# ts/backend picks one at run time. Reproducible: paths are remapped, so the bytes do not depend
# on where the repository is checked out.
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
# -disable-lsr: LLVM's loop strength reduction rewrites the matmul microkernel's loads as
# `pointer + constant` adds that lose their no-wrap flag, so neither LLVM nor V8 can fold the
# constant into the load; V8 then emits an extra address instruction per load, and the SIMD128
# kernel runs ~15% slower (bench/gemm-probe.mjs). Other kernels move by up to ±15% either way
# with it (simple loops: some gain, some lose).
common_flags="-C linker=wasm-ld -C llvm-args=-disable-lsr \
--remap-path-prefix=$root=/knobs --remap-path-prefix=$HOME/.cargo=/cargo --remap-path-prefix=$(dirname "$rust_src")=/rustc"
# Debian's cargo first: -Zbuild-std is tied to cargo's own version. wasm-bindgen/wasm-pack
# come from ~/.cargo/bin after it.
export PATH="/usr/bin:$HOME/.cargo/bin:$PATH"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# build <target features> <dir>; each variant keeps its own target dir so rebuilds stay incremental.
build() {
  (cd "$root" && RUSTFLAGS="-C target-feature=$1 $common_flags ${3:-}" CARGO_TARGET_DIR="$root/target/wasm-$2" \
    wasm-pack --quiet build crates/knobs-core --release --target web --no-pack \
    --out-dir "$tmp/$2" --out-name "${4:-knobs_core}" -- -Zbuild-std=std,panic_abort)
}
build +simd128 simd128
build +simd128,+relaxed-simd relaxed
# Threads: memory shared and imported (every instance gets the same one), at most 2 GiB (a shared
# memory must declare a maximum, and browsers reserve it up front); the TLS symbols let
# wasm-bindgen give each instance its own thread-locals and stack.
build +simd128,+atomics,+bulk-memory,+mutable-globals threads "-C link-arg=--shared-memory -C link-arg=--import-memory \
-C link-arg=--max-memory=2147483648 -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
-C link-arg=--export=__tls_align -C link-arg=--export=__tls_base" knobs_core_threads
for f in knobs_core.js knobs_core.d.ts knobs_core_bg.wasm.d.ts; do
  cmp -s "$tmp/simd128/$f" "$tmp/relaxed/$f" || { echo "build-wasm: $f differs between the builds" >&2; exit 1; }
done
mkdir -p "$out"
rm -f "$out"/knobs_core*
cp "$tmp"/simd128/{knobs_core.js,knobs_core.d.ts,knobs_core_bg.wasm,knobs_core_bg.wasm.d.ts} "$out"/
cp "$tmp"/relaxed/knobs_core_bg.wasm "$out"/knobs_core_relaxed_bg.wasm
cp "$tmp"/threads/knobs_core_threads{.js,.d.ts,_bg.wasm,_bg.wasm.d.ts} "$out"/
cat > "$out/BUILD-INFO" <<INFO
# Toolchain that produced these files (scripts/build-wasm.sh). A rebuild with other versions
# may give other bytes; scripts/check-wasm-pkg.sh compares.
rustc: $($RUSTC --version)
cargo: $($CARGO --version)
lld: $(dpkg-query -W -f='${Version}' lld 2>/dev/null || echo unknown)
wasm-bindgen: $(wasm-bindgen --version | awk '{print $2}')
wasm-pack: $(wasm-pack --version | awk '{print $2}')
rustflags: -C target-feature=+simd128[,+relaxed-simd | ,+atomics,+bulk-memory,+mutable-globals + shared memory] -C llvm-args=-disable-lsr (std rebuilt with -Zbuild-std=std,panic_abort)
sha256: $(cd "$out" && sha256sum knobs_core_bg.wasm | cut -d' ' -f1)  knobs_core_bg.wasm
sha256: $(cd "$out" && sha256sum knobs_core_relaxed_bg.wasm | cut -d' ' -f1)  knobs_core_relaxed_bg.wasm
sha256: $(cd "$out" && sha256sum knobs_core_threads_bg.wasm | cut -d' ' -f1)  knobs_core_threads_bg.wasm
INFO
echo "build-wasm: $(wc -c < "$out/knobs_core_bg.wasm") + $(wc -c < "$out/knobs_core_relaxed_bg.wasm") + $(wc -c < "$out/knobs_core_threads_bg.wasm") bytes (simd128 + relaxed + threads) -> $out"
