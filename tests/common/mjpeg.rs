//! A viewer of an MJPEG stream (`multipart/x-mixed-replace`) that checks the framing of every part
//! it reads, and a JPEG check for what it read.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::http::{read_head, read_headers};

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
