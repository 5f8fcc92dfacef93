//! Large answers streamed: a blocking thread writes the bytes (a report read row by row from SQLite) into a
//! channel of chunks that the response body reads, so that the server's memory does not grow with a report. An
//! error before the first chunk is still an error answer (problem+json); after it, the connection is cut.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::Frame;
use tokio::sync::{mpsc, oneshot};

use super::{App, Problem};
use crate::store::Store;

/// How many bytes a chunk holds before it is sent.
const CHUNK: usize = 64 << 10;

/// Chunks in flight between the writer and the client: a slow client holds the writer back.
const IN_FLIGHT: usize = 4;

/// The response body: the chunks as they come.
struct Chunks(mpsc::Receiver<io::Result<Bytes>>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|r| r.map(Frame::data)))
    }
}

/// The writing end, on the blocking thread.
struct Writer {
    chunks: mpsc::Sender<io::Result<Bytes>>,
    /// Told once whether the answer starts (Ok) or fails before its first byte.
    started: Option<oneshot::Sender<Result<(), Problem>>>,
    buffer: Vec<u8>,
}

impl Writer {
    fn send(&mut self) -> io::Result<()> {
        if let Some(started) = self.started.take() {
            let _ = started.send(Ok(()));
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.chunks.blocking_send(Ok(chunk)).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl App {
    /// Runs `write` on a blocking thread with a connection and streams what it writes as the body of a 200
    /// answer with `content_type`; an error before the first chunk is answered as a problem instead.
    pub(crate) async fn stream(
        self: &Arc<Self>,
        content_type: &'static str,
        write: impl FnOnce(&Store, &mut dyn Write) -> Result<(), Problem> + Send + 'static,
    ) -> Result<axum::response::Response, Problem> {
        let (tx, rx) = mpsc::channel(IN_FLIGHT);
        let (started_tx, started_rx) = oneshot::channel();
        let app = Arc::clone(self);
        let permit = self.stream_permit().await?;
        tokio::task::spawn_blocking(move || {
            // Held until the whole answer is written: a slow client holds one reading connection.
            let _permit = permit;
            let mut out = Writer { chunks: tx, started: Some(started_tx), buffer: Vec::with_capacity(CHUNK) };
            let store = match app.pool.take(false) {
                Ok(store) => store,
                Err(problem) => {
                    let _ = out.started.take().map(|s| s.send(Err(problem)));
                    return;
                }
            };
            let done = write(&store, &mut out);
            app.pool.give(store);
            match done {
                Ok(()) => {
                    let _ = out.send();
                }
                Err(problem) => match out.started.take() {
                    Some(started) => {
                        let _ = started.send(Err(problem));
                    }
                    // Too late for an error answer: the client sees the connection cut, not a whole report.
                    None => {
                        let _ = out.chunks.blocking_send(Err(io::Error::other(problem.detail)));
                    }
                },
            }
        });
        match started_rx.await {
            Ok(Ok(())) => Ok(axum::response::Response::builder()
                .header(axum::http::header::CONTENT_TYPE, content_type)
                .body(Body::new(Chunks(rx)))
                .map_err(|e| {
                    Problem::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal error", e.to_string())
                })?),
            Ok(Err(problem)) => Err(problem),
            Err(_) => Err(Problem::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                "the answer was not written",
            )),
        }
    }
}
