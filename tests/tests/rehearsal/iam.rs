//! IAM's matching rules, for what moto does not check: actions (case-insensitive) and resource
//! ARNs (case-sensitive, part by part), with `*` and `?` as the only wildcards.

/// Whether `pattern` (a statement's `Action` entry) names `action` (`service:Operation`).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(
        pattern.to_ascii_lowercase().as_bytes(),
        action.to_ascii_lowercase().as_bytes(),
    )
}

/// Whether `pattern` (a statement's `Resource` entry) names the resource `arn`.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let patterns: Vec<&str> = pattern.splitn(6, ':').collect();
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    patterns.len() == 6
        && parts.len() == 6
        && patterns
            .iter()
            .zip(&parts)
            .all(|(p, a)| glob(p.as_bytes(), a.as_bytes()))
}

/// `*` matches any run of characters (none included), `?` exactly one.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it has been stretched to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[test]
fn wildcards_follow_iams_rules() {
    let table = "arn:aws:dynamodb:us-east-1:123456789012:table/chatpass-State";
    assert!(arn_matches(table, table));
    assert!(!arn_matches(table, &format!("{table}-archive")));
    assert!(!arn_matches(
        table,
        "arn:aws:dynamodb:us-east-1:123456789012:table/chatpass-state"
    ));
    let secrets = "arn:aws:secretsmanager:us-east-1:123456789012:secret:chatpass/projects/*";
    assert!(arn_matches(
        secrets,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:chatpass/projects/acme-AbC123"
    ));
    assert!(!arn_matches(
        secrets,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:chatpass/projects-archive/x-AbC123"
    ));
    let logs = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/chatpass-issue-jwt:*";
    assert!(arn_matches(
        logs,
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/chatpass-issue-jwt:log-stream:s"
    ));
    assert!(!arn_matches(
        logs,
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/chatpass-issue-jwt-x:log-stream:s"
    ));
    // A wildcard in the region or account part does not reach into the resource part.
    assert!(!arn_matches(
        "arn:aws:logs:*:log-group:x",
        "arn:aws:logs:us-east-1:1:log-group:x"
    ));
    assert!(arn_matches(
        "arn:aws:logs:us-?ast-1:*:log-group:x",
        "arn:aws:logs:us-east-1:1:log-group:x"
    ));
    assert!(action_matches("dynamodb:Get*", "dynamodb:GetItem"));
    assert!(action_matches("DynamoDB:getitem", "dynamodb:GetItem"));
    assert!(!action_matches("dynamodb:GetItem", "dynamodb:GetItems"));
    assert!(action_matches("*", "logs:PutLogEvents"));
}
