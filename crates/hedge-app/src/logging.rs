//! Logging of the three binaries: a console layer (stderr) and a file layer, both with the
//! `PAPER ` prefix on every line in paper mode. `RUST_LOG` overrides the file filter. A log
//! file that cannot be opened only loses the file log (with a warning), never the program.
//! Raw venue bodies are logged at DEBUG only, secrets never.
//!
//! Each binary has its preset ([`LogSettings::cli`], [`LogSettings::bot`],
//! [`LogSettings::monitor`]); the presets keep each binary's file, levels and console
//! behaviour as they were before the code was shared.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// `hedge-cli`'s final outcome line: file only, since the console already shows it.
pub const CLI_OUTCOME_TARGET: &str = "hedge_cli::outcome";

/// `hedge-cli`'s log file (the seed's), in the working directory.
pub const CLI_LOG_FILE: &str = "hedge_cli.log";

/// Every line's prefix in paper mode.
pub const PAPER_TAG: &str = "PAPER ";

/// What to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// Paper mode: every line, in the file and on the console, starts with `PAPER `.
    pub paper: bool,
    /// The log file (its directory is created).
    pub file: PathBuf,
    /// Console filter directives.
    pub console_filter: String,
    /// File filter directives when `RUST_LOG` is not set.
    pub file_filter: String,
    /// Console lines carry the event's target.
    pub console_target: bool,
    /// A line logged once installed (e.g. "paper mode: ...").
    pub banner: Option<String>,
}

impl LogSettings {
    /// `hedge-cli`: DEBUG and above to `hedge_cli.log` in the working directory, warnings and
    /// errors on the console (the outcome line to the file only).
    pub fn cli(paper: bool) -> Self {
        Self {
            paper,
            file: PathBuf::from(CLI_LOG_FILE),
            console_filter: format!("warn,{CLI_OUTCOME_TARGET}=off"),
            file_filter: "debug".into(),
            console_target: false,
            banner: paper.then(|| "paper mode: trading against the in-process simulator".into()),
        }
    }

    /// `rotation-bot`: INFO on the console, DEBUG to `--log-file`.
    pub fn bot(paper: bool, file: &Path) -> Self {
        Self {
            paper,
            file: file.to_path_buf(),
            console_filter: "info,hyper=warn,reqwest=warn,rustls=warn".into(),
            file_filter: "debug,hyper=info,reqwest=info,rustls=info,h2=info".into(),
            console_target: false,
            banner: None,
        }
    }

    /// `liq-monitor`: warnings on the console (each check is printed on stdout), INFO to
    /// `--log-file` (each check's display is logged there too).
    pub fn monitor(paper: bool, file: &Path) -> Self {
        Self {
            paper,
            file: file.to_path_buf(),
            console_filter: "warn".into(),
            file_filter: "info,hyper=warn,reqwest=warn,rustls=warn,h2=warn".into(),
            console_target: true,
            banner: None,
        }
    }

    fn tag(&self) -> &'static str {
        if self.paper {
            PAPER_TAG
        } else {
            ""
        }
    }
}

/// Prefixes every formatted event (the formatter writes one event per `write`) with a tag.
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

/// Installs the console and file loggers (once per process; later calls do nothing).
pub fn init(s: &LogSettings) {
    let tag = s.tag();
    let console = fmt::layer()
        .with_writer(Tagged {
            inner: std::io::stderr,
            tag,
        })
        .with_target(s.console_target)
        .with_ansi(false)
        .with_filter(EnvFilter::new(&s.console_filter));
    if let Some(dir) = s.file.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = OpenOptions::new().create(true).append(true).open(&s.file);
    let file_filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&s.file_filter));
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
                s.file.display()
            );
        }
    }
    if let Some(b) = &s.banner {
        tracing::info!("{b}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(paper: bool) -> String {
        let sink = Sink::default();
        let s = LogSettings::monitor(paper, Path::new("unused.log"));
        let writer = Tagged {
            inner: {
                let sink = sink.clone();
                move || sink.clone()
            },
            tag: s.tag(),
        };
        let subscriber = tracing_subscriber::registry().with(
            fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(EnvFilter::new("info")),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("one");
            tracing::warn!("two");
            tracing::debug!("filtered out");
        });
        let bytes = sink.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn paper_lines_carry_the_prefix_and_live_lines_do_not() {
        for (paper, want) in [(true, true), (false, false)] {
            let text = logged(paper);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "{text}");
            for l in lines {
                assert_eq!(l.starts_with(PAPER_TAG), want, "paper={paper}: {l}");
            }
        }
    }

    #[test]
    fn presets_keep_each_binary_s_file_and_levels() {
        let cli = LogSettings::cli(true);
        assert_eq!(cli.file, PathBuf::from("hedge_cli.log"));
        assert!(cli.console_filter.contains("hedge_cli::outcome=off"));
        assert!(cli.banner.is_some());
        assert!(LogSettings::cli(false).banner.is_none());
        let bot = LogSettings::bot(false, Path::new("logs/bot.log"));
        assert_eq!(bot.file, PathBuf::from("logs/bot.log"));
        assert!(bot.console_filter.starts_with("info"));
        let mon = LogSettings::monitor(true, Path::new("logs/m.log"));
        assert!(mon.console_filter.starts_with("warn") && mon.file_filter.starts_with("info"));
        assert_eq!(mon.tag(), PAPER_TAG);
    }
}
