//! Logging: INFO on the console (stderr), DEBUG to the log file (`--log-file`, default
//! `logs/auto_rotation_bot.log`, its directory created at start). `RUST_LOG` overrides the
//! file filter. In paper mode every line starts with `PAPER`. A log file that cannot be
//! opened only loses the file log (with a warning), never the bot.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

struct Tagged<M> {
    inner: M,
    tag: &'static str,
}

struct TaggedWriter<W> {
    inner: W,
    tag: &'static str,
}

impl<W: Write> Write for TaggedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.tag.is_empty() {
            self.inner.write_all(self.tag.as_bytes())?;
        }
        self.inner.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Tagged<M> {
    type Writer = TaggedWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        TaggedWriter {
            inner: self.inner.make_writer(),
            tag: self.tag,
        }
    }
}

/// Installs the console and file loggers.
pub fn init(paper: bool, log_file: &Path) {
    let tag = if paper { "PAPER " } else { "" };
    let console = fmt::layer()
        .with_writer(Tagged {
            inner: std::io::stderr,
            tag,
        })
        .with_target(false)
        .with_ansi(false)
        .with_filter(EnvFilter::new("info,hyper=warn,reqwest=warn,rustls=warn"));
    if let Some(dir) = log_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = OpenOptions::new().create(true).append(true).open(log_file);
    let file_filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("debug,hyper=info,reqwest=info,rustls=info,h2=info"));
    match file {
        Ok(f) => {
            let layer = fmt::layer()
                .with_writer(Tagged {
                    inner: Mutex::new(f),
                    tag,
                })
                .with_ansi(false)
                .with_filter(file_filter);
            let _ = tracing_subscriber::registry()
                .with(console)
                .with(layer)
                .try_init();
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(console).try_init();
            tracing::warn!(
                "cannot open {}: {e}; logging to the console only",
                log_file.display()
            );
        }
    }
}
