#!/usr/bin/env bash
# Benchmark: `sfjwt keygen` against the openssl one-liner users run today, and `sfjwt assertion`.
# Prints hyperfine's tables; it asserts nothing (speed is measured here, never in tests).
# Usage: bash bench/foundation.sh [RUNS]   (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet
bin="$PWD/target/release/sfjwt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" keygen --name bench >/dev/null

echo "machine: $(nproc) cores, $(uname -m), $(openssl version)"
hyperfine --warmup 3 --runs "$runs" --export-markdown "$work/keygen.md" --export-json "$work/keygen.json" \
  -n "sfjwt keygen --bits 2048" "$bin keygen --bits 2048 --name k --force" \
  -n "openssl req -x509 -newkey rsa:2048 -nodes" \
     "openssl req -x509 -newkey rsa:2048 -nodes -keyout o.key -out o.crt -days 365 -subj /CN=sfjwt 2>/dev/null"
hyperfine --warmup 3 --runs "$runs" -N --export-markdown "$work/assertion.md" --export-json "$work/assertion.json" \
  -n "sfjwt assertion" "$bin assertion -i 3MVG9Example.key_1 -o ci@acme.com --key bench.key"
cat "$work/keygen.md" "$work/assertion.md"
python3 - "$work"/keygen.json "$work"/assertion.json <<'PY'
import json, sys
print("\nmedians:")
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        print(f"  {r['command']}: {r['median']*1000:.1f} ms (min {r['min']*1000:.1f}, max {r['max']*1000:.1f})")
PY
