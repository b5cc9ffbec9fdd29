//! The rehearsal's world: moto with the stack deployed and IAM enforced, each function under a
//! role behind its own edge, and API Gateway's part played from the template's routes.

use super::edge::{Call, Edge};
use super::lambda::Function;
use super::stack::{Credentials, Stack, Statement};
use chatpass_service::testing::VendorApiServer;
use chatpass_tests::moto::Moto;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

/// The IdP of the API's JWT authorizer (a template parameter) and of OIDC back-channel logouts.
pub const ISSUER: &str = "https://idp.rehearsal.example/";
pub const AUDIENCE: &str = "chatpass-rehearsal";

/// A function's process and the edge its AWS calls go through.
pub struct Running {
    pub function: Function,
    pub edge: Edge,
}

/// A step's answer as API Gateway relays it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Value,
    /// Payload 2.0 carries `Set-Cookie` values here, not in `headers`.
    pub cookies: Vec<String>,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))?
            .1
            .as_str()
    }
}

/// A step's outcome: its answer, or how it went otherwise than the flow expects.
pub type Step<T> = Result<T, Box<Deviation>>;

/// The first step that went otherwise than the flow expects.
#[derive(Debug)]
pub struct Deviation {
    pub step: String,
    pub function: String,
    /// `None` when the function gave no answer at all (it failed or timed out).
    pub answer: Option<Answer>,
    pub why: String,
    /// The answer was the one the flow expects: only a refused call made the step go otherwise.
    pub as_expected: bool,
    /// Every AWS call the function made during the step.
    pub calls: Vec<Call>,
}

impl Deviation {
    pub fn denied(&self) -> Vec<&Call> {
        self.calls.iter().filter(|c| c.denied.is_some()).collect()
    }
}

impl std::fmt::Display for Deviation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "step `{}` ({}): {}", self.step, self.function, self.why)?;
        if let Some(answer) = &self.answer {
            writeln!(f, "  answered {} {}", answer.status, answer.body)?;
        }
        for call in &self.calls {
            let denied = call.denied.as_deref().map(|d| format!(" DENIED: {d}"));
            writeln!(f, "  call {call}{}", denied.unwrap_or_default())?;
        }
        Ok(())
    }
}

pub struct World {
    pub moto: Moto,
    pub stack: Stack,
    /// The vendors' APIs (LiveChat's customer token endpoint), as the functions reach them.
    pub vendor_api: VendorApiServer,
    pub admin: aws_config::SdkConfig,
    pub running: BTreeMap<String, Running>,
    requests: usize,
    /// The template routes (`METHOD PATH`) a step has been sent to.
    pub routes_sent: BTreeSet<String>,
}

impl World {
    /// moto with the stack deployed, and each function running under its own role.
    pub async fn start() -> World {
        let moto = Moto::start();
        let stack = Stack::deploy(&moto, &[("IssuerUrl", ISSUER), ("Audience", AUDIENCE)]);
        let admin = stack.admin_sdk(&moto).await;
        let vendor_api = VendorApiServer::start(404, "{}").await;
        let mut world = World {
            moto,
            stack,
            vendor_api,
            admin,
            running: BTreeMap::new(),
            requests: 0,
            routes_sent: BTreeSet::new(),
        };
        let names: Vec<String> = world.stack.functions.keys().cloned().collect();
        for name in names {
            let role = world.stack.role_of(&name);
            let running = world.launch(&name, &role.credentials, &role.statements);
            world.running.insert(name, running);
        }
        world
    }

    fn moto_addr(&self) -> SocketAddr {
        self.moto
            .endpoint
            .trim_start_matches("http://")
            .parse()
            .expect("moto's endpoint is an address")
    }

    /// `function` started under `credentials`, whose role allows `statements`' actions.
    pub fn launch(
        &self,
        function: &str,
        credentials: &Credentials,
        statements: &[Statement],
    ) -> Running {
        let allowed = statements
            .iter()
            .flat_map(|s| s.actions.iter().cloned())
            .collect();
        let edge = Edge::start(
            self.moto_addr(),
            &self.stack.region,
            &self.stack.account,
            allowed,
        );
        let binary = chatpass_tests::binaries::dir().join(function);
        let spec = &self.stack.functions[function];
        let process = Function::start(
            &binary,
            spec,
            (&self.stack.region, &self.stack.account),
            credentials,
            &edge,
            &self.vendor_api.origin(),
        );
        Running {
            function: process,
            edge,
        }
    }

    /// Sends `event` as API Gateway would: to the function of its route in the template, with
    /// the authorizer's claims only on a route that has the authorizer. Expects `status` (and
    /// `code`, for a problem answer) and no refused AWS call.
    pub fn step(
        &mut self,
        name: &str,
        event: Value,
        status: u16,
        code: Option<&str>,
    ) -> Step<Answer> {
        self.send(name, event, Some((status, code)))
    }

    /// Sends `event` as [`World::step`] does, expecting any answer below 500 (no function
    /// error, no refused AWS call): a route no flow reaches, sent its declared fixture.
    pub fn reach(&mut self, name: &str, event: Value) -> Step<Answer> {
        self.send(name, event, None)
    }

    fn send(
        &mut self,
        name: &str,
        mut event: Value,
        expected: Option<(u16, Option<&str>)>,
    ) -> Step<Answer> {
        let route_key = event["routeKey"].as_str().unwrap_or_default().to_owned();
        let route = self
            .stack
            .routes
            .iter()
            .find(|r| format!("{} {}", r.method, r.path) == route_key)
            .unwrap_or_else(|| panic!("step `{name}`: template.yaml has no route {route_key}"));
        let function = route.function.clone();
        self.routes_sent.insert(route_key.clone());
        if route.authorizer.is_none() {
            if let Some(context) = event["requestContext"].as_object_mut() {
                context.remove("authorizer");
            }
        } else {
            assert!(
                event["requestContext"]["authorizer"]["jwt"]["claims"].is_object(),
                "step `{name}`: {route_key} is behind the JWT authorizer: give the event claims"
            );
        }
        self.requests += 1;
        event["requestContext"]["requestId"] = json!(format!("rehearsal-{}", self.requests));
        event["requestContext"]["accountId"] = json!(self.stack.account);
        event["requestContext"]["timeEpoch"] = json!(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64
        );

        let running = self
            .running
            .get_mut(&function)
            .unwrap_or_else(|| panic!("no function {function} is running"));
        let mark = running.edge.count();
        let result = running.function.invoke(&event);
        let calls = running.edge.calls_since(mark);
        let deviation = |answer: Option<Answer>, why: String, as_expected: bool| {
            Box::new(Deviation {
                step: name.to_owned(),
                function: function.clone(),
                answer,
                why,
                as_expected,
                calls: calls.clone(),
            })
        };
        let response = result.map_err(|e| deviation(None, e, false))?;
        let body = response["body"]
            .as_str()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null);
        let answer = Answer {
            status: response["statusCode"].as_u64().unwrap_or(0) as u16,
            headers: response["headers"].clone(),
            cookies: serde_json::from_value(response["cookies"].clone()).unwrap_or_default(),
            body,
        };
        let as_expected = match expected {
            Some((status, code)) => {
                answer.status == status && code.is_none_or(|c| answer.body["code"] == c)
            }
            None => answer.status < 500,
        };
        if !as_expected {
            let want = match expected {
                Some((status, code)) => format!(
                    "expected {status}{}",
                    code.map(|c| format!(" {c}")).unwrap_or_default()
                ),
                None => "expected an answer below 500".to_owned(),
            };
            return Err(deviation(Some(answer), want, false));
        }
        if calls.iter().any(|c| c.denied.is_some()) {
            return Err(deviation(
                Some(answer),
                "answered as expected, but an AWS call was refused".to_owned(),
                true,
            ));
        }
        Ok(answer)
    }

    /// A deviation for a flow's own check of an answer.
    pub fn check(&self, step: &str, holds: bool, what: &str) -> Step<()> {
        if holds {
            return Ok(());
        }
        Err(Box::new(Deviation {
            step: step.to_owned(),
            function: String::new(),
            answer: None,
            why: what.to_owned(),
            as_expected: false,
            calls: Vec::new(),
        }))
    }

    /// Every call each function has made so far.
    pub fn calls(&self) -> BTreeMap<String, Vec<Call>> {
        self.running
            .iter()
            .map(|(name, running)| (name.clone(), running.edge.calls_since(0)))
            .collect()
    }
}
