#!/usr/bin/env bash
# Lays out release assets; run by .github/workflows/release.yml and, with the local binary, by the
# installer tests (tests/it/fake_release.rs), so the layout the installers read is made by one script.
#
#   scripts/release.sh archive BIN TARGET VERSION OUTDIR
#       OUTDIR/sfjwt-VERSION-TARGET.tar.gz (.zip for Windows targets) holding one folder
#       sfjwt-VERSION-TARGET/ with the binary, sfjwt-emulator (the local test org, so
#       `sfjwt-emulator demo` runs without a Rust toolchain), completions/ (bash zsh fish
#       powershell elvish), man/ (sfjwt.1 and a page per subcommand), LICENSE-MIT,
#       LICENSE-APACHE, README.md. BIN must run on this machine: it generates its own completions
#       and man pages. The emulator is taken from BIN's folder (cargo builds both there).
#   scripts/release.sh finish VERSION DISTDIR
#       adds install.sh, install.ps1 and VERSION (the tag, so "latest" resolves), then
#       SHA256SUMS over every asset: lines "<hex>  <asset name>".
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

archive() {
  local bin="$1" target="$2" version="$3" out="$4"
  case "$version" in v*) ;; *) echo "VERSION must be a tag such as v0.1.0 (got $version)" >&2; exit 2 ;; esac
  local name="sfjwt-$version-$target" exe=sfjwt emu=sfjwt-emulator
  case "$target" in *windows*) exe=sfjwt.exe emu=sfjwt-emulator.exe ;; esac
  # Next to BIN, named as BIN is (sfjwt.exe -> sfjwt-emulator.exe).
  local emulator bin_name
  bin_name="$(basename "$bin")"
  emulator="$(dirname "$bin")/sfjwt-emulator${bin_name#sfjwt}"
  [ -f "$emulator" ] || { echo "no $emulator next to $bin: build it too (cargo build -p sfjwt-emulator)" >&2; exit 2; }
  local stage
  stage="$(mktemp -d)"
  mkdir -p "$stage/$name/completions" "$stage/$name/man" "$out"
  cp "$bin" "$stage/$name/$exe"
  cp "$emulator" "$stage/$name/$emu"
  "$bin" completions bash > "$stage/$name/completions/sfjwt.bash"
  "$bin" completions zsh > "$stage/$name/completions/_sfjwt"
  "$bin" completions fish > "$stage/$name/completions/sfjwt.fish"
  "$bin" completions powershell > "$stage/$name/completions/_sfjwt.ps1"
  "$bin" completions elvish > "$stage/$name/completions/sfjwt.elv"
  "$bin" man --dir "$stage/$name/man"
  cp "$repo/LICENSE-MIT" "$repo/LICENSE-APACHE" "$repo/README.md" "$stage/$name/"
  out="$(cd "$out" && pwd)"
  case "$target" in
    *windows*)
      rm -f "$out/$name.zip"
      if command -v 7z >/dev/null; then (cd "$stage" && 7z a -tzip -bd "$out/$name.zip" "$name" >/dev/null)
      else (cd "$stage" && zip -qr "$out/$name.zip" "$name"); fi
      echo "$out/$name.zip"
      ;;
    *)
      tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
      echo "$out/$name.tar.gz"
      ;;
  esac
  rm -rf "$stage"
}

finish() {
  local version="$1" dist="$2"
  cp "$repo/install.sh" "$repo/install.ps1" "$dist/"
  printf '%s\n' "$version" > "$dist/VERSION"
  (cd "$dist" && rm -f SHA256SUMS && sha256sum -- * > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
  cat "$dist/SHA256SUMS"
}

case "${1:-}" in
  archive) shift; [ $# -eq 4 ] || { echo "usage: $0 archive BIN TARGET VERSION OUTDIR" >&2; exit 2; }; archive "$@" ;;
  finish) shift; [ $# -eq 2 ] || { echo "usage: $0 finish VERSION DISTDIR" >&2; exit 2; }; finish "$@" ;;
  *) echo "usage: $0 archive BIN TARGET VERSION OUTDIR | finish VERSION DISTDIR" >&2; exit 2 ;;
esac
