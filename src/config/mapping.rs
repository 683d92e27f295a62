//! Between the file format and the shared model: a checked [`OrganizationFile`] becomes a
//! [`DesiredOrganization`], and (for `mqc export`) an [`Organization`] becomes a file again.
//! The rules are documented in docs/configuration.md.

use std::collections::BTreeMap;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::file::{
    MembersEntry, MirrorArchitecture, MirrorParams, OrganizationFile, PermissionEntry,
    PermissionsEntry, RepositoryEntry, RobotEntry, TeamEntry,
};
use super::kinds::default_permissions;
use super::validate::{referenced_robot, Identity};
use crate::model::{
    DesiredOrganization, Endpoint, Mirror, MirrorOptions, Organization, Permissions, Proxy,
    RepoState, Repository, Robot, Role, SyncStart, Team, TeamMembers, TeamRole, TeamSync,
    Visibility,
};

fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The model of a file that passed every check, with the endpoints and email the checks
/// already parsed into its [`Identity`].
pub fn to_model(file: &OrganizationFile, identity: &Identity) -> DesiredOrganization {
    let org = file.quay_organization.as_str();
    let robots = file
        .robots
        .iter()
        .map(|r| {
            let robot = Robot {
                description: r.desc.clone().unwrap_or_default(),
            };
            (referenced_robot(org, &r.name), robot)
        })
        .collect();
    let teams = file
        .teams
        .iter()
        .map(|t| {
            let members = t.members.as_ref().map(|m| TeamMembers {
                users: m.users.iter().flatten().cloned().collect(),
                robots: m
                    .robots
                    .iter()
                    .flatten()
                    .map(|r| referenced_robot(org, r))
                    .collect(),
                invited_users: Default::default(),
            });
            let team = Team {
                role: t.role.unwrap_or(TeamRole::Member),
                description: t.description.clone().unwrap_or_default(),
                members,
                sync: sync(t),
            };
            (t.name.clone(), team)
        })
        .collect();
    let repositories = file
        .repositories
        .iter()
        .map(|r| (r.name.clone(), repository(r, org)))
        .collect();
    DesiredOrganization {
        source: identity.file.clone(),
        endpoints: identity.endpoints.clone(),
        organization: Organization {
            name: org.to_string(),
            email: identity.email.clone(),
            robots,
            teams,
            repositories,
            default_permissions: file
                .default_permissions
                .as_deref()
                .map(|entries| default_permissions::to_model(org, entries)),
            quota: file.quota.as_ref().and_then(super::kinds::quota::to_model),
            tag_expiration_s: file
                .tag_expiration
                .as_deref()
                .and_then(super::kinds::tag_expiration::to_model),
            auto_prune: super::kinds::auto_prune::to_model(file),
            immutability: super::kinds::immutability::to_model(file),
            robot_federation: super::kinds::federation::to_model(file),
        },
        mentions: Default::default(),
    }
}

/// The team's declared sync (a checked file declares at most one of the two keys).
fn sync(t: &TeamEntry) -> Option<TeamSync> {
    non_empty(&t.group_name)
        .map(|group_name| TeamSync::Oidc { group_name })
        .or_else(|| non_empty(&t.group_dn).map(|group_dn| TeamSync::Ldap { group_dn }))
}

fn repository(r: &RepositoryEntry, org: &str) -> Repository {
    let mirrored = r.mirror == Some(true);
    let mirror = r
        .mirror_params
        .as_ref()
        .filter(|_| mirrored)
        .map(|m| Mirror {
            external_reference: format!("{}/{}", m.src_registry, m.src_image),
            tags: m.src_image_tags.clone(),
            username: non_empty(&m.ext_registry_username),
            verify_tls: m.ext_registry_verify_tls.unwrap_or(true),
            unsigned_images: m.ext_registry_unsigned_image.unwrap_or(false),
            robot: referenced_robot(org, &m.robot_username),
            sync_interval: m.sync_interval,
            is_enabled: m.is_enabled.unwrap_or(false),
            proxy: Proxy {
                http_proxy: non_empty(&m.http_proxy),
                https_proxy: non_empty(&m.https_proxy),
                no_proxy: non_empty(&m.no_proxy),
            },
            options: MirrorOptions {
                sync_start: m.sync_start_date.as_deref().and_then(SyncStart::parse),
                skopeo_timeout_s: m.skopeo_timeout_interval,
                architectures: m
                    .architecture_filter
                    .as_ref()
                    .map(|list| list.iter().map(|arch| arch.as_str().to_string()).collect()),
            },
        });
    let to_map =
        |list: &Option<Vec<PermissionEntry>>, robots: bool| -> Option<BTreeMap<String, Role>> {
            list.as_ref().map(|l| {
                l.iter()
                    .map(|p| {
                        let name = if robots {
                            referenced_robot(org, &p.name)
                        } else {
                            p.name.clone()
                        };
                        (name, p.role)
                    })
                    .collect()
            })
        };
    let permissions = match &r.permissions {
        None => Permissions::default(),
        Some(p) => Permissions {
            users: to_map(&p.users, false),
            robots: to_map(&p.robots, true),
            teams: to_map(&p.teams, false),
        },
    };
    let notifications = super::kinds::notifications::to_model(r);
    Repository {
        description: r.description.clone().unwrap_or_default(),
        visibility: r.visibility.unwrap_or(Visibility::Public),
        permissions,
        state: if mirror.is_some() {
            RepoState::Mirror
        } else {
            RepoState::Normal
        },
        mirror,
        notifications,
        declared_state: super::kinds::repository_state::to_model(r.state),
    }
}

/// A repository's notifications for `export`. One a file cannot declare (an event or method
/// this mqc does not know) leaves the whole list out, with a warning, so that the exported
/// file does not remove it.
fn notification_entries(
    org: &Organization,
    name: &str,
    repository: &Repository,
) -> Option<Vec<super::kinds::notifications::NotificationEntry>> {
    match super::kinds::notifications::entries(repository.notifications.as_deref()) {
        Ok(entries) => entries,
        Err(odd) => {
            tracing::warn!(
                target: "mqc::export",
                "organization {}, repository {name}: `notification` is not written (so the \
                 file leaves the notifications alone): the {odd} cannot be declared in a file",
                org.name
            );
            None
        }
    }
}

/// How an endpoint is written in files: the bare host for plain https, else the full URL.
pub fn endpoint_to_file(endpoint: &Endpoint) -> String {
    let url = endpoint.base_url();
    match url.strip_prefix("https://") {
        Some(rest) if !rest.contains('/') => rest.to_string(),
        _ => url.to_string(),
    }
}

/// The file that declares `org` on `endpoints` exactly as it is (for `mqc export`): every
/// collection present in the model is written, so the file manages what was read.
pub fn from_model(org: &Organization, endpoints: &[Endpoint]) -> OrganizationFile {
    let some_text = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
    OrganizationFile {
        quay_endpoint: endpoints.first().map(endpoint_to_file).unwrap_or_default(),
        replicate_to: endpoints.iter().skip(1).map(endpoint_to_file).collect(),
        quay_organization: org.name.clone(),
        quay_organization_email: org.email.clone().unwrap_or_default(),
        repositories: org
            .repositories
            .iter()
            .map(|(name, r)| {
                let perm_list = |m: &Option<BTreeMap<String, Role>>| {
                    m.as_ref().map(|m| {
                        m.iter()
                            .map(|(name, role)| PermissionEntry {
                                name: name.clone(),
                                role: *role,
                            })
                            .collect()
                    })
                };
                let p = &r.permissions;
                let permissions = (p.users.is_some() || p.robots.is_some() || p.teams.is_some())
                    .then(|| PermissionsEntry {
                        robots: perm_list(&p.robots),
                        users: perm_list(&p.users),
                        teams: perm_list(&p.teams),
                    });
                RepositoryEntry {
                    name: name.clone(),
                    description: some_text(&r.description),
                    visibility: Some(r.visibility),
                    mirror: r.mirror.as_ref().map(|_| true),
                    state: super::kinds::repository_state::from_model(
                        r.state.clone(),
                        r.mirror.is_some(),
                    ),
                    mirror_params: r.mirror.as_ref().map(|m| {
                        let (registry, image) = m
                            .external_reference
                            .split_once('/')
                            .unwrap_or((m.external_reference.as_str(), ""));
                        MirrorParams {
                            src_registry: registry.to_string(),
                            src_image: image.to_string(),
                            src_image_tags: m.tags.clone(),
                            ext_registry_username: m.username.clone(),
                            ext_registry_verify_tls: Some(m.verify_tls),
                            ext_registry_unsigned_image: Some(m.unsigned_images),
                            robot_username: m.robot.clone(),
                            sync_interval: m.sync_interval,
                            is_enabled: Some(m.is_enabled),
                            https_proxy: m.proxy.https_proxy.clone(),
                            http_proxy: m.proxy.http_proxy.clone(),
                            no_proxy: m.proxy.no_proxy.clone(),
                            sync_start_date: m.options.sync_start.map(|at| at.to_string()),
                            // Quay's minimum, what a new mirror gets without the key.
                            skopeo_timeout_interval: m
                                .options
                                .skopeo_timeout_s
                                .filter(|&seconds| seconds != DEFAULT_SKOPEO_TIMEOUT_S),
                            architecture_filter: exported_architectures(&m.options),
                        }
                    }),
                    permissions,
                    notification: notification_entries(org, name, r),
                    auto_prune: super::kinds::auto_prune::entries(&org.auto_prune, Some(name)),
                    immutability: super::kinds::immutability::entries(
                        &org.immutability,
                        Some(name),
                    ),
                }
            })
            .collect(),
        robots: org
            .robots
            .iter()
            .map(|(name, r)| RobotEntry {
                name: name.clone(),
                desc: some_text(&r.description),
                federation: super::kinds::federation::entries(org.robot_federation.get(name)),
            })
            .collect(),
        teams: org
            .teams
            .iter()
            .map(|(name, t)| TeamEntry {
                name: name.clone(),
                description: some_text(&t.description),
                // Pending invitations count as members (the planner treats them so), and the
                // users of a synced team belong to the sync: only its robots are written.
                members: t.members.as_ref().map(|m| MembersEntry {
                    users: t
                        .sync
                        .is_none()
                        .then(|| m.users.union(&m.invited_users).cloned().collect()),
                    robots: Some(m.robots.iter().cloned().collect()),
                }),
                role: Some(t.role),
                group_dn: match &t.sync {
                    Some(TeamSync::Ldap { group_dn }) => Some(group_dn.clone()),
                    _ => None,
                },
                group_name: match &t.sync {
                    Some(TeamSync::Oidc { group_name }) => Some(group_name.clone()),
                    _ => None,
                },
            })
            .collect(),
        // Like robots and teams: written when there are some.
        default_permissions: org
            .default_permissions
            .as_deref()
            .filter(|defaults| !defaults.is_empty())
            .map(default_permissions::from_model),
        quota: org.quota.as_ref().map(super::kinds::quota::from_model),
        tag_expiration: org
            .tag_expiration_s
            .map(super::kinds::tag_expiration::from_model),
        auto_prune: super::kinds::auto_prune::entries(&org.auto_prune, None),
        immutability: super::kinds::immutability::entries(&org.immutability, None),
    }
}

/// The YAML text of an organization file.
pub fn to_yaml(file: &OrganizationFile) -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(file).map(|body| format!("---\n{body}"))
}

/// The comment lines at the top of an exported file. They change on every export; the rest of
/// the file (the body) does not while Quay does not.
pub fn export_header(endpoint: &str, now: OffsetDateTime) -> String {
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let stamp = now
        .format(&Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string());
    format!(
        "# Exported by mqc {} from {endpoint} on {stamp}\n\
         # Review this file before `mqc create`: create makes the organization match it exactly.\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Everything after the leading comment lines.
pub fn body_of(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, tail)| tail);
    }
    rest
}

/// The `skopeo_timeout_interval` a mirror gets when its file leaves the key out.
const DEFAULT_SKOPEO_TIMEOUT_S: u64 = 300;

/// A non-empty architecture filter, in the file's spelling (an empty one is the default:
/// every architecture). An architecture this mqc does not know cannot be written back.
fn exported_architectures(options: &MirrorOptions) -> Option<Vec<MirrorArchitecture>> {
    let names = options.architectures.as_ref().filter(|a| !a.is_empty())?;
    Some(
        names
            .iter()
            .filter_map(|name| {
                MirrorArchitecture::ALL
                    .iter()
                    .find(|(known, _)| known == name)
                    .map(|(_, arch)| *arch)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_text;
    use std::path::Path;

    #[test]
    fn the_body_is_what_follows_the_header() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let header = export_header("quay.example.com", now);
        assert!(header.starts_with(&format!(
            "# Exported by mqc {} from quay.example.com on 2023-11-14T22:13:20Z\n",
            env!("CARGO_PKG_VERSION")
        )));
        assert_eq!(header.lines().count(), 2);
        let body = "---\nquay_endpoint: q\n# not a header\n";
        assert_eq!(body_of(&format!("{header}{body}")), body);
        assert_eq!(body_of(body), body);
        assert_eq!(body_of("# only\n"), "");
    }

    const FULL: &str = r#"
quay_endpoint: quay1.example.com
replicate_to: [quay2.example.com, "https://quay1.example.com"]
quay_organization: org1
quay_organization_email: ""
repositories:
  - name: alpine
    description: mirror
    mirror: true
    mirror_params:
      src_registry: quay.io
      src_image: libpod/alpine
      src_image_tags: [latest, v1]
      ext_registry_username: puller
      robot_username: org1+writer
      sync_interval: 86400
      https_proxy: http://proxy.example.com:3128
    permissions:
      robots: [{name: writer, role: write}]
      users: [{name: alice, role: admin}]
    notification:
      - event: repo_mirror_sync_failed
        method: webhook
        config: {url: "https://hooks.example.com/x"}
        title: ""
  - name: nested/demorepo
    visibility: private
    mirror: false
    permissions:
      teams: [{name: maintainers, role: write}]
  - name: plain
robots:
  - name: writer
    desc: Writer
  - name: reader
teams:
  - name: maintainers
    members:
      users: [alice]
  - name: synced
    role: creator
    group_dn: cn=maintainers,ou=groups
"#;

    fn load(text: &str) -> DesiredOrganization {
        let (orgs, findings) = load_text(Path::new("org1.yaml"), text);
        assert!(findings.iter().all(|f| !f.is_error()), "{findings:#?}");
        orgs.unwrap()
    }

    #[test]
    fn endpoints_are_primary_first_and_deduplicated() {
        let d = load(FULL);
        let urls: Vec<_> = d
            .endpoints
            .iter()
            .map(|e| e.base_url().to_string())
            .collect();
        assert_eq!(
            urls,
            ["https://quay1.example.com", "https://quay2.example.com"]
        );
        assert_eq!(d.organization.email, None);
    }

    #[test]
    fn repository_defaults_and_mirror_mapping() {
        let d = load(FULL);
        let repos = &d.organization.repositories;
        let plain = &repos["plain"];
        assert_eq!(plain.description, "");
        assert_eq!(plain.visibility, Visibility::Public);
        assert_eq!(plain.permissions, Permissions::default());
        assert_eq!(plain.state, RepoState::Normal);
        assert_eq!(plain.notifications, None, "absent: not managed");

        let alpine = &repos["alpine"];
        assert_eq!(alpine.state, RepoState::Mirror);
        let m = alpine.mirror.as_ref().unwrap();
        assert_eq!(m.external_reference, "quay.io/libpod/alpine");
        assert_eq!(m.tags, ["latest", "v1"]);
        assert_eq!(m.username.as_deref(), Some("puller"));
        assert!(m.verify_tls);
        assert!(!m.unsigned_images);
        assert_eq!(m.robot, "writer");
        assert!(!m.is_enabled, "is_enabled defaults to false");
        assert_eq!(
            m.proxy.https_proxy.as_deref(),
            Some("http://proxy.example.com:3128")
        );
        assert_eq!(m.proxy.http_proxy, None);
        // Listed sub-lists are managed; the missing one is not.
        assert_eq!(
            alpine.permissions.users.as_ref().unwrap()["alice"],
            Role::Admin
        );
        assert_eq!(
            alpine.permissions.robots.as_ref().unwrap()["writer"],
            Role::Write
        );
        assert_eq!(alpine.permissions.teams, None);
        let hooks = alpine.notifications.as_deref().unwrap();
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].title, None);

        let nested = &repos["nested/demorepo"];
        assert_eq!(nested.visibility, Visibility::Private);
        assert_eq!(nested.mirror, None);
        assert_eq!(
            nested.permissions.teams.as_ref().unwrap()["maintainers"],
            Role::Write
        );
    }

    #[test]
    fn team_membership_absent_means_not_managed() {
        let d = load(FULL);
        let teams = &d.organization.teams;
        let maintainers = &teams["maintainers"];
        assert_eq!(maintainers.role, TeamRole::Member);
        let members = maintainers.members.as_ref().unwrap();
        assert_eq!(members.users.iter().collect::<Vec<_>>(), ["alice"]);
        assert!(members.robots.is_empty(), "absent sub-list = empty");
        let synced = &teams["synced"];
        assert_eq!(synced.members, None);
        assert_eq!(synced.role, TeamRole::Creator);
        assert_eq!(
            synced.sync,
            Some(TeamSync::Ldap {
                group_dn: "cn=maintainers,ou=groups".into()
            })
        );
        assert_eq!(d.organization.robots["reader"].description, "");
    }

    #[test]
    fn mirror_params_are_ignored_without_mirror_true() {
        let text = "quay_endpoint: q.example.com\nquay_organization: org1\nrepositories:\n  - name: a\n    mirror_params: {src_registry: quay.io}\n";
        let (org, findings) = load_text(Path::new("org1.yaml"), text);
        let repo = &org.unwrap().organization.repositories["a"];
        assert_eq!(repo.mirror, None);
        assert_eq!(repo.state, RepoState::Normal);
        assert_eq!(findings.len(), 1);
        assert!(findings[0]
            .message
            .contains("is ignored because `mirror` is not true"));
    }

    #[test]
    fn export_round_trips_through_the_file_format() {
        let d = load(FULL);
        let file = from_model(&d.organization, &d.endpoints);
        let text = to_yaml(&file).unwrap();
        let again = load(&text);
        assert_eq!(again.organization, d.organization, "{text}");
        assert_eq!(again.endpoints, d.endpoints);
    }

    #[test]
    fn export_writes_invites_as_members_and_only_robots_of_synced_teams() {
        let mut org = load(FULL).organization;
        let members = |users: &[&str], invited: &[&str], robots: &[&str]| TeamMembers {
            users: users.iter().map(|u| u.to_string()).collect(),
            invited_users: invited.iter().map(|u| u.to_string()).collect(),
            robots: robots.iter().map(|r| r.to_string()).collect(),
        };
        org.teams.get_mut("maintainers").unwrap().members =
            Some(members(&["carol", "alice"], &["bob", "alice"], &[]));
        org.teams.get_mut("synced").unwrap().members =
            Some(members(&["dave"], &["erin"], &["writer"]));
        let file = from_model(&org, &[Endpoint::parse("quay1.example.com").unwrap()]);
        let maintainers = file.teams.iter().find(|t| t.name == "maintainers").unwrap();
        let m = maintainers.members.as_ref().unwrap();
        assert_eq!(
            m.users.as_deref(),
            Some(&["alice".to_string(), "bob".into(), "carol".into()][..])
        );
        assert_eq!(m.robots.as_deref(), Some(&[][..]));
        let synced = file.teams.iter().find(|t| t.name == "synced").unwrap();
        let m = synced.members.as_ref().unwrap();
        assert_eq!(m.users, None, "users of a synced team belong to the sync");
        assert_eq!(m.robots.as_deref(), Some(&["writer".to_string()][..]));
        let text = to_yaml(&file).unwrap();
        let (again, findings) = load_text(Path::new("org1.yaml"), &text);
        assert!(findings.is_empty(), "{findings:#?}\n{text}");
        let again = again.unwrap().organization;
        assert_eq!(
            again.teams["maintainers"]
                .members
                .as_ref()
                .unwrap()
                .users
                .len(),
            3
        );
    }

    #[test]
    fn export_text_survives_yaml_lookalikes() {
        let mut org = load(FULL).organization;
        for (i, text) in [
            "yes",
            "null",
            "~",
            "123",
            "0x1f",
            "1e3",
            "true",
            "- dash",
            "a: b",
            "#hash",
            "multi\nline\n",
            " lead",
            "trail ",
            "\"quoted\"",
            "'single'",
            "tab\there",
            "ünï",
            "",
        ]
        .iter()
        .enumerate()
        {
            org.robots.insert(
                format!("r{i}"),
                Robot {
                    description: text.to_string(),
                },
            );
            let repo = org.repositories.get_mut("plain").unwrap();
            repo.description = text.to_string();
            let file = from_model(&org, &[Endpoint::parse("quay1.example.com").unwrap()]);
            let yaml = to_yaml(&file).unwrap();
            let again = load(&yaml).organization;
            assert_eq!(again.robots[&format!("r{i}")].description, *text, "{yaml}");
            assert_eq!(again.repositories["plain"].description, *text, "{yaml}");
        }
    }
}
