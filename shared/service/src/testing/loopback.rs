//! The server under the HTTP stand-ins: a free port on 127.0.0.1 whose every connection goes
//! to the stand-in's `answer` with its shared state, until the server is dropped.

use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A listening port; it stops when dropped.
pub(super) struct LoopbackServer {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    task: JoinHandle<()>,
}

impl LoopbackServer {
    /// Listens on a free port and answers each connection with `answer(stream, shared)`.
    pub async fn start<S, F, Fut>(shared: Arc<S>, answer: F) -> LoopbackServer
    where
        S: Send + Sync + 'static,
        F: Fn(TcpStream, Arc<S>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().expect("bound"));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, shared.clone()));
            }
        });
        LoopbackServer { origin, task }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
