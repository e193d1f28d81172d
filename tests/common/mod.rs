//! Test support: a real pistream server on an ephemeral port with a mock camera whose fault knobs the
//! test holds, and small blocking clients that speak HTTP by hand (a raw socket is the strictest
//! client there is).
#![allow(dead_code)]

pub mod browser;
pub mod controls;
pub mod nginx;
pub mod sse;

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pistream::config::Config;
use pistream::server::Running;
use pistream_mock::{MockCamera, MockControl};

pub struct TestServer {
    pub addr: SocketAddr,
    pub control: Arc<MockControl>,
    pub running: Option<Running>,
    pub pic: PathBuf,
    _dir: tempfile::TempDir,
}

/// Starts a server with the mock camera; `tune` adjusts the configuration first.
pub fn start(tune: impl FnOnce(&mut Config)) -> TestServer {
    let control = Arc::new(MockControl::new());
    let for_factory = control.clone();
    let factory: pistream::video::capture::CameraFactory = Box::new(move || {
        Ok(Box::new(MockCamera::with_control(for_factory.clone()))
            as Box<dyn pistream_camera::Camera>)
    });
    start_with_factory(factory, control, tune)
}

/// Starts a server whose cameras `factory` makes (a real backend against a simulated device, say);
/// `control` is the mock's knobs when the factory makes mocks (other cameras ignore it).
pub fn start_with_factory(
    factory: pistream::video::capture::CameraFactory,
    control: Arc<MockControl>,
    tune: impl FnOnce(&mut Config),
) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests();
    config.pic = dir.path().join("pic");
    config.content = dir.path().join("content");
    std::fs::create_dir_all(&config.content).unwrap();
    config.fps = 20.0;
    config.width = 320;
    config.height = 240;
    config.watch = pistream::config::WatchMode::Off;
    tune(&mut config);
    let pic = config.pic.clone();
    let running = async_std::task::block_on(Running::start_with_factory(config, factory))
        .expect("server starts");
    TestServer {
        addr: running.addr,
        control,
        running: Some(running),
        pic,
        _dir: dir,
    }
}

impl TestServer {
    /// Has the gallery rescan the photo folder now (tests run without the file watcher).
    pub fn refresh_gallery(&self) {
        self.running
            .as_ref()
            .unwrap()
            .app
            .gallery
            .refresh()
            .unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `/api/state` as JSON.
    pub fn state(&self) -> serde_json::Value {
        let r = request(self.addr, "GET", "/api/state", &[], b"");
        assert_eq!(r.status, 200);
        serde_json::from_slice(&r.body).expect("state is JSON")
    }

    /// Polls `/api/state` until `ok` holds, at most `timeout`. For conditions that only the server's
    /// counters show (a viewer's task noticing its peer left); each look is a real request. A 429
    /// is a look too early: connections the test just dropped still count against the address's
    /// connection limit until the server notices them gone, which on a loaded machine takes a while.
    pub fn wait_state(
        &self,
        timeout: Duration,
        ok: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        loop {
            let r = request(self.addr, "GET", "/api/state", &[], b"");
            if r.status == 429 && Instant::now() <= deadline {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            assert_eq!(r.status, 200);
            let s: serde_json::Value = serde_json::from_slice(&r.body).expect("state is JSON");
            if ok(&s) || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) -> bool {
        let running = self.running.take().expect("running");
        async_std::task::block_on(running.shutdown())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            async_std::task::block_on(r.shutdown());
        }
    }
}

/// A complete response read from a connection the server closes or sizes.
pub struct Reply {
    pub status: u16,
    pub status_line: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON; panics, showing the status line and the body, when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            let body = String::from_utf8_lossy(&self.body);
            panic!("{e}: {}: {body}", self.status_line);
        })
    }
}

/// `POST /photos` as a script sends it (`Accept: application/json`): the server takes a photo and
/// answers 201 with its name and file, or an error.
pub fn take_photo(addr: SocketAddr) -> Reply {
    request(
        addr,
        "POST",
        "/photos",
        &[("Accept", "application/json")],
        b"",
    )
}

/// A timelapse day folder `pic/timelapse/DAY` of `n` distinct 320x240 JPEGs named as the timelapse
/// names them (so name order is time order), for the video and day-album tests.
pub fn make_timelapse_day(pic: &std::path::Path, day: &str, n: usize) -> PathBuf {
    let dir = pic.join("timelapse").join(day);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let img = image::RgbImage::from_fn(320, 240, |x, y| {
            image::Rgb([(x + i as u32 * 8) as u8, y as u8, (i * 5) as u8])
        });
        img.save(dir.join(format!("20260105-12{:02}{:02}-000.jpg", i / 60, i % 60)))
            .unwrap();
    }
    dir
}

/// Copies the folder `from` into `to` (made if missing), sub-folders too: a test's own copy of a
/// fixture it may edit.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Spawns `cmd` (the pistream binary with its flags; stdout piped, stderr discarded) and reads its
/// banner, the first line on stdout (`... http://ADDR`): the child and the address it listens on.
pub fn spawn_for_banner(cmd: &mut std::process::Command) -> (std::process::Child, SocketAddr) {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("banner {line:?}: {e}"));
    (child, addr)
}

/// One HTTP/1.1 request with `Connection: close`; reads the whole reply.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut r = BufReader::new(s);
    let (status_line, status, headers) = read_head(&mut r).expect("response head");
    let mut body = Vec::new();
    if method != "HEAD" {
        match headers.get("content-length") {
            Some(n) => {
                body.resize(n.parse().unwrap(), 0);
                r.read_exact(&mut body).unwrap();
            }
            None => {
                r.read_to_end(&mut body).unwrap();
            }
        }
    }
    Reply {
        status,
        status_line,
        headers,
        body,
    }
}

/// Reads a response or part head: the first line and the headers (names lowercased).
pub fn read_head(r: &mut impl BufRead) -> io::Result<(String, u16, HashMap<String, String>)> {
    let mut first = String::new();
    if r.read_line(&mut first)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let status = first
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = read_headers(r)?;
    Ok((first.trim_end().to_string(), status, headers))
}

fn read_headers(r: &mut impl BufRead) -> io::Result<HashMap<String, String>> {
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Ok(headers);
        }
        let (k, v) = line.split_once(':').expect("header line");
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
}

/// A viewer of an MJPEG stream that checks the framing of every part it reads.
pub struct MjpegClient {
    pub reader: BufReader<TcpStream>,
    pub status_line: String,
    pub headers: HashMap<String, String>,
    boundary: String,
}

/// One part of a stream.
pub struct Part {
    pub headers: HashMap<String, String>,
    pub jpeg: Vec<u8>,
}

impl Part {
    pub fn timestamp(&self) -> f64 {
        self.headers["x-timestamp"]
            .parse()
            .expect("X-Timestamp is a number")
    }
    pub fn no_signal(&self) -> bool {
        self.headers.contains_key("x-no-signal")
    }
}

impl MjpegClient {
    pub fn open(addr: SocketAddr, path: &str, http10: bool) -> MjpegClient {
        let s = TcpStream::connect(addr).expect("connect");
        MjpegClient::over(s, addr, path, http10)
    }

    pub fn over(mut s: TcpStream, addr: SocketAddr, path: &str, http10: bool) -> MjpegClient {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let req = if http10 {
            format!("GET {path} HTTP/1.0\r\n\r\n")
        } else {
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n")
        };
        s.write_all(req.as_bytes()).unwrap();
        let mut reader = BufReader::new(s);
        let (status_line, status, headers) = read_head(&mut reader).expect("stream head");
        assert_eq!(status, 200, "{status_line}");
        let ct = headers.get("content-type").expect("content type").clone();
        let boundary = ct
            .split("boundary=")
            .nth(1)
            .expect("a boundary")
            .trim()
            .to_string();
        let mut c = MjpegClient {
            reader,
            status_line,
            headers,
            boundary,
        };
        // The body starts with the first boundary.
        let mut line = String::new();
        c.reader.read_line(&mut line).unwrap();
        assert_eq!(line, format!("--{}\r\n", c.boundary));
        c
    }

    /// Reads one part: headers, exactly Content-Length bytes of JPEG, CRLF, the next boundary.
    pub fn next_part(&mut self) -> io::Result<Part> {
        let headers = read_headers(&mut self.reader)?;
        assert_eq!(
            headers.get("content-type").map(String::as_str),
            Some("image/jpeg")
        );
        let len: usize = headers["content-length"].parse().expect("Content-Length");
        let mut jpeg = vec![0; len];
        self.reader.read_exact(&mut jpeg)?;
        let mut tail = String::new();
        self.reader.read_line(&mut tail)?;
        assert_eq!(tail, "\r\n", "CRLF after the JPEG");
        let mut boundary = String::new();
        self.reader.read_line(&mut boundary)?;
        assert_eq!(
            boundary,
            format!("--{}\r\n", self.boundary),
            "the next boundary right after the frame"
        );
        Ok(Part { headers, jpeg })
    }
}

/// Whether `jpeg` is a JPEG that decodes, and its size.
pub fn decode(jpeg: &[u8]) -> (u32, u32) {
    assert_eq!(&jpeg[..2], b"\xff\xd8", "starts with SOI");
    assert_eq!(&jpeg[jpeg.len() - 2..], b"\xff\xd9", "ends with EOI");
    let img =
        image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).expect("JPEG decodes");
    (img.width(), img.height())
}

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Threads of this process.
pub fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Threads:"))
                .and_then(|l| l[8..].trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Whether a command-line tool exists; prints a loud notice when it does not.
pub fn have_tool(tool: &str, why: &str) -> bool {
    let ok = std::process::Command::new(tool)
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !ok {
        let msg = format!("`{tool}` is not installed, so {why} was NOT tested. `.ci/run` installs it (apt-get install {tool}).");
        // CI installs every tool: there, a missing one is a failure, not a skip.
        if std::env::var_os("PISTREAM_REQUIRE_TOOLS").is_some() {
            panic!("{msg}");
        }
        eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    }
    ok
}
