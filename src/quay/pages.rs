//! Paginated lists (quay-api.md §1.7): `next_page` tokens, 100 items a page.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;

use super::client::{Call, QuayClient};
use super::error::QuayError;

/// One page of a paginated list, as Quay sends it.
pub(crate) trait Page: DeserializeOwned {
    type Item;
    /// The page's items and the token of the next page, if any.
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

impl QuayClient {
    /// Every item of a paginated list. `first` builds the request for the first page (each
    /// later page is the same request with `next_page`); `name` tells items apart. Stops when
    /// Quay gives no `next_page`, and also when a page brings nothing new or a token repeats:
    /// Quay silently restarts at page 1 when it cannot decrypt a page token.
    pub(crate) async fn all_pages<P: Page>(
        &self,
        first: impl Fn() -> Call,
        name: impl Fn(&P::Item) -> &str,
    ) -> Result<Vec<P::Item>, QuayError> {
        let mut all = Vec::new();
        let mut seen_names = BTreeSet::new();
        let mut seen_tokens = BTreeSet::new();
        let mut next: Option<String> = None;
        loop {
            let mut call = first();
            if let Some(token) = &next {
                call = call.query("next_page", token.clone());
            }
            let (items, next_page) = self.send(call).await?.json::<P>()?.into_parts();
            let mut fresh = false;
            for item in items {
                if seen_names.insert(name(&item).to_string()) {
                    fresh = true;
                    all.push(item);
                }
            }
            match next_page {
                Some(token) if fresh && seen_tokens.insert(token.clone()) => next = Some(token),
                _ => return Ok(all),
            }
        }
    }
}
