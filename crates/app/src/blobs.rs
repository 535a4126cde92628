//! Uploaded files (scanned materials), stored content-addressed: the name
//! of a file is the SHA-256 of its bytes, so a retried upload stores nothing
//! twice and a stored file cannot change under its name. The trait lets an
//! S3-compatible store replace the local directory.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Where uploaded files live.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug + 'static {
    /// Stores bytes durably; returns their SHA-256 (hex).
    async fn put(&self, bytes: &[u8]) -> std::io::Result<String>;
    /// The bytes stored under a digest.
    async fn get(&self, digest: &str) -> std::io::Result<Vec<u8>>;
}

/// Files in a local directory, fanned out by the first bytes of the digest.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store rooted at `root` (created when needed).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, digest: &str) -> Option<PathBuf> {
        let ok = digest.len() == 64
            && digest
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        ok.then(|| {
            self.root
                .join(&digest[..2])
                .join(&digest[2..4])
                .join(digest)
        })
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let digest = hex::encode(Sha256::digest(bytes));
        let path = self.path(&digest).expect("a SHA-256 hex digest");
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(digest);
        }
        let dir = path.parent().expect("fanned out").to_path_buf();
        let bytes = bytes.to_vec();
        // Write to a temporary name, flush to disk, then rename into place:
        // a crash never leaves a partial file under a real digest.
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            std::fs::create_dir_all(&dir)?;
            let mut suffix = [0u8; 8];
            getrandom::fill(&mut suffix).map_err(std::io::Error::other)?;
            let tmp = dir.join(format!(".tmp-{}", hex::encode(suffix)));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&dir)?.sync_all()
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(digest)
    }

    async fn get(&self, digest: &str) -> std::io::Result<Vec<u8>> {
        match self.path(digest) {
            Some(p) => tokio::fs::read(p).await,
            None => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "bad digest",
            )),
        }
    }
}

/// What an upload really is, whatever its name says: PDF, JPEG or PNG.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// An image without the metadata that may say where and when it was taken
/// and on which device: JPEG APP1 (EXIF, XMP), APP13 (IPTC) and comment
/// segments; PNG text, time and EXIF chunks. Everything that draws the
/// picture is kept byte for byte. Other content, and images that do not
/// parse as expected, are returned unchanged.
pub fn strip_metadata(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    match sniff(bytes) {
        Some("image/jpeg") => strip_jpeg(bytes).map_or(Cow::Borrowed(bytes), Cow::Owned),
        Some("image/png") => strip_png(bytes).map_or(Cow::Borrowed(bytes), Cow::Owned),
        _ => Cow::Borrowed(bytes),
    }
}

fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]); // SOI
    let mut i = 2;
    loop {
        if i + 4 > b.len() || b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        // Start of scan: the rest is image data, kept as it is.
        if marker == 0xDA {
            out.extend_from_slice(&b[i..]);
            return Some(out);
        }
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        let end = i + 2 + len;
        if len < 2 || end > b.len() {
            return None;
        }
        // APP1 (EXIF/XMP), APP13 (IPTC/Photoshop), COM: dropped.
        if !matches!(marker, 0xE1 | 0xED | 0xFE) {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
    }
}

fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..8]);
    let mut i = 8;
    while i < b.len() {
        if i + 12 > b.len() {
            return None;
        }
        let len = usize::try_from(u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])).ok()?;
        let kind = &b[i + 4..i + 8];
        let end = i.checked_add(12)?.checked_add(len)?;
        if end > b.len() {
            return None;
        }
        if !matches!(kind, b"tEXt" | b"iTXt" | b"zTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_exif_and_comments_are_dropped_and_the_picture_kept() {
        let seg = |m: u8, body: &[u8]| {
            let mut v = vec![0xFF, m];
            v.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
            v.extend_from_slice(body);
            v
        };
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(seg(0xE0, b"JFIF\0\x01\x01"));
        jpeg.extend(seg(0xE1, b"Exif\0\0GPS 25.43N 119.01E"));
        jpeg.extend(seg(0xFE, b"taken by Lin"));
        jpeg.extend(seg(0xDB, &[0u8; 65]));
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]);
        let out = strip_metadata(&jpeg).into_owned();
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("GPS") && !text.contains("Lin"));
        assert!(text.contains("JFIF"));
        assert!(out.ends_with(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]));
        assert_eq!(out.len(), jpeg.len() - (4 + 24) - (4 + 12));
        // Something that is not a well-formed JPEG is left alone.
        let broken = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF];
        assert_eq!(&*strip_metadata(&broken), &broken);
    }

    #[test]
    fn png_text_and_exif_chunks_are_dropped() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut v = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
            v.extend_from_slice(kind);
            v.extend_from_slice(data);
            v.extend_from_slice(&[0, 0, 0, 0]); // CRC (not checked here)
            v
        };
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"tEXt", b"Author\0Lin Xiuying"));
        png.extend(chunk(b"eXIf", b"MM\0*GPS"));
        png.extend(chunk(b"IDAT", &[7; 20]));
        png.extend(chunk(b"IEND", &[]));
        let out = strip_metadata(&png).into_owned();
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("Lin Xiuying") && !text.contains("GPS"));
        assert!(text.contains("IHDR") && text.contains("IDAT") && text.contains("IEND"));
        let pdf = b"%PDF-1.7 Author Lin".to_vec();
        assert_eq!(&*strip_metadata(&pdf), &pdf[..], "PDFs are stored as given");
    }

    #[tokio::test]
    async fn stores_by_content_and_sniffs() {
        let dir = std::env::temp_dir().join(format!("tongban-blobs-{}", std::process::id()));
        let s = FsBlobStore::new(&dir);
        let a = s.put(b"%PDF-1.7 hello").await.unwrap();
        let b = s.put(b"%PDF-1.7 hello").await.unwrap();
        assert_eq!(a, b);
        assert_eq!(s.get(&a).await.unwrap(), b"%PDF-1.7 hello");
        assert!(s.get("../../etc/passwd").await.is_err());
        assert_eq!(sniff(b"%PDF-1.4"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00 an executable"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
