// The action's logic as plain functions (Node 24, no dependencies), so the same code runs on
// Linux, macOS and Windows runners without a shell, and tests/action_js/ can test every platform's
// path with node's test runner. main.js and post.js only wire these to the process.
"use strict";

const crypto = require("node:crypto");
const path = require("node:path");

// The canonical repository, as Cargo.toml's `repository` names it (tests/it/installer.rs checks).
const DEFAULT_REPOSITORY = "https://github.com/sfjwt/sfjwt";

// One row per action.yml input; adding an input is adding a row (tests/it/action.rs checks the
// rows against action.yml). Fields:
//   env     the sfjwt environment variable it feeds; secrets travel only there, never in argv.
//           A row with a flag too is passed as the flag (a flag outranks sfjwt.yaml, so a file
//           committed to the repository can never re-point the job) and its variable is cleared.
//   flag    the sfjwt flag it adds, for the commands in `for` (a boolean input adds it when true)
//   bool    true/false (as @actions/core's getBooleanInput: true True TRUE false False FALSE)
//   raw     not trimmed (a key or passphrase is passed exactly as stored)
//   secret  "key": mask every line of the decoded key; "value": mask the value
//   default action.yml's default (the runner passes it; kept here for runs without a runner)
const INPUTS = [
  { name: "client-id", env: "SFJWT_CLIENT_ID", flag: "--client-id", for: ["login", "doctor", "doctor-entra"] },
  { name: "username", env: "SFJWT_USERNAME", flag: "--username", for: ["login", "doctor"] },
  { name: "private-key", env: "SFJWT_KEY", raw: true, secret: "key" },
  { name: "private-key-passphrase", env: "SFJWT_KEY_PASSPHRASE", raw: true, secret: "value" },
  { name: "login-url", env: "SFJWT_LOGIN_URL", flag: "--login-url", for: ["login", "doctor", "doctor-entra"], default: "login" },
  { name: "audience", env: "SFJWT_AUDIENCE", flag: "--audience", for: ["login", "doctor"] },
  { name: "ca-file", env: "SFJWT_CA_FILE", flag: "--ca-file", for: ["login", "doctor", "doctor-entra"] },
  { name: "admin-token", env: "SFJWT_ADMIN_TOKEN", raw: true, secret: "value" },
  { name: "admin-instance-url", env: "SFJWT_ADMIN_INSTANCE_URL", flag: "--admin-instance-url", for: ["doctor"] },
  { name: "sf-alias", flag: "--sf-alias", for: ["login"] },
  { name: "export-env", flag: "--export-env", bool: true, for: ["login"], default: "false" },
  { name: "insecure-http", flag: "--insecure-http", bool: true, for: ["login", "doctor", "revoke"], default: "false" },
  { name: "report", flag: "--report", for: ["login", "doctor", "doctor-entra"], default: "sfjwt-report.json" },
  { name: "fail-on-error", bool: true, default: "true" },
  { name: "revoke", bool: true, default: "true" },
  { name: "install", default: "release" },
  // No default here: "" means the release this action was published with (publishedVersion).
  { name: "version" },
  { name: "release-base-url" },
  // Keyless: `oidc: true` adds `--oidc github` (lib.loginArgs); the job needs
  // `permissions: id-token: write`, which gives the runner ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN.
  { name: "oidc", bool: true, default: "false" },
  { name: "oidc-audience", flag: "--oidc-audience", for: ["login", "doctor-entra"] },
  { name: "token-handler", flag: "--token-handler", for: ["login"] },
  // Microsoft Entra (issue 25): `provider: entra` logs in to a tenant (client credentials with a
  // certificate assertion, or with oidc: true the job's token through a federated credential).
  // Empty provider is Salesforce; `list` inputs give one flag per word. On a refusal with an
  // admin-token (a Graph token), `doctor --provider entra` runs with the "doctor-entra" rows.
  { name: "provider", flag: "--provider", for: ["login", "doctor-entra"] },
  { name: "tenant", flag: "--tenant", for: ["login", "doctor-entra"] },
  { name: "certificate", flag: "--cert", for: ["login", "doctor-entra"] },
  { name: "scope", flag: "--scope", for: ["login", "doctor-entra"] },
  { name: "require-role", flag: "--require-role", for: ["login", "doctor-entra"], list: true },
  // A non-Entra authority host (a proxy, a test tenant); Salesforce logins take it too.
  { name: "allow-host", flag: "--allow-host", for: ["login", "doctor-entra"], list: true },
  // Microsoft Graph for the Entra doctor (a national cloud's own, or a test tenant's).
  { name: "graph-url", flag: "--graph-url", for: ["doctor-entra"] },
];

class InputError extends Error {}

/** The runner passes input NAME as INPUT_NAME upper-cased, spaces to underscores, hyphens kept. */
function inputVar(name) {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** Reads every input of INPUTS from `env` into { name: value } (booleans as booleans). */
function readInputs(env) {
  const out = {};
  for (const row of INPUTS) {
    let v = env[inputVar(row.name)];
    if (v === undefined || v === "") v = row.default ?? "";
    if (!row.raw) v = v.trim();
    if (row.bool) {
      if (v === "") v = row.default;
      if (/^(true|True|TRUE)$/.test(v)) v = true;
      else if (/^(false|False|FALSE)$/.test(v)) v = false;
      else throw new InputError(`input ${row.name} must be true or false (got "${v}")`);
    }
    out[row.name] = v;
  }
  return out;
}

/** The environment of every sfjwt run: the runner's, without INPUT_*, plus the env rows. */
function sfjwtEnv(env, inputs) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith("INPUT_")) out[k] = v;
  }
  for (const row of INPUTS) {
    if (!row.env) continue;
    delete out[row.env]; // a value left in the job's env must not override an empty input
    if (!row.flag && inputs[row.name] !== "") out[row.env] = inputs[row.name];
  }
  return out;
}

/** The flags of the rows that apply to `command`. */
function flagsFor(command, inputs) {
  const args = [];
  for (const row of INPUTS) {
    if (!row.flag || !(row.for || []).includes(command)) continue;
    const v = inputs[row.name];
    if (row.bool) {
      if (v === true) args.push(row.flag);
    } else if (row.list) {
      for (const item of v.split(/[\s,]+/).filter((x) => x)) args.push(row.flag, item);
    } else if (v !== "") {
      args.push(row.flag, v);
    }
  }
  return args;
}

function loginArgs(inputs) {
  const keyless = inputs.oidc === true ? ["--oidc", "github"] : [];
  return ["login", "--github", ...keyless, ...flagsFor("login", entraDefaults(inputs))];
}

/**
 * login-url's default names Salesforce's login host; an Entra login's default authority is
 * login.microsoftonline.com (sfjwt's own default), so the Salesforce default is not passed.
 */
function entraDefaults(inputs) {
  return isEntra(inputs) && inputs["login-url"] === "login" ? { ...inputs, "login-url": "" } : inputs;
}

function isEntra(inputs) {
  return inputs.provider === "entra";
}

/** What the login needs before it runs: the key, unless the login is keyless. */
function missingCredential(inputs) {
  if (isEntra(inputs) && inputs.oidc !== true && !inputs.certificate) {
    return "provider: entra needs the certificate input (the certificate uploaded to the app registration), or oidc: true";
  }
  if (inputs.oidc === true) {
    return inputs["private-key"] ? "oidc: true takes no private-key (the pipeline's OIDC token replaces it)" : null;
  }
  return inputs["private-key"] ? null : "the private-key input is empty (is the secret set for this workflow?)";
}

function doctorArgs(inputs) {
  return ["doctor", "--github", ...flagsFor("doctor", inputs)];
}

/** `doctor --provider entra` as the login ran (the admin token travels in SFJWT_ADMIN_TOKEN). */
function entraDoctorArgs(inputs) {
  const keyless = inputs.oidc === true ? ["--oidc", "github"] : [];
  return ["doctor", "--github", ...keyless, ...flagsFor("doctor-entra", entraDefaults(inputs))];
}

/**
 * The doctor to run after the login exited `code`, or null. Only a refusal (exit 3) with an
 * admin-token: Salesforce's doctor checks the JWT bearer setup with an admin session (not a keyless
 * login, which the login itself diagnoses); Entra's reads the tenant through Microsoft Graph.
 */
function doctorOnRefusal(inputs, code) {
  if (code !== 3 || !inputs["admin-token"]) return null;
  if (isEntra(inputs)) return entraDoctorArgs(inputs);
  if (inputs.oidc === true || !inputs["admin-instance-url"]) return null;
  return doctorArgs(inputs);
}

/**
 * The post step's revoke, or null when there is nothing to revoke. `--insecure-http` only when
 * the user opted in with `insecure-http: true`, never because the instance URL happens to be
 * http://: a server that answered with an http instance URL must not get the token in clear.
 */
function revokeCommand(state, inputs) {
  if (inputs.revoke === false || !state.token || !state.instance) return null;
  const args = ["revoke", "--instance-url", state.instance, ...flagsFor("revoke", inputs)];
  if (inputs["ca-file"]) args.push("--ca-file", inputs["ca-file"]);
  // Both names: a job-level SF_ACCESS_TOKEN (what sfjwt exports) must not shadow this session's.
  return { bin: state.bin || "sfjwt", args, env: { SF_ACCESS_TOKEN: state.token, SFJWT_ACCESS_TOKEN: state.token } };
}

/** Every string to mask before sfjwt runs: each line of the decoded key, passphrase, admin token. */
function secretsToMask(inputs) {
  const out = [];
  for (const row of INPUTS) {
    const v = inputs[row.name];
    if (!row.secret || !v) continue;
    if (row.secret === "key") out.push(...keyMasks(v));
    else out.push(v.trim() || v);
  }
  return [...new Set(out.filter((s) => s.length > 0))];
}

/**
 * GitHub registered the secret as stored (often base64 of the PEM, or one line with \n); the
 * lines sfjwt or any tool could print after decoding are new strings, so each is masked. Short
 * lines (under 8 characters, such as a base64 tail "AQAB" or "==") would mask common words and
 * reveal nothing; they are left out.
 */
function keyMasks(raw) {
  const masks = [];
  let text = raw.trim().replace(/^["']|["']$/g, "");
  if (!text.includes("-----BEGIN")) {
    const compact = text.replace(/\\n/g, "").replace(/\s+/g, "");
    if (compact.length >= 8) masks.push(compact);
    if (/^[A-Za-z0-9+/=_-]+$/.test(compact)) {
      const decoded = Buffer.from(compact, "base64").toString("utf8");
      if (decoded.includes("-----BEGIN")) text = decoded;
    }
  }
  text = text.replace(/\\r/g, "").replace(/\\n/g, "\n").replace(/\r/g, "");
  const body = [];
  for (let line of text.split("\n")) {
    line = line.trim();
    if (!line || line.startsWith("-----") || /^[A-Za-z-]+:/.test(line)) continue;
    body.push(line);
    if (line.length >= 8) masks.push(line);
  }
  if (body.length > 1) masks.push(body.join(""));
  return masks;
}

/** A workflow command's data, escaped as @actions/core does. */
function escapeData(s) {
  return String(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** `name<<DELIM\nvalue\nDELIM\n` for GITHUB_OUTPUT / GITHUB_STATE, with a delimiter the value cannot hold. */
function fileCommand(name, value) {
  const delim = `ghadelimiter_${crypto.randomUUID()}`;
  const v = String(value);
  if (name.includes(delim) || v.includes(delim)) throw new Error("delimiter collision");
  return `${name}<<${delim}\n${v}\n${delim}\n`;
}

/** Parses what was appended to GITHUB_OUTPUT: `k=v` lines and `k<<DELIM` blocks alike. */
function parseFileCommands(text) {
  const out = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      out[name] = value.join("\n");
    } else if (line.includes("=")) {
      const at = line.indexOf("=");
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

/** The release build a runner gets (the layout of scripts/release.sh); null when there is none. */
function releaseTarget(platform, arch) {
  const targets = {
    "linux-x64": "x86_64-unknown-linux-musl",
    "linux-arm64": "aarch64-unknown-linux-musl",
    "darwin-x64": "x86_64-apple-darwin",
    "darwin-arm64": "aarch64-apple-darwin",
    "win32-x64": "x86_64-pc-windows-msvc",
    // Windows on Arm runs the x64 build under emulation; there is no native one yet.
    "win32-arm64": "x86_64-pc-windows-msvc",
  };
  return targets[`${platform}-${arch}`] || null;
}

/** Where releases live: the input, else this action's own repository's releases, else the default. */
function releaseBaseUrl(inputs, env) {
  if (inputs["release-base-url"]) return inputs["release-base-url"].replace(/\/+$/, "");
  const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
  const repo = env.GITHUB_ACTION_REPOSITORY;
  if (repo && /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) return `${server}/${repo}/releases/download`;
  return `${DEFAULT_REPOSITORY}/releases/download`;
}

/**
 * The release this copy of the action belongs to: v + the version in its own Cargo.toml. The
 * release workflow publishes a tag only when it equals that version, so pinning the action by
 * tag or commit pins the binary too. Null when the file is missing or has no version.
 */
function publishedVersion(actionPath, readFile = (f) => require("node:fs").readFileSync(f, "utf8")) {
  let text;
  try {
    text = readFile(path.join(actionPath, "Cargo.toml"));
  } catch {
    return null;
  }
  const section = text.split(/^\[workspace\.package\]\s*$/m)[1] || "";
  const m = /^version\s*=\s*"([0-9A-Za-z.+-]+)"/m.exec(section.split(/^\[/m)[0]);
  return m ? `v${m[1]}` : null;
}

/**
 * How to get the binary. `release` runs the repository's own installer (install.sh with POSIX sh,
 * install.ps1 with Windows PowerShell): the one implementation of download and verification.
 * The binary goes to `binDir`, a folder new for this run (main.js makes it), never one that
 * persists between jobs: a binary found there could have been planted by an earlier job on a
 * self-hosted runner. On Linux and macOS the tool cache keeps only the archive (install.sh
 * --cache), which install.sh checks against the release's SHA256SUMS on every run before use.
 * Returns { bin, run: [command, args] | null, version, target }.
 */
function installPlan({ inputs, env, platform, arch, actionPath, binDir, readFile }) {
  const exe = platform === "win32" ? "sfjwt.exe" : "sfjwt";
  const how = inputs.install || "release";
  if (how === "path") return { bin: exe, run: null };
  if (how === "cargo") {
    const dir = env.CARGO_TARGET_DIR || path.join(actionPath, "target");
    const args = ["build", "--release", "--locked", "--quiet", "--manifest-path", path.join(actionPath, "Cargo.toml")];
    return { bin: path.join(dir, "release", exe), run: ["cargo", [...args, "-p", "sfjwt", "--bin", "sfjwt"]] };
  }
  if (how !== "release") throw new InputError(`install must be release, cargo or path (got "${how}")`);
  const target = releaseTarget(platform, arch);
  if (!target) throw new InputError(`no sfjwt release for ${platform}/${arch}; use install: cargo`);
  const version = inputs.version || publishedVersion(actionPath, readFile);
  if (!version) throw new InputError(`version is not set and ${path.join(actionPath, "Cargo.toml")} names no version; set version: to a tag`);
  if (!/^[A-Za-z0-9_.+-]+$/.test(version)) throw new InputError(`version must be a tag such as v0.1.0 or latest (got "${version}")`);
  if (!binDir) throw new InputError("no folder to install into");
  const cacheRoot = env.RUNNER_TOOL_CACHE || path.join(env.RUNNER_TEMP || require("node:os").tmpdir(), "toolcache");
  const cache = path.join(cacheRoot, "sfjwt", version, target);
  const base = releaseBaseUrl(inputs, env);
  const bin = path.join(binDir, exe);
  const run =
    platform === "win32"
      ? ["powershell", ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", path.join(actionPath, "install.ps1"),
          "-Version", version, "-Dir", binDir, "-BaseUrl", base, "-Target", target]]
      : ["sh", [path.join(actionPath, "install.sh"), "--version", version, "--dir", binDir, "--base-url", base, "--target", target, "--cache", cache]];
  return { bin, run, version, target };
}

module.exports = {
  DEFAULT_REPOSITORY,
  INPUTS,
  InputError,
  inputVar,
  readInputs,
  sfjwtEnv,
  flagsFor,
  loginArgs,
  isEntra,
  missingCredential,
  doctorArgs,
  entraDoctorArgs,
  doctorOnRefusal,
  revokeCommand,
  secretsToMask,
  keyMasks,
  escapeData,
  fileCommand,
  parseFileCommands,
  releaseTarget,
  releaseBaseUrl,
  installPlan,
  publishedVersion,
};
