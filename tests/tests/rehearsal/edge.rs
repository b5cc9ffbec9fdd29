//! The account's edge for one function: a loopback proxy to moto that records each call, and
//! authorizes TransactWriteItems items and answers refusals as IAM and the services do.

use super::http1::{self, Message, Server};
use super::iam;
use serde_json::{Value, json};
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};

/// One AWS call a function made.
#[derive(Debug, Clone)]
pub struct Call {
    /// `service:Operation`.
    pub action: String,
    /// What IAM authorizes it as, (action, resource ARN); a TransactWriteItems has one per item.
    pub accesses: Vec<(String, String)>,
    pub status: u16,
    /// Why it was refused, when it was.
    pub denied: Option<String>,
}

impl Call {
    /// The action a refusal names (`... not authorized to perform: ACTION ...`).
    pub fn refused_action(&self) -> Option<&str> {
        let denied = self.denied.as_deref()?;
        let action = denied.split("perform: ").nth(1)?;
        Some(action.split_whitespace().next().unwrap_or(action))
    }
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let on: Vec<String> = self
            .accesses
            .iter()
            .map(|(action, arn)| format!("{action} on {arn}"))
            .collect();
        write!(f, "{} ({}) -> {}", self.action, on.join(", "), self.status)
    }
}

struct Shared {
    upstream: SocketAddr,
    region: String,
    account: String,
    /// The actions the function's role allows, for the items of a transaction.
    allowed: Vec<String>,
    calls: Mutex<Vec<Call>>,
}

pub struct Edge {
    shared: Arc<Shared>,
    server: Server,
}

impl Edge {
    /// An edge in front of `upstream` (moto) for a role allowing `allowed` actions.
    pub fn start(upstream: SocketAddr, region: &str, account: &str, allowed: Vec<String>) -> Edge {
        let shared = Arc::new(Shared {
            upstream,
            region: region.to_owned(),
            account: account.to_owned(),
            allowed,
            calls: Mutex::new(Vec::new()),
        });
        let server = {
            let shared = shared.clone();
            Server::start(move |stream| serve(stream, &shared))
        };
        Edge { shared, server }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// How many calls so far; with [`Edge::calls_since`], the calls of one step.
    pub fn count(&self) -> usize {
        self.shared.calls.lock().unwrap().len()
    }

    pub fn calls_since(&self, mark: usize) -> Vec<Call> {
        self.shared.calls.lock().unwrap()[mark..].to_vec()
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = http1::read(&mut reader, false) {
        let response = shared.handle(&request);
        if writer.write_all(&response.to_bytes()).is_err()
            || response
                .header("connection")
                .is_some_and(|c| c.eq_ignore_ascii_case("close"))
        {
            return;
        }
    }
}

impl Shared {
    fn handle(&self, request: &Message) -> Message {
        let service = credential_scope(request, 3).unwrap_or_default();
        let operation = request
            .header("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or_default();
        let action = format!("{service}:{operation}");
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);

        // IAM authorizes each item as its own action; moto checks only the envelope.
        if action == "dynamodb:TransactWriteItems" {
            let accesses = self.transaction_items(&body);
            if let Some((denied, arn)) = accesses
                .iter()
                .find(|(item, _)| !self.allowed.iter().any(|a| iam::action_matches(a, item)))
            {
                let message = format!(
                    "User: {} is not authorized to perform: {denied} on resource: {arn} \
                     (an item of TransactWriteItems, checked by the rehearsal's edge)",
                    credential_scope(request, 0).unwrap_or_default()
                );
                let response = access_denied(request, &message);
                self.record(action, accesses, &response, Some(message));
                return response;
            }
        }

        let mut response = match forward(self.upstream, request) {
            Ok(response) => response,
            Err(e) => Message::new(
                "HTTP/1.1 502 Bad Gateway",
                &[("Connection", "close")],
                format!("the edge could not reach moto: {e}").into_bytes(),
            ),
        };
        let mut denied = None;
        let text = String::from_utf8_lossy(&response.body);
        if response.status() == 403 && text.contains("<Code>AccessDenied</Code>") {
            let message = text
                .split("<Message>")
                .nth(1)
                .and_then(|m| m.split("</Message>").next())
                .unwrap_or("access denied")
                .to_owned();
            response = access_denied(request, &message);
            denied = Some(message);
        }
        let answer: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        let accesses = self.accesses(&action, &body, &answer);
        self.record(action, accesses, &response, denied);
        response
    }

    fn record(
        &self,
        action: String,
        accesses: Vec<(String, String)>,
        response: &Message,
        denied: Option<String>,
    ) {
        self.calls.lock().unwrap().push(Call {
            action,
            accesses,
            status: response.status(),
            denied,
        });
    }

    fn table_arn(&self, name: &Value) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{}",
            self.region,
            self.account,
            name.as_str().unwrap_or("?")
        )
    }

    /// IAM's action for each item of a TransactWriteItems, with its table.
    fn transaction_items(&self, body: &Value) -> Vec<(String, String)> {
        let kinds = [
            ("Put", "dynamodb:PutItem"),
            ("Update", "dynamodb:UpdateItem"),
            ("Delete", "dynamodb:DeleteItem"),
            ("ConditionCheck", "dynamodb:ConditionCheckItem"),
        ];
        body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|item| {
                kinds.iter().filter_map(|(kind, action)| {
                    let item = item.get(*kind)?;
                    Some(((*action).to_owned(), self.table_arn(&item["TableName"])))
                })
            })
            .collect()
    }

    /// The resources IAM would check `action` against, from its request and its answer.
    fn accesses(&self, action: &str, body: &Value, answer: &Value) -> Vec<(String, String)> {
        let (region, account) = (&self.region, &self.account);
        if action == "dynamodb:TransactWriteItems" {
            return self.transaction_items(body);
        }
        let arn = match action.split_once(':').map_or("", |(s, _)| s) {
            "dynamodb" => match body["IndexName"].as_str() {
                Some(index) => format!("{}/index/{index}", self.table_arn(&body["TableName"])),
                None => self.table_arn(&body["TableName"]),
            },
            // The full ARN (with its random suffix) when the secret exists.
            "secretsmanager" => match (answer["ARN"].as_str(), body["SecretId"].as_str()) {
                (Some(arn), _) => arn.to_owned(),
                (None, Some(id)) if id.starts_with("arn:") => id.to_owned(),
                (None, id) => format!(
                    "arn:aws:secretsmanager:{region}:{account}:secret:{}",
                    id.unwrap_or("?")
                ),
            },
            "logs" => format!(
                "arn:aws:logs:{region}:{account}:log-group:{}:log-stream:{}",
                body["logGroupName"].as_str().unwrap_or("?"),
                body["logStreamName"].as_str().unwrap_or("?")
            ),
            _ => "*".to_owned(),
        };
        vec![(action.to_owned(), arn)]
    }
}

/// Part `index` of the request's SigV4 credential scope (0 the access key id, 3 the service).
fn credential_scope(request: &Message, index: usize) -> Option<String> {
    let authorization = request.header("authorization")?;
    let scope = authorization
        .split("Credential=")
        .nth(1)?
        .split(',')
        .next()?;
    scope.split('/').nth(index).map(str::to_owned)
}

/// A refusal as DynamoDB, Secrets Manager and CloudWatch Logs answer it: a JSON
/// AccessDeniedException with a 400 (moto answers in IAM's XML with a 403).
fn access_denied(request: &Message, message: &str) -> Message {
    let content_type = request
        .header("content-type")
        .unwrap_or("application/x-amz-json-1.1");
    let body = json!({
        "__type": "com.amazon.coral.service#AccessDeniedException",
        "message": message,
    });
    Message::new(
        "HTTP/1.1 400 Bad Request",
        &[("Content-Type", content_type)],
        body.to_string().into_bytes(),
    )
}

fn forward(upstream: SocketAddr, request: &Message) -> std::io::Result<Message> {
    let mut stream = TcpStream::connect(upstream)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    stream.write_all(&request.to_bytes())?;
    http1::read(&mut BufReader::new(stream), true)?
        .ok_or_else(|| std::io::Error::other("moto closed without answering"))
}
