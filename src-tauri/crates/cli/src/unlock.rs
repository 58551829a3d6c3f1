//! `hallq unlock --staff N`: lifts a staff number's PIN lock, on the hall PC.
//!
//! Five wrong PINs lock a staff number for five minutes, and anyone on the
//! LAN can type five wrong PINs. Whoever can run `hallq` on the hall PC
//! holds the database anyway, so this is the supervisor's way back in while
//! someone keeps locking their number. Through the store, like every change.

use std::path::Path;

use anyhow::Result;

use crate::hall::HallDb;
use crate::init::now_ms;
use crate::output::outln;

/// `hallq unlock` flags.
#[derive(Debug, clap::Args)]
pub struct UnlockArgs {
    /// 工号 / the staff number to unlock
    #[arg(long, value_name = "N")]
    staff: String,
}

/// Runs `hallq unlock`.
pub fn run(db: &Path, hall: Option<&str>, a: &UnlockArgs) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let staff = a.staff.trim();
    if h.store.unlock_staff(h.hall.id, staff, now_ms())? {
        outln!("工号 {staff} 已解锁，可以重新输入 PIN / staff {staff} is unlocked and may enter the PIN again")?;
    } else {
        outln!("工号 {staff} 未被锁定，已清除其输错次数 / staff {staff} was not locked; its wrong tries were cleared")?;
    }
    Ok(())
}
