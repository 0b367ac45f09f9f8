//! OpenSSL's pre-PKCS#8 encrypted PEM (`Proc-Type: 4,ENCRYPTED` + `DEK-Info`), which the Salesforce
//! docs' old `openssl genrsa -des3` recipe produced and which many CI secrets still hold.
//! The key is derived with EVP_BytesToKey (MD5, one round, salt = first 8 bytes of the IV).

use aes::{Aes128, Aes192, Aes256};
use cbc::Decryptor;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use des::{Des, TdesEde3};
use md5::{Digest, Md5};
use zeroize::Zeroizing;

#[derive(Debug, PartialEq, Eq)]
pub enum LegacyError {
    Unsupported(String),
    BadHeader,
    /// Bad padding after decryption: almost always a wrong passphrase.
    Decrypt,
}

pub fn decrypt(dek_info: &str, passphrase: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, LegacyError> {
    let (cipher, iv_hex) = dek_info.split_once(',').ok_or(LegacyError::BadHeader)?;
    let iv = hex_decode(iv_hex.trim()).ok_or(LegacyError::BadHeader)?;
    let (key_len, iv_len) = match cipher.trim().to_ascii_uppercase().as_str() {
        "DES-EDE3-CBC" => (24, 8),
        "DES-CBC" => (8, 8),
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        other => return Err(LegacyError::Unsupported(other.to_string())),
    };
    if iv.len() != iv_len {
        return Err(LegacyError::BadHeader);
    }
    let key = bytes_to_key(passphrase, &iv[..8], key_len);
    let cipher = cipher.trim().to_ascii_uppercase();
    let plain = match cipher.as_str() {
        "DES-EDE3-CBC" => run::<TdesEde3>(&key, &iv, data),
        "DES-CBC" => run::<Des>(&key, &iv, data),
        "AES-128-CBC" => run::<Aes128>(&key, &iv, data),
        "AES-192-CBC" => run::<Aes192>(&key, &iv, data),
        _ => run::<Aes256>(&key, &iv, data),
    };
    plain.map(Zeroizing::new).ok_or(LegacyError::Decrypt)
}

fn run<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    Decryptor<C>: KeyIvInit + BlockModeDecrypt,
    C: cbc::cipher::BlockCipherDecrypt,
{
    let dec = Decryptor::<C>::new_from_slices(key, iv).ok()?;
    let mut buf = data.to_vec();
    let len = dec.decrypt_padded::<Pkcs7>(&mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

fn bytes_to_key(pass: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < len {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(pass);
        h.update(salt);
        prev = h.finalize().to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(len);
    out
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_to_key_matches_openssl() {
        // `openssl enc -des-ede3-cbc -md md5 -k pass -S 0102030405060708 -P` prints this key.
        let k = bytes_to_key(b"pass", &[1, 2, 3, 4, 5, 6, 7, 8], 24);
        let hex: String = k.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex.len(), 48);
        assert_eq!(&k[..16], &Md5::digest([b"pass".as_slice(), &[1, 2, 3, 4, 5, 6, 7, 8]].concat())[..]);
    }

    #[test]
    fn unknown_cipher_is_named() {
        assert_eq!(decrypt("RC2-CBC,0011", b"x", &[]), Err(LegacyError::Unsupported("RC2-CBC".into())));
    }
}
