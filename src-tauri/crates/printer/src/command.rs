//! The ESC/POS commands a ticket needs, as named byte sequences.
//!
//! Written by hand rather than taken from the `escpos` crate: that crate's
//! text path encodes through single-byte code pages and its output goes
//! through a driver, while a ticket needs GB18030 text after `FS &` and
//! [`crate::render`] must be a pure function returning bytes. The handful of
//! commands below is all a ticket uses.

/// `ESC @`: initialise the printer (clears modes left by a previous job).
pub const INIT: &[u8] = &[0x1B, 0x40];
/// `FS &`: enter Chinese (double-byte) character mode.
pub const CHINESE_MODE: &[u8] = &[0x1C, 0x26];
/// `ESC a 0`: left-justify the following lines.
pub const ALIGN_LEFT: &[u8] = &[0x1B, 0x61, 0x00];
/// `ESC a 1`: centre the following lines.
pub const ALIGN_CENTER: &[u8] = &[0x1B, 0x61, 0x01];
/// `GS ! 0x11`: double width and double height characters.
pub const SIZE_DOUBLE: &[u8] = &[0x1D, 0x21, 0x11];
/// `GS ! 0x00`: normal character size.
pub const SIZE_NORMAL: &[u8] = &[0x1D, 0x21, 0x00];
/// Line feed: prints the buffered line.
pub const LF: u8 = 0x0A;
/// `ESC d 4`: print and feed four lines, so the cut clears the last text.
pub const FEED_LINES: &[u8] = &[0x1B, 0x64, 0x04];
/// `GS V 66 0`: feed to the cutter position and cut (partial cut).
pub const CUT: &[u8] = &[0x1D, 0x56, 0x42, 0x00];

/// `GS ( k` prefix shared by every QR code function.
pub const QR_PREFIX: &[u8] = &[0x1D, 0x28, 0x6B];
/// QR function 165: select model 2 (the model phones read).
pub const QR_MODEL_2: &[u8] = &[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00];
/// QR function 169: error correction level M (15 %).
pub const QR_ERROR_M: &[u8] = &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31];
/// QR function 181: print the stored symbol.
pub const QR_PRINT: &[u8] = &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30];

/// `DLE EOT n`: real-time status request; the printer answers one byte.
pub const DLE_EOT: [u8; 2] = [0x10, 0x04];
/// `n` for [`DLE_EOT`]: printer status (bit 3 = offline).
pub const STATUS_PRINTER: u8 = 1;
/// `n` for [`DLE_EOT`]: offline cause (bit 2 = cover open, bit 5 = paper end stop).
pub const STATUS_OFFLINE_CAUSE: u8 = 2;
/// `n` for [`DLE_EOT`]: roll paper sensor (bits 2-3 = near end, bits 5-6 = out).
pub const STATUS_PAPER: u8 = 4;
/// `GS r 1`: paper sensor status, answered in turn with the print buffer by
/// printers that do not answer `DLE EOT` (bits 0-1 = near end, bits 2-3 = out).
pub const GS_R_PAPER: &[u8] = &[0x1D, 0x72, 0x01];

/// QR function 167: module size `dots` (1-16).
pub fn qr_module_size(dots: u8) -> [u8; 8] {
    [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, dots]
}

/// QR function 180: store `data` in the symbol storage area.
///
/// The length field counts the data plus the three bytes `cn fn m`.
pub fn qr_store(data: &[u8]) -> Vec<u8> {
    let len = data.len() + 3;
    let mut out = Vec::with_capacity(len + 5);
    out.extend_from_slice(QR_PREFIX);
    out.push((len % 256) as u8);
    out.push((len / 256) as u8);
    out.extend_from_slice(&[0x31, 0x50, 0x30]);
    out.extend_from_slice(data);
    out
}
