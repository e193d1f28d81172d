//! `AsyncRead` in terms of `AsyncBufRead`, for the hand-written streaming bodies (the MJPEG reader
//! in [`crate::video::stream`], the SSE stream in [`crate::site::events`]). They produce their bytes
//! in place through `poll_fill_buf`; `poll_read` (which the traits also require) only copies from
//! there, and is written once, here.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::AsyncBufRead;

/// `poll_read` for any `AsyncBufRead`: copies what `poll_fill_buf` offers into `buf` (as much as
/// fits) and consumes it. `Ok(0)` means the end of the body.
pub fn poll_read_from_buf<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let n = match reader.as_mut().poll_fill_buf(cx) {
        Poll::Pending => return Poll::Pending,
        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
        Poll::Ready(Ok(available)) => {
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            n
        }
    };
    reader.consume(n);
    Poll::Ready(Ok(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::AsyncRead;

    /// Offers its bytes in slices of at most `chunk`.
    struct Chunked {
        data: Vec<u8>,
        pos: usize,
        chunk: usize,
    }

    impl AsyncBufRead for Chunked {
        fn poll_fill_buf(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            let this = self.get_mut();
            let end = (this.pos + this.chunk).min(this.data.len());
            Poll::Ready(Ok(&this.data[this.pos..end]))
        }

        fn consume(self: Pin<&mut Self>, amt: usize) {
            self.get_mut().pos += amt;
        }
    }

    impl AsyncRead for Chunked {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            poll_read_from_buf(self, cx, buf)
        }
    }

    #[test]
    fn reads_everything_in_order_whatever_the_buffer_sizes() {
        use futures_lite::AsyncReadExt;
        let data: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        for (chunk, read) in [(7, 3), (3, 7), (4096, 1000), (1, 1)] {
            let mut r = Chunked {
                data: data.clone(),
                pos: 0,
                chunk,
            };
            let mut out = Vec::new();
            let mut buf = vec![0; read];
            futures_lite::future::block_on(async {
                loop {
                    let n = r.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    assert!(n <= read.min(chunk));
                    out.extend_from_slice(&buf[..n]);
                }
            });
            assert_eq!(out, data, "chunk {chunk}, read {read}");
        }
    }
}
