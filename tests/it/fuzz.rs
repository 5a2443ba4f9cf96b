//! The server as an attacker meets it: a real TCP server (`axum::serve` on 127.0.0.1, as in
//! production) is sent hostile variations of every registered server function (the isolation
//! table) and every route, plus requests abandoned mid-flight, while another account's control
//! client signs in, searches, saves an audience and checks `/healthz`.
//!
//! Every answer must be below 500; every refusal a 4xx with a sentence a person can read; no body
//! may carry a stack trace, SQL, a source path or a decoder's message; a refused request must
//! leave the fuzzed account's data exactly as it was; and afterwards no stored text holds a
//! control character or an unbounded value.
//!
//! The inputs follow from a seed (timing does not). `FUZZ_SEED` (default 20261201), `FUZZ_REQUESTS` (default 1500) and
//! `FUZZ_SECONDS` (default 40; the abandoned-requests test runs for half of it) set the run; the
//! long run in the README is
//! `FUZZ_REQUESTS=100000 FUZZ_SECONDS=3600 cargo test --features ssr --test fuzz`.

use crate::common;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::SyncedEnv;
use common::endpoints::{self, Access, AccountA, Payload};
use hr_connectors::domain::role::Role;
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::error::AppError;
use hr_connectors::server::auth::session;
use hr_connectors::server::startup::MAX_BODY_BYTES;
use hr_connectors::server::state::AppState;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use uuid::Uuid;

struct Settings {
    seed: u64,
    requests: u64,
    seconds: u64,
}

impl Settings {
    fn from_env() -> Settings {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            seed: var("FUZZ_SEED", 20_261_201),
            requests: var("FUZZ_REQUESTS", 1_500),
            seconds: var("FUZZ_SECONDS", 40),
        }
    }
}

/// splitmix64: small, fast and the same everywhere, so a seed replays a run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 client: it must be able to send what no well-behaved client library would.

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

struct Req {
    method: &'static str,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn new(method: &'static str, target: impl Into<String>) -> Req {
        Req {
            method,
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Req {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    fn cookie(self, cookie: Option<&str>) -> Req {
        match cookie {
            Some(c) => self.header("cookie", c),
            None => self,
        }
    }

    fn body(mut self, content_type: Option<&str>, body: Vec<u8>) -> Req {
        if let Some(t) = content_type {
            self.headers.push(("content-type".into(), t.to_owned()));
        }
        self.body = body;
        self
    }

    fn bytes(&self, server: SocketAddr, content_length: Option<usize>) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nhost: {server}\r\nconnection: close\r\n",
            self.method, self.target
        )
        .into_bytes();
        if self.method == "POST" {
            out.extend(format!("origin: http://{server}\r\n").bytes());
        }
        for (name, value) in &self.headers {
            out.extend(format!("{name}: {value}\r\n").bytes());
        }
        let length = content_length.unwrap_or(self.body.len());
        if self.method == "POST" || length > 0 {
            out.extend(format!("content-length: {length}\r\n").bytes());
        }
        out.extend(b"\r\n");
        out.extend(&self.body);
        out
    }

    fn describe(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(300).collect();
        format!(
            "{} {} {:?} body ({} bytes) {body:?}",
            self.method,
            self.target.chars().take(200).collect::<String>(),
            self.headers,
            self.body.len()
        )
    }
}

async fn connect(server: SocketAddr, from: Option<IpAddr>) -> std::io::Result<TcpStream> {
    match from {
        None => TcpStream::connect(server).await,
        Some(ip) => {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(ip, 0))?;
            socket.connect(server).await
        }
    }
}

/// Sends a request and reads the whole answer. A server refusing a body over the limit may
/// answer 413 and close before the body is written; the answer is read all the same, and a
/// reset that swallows it counts as that refusal.
async fn exchange(server: SocketAddr, from: Option<IpAddr>, req: &Req) -> Result<Reply, String> {
    let work = async {
        let mut stream = connect(server, from).await.map_err(|e| e.to_string())?;
        let written = stream.write_all(&req.bytes(server, None)).await;
        let mut raw = Vec::new();
        let read = stream.read_to_end(&mut raw).await;
        match (parse_reply(&raw), written, read) {
            (Ok(reply), _, _) => Ok(reply),
            (Err(_), Err(_), _) if req.body.len() > MAX_BODY_BYTES => Ok(Reply {
                status: 413,
                headers: Vec::new(),
                body: b"The connection was closed while an oversized body was sent.".to_vec(),
            }),
            (Err(e), Err(w), _) => Err(format!("{w} ({e})")),
            (Err(e), Ok(()), Err(r)) => Err(format!("{r} ({e})")),
            (Err(e), Ok(()), Ok(_)) => Err(e),
        }
    };
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .map_err(|_| "no answer within 60 s".to_owned())?
}

fn parse_reply(raw: &[u8]) -> Result<Reply, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete head in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body)?;
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("unterminated chunk size")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            return Err("truncated chunk".into());
        }
        out.extend(&data[..size]);
        data = &data[size + 2..];
    }
}

/// A request its client gives up on: part of it written then the socket closed, or all of it
/// written and the socket closed before (or while) the answer comes.
async fn abandon(server: SocketAddr, req: &Req, rng: &mut Rng) {
    let Ok(mut stream) = connect(server, None).await else {
        return;
    };
    let partial = rng.chance(40);
    let bytes = if partial {
        let full = req.bytes(server, Some(req.body.len() + 1 + rng.below(4096) as usize));
        let cut = rng.below(full.len() as u64) as usize;
        full[..cut.max(1)].to_vec()
    } else {
        req.bytes(server, None)
    };
    if stream.write_all(&bytes).await.is_err() {
        return;
    }
    match rng.below(4) {
        0 => {}
        1 => tokio::task::yield_now().await,
        2 => tokio::time::sleep(Duration::from_micros(200 + rng.below(3_000))).await,
        _ => {
            tokio::time::sleep(Duration::from_millis(rng.below(25))).await;
            let mut first = [0u8; 64];
            let _ = tokio::time::timeout(Duration::from_millis(5), stream.read(&mut first)).await;
        }
    }
    drop(stream);
}

// ---------------------------------------------------------------------------------------------
// What an answer may and may not say.

/// Marks of code, SQL, paths and decoders that no answer may carry.
const LEAKS: &[&str] = &[
    "panicked",
    "stack backtrace",
    "RUST_BACKTRACE",
    ".rs:",
    "/src/",
    "/root/",
    "/home/",
    "/work/",
    "sqlx",
    "SQLSTATE",
    "syntax error",
    "violates",
    "duplicate key",
    "invalid byte sequence",
    "out of range",
    "index row",
    "Transport",
    "Deserialization",
    "serde",
    "invalid type:",
    "unknown variant",
    "missing field",
    "expected value",
    "at line ",
    "ServerFnError",
];

/// Plain prose: a capital first, a full stop last, and none of the marks of code.
fn is_sentence(text: &str) -> bool {
    let text = text.trim();
    text.chars().next().is_some_and(char::is_uppercase)
        && text.ends_with(['.', '!', '?'])
        && !text.contains(['`', '{', '}'])
        && !text.contains("::")
}

/// What is wrong with an answer, if anything.
fn judge(reply: &Reply) -> Option<String> {
    let text = reply.text();
    if reply.status >= 500 {
        return Some(format!("answered {}: {text:.500}", reply.status));
    }
    if let Some(leak) = LEAKS.iter().find(|l| text.contains(*l)) {
        return Some(format!(
            "answered {} carrying {leak:?}: {text:.500}",
            reply.status
        ));
    }
    if !(400..500).contains(&reply.status) {
        return None;
    }
    let html = reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html"));
    if html {
        return None;
    }
    let message = match serde_json::from_slice::<AppError>(&reply.body) {
        Ok(err @ (AppError::Transport(_) | AppError::Internal)) => {
            return Some(format!("refused with {err:?}"));
        }
        Ok(err) => err.to_string(),
        Err(_) => text.clone(),
    };
    (!is_sentence(&message)).then(|| {
        format!(
            "refused with {} and no readable sentence: {text:.500}",
            reply.status
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Hostile values.

/// Raw JSON that no `serde_json::Value` can hold; spliced into a body in place of a marker.
fn raw_json(rng: &mut Rng) -> String {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    match rng.below(20) {
        0 => "1e400".into(),
        1 => "-1e400".into(),
        2 => "18446744073709551616".into(),
        3 => "-9223372036854775809".into(),
        4 => "2147483647".into(),
        5 => "-2147483648".into(),
        6 => "4294967296".into(),
        7 => "-1".into(),
        8 => "-0".into(),
        9 => "0.5".into(),
        10 => "1e-7".into(),
        11 => "NaN".into(),
        12 => r#""\ud800""#.into(),
        13 => r#""\u0000""#.into(),
        14 => deep(64),
        15 => deep(3_000),
        16 => format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200)),
        17 => "true".into(),
        18 => "null".into(),
        _ => "{}".into(),
    }
}

fn hostile_string(rng: &mut Rng) -> String {
    let uuid = Uuid::from_u64_pair(rng.next(), rng.next()).to_string();
    match rng.below(22) {
        0 => String::new(),
        1 => "\u{0}".into(),
        2 => "ad\u{0}a".into(),
        3 => "\u{7}\u{1b}[31m\r\n\t\u{7f}\u{9f}".into(),
        4 => "x".repeat(*rng.pick(&[101, 121, 255, 1_000, 10_000, 100_000])),
        5 => "é".repeat(*rng.pick(&[101, 5_000])),
        6 => "'; DROP TABLE staff; --".into(),
        7 => "%_\\".into(),
        8 => "\u{202E}\u{FEFF}\u{200B}😀\u{10FFFF}".into(),
        9 => "../../../../etc/passwd".into(),
        10 => rng
            .pick(&[
                "-200000-01-01",
                "+262142-12-31",
                "0000-00-00",
                "2024-02-30",
                "9999-12-31",
                "1899-12-31",
                "2026-13-01",
            ])
            .to_string(),
        11 => "00000000-0000-0000-0000-000000000000".into(),
        12 => uuid,
        13 => format!("{uuid}/x"),
        14 => "<script>alert(1)</script>".into(),
        15 => " ".into(),
        16 => rng
            .pick(&[
                "Salary", "NameAsc", "Snapshot", "Dynamic", "ADMIN", "true", "-1",
            ])
            .to_string(),
        17 => "=HYPERLINK(\"http://evil.example\")".into(),
        18 => "a@b.example\u{0}".into(),
        19 => format!("{}@acme.example", "x".repeat(10_000)),
        _ => (0..rng.below(40))
            .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('\u{0}'))
            .collect(),
    }
}

const MARK: &str = "\u{1}raw\u{1}";

fn hostile_json(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0..=4 => Value::String(hostile_string(rng)),
        5..=7 => Value::String(MARK.into()),
        8 => json!(rng.pick(&[
            0i64,
            -1,
            1,
            2_147_483_647,
            -2_147_483_648,
            4_294_967_295,
            i64::MAX,
            i64::MIN
        ])),
        9 => json!(rng.pick(&[1e308, -1e308, 0.5, f64::MIN_POSITIVE])),
        10 => json!([hostile_string(rng), 1, null]),
        _ => json!({ hostile_string(rng): hostile_string(rng) }),
    }
}

/// Every place in a JSON value, as a pointer.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

/// Values that are the right type but at or past a limit, for the fields that have one.
fn boundary(rng: &mut Rng, field: &str) -> Option<Value> {
    Some(match field {
        "joined_within" | "anniversary_within" | "birthday_within" => {
            json!(rng.pick(&[0u64, 1, 366, 367, 3650, 3651, 2_147_483_647, 4_294_967_295]))
        }
        "page" => json!(rng.pick(&[0u64, 10_000, 10_001, 4_294_967_295])),
        "started_from" | "started_to" => json!(rng.pick(&[
            "1900-01-01",
            "1899-12-31",
            "2199-12-31",
            "2200-01-01",
            "-200000-01-01",
            "+262142-12-31"
        ])),
        "sort" => json!(rng.pick(&["NameAsc", "Salary", "", "name"])),
        "kind" => json!(rng.pick(&["Dynamic", "Snapshot", "Everyone", ""])),
        "teams" | "departments" | "countries" | "offices" | "sources" | "picked" => {
            let n = *rng.pick(&[0usize, 1, 20, 21, 50, 51, 2_000]);
            // Long lists test the count; long values are tested one at a time.
            let one = if n > 51 {
                "x".to_owned()
            } else {
                hostile_string(rng)
            };
            json!(vec![one; n])
        }
        _ => return None,
    })
}

fn mutate_json(rng: &mut Rng, base: &Value) -> Vec<u8> {
    let mut v = base.clone();
    let rounds = if rng.chance(20) { 2 + rng.below(3) } else { 1 };
    for _ in 0..rounds {
        let mut places = Vec::new();
        pointers(&v, String::new(), &mut places);
        match rng.below(10) {
            0..=4 if !places.is_empty() => {
                let p = rng.pick(&places).clone();
                let field = p.rsplit('/').next().unwrap_or("").to_owned();
                let value = boundary(rng, &field)
                    .filter(|_| rng.chance(60))
                    .unwrap_or_else(|| hostile_json(rng));
                if let Some(slot) = v.pointer_mut(&p) {
                    *slot = value;
                }
            }
            5 if !places.is_empty() => {
                let p = rng.pick(&places).clone();
                let (parent, key) = p.rsplit_once('/').unwrap_or(("", ""));
                if let Some(Value::Object(map)) = v.pointer_mut(parent) {
                    map.remove(key);
                }
            }
            6 => {
                let key = rng
                    .pick(&["__proto__", "", "\u{0}", "filter ", "zzz", "id"])
                    .to_string();
                if let Value::Object(map) = &mut v {
                    map.insert(key, hostile_json(rng));
                }
            }
            7 => {
                return rng
                    .pick(&[
                        &b""[..],
                        b"{",
                        b"null",
                        b"[]",
                        b"\"x\"",
                        b"\xff\xfe\xfd",
                        b"{\"filter\": {\"q\": \"\xc3\x28\"}}",
                        b"{\"id\": \"\xed\xa0\x80\"}",
                    ])
                    .to_vec();
            }
            8 => {
                let text = serde_json::to_string(&v).unwrap_or_default();
                let cut = rng.below(text.len() as u64) as usize;
                return text.as_bytes()[..cut].to_vec();
            }
            _ => v = hostile_json(rng),
        }
    }
    let text = serde_json::to_string(&v).unwrap_or_default();
    let marker = serde_json::to_string(MARK).unwrap_or_default();
    let mut out = text.clone();
    while out.contains(&marker) {
        out = out.replacen(&marker, &raw_json(rng), 1);
    }
    out.into_bytes()
}

fn percent(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (*b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn mutate_form(rng: &mut Rng, base: &str) -> Vec<u8> {
    let mut pairs: Vec<(String, String)> = base
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let rounds = if rng.chance(20) { 2 + rng.below(3) } else { 1 };
    for _ in 0..rounds {
        match rng.below(9) {
            0..=3 if !pairs.is_empty() => {
                let i = rng.below(pairs.len() as u64) as usize;
                pairs[i].1 = percent(hostile_string(rng).as_bytes());
            }
            4 if !pairs.is_empty() => {
                let i = rng.below(pairs.len() as u64) as usize;
                pairs.remove(i);
            }
            5 => pairs.push((
                percent(hostile_string(rng).as_bytes()),
                percent(hostile_string(rng).as_bytes()),
            )),
            6 if !pairs.is_empty() => {
                let i = rng.below(pairs.len() as u64) as usize;
                pairs[i].1 = rng
                    .pick(&[
                        "%ZZ",
                        "%FF%FE",
                        "%",
                        "%C0%80",
                        "%ED%A0%80",
                        "%00",
                        "-1",
                        "99999999999999999999",
                        "1e3",
                        "yes",
                    ])
                    .to_string();
            }
            7 if !pairs.is_empty() => {
                let dup = pairs[rng.below(pairs.len() as u64) as usize].clone();
                pairs.push(dup);
            }
            _ => {
                return rng
                    .pick(&[
                        &b""[..],
                        b"&&&==",
                        b"\xff\xfe",
                        b"id[]=1&id[x]=2",
                        b"a=%",
                        b"=",
                    ])
                    .to_vec();
            }
        }
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// The world the fuzzer runs in.

async fn serve(state: AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = hr_connectors::server::startup::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// The pool the server runs with in production (`server::db::connect`), on the test's database.
async fn production_pool(test_pool: &PgPool) -> PgPool {
    hr_connectors::server::db::connect_with((*test_pool.connect_options()).clone())
        .await
        .unwrap()
}

fn cookie_of(token: &str) -> String {
    format!("hrc_session={token}")
}

async fn fresh_session(pool: &PgPool, user: Uuid) -> String {
    cookie_of(
        &session::create(pool, user, &Default::default())
            .await
            .unwrap()
            .token,
    )
}

/// The control account: its own people, campaign and admin, signing in from another loopback
/// address than the fuzzer, so the fuzzer's failed sign-ins never throttle it.
struct Control {
    email: String,
    password: String,
    campaign: Uuid,
    account: Uuid,
    connection: Uuid,
}

const CONTROL_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

async fn control_account(env: &SyncedEnv, pool: &PgPool) -> Control {
    use hr_connectors::server::integrations::connect::{ConnectInput, connect_with_credentials};
    let u = common::user(pool, "Globex", "control@globex.example", Role::Admin).await;
    let admin = hr_connectors::domain::user::CurrentUser {
        user_id: u.user_id,
        account_id: u.account_id,
        account_name: "Globex".into(),
        name: "Control".into(),
        email: u.email.clone(),
        role: Role::Admin,
    };
    let c = connect_with_credentials(
        &env.state,
        &admin,
        ConnectInput {
            slug: "sage-hr".into(),
            label: "Control".into(),
            optional_fields: vec![],
            credentials: std::collections::BTreeMap::from([
                ("subdomain".into(), "initech".into()),
                ("api_key".into(), "demo-api-key".into()),
            ]),
        },
    )
    .await
    .unwrap();
    env.drain().await;
    let campaign = hr_connectors::server::store::campaigns::create(
        pool,
        u.account_id,
        u.user_id,
        &hr_connectors::domain::campaign::CampaignDraft {
            name: "Control campaign".into(),
            occasion: "Thank you".into(),
            budget: String::new(),
            currency: "GBP".into(),
            notes: String::new(),
        }
        .validate()
        .unwrap(),
    )
    .await
    .unwrap();
    Control {
        email: u.email,
        password: u.password,
        campaign,
        account: u.account_id,
        connection: c.id,
    }
}

fn api(path: &str, content_type: &str, body: Vec<u8>, cookie: Option<&str>) -> Req {
    Req::new("POST", format!("/api/{path}"))
        .cookie(cookie)
        .body(Some(content_type), body)
}

fn json_api(path: &str, body: Value, cookie: Option<&str>) -> Req {
    api(
        path,
        "application/json",
        body.to_string().into_bytes(),
        cookie,
    )
}

/// One round of what a real user of the control account does; every answer must succeed.
async fn control_round(server: SocketAddr, control: &Control, round: u64) -> Result<(), String> {
    let check = |what: &str, reply: Result<Reply, String>, ok: &dyn Fn(u16) -> bool| {
        let reply = reply.map_err(|e| format!("control {what}: {e}"))?;
        if ok(reply.status) {
            Ok(reply)
        } else {
            Err(format!(
                "control {what} answered {}: {:.300} {:?}",
                reply.status,
                reply.text(),
                reply.headers
            ))
        }
    };
    let success = |s: u16| (200..400).contains(&s);
    let form = format!(
        "email={}&password={}",
        common::urlencode(&control.email),
        common::urlencode(&control.password)
    );
    let login = check(
        "sign-in",
        exchange(
            server,
            Some(CONTROL_IP),
            &api(
                "auth/login",
                "application/x-www-form-urlencoded",
                form.into_bytes(),
                None,
            ),
        )
        .await,
        &success,
    )?;
    let cookie = login
        .headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap_or("").to_owned())
        .find(|v| v.starts_with("hrc_session=") && v.len() > "hrc_session=".len())
        .ok_or("control sign-in set no session cookie")?;
    let filter = StaffFilter {
        q: if round.is_multiple_of(2) { "ste" } else { "" }.into(),
        ..StaffFilter::default()
    };
    let search = check(
        "search",
        exchange(
            server,
            Some(CONTROL_IP),
            &json_api("staff/search", json!({ "filter": filter }), Some(&cookie)),
        )
        .await,
        &success,
    )?;
    if !search.text().contains("\"rows\"") {
        return Err(format!("control search: {:.300}", search.text()));
    }
    check(
        "save audience",
        exchange(
            server,
            Some(CONTROL_IP),
            &json_api(
                "campaigns/audience",
                json!({"id": control.campaign, "kind": "Dynamic", "filter": filter, "picked": []}),
                Some(&cookie),
            ),
        )
        .await,
        &success,
    )?;
    check(
        "health",
        exchange(server, Some(CONTROL_IP), &Req::new("GET", "/healthz")).await,
        &|s| s == 200,
    )?;
    Ok(())
}

/// Runs control rounds until `stop`; returns how many passed, or the first failure.
fn spawn_control(
    server: SocketAddr,
    control: Arc<Control>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Result<u64, String>> {
    tokio::spawn(async move {
        let mut rounds = 0;
        while !stop.load(Ordering::Relaxed) {
            control_round(server, &control, rounds).await?;
            rounds += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(rounds)
    })
}

/// Text that is never stored: control characters (but the line breaks and tabs notes may hold)
/// and values longer than anything the app keeps.
async fn stored_text_problems(pool: &PgPool) -> Vec<String> {
    let columns = sqlx::query!(
        r#"SELECT table_name::text AS "table!", column_name::text AS "column!"
           FROM information_schema.columns
           WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')
             AND table_name NOT IN ('_sqlx_migrations')"#,
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut problems = Vec::new();
    for (table, column) in columns.into_iter().map(|c| (c.table, c.column)) {
        let allowed = if column == "notes" || column == "body_text" {
            "[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
        } else {
            "[\\x01-\\x1f\\x7f]"
        };
        let bad: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE {column} ~ '{allowed}' OR length({column}) > 10000"
        )))
        .fetch_one(pool)
        .await
        .unwrap();
        if bad > 0 {
            problems.push(format!("{table}.{column}: {bad} rows"));
        }
    }
    problems
}

/// Everything of account A a refused request could have written: its rows in every table that
/// names an account, a connection or a campaign, except the session and sign-in bookkeeping
/// that every request legitimately touches.
async fn account_state(pool: &PgPool, account: Uuid) -> String {
    sqlx::query_scalar!(
        r#"SELECT md5(concat_ws('#',
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM connections t WHERE account_id = $1),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM campaigns t WHERE account_id = $1),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM pending_links t WHERE account_id = $1),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM connect_invitations t WHERE account_id = $1),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM audit_events t WHERE account_id = $1),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM users t WHERE account_id = $1),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM mail_outbox t WHERE account_id = $1),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM sync_jobs t
                 WHERE connection_id IN (SELECT id FROM connections WHERE account_id = $1)),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM campaign_members t
                 WHERE campaign_id IN (SELECT id FROM campaigns WHERE account_id = $1)),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM campaign_exclusions t
                 WHERE campaign_id IN (SELECT id FROM campaigns WHERE account_id = $1)),
            (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM campaign_changes t
                 WHERE campaign_id IN (SELECT id FROM campaigns WHERE account_id = $1)),
            (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM staff t
                 WHERE connection_id IN (SELECT id FROM connections WHERE account_id = $1))))
           AS "state!""#,
        account,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The routes a visitor can reach besides server functions: every page the app declares (with
/// a hostile value in each parameter), the plain routes and a few that do not exist.
fn page_paths(rng: &mut Rng, a: &AccountA, declared: &[String]) -> String {
    let segment = || -> Vec<String> {
        vec![
            "x.y".into(),
            "sage.hr".into(),
            "%00".into(),
            "%FF%FE".into(),
            "%ZZ".into(),
            format!("{}.x", a.campaign),
            a.campaign.to_string(),
            a.connection.to_string(),
            "00000000-0000-0000-0000-000000000000".into(),
            "..%2F..%2Fetc%2Fpasswd".into(),
            "x".repeat(3_000),
            "%E2%80%AE".into(),
        ]
    };
    let mut path = match rng.below(10) {
        0..=5 => {
            let p = rng.pick(declared).clone();
            let segs = segment();
            p.split('/')
                .map(|s| {
                    if s.starts_with('{') || s.starts_with(':') || s.starts_with('*') {
                        rng.pick(&segs).clone()
                    } else {
                        s.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        }
        6 => format!("/campaigns/{}/export", rng.pick(&segment())),
        7 => format!("/help/connect/{}", rng.pick(&segment())),
        8 => rng
            .pick(&[
                "/",
                "/healthz",
                "/favicon.svg",
                "/pkg/hr-connectors.js",
                "/pkg/nope.wasm",
                "/.env",
                "/wp-login.php",
                "/api/nope",
                "/api/staff/search/extra",
                "/%2e%2e/%2e%2e/etc/passwd",
                "/login",
            ])
            .to_string(),
        _ => format!("/{}", rng.pick(&segment())),
    };
    if path.is_empty() {
        path.push('/');
    }
    if rng.chance(40) {
        let query = rng
            .pick(&[
                "q=%00",
                "q=ad%00a&title=%07",
                "joined=2147483647&from=-200000-01-01",
                "to=%2B262142-12-31&page=-1&sort=Salary",
                "page=99999999999999999999",
                "next=%2F%2Fevil.example",
                "next=%2Fcampaigns%00",
                "country=Germany&country=de&source=x",
                "%FF=%FE",
                "q=%ZZ",
                "expired=1&signed_out=1",
            ])
            .to_string();
        path = format!("{path}?{query}");
    }
    path
}

/// Paths a visitor without a session may see: everything else must send them to sign in.
fn public_without_session(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    matches!(
        path,
        "/login"
            | "/invitation"
            | "/forgot-password"
            | "/reset-password"
            | "/sso/error"
            | "/connect"
            | "/connect/linked"
    ) || path == "/healthz"
        || path == "/sso/start"
        || path == "/sso/callback"
        || path.starts_with("/api/")
        || path.starts_with("/webhooks/")
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
}

struct Outcome {
    sent: u64,
    failures: Vec<String>,
}

/// What the fuzzer sends requests to.
struct Targets {
    /// Every server function, with a payload that would work for account A.
    functions: Vec<(&'static str, Access, Payload)>,
    /// The paths of the pages the app declares.
    declared: Vec<String>,
}

/// Every server function with a payload for account A, checked to be every registered one, and
/// the paths of the pages the app declares.
fn fuzz_targets(a: &AccountA) -> Targets {
    let table = endpoints::table(a);
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let listed: BTreeSet<String> = table.keys().map(|k| (*k).to_owned()).collect();
    assert_eq!(registered, listed, "the fuzzer calls every server function");
    let declared: Vec<String> = leptos_axum::generate_route_list(hr_connectors::app::App)
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    assert!(
        declared.len() >= 10,
        "the app declares its pages: {declared:?}"
    );
    let functions = table
        .iter()
        .map(|(path, (access, payload))| {
            // Disconnecting for good would delete the staff every other call searches.
            let payload = if *path == "integrations/disconnect" {
                Payload::Form(format!("id={}&delete_now=false", a.connection))
            } else {
                payload.clone()
            };
            (*path, *access, payload)
        })
        .collect();
    Targets {
        functions,
        declared,
    }
}

/// Four [`spawn_abandoner`] clients, each signed in as the admin with a seed of its own.
async fn spawn_abandoners(
    env: &SyncedEnv,
    server: SocketAddr,
    seed: u64,
    stop: &Arc<AtomicBool>,
    abandoned: &Arc<AtomicU64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut abandoners = Vec::new();
    for n in 0..4u64 {
        let cookie = fresh_session(&env.state.pool, env.admin.user_id).await;
        abandoners.push(spawn_abandoner(
            server,
            cookie,
            seed ^ (0xABA0 + n),
            stop.clone(),
            abandoned.clone(),
        ));
    }
    abandoners
}

/// A client that, until `stop`, sends searches and pages as `cookie`'s user and hangs up on each,
/// counting them in `abandoned`.
fn spawn_abandoner(
    server: SocketAddr,
    cookie: String,
    seed: u64,
    stop: Arc<AtomicBool>,
    abandoned: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<()> {
    let filter = StaffFilter::default();
    tokio::spawn(async move {
        let mut rng = Rng(seed);
        while !stop.load(Ordering::Relaxed) {
            let req = match rng.below(4) {
                0 => json_api(
                    "staff/search",
                    json!({"filter": StaffFilter { q: "an".into(), ..filter.clone() }}),
                    Some(&cookie),
                ),
                1 => json_api("staff/count", json!({ "filter": filter }), Some(&cookie)),
                2 => api(
                    "campaigns/find-anyone",
                    "application/x-www-form-urlencoded",
                    b"text=ste".to_vec(),
                    Some(&cookie),
                ),
                _ => Req::new("GET", "/people?q=an").cookie(Some(&cookie)),
            };
            abandon(server, &req, &mut rng).await;
            abandoned.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(5 + rng.below(20))).await;
        }
    })
}

/// The next hostile request: now and then a page or a forged webhook, otherwise a mutated call
/// of a server function, sometimes with the wrong content type, an oversized body or as a GET.
fn hostile_request(
    rng: &mut Rng,
    cookie: Option<&str>,
    functions: &[(&str, Access, Payload)],
    a: &AccountA,
    declared: &[String],
) -> Req {
    if rng.chance(15) {
        if rng.chance(10) {
            let account = hostile_string(rng);
            let base =
                json!({"hook": {"event": "Employee.changed"}, "linked_account": {"id": account}});
            let body = mutate_json(rng, &base);
            return Req::new("POST", "/webhooks/merge")
                .header(
                    "x-merge-webhook-signature",
                    percent(hostile_string(rng).as_bytes()),
                )
                .body(Some("application/json"), body);
        }
        return Req::new("GET", page_paths(rng, a, declared)).cookie(cookie);
    }
    let (path, _, payload) = rng.pick(functions);
    let (mut content_type, mut body) = match payload {
        Payload::Form(f) => ("application/x-www-form-urlencoded", mutate_form(rng, f)),
        Payload::Json(v) => ("application/json", mutate_json(rng, v)),
    };
    if rng.chance(8) {
        content_type = *rng.pick(&[
            "text/plain",
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
        ]);
    }
    if rng.chance(3) {
        body = vec![b'a'; 300 * 1024];
    }
    let method = if rng.chance(4) { "GET" } else { "POST" };
    let mut req = Req::new(method, format!("/api/{path}"))
        .cookie(cookie)
        .body(Some(content_type), body);
    if method == "GET" {
        req.target.push_str("?id=1");
    }
    req
}

/// Who sends the next request, with the cookie to send: mostly the admin, sometimes the
/// campaign manager, nobody, or a forged session. Also says whether it is the admin or the
/// manager, whose session a sign-out ends.
fn pick_caller(
    rng: &mut Rng,
    admin_cookie: &str,
    manager_cookie: &str,
) -> (Option<String>, bool, bool) {
    match rng.below(100) {
        0..=69 => (Some(admin_cookie.to_owned()), true, false),
        70..=79 => (Some(manager_cookie.to_owned()), false, true),
        80..=94 => (None, false, false),
        _ => (
            Some(
                rng.pick(&[
                    "hrc_session=",
                    "hrc_session=%00",
                    "hrc_session=x; hrc_session=y",
                    "hrc_session=AAAA",
                ])
                .to_string(),
            ),
            false,
            false,
        ),
    }
}

/// What is wrong with the answer to `req`, if anything: none at all, one [`judge`] refuses, or a
/// private page shown to a visitor without a cookie instead of the sign-in page.
fn problem_with(reply: &Result<Reply, String>, req: &Req, with_cookie: bool) -> Option<String> {
    match reply {
        Err(e) => Some(format!("no answer: {e}")),
        Ok(reply) => judge(reply).or_else(|| {
            let anonymous_page =
                req.method == "GET" && !with_cookie && !public_without_session(&req.target);
            (anonymous_page && reply.status != 303).then(|| {
                format!(
                    "an anonymous visitor got {} instead of the sign-in page",
                    reply.status
                )
            })
        }),
    }
}

/// Sends hostile requests as the admin, the manager, nobody or a forged session until the
/// settings' count or time runs out (or 20 failures); each must get a readable answer, and a
/// refused one must leave account A as it was.
async fn send_hostile_requests(
    settings: &Settings,
    env: &SyncedEnv,
    manager: Uuid,
    server: SocketAddr,
    targets: &Targets,
    a: &AccountA,
    started: Instant,
) -> Outcome {
    let pool = &env.state.pool;
    let mut rng = Rng(settings.seed);
    let mut admin_cookie = fresh_session(pool, env.admin.user_id).await;
    let mut manager_cookie = fresh_session(pool, manager).await;
    let mut outcome = Outcome {
        sent: 0,
        failures: Vec::new(),
    };
    let mut before = account_state(pool, env.admin.account_id).await;
    while outcome.sent < settings.requests
        && started.elapsed() < Duration::from_secs(settings.seconds)
        && outcome.failures.len() < 20
    {
        let n = outcome.sent;
        outcome.sent += 1;
        let (cookie, as_admin, as_manager) = pick_caller(&mut rng, &admin_cookie, &manager_cookie);
        let req = hostile_request(
            &mut rng,
            cookie.as_deref(),
            &targets.functions,
            a,
            &targets.declared,
        );
        let reply = exchange(server, None, &req).await;
        let problem = problem_with(&reply, &req, cookie.is_some());
        let status = reply.as_ref().map_or(0, |r| r.status);
        if status < 400 {
            // Accepted: what it changed is legitimate. Signing out ends the session in use.
            if req.target == "/api/auth/logout" && as_admin {
                admin_cookie = fresh_session(pool, env.admin.user_id).await;
            }
            if req.target == "/api/auth/logout" && as_manager {
                manager_cookie = fresh_session(pool, manager).await;
            }
            before = account_state(pool, env.admin.account_id).await;
        } else {
            let after = account_state(pool, env.admin.account_id).await;
            if after != before {
                outcome.failures.push(format!(
                    "request {n}: refused with {status} but changed account A's data\n  {}",
                    req.describe()
                ));
                before = after;
            }
        }
        if let Some(problem) = problem {
            outcome
                .failures
                .push(format!("request {n}: {problem}\n  {}", req.describe()));
        }
    }
    outcome
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn hostile_requests_get_readable_refusals_and_change_nothing(test_pool: PgPool) {
    let settings = Settings::from_env();
    let pool = production_pool(&test_pool).await;
    let env = SyncedEnv::new(pool.clone()).await;
    let a = endpoints::account_a(&env, &pool).await;
    let control = Arc::new(control_account(&env, &pool).await);
    let manager = common::user_in(
        &pool,
        env.admin.account_id,
        "cam@acme.example",
        Role::CampaignManager,
    )
    .await;
    let server = serve(env.state.clone()).await;
    let targets = fuzz_targets(&a);

    let stop = Arc::new(AtomicBool::new(false));
    let control_task = spawn_control(server, control.clone(), stop.clone());
    let abandoned = Arc::new(AtomicU64::new(0));
    let abandoners = spawn_abandoners(&env, server, settings.seed, &stop, &abandoned).await;

    let started = Instant::now();
    let mut outcome = send_hostile_requests(
        &settings,
        &env,
        manager.user_id,
        server,
        &targets,
        &a,
        started,
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for task in abandoners {
        task.await.unwrap();
    }
    let control_rounds = control_task.await.unwrap();
    let elapsed = started.elapsed();

    let health = exchange(server, None, &Req::new("GET", "/healthz")).await;
    let problems = stored_text_problems(&pool).await;
    println!(
        "fuzz: seed {}, {} hostile requests and {} abandoned in {:.1} s, {} control rounds, {} failures",
        settings.seed,
        outcome.sent,
        abandoned.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        control_rounds.as_ref().map_or(0, |r| *r),
        outcome.failures.len()
    );
    if let Err(e) = &control_rounds {
        outcome
            .failures
            .push(format!("the control client failed: {e}"));
    }
    assert!(
        outcome.failures.is_empty(),
        "fuzz seed {} (replay with FUZZ_SEED={}):\n{}",
        settings.seed,
        settings.seed,
        outcome.failures.join("\n")
    );
    let rounds = control_rounds.unwrap_or_else(|e| panic!("fuzz seed {}: {e}", settings.seed));
    assert!(rounds > 0, "the control client ran");
    assert_eq!(
        health.map(|r| r.status).ok(),
        Some(200),
        "/healthz after the run"
    );
    assert!(problems.is_empty(), "stored text: {problems:?}");
}

/// Queues a sync of `connection` after moving its sandbox workforce on, and waits for the
/// worker to finish it.
async fn sync_through_worker(
    env: &SyncedEnv,
    account: Uuid,
    connection: Uuid,
) -> Result<(), String> {
    use hr_connectors::server::store::jobs::{self, JobKind, JobState};
    let merge_account =
        hr_connectors::server::store::connections::get(&env.state.pool, account, connection)
            .await
            .map_err(|e| e.to_string())?
            .and_then(|c| c.merge_account_id)
            .ok_or("no linked account")?;
    let advanced = reqwest::Client::new()
        .post(format!(
            "{}/sandbox/v1/linked-accounts/{merge_account}/advance",
            env.sandbox.root_url()
        ))
        .bearer_auth(env.key)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !advanced.status().is_success() {
        return Err(format!("sandbox advance answered {}", advanced.status()));
    }
    jobs::enqueue(&env.state.pool, connection, JobKind::Manual)
        .await
        .map_err(|e| format!("queueing a sync: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let job = jobs::latest(&env.state.pool, connection)
            .await
            .map_err(|e| format!("reading the sync: {e}"))?
            .ok_or("no sync job")?;
        match job.state {
            JobState::Succeeded => return Ok(()),
            JobState::Failed => return Err(format!("the worker's sync failed: {job:?}")),
            _ if Instant::now() > deadline => return Err(format!("the sync did not end: {job:?}")),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Sends `req`, which must be refused with a 4xx; otherwise says what `what` was answered.
async fn refusal_problem(server: SocketAddr, req: &Req, what: &str) -> Option<String> {
    match exchange(server, None, req).await {
        Ok(r) if (400..500).contains(&r.status) => None,
        Ok(r) => Some(format!("{what} answered {}: {:.200}", r.status, r.text())),
        Err(e) => Some(e),
    }
}

/// An attacker that, until `stop`, signed in as `cookie`'s user, hangs up on searches, counts,
/// pages and audience saves, and sends bad search input and wrong passwords; returns every bad
/// input or wrong sign-in that was not answered with a 4xx.
fn spawn_attacker(
    server: SocketAddr,
    cookie: String,
    seed: u64,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let mut rng = Rng(seed);
        let mut problems = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            sent.fetch_add(1, Ordering::Relaxed);
            let q = rng
                .pick(&["an", "ste", "jose", "müller", "", "o'b"])
                .to_string();
            let filter = StaffFilter {
                q,
                ..StaffFilter::default()
            };
            let search = json_api("staff/search", json!({ "filter": filter }), Some(&cookie));
            match rng.below(10) {
                0..=4 => abandon(server, &search, &mut rng).await,
                5 => {
                    let count = json_api("staff/count", json!({ "filter": filter }), Some(&cookie));
                    abandon(server, &count, &mut rng).await
                }
                6 => {
                    abandon(
                        server,
                        &Req::new("GET", "/people?q=an").cookie(Some(&cookie)),
                        &mut rng,
                    )
                    .await
                }
                7 => {
                    let bad = json_api(
                        "staff/search",
                        json!({"filter": {"q": "\u{0}", "joined_within": 2_147_483_647u32}}),
                        Some(&cookie),
                    );
                    problems.extend(refusal_problem(server, &bad, "bad input").await);
                }
                8 => {
                    let login = api(
                        "auth/login",
                        "application/x-www-form-urlencoded",
                        format!("email=ada%40acme.example&password=wrong{}", rng.below(1000))
                            .into_bytes(),
                        None,
                    );
                    if rng.chance(50) {
                        abandon(server, &login, &mut rng).await;
                    } else {
                        problems.extend(refusal_problem(server, &login, "wrong sign-in").await);
                    }
                }
                _ => {
                    let audience = json_api(
                        "campaigns/audience",
                        json!({"id": Uuid::nil(), "kind": "Dynamic", "filter": filter, "picked": []}),
                        Some(&cookie),
                    );
                    abandon(server, &audience, &mut rng).await
                }
            }
        }
        problems
    })
}

/// Every connection of the database, other than this one, that is idle inside a transaction.
async fn idle_in_transaction(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar!(
        r#"SELECT state || ': ' || left(query, 80) AS "activity!" FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND state LIKE 'idle in transaction%'"#,
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Syncs each `(account, connection)` in turn through the worker until `seconds` after `started`;
/// returns how many syncs succeeded and why the others failed.
async fn sync_in_turn_until(
    env: &SyncedEnv,
    connections: &[(Uuid, Uuid)],
    started: Instant,
    seconds: u64,
) -> (u32, Vec<String>) {
    let mut syncs = 0;
    let mut sync_failures = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        for &(account, connection) in connections {
            match sync_through_worker(env, account, connection).await {
                Ok(()) => syncs += 1,
                Err(e) => sync_failures.push(e),
            }
        }
    }
    (syncs, sync_failures)
}

/// Many clients hang up mid-request (a request cut off part-way, or a whole one whose answer is
/// never read, among them the staff search that runs its queries side by side) and send bad
/// input, while the control account signs in, searches and saves an audience and `/healthz` is
/// polled, and the worker syncs both accounts. A request dropped while its transaction was
/// starting must not leave a pooled connection inside a transaction for the next borrower:
/// every control request succeeds, every sync succeeds, and afterwards no connection of the
/// database is idle inside a transaction.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn abandoned_requests_leave_every_pooled_connection_clean(test_pool: PgPool) {
    let settings = Settings::from_env();
    let seconds = (settings.seconds / 2).max(5);
    let pool = production_pool(&test_pool).await;
    let env = SyncedEnv::new(pool.clone()).await;
    let acme = env.connect("acme").await;
    let control = Arc::new(control_account(&env, &pool).await);
    let server = serve(env.state.clone()).await;
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    let mut ctx = hr_connectors::server::startup::sync_context(&env.state);
    ctx.policy.poll_merge_every = Duration::from_millis(20);
    hr_connectors::server::sync::worker::spawn(ctx, 2, Duration::from_secs(3600), worker_stopped);

    let stop = Arc::new(AtomicBool::new(false));
    let control_task = spawn_control(server, control.clone(), stop.clone());
    let sent = Arc::new(AtomicU64::new(0));
    let mut attackers = Vec::new();
    for n in 0..12u64 {
        let (stop, sent) = (stop.clone(), sent.clone());
        let cookie = fresh_session(&pool, env.admin.user_id).await;
        let seed = settings.seed ^ (0xD15C + n);
        attackers.push(spawn_attacker(server, cookie, seed, stop, sent));
    }

    let started = Instant::now();
    let connections = [
        (acme.account_id, acme.id),
        (control.account, control.connection),
    ];
    let (syncs, sync_failures) = sync_in_turn_until(&env, &connections, started, seconds).await;
    stop.store(true, Ordering::Relaxed);
    let mut attack_problems = Vec::new();
    for task in attackers {
        attack_problems.extend(task.await.unwrap());
    }
    let control_rounds = control_task.await.unwrap();
    // Once nothing runs, no connection may be left inside a transaction.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stuck = idle_in_transaction(&test_pool).await;
    let health = exchange(server, None, &Req::new("GET", "/healthz")).await;
    let _ = stop_worker.send(true);
    println!(
        "abandon: seed {}, {} attacking requests in {:.1} s, {} control rounds, {} syncs by the worker",
        settings.seed,
        sent.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        control_rounds.as_ref().map_or(0, |r| *r),
        syncs
    );
    let mut failures = Vec::new();
    match control_rounds {
        Ok(0) => failures.push("the control client never ran".to_owned()),
        Ok(_) => {}
        Err(e) => failures.push(format!("the control client failed: {e}")),
    }
    failures.extend(sync_failures);
    if syncs < 2 {
        failures.push(format!("the worker finished only {syncs} syncs"));
    }
    failures.extend(attack_problems);
    if !stuck.is_empty() {
        failures.push(format!("connections left inside a transaction: {stuck:?}"));
    }
    if health.as_ref().map(|r| r.status).ok() != Some(200) {
        failures.push(format!(
            "/healthz after the run: {:?}",
            health.map(|r| (r.status, r.text()))
        ));
    }
    assert!(
        failures.is_empty(),
        "seed {} (replay with FUZZ_SEED={}):\n{}",
        settings.seed,
        settings.seed,
        failures.join("\n")
    );
}

/// What the database refuses to store is the caller's to fix, so it is answered like any other
/// bad input: two identical changes at once (a unique key) or a reference to something removed
/// meanwhile is a 409, a value outside a column's rules a 422, each with a sentence and never
/// the database's own message.
#[sqlx::test]
async fn constraint_violations_answer_409_or_422(pool: PgPool) {
    use hr_connectors::server::error::{Context, ServerError};
    sqlx::query!(
        "CREATE TABLE refusals (k int PRIMARY KEY, n int NOT NULL CHECK (n > 0),
             account uuid REFERENCES accounts (id))",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO refusals (k, n) VALUES (1, 1)")
        .execute(&pool)
        .await
        .unwrap();
    let cases: [(&str, u16); 5] = [
        ("INSERT INTO refusals (k, n) VALUES (1, 1)", 409),
        (
            "INSERT INTO refusals (k, n, account) VALUES (2, 1, gen_random_uuid())",
            409,
        ),
        ("INSERT INTO refusals (k, n) VALUES (3, 0)", 422),
        ("INSERT INTO refusals (k, n) VALUES (4, NULL)", 422),
        ("SELECT 2147483647::int + 1", 422),
    ];
    for (sql, status) in cases {
        let err: ServerError = sqlx::query(sql)
            .execute(&pool)
            .await
            .map(drop)
            .context("storing a refusal")
            .unwrap_err();
        let answer = AppError::from(err);
        assert_eq!(answer.http_status(), status, "{sql}: {answer:?}");
        let sentence = answer.to_string();
        assert!(
            sentence.ends_with('.')
                && !sentence.contains("refusals")
                && !sentence.contains("violates"),
            "{sql}: {sentence}"
        );
    }
}
