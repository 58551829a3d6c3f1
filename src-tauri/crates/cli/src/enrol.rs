//! `hallq enrol`: links the hall to the bureau's centre. It sends the
//! centre's one-time code with the hall's id, code, name and settings
//! (`POST /central/v1/enrol`) and records the centre's URL and the key it
//! answers in the hall's database; the hall server's forwarder then pushes
//! the log (`hallq_server::forward`). Nothing is recorded unless the centre
//! enrolled the hall. `--forget` removes the link (the key stays valid at
//! the centre until the bureau revokes it).

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use hallq_central::enrol::{EnrolRequest, Enrolled};
use hallq_server::ErrorBody;
use hallq_server::forward::central_url;

use crate::error::CliError;
use crate::hall::open_existing;
use crate::init::now_ms;
use crate::output::outln;

/// `hallq enrol` flags.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["central", "forget"])))]
pub struct EnrolArgs {
    /// 中心地址，如 https://bureau.example:8791 / the centre's address, e.g. https://bureau.example:8791
    #[arg(long, value_name = "URL", requires = "code")]
    central: Option<String>,
    /// 县公司给的一次性注册码 / the one-time enrolment code from the bureau
    #[arg(long, value_name = "CODE")]
    code: Option<String>,
    /// 解除与中心的关联（中心的密钥在吊销前仍有效）/ remove the link to the centre (its key stays valid there until revoked)
    #[arg(long, conflicts_with_all = ["central", "code"])]
    forget: bool,
}

/// Runs `hallq enrol`.
pub fn run(db: &Path, hall: Option<&str>, a: &EnrolArgs) -> Result<()> {
    let store = open_existing(db)?;
    let hall = store.resolve_hall(hall)?;
    if a.forget {
        if store.forget_central_link(hall.id)? {
            outln!("已解除 {} 与中心的关联 / {} is no longer linked to a centre", hall.code, hall.code)?;
        } else {
            outln!("{} 未关联中心 / {} was not linked to a centre", hall.code, hall.code)?;
        }
        return Ok(());
    }
    let (Some(url), Some(code)) = (a.central.as_deref(), a.code.as_deref()) else {
        unreachable!("clap requires --central with --code, or --forget");
    };
    let url = central_url(url).map_err(|(zh, en)| CliError::input(zh, en))?;
    let request = EnrolRequest::of(code, &store.hall_settings(hall.id)?);
    let enrolled = post(&url, &request)?;
    if enrolled.hall_id != hall.id {
        return Err(CliError::failure(
            format!("中心注册了另一个营业厅（{}），未记录", enrolled.hall_id),
            format!("the centre enrolled another hall ({}); nothing recorded", enrolled.hall_id),
        )
        .into());
    }
    store.set_central_link(hall.id, &url, &enrolled.key, now_ms())?;
    outln!(
        "{} 已在中心 {url} 注册；营业厅服务运行时自动上传事件 / {} enrolled at {url}; the hall server forwards its events while it runs",
        hall.code,
        hall.code
    )?;
    Ok(())
}

/// Sends the enrolment and reads the key, on a runtime of its own.
fn post(url: &str, request: &EnrolRequest) -> Result<Enrolled> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let response = http.post(format!("{url}/central/v1/enrol")).json(request).send().await.map_err(|e| {
            CliError::failure(format!("无法连接中心 {url}（{e}）"), format!("cannot reach the centre at {url} ({e})"))
        })?;
        let status = response.status();
        let body = response.bytes().await?;
        if status.is_success() {
            return serde_json::from_slice::<Enrolled>(&body).map_err(|e| {
                CliError::failure(
                    format!("{url} 的答复不是中心的注册答复（{e}）"),
                    format!("the answer of {url} is not a centre's enrolment ({e})"),
                )
                .into()
            });
        }
        Err(match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(refused) => CliError::input(
                format!("中心拒绝注册：{}", refused.message_zh),
                format!("the centre refused the enrolment: {}", refused.message_en),
            ),
            Err(_) => CliError::failure(
                format!("{url} 答复 HTTP {status}，不像中心"),
                format!("{url} answered HTTP {status}; it does not look like a centre"),
            ),
        }
        .into())
    })
}
