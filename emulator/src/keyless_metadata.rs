//! A deployed keyless setup (what `sfjwt setup --keyless` generates) read as the org would run
//! it: the handler definition and enablement, the policy constants of its Apex class, and the
//! allow-list rows of its Custom Metadata. The JWKS URL in the Apex points at the real CI issuer;
//! the emulator checks signatures against its own fake issuer instead.

use std::path::PathBuf;

use crate::keyless::{AllowRow, HandlerSpec, PolicySpec};
use crate::metadata::{field, parse};

/// The value of `static final String NAME = '...';` in Apex source.
fn apex_constant(source: &str, name: &str) -> Option<String> {
    let line = source.lines().find(|l| l.contains("static final String") && l.contains(&format!(" {name} = '")))?;
    let start = line.find('\'')? + 1;
    let end = line.rfind('\'')?;
    (end > start).then(|| line[start..end].replace("\\'", "'").replace("\\\\", "\\"))
}

/// The `<values>` of a CustomMetadata record, by field name (nil values absent).
fn md_values(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc = parse(text)?;
    Ok(doc
        .descendants()
        .filter(|n| n.has_tag_name("values"))
        .filter_map(|v| {
            let f = v.children().find(|c| c.has_tag_name("field"))?.text()?.trim().to_string();
            let value = v.children().find(|c| c.has_tag_name("value"))?.text()?.trim().to_string();
            Some((f, value))
        })
        .collect())
}

pub fn handler(stem: &str, text: &str, files: &[PathBuf]) -> Result<HandlerSpec, String> {
    let doc = parse(text)?;
    let class = field(&doc, "tokenHandlerApex").ok_or(format!("handler {stem}: no tokenHandlerApex"))?;
    let read = |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let name_of = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source = files
        .iter()
        .find(|p| name_of(p) == format!("{class}.cls"))
        .ok_or(format!("handler {stem}: Apex class {class} is not in the source folder"))
        .and_then(read)?;
    let constant = |n: &str| apex_constant(&source, n).ok_or(format!("{class}.cls: no {n} constant"));
    let app_api = field(&doc, "externalClientApp").ok_or(format!("handler {stem}: no enablement for an app"))?;
    // The emulator names apps by label; the enablement names the app's API name.
    let app = files
        .iter()
        .find(|p| name_of(p) == format!("{app_api}.eca-meta.xml"))
        .map(read)
        .transpose()?
        .and_then(|t| parse(&t).ok().and_then(|d| field(&d, "label")))
        .unwrap_or(app_api);
    let mut allow = Vec::new();
    for f in
        files.iter().filter(|p| name_of(p).starts_with("Sfjwt_Keyless_Allow.") && name_of(p).ends_with(".md-meta.xml"))
    {
        let values = md_values(&read(f)?)?;
        let get = |k: &str| values.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
        allow.push(AllowRow {
            repository: get("Repository__c").unwrap_or_default(),
            git_ref: get("Ref__c"),
            environment: get("Environment__c"),
            repo_id: get("Repository_Id__c"),
            owner_id: get("Owner_Id__c"),
            ref_type: get("Ref_Type__c"),
            protected_only: get("Protected_Only__c").is_some_and(|v| v == "true"),
            events: get("Events__c"),
            job_workflow_ref: get("Job_Workflow_Ref__c"),
            user: get("Username__c").unwrap_or_default(),
        });
    }
    let yes = |tag: &str| field(&doc, tag).is_some_and(|v| v == "true");
    let policy = PolicySpec { issuer: constant("ISSUER")?, audience: constant("AUDIENCE")?, allow };
    Ok(HandlerSpec {
        name: stem.to_string(),
        apex_class: class,
        app,
        default: yes("isDefault"),
        enabled: yes("isEnabled"),
        id_token_supported: yes("isIdTokenSupported"),
        jwt_supported: yes("isJwtSupported"),
        policy,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn apex_constants_are_read_from_source() {
        let src = "    @TestVisible static final String ISSUER = 'https://token.actions.githubusercontent.com';\n    static final String AUDIENCE = 'https://a.example/x\\'y';";
        assert_eq!(super::apex_constant(src, "ISSUER").unwrap(), "https://token.actions.githubusercontent.com");
        assert_eq!(super::apex_constant(src, "AUDIENCE").unwrap(), "https://a.example/x'y");
        assert!(super::apex_constant(src, "JWKS_URL").is_none());
    }
}
