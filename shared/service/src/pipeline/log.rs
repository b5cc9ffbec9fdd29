//! The one log line of a request — who was asked (route, project, vendor), the answer's
//! status, its public code and its precise reason, how long it took — and the metrics counted
//! from it. Never a body, key, token, hash or email.

use super::route::RouteSpec;
use crate::ProjectId;
use crate::metrics::Counted;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use std::time::Instant;

/// What the log line needs, taken before the request is consumed.
pub struct RequestLog {
    request_id: String,
    route: &'static str,
    function: &'static str,
    counted: Counted,
    project: String,
    vendor: &'static str,
    started: Instant,
}

impl RequestLog {
    pub fn start(request: &Request, route: &RouteSpec) -> Self {
        let request_id = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
            _ => None,
        };
        let project = request
            .path_parameters_ref()
            .and_then(|p| p.first("project"))
            .unwrap_or("");
        RequestLog {
            request_id: request_id.unwrap_or_default(),
            route: route.name,
            function: route.function,
            counted: match route.name {
                _ if route.browser => Counted::SignIn,
                "logout" => Counted::Logout,
                _ => Counted::Other,
            },
            // Only ids that pass the pattern are logged as they are.
            project: if ProjectId::is_valid(project) {
                project.to_owned()
            } else {
                "(invalid)".to_owned()
            },
            vendor: "",
            started: Instant::now(),
        }
    }

    /// The project's vendor, once its config is loaded.
    pub fn vendor(&mut self, vendor: &'static str) {
        self.vendor = vendor;
    }

    /// Logs the outcome (the status, the stable `outcome` code and the precise `reason`) and
    /// counts it.
    pub fn finish(self, status: u16, outcome: &'static str, reason: &'static str) {
        crate::metrics::request(
            self.function,
            self.counted,
            self.vendor,
            status,
            outcome,
            reason,
        );
        tracing::info!(
            request_id = %self.request_id,
            route = self.route,
            project = %self.project,
            vendor = self.vendor,
            status,
            outcome,
            reason,
            latency_us = self.started.elapsed().as_micros() as u64,
            "request"
        );
    }
}
