//! `rotation-bot report --report FILE.html`: the HTML report from the bot's state file (a
//! state written by a real paper run of 4 cycles, `tests/fixtures/paper_bot_state.json`),
//! live (`--state-file`) and paper (`--paper --paper-dir`), reading the state only; the
//! failures name the file and exit 1 (unreadable, unwritable) or 2 (corrupt).

use std::path::Path;
use std::process::{Command, Output};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/paper_bot_state.json"
);

fn bot(dir: &Path, args: &[&str]) -> Output {
    #[allow(clippy::unwrap_used)]
    Command::new(env!("CARGO_BIN_EXE_rotation-bot"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
#[allow(clippy::unwrap_used)]
fn the_report_of_a_paper_run_has_one_mark_per_cycle() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("paperdir")).unwrap();
    std::fs::copy(FIXTURE, dir.path().join("paperdir/bot_state.json")).unwrap();
    std::fs::copy(FIXTURE, dir.path().join("state.json")).unwrap();
    // (arguments, tag in the output)
    let cases: [(&[&str], &str); 2] = [
        (
            &[
                "--state-file",
                "state.json",
                "report",
                "--report",
                "live.html",
            ],
            "live",
        ),
        (
            &[
                "--paper",
                "--paper-dir",
                "paperdir",
                "report",
                "--report",
                "paper.html",
            ],
            "paper",
        ),
    ];
    for (args, name) in cases {
        let out = bot(dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out));
        assert!(
            text(&out).contains("4 completed cycle(s)"),
            "{name}: {}",
            text(&out)
        );
        let html = std::fs::read_to_string(dir.path().join(format!("{name}.html"))).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert_eq!(html.matches("class=\"bar settled\"").count(), 4, "{name}");
        assert_eq!(html.matches("class=\"bar expected\"").count(), 4, "{name}");
        assert_eq!(html.matches("class=\"bar fee\"").count(), 4, "{name}");
        assert_eq!(html.matches("class=\"bar hbar\"").count(), 2, "SOL and BTC");
        assert_eq!(html.matches("class=\"series\"").count(), 1, "{name}");
        assert!(html.contains("max_hold"), "close reasons shown");
        assert!(!html.contains("<script"), "{name}");
        assert!(html.ends_with("</html>\n"), "{name}");
    }
    // the paper tag says where the figures come from
    let paper = std::fs::read_to_string(dir.path().join("paper.html")).unwrap();
    assert!(paper.contains("PAPER state file"), "paper tag");
}

#[test]
#[allow(clippy::unwrap_used)]
fn missing_corrupt_or_unwritable_refuse_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("corrupt.json"), "{not json").unwrap();
    std::fs::copy(FIXTURE, dir.path().join("ok.json")).unwrap();
    // (state file, report path, exit code, text expected)
    let cases = [
        ("absent.json", "r.html", 1, "absent.json"),
        ("corrupt.json", "r.html", 2, "corrupt.json"),
        ("ok.json", "no/such/dir/r.html", 1, "no/such/dir/r.html"),
    ];
    for (state, report, code, want) in cases {
        let out = bot(
            dir.path(),
            &["--state-file", state, "report", "--report", report],
        );
        assert_eq!(out.status.code(), Some(code), "{state}: {}", text(&out));
        assert!(text(&out).contains(want), "{state}: {}", text(&out));
    }
    assert!(
        !dir.path().join("r.html").exists(),
        "nothing written on a refusal"
    );
}
