//! The checks that need meaning, not just shape: Quay's name rules, references between the
//! objects of one file, duplicates, mirror and notification rules. Positions come from the
//! decoder's [`PosIndex`].

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::decode::PosIndex;
use super::file::{OrganizationFile, PermissionEntry, RepositoryEntry};
use super::finding::{Finding, Pos};
use super::names::{namespace_problem, repository_problem, shadowed_by_sub_resource};
use crate::model::{url_for_display, Endpoint, Role, OWNERS_TEAM};

/// What a written robot reference means.
#[derive(Debug, PartialEq, Eq)]
pub enum RobotRef {
    /// A short name (`writer`).
    Short(String),
    /// `org+writer` with this file's organization: the short name, worth a warning.
    Prefixed(String),
    /// `other+writer`: a robot of another namespace, which Quay refuses.
    Foreign(String),
}

pub fn robot_ref(written: &str, org: &str) -> RobotRef {
    match written.split_once('+') {
        None => RobotRef::Short(written.to_string()),
        Some((prefix, short)) if prefix == org => RobotRef::Prefixed(short.to_string()),
        Some((prefix, _)) => RobotRef::Foreign(prefix.to_string()),
    }
}

/// The robot short name a reference stands for (for mapping files that passed the checks).
pub fn referenced_robot(org: &str, written: &str) -> String {
    match robot_ref(written, org) {
        RobotRef::Short(s) | RobotRef::Prefixed(s) => s,
        RobotRef::Foreign(_) => written.to_string(),
    }
}

/// A plausible e-mail address: what Quay's own check accepts in practice.
pub(super) fn email_problem(email: &str) -> Option<&'static str> {
    let Some((local, domain)) = email.split_once('@') else {
        return Some("has no `@`");
    };
    if local.is_empty() || domain.is_empty() || domain.contains('@') {
        return Some("must be `name@domain`");
    }
    if email.chars().any(char::is_whitespace) {
        return Some("must not contain spaces");
    }
    if !domain.contains('.') {
        return Some("needs a domain with a dot");
    }
    None
}

/// `http(s)://host[:port][/path]`; returns the lower-cased host, or what is wrong.
pub fn http_url_host(url: &str) -> Result<String, &'static str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("must start with http:// or https://");
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err("must start with http:// or https://");
    }
    if url.chars().any(char::is_whitespace) {
        return Err("must not contain spaces");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err("has no host");
    }
    if Endpoint::parse(&format!("https://{host_port}")).is_none() {
        return Err("has an invalid host or port");
    }
    Ok(host.to_ascii_lowercase())
}

/// Which organization a file declares on which endpoints, for the checks across files.
#[derive(Debug, Clone)]
pub struct Identity {
    pub file: std::path::PathBuf,
    pub organization: String,
    pub organization_pos: Option<Pos>,
    pub endpoints: Vec<Endpoint>,
    pub email: Option<String>,
    pub email_pos: Option<Pos>,
}

pub(super) struct Checker<'a> {
    file: &'a Path,
    index: &'a PosIndex,
    org: &'a str,
    findings: Vec<Finding>,
}

impl Checker<'_> {
    pub(super) fn error(&mut self, path: &str, message: String, hint: Option<String>) {
        let mut f = Finding::error(self.file, self.index.at(path), message);
        f.hint = hint;
        self.findings.push(f);
    }

    pub(super) fn warning(&mut self, path: &str, message: String, hint: Option<String>) {
        let mut f = Finding::warning(self.file, self.index.at(path), message);
        f.hint = hint;
        self.findings.push(f);
    }

    pub(super) fn org(&self) -> &str {
        self.org
    }

    pub(super) fn line_of(&self, path: &str) -> String {
        self.index
            .at(path)
            .map_or_else(String::new, |p| format!(" (first on line {})", p.line))
    }

    /// Reports a duplicate of `name` at `path`, or remembers it.
    pub(super) fn unique(
        &mut self,
        seen: &mut HashMap<String, String>,
        name: &str,
        path: &str,
        what: &str,
    ) {
        if let Some(first) = seen.get(name) {
            let first = self.line_of(first);
            self.error(
                path,
                format!("{what} `{name}` is declared twice{first}"),
                Some("remove or rename one of them".into()),
            );
        } else {
            seen.insert(name.to_string(), path.to_string());
        }
    }

    /// Resolves a robot reference to its short name, reporting prefixes and foreign robots.
    pub(super) fn robot(&mut self, written: &str, path: &str) -> Option<String> {
        match robot_ref(written, self.org) {
            RobotRef::Short(s) => Some(s),
            RobotRef::Prefixed(s) => {
                self.warning(
                    path,
                    format!("robot `{written}`: write the short name `{s}`; the `{}+` prefix is implied", self.org),
                    None,
                );
                Some(s)
            }
            RobotRef::Foreign(ns) => {
                self.error(
                    path,
                    format!("robot `{written}` belongs to `{ns}`, not to organization `{}`", self.org),
                    Some("only robots of the same organization can be used; declare one under `robots`".into()),
                );
                None
            }
        }
    }

    pub(super) fn declared_robot(
        &mut self,
        written: &str,
        path: &str,
        robots: &BTreeSet<String>,
        used_as: &str,
    ) {
        if written.is_empty() {
            return;
        }
        if let Some(short) = self.robot(written, path) {
            if !robots.contains(&short) {
                self.error(
                    path,
                    format!("{used_as} robot `{short}` is not declared in `robots`"),
                    Some(format!(
                        "add `- name: {short}` under `robots`, or fix the name"
                    )),
                );
            }
        }
    }
}

/// Checks one decoded file. `Identity` is returned when the organization and its endpoint are
/// usable for the checks across files.
pub fn check_file(
    path: &Path,
    file: &OrganizationFile,
    index: &PosIndex,
) -> (Vec<Finding>, Option<Identity>) {
    let org = file.quay_organization.as_str();
    let mut c = Checker {
        file: path,
        index,
        org,
        findings: Vec::new(),
    };

    // Endpoints.
    let mut endpoints = Vec::new();
    if !file.quay_endpoint.is_empty() {
        match Endpoint::parse(&file.quay_endpoint) {
            Some(e) => endpoints.push(e),
            None => c.error(
                "quay_endpoint",
                format!(
                    "`quay_endpoint` `{}` is not a host[:port] or an http(s):// URL",
                    file.quay_endpoint
                ),
                Some("e.g. `quay.example.com` or `https://quay.example.com:8443`".into()),
            ),
        }
    }
    for (i, raw) in file.replicate_to.iter().enumerate() {
        let p = format!("replicate_to[{i}]");
        if raw.is_empty() {
            continue;
        }
        match Endpoint::parse(raw) {
            None => c.error(
                &p,
                format!("`replicate_to` entry `{raw}` is not a host[:port] or an http(s):// URL"),
                None,
            ),
            Some(e) if endpoints.first() == Some(&e) => c.warning(
                &p,
                format!("`replicate_to` entry `{raw}` is the `quay_endpoint` itself"),
                Some("remove it: the organization is always configured on `quay_endpoint`".into()),
            ),
            Some(e) if endpoints.contains(&e) => c.warning(
                &p,
                format!("`replicate_to` lists `{raw}` twice"),
                Some("remove the repeat".into()),
            ),
            Some(e) => endpoints.push(e),
        }
    }

    // Organization.
    if !org.is_empty() {
        if let Some(problem) = namespace_problem(org) {
            c.error(
                "quay_organization",
                format!("organization name `{org}` {problem}"),
                None,
            );
        }
    }
    let email = Some(file.quay_organization_email.trim()).filter(|e| !e.is_empty());
    if let Some(e) = email {
        if let Some(problem) = email_problem(e) {
            c.error(
                "quay_organization_email",
                format!("organization email `{e}` {problem}"),
                Some("give a valid address, or `\"\"` for none".into()),
            );
        }
    }

    // Robots.
    let mut robots = BTreeSet::new();
    let mut seen = HashMap::new();
    for (i, robot) in file.robots.iter().enumerate() {
        let p = format!("robots[{i}].name");
        if robot.name.is_empty() {
            continue;
        }
        let Some(short) = c.robot(&robot.name, &p) else {
            continue;
        };
        if let Some(problem) = namespace_problem(&short) {
            c.error(&p, format!("robot name `{short}` {problem}"), None);
        } else if org.len() + 1 + short.len() > 255 {
            c.error(
                &p,
                format!("robot full name `{org}+{short}` is longer than 255 characters"),
                Some("use a shorter robot name".into()),
            );
        }
        c.unique(&mut seen, &short, &p, "robot");
        robots.insert(short);
    }

    // Teams.
    let mut teams = BTreeSet::new();
    let mut seen = HashMap::new();
    for (i, team) in file.teams.iter().enumerate() {
        let tp = format!("teams[{i}]");
        if !team.name.is_empty() {
            if let Some(problem) = namespace_problem(&team.name) {
                c.error(
                    &format!("{tp}.name"),
                    format!("team name `{}` {problem}", team.name),
                    None,
                );
            }
            c.unique(&mut seen, &team.name, &format!("{tp}.name"), "team");
            teams.insert(team.name.clone());
        }
        if let Some(members) = &team.members {
            let mut seen_users = HashMap::new();
            for (j, user) in members.users.iter().flatten().enumerate() {
                let p = format!("{tp}.members.users[{j}]");
                if user.is_empty() {
                    continue;
                }
                if let Some(problem) = namespace_problem(user) {
                    c.error(&p, format!("user name `{user}` {problem}"), None);
                }
                c.unique(&mut seen_users, user, &p, "team member");
            }
            let mut seen_robots = HashMap::new();
            for (j, robot) in members.robots.iter().flatten().enumerate() {
                let p = format!("{tp}.members.robots[{j}]");
                c.declared_robot(robot, &p, &robots, &format!("team `{}` member", team.name));
                c.unique(
                    &mut seen_robots,
                    &referenced_robot(org, robot),
                    &p,
                    "team member robot",
                );
            }
            if team.group_name.is_some() && members.users.is_some() {
                c.error(
                    &format!("{tp}.members.users"),
                    format!(
                        "team `{}` is synced from `group_name`: its users come from the OIDC group when they log in, and Quay refuses to add users by hand",
                        team.name
                    ),
                    Some("remove `members.users` (robots may stay)".into()),
                );
            } else if team.group_dn.is_some()
                && members.users.as_ref().is_some_and(|u| !u.is_empty())
            {
                c.warning(
                    &format!("{tp}.members.users"),
                    format!(
                        "team `{}` is synced from `group_dn`: its users come from the LDAP group and Quay refuses to add users by hand",
                        team.name
                    ),
                    Some("remove `members.users` (robots may stay)".into()),
                );
            }
        }
        if team
            .group_dn
            .as_deref()
            .is_some_and(|g| g.trim().is_empty())
        {
            c.error(
                &format!("{tp}.group_dn"),
                "`group_dn` is empty".into(),
                Some("give the group's DN relative to the LDAP base DN, or remove the key".into()),
            );
        }
        if let Some(group_name) = &team.group_name {
            if team.group_dn.is_some() {
                c.error(
                    &format!("{tp}.group_name"),
                    format!(
                        "team `{}` declares both `group_dn` and `group_name`: a team syncs from one group",
                        team.name
                    ),
                    Some("keep `group_dn` for a Quay with LDAP authentication or `group_name` for one with OIDC".into()),
                );
            } else if group_name.trim().is_empty() {
                c.error(
                    &format!("{tp}.group_name"),
                    "`group_name` is empty".into(),
                    Some("give the group as the OIDC provider's groups claim names it, or remove the key".into()),
                );
            }
        }
    }

    // Repositories.
    let mut seen = HashMap::new();
    for (i, repo) in file.repositories.iter().enumerate() {
        check_repository(&mut c, i, repo, &robots, &teams, &mut seen);
    }
    if let Some(defaults) = &file.default_permissions {
        super::kinds::default_permissions::check(&mut c, defaults, &robots, &teams);
    }
    if let Some(quota) = &file.quota {
        super::kinds::quota::check(&mut c, quota);
    }
    if let Some(value) = &file.tag_expiration {
        super::kinds::tag_expiration::check(&mut c, value);
    }
    super::kinds::auto_prune::check_file(&mut c, file);
    super::kinds::immutability::check_file(&mut c, file);
    super::kinds::federation::check_file(&mut c, file);

    let identity = (!org.is_empty() && namespace_problem(org).is_none() && !endpoints.is_empty())
        .then(|| Identity {
            file: path.to_path_buf(),
            organization: org.to_string(),
            organization_pos: index.at("quay_organization"),
            endpoints,
            email: email.map(str::to_string),
            email_pos: index.at("quay_organization_email"),
        });
    (c.findings, identity)
}

fn check_repository(
    c: &mut Checker,
    i: usize,
    repo: &RepositoryEntry,
    robots: &BTreeSet<String>,
    teams: &BTreeSet<String>,
    seen: &mut HashMap<String, String>,
) {
    let rp = format!("repositories[{i}]");
    super::kinds::repository_state::check(c, &rp, repo.state, repo.mirror == Some(true));
    let name = repo.name.as_str();
    if !name.is_empty() {
        let np = format!("{rp}.name");
        if let Some(problem) = repository_problem(name) {
            c.error(&np, format!("repository name `{name}` {problem}"), None);
        } else if let Some(word) = shadowed_by_sub_resource(name) {
            c.warning(
                &np,
                format!("repository `{name}` ends in `/{word}`, a word Quay's API uses after a repository path: it cannot be read or changed through the API"),
                Some("rename the repository".into()),
            );
        }
        c.unique(seen, name, &np, "repository");
    }

    let mirror_robot = repo
        .mirror_params
        .as_ref()
        .map(|m| referenced_robot(c.org, &m.robot_username));
    if repo.mirror == Some(true) && repo.mirror_params.is_none() {
        c.error(
            &format!("{rp}.mirror"),
            format!("repository `{name}` has `mirror: true` but no `mirror_params`"),
            Some("add `mirror_params` (src_registry, src_image, src_image_tags, robot_username, sync_interval)".into()),
        );
    }
    if let Some(m) = &repo.mirror_params {
        let mp = format!("{rp}.mirror_params");
        let reg = m.src_registry.as_str();
        if !reg.is_empty() {
            let problem = if reg.contains("://") {
                Some("must not have a scheme (write `quay.io`, not `https://quay.io`)")
            } else if reg.contains('/') {
                Some("must be a registry host[:port] only; the image path goes in `src_image`")
            } else if Endpoint::parse(reg).is_none() {
                Some("is not a valid host[:port]")
            } else {
                None
            };
            if let Some(problem) = problem {
                c.error(
                    &format!("{mp}.src_registry"),
                    format!("`src_registry` `{reg}` {problem}"),
                    None,
                );
            }
        }
        let image = m.src_image.as_str();
        if image.trim().is_empty() {
            // Reported by the decoder.
        } else if image.contains("://")
            || image.starts_with('/')
            || image.chars().any(char::is_whitespace)
        {
            c.error(
                &format!("{mp}.src_image"),
                format!("`src_image` `{image}` must be an image path such as `libpod/alpine`"),
                None,
            );
        } else if image.contains('@')
            || image
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains(':'))
        {
            c.error(
                &format!("{mp}.src_image"),
                format!("`src_image` `{image}` must not carry a tag or digest"),
                Some("list the tags under `src_image_tags`".into()),
            );
        }
        for (j, tag) in m.src_image_tags.iter().enumerate() {
            if !tag.is_empty() && tag.trim().is_empty() {
                c.error(
                    &format!("{mp}.src_image_tags[{j}]"),
                    "a tag is blank".into(),
                    None,
                );
            }
        }
        c.declared_robot(
            &m.robot_username,
            &format!("{mp}.robot_username"),
            robots,
            "mirror",
        );
        for (key, value) in [
            ("https_proxy", &m.https_proxy),
            ("http_proxy", &m.http_proxy),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                if let Err(problem) = http_url_host(v) {
                    c.error(
                        &format!("{mp}.{key}"),
                        format!(
                            "`{key}` `{}` is not a proxy URL: it {problem}",
                            url_for_display(v)
                        ),
                        Some("e.g. `http://proxy.example.com:3128`".into()),
                    );
                }
            }
        }
        if let Some(v) = m.no_proxy.as_deref() {
            if v.chars().any(char::is_whitespace) {
                c.error(
                    &format!("{mp}.no_proxy"),
                    "`no_proxy` must be a comma-separated list without spaces".into(),
                    None,
                );
            }
        }
    }

    if let Some(perms) = &repo.permissions {
        let pp = format!("{rp}.permissions");
        let check_list = |c: &mut Checker, key: &str, list: &Option<Vec<PermissionEntry>>| {
            let mut seen = HashMap::new();
            for (j, entry) in list.iter().flatten().enumerate() {
                let p = format!("{pp}.{key}[{j}].name");
                if entry.name.is_empty() {
                    continue;
                }
                let name = match key {
                    "robots" => {
                        c.declared_robot(&entry.name, &p, robots, "permission for");
                        let short = referenced_robot(c.org, &entry.name);
                        if mirror_robot.as_deref() == Some(short.as_str())
                            && entry.role < Role::Write
                        {
                            c.warning(
                                &format!("{pp}.{key}[{j}].role"),
                                format!("mirror robot `{short}` is given `{}` on `{name}`, but mirroring needs `write`", entry.role),
                                Some("Quay grants the mirror robot write when the mirror is created, and mqc keeps at least write; declare `role: write`".into()),
                            );
                        }
                        short
                    }
                    "teams" => {
                        if !teams.contains(&entry.name) && entry.name != OWNERS_TEAM {
                            c.error(
                                &p,
                                format!(
                                    "permission for team `{}`, which is not declared in `teams`",
                                    entry.name
                                ),
                                Some(format!(
                                    "add `- name: {}` under `teams`, or fix the name",
                                    entry.name
                                )),
                            );
                        }
                        entry.name.clone()
                    }
                    _ => {
                        if let Some(problem) = namespace_problem(&entry.name) {
                            c.error(&p, format!("user name `{}` {problem}", entry.name), None);
                        }
                        entry.name.clone()
                    }
                };
                let what = format!("permission for {}", key.trim_end_matches('s'));
                c.unique(&mut seen, &name, &p, &what);
            }
        };
        check_list(c, "robots", &perms.robots);
        check_list(c, "users", &perms.users);
        check_list(c, "teams", &perms.teams);
    }

    let org = c.org().to_string();
    super::kinds::notifications::check(c, &rp, repo, teams, &org);
}

/// Checks across files: one organization per endpoint in one file only, shared emails.
pub fn check_across(identities: &[Identity]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut orgs: HashMap<(&Endpoint, &str), &Identity> = HashMap::new();
    let mut emails: HashMap<(&Endpoint, &str), &Identity> = HashMap::new();
    for id in identities {
        for endpoint in &id.endpoints {
            match orgs.get(&(endpoint, id.organization.as_str())) {
                Some(first) => findings.push(
                    Finding::error(
                        &id.file,
                        id.organization_pos,
                        format!(
                            "organization `{}` on {endpoint} is also declared in {}",
                            id.organization,
                            first.file.display()
                        ),
                    )
                    .with_hint("declare each organization once per endpoint: merge the two files or remove one"),
                ),
                None => {
                    orgs.insert((endpoint, id.organization.as_str()), id);
                }
            }
            if let Some(email) = id.email.as_deref() {
                match emails.get(&(endpoint, email)) {
                    Some(first) if first.organization != id.organization => findings.push(
                        Finding::warning(
                            &id.file,
                            id.email_pos,
                            format!(
                                "organizations `{}` ({}) and `{}` share the email `{email}` on {endpoint}",
                                first.organization,
                                first.file.display(),
                                id.organization
                            ),
                        )
                        .with_hint("Quay up to 3.17 refuses a second organization with the same email (3.18 accepts it); give each its own address or leave it empty"),
                    ),
                    Some(_) => {}
                    None => {
                        emails.insert((endpoint, email), id);
                    }
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robot_references() {
        assert_eq!(robot_ref("writer", "org"), RobotRef::Short("writer".into()));
        assert_eq!(
            robot_ref("org+writer", "org"),
            RobotRef::Prefixed("writer".into())
        );
        assert_eq!(
            robot_ref("other+writer", "org"),
            RobotRef::Foreign("other".into())
        );
        assert_eq!(referenced_robot("org", "org+writer"), "writer");
    }

    #[test]
    fn webhook_and_proxy_urls() {
        assert_eq!(
            http_url_host("https://hooks.example.com/x"),
            Ok("hooks.example.com".into())
        );
        assert_eq!(
            http_url_host("http://LOCALHOST:8080/"),
            Ok("localhost".into())
        );
        assert_eq!(
            http_url_host("http://user:pw@proxy:3128"),
            Ok("proxy".into())
        );
        assert!(http_url_host("ftp://x").is_err());
        assert!(http_url_host("proxy:3128").is_err());
        assert!(http_url_host("https://").is_err());
        assert!(http_url_host("https://a b").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(email_problem("ops@example.com"), None);
        assert!(email_problem("ops").is_some());
        assert!(email_problem("ops@localhost").is_some());
        assert!(email_problem("a@b@c.d").is_some());
    }
}
