//! `/api/v1/voice/calls/{ticket}`: the spoken call of a ticket as a WAV,
//! synthesised offline by espeak-ng, for displays whose platform has no
//! Chinese voice.
//!
//! The text is built here from the ticket's number and counter ("请 A 0 1 2
//! 号 到 3 号窗口", digits spelled one by one so they are read as digits),
//! never taken from the request: a display can only ask for the call of a
//! ticket that was called. WAVs are cached on disk next to the database, one
//! file per text (named by its SHA-256), so a recall costs nothing; the
//! oldest are pruned beyond a few thousand files.
//! It must not block the executor: synthesis runs as a child process awaited
//! by tokio, and file work in `spawn_blocking`.

use std::path::{Path as FsPath, PathBuf};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use hallq_store::hallq_core::CoreError;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::tickets_today;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Path;
use crate::queue;
use crate::state::AppState;

/// The espeak-ng voice: Mandarin read as pinyin (the plain `cmn` voice
/// mispronounces Chinese).
const VOICE: &str = "cmn-latn-pinyin";

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(call_wav))
}

/// The call of a ticket, spoken in Mandarin: a WAV.
#[utoipa::path(
    get, path = "/api/v1/voice/calls/{ticket}", tag = "hall",
    security(("token" = ["read_voice"])),
    params(("ticket" = String, Path, description = "id or today's number of a called ticket")),
    responses(
        (status = 200, description = "The spoken call", content_type = "audio/wav"),
        (status = "4XX", body = ErrorBody)
    )
)]
async fn call_wav(State(state): State<AppState>, Path(ticket): Path<String>) -> ApiResult<impl IntoResponse> {
    let now = state.now();
    let tickets = state.read(move |r, hall| tickets_today(r, hall, now)).await?;
    let t = queue::find(&tickets, &queue::ticket_ref(&ticket)).ok_or(CoreError::UnknownTicket(ticket))?;
    let counter = t.counter.ok_or_else(|| ApiError::invalid("该号尚未叫号", "the ticket has not been called"))?;
    let text = call_phrase(&t.number, counter);
    let dir = state.store().path().parent().map(|p| p.join("voice-cache")).unwrap_or_else(|| "voice-cache".into());
    let wav = synthesise(&dir, &text).await?;
    // The server keeps the WAV (per text); a display's browser must not
    // keep every call's, and the same number may be called at another
    // counter later.
    Ok(([(header::CONTENT_TYPE, "audio/wav"), (header::CACHE_CONTROL, "no-store")], wav))
}

/// "请 A 0 1 2 号 到 3 号窗口": the ticket number's characters one by one.
pub(crate) fn call_phrase(number: &str, counter: u32) -> String {
    let spelled: Vec<String> = number.chars().map(String::from).collect();
    format!("请 {} 号 到 {counter} 号窗口", spelled.join(" "))
}

/// The WAV of `text`, from the cache or made by espeak-ng and cached.
async fn synthesise(dir: &FsPath, text: &str) -> ApiResult<Vec<u8>> {
    let file = cache_file(dir, text);
    if let Ok(bytes) = tokio::fs::read(&file).await {
        return Ok(bytes);
    }
    tokio::fs::create_dir_all(dir).await.map_err(|e| ApiError::Internal(format!("voice cache {dir:?}: {e}")))?;
    // A unique temporary name, renamed into place: two displays asking at
    // once never read a half-written file.
    let tmp = file.with_extension(format!("{}.tmp", uuid::Uuid::now_v7()));
    let out = tokio::process::Command::new("espeak-ng")
        .args(["-v", VOICE, "-w"])
        .arg(&tmp)
        .arg(text)
        .output()
        .await
        .map_err(|e| ApiError::Internal(format!("espeak-ng could not run: {e}")))?;
    if !out.status.success() {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(ApiError::Internal(format!("espeak-ng failed: {}", String::from_utf8_lossy(&out.stderr))));
    }
    tokio::fs::rename(&tmp, &file).await.map_err(|e| ApiError::Internal(format!("voice cache: {e}")))?;
    let bytes = tokio::fs::read(&file).await.map_err(|e| ApiError::Internal(format!("voice cache: {e}")))?;
    let dir = dir.to_owned();
    // Pruning is housekeeping: it never fails the call.
    let _ = tokio::task::spawn_blocking(move || prune(&dir, CACHE_MAX_FILES)).await;
    Ok(bytes)
}

/// The most WAVs kept (~150 KB each): a busy hall's numbers of a few days.
const CACHE_MAX_FILES: usize = 3000;

/// Removes the oldest WAVs beyond `keep`, so the cache on an old PC's small
/// disk stays bounded.
fn prune(dir: &FsPath, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut wavs: Vec<_> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "wav"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if wavs.len() <= keep {
        return;
    }
    wavs.sort();
    for (_, path) in &wavs[..wavs.len() - keep] {
        let _ = std::fs::remove_file(path);
    }
}

fn cache_file(dir: &FsPath, text: &str) -> PathBuf {
    let digest = Sha256::digest(format!("{VOICE}\n{text}").as_bytes());
    let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{name}.wav"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phrase_spells_the_number_digit_by_digit() {
        assert_eq!(call_phrase("A012", 3), "请 A 0 1 2 号 到 3 号窗口");
    }

    #[test]
    fn the_cache_keeps_only_the_newest_files() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..5 {
            let f = dir.path().join(format!("{i}.wav"));
            std::fs::write(&f, b"x").unwrap();
            let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000 + i);
            std::fs::File::options().write(true).open(&f).unwrap().set_modified(t).unwrap();
        }
        prune(dir.path(), 2);
        let mut left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        left.sort();
        assert_eq!(left, ["3.wav", "4.wav"]);
    }

    #[test]
    fn each_text_has_its_own_cache_file() {
        let d = FsPath::new("/x");
        assert_ne!(cache_file(d, "a"), cache_file(d, "b"));
        assert_eq!(cache_file(d, "a"), cache_file(d, "a"));
    }
}
