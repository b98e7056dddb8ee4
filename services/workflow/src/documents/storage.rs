//! The document store: where the bytes of documents live, through the `object_store` crate.

use object_store::{ObjectStore, PutMode, PutOptions, PutPayload, path::Path};
use std::sync::Arc;

/// Where documents are kept. Cloned cheaply.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Where it is, for the logs (a folder, or a bucket URL).
    pub location: String,
}

impl Storage {
    /// `url`: none for a local folder `folder` (created when missing); `s3://bucket[/prefix]` for
    /// S3-compatible storage, configured by the usual `AWS_*` variables (endpoint, region, keys).
    pub fn open(url: Option<&str>, folder: &std::path::Path) -> anyhow::Result<Storage> {
        match url {
            None | Some("") => {
                std::fs::create_dir_all(folder)?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(folder)?;
                Ok(Storage {
                    store: Arc::new(store),
                    location: folder.display().to_string(),
                })
            }
            Some(url) if url.starts_with("s3://") => {
                let store = object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url)
                    .build()?;
                Ok(Storage {
                    store: Arc::new(store),
                    location: url.to_owned(),
                })
            }
            Some(other) => anyhow::bail!(
                "KC_DOCUMENTS_URL must be empty (a local folder) or s3://bucket, not {other}"
            ),
        }
    }

    /// Store new bytes under `key`; never replaces an object that exists.
    pub async fn put_new(&self, key: &str, bytes: Vec<u8>) -> object_store::Result<()> {
        let options = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        self.store
            .put_opts(&Path::from(key), PutPayload::from(bytes), options)
            .await
            .map(|_| ())
    }

    pub async fn get(&self, key: &str) -> object_store::Result<axum::body::Bytes> {
        self.store.get(&Path::from(key)).await?.bytes().await
    }

    /// Remove what a failed upload left (best effort).
    pub async fn remove(&self, key: &str) {
        if let Err(e) = self.store.delete(&Path::from(key)).await {
            tracing::warn!(key, "could not remove an orphaned document: {e}");
        }
    }
}
