#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (README: "Try it").
# Installs the real tools the interop tests drive when they are missing (scripts/tools.sh), then
# runs every test, including the ignored ones that need those tools.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/tools.sh
source scripts/tools.sh
"$SFJWT_SF_BIN" --version >&2
cargo test --workspace -- --include-ignored
