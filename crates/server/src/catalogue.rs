//! The catalogue as the server reads it: search documents cached per
//! catalogue revision. The revision lives in the database and is bumped by
//! every catalogue write, so every server process sees a change at its next
//! search — no cache can be stale for longer than one query.

use std::sync::{Arc, RwLock};
use tongban_domain::search::{SearchDoc, SearchFilter, rank};
use tongban_store::{Result, Store};

/// Cached search documents.
#[derive(Debug, Default)]
pub struct CatalogueCache {
    inner: RwLock<Option<(i64, Arc<Vec<SearchDoc>>)>>,
}

impl CatalogueCache {
    /// The current documents, reloaded when the revision moved.
    pub async fn docs(&self, store: &dyn Store) -> Result<Arc<Vec<SearchDoc>>> {
        let rev = store.catalogue_revision().await?;
        if let Some((r, docs)) = self.inner.read().expect("lock").as_ref()
            && *r == rev
        {
            return Ok(docs.clone());
        }
        let docs = Arc::new(store.search_docs().await?);
        *self.inner.write().expect("lock") = Some((rev, docs.clone()));
        Ok(docs)
    }

    /// Searches: the ranked matches and their total.
    pub async fn search(
        &self,
        store: &dyn Store,
        q: &str,
        filter: &SearchFilter,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<SearchDoc>, usize)> {
        let docs = self.docs(store).await?;
        let hits = rank(&docs, q, filter);
        let total = hits.len();
        Ok((
            hits.into_iter()
                .skip(offset)
                .take(limit)
                .map(|i| docs[i].clone())
                .collect(),
            total,
        ))
    }
}
