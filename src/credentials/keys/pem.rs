//! A lenient PEM reader. CI secret stores mangle keys in a handful of ways (CRLF, a BOM, literal `\n`,
//! wrapping quotes, the whole file base64-encoded); this undoes them before any parsing, so the strict
//! DER decoders downstream only ever see clean bytes.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use zeroize::Zeroizing;

/// Accepts padded and unpadded base64, as secret UIs strip trailing `=` surprisingly often.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const LENIENT_URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One `-----BEGIN LABEL-----` … `-----END LABEL-----` block.
pub struct Block {
    pub label: String,
    pub headers: Vec<(String, String)>,
    /// `None` when the body is not valid base64.
    pub der: Option<Zeroizing<Vec<u8>>>,
    /// False when the END line is missing: the text was cut short.
    pub complete: bool,
}

/// Undo the usual CI-secret damage. The result is either PEM text or something that is not PEM.
pub fn normalise(text: &str) -> Zeroizing<String> {
    let mut s = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            s = s[1..s.len() - 1].trim();
        }
    }
    let s = s.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\r\n", "\n").replace('\r', "\n");
    Zeroizing::new(s)
}

/// Decodes text that is one base64 blob (the whole PEM file, or a binary PKCS#12, base64-encoded).
pub fn decode_base64_blob(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let compact: Zeroizing<String> = Zeroizing::new(text.chars().filter(|c| !c.is_whitespace()).collect());
    if compact.is_empty() {
        return None;
    }
    LENIENT.decode(compact.as_bytes()).or_else(|_| LENIENT_URL.decode(compact.as_bytes())).ok().map(Zeroizing::new)
}

pub fn contains_pem(text: &str) -> bool {
    text.contains("-----BEGIN ")
}

/// Every PEM block in `text`, in order. Tolerates whitespace in place of newlines, which some CI
/// variable editors produce when a multi-line value is pasted into a single-line field.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            out.push(Block { label: after.trim().to_string(), headers: vec![], der: None, complete: false });
            break;
        };
        let label = after[..label_end].trim().to_string();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let (inner, complete, next) = match body_start.find(&end_marker) {
            Some(i) => (&body_start[..i], true, &body_start[i + end_marker.len()..]),
            None => match body_start.find("-----END ") {
                // A different END label: treat as cut short, and keep scanning after it.
                Some(i) => (&body_start[..i], false, &body_start[i..]),
                None => (body_start, false, ""),
            },
        };
        let (headers, body) = split_headers(inner);
        let compact: Zeroizing<String> = Zeroizing::new(body.chars().filter(|c| !c.is_whitespace()).collect());
        let der = general_purpose::STANDARD.decode(compact.as_bytes()).ok().map(Zeroizing::new);
        out.push(Block { label, headers, der, complete });
        rest = next;
        if rest.is_empty() {
            break;
        }
    }
    out
}

/// RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`) come first, then a blank line, then base64.
fn split_headers(inner: &str) -> (Vec<(String, String)>, String) {
    let mut headers = Vec::new();
    let mut body = String::new();
    for line in inner.lines() {
        let line = line.trim();
        if body.is_empty()
            && let Some((k, v)) = line.split_once(':')
        {
            headers.push((k.trim().to_string(), v.trim().to_string()));
            continue;
        }
        body.push_str(line);
    }
    (headers, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_undoes_ci_damage() {
        let raw = "\u{feff}  \"-----BEGIN X-----\\nAAAA\\n-----END X-----\"\r\n";
        assert_eq!(normalise(raw).as_str(), "-----BEGIN X-----\nAAAA\n-----END X-----");
    }

    #[test]
    fn blocks_reads_headers_and_marks_truncation() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,00\n\nAAAA\n";
        let b = blocks(text);
        assert_eq!(b.len(), 1);
        assert!(!b[0].complete);
        assert_eq!(b[0].headers[0], ("Proc-Type".to_string(), "4,ENCRYPTED".to_string()));
        assert_eq!(b[0].der.as_deref().map(|v| v.as_slice()), Some(&[0u8, 0, 0][..]));
    }

    #[test]
    fn blocks_accepts_spaces_for_newlines() {
        let b = blocks("-----BEGIN PRIVATE KEY----- AAAA AAAA -----END PRIVATE KEY-----");
        assert!(b[0].complete);
        assert_eq!(b[0].der.as_ref().map(|d| d.len()), Some(6));
    }
}
