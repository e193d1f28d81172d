//! A browser for tests: Debian's chromium, headless, driven by chromedriver over WebDriver (plain
//! HTTP + JSON, so this small client does the talking), with Chrome DevTools Protocol commands
//! through chromedriver's `goog/cdp/execute` for what WebDriver lacks (device emulation, colour
//! scheme, touch input, downloads). Without chromium/chromedriver [`Browser::start`] prints a loud
//! SKIPPED notice (and fails under `PISTREAM_REQUIRE_TOOLS`); `.ci/run` installs both.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Layout facts measured in the page (issue 11.4): the colour scheme in force, the page's and the
/// window's width (a horizontal scroll), buttons shorter than 40 px, and the contrast of the body,
/// of body text and of muted text (null where the page has none).
pub const LAYOUT_JS: &str = r#"
  function rgb(c) { var m = c.match(/[\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; }
  function lum(c) {
    function ch(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  }
  function background(el) {
    for (; el; el = el.parentElement) { var c = rgb(getComputedStyle(el).backgroundColor); if (c.a > 0) return c; }
    return { r: 255, g: 255, b: 255, a: 1 };
  }
  function contrast(el) {
    if (!el) return null;
    var a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  var de = document.documentElement;
  var small = Array.prototype.filter.call(document.querySelectorAll('button, .button, input[type=submit]'), function (b) {
    var r = b.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.height < 40;
  }).map(function (b) { return b.textContent.trim() + ' ' + b.getBoundingClientRect().height; });
  // What sticks out past the screen (a phone then widens its layout viewport: no scroll, but
  // everything drawn smaller): the innermost such elements, named. The caller may name the
  // screen's width in `deviceWidth` (emulated screens do not all report it); else the window's.
  var limit = typeof deviceWidth === 'number' ? deviceWidth : innerWidth;
  var wide = Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) {
    var r = e.getBoundingClientRect();
    return r.width > 0 && r.right > limit + 1 && !Array.prototype.some.call(e.children, function (c) {
      return c.getBoundingClientRect().right > limit + 1;
    });
  }).slice(0, 5).map(function (e) {
    return e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right);
  });
  var p = document.querySelector('main p, main dd, main .name');
  return {
    dark: window.matchMedia('(prefers-color-scheme: dark)').matches,
    scrollWidth: de.scrollWidth, innerWidth: window.innerWidth, wide: wide,
    small: small, buttons: document.querySelectorAll('button, .button').length,
    body: contrast(document.body), text: contrast(p),
    muted: contrast(document.querySelector('.card time, .album-count, .facts dt, .snippet, .timelapse-status, .embed figcaption'))
  };
"#;

/// Where the layout tests put their screenshots: `target/screenshots/` (or under
/// `CARGO_TARGET_DIR`).
pub fn screenshots_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("screenshots")
}

/// Each of `pages` (`(name, url)`) at phone size (360x740, touch) and desktop size (1280x800), in
/// the light and the dark colour scheme: loaded, `settle`d, a screenshot `NAME-DEVICE-SCHEME.png`
/// under [`screenshots_dir`], [`Browser::assert_layout`], then the caller's own `check` of that page
/// (its name, the browser on it, the layout facts). Returns without a browser (after the loud
/// notice of [`Browser::start`]); the screenshots are checked to be real PNGs and listed.
pub fn sweep_layouts(
    pages: &[(&str, String)],
    settle: impl Fn(&Browser, &str),
    check: impl Fn(&Browser, &str, &Value),
) {
    let dir = screenshots_dir();
    let mut taken = Vec::new();
    for (device, w, h, phone) in [("phone", 360, 740, true), ("desktop", 1280, 800, false)] {
        // A browser per device: switching the emulation off again in one tab left its next
        // navigation hanging (chromedriver: "timed out receiving message from renderer").
        let Some(b) = Browser::start() else { return };
        b.emulate(w, h, phone);
        for dark in [false, true] {
            b.color_scheme(dark);
            for (page, url) in pages {
                b.goto(url);
                settle(&b, page);
                let scheme = if dark { "dark" } else { "light" };
                let shot = dir.join(format!("{page}-{device}-{scheme}.png"));
                b.screenshot(&shot);
                taken.push(shot);
                let m = b.assert_layout(w, dark, &format!("{page} on a {device} ({scheme})"));
                check(&b, page, &m);
            }
        }
    }
    eprintln!("screenshots:");
    for shot in &taken {
        let len = std::fs::metadata(shot).unwrap().len();
        assert!(len > 1000, "{} is a real PNG", shot.display());
        eprintln!("  {} ({len} bytes)", shot.display());
    }
}

/// A chromedriver process and one browser session.
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// `None` (after a loud notice) when chromium or chromedriver is not installed.
    pub fn start() -> Option<Browser> {
        if !std::path::Path::new(CHROMIUM).exists()
            || !super::have_tool("chromedriver", "the browser test")
        {
            if !std::path::Path::new(CHROMIUM).exists() {
                eprintln!("\n!!!!!!!! SKIPPED: {CHROMIUM} is not installed (apt-get install chromium chromium-driver) !!!!!!!!\n");
                assert!(
                    std::env::var_os("PISTREAM_REQUIRE_TOOLS").is_none(),
                    "chromium is required"
                );
            }
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let profile = tempfile::tempdir().unwrap();
        let mut b = Browser {
            driver,
            addr,
            session: String::new(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while b
            .call("GET", "/status", None)
            .map(|v| v["value"]["ready"] != true)
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "chromedriver never became ready");
            std::thread::sleep(Duration::from_millis(50));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1024,768",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", b._profile.path().display())])
        .collect::<Vec<_>>();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        }}});
        let created = b.call("POST", "/session", Some(caps)).expect("session");
        b.session = created["value"]["sessionId"]
            .as_str()
            .expect("session id")
            .to_string();
        b.cmd(
            "POST",
            "/timeouts",
            json!({ "script": 30000, "pageLoad": 30000 }),
        );
        Some(b)
    }

    /// One WebDriver request; the parsed JSON reply.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> std::io::Result<Value> {
        let mut s = TcpStream::connect(self.addr)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        let body = body
            .filter(|b| !b.is_null())
            .map(|b| b.to_string())
            .unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )?;
        // chromedriver may keep the socket open despite `Connection: close`: read by length.
        let mut r = std::io::BufReader::new(s);
        let (_, _, headers) = super::read_head(&mut r)?;
        let len: usize = headers
            .get("content-length")
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        r.read_exact(&mut body)?;
        serde_json::from_slice(&body)
            .map_err(|e| std::io::Error::other(format!("{e}: {}", String::from_utf8_lossy(&body))))
    }

    /// A session command; panics with the driver's message on error.
    pub fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let reply = self
            .call(method, &path, Some(body))
            .expect("webdriver reply");
        assert!(
            reply["value"]["error"].is_null(),
            "{method} {path}: {reply}"
        );
        reply["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url }));
    }

    pub fn run(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// Runs `script`, which must call `done(value)` (its last argument) when finished.
    pub fn run_async(&self, script: &str) -> Value {
        let script = format!("var done = arguments[arguments.length - 1];\n{script}");
        self.cmd(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": [] }),
        )
    }

    /// A Chrome DevTools Protocol command, through chromedriver.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            json!({ "cmd": cmd, "params": params }),
        )
    }

    /// Emulates a phone (`width`x`height` CSS px at 3x, touch) or, with `phone == false`, a
    /// desktop window of that size at 1x without touch.
    pub fn emulate(&self, width: u32, height: u32, phone: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height,
                    "deviceScaleFactor": if phone { 3 } else { 1 }, "mobile": phone }),
        );
        self.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": phone, "maxTouchPoints": if phone { 5 } else { 1 } }),
        );
    }

    /// Makes the page see `prefers-color-scheme: dark` (or light).
    pub fn color_scheme(&self, dark: bool) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme",
                                   "value": if dark { "dark" } else { "light" } }] }),
        );
    }

    /// Saves a PNG of the viewport to `path`.
    pub fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine;
        let png = self.cmd("GET", "/screenshot", Value::Null);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("base64 PNG"))
            .expect("a PNG");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// Measures the page's layout ([`LAYOUT_JS`], on a screen `width` px wide) and asserts what
    /// every page must keep (issue 11.4): the colour scheme asked for (`dark`), no horizontal
    /// scroll and nothing wider than the screen (a phone would widen its layout viewport and draw
    /// everything smaller), buttons at least 40 px tall, body, text and muted-text contrast
    /// >= 4.5:1. `at` names the page in messages. Returns the facts for checks of the caller's own.
    pub fn assert_layout(&self, width: u32, dark: bool, at: &str) -> Value {
        let m = self.run(&format!("var deviceWidth = {width};\n{LAYOUT_JS}"));
        let at = format!("{at}: {m}");
        assert_eq!(m["dark"], dark, "the colour scheme is emulated: {at}");
        assert!(
            m["scrollWidth"].as_f64() <= m["innerWidth"].as_f64(),
            "no horizontal scroll: {at}"
        );
        assert_eq!(m["wide"], json!([]), "nothing wider than the screen: {at}");
        assert_eq!(m["innerWidth"], width, "the page fits the screen: {at}");
        assert_eq!(m["small"], json!([]), "buttons at least 40 px tall: {at}");
        for what in ["body", "text", "muted"] {
            let ratio = m[what].as_f64().unwrap_or_else(|| panic!("{what}: {at}"));
            assert!(ratio >= 4.5, "{what} contrast {ratio:.2} < 4.5: {at}");
        }
        m
    }

    /// The WebDriver id of the first element matching `css`.
    pub fn find(&self, css: &str) -> String {
        let found = self.cmd(
            "POST",
            "/element",
            json!({ "using": "css selector", "value": css }),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    /// Clicks the first element matching `css` as a user would (WebDriver's element click).
    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/click"), json!({}));
    }

    /// Presses and releases one key (a WebDriver key value: `"\u{E012}"` is the left arrow).
    pub fn key(&self, key: &str) {
        self.cmd(
            "POST",
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
                { "type": "keyDown", "value": key }, { "type": "keyUp", "value": key }] }] }),
        );
        let _ = self.call(
            "DELETE",
            &format!("/session/{}/actions", self.session),
            None,
        );
    }

    /// A one-finger swipe from (x0, y0) to (x1, y1), CSS px, as real touch events.
    pub fn swipe(&self, (x0, y0): (f64, f64), (x1, y1): (f64, f64)) {
        self.cdp(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchStart", "touchPoints": [{ "x": x0, "y": y0 }] }),
        );
        for i in 1..=5 {
            let t = f64::from(i) / 5.0;
            self.cdp(
                "Input.dispatchTouchEvent",
                json!({ "type": "touchMove",
                        "touchPoints": [{ "x": x0 + (x1 - x0) * t, "y": y0 + (y1 - y0) * t }] }),
            );
        }
        self.cdp(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchEnd", "touchPoints": [] }),
        );
    }

    /// The text of the open `alert`/`confirm` dialog, if one is open.
    pub fn dialog_text(&self) -> Option<String> {
        let r = self
            .call(
                "GET",
                &format!("/session/{}/alert/text", self.session),
                None,
            )
            .ok()?;
        r["value"].as_str().map(str::to_string)
    }

    /// Accepts (OK) the open dialog.
    pub fn accept_dialog(&self) {
        self.cmd("POST", "/alert/accept", json!({}));
    }

    /// Re-evaluates `expr` in the page until it is truthy, at most `timeout`; the last value.
    pub fn wait_for(&self, expr: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self
                .call(
                    "POST",
                    &format!("/session/{}/execute/sync", self.session),
                    Some(json!({ "script": format!("return {expr};"), "args": [] })),
                )
                .map(|r| r["value"].clone())
                .unwrap_or(Value::Null);
            let truthy = !(v.is_null() || v == false || v == 0 || v == "");
            if (truthy && v.get("error").is_none()) || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
