//! One module per Quay object kind that has a file section of its own: its entries (what the
//! file holds and `export` writes), its keys, how it is decoded, checked and turned into the
//! model. The older kinds (repositories, robots, teams) still live in `file`, `decode`,
//! `validate` and `mapping`; new kinds come here (docs/adding-a-kind.md).

pub mod auto_prune;
pub mod default_permissions;
pub mod federation;
pub mod immutability;
pub mod notifications;
pub mod quota;
pub mod repository_state;
pub mod tag_expiration;
