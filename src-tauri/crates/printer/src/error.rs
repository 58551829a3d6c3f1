//! `PrintError`: why a ticket did not reach the paper, in Chinese and English.
//!
//! The kiosk shows `message_zh` / `message_en` to staff and keys its reaction
//! (retry, alert) on `code`, never on the text.

use std::io;

use crate::printer::PrinterStatus;

/// A print job or status query that failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The printer could not be reached (refused, unreachable, timed out,
    /// device file missing or not writable).
    #[error("{} / {}: {source}", connect_zh(.target, .source), connect_en(.target, .source))]
    Connect {
        /// The host:port or device path.
        target: String,
        /// The underlying IO error.
        source: io::Error,
    },
    /// The connection was open but the bytes could not all be written.
    #[error("打印数据发送失败 {target} / Sending to the printer {target} failed: {source}")]
    Write {
        /// The host:port or device path.
        target: String,
        /// The underlying IO error.
        source: io::Error,
    },
    /// The printer did not answer a status request (DLE EOT) in time.
    #[error("打印机未回应状态查询 {target} / The printer {target} did not answer the status request: {source}")]
    Status {
        /// The host:port or device path.
        target: String,
        /// The underlying IO error.
        source: io::Error,
    },
    /// The printer answered that it cannot print now (no paper, cover open,
    /// offline); nothing was sent.
    #[error("{} / {}", not_ready_zh(.target, .status), not_ready_en(.target, .status))]
    NotReady {
        /// The host:port or port.
        target: String,
        /// What the printer reported.
        status: PrinterStatus,
    },
    /// The transport is write-only (a device file), so status cannot be read.
    #[error("此连接方式无法读取打印机状态 {target} / Printer status cannot be read over {target}")]
    StatusUnsupported {
        /// The device path.
        target: String,
    },
}

impl PrintError {
    /// A stable code the UI can classify without matching strings.
    pub fn code(&self) -> &'static str {
        match self {
            PrintError::Connect { source, .. } if source.kind() == io::ErrorKind::PermissionDenied => {
                "printer_permission_denied"
            }
            PrintError::Connect { .. } => "printer_unreachable",
            PrintError::Write { .. } => "printer_write_failed",
            PrintError::Status { .. } => "printer_status_failed",
            PrintError::StatusUnsupported { .. } => "printer_status_unsupported",
            PrintError::NotReady { status, .. } => match status.state() {
                "cover_open" => "printer_cover_open",
                "paper_out" => "printer_paper_out",
                _ => "printer_offline",
            },
        }
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            PrintError::Connect { target, source } => connect_zh(target, source),
            PrintError::Write { target, .. } => format!("打印数据发送失败 {target}"),
            PrintError::Status { target, .. } => format!("打印机未回应状态查询 {target}"),
            PrintError::StatusUnsupported { target } => {
                format!("此连接方式无法读取打印机状态 {target}")
            }
            PrintError::NotReady { target, status } => not_ready_zh(target, status),
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            PrintError::Connect { target, source } => connect_en(target, source),
            PrintError::Write { target, .. } => format!("Sending to the printer {target} failed"),
            PrintError::Status { target, .. } => {
                format!("The printer {target} did not answer the status request")
            }
            PrintError::StatusUnsupported { target } => {
                format!("Printer status cannot be read over {target}")
            }
            PrintError::NotReady { target, status } => not_ready_en(target, status),
        }
    }
}

// On Linux `/dev/usb/lp0` and serial ports belong to the groups lp and
// dialout: the most common "printer not found" is a user outside them.
fn connect_zh(target: &str, source: &io::Error) -> String {
    if source.kind() == io::ErrorKind::PermissionDenied {
        format!("没有权限使用打印机 {target}：请把运行本程序的用户加入 lp 组（串口为 dialout 组），再重新登录")
    } else {
        format!("无法连接打印机 {target}")
    }
}

fn connect_en(target: &str, source: &io::Error) -> String {
    if source.kind() == io::ErrorKind::PermissionDenied {
        format!(
            "No permission to use the printer {target}: add the user running HallQ to the lp group \
             (dialout for a serial port) and log in again"
        )
    } else {
        format!("Cannot reach the printer {target}")
    }
}

fn not_ready_zh(target: &str, status: &PrinterStatus) -> String {
    match status.state() {
        "cover_open" => format!("打印机盖未合上 {target}"),
        "paper_out" => format!("打印机缺纸 {target}"),
        _ => format!("打印机离线 {target}"),
    }
}

fn not_ready_en(target: &str, status: &PrinterStatus) -> String {
    match status.state() {
        "cover_open" => format!("The printer cover is open ({target})"),
        "paper_out" => format!("The printer is out of paper ({target})"),
        _ => format!("The printer is offline ({target})"),
    }
}
