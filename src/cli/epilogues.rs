//! What each `--help` ends with: two or three examples and that command's exit codes. The
//! examples are a contract: a test parses every `$ sfjwt …` line with the real CLI definition.

pub const KEYGEN: &str = "\
Examples:
  $ sfjwt keygen --out-dir keys --name ci
  $ sfjwt keygen --bits 4096 --days 730 --cn ci.acme.com --print-key-base64

Exit codes: 0 created, 2 usage or input error (e.g. the files exist: --force).";

pub const CERT_INSPECT: &str = "\
Examples:
  $ sfjwt cert inspect server.crt
  $ sfjwt cert inspect server.crt --key server.key --expires-within 30d

Exit codes: 0 all is well, 2 unreadable input, 5 the key does not match, 6 expired,
7 expires within --expires-within.";

pub const CERT_ROTATE: &str = "\
Examples:
  $ sfjwt cert rotate --source-dir force-app/main/default --key-dir keys
  $ sfjwt cert rotate --app-name sfjwt_CI -o ci@acme.com --admin-sf-org prod-admin
  $ sfjwt cert rotate --second-app --app-name sfjwt_CI -o ci@acme.com --key-dir keys

Exit codes: 0 rotated (files written, steps printed), 2 usage or input error.";

pub const ASSERTION: &str = "\
Key input (--key, or SFJWT_KEY / SFJWT_KEY_FILE when --key is absent):
  PATH or file:PATH   a key file
  -                   read the key from standard input
  env:VAR             the variable VAR holds the key itself
  SFJWT_KEY           holds the key itself (the usual CI secret)
  SFJWT_KEY_FILE      holds the path of a key file
Accepted: PKCS#8 or PKCS#1 PEM, encrypted PKCS#8, legacy encrypted PEM (Proc-Type: 4,ENCRYPTED),
PKCS#12 (.p12/.pfx) and DER; with CRLF, a BOM, literal \\n, surrounding quotes, or base64 of the
whole file. Passphrase: --key-passphrase-file FILE or SFJWT_KEY_PASSPHRASE.

Examples:
  $ sfjwt assertion -i 3MVG9Example.key_1 -o ci@acme.com --key server.key
  $ sfjwt assertion -i 3MVG9Example.key_1 -o ci@acme.com --key env:SF_KEY -r test --decode

Exit codes: 0 printed, 2 usage or input error.";

pub const LOGIN: &str = "\
Settings come from, in order: flags, the target of sfjwt.yaml named with --target, the
environment (SFJWT_CLIENT_ID, SFJWT_USERNAME, SFJWT_KEY or SFJWT_KEY_FILE, SFJWT_KEY_PASSPHRASE,
SFJWT_LOGIN_URL, SFJWT_AUDIENCE, SFJWT_CA_FILE, SFJWT_TIMEOUT), the config file's default_target,
sfdcLoginUrl in sfdx-project.json, then defaults. A shadowed value is noted on stderr. sf's spellings work too: --jwt-key-file,
--instance-url, --alias/-a, --json.

Examples:
  $ sfjwt login -i 3MVG9Example.key_1 -o ci@acme.com --key server.key -r acme.my.salesforce.com
  $ eval \"$(sfjwt login -i 3MVG9Example.key_1 -o ci@acme.com -r test --format shell)\"
  $ sfjwt login --config sfjwt.yaml --target uat --dotenv sf.env --report sfjwt-report.json

Microsoft Entra (--provider entra; SFJWT_TENANT, SFJWT_CERT; outputs ENTRA_ACCESS_TOKEN,
ENTRA_TENANT_ID, ENTRA_CLIENT_ID; -r is the authority host, default login.microsoftonline.com):
  $ sfjwt login --provider entra --tenant contoso.onmicrosoft.com -i CLIENT_ID --key ci.key --cert ci.crt
  $ sfjwt login --provider entra --tenant TENANT_ID -i CLIENT_ID --oidc github --require-role Sites.Read.All

Exit codes: 0 logged in, 2 usage or input error, 3 refused (by the token endpoint, or the session
cannot use the API: the check after the grant), 4 no usable answer (network, TLS, timeout, 5xx or
garbage after retries), 5 (Entra) the key does not match --cert.";

pub const REVOKE: &str = "\
The token comes from SF_ACCESS_TOKEN (what `sfjwt login` exports), then SFJWT_ACCESS_TOKEN, then
standard input; the instance from --instance-url, then SF_ORG_INSTANCE_URL.

Examples:
  $ sfjwt revoke
  $ sfjwt revoke --instance-url https://acme.my.salesforce.com

Exit codes: 0 revoked, or already revoked or expired (cleanup jobs must not fail), 2 usage or input
error, 4 no usable answer.";

pub const DOCTOR: &str = "\
Settings come from, in order: flags, the target of sfjwt.yaml named with --target, the
environment (SFJWT_CLIENT_ID, SFJWT_USERNAME, SFJWT_KEY or SFJWT_KEY_FILE, SFJWT_KEY_PASSPHRASE,
SFJWT_LOGIN_URL, SFJWT_AUDIENCE, SFJWT_CA_FILE, SFJWT_TIMEOUT, and SFJWT_ADMIN_TOKEN with
SFJWT_ADMIN_INSTANCE_URL for one target), the config file's default_target, sfdcLoginUrl in
sfdx-project.json, then defaults.

Fleet mode: --all (every target of sfjwt.yaml) or --target repeated checks the targets at once,
each under its own --deadline, and writes one report: --report FILE takes .json (fleet report,
schema/fleet-report.schema.json), .md (a matrix: targets by checks), .html (a self-contained page)
and .xml (JUnit, one suite per target). A line per target goes to stderr as each finishes.
Per-target keys in sfjwt.yaml: admin_sf_org, admin_token_env, admin_instance_url, app_name, cert.

Examples:
  $ sfjwt doctor -i 3MVG9Example.key_1 -o ci@acme.com --key server.key -r acme.my.salesforce.com
  $ sfjwt doctor --config sfjwt.yaml --target uat --admin-sf-org uat-admin --app-name sfjwt_CI
  $ sfjwt doctor --all --jobs 8 --report fleet.html --report fleet.json
  $ sfjwt doctor --provider entra --tenant contoso.onmicrosoft.com -i 0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60 --key ci.key --cert ci.crt --expires-within 30d

Exit codes: 0 every check passed, 1 a check failed (any target; the diagnosis says why), 2 usage
or input error.";

pub const EXPLAIN: &str = "\
Examples:
  $ sfjwt explain \"invalid_grant: user hasn't approved this consumer\"
  $ sf org login jwt --json > sf.log 2>&1 || { sfjwt explain --report explain.md < sf.log; exit 1; }
  $ sfjwt explain \"AADSTS65001: The user or administrator has not consented to use the application\"

Exit codes: 0 a cause was identified, 1 no cause identified (no error sfjwt recognises in the text,
or only a wrapper such as sf's \"Error authenticating with JWT\" without its reason), 2 usage error
(no text).";

pub const SETUP: &str = "\
Examples:
  $ sfjwt setup -o ci@acme.com
  $ sfjwt setup -o ci@acme.com --deploy --admin-sf-org prod-admin
  $ sfjwt setup -o ci@acme.com --deploy --admin-sf-org prod-admin --login-url acme.my.salesforce.com --wait-for-propagation 10m

Exit codes: 0 done, 2 usage or input error, 3 the login is still refused after
--wait-for-propagation (with the diagnosis), 4 no usable answer.";
