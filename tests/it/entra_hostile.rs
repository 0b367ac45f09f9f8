//! Microsoft Entra and Graph answering like an attacker (docs/robustness.md, "Hostile answers"):
//! an accepted host (a compromised endpoint, a TLS-inspecting proxy, a `--allow-host` the user
//! trusted) whose answers must not steer sfjwt, leak a secret or become a confirmed cause. Entra
//! logins are https only, so the scripted server is Python's `http.server` behind TLS with a
//! throwaway certificate (openssl), answering from a JSON script and logging what it received.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::common::*;

const TENANT_ID: &str = "7a1c2e4b-0d9f-4c3e-8b6a-2f5e9d1c0a47";
const APP: &str = "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60";
/// fixtures/orgs/ci.crt's SHA-1 thumbprint as Graph writes it (base64).
const CI_THUMBPRINT: &str = "JAY0FQoqeMqvpEBKxAXuGuhVzWA=";
const ADMIN: &str = "graph-admin-token-for-hostile-tests-0123456789";

/// Answers by path: `discovery`, `token`, `batch1` (the batch asking for `app`), `batch2`, else
/// `other`. Each: `status`, `body` (a string, `ECHO` replaced by the posted client assertion,
/// `PARTSIG` by its signature alone),
/// `headers`, `delay` (seconds before answering). Every request is logged as a JSON line.
const SERVER: &str = r#"
import http.server, json, ssl, sys, time, urllib.parse
script, log, crt, key = sys.argv[1:5]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        p = self.path
        if "openid-configuration" in p: k = "discovery"
        elif "/oauth2/v2.0/token" in p: k = "token"
        elif "$batch" in p: k = "batch1" if '"id": "app"' in body or '"id":"app"' in body else "batch2"
        else: k = "other"
        m = json.load(open(script)).get(k, {"status": 404, "body": "{}"})
        time.sleep(m.get("delay", 0))
        b = m.get("body", "")
        form = urllib.parse.parse_qs(body)
        a = (form.get("client_assertion") or [""])[0]
        b = b.replace("PARTSIG", a.rsplit(".", 1)[-1]).replace("ECHO", a).encode()
        self.send_response(m.get("status", 200))
        self.send_header("Content-Type", "application/json")
        for h, v in m.get("headers", {}).items(): self.send_header(h, v)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    do_GET = answer
    do_POST = answer
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;

struct Hostile {
    url: String,
    ca: PathBuf,
    log: PathBuf,
    child: Child,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Hostile {
    /// Serves `script` (see [`SERVER`]) over TLS on loopback.
    fn start(ctx: &Ctx, script: &Value) -> Hostile {
        ctx.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "h.key",
            "-out",
            "h.crt",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ]);
        let (path, log) = (ctx.path("hostile.json"), ctx.path("hostile.log"));
        std::fs::write(&path, script.to_string()).unwrap();
        let mut child = Command::new("python3")
            .args(["-c", SERVER])
            .args([&path, &log, &ctx.path("h.crt"), &ctx.path("h.key")])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = format!("https://127.0.0.1:{}", line.trim());
        Hostile { url, ca: ctx.path("h.crt"), log, child }
    }

    /// What sfjwt sent: (path, body) per request.
    fn requests(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|v| (v["path"].as_str().unwrap_or("").to_string(), v["body"].as_str().unwrap_or("").to_string()))
            .collect()
    }

    /// The client assertion sfjwt posted to the token endpoint.
    fn assertion(&self) -> String {
        let (_, body) =
            self.requests().into_iter().find(|(p, _)| p.contains("/oauth2/v2.0/token")).expect("a token request");
        body.split('&').find_map(|kv| kv.strip_prefix("client_assertion=")).expect("client_assertion").to_string()
    }
}

fn b64(v: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// An unsigned JWT-shaped access token with these claims (sfjwt reads, never verifies, them).
fn jwt(claims: Value) -> String {
    format!("{}.{}.c2lnbmF0dXJlc2lnbmF0dXJl", b64(&json!({"alg": "RS256"})), b64(&claims))
}

fn granted(token: &str) -> Value {
    json!({"status": 200, "body": json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token}).to_string()})
}

fn answer(status: u16, body: Value) -> Value {
    json!({"status": status, "body": body.to_string()})
}

/// A certificate login at the hostile host, by tenant id (no discovery), as a GitHub job.
fn login(ctx: &Ctx, h: &Hostile) -> Command {
    ctx.secret_key_file(&fixture_key());
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "--provider", "entra", "--tenant", TENANT_ID, "-i", APP, "-r", &h.url])
        .args(["--allow-host", "127.0.0.1", "--ca-file"])
        .arg(&h.ca)
        .arg("--key")
        .arg(fixture_key())
        .arg("--cert")
        .arg(repo().join("fixtures/orgs/ci.crt"))
        .args(["--max-retries", "0"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", ctx.path("gh-output"))
        .env("GITHUB_ENV", ctx.path("gh-env"))
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    cmd
}

fn doctor(ctx: &Ctx, h: &Hostile) -> Command {
    doctor_retrying(ctx, h, "0")
}

fn doctor_retrying(ctx: &Ctx, h: &Hostile, retries: &str) -> Command {
    ctx.secret_key_file(&fixture_key());
    ctx.secret(ADMIN);
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "--provider", "entra", "--tenant", TENANT_ID, "-i", APP, "-r", &h.url])
        .args(["--graph-url", &h.url, "--allow-host", "127.0.0.1", "--ca-file"])
        .arg(&h.ca)
        .arg("--key")
        .arg(fixture_key())
        .arg("--cert")
        .arg(repo().join("fixtures/orgs/ci.crt"))
        .args(["--require-role", "Sites.Read.All", "--max-retries", retries])
        .env("SFJWT_ADMIN_TOKEN", ADMIN)
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    cmd
}

fn read(ctx: &Ctx, name: &str) -> String {
    std::fs::read_to_string(ctx.path(name)).unwrap_or_default()
}

/// A token answer that fails validation is no token: exit 4, the report written, nothing handed on.
#[test]
fn entra_token_answers_failing_validation_are_not_handed_on() {
    let good = jwt(json!({"tid": TENANT_ID, "roles": ["Sites.Read.All"]}));
    let cases = [
        (json!({"token_type": "mac", "access_token": good}), "token_type is not Bearer"),
        (json!({"token_type": "Bearer", "access_token": "abc def"}), "access_token is not shaped"),
        (json!({"token_type": "Bearer", "access_token": "a".repeat(20_000)}), "at most 16384"),
        (
            json!({"token_type": "Bearer", "access_token": jwt(json!({"tid": format!("{TENANT_ID}\nX=1")}))}),
            "tid is not a tenant id",
        ),
        (
            json!({"token_type": "Bearer", "access_token": jwt(json!({"tid": "11111111-2222-3333-4444-555555555555"}))}),
            "tid is another tenant than the one asked",
        ),
    ];
    for (body, why) in cases {
        let ctx = Ctx::new();
        let h = Hostile::start(&ctx, &json!({"token": answer(200, body)}));
        let r = ctx.run(login(&ctx, &h).args(["--report", "r.json", "--export-env"])).code(4).stderr_has(why);
        assert!(r.stderr.contains("fails validation"), "{}", r.stderr);
        let rep: Value = serde_json::from_str(&read(&ctx, "r.json")).unwrap();
        assert_eq!(rep["exit_code"], 4, "{rep}");
        let out = read(&ctx, "gh-output");
        assert!(!out.contains("access-token") && !out.contains("tenant-id"), "{out}");
        assert!(!read(&ctx, "gh-env").contains("ENTRA_"), "handed on");
    }
}

/// Roles with line breaks or spaces are dropped with a warning, never written to CI outputs.
#[test]
fn entra_roles_that_are_not_plain_names_are_dropped() {
    let ctx = Ctx::new();
    let token = jwt(json!({"tid": TENANT_ID, "roles": ["Sites.Read.All", "x\n::error::y", "a\u{202e}b", "c d"]}));
    let h = Hostile::start(&ctx, &json!({"token": granted(&token)}));
    let r = ctx.run_revealing(login(&ctx, &h).args(["--report", "r.json"])).code(0);
    assert!(r.stderr.contains("warning: 3 role(s)"), "{}", r.stderr);
    let out = read(&ctx, "gh-output");
    assert!(out.contains("roles<<") || out.contains("roles="), "{out}");
    assert!(!out.contains("::error::") && !out.contains('\u{202e}') && !out.contains("c d"), "{out}");
    let md = read(&ctx, "r.json") + &read(&ctx, STEP_SUMMARY);
    assert!(!md.contains("::error::") && !md.contains('\u{202e}') && !md.contains("\\u202e"), "{md}");
}

/// A token endpoint echoing the signed assertion in every field it has: it reaches no output.
#[test]
fn entra_an_echoed_client_assertion_is_scrubbed_everywhere() {
    let echo = json!({
        "status": 401,
        "body": json!({"error": "invalid_client ECHO", "error_description": "AADSTS700027: bad ECHO\r\nTrace ID: ECHO",
            "error_codes": [700027], "trace_id": "ECHO", "correlation_id": "ECHO"}).to_string()
    });
    let ctx = Ctx::new();
    let h = Hostile::start(&ctx, &json!({"token": echo}));
    // .md and .xml are Salesforce-only for an Entra login today (refused before any request).
    let reports = ["r.json", "r.yaml"];
    let mut cmd = login(&ctx, &h);
    cmd.arg("--json");
    for r in reports {
        cmd.args(["--report", r]);
    }
    let run = ctx.run(&mut cmd).code(3);
    let assertion = h.assertion();
    assert!(assertion.len() > 100, "{assertion}");
    let mut outputs = vec![run.stdout.clone(), run.stderr.clone(), read(&ctx, STEP_SUMMARY), read(&ctx, "gh-output")];
    outputs.extend(reports.iter().map(|r| read(&ctx, r)));
    assert!(!outputs[4].is_empty() && !outputs[5].is_empty() && !outputs[2].is_empty(), "reports and summary written");
    // The signature (its last part) is the secret; any of it quoted back is a leak.
    let sig = assertion.rsplit('.').next().unwrap();
    for text in &outputs {
        assert!(!text.contains(sig), "the assertion leaked:\n{text}");
    }
    // Echoed in pieces: the signature on its own is hidden too.
    let pieces = json!({"status": 401, "body": json!({"error": "invalid_client",
        "error_description": "AADSTS700027: bad signature PARTSIG", "error_codes": [700027]}).to_string()});
    let ctx2 = Ctx::new();
    let h2 = Hostile::start(&ctx2, &json!({"token": pieces}));
    let run = ctx2.run(login(&ctx2, &h2).args(["--report", "p.json"])).code(3);
    let sig = h2.assertion().rsplit('.').next().unwrap().to_string();
    for text in [run.stdout, run.stderr, read(&ctx2, "p.json")] {
        assert!(!text.contains(&sig), "the signature leaked:\n{text}");
    }
    // The doctor signs its own and reads the same answer.
    let ctx = Ctx::new();
    let h = Hostile::start(&ctx, &json!({"token": echo}));
    let run = ctx.run(doctor(&ctx, &h).args(["--json", "--report", "d.json", "--report", "d.md"]));
    let sig = h.assertion().rsplit('.').next().unwrap().to_string();
    for text in [run.stdout, run.stderr, read(&ctx, "d.json"), read(&ctx, "d.md")] {
        assert!(!text.contains(&sig), "the assertion leaked:\n{text}");
    }
}

fn ok(values: Value) -> Value {
    json!({"status": 200, "body": {"value": values}})
}

/// Graph's first and second `$batch` answers for a healthy app with Sites.Read.All consented.
fn graph(first: Value, second: Value) -> Value {
    let token = jwt(json!({"tid": TENANT_ID, "roles": ["Sites.Read.All"]}));
    json!({
        "token": granted(&token),
        "batch1": answer(200, json!({"responses": first})),
        "batch2": answer(200, json!({"responses": second})),
    })
}

fn healthy_first() -> Vec<Value> {
    let app = json!({"id": "app-obj-1", "appId": APP, "displayName": "sfjwt CI", "keyCredentials": [{"customKeyIdentifier": CI_THUMBPRINT, "endDateTime": "2099-01-01T00:00:00Z"}]});
    let sp = json!({"id": "sp-obj-1", "appId": APP, "displayName": "sfjwt CI", "appRoleAssignmentRequired": false});
    let res = json!({"id": "graph-sp", "appId": "00000003-0000-0000-c000-000000000000", "appRoles": [{"id": "role-sites", "value": "Sites.Read.All"}]});
    let with = |id: &str, r: Value| {
        let mut r = r;
        r["id"] = json!(id);
        r
    };
    vec![with("app", ok(json!([app]))), with("sp", ok(json!([sp]))), with("resource", ok(json!([res])))]
}

fn healthy_second(granted: Value) -> Value {
    json!([{"id": "granted", "status": 200, "body": granted}, {"id": "assigned", "status": 200, "body": {"value": []}}])
}

fn consented() -> Value {
    json!({"value": [{"resourceId": "graph-sp", "appRoleId": "role-sites"}]})
}

/// The doctor's JSON: the verdict and each check's status by id.
fn verdict(ctx: &Ctx, h: &Hostile) -> (String, Value) {
    let run = ctx.run(doctor(ctx, h).arg("--json"));
    let v: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}\n{}", run.stdout, run.stderr));
    let report = v.get("result").cloned().unwrap_or(v);
    let checks: serde_json::Map<String, Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["status"].clone()))
        .collect();
    (report["diagnosis"]["cause"].as_str().unwrap_or_default().to_string(), Value::Object(checks))
}

/// A partial `$batch` answer (a throttled or refused sub-request, a missing, renamed or duplicated
/// id, no responses) is a request that failed: never `entra_app_not_in_tenant`.
#[test]
fn entra_doctor_partial_graph_batches_confirm_nothing() {
    let first = healthy_first();
    let throttled = json!({"id": "sp", "status": 429, "headers": {"Retry-After": "5"}, "body": {"error": {"code": "TooManyRequests", "message": "Too many requests"}}});
    let expired = json!({"id": "sp", "status": 401, "body": {"error": {"code": "InvalidAuthenticationToken", "message": "expired"}}});
    let renamed: Vec<Value> = first
        .iter()
        .map(|r| json!({"id": r["id"].as_str().unwrap().to_uppercase(), "status": 200, "body": r["body"]}))
        .collect();
    let cases = [
        ("sp 429", json!([first[0], throttled, first[2]])),
        ("sp 401", json!([first[0], expired, first[2]])),
        ("sp missing", json!([first[0], first[2]])),
        ("ids renamed", json!(renamed)),
        ("empty", json!([])),
        ("sp duplicated", json!([{"id": "sp", "status": 200, "body": {"value": []}}, first[0], first[1], first[2]])),
        ("sp not a collection", json!([first[0], {"id": "sp", "status": 200, "body": {}}, first[2]])),
    ];
    for (name, answer) in cases {
        let ctx = Ctx::new();
        let h = Hostile::start(&ctx, &graph(answer, healthy_second(consented())));
        let (cause, checks) = verdict(&ctx, &h);
        assert_ne!(cause, "entra_app_not_in_tenant", "{name}: {checks}");
        assert_ne!(checks["entra_service_principal"], "fail", "{name}: {checks}");
        assert_ne!(checks["entra_app_registration"], "fail", "{name}: {checks}");
    }
    // An empty list while the grant in the same run succeeded: the grant is believed.
    let ctx = Ctx::new();
    let empty_sp = json!([first[0], {"id": "sp", "status": 200, "body": {"value": []}}, first[2]]);
    let h = Hostile::start(&ctx, &graph(empty_sp, healthy_second(consented())));
    let (cause, checks) = verdict(&ctx, &h);
    assert_ne!(cause, "entra_app_not_in_tenant", "{checks}");
    assert_eq!(checks["entra_service_principal"], "warn", "{checks}");
}

/// Granted permissions on more pages than the one read: not a confirmed missing consent, and the
/// next page's link (on another host) is never followed with the admin token.
#[test]
fn entra_doctor_a_paged_consent_list_is_not_confirmed_missing() {
    let ctx = Ctx::new();
    let page = json!({"value": [{"resourceId": "graph-sp", "appRoleId": "role-other"}], "@odata.nextLink": "https://evil.example/v1.0/next?$skiptoken=x"});
    let mut script = graph(json!(healthy_first()), healthy_second(page));
    // The token lacks the role, as the first page does, so only Graph could confirm it missing.
    script["token"] = granted(&jwt(json!({"tid": TENANT_ID, "roles": []})));
    let h = Hostile::start(&ctx, &script);
    let (_, checks) = verdict(&ctx, &h);
    assert_eq!(checks["entra_admin_consent"], "warn", "{checks}");
    let batches = h.requests().iter().filter(|(p, _)| p.contains("$batch")).count();
    assert_eq!(batches, 2, "{:?}", h.requests());
    // Control: the same single-page answer without the link is the confirmed finding.
    let ctx = Ctx::new();
    let single = json!({"value": [{"resourceId": "graph-sp", "appRoleId": "role-other"}]});
    let mut script = graph(json!(healthy_first()), healthy_second(single));
    script["token"] = granted(&jwt(json!({"tid": TENANT_ID, "roles": []})));
    let h = Hostile::start(&ctx, &script);
    let (cause, checks) = verdict(&ctx, &h);
    assert_eq!((cause.as_str(), &checks["entra_admin_consent"]), ("entra_admin_consent_required", &json!("fail")));
}

/// A discovery document naming a token endpoint elsewhere, and a token endpoint redirecting:
/// each said as what it is, nothing sent to the other host.
#[test]
fn entra_refused_endpoints_say_what_was_refused() {
    let ctx = Ctx::new();
    let disco = answer(200, json!({"token_endpoint": "https://evil.example/t/oauth2/v2.0/token", "issuer": "x"}));
    let h = Hostile::start(&ctx, &json!({"discovery": disco}));
    // By domain, so the OpenID configuration is read first.
    let cmd = login(&ctx, &h);
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut cmd2 = ctx.sfjwt();
    cmd2.args(args.iter().map(|a| if a == TENANT_ID { "contoso.onmicrosoft.com" } else { a.as_str() }));
    cmd2.envs(cmd.get_envs().filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))));
    let r = ctx.run(&mut cmd2).code(4);
    assert!(r.stderr.contains("names a token endpoint that is not https://127.0.0.1"), "{}", r.stderr);
    assert!(r.stderr.contains("refused"), "{}", r.stderr);
    let ctx = Ctx::new();
    let moved = json!({"status": 302, "headers": {"Location": "https://evil.example/"}, "body": ""});
    let h = Hostile::start(&ctx, &json!({"token": moved}));
    let r = ctx.run(login(&ctx, &h).args(["--report", "r.json"])).code(4).stderr_has("redirect refused");
    assert!(!r.stderr.contains("Check connectivity"), "{}", r.stderr);
    let rep: Value = serde_json::from_str(&read(&ctx, "r.json")).unwrap();
    assert!(rep["diagnosis"]["remediation"][0].as_str().unwrap_or_default().contains("never follows"), "{rep}");
    // The doctor's verdict gives the same help, not connectivity advice.
    let ctx = Ctx::new();
    let h = Hostile::start(&ctx, &json!({"token": moved}));
    let run = ctx.run(doctor(&ctx, &h).arg("--json"));
    assert!(run.stdout.contains("never follows") && !run.stdout.contains("Check connectivity"), "{}", run.stdout);
}

/// An Entra target in sfjwt.yaml at the hostile host, with `extra` keys.
fn entra_target(ctx: &Ctx, h: &Hostile, extra: &str) -> Command {
    ctx.secret_key_file(&fixture_key());
    let yaml = format!(
        "targets:\n  e:\n    provider: entra\n    tenant: {TENANT_ID}\n    client_id: {APP}\n    login_url: {}\n    ca_file: {}\n    key: {}\n    cert: {}\n{extra}",
        h.url,
        h.ca.display(),
        fixture_key().display(),
        repo().join("fixtures/orgs/ci.crt").display()
    );
    std::fs::write(ctx.path("sfjwt.yaml"), yaml).unwrap();
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "--config", "sfjwt.yaml", "--target", "e", "--allow-host", "127.0.0.1", "--max-retries", "0"]);
    cmd.env_remove("ACTIONS_ID_TOKEN_REQUEST_URL").env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    cmd
}

/// A Salesforce-only key on an Entra target is a mistake named before any request; the target's
/// `timeout:` bounds its requests as it does a Salesforce target's.
#[test]
fn entra_targets_refuse_salesforce_keys_and_keep_their_timeout() {
    let token = granted(&jwt(json!({"tid": TENANT_ID, "roles": []})));
    for key in [
        "username: ci@acme.example",
        "audience: https://login.salesforce.com",
        "app_name: CI",
        "admin_instance_url: https://acme.my.salesforce.com",
    ] {
        let ctx = Ctx::new();
        let h = Hostile::start(&ctx, &json!({"token": token}));
        let name = key.split(':').next().unwrap();
        let r = ctx.run(&mut entra_target(&ctx, &h, &format!("    {key}\n"))).code(2);
        assert!(r.stderr.contains(&format!("target e: {name} is a Salesforce key")), "{}", r.stderr);
        assert!(h.requests().is_empty(), "{:?}", h.requests());
    }
    // The token endpoint answers after 5 s: the target's 1 s bound gives up; the 30 s default would not.
    let ctx = Ctx::new();
    let mut slow = token.clone();
    slow["delay"] = json!(5);
    let h = Hostile::start(&ctx, &json!({"token": slow}));
    let r = ctx.run(&mut entra_target(&ctx, &h, "    timeout: 1s\n")).code(1);
    assert!(r.stdout.contains("timeout") || r.stderr.contains("timeout"), "{}\n{}", r.stdout, r.stderr);
}

/// Graph not answering in time is said as a timeout, not as Graph being busy.
#[test]
fn entra_doctor_a_graph_timeout_is_said_as_one() {
    let ctx = Ctx::new();
    let mut script = graph(json!(healthy_first()), healthy_second(consented()));
    script["batch1"]["delay"] = json!(5);
    let h = Hostile::start(&ctx, &script);
    let mut cmd = doctor_retrying(&ctx, &h, "1");
    cmd.args(["--timeout", "1s"]);
    let r = ctx.run(&mut cmd);
    assert!(r.stderr.contains("note: Microsoft Graph: timed out"), "{}", r.stderr);
    assert!(!r.stderr.contains("busy"), "{}", r.stderr);
}
