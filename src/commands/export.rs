//! `mqc export`: read organizations that exist in a Quay and write the organization files that
//! describe them exactly, so that `create --dry-run` right after shows nothing to change.
//!
//! The flow: one client for `--endpoint` (its token from the login file), one token check, the
//! organizations (named, or every one with `--all`) read concurrently with the same reader
//! `create` uses, what Quay adds by itself taken out ([`without_implicit`]), then one file per
//! organization written atomically, in name order.

use std::fs;
use std::io::{self, IsTerminal};
use std::path::Path;

use secrecy::SecretString;
use time::OffsetDateTime;

use super::session;
use super::Outcome;
use crate::cli::{ExportArgs, OutputFormat};
use crate::config::{self, names::namespace_problem};
use crate::error::{Error, Failure, FailureKind};
use crate::model::{Endpoint, Notification, Organization, RepoState, Role, OWNERS_TEAM};
use crate::plan::quay_effects;
use crate::quay::{QuayClient, Whoami};
use crate::report::export::{ExportReport, MirrorUser, OrgResult, Status};
use crate::report::{self, ExportProgress};
use crate::settings::Settings;
use crate::state::{self, ReadScope};

/// How many organizations are read at once. The reads inside one organization are concurrent
/// too; the client's limiter and connection bound keep the load on the Quay in check.
const READ_CONCURRENCY: usize = 8;

pub fn run(settings: &Settings, args: &ExportArgs) -> Result<Outcome, Error> {
    let report = session::runtime()?.block_on(run_async(settings, args))?;
    report::print(settings.output, &report)?;
    Ok(if report.totals.failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

async fn run_async(settings: &Settings, args: &ExportArgs) -> Result<ExportReport, Error> {
    let (endpoint, client) = connect(settings, args)?;
    let whoami = client.whoami().await.map_err(Error::from)?;
    let names = organization_names(&client, &endpoint, &whoami, args).await?;
    if settings.output == OutputFormat::Human {
        eprintln!("Reading {} organization(s) from {endpoint}…", names.len());
    }
    let exported = read_all(&client, &endpoint, &whoami.username, names).await;
    Ok(write_files(&endpoint, exported, args))
}

/// The client for `--endpoint`, its token from the login file, the environment or a prompt.
fn connect(settings: &Settings, args: &ExportArgs) -> Result<(Endpoint, QuayClient), Error> {
    let endpoint = Endpoint::parse(&args.endpoint).ok_or_else(|| {
        Error::Usage(format!(
            "--endpoint `{}` is not a host[:port] or an http(s):// URL",
            args.endpoint
        ))
    })?;
    // Requests go where `--endpoint-map` sends them; the token, the messages and the file
    // name the endpoint as the user wrote it.
    settings
        .check_endpoint_map([&endpoint])
        .map_err(Error::Usage)?;
    let mut secrets = config::load_login(&settings.login_file)?.unwrap_or_default();
    if secrets.token(&endpoint).is_none() {
        // Adoption starts with export, before any organization file exists for `mqc login`
        // to work from: take the token from the environment, or ask for it on a terminal.
        let token = token_from_env_or_prompt(&endpoint, &settings.login_file)?;
        secrets.insert_token(endpoint.clone(), token);
    }
    let mut clients = session::clients(settings, &secrets, [&endpoint]);
    match clients.remove(&endpoint) {
        Some(Ok(client)) => Ok((endpoint, client)),
        Some(Err(failure)) => Err(Error::Failed(failure)),
        None => Err(Error::Failed(Failure::at_endpoint(
            &endpoint,
            format!("no client for {endpoint}"),
        ))),
    }
}

/// The organizations named, or with `--all` every one the (superuser) token can see; sorted.
async fn organization_names(
    client: &QuayClient,
    endpoint: &Endpoint,
    whoami: &Whoami,
    args: &ExportArgs,
) -> Result<Vec<String>, Error> {
    let mut names = if args.all {
        if !whoami.super_user {
            return Err(Error::other(format!(
                "--all lists every organization of {endpoint}, which needs a superuser's token \
                 with the `super:user` scope; the token of {} is not one. Name the \
                 organizations with --organization NAME instead",
                whoami.username
            )));
        }
        state::list_organizations(client)
            .await
            .map_err(Error::from)?
    } else {
        args.organizations.clone()
    };
    names.sort();
    names.dedup();
    Ok(names)
}

/// Reads and exports every organization, a few at once, with progress on stderr (whatever
/// the output format: stdout carries the report). Sorted by name.
async fn read_all(
    client: &QuayClient,
    endpoint: &Endpoint,
    token_user: &str,
    names: Vec<String>,
) -> Vec<(String, Result<Exported, Failure>)> {
    let progress = if io::stderr().is_terminal() {
        ExportProgress::bar(names.len())
    } else {
        ExportProgress::lines(names.len(), io::stderr())
    };
    let progress_ref = &progress;
    let mut exported = session::fan_out(names, READ_CONCURRENCY, |name| async move {
        let result = export_one(client, &name, token_user, endpoint, progress_ref).await;
        progress_ref.finished(&name, result.is_ok());
        (name, result)
    })
    .await;
    progress.clear();
    exported.sort_by(|a, b| a.0.cmp(&b.0));
    exported
}

/// Writes one file per organization read, in name order, into `--out`; the report says what
/// happened to each.
fn write_files(
    endpoint: &Endpoint,
    exported: Vec<(String, Result<Exported, Failure>)>,
    args: &ExportArgs,
) -> ExportReport {
    let file_endpoint = config::mapping::endpoint_to_file(endpoint);
    let out_dir_error = match fs::create_dir_all(&args.out) {
        Ok(()) => None,
        Err(e) => Some(format!(
            "cannot create the output directory {}: {e}",
            args.out.display()
        )),
    };
    // The editor line first: yaml-language-server reads it to validate and complete the file.
    let header = format!(
        "{}{}",
        config::schema::editor_modeline(),
        config::export_header(&file_endpoint, OffsetDateTime::now_utc())
    );
    // The files already there, for `check`'s rules across files.
    let others = config::identities_in(&args.out);
    let mut report = ExportReport {
        endpoint: file_endpoint.clone(),
        organizations: Vec::new(),
        mirror_passwords_needed: Vec::new(),
        totals: Default::default(),
        out_dir: args.out.clone(),
    };
    for (name, result) in exported {
        let path = args.out.join(format!("{name}.yaml"));
        let mut entry = OrgResult {
            name: name.clone(),
            file: path.clone(),
            status: Status::Failed,
            error: None,
            error_detail: None,
            warnings: Vec::new(),
        };
        let local = |text: String| Failure::new(FailureKind::Other, text);
        let outcome = result.and_then(|exported| {
            entry.warnings = exported.warnings;
            if let Some(reason) = &out_dir_error {
                return Err(local(reason.clone()));
            }
            refuse_what_check_refuses(&name, &path, &header, &exported.body, &others)
                .map_err(local)?;
            let mode = if exported.secret { 0o600 } else { 0o644 };
            let status = save(&path, &header, &exported.body, args.force, mode).map_err(local)?;
            Ok((status, exported.mirror_users))
        });
        match outcome {
            Ok((status, mirror_users)) => {
                entry.status = status;
                report.mirror_passwords_needed.extend(mirror_users);
            }
            Err(failure) => {
                entry.error = Some(failure.text);
                // Only what came from Quay has a request to tell about.
                entry.error_detail =
                    (failure.detail.kind != FailureKind::Other).then_some(*failure.detail);
            }
        }
        report.organizations.push(entry);
    }
    report.count();
    report
}

/// One organization, read and turned into the body of its file.
struct Exported {
    body: String,
    /// The file holds credentials (notification tokens, Slack URLs): written mode 0600.
    secret: bool,
    mirror_users: Vec<MirrorUser>,
    /// What the file cannot say so that `create` would leave it alone.
    warnings: Vec<String>,
}

async fn export_one(
    client: &QuayClient,
    name: &str,
    token_user: &str,
    endpoint: &Endpoint,
    progress: &ExportProgress,
) -> Result<Exported, Failure> {
    if let Some(problem) = namespace_problem(name) {
        return Err(Failure::new(
            FailureKind::Usage,
            format!("`{name}` is not an organization name: it {problem}"),
        ));
    }
    let organization =
        state::read_organization_with_progress(client, name, &ReadScope::everything(), progress)
            .await
            .map_err(|e| Failure::from_quay(&e).context("cannot read the organization"))?
            .ok_or_else(|| {
                Failure::at_endpoint(
                    endpoint,
                    format!(
                        "organization {name} does not exist on {endpoint} (or the token's user \
                         cannot see it)"
                    ),
                )
            })?;
    let (organization, warnings) = without_implicit(organization, token_user);
    let mirror_users = organization
        .repositories
        .iter()
        .filter_map(|(repository, repo)| {
            let username = repo.mirror.as_ref()?.username.clone()?;
            Some(MirrorUser {
                organization: name.to_string(),
                repository: repository.clone(),
                username,
            })
        })
        .collect();
    let file = config::from_model(&organization, std::slice::from_ref(endpoint));
    let body = config::to_yaml(&file).map_err(|e| {
        Failure::new(
            FailureKind::Other,
            format!("cannot write the organization as YAML: {e}"),
        )
    })?;
    let secret = organization
        .repositories
        .values()
        .filter_map(|r| r.notifications.as_ref())
        .flatten()
        .any(|n| n.redacted_config() != n.config);
    Ok(Exported {
        body,
        secret,
        mirror_users,
        warnings,
    })
}

/// The organization as a file must declare it: what Quay adds by itself, and what `create`
/// treats as implicit, is taken out so that the file stays minimal and round-trips:
///
/// - the `owners` team (Quay makes it with the organization; `create` never manages it
///   undeclared);
/// - the token user's `admin` on each repository (Quay grants it to a repository's creator;
///   `create` ignores it unless the file names that user); another role stays;
/// - the mirror robot's `write` on its repository when Quay grants it with the mirror
///   (`create` keeps it); another role stays, and so does that `write` when a team the robot
///   is in has `write` or `admin` on the repository: Quay then grants nothing, so only the
///   file can bring it to another Quay;
/// - a mirror configuration that is disabled on a repository not in state `MIRROR` (a mirror
///   switched off: `create` leaves it alone when no mirror is declared);
/// - copies of an identical mirror-failure webhook (listed once);
/// - a team sync config that is neither LDAP's nor OIDC's (left out, with a warning).
///
/// Returns the warnings for what no file can describe so that `create` changes nothing.
pub(crate) fn without_implicit(
    mut org: Organization,
    token_user: &str,
) -> (Organization, Vec<String>) {
    let mut warnings = Vec::new();
    for (name, repo) in &mut org.repositories {
        if repo
            .mirror
            .as_ref()
            .is_some_and(|m| !m.is_enabled && repo.state != RepoState::Mirror)
        {
            repo.mirror = None;
        }
        match (&repo.mirror, repo.state.clone()) {
            (Some(_), state) if state != RepoState::Mirror => warnings.push(format!(
                "repository {name} has an enabled mirror but is in state {state}: `create` \
                 will set it to MIRROR"
            )),
            (None, RepoState::Mirror) => warnings.push(format!(
                "repository {name} is in state MIRROR without a mirror configuration: `create` \
                 will set it to NORMAL"
            )),
            _ => {}
        }
        if let Some(users) = &mut repo.permissions.users {
            if users.get(token_user) == Some(&quay_effects::CREATOR_ROLE) {
                users.remove(token_user);
            }
        }
        if let Some(mirror) = &repo.mirror {
            let via_team = quay_effects::role_via_teams(
                &org.teams,
                repo.permissions.teams.as_ref(),
                &mirror.robot,
            );
            if let Some(robots) = &mut repo.permissions.robots {
                // Quay granted it `write` with the mirror unless a team already gave more.
                if robots.get(&mirror.robot) == Some(&Role::Write)
                    && quay_effects::mirror_grants_write(None, via_team)
                {
                    robots.remove(&mirror.robot);
                }
            }
        }
        if let Some(notifications) = repo.notifications.take() {
            let before = notifications.len();
            let notifications = distinct(notifications);
            if notifications.len() < before {
                warnings.push(format!(
                    "repository {name} has identical notifications: the file lists each once \
                     and `create` will delete the copies"
                ));
            }
            repo.notifications = Some(notifications);
        }
    }
    for (name, team) in &org.teams {
        if let Some(sync @ crate::model::TeamSync::Other { .. }) = &team.sync {
            warnings.push(format!(
                "team {name} is synced with a {sync} that no file can describe (only `group_dn` \
                 and `group_name`): the file leaves it out and `create` will stop that sync"
            ));
        }
    }
    // Last: the robot's membership of `owners` counts above.
    org.teams.remove(OWNERS_TEAM);
    (org, warnings)
}

/// Notifications without Quay's ids, sorted, each identical one once.
fn distinct(notifications: Vec<Notification>) -> Vec<Notification> {
    let mut list: Vec<Notification> = notifications
        .into_iter()
        .map(|n| Notification {
            uuid: None,
            failures: 0,
            title: n.title.filter(|t| !t.is_empty()),
            ..n
        })
        .collect();
    list.sort();
    list.dedup_by(|a, b| a.same_as(b));
    list
}

/// `Err` when `mqc check` would refuse the file `header + body` at `path`: export never
/// writes a file that check refuses (the same rules, run on the same text, the size bound
/// first). Nothing is written then.
fn refuse_what_check_refuses(
    org: &str,
    path: &Path,
    header: &str,
    body: &str,
    others: &[config::Identity],
) -> Result<(), String> {
    let text = format!("{header}{body}");
    let limit = config::yaml::MAX_FILE_SIZE;
    if text.len() as u64 > limit {
        return Err(format!(
            "organization {org}: its file would be {:.1} MiB, over the {} MiB that `mqc check` \
             accepts, so {} was not written. mqc leaves undeclared repositories alone: a file \
             that declares only the repositories mqc should manage stays under the limit",
            text.len() as f64 / (1024.0 * 1024.0),
            limit / (1024 * 1024),
            path.display()
        ));
    }
    let errors: Vec<String> = config::check_text(path, &text, others)
        .iter()
        .filter(|finding| finding.is_error())
        .map(ToString::to_string)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(format!(
        "organization {org}: `mqc check` would refuse the exported file, so {} was not \
         written; fix what the findings name (another file of --out declaring the same \
         organization: remove it or export into another --out; anything else is a bug in \
         mqc's export, please report it): {}",
        path.display(),
        errors.join("; ")
    ))
}

/// Writes `header + body` to `path` unless the file there already holds the same body.
fn save(path: &Path, header: &str, body: &str, force: bool, mode: u32) -> Result<Status, String> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot inspect {}: {e}", path.display())),
        Ok(meta) if !meta.is_file() => {
            return Err(format!(
                "{} exists and is not a regular file; move it away or pass another --out",
                path.display()
            ))
        }
        Ok(_) => {
            let existing = fs::read_to_string(path)
                .map_err(|e| format!("cannot read the existing {}: {e}", path.display()))?;
            if config::body_of(&existing) == body {
                return Ok(Status::Unchanged);
            }
            if !force {
                return Err(format!(
                    "{} exists and differs from what Quay holds now; review it, then pass \
                     --force to overwrite it",
                    path.display()
                ));
            }
        }
    }
    // Mode 0644, or 0600 when a notification's credentials are in it.
    config::write_atomically(path, format!("{header}{body}").as_bytes(), mode)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Status::Written)
}

/// The token for an endpoint missing from the login file: `MQC_TOKEN_<HOST>`, else a hidden
/// prompt when stdin is a terminal. Never a command-line argument.
fn token_from_env_or_prompt(endpoint: &Endpoint, login_file: &Path) -> Result<SecretString, Error> {
    let need = config::Need::Token {
        endpoint: endpoint.clone(),
        files: Vec::new(),
    };
    let variable = config::env_var_name(&need);
    if let Some(token) = config::token_from_env(endpoint) {
        return Ok(token);
    }
    if std::io::stdin().is_terminal() {
        return super::login::ask_on_terminal(&need);
    }
    let mut failure = Failure::at_endpoint(
        endpoint,
        format!(
            "no token for {endpoint}: the login file {} has none; set {variable} or run on a \
             terminal to be asked for it",
            login_file.display()
        ),
    );
    failure.detail.kind = FailureKind::Config;
    Err(Error::Failed(failure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Mirror, NotificationEvent, Permissions, Proxy, Repository, Team, TeamMembers, TeamRole,
        Visibility,
    };
    use std::collections::BTreeMap;

    fn mirror(enabled: bool) -> Mirror {
        Mirror {
            external_reference: "quay.io/libpod/alpine".into(),
            tags: vec!["latest".into()],
            username: Some("puller".into()),
            verify_tls: true,
            unsigned_images: false,
            robot: "writer".into(),
            sync_interval: 60,
            is_enabled: enabled,
            proxy: Proxy::default(),
            options: crate::model::MirrorOptions::default(),
        }
    }

    fn hook(url: &str, uuid: &str) -> Notification {
        Notification {
            title: Some(String::new()),
            uuid: Some(uuid.into()),
            failures: 4,
            ..Notification::webhook(NotificationEvent::RepoMirrorSyncFailed, url)
        }
    }

    fn repo(mirror: Option<Mirror>, state: RepoState, users: &[(&str, Role)]) -> Repository {
        Repository {
            description: String::new(),
            visibility: Visibility::Private,
            permissions: Permissions {
                users: Some(users.iter().map(|(n, r)| (n.to_string(), *r)).collect()),
                robots: Some(BTreeMap::from([("writer".to_string(), Role::Write)])),
                teams: Some(BTreeMap::new()),
            },
            mirror,
            notifications: None,
            state,
            declared_state: None,
        }
    }

    #[test]
    fn implicit_entries_are_left_out_and_others_kept() {
        let mut org = Organization {
            name: "o".into(),
            ..Organization::default()
        };
        let team = Team {
            role: TeamRole::Admin,
            description: String::new(),
            members: Some(TeamMembers::default()),
            sync: None,
        };
        org.teams.insert("owners".into(), team.clone());
        org.teams.insert("admins".into(), team);
        let mut mirrored = repo(
            Some(mirror(true)),
            RepoState::Mirror,
            &[("admin", Role::Admin), ("alice", Role::Admin)],
        );
        mirrored.notifications = Some(vec![
            hook("https://b.example.com", "2"),
            hook("https://a.example.com", "3"),
            hook("https://b.example.com", "1"),
        ]);
        org.repositories.insert("m".into(), mirrored);
        org.repositories.insert(
            "plain".into(),
            repo(None, RepoState::Normal, &[("admin", Role::Write)]),
        );
        org.repositories.insert(
            "off".into(),
            repo(Some(mirror(false)), RepoState::Normal, &[]),
        );

        let (org, warnings) = without_implicit(org, "admin");
        assert_eq!(org.teams.keys().collect::<Vec<_>>(), ["admins"]);
        let m = &org.repositories["m"];
        assert_eq!(
            m.permissions.users,
            Some(BTreeMap::from([("alice".to_string(), Role::Admin)]))
        );
        assert_eq!(m.permissions.robots, Some(BTreeMap::new()));
        let hooks = m.notifications.as_deref().unwrap();
        let urls: Vec<_> = hooks.iter().filter_map(|n| n.url()).collect();
        assert_eq!(urls, ["https://a.example.com", "https://b.example.com"]);
        assert!(hooks
            .iter()
            .all(|n| n.uuid.is_none() && n.title.is_none() && n.failures == 0));
        // Not exactly admin: kept, and so is a robot's write without a mirror.
        let plain = &org.repositories["plain"];
        assert_eq!(
            plain.permissions.users.as_ref().unwrap()["admin"],
            Role::Write
        );
        assert_eq!(
            plain.permissions.robots.as_ref().unwrap()["writer"],
            Role::Write
        );
        // A switched-off mirror is not declared.
        assert_eq!(org.repositories["off"].mirror, None);
        assert_eq!(
            org.repositories["off"]
                .permissions
                .robots
                .as_ref()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("identical notifications"));
    }

    #[test]
    fn the_mirror_robots_write_stays_when_a_team_gives_it_write_or_admin() {
        // Quay then grants nothing with the mirror: only the file brings the write elsewhere.
        for (team_role, kept) in [
            (Role::Read, false),
            (Role::Write, true),
            (Role::Admin, true),
        ] {
            for team_name in ["maintainers", "owners"] {
                let mut org = Organization::default();
                org.teams.insert(
                    team_name.into(),
                    Team {
                        role: TeamRole::Member,
                        description: String::new(),
                        members: Some(TeamMembers {
                            robots: ["writer".to_string()].into(),
                            ..TeamMembers::default()
                        }),
                        sync: None,
                    },
                );
                let mut mirrored = repo(Some(mirror(true)), RepoState::Mirror, &[]);
                mirrored.permissions.teams = Some(BTreeMap::from([(team_name.into(), team_role)]));
                org.repositories.insert("m".into(), mirrored);
                let (org, _) = without_implicit(org, "admin");
                let robots = org.repositories["m"].permissions.robots.clone().unwrap();
                assert_eq!(
                    robots.get("writer") == Some(&Role::Write),
                    kept,
                    "{team_name} {team_role:?}"
                );
            }
        }
    }

    #[test]
    fn odd_mirror_states_are_warned_about() {
        let mut org = Organization::default();
        org.repositories
            .insert("a".into(), repo(Some(mirror(true)), RepoState::Normal, &[]));
        org.repositories
            .insert("b".into(), repo(None, RepoState::Mirror, &[]));
        let (_, warnings) = without_implicit(org, "admin");
        assert_eq!(
            warnings,
            [
                "repository a has an enabled mirror but is in state NORMAL: `create` will set it to MIRROR",
                "repository b is in state MIRROR without a mirror configuration: `create` will set it to NORMAL",
            ]
        );
    }

    #[test]
    fn a_sync_config_no_file_describes_is_warned_about() {
        let mut org = Organization::default();
        org.teams.insert(
            "devs".into(),
            Team {
                role: TeamRole::Member,
                description: String::new(),
                members: None,
                sync: Some(crate::model::TeamSync::Other {
                    service: Some("keystone".into()),
                    config: r#"{"group_id":"42"}"#.into(),
                }),
            },
        );
        let (_, warnings) = without_implicit(org, "admin");
        assert_eq!(
            warnings,
            [
                r#"team devs is synced with a keystone config {"group_id":"42"} that no file can describe (only `group_dn` and `group_name`): the file leaves it out and `create` will stop that sync"#
            ]
        );
    }

    #[test]
    fn a_text_check_refuses_is_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.yaml");
        let good = "quay_endpoint: quay.example.com\nquay_organization: org1\n";
        assert_eq!(
            refuse_what_check_refuses("o", &path, "# h\n", good, &[]),
            Ok(())
        );
        // Any rule of `check`, not only the size: here an unknown key.
        let bad = format!("{good}bogus_key: 1\n");
        let refused = refuse_what_check_refuses("o", &path, "# h\n", &bad, &[]).unwrap_err();
        assert!(
            refused.starts_with("organization o: `mqc check` would refuse the exported file"),
            "{refused}"
        );
        assert!(refused.contains("bogus_key"), "{refused}");
        let huge = format!("{good}# {}\n", "x".repeat(9 * 1024 * 1024));
        let refused = refuse_what_check_refuses("o", &path, "", &huge, &[]).unwrap_err();
        assert!(refused.contains("over the 8 MiB"), "{refused}");
        assert!(!path.exists());
        // Another file of the directory declares the same organization on the same endpoint.
        let other = dir.path().join("org1-prod.yaml");
        fs::write(&other, good).unwrap();
        let others = config::identities_in(dir.path());
        assert_eq!(others.len(), 1);
        let refused = refuse_what_check_refuses("org1", &path, "", good, &others).unwrap_err();
        assert!(refused.contains("is also declared in"), "{refused}");
        assert!(refused.contains("org1-prod.yaml"), "{refused}");
        // The file being replaced is not "another" file.
        let same = config::identities_in(dir.path());
        assert_eq!(
            refuse_what_check_refuses("org1", &other, "", good, &same),
            Ok(())
        );
    }

    #[test]
    fn save_writes_keeps_refuses_and_forces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.yaml");
        assert_eq!(
            save(&path, "# h1\n", "---\na: 1\n", false, 0o644),
            Ok(Status::Written)
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "# h1\n---\na: 1\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o644);
        }
        // Same body, new header: untouched, even with --force.
        assert_eq!(
            save(&path, "# h2\n", "---\na: 1\n", true, 0o644),
            Ok(Status::Unchanged)
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "# h1\n---\na: 1\n");
        let refused = save(&path, "# h2\n", "---\na: 2\n", false, 0o644).unwrap_err();
        assert!(refused.contains("o.yaml exists and differs"), "{refused}");
        assert!(refused.contains("--force"), "{refused}");
        assert_eq!(
            save(&path, "# h2\n", "---\na: 2\n", true, 0o644),
            Ok(Status::Written)
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "# h2\n---\na: 2\n");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        fs::create_dir(dir.path().join("d.yaml")).unwrap();
        let not_file = save(&dir.path().join("d.yaml"), "", "x", true, 0o644).unwrap_err();
        assert!(not_file.contains("not a regular file"), "{not_file}");
    }
}
