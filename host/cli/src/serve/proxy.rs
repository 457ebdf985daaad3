//! Every request but the two prunes goes to the engine as it came, and the engine's answer
//! comes back as it was sent: status, headers and body, streamed as it arrives. A `101`
//! (attach, exec, `docker run -it`) joins the client's connection to the engine's and copies
//! both ways until each side has closed.

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use super::answer::{self, Answer};
use super::upstream::Upstream;

/// Passes `request` to the engine; the engine's response, or Docker's error when the engine
/// cannot be reached.
pub async fn pass_through(upstream: &Upstream, mut request: Request<Incoming>) -> Answer {
    let client = hyper::upgrade::on(&mut request);
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let mut response = match upstream.send(request.map(BodyExt::boxed)).await {
        Ok(response) => response,
        Err(message) => {
            tracing::debug!("{method} {path}: {message}");
            return answer::unreachable(&message);
        }
    };
    tracing::debug!("{method} {path}: {}", response.status().as_u16());
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        let engine = hyper::upgrade::on(&mut response);
        tokio::spawn(async move {
            let joined = async {
                let (client, engine) = tokio::try_join!(client, engine)?;
                let (mut client, mut engine) = (TokioIo::new(client), TokioIo::new(engine));
                tokio::io::copy_bidirectional(&mut client, &mut engine)
                    .await
                    .map_err(anyhow::Error::from)?;
                Ok::<_, anyhow::Error>(())
            };
            if let Err(err) = joined.await {
                tracing::debug!("{method} {path}: the hijacked connection ended: {err}");
            }
        });
    }
    boxed(response)
}

/// The response, body boxed: what the endpoint answers.
pub fn boxed(response: Response<Incoming>) -> Answer {
    response.map(BodyExt::boxed)
}
