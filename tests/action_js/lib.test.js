// Unit tests of the action's logic (action/lib.js) for every runner OS, with node's test runner:
//   node --test tests/action_js/lib.test.js
// Run by tests/it/action.rs (action_js_unit_tests) under Node 24, the action's runtime. act runs
// the Linux path for real; these cover the macOS and Windows choices no machine here can run.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const lib = require("../../action/lib.js");

const PEM = [
  "-----BEGIN PRIVATE KEY-----",
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
  "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
  "AQAB",
  "-----END PRIVATE KEY-----",
].join("\n");
const BODY = PEM.split("\n").slice(1, 3);

function env(inputs) {
  const e = { PATH: "/usr/bin" };
  for (const [k, v] of Object.entries(inputs)) e[lib.inputVar(k)] = v;
  return e;
}

test("inputs: runner variable names keep hyphens; defaults; booleans as getBooleanInput", () => {
  assert.equal(lib.inputVar("private-key"), "INPUT_PRIVATE-KEY");
  const i = lib.readInputs(env({ "client-id": " 3MVG9x ", "export-env": "True", "private-key": " k " }));
  assert.equal(i["client-id"], "3MVG9x");
  assert.equal(i["private-key"], " k ", "a key is passed exactly as stored");
  assert.equal(i["export-env"], true);
  assert.equal(i["fail-on-error"], true);
  assert.equal(i.revoke, true);
  assert.equal(i["insecure-http"], false);
  assert.equal(i.install, "release");
  assert.equal(i.version, "", "the published release (lib.publishedVersion), not latest");
  assert.equal(i.report, "sfjwt-report.json");
  assert.throws(() => lib.readInputs(env({ revoke: "yes" })), /input revoke must be true or false \(got "yes"\)/);
});

test("the key and other secrets travel only in the environment, never in argv", () => {
  const i = lib.readInputs(env({
    "client-id": "3MVG9x", username: "ci@acme.com", "private-key": PEM, "private-key-passphrase": "pw-secret-1",
    "admin-token": "00Dadmin!tok", "admin-instance-url": "https://acme.my.salesforce.com", "sf-alias": "prod",
    "export-env": "true", "ca-file": "/ca.pem",
  }));
  const e = lib.sfjwtEnv({ ...env({ "private-key": PEM }), SFJWT_AUDIENCE: "stale", KEEP: "1" }, i);
  assert.equal(e.SFJWT_KEY, PEM);
  assert.equal(e.SFJWT_KEY_PASSPHRASE, "pw-secret-1");
  assert.equal(e.SFJWT_ADMIN_TOKEN, "00Dadmin!tok");
  assert.equal(e.SFJWT_CA_FILE, undefined, "non-secret inputs go as flags; their variables are cleared");
  assert.equal(e.KEEP, "1");
  assert.equal(e.SFJWT_AUDIENCE, undefined, "an empty input clears a stale variable");
  assert.ok(!Object.keys(e).some((k) => k.startsWith("INPUT_")), "no INPUT_ variable reaches sfjwt");
  const argv = [...lib.loginArgs(i), ...lib.doctorArgs(i)].join(" ");
  for (const secret of [BODY[0], "pw-secret-1", "00Dadmin!tok"]) assert.ok(!argv.includes(secret));
  assert.deepEqual(lib.loginArgs(i), ["login", "--github", "--client-id", "3MVG9x", "--username", "ci@acme.com", "--login-url", "login", "--ca-file", "/ca.pem", "--sf-alias", "prod", "--export-env", "--report", "sfjwt-report.json"]);
  assert.deepEqual(lib.doctorArgs(i), ["doctor", "--github", "--client-id", "3MVG9x", "--username", "ci@acme.com", "--login-url", "login", "--ca-file", "/ca.pem", "--admin-instance-url", "https://acme.my.salesforce.com", "--report", "sfjwt-report.json"]);
});

test("the inputs are flags: a committed sfjwt.yaml cannot re-point the job", () => {
  const i = lib.readInputs(env({ "client-id": "3MVG9x", username: "ci@uat.com", "login-url": "test", "private-key": PEM }));
  const e = lib.sfjwtEnv({ SFJWT_USERNAME: "stale@prod.com", SFJWT_LOGIN_URL: "login" }, i);
  assert.equal(e.SFJWT_USERNAME, undefined);
  assert.equal(e.SFJWT_LOGIN_URL, undefined);
  const argv = lib.loginArgs(i);
  assert.equal(argv[argv.indexOf("--username") + 1], "ci@uat.com");
  assert.equal(argv[argv.indexOf("--login-url") + 1], "test");
});

test("masks: every key line, in each form a secret holds it; passphrase and admin token", () => {
  const forms = {
    pem: PEM,
    crlf: PEM.replace(/\n/g, "\r\n"),
    escaped: PEM.replace(/\n/g, "\\n"),
    base64: Buffer.from(PEM).toString("base64"),
    base64Wrapped: Buffer.from(PEM).toString("base64").replace(/(.{64})/g, "$1\n"),
    quoted: `"${PEM.replace(/\n/g, "\\n")}"`,
  };
  for (const [form, key] of Object.entries(forms)) {
    const masks = lib.secretsToMask(lib.readInputs(env({ "private-key": key })));
    for (const line of BODY) assert.ok(masks.includes(line), `${form}: ${line} not masked`);
    assert.ok(masks.includes(BODY.join("") + "AQAB"), `${form}: the joined body is masked`);
    assert.ok(!masks.includes("AQAB"), `${form}: short lines are not masks`);
    assert.ok(!masks.some((m) => m.startsWith("-----")), `${form}: armour lines are not secrets`);
  }
  const b64 = lib.secretsToMask(lib.readInputs(env({ "private-key": forms.base64Wrapped })));
  assert.ok(b64.includes(forms.base64), "the base64 form is masked whole, without its line breaks");
  // A PKCS#12 or DER key in base64: no lines to decode, the value itself is masked.
  const der = Buffer.from([0x30, 0x82, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).toString("base64");
  assert.deepEqual(lib.secretsToMask(lib.readInputs(env({ "private-key": der }))), [der]);
  const m = lib.secretsToMask(lib.readInputs(env({ "private-key": PEM, "private-key-passphrase": "pw", "admin-token": "00D!t" })));
  assert.ok(m.includes("pw") && m.includes("00D!t"));
});

test("workflow command data and file commands are escaped and delimited", () => {
  assert.equal(lib.escapeData("50%\r\nx"), "50%25%0D%0Ax");
  const a = lib.fileCommand("sfjwt_token", "00D!abc");
  const b = lib.fileCommand("sfjwt_token", "00D!abc");
  assert.match(a, /^sfjwt_token<<ghadelimiter_[0-9a-f-]{36}\n00D!abc\nghadelimiter_[0-9a-f-]{36}\n$/);
  assert.notEqual(a, b, "a fresh random delimiter each time");
  assert.deepEqual(lib.parseFileCommands(a + b), { sfjwt_token: "00D!abc" });
});

test("outputs are read back in both GITHUB_OUTPUT forms (sfjwt may write either)", () => {
  const text = "access-token=00D!plain\n" + lib.fileCommand("instance-url", "https://x.my.salesforce.com") +
    "cause<<EOF_abc\nnone\nEOF_abc\nmulti<<D\nline one\nline=two\nD\n";
  assert.deepEqual(lib.parseFileCommands(text), {
    "access-token": "00D!plain",
    "instance-url": "https://x.my.salesforce.com",
    cause: "none",
    multi: "line one\nline=two",
  });
});

test("post step: --insecure-http only when the user opted in, never from an http instance URL", () => {
  const state = { bin: "/t/sfjwt", token: "00D!tok", instance: "http://127.0.0.1:8080" };
  const plain = lib.revokeCommand(state, lib.readInputs(env({})));
  assert.deepEqual(plain.args, ["revoke", "--instance-url", "http://127.0.0.1:8080"]);
  assert.deepEqual(plain.env, { SF_ACCESS_TOKEN: "00D!tok", SFJWT_ACCESS_TOKEN: "00D!tok" });
  const opted = lib.revokeCommand(state, lib.readInputs(env({ "insecure-http": "true", "ca-file": "/ca.pem" })));
  assert.deepEqual(opted.args, ["revoke", "--instance-url", "http://127.0.0.1:8080", "--insecure-http", "--ca-file", "/ca.pem"]);
  assert.equal(lib.revokeCommand(state, lib.readInputs(env({ revoke: "false" }))), null);
  assert.equal(lib.revokeCommand({ ...state, token: undefined }, lib.readInputs(env({}))), null);
  assert.ok(!plain.args.join(" ").includes("00D!tok"), "the token is not on the command line");
});

test("release targets per runner OS and architecture; Linux always gets musl", () => {
  assert.equal(lib.releaseTarget("linux", "x64"), "x86_64-unknown-linux-musl");
  assert.equal(lib.releaseTarget("linux", "arm64"), "aarch64-unknown-linux-musl");
  assert.equal(lib.releaseTarget("darwin", "x64"), "x86_64-apple-darwin");
  assert.equal(lib.releaseTarget("darwin", "arm64"), "aarch64-apple-darwin");
  assert.equal(lib.releaseTarget("win32", "x64"), "x86_64-pc-windows-msvc");
  assert.equal(lib.releaseTarget("win32", "arm64"), "x86_64-pc-windows-msvc");
  assert.equal(lib.releaseTarget("linux", "ia32"), null);
  assert.equal(lib.releaseTarget("freebsd", "x64"), null);
});

test("install: release runs install.sh with sh on Linux and macOS, install.ps1 with PowerShell on Windows", () => {
  const inputs = lib.readInputs(env({ version: "v0.1.0", "release-base-url": "https://mirror.example/sfjwt/" }));
  const e = { RUNNER_TOOL_CACHE: "/opt/tc" };
  for (const [platform, arch, target] of [["linux", "x64", "x86_64-unknown-linux-musl"], ["darwin", "arm64", "aarch64-apple-darwin"]]) {
    const p = lib.installPlan({ inputs, env: e, platform, arch, actionPath: "/a", binDir: "/tmp/run1" });
    const cache = path.join("/opt/tc", "sfjwt", "v0.1.0", target);
    assert.deepEqual(p.run, ["sh", ["/a/install.sh", "--version", "v0.1.0", "--dir", "/tmp/run1", "--base-url", "https://mirror.example/sfjwt", "--target", target, "--cache", cache]]);
    assert.equal(p.bin, path.join("/tmp/run1", "sfjwt"), "the binary runs from this run's folder, never from the tool cache");
    assert.ok(p.run, "install.sh runs every time: it checks the cached archive against SHA256SUMS before each use");
  }
  const w = lib.installPlan({ inputs, env: { RUNNER_TOOL_CACHE: "C:\\tc" }, platform: "win32", arch: "x64", actionPath: "D:\\a", binDir: "C:\\t\\run1" });
  assert.equal(w.run[0], "powershell", "Windows PowerShell ships on every Windows runner; no Git Bash");
  assert.deepEqual(w.run[1].slice(0, 5), ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File"]);
  assert.ok(w.run[1][5].endsWith("install.ps1"));
  const args = w.run[1].slice(6);
  assert.deepEqual(args, ["-Version", "v0.1.0", "-Dir", "C:\\t\\run1", "-BaseUrl", "https://mirror.example/sfjwt", "-Target", "x86_64-pc-windows-msvc"]);
  assert.ok(w.bin.endsWith("sfjwt.exe"));
  assert.throws(() => lib.installPlan({ inputs, env: e, platform: "linux", arch: "x64", actionPath: "/a" }), /no folder to install into/);
  assert.throws(() => lib.installPlan({ inputs, env: e, platform: "linux", arch: "s390x", actionPath: "/a", binDir: "/t" }), /no sfjwt release for linux\/s390x; use install: cargo/);
  assert.throws(() => lib.installPlan({ inputs: lib.readInputs(env({ install: "brew" })), env: e, platform: "linux", arch: "x64", actionPath: "/a", binDir: "/t" }), /install must be release, cargo or path/);
  assert.throws(() => lib.installPlan({ inputs: lib.readInputs(env({ version: "v1;rm -rf /" })), env: e, platform: "linux", arch: "x64", actionPath: "/a", binDir: "/t" }), /version must be a tag/);
  assert.equal(lib.installPlan({ inputs: lib.readInputs(env({ install: "path" })), env: e, platform: "win32", arch: "x64", actionPath: "/a" }).bin, "sfjwt.exe");
  const cargo = lib.installPlan({ inputs: lib.readInputs(env({ install: "cargo" })), env: {}, platform: "linux", arch: "x64", actionPath: "/a" });
  assert.equal(cargo.run[0], "cargo");
  assert.equal(cargo.bin, path.join("/a", "target", "release", "sfjwt"));
});

test("version defaults to the release the action was published with (its Cargo.toml), not latest", () => {
  const repo = path.join(__dirname, "..", "..");
  const cargo = require("node:fs").readFileSync(path.join(repo, "Cargo.toml"), "utf8");
  const want = "v" + /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(cargo)[1];
  const inputs = lib.readInputs(env({}));
  assert.equal(inputs.version, "", "action.yml's default is empty: the published release");
  const p = lib.installPlan({ inputs, env: {}, platform: "linux", arch: "x64", actionPath: repo, binDir: "/t" });
  assert.equal(p.version, want);
  assert.ok(p.run[1].includes(want) && !p.run[1].includes("latest"));
  const toml = '[workspace]\nmembers = []\n\n[workspace.package]\nedition = "2024"\nversion = "1.2.3"\n\n[package]\nversion = "9.9.9"\n';
  assert.equal(lib.publishedVersion("/x", () => toml), "v1.2.3");
  assert.equal(lib.publishedVersion("/x", () => { throw new Error("ENOENT"); }), null);
  assert.throws(() => lib.installPlan({ inputs, env: {}, platform: "linux", arch: "x64", actionPath: "/nowhere", binDir: "/t", readFile: () => "" }), /names no version; set version:/);
  assert.equal(lib.installPlan({ inputs: lib.readInputs(env({ version: "latest" })), env: {}, platform: "linux", arch: "x64", actionPath: repo, binDir: "/t" }).version, "latest");
});

test("release base URL: the input, else this action's repository, else Cargo.toml's repository", () => {
  const none = lib.readInputs(env({}));
  assert.equal(lib.releaseBaseUrl(none, {}), `${lib.DEFAULT_REPOSITORY}/releases/download`);
  assert.equal(lib.releaseBaseUrl(none, { GITHUB_ACTION_REPOSITORY: "fork/sfjwt", GITHUB_SERVER_URL: "https://ghe.acme.com" }), "https://ghe.acme.com/fork/sfjwt/releases/download");
  assert.equal(lib.releaseBaseUrl(none, { GITHUB_ACTION_REPOSITORY: "../../evil" }), `${lib.DEFAULT_REPOSITORY}/releases/download`);
});

test("oidc: true logs in keyless, without a key, and never runs doctor", () => {
  const i = lib.readInputs(env({ "client-id": "3MVG9x", oidc: "true", "oidc-audience": "https://acme.my.salesforce.com" }));
  assert.deepEqual(lib.loginArgs(i), ["login", "--github", "--oidc", "github", "--client-id", "3MVG9x", "--login-url", "login", "--report", "sfjwt-report.json", "--oidc-audience", "https://acme.my.salesforce.com"]);
  assert.equal(lib.missingCredential(i), null);
  assert.match(lib.missingCredential(lib.readInputs(env({ oidc: "true", "private-key": "k" }))), /takes no private-key/);
  assert.match(lib.missingCredential(lib.readInputs(env({}))), /private-key input is empty/);
});

test("provider: entra passes the Entra flags and drops Salesforce's default login URL", () => {
  const i = lib.readInputs(env({
    "client-id": "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60", provider: "entra", tenant: "contoso.onmicrosoft.com",
    "private-key": PEM, certificate: "ci.crt", "login-url": "login", "require-role": "Sites.Read.All, User.Read.All",
  }));
  assert.equal(lib.isEntra(i), true);
  assert.deepEqual(lib.loginArgs(i), ["login", "--github", "--client-id", "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60", "--report", "sfjwt-report.json",
    "--provider", "entra", "--tenant", "contoso.onmicrosoft.com", "--cert", "ci.crt", "--require-role", "Sites.Read.All", "--require-role", "User.Read.All"]);
  assert.equal(lib.missingCredential(i), null);
  assert.match(lib.missingCredential(lib.readInputs(env({ provider: "entra", "private-key": PEM }))), /needs the certificate input/);
  const keyless = lib.readInputs(env({ provider: "entra", tenant: "t", oidc: "true", "login-url": "login.microsoftonline.us" }));
  assert.equal(lib.missingCredential(keyless), null);
  assert.deepEqual(lib.loginArgs(keyless).slice(0, 6), ["login", "--github", "--oidc", "github", "--login-url", "login.microsoftonline.us"]);
  // A Salesforce login is unchanged: no --provider flag.
  assert.ok(!lib.loginArgs(lib.readInputs(env({ "client-id": "3MVG9x", "private-key": PEM }))).includes("--provider"));
});

test("doctor runs only on a refusal (exit 3) with an admin-token: Salesforce's with the org session, Entra's with Graph", () => {
  const sf = lib.readInputs(env({
    "client-id": "3MVG9x", username: "ci@acme.com", "private-key": PEM, "admin-token": "00Dadmin!tok",
    "admin-instance-url": "https://acme.my.salesforce.com",
  }));
  assert.deepEqual(lib.doctorOnRefusal(sf, 3), lib.doctorArgs(sf));
  for (const code of [0, 1, 2, 4, null]) assert.equal(lib.doctorOnRefusal(sf, code), null, `exit ${code}`);
  assert.equal(lib.doctorOnRefusal({ ...sf, "admin-instance-url": "" }, 3), null, "Salesforce's doctor needs the instance URL");
  assert.equal(lib.doctorOnRefusal({ ...sf, oidc: true }, 3), null, "a keyless Salesforce login diagnoses itself");

  const entra = lib.readInputs(env({
    "client-id": "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60", provider: "entra", tenant: "contoso.onmicrosoft.com",
    "private-key": PEM, certificate: "ci.crt", "require-role": "Sites.Read.All", "admin-token": "graph-tok-1",
    "graph-url": "https://dod-graph.microsoft.us", "allow-host": "dod-graph.microsoft.us", "ca-file": "/ca.pem",
  }));
  const args = ["doctor", "--github", "--client-id", "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60", "--ca-file", "/ca.pem",
    "--report", "sfjwt-report.json", "--provider", "entra", "--tenant", "contoso.onmicrosoft.com", "--cert", "ci.crt",
    "--require-role", "Sites.Read.All", "--allow-host", "dod-graph.microsoft.us", "--graph-url", "https://dod-graph.microsoft.us"];
  assert.deepEqual(lib.doctorOnRefusal(entra, 3), args);
  assert.equal(lib.doctorOnRefusal(entra, 0), null);
  assert.equal(lib.doctorOnRefusal({ ...entra, "admin-token": "" }, 3), null, "without the input, nothing extra");
  // No Salesforce-only flag reaches doctor --provider entra (it refuses them), the token never in argv.
  const argv = lib.doctorOnRefusal(entra, 3).join(" ");
  for (const f of ["--username", "--admin-instance-url", "--sf-alias", "--export-env", "--insecure-http", "graph-tok-1"]) {
    assert.ok(!argv.includes(f), f);
  }
  assert.equal(lib.sfjwtEnv({}, entra).SFJWT_ADMIN_TOKEN, "graph-tok-1");
  // Keyless: the job's token through the federated credential, as the login sent it.
  const keyless = lib.readInputs(env({ provider: "entra", tenant: "t", "client-id": "c", oidc: "true", "admin-token": "g" }));
  assert.deepEqual(lib.doctorOnRefusal(keyless, 3).slice(0, 4), ["doctor", "--github", "--oidc", "github"]);
  // graph-url is the Entra doctor's only: neither login nor Salesforce's doctor takes it.
  assert.ok(!lib.loginArgs(entra).includes("--graph-url"));
});
