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

#[cfg(test)]
mod tests {
    use super::*;

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
