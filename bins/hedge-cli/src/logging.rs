//! Logging: everything at DEBUG and above to `hedge_cli.log` in the working directory (the
//! seed's file log), only warnings and errors on the console. `RUST_LOG` overrides the file
//! filter. Raw venue bodies are logged at DEBUG only, secrets never. In paper mode every log
//! line, in the file and on the console, starts with `PAPER`.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Mutex;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Target of the final outcome line: file only, since the console already shows it.
pub const OUTCOME_TARGET: &str = "hedge_cli::outcome";

/// Log file name, in the working directory.
pub const LOG_FILE: &str = "hedge_cli.log";

/// Prefixes every formatted event (one `write` per event) with a tag.
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

/// Installs the console and file loggers. A log file that cannot be opened only loses the
/// file log (with a warning), never the command.
pub fn init(paper: bool) {
    let tag = if paper { "PAPER " } else { "" };
    let console = fmt::layer()
        .with_writer(Tagged {
            inner: std::io::stderr,
            tag,
        })
        .with_target(false)
        .with_ansi(false)
        .with_filter(EnvFilter::new(format!("warn,{OUTCOME_TARGET}=off")));
    let file = OpenOptions::new().create(true).append(true).open(LOG_FILE);
    let file_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("debug"));
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
            tracing::warn!("cannot open {LOG_FILE}: {e}; logging to the console only");
        }
    }
    if paper {
        tracing::info!("paper mode: trading against the in-process simulator");
    }
}
