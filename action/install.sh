#!/usr/bin/env bash
# Prints the path of an sfjwt binary, installed as ACTION_INSTALL says:
#   release  download BASE/VERSION/sfjwt-TARGET.tar.gz, verify it against SHA256SUMS, cache it
#   cargo    build it from the action's own source
#   path     the sfjwt already on PATH
set -euo pipefail

case "${ACTION_INSTALL:-release}" in
  path)
    command -v sfjwt || { echo "install: path, but no sfjwt on PATH" >&2; exit 1; }
    ;;
  cargo)
    cargo build --release --locked --quiet --manifest-path "$ACTION_PATH/Cargo.toml" -p sfjwt --bin sfjwt >&2
    dir="${CARGO_TARGET_DIR:-$ACTION_PATH/target}/release"
    echo "$dir/sfjwt"
    ;;
  release)
    case "${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}" in
      Linux-X64) target=x86_64-unknown-linux-musl ;;
      Linux-ARM64) target=aarch64-unknown-linux-musl ;;
      macOS-X64) target=x86_64-apple-darwin ;;
      macOS-ARM64) target=aarch64-apple-darwin ;;
      Windows-X64) target=x86_64-pc-windows-msvc ;;
      *) echo "no sfjwt release for ${RUNNER_OS:-?}-${RUNNER_ARCH:-?}; use install: cargo" >&2; exit 1 ;;
    esac
    version="${ACTION_VERSION:-latest}"
    base="${ACTION_RELEASE_BASE_URL:-}"
    [ -n "$base" ] || base="https://github.com/${GITHUB_ACTION_REPOSITORY:-sfjwt/sfjwt}/releases/download"
    if [ "$version" = latest ]; then url="${base%/download}/latest/download"; else url="$base/$version"; fi
    exe=sfjwt; [ "${RUNNER_OS:-}" = Windows ] && exe=sfjwt.exe
    cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}/toolcache}/sfjwt/$version/$target"
    if [ "$version" != latest ] && [ -x "$cache/$exe" ]; then
      echo "$cache/$exe"
      exit 0
    fi
    work=$(mktemp -d)
    asset="sfjwt-$target.tar.gz"
    curl -fsSL --retry 3 "$url/SHA256SUMS" -o "$work/SHA256SUMS" || { echo "cannot download $url/SHA256SUMS" >&2; exit 1; }
    curl -fsSL --retry 3 "$url/$asset" -o "$work/$asset" || { echo "cannot download $url/$asset" >&2; exit 1; }
    expected=$(awk -v a="$asset" '$2 == a || $2 == "*"a {print $1}' "$work/SHA256SUMS")
    actual=$( (sha256sum "$work/$asset" 2>/dev/null || shasum -a 256 "$work/$asset") | awk '{print $1}')
    if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
      echo "checksum mismatch for $asset: SHA256SUMS says ${expected:-nothing}, the download is $actual" >&2
      exit 1
    fi
    mkdir -p "$cache"
    tar -xzf "$work/$asset" -C "$cache" "$exe"
    chmod +x "$cache/$exe"
    rm -rf "$work"
    echo "$cache/$exe"
    ;;
  *)
    echo "install must be release, cargo or path (got ${ACTION_INSTALL})" >&2
    exit 1
    ;;
esac
