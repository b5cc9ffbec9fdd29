//! SigV4-signed calls to an AWS JSON-protocol API over plain HTTP/1.1, for CloudWatch Logs
//! (chatpass has no SDK client for it): Lambda's log delivery and the test's own look at logs.

use super::http1::{self, Message};
use super::stack::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::Value;
use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime};

const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// `target` (`Logs_20140328.PutLogEvents`) of `service` (its signing name, `logs`) with `body`,
/// signed with `credentials` for `region`: the answer's status and JSON body.
pub fn call(
    endpoint: SocketAddr,
    region: &str,
    credentials: &Credentials,
    service: &str,
    target: &str,
    body: &Value,
) -> io::Result<(u16, Value)> {
    let body = serde_json::to_vec(body)?;
    let mut headers = vec![
        ("host".to_owned(), endpoint.to_string()),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
        ("x-amz-target".to_owned(), target.to_owned()),
    ];
    let identity = aws_sdk_secretsmanager::config::Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        credentials.session_token.clone(),
        None,
        "rehearsal",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(io::Error::other)?
        .into();
    let url = format!("http://{endpoint}/");
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&body),
    )
    .map_err(io::Error::other)?;
    let (instructions, _) = sign(signable, &params)
        .map_err(io::Error::other)?
        .into_parts();
    headers.extend(
        instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned())),
    );
    headers.push(("connection".to_owned(), "close".to_owned()));
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let request = Message::new("POST / HTTP/1.1", &headers, body);

    let mut stream = TcpStream::connect_timeout(&endpoint, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(&request.to_bytes())?;
    let response = http1::read(&mut BufReader::new(stream), true)?
        .ok_or_else(|| io::Error::other(format!("{target}: no answer from {endpoint}")))?;
    let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    Ok((response.status(), json))
}
