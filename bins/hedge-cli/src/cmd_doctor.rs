//! `hedge-cli doctor`: renders `hedge_app::doctor` (the checks live in the library, because
//! the bots run them at start-up). One line per check, `--json`, `--record DIR`; exit 0 only
//! when every check passed.

use crate::ctx::Ctx;
use crate::{code, Failure};
use hedge_app::credentials::VenueSettings;
use hedge_app::doctor::{self, DoctorVenues};
use hedge_app::env::Env;
use serde_json::json;
use std::path::{Path, PathBuf};

pub async fn doctor(
    ctx: &Ctx,
    env_file: Option<&Path>,
    record: Option<&PathBuf>,
) -> Result<u8, Failure> {
    let venues = match &ctx.wiring.paper_session {
        Some(session) => DoctorVenues::paper(session, ctx.wiring.clock.clone())?,
        None => {
            let env = match env_file {
                Some(p) => Env::load(p, true)?,
                None => Env::load_default()?,
            };
            DoctorVenues::live(&VenueSettings::from_env(&env)?, &ctx.cfg().quote)?
        }
    };
    let symbols = vec![ctx.cfg().symbol.clone()];
    let report = doctor::run(&venues, &symbols).await;
    let recorded = match record {
        Some(dir) => Some(doctor::record(&venues, &symbols[0], dir).await),
        None => None,
    };
    if ctx.json {
        crate::render::print_json(&json!({
            "paper": ctx.paper(),
            "passed": report.passed(),
            "checks": report.checks,
            "recorded": recorded.as_ref().map(|(files, failures)| json!({
                "files": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                "failures": failures,
            })),
        }));
    } else {
        for c in &report.checks {
            let status = if c.ok { "ok  " } else { "FAIL" };
            let fix = c
                .fix
                .as_deref()
                .map(|f| format!(" -> fix: {f}"))
                .unwrap_or_default();
            println!(
                "{}{status} {:<8} {:<16} {}{fix}",
                ctx.tag(),
                c.venue,
                c.name,
                c.detail
            );
        }
        if let Some((files, failures)) = &recorded {
            println!("{}recorded {} responses (redacted)", ctx.tag(), files.len());
            for f in failures {
                println!("{}not recorded: {f}", ctx.tag());
            }
        }
        let failed = report.checks.iter().filter(|c| !c.ok).count();
        println!(
            "{}doctor: {}",
            ctx.tag(),
            if report.passed() {
                "every check passed".to_string()
            } else {
                format!("{failed} check(s) failed")
            }
        );
    }
    Ok(if report.passed() {
        code::OK
    } else {
        code::VENUE_ERROR
    })
}
