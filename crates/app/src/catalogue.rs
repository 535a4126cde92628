//! The catalogue as the server reads it: search documents cached per
//! catalogue revision. The revision lives in the database and is bumped by
//! every catalogue write, so every server process sees a change at its next
//! search — no cache can be stale for longer than one query.

use std::sync::{Arc, RwLock};
use tongban_domain::search::{SearchDoc, SearchFilter, SearchIndex};
use tongban_store::{Result, Store};

/// Cached search documents.
#[derive(Debug, Default)]
pub struct CatalogueCache {
    inner: RwLock<Option<(i64, Arc<SearchIndex>)>>,
}

impl CatalogueCache {
    /// The current index, rebuilt when the revision moved.
    pub async fn index(&self, store: &dyn Store) -> Result<Arc<SearchIndex>> {
        let rev = store.catalogue_revision().await?;
        if let Some((r, docs)) = self.inner.read().expect("lock").as_ref()
            && *r == rev
        {
            return Ok(docs.clone());
        }
        let index = Arc::new(SearchIndex::new(store.search_docs().await?));
        *self.inner.write().expect("lock") = Some((rev, index.clone()));
        Ok(index)
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
        let index = self.index(store).await?;
        let hits = index.rank(q, filter);
        let total = hits.len();
        let docs = index.docs();
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
