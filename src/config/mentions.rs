//! Where a file names the things only a Quay can refuse (users that may not exist there,
//! features it may not have), so that plan-time errors can point into the file.

use std::collections::BTreeMap;

use super::decode::PosIndex;
use super::file::OrganizationFile;
use crate::model::{Mention, Mentions};

/// The mentions of a decoded file. Each user is placed where the file names it first (by
/// line and column), wherever that is.
pub fn mentions(file: &OrganizationFile, index: &PosIndex) -> Mentions {
    let at = |key: String| {
        index.at(&key).map(|pos| Mention {
            line: pos.line,
            column: pos.column,
            key,
        })
    };
    let mut users: BTreeMap<String, Mention> = BTreeMap::new();
    let mut name_user = |name: &str, key: String| {
        if let Some(mention) = at(key) {
            let first = users
                .entry(name.to_string())
                .or_insert_with(|| mention.clone());
            if (mention.line, mention.column) < (first.line, first.column) {
                *first = mention;
            }
        }
    };
    for (t, team) in file.teams.iter().enumerate() {
        let listed = team.members.as_ref().and_then(|m| m.users.as_ref());
        for (u, user) in listed.into_iter().flatten().enumerate() {
            name_user(user, format!("teams[{t}].members.users[{u}]"));
        }
    }
    for (r, repository) in file.repositories.iter().enumerate() {
        let listed = repository
            .permissions
            .as_ref()
            .and_then(|p| p.users.as_ref());
        for (u, user) in listed.into_iter().flatten().enumerate() {
            name_user(
                &user.name,
                format!("repositories[{r}].permissions.users[{u}].name"),
            );
        }
    }
    super::kinds::notifications::mentions(file, &at, &mut users);
    if let Some(defaults) = &file.default_permissions {
        super::kinds::default_permissions::mentions(defaults, &at, &mut users);
    }
    let group_dns = file
        .teams
        .iter()
        .enumerate()
        .filter_map(|(t, team)| {
            let key = if team.group_name.is_some() {
                "group_name"
            } else {
                team.group_dn.as_ref().map(|_| "group_dn")?
            };
            Some((team.name.clone(), at(format!("teams[{t}].{key}"))?))
        })
        .collect();
    let org = file.quay_organization.as_str();
    let federations = file
        .robots
        .iter()
        .enumerate()
        .filter(|(_, robot)| robot.federation.is_some())
        .filter_map(|(r, robot)| {
            Some((
                super::validate::referenced_robot(org, &robot.name),
                at(format!("robots[{r}].federation"))?,
            ))
        })
        .collect();
    let mirrors = file
        .repositories
        .iter()
        .enumerate()
        .filter(|(_, repository)| repository.mirror == Some(true))
        .filter_map(|(r, repository)| {
            Some((
                repository.name.clone(),
                at(format!("repositories[{r}].mirror"))?,
            ))
        })
        .collect();
    let mut sections: BTreeMap<(Option<String>, String), Mention> = BTreeMap::new();
    for (key, declared) in [
        ("quota", file.quota.is_some()),
        ("tag_expiration", file.tag_expiration.is_some()),
    ] {
        if let Some(mention) = at(key.to_string()).filter(|_| declared) {
            sections.insert((None, key.to_string()), mention);
        }
    }
    for (r, repository) in file.repositories.iter().enumerate() {
        if let Some(mention) =
            at(format!("repositories[{r}].state")).filter(|_| repository.state.is_some())
        {
            sections.insert(
                (Some(repository.name.clone()), "state".to_string()),
                mention,
            );
        }
    }
    for (r, repository) in file.repositories.iter().enumerate() {
        let filtered = repository
            .mirror_params
            .as_ref()
            .and_then(|m| m.architecture_filter.as_ref())
            .is_some_and(|list| !list.is_empty());
        let key = format!("repositories[{r}].mirror_params.architecture_filter");
        if let Some(mention) = at(key).filter(|_| filtered) {
            sections.insert(
                (Some(repository.name.clone()), "architecture_filter".into()),
                mention,
            );
        }
        if let Some(mention) = at(format!("repositories[{r}].notification"))
            .filter(|_| repository.notification.is_some())
        {
            sections.insert(
                (Some(repository.name.clone()), "notification".to_string()),
                mention,
            );
        }
    }
    for key in ["auto_prune", "immutability"] {
        if let Some(mention) = at(key.to_string()) {
            sections.insert((None, key.to_string()), mention);
        }
        for (r, repository) in file.repositories.iter().enumerate() {
            if let Some(mention) = at(format!("repositories[{r}].{key}")) {
                sections.insert((Some(repository.name.clone()), key.to_string()), mention);
            }
        }
    }
    Mentions {
        users,
        group_dns,
        federations,
        mirrors,
        sections,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::load_text;

    #[test]
    fn users_are_placed_where_first_named() {
        let text = r#"quay_endpoint: q
quay_organization: oo
repositories:
  - name: app
    mirror: true
    mirror_params: {src_registry: r, src_image: i, src_image_tags: [latest], robot_username: bot, sync_interval: 60}
    permissions:
      users:
        - name: alice
          role: read
robots:
  - name: bot
teams:
  - name: devs
    members:
      users: [bob, alice]
  - name: synced
    group_dn: cn=devs
"#;
        let (org, findings) = load_text(Path::new("o.yaml"), text);
        assert!(findings.iter().all(|f| !f.is_error()), "{findings:#?}");
        let mentions = org.unwrap().mentions;
        let alice = &mentions.users["alice"];
        assert_eq!((alice.line, alice.column), (9, 17));
        assert_eq!(alice.key, "repositories[0].permissions.users[0].name");
        let bob = &mentions.users["bob"];
        assert_eq!((bob.line, bob.column), (16, 15));
        assert_eq!(bob.key, "teams[0].members.users[0]");
        assert_eq!(mentions.group_dns["synced"].key, "teams[1].group_dn");
        assert_eq!(mentions.group_dns["synced"].line, 18);
        assert_eq!(mentions.mirrors["app"].key, "repositories[0].mirror");
        assert_eq!(mentions.mirrors["app"].line, 5);
        assert!(!mentions.group_dns.contains_key("devs"));
    }
}
