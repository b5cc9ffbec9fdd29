//! The empty Rust Lambda: `lambda_http::run` with a handler answering a constant. Its init
//! (exec to the first request for an event) is what the functions' cold starts are read against.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_request: Request| async {
        Ok::<_, Error>(Response::new(Body::Text("hello".into())))
    }))
    .await
}
