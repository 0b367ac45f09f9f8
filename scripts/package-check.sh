#!/usr/bin/env bash
# `cargo install sfjwt` from the registry, rehearsed offline: packages the crate exactly as
# `cargo publish` would, unpacks it outside the repository (so neither the workspace nor
# .cargo/config.toml applies, as for a registry install) and runs its unit tests there, offline,
# with the lockfile it ships. Run by tests/it/release_workflow.rs (packaged_crate_*).
# AWS_LC_SYS_NO_JITTER_ENTROPY=1 is set the way README's install section tells users to set it:
# .cargo/config.toml's [env] does not reach a registry install.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
version=$(cargo metadata --no-deps --format-version 1 --offline | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "sfjwt"))')
cargo package -p sfjwt --offline --locked --no-verify "$@"
# Outside the repository (a folder under the workspace would be taken for a member of it), and
# always the same folder: test binaries bake in CARGO_MANIFEST_DIR, and cargo may reuse them.
work="${SFJWT_PACKAGE_DIR:-${TMPDIR:-/tmp}/sfjwt-package-check}"
rm -rf "$work" && mkdir -p "$work"
tar -xzf "$target/package/sfjwt-$version.crate" -C "$work"
cd "$work/sfjwt-$version"
# The archive's old mtimes would let cargo reuse a test binary built from another unpacked copy.
find . -type f -exec touch {} +
echo "unpacked: $(find . -type f | wc -l) files, $(du -sk . | cut -f1) KiB"
AWS_LC_SYS_NO_JITTER_ENTROPY=1 CARGO_TARGET_DIR="$target" cargo test --offline --locked --lib --bins
