//! [`Server`]: `pledgecheck serve` started on a free port of an [`Env`]'s database, and a small blocking HTTP
//! client (ureq) to talk to it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::env::{Env, BINARY};

/// A running `pledgecheck serve`; stopped (killed) when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: Arc<Mutex<String>>,
    drain: Option<std::thread::JoinHandle<()>>,
    agent: ureq::Agent,
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The Content-Type header.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
    /// Every header, names in lower case, in order (`set-cookie` may repeat).
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of a header (its name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

impl Server {
    /// Starts `serve --listen 127.0.0.1:0` with extra arguments on the environment's database, and waits until
    /// it prints the address it listens on.
    #[track_caller]
    pub fn start(env: &Env, extra: &[&str]) -> Server {
        let mut child = Command::new(BINARY)
            .current_dir(env.dir())
            .env_remove("PLEDGECHECK_DB")
            .arg("--db")
            .arg(env.db())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pledgecheck serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr"));
        let mut first = String::new();
        lines.read_line(&mut first).expect("read the first line of serve");
        let base = first
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("serve did not say where it listens: {first:?}"))
            .to_string();
        let log = Arc::new(Mutex::new(first));
        let keep = Arc::clone(&log);
        // Drained all along, so that the server never blocks on a full pipe.
        let drain = std::thread::spawn(move || {
            let mut line = String::new();
            while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                keep.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        // A fresh connection per request: a server that answers before reading an upload (401, 413) closes it.
        let agent = ureq::Agent::config_builder().http_status_as_error(false).max_idle_connections(0).build().into();
        Server { child, base, log, drain: Some(drain), agent }
    }

    /// What the server wrote to standard error so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to end by itself (after SIGTERM): its exit code and all it wrote to standard error.
    pub fn wait(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().expect("wait for serve");
        if let Some(drain) = self.drain.take() {
            let _ = drain.join();
        }
        (status.code(), self.log())
    }

    fn answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = result.expect("an HTTP answer");
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let body = response.body_mut().with_config().limit(1 << 30).read_to_vec().expect("read the body");
        Reply { status, content_type, body, headers }
    }

    /// GET a path (with its query), with a bearer token if given.
    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        Self::answer(request.call())
    }

    /// POST files as `multipart/form-data` (name, contents).
    pub fn upload(&self, path: &str, token: Option<&str>, files: &[(&str, &[u8])]) -> Reply {
        Self::answer(self.send_upload(path, token, files))
    }

    /// As [`Server::upload`], for a server that may be gone before it answers: `None` then.
    pub fn try_upload(&self, path: &str, token: Option<&str>, files: &[(&str, &[u8])]) -> Option<u16> {
        self.send_upload(path, token, files).ok().map(|r| r.status().as_u16())
    }

    fn send_upload(
        &self,
        path: &str,
        token: Option<&str>,
        files: &[(&str, &[u8])],
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let boundary = "pledgecheck-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                     Content-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", format!("multipart/form-data; boundary={boundary}"));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        request.send(&body[..])
    }

    /// POST, PUT or PATCH a body of a content type (or DELETE, without the body).
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> Reply {
        let url = format!("{}{path}", self.base);
        if method == "DELETE" {
            let mut request = self.agent.delete(url);
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            return Self::answer(request.call());
        }
        let mut request = match method {
            "PUT" => self.agent.put(url),
            "PATCH" => self.agent.patch(url),
            _ => self.agent.post(url),
        }
        .header("Content-Type", content_type);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        Self::answer(request.send(body))
    }

    /// POST a JSON body.
    pub fn post_json(&self, path: &str, token: Option<&str>, value: &Value) -> Reply {
        let mut request = self.agent.post(format!("{}{path}", self.base)).header("Content-Type", "application/json");
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        Self::answer(request.send(serde_json::to_vec(value).unwrap().as_slice()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser without script for the web pages: it keeps the cookies the server sets, sends them back, and follows
/// no redirect (a test looks at each answer).
pub struct Browser<'a> {
    server: &'a Server,
    agent: ureq::Agent,
    cookies: std::collections::BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    /// A browser with no cookies.
    pub fn new(server: &'a Server) -> Browser<'a> {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_idle_connections(0)
            .build()
            .into();
        Browser { server, agent, cookies: Default::default() }
    }

    /// Sets a cookie as a client may, whatever the server sent.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_string(), value.to_string());
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, reply: Reply) -> Reply {
        for (_, value) in reply.headers.iter().filter(|(n, _)| n == "set-cookie") {
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((name, v)) = pair.split_once('=') {
                if v.is_empty() || value.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), v.to_string());
                }
            }
        }
        reply
    }

    /// GET a page.
    pub fn get(&mut self, path: &str) -> Reply {
        let request = self.agent.get(format!("{}{path}", self.server.base)).header("Cookie", self.cookie_header());
        let reply = Server::answer(request.call());
        self.keep(reply)
    }

    /// POST a form (urlencoded) of name-value pairs.
    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields.iter().map(|(n, v)| format!("{}={}", encode(n), encode(v))).collect::<Vec<_>>().join("&");
        let request = self
            .agent
            .post(format!("{}{path}", self.server.base))
            .header("Cookie", self.cookie_header())
            .header("Content-Type", "application/x-www-form-urlencoded");
        let reply = Server::answer(request.send(body.as_bytes()));
        self.keep(reply)
    }

    /// POST a multipart form: text fields, then files under the field `field`.
    pub fn post_files(&mut self, path: &str, fields: &[(&str, &str)], field: &str, files: &[(&str, &[u8])]) -> Reply {
        let boundary = "pledgecheck-page-boundary-2b9c";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
                     Content-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = self
            .agent
            .post(format!("{}{path}", self.server.base))
            .header("Cookie", self.cookie_header())
            .header("Content-Type", format!("multipart/form-data; boundary={boundary}"));
        let reply = Server::answer(request.send(&body[..]));
        self.keep(reply)
    }

    /// Signs in through the sign-in page (its form token included): the answer to the POST.
    pub fn sign_in(&mut self, user: &str, password: &str) -> Reply {
        let form = self.get("/login");
        let token = csrf_of(&form.text());
        self.post("/login", &[("csrf", &token), ("user", user), ("password", password)])
    }

    /// The form token of a page the browser gets.
    pub fn token(&mut self, path: &str) -> String {
        csrf_of(&self.get(path).text())
    }
}

/// The value of the first hidden `csrf` field of a page.
#[track_caller]
pub fn csrf_of(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).unwrap_or_else(|| panic!("no csrf field in the page: {page}"));
    let rest = &page[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap_or(0)].to_string()
}

/// Percent-encoding of a form's name or value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Env {
    /// Adds an account with a known password (`user add --password-stdin`).
    #[track_caller]
    pub fn user_with_password(&self, name: &str, role: &str, firm: Option<&str>, password: &str) {
        let mut args = vec!["user", "add", name, "--role", role, "--password-stdin"];
        if let Some(firm) = firm {
            args.extend(["--firm", firm]);
        }
        let out = self.command().args(&args).write_stdin(format!("{password}\n")).output().expect("run user add");
        assert!(out.status.success(), "user add {name} failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Adds an account with a generated password (`user add`), and returns nothing: tokens are made with
    /// [`Env::token`].
    #[track_caller]
    pub fn user(&self, name: &str, role: &str, firm: Option<&str>) {
        let mut args = vec!["user", "add", name, "--role", role];
        if let Some(firm) = firm {
            args.extend(["--firm", firm]);
        }
        self.run(&args).ok();
    }

    /// Makes an API token for an account (`token add`), expiring at `expires` if given.
    #[track_caller]
    pub fn token(&self, user: &str, expires: Option<&str>) -> String {
        let mut args = vec!["--quiet", "token", "add", "--user", user];
        if let Some(expires) = expires {
            args.extend(["--expires", expires]);
        }
        self.run(&args).ok().stdout.trim().to_string()
    }
}
