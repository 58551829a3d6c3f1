//! Free text people type: names (hall, service, counter, staff), the
//! hall's notices, a pause's reason, a follow-up's note, an appointment
//! number. One rule for all of them, so no field is looser than another.
//!
//! The text is trimmed; what is left must not be blank — nor only
//! invisible characters (zero-width spaces, joiners, the BOM), which would
//! show an empty name on a screen or a printed ticket — nor hold a control
//! character (NUL, CR, LF, ESC …: a NUL cuts strings in C code, CR/LF
//! forge lines in logs, CSV and printed tickets, and ESC is a printer
//! command) or a bidirectional override or isolate (U+202A–U+202E,
//! U+2066–U+2069), which makes a name read backwards on the screen and in
//! the reports. Each field has its most characters (Unicode scalar
//! values). A multi-line field (a note) may hold line feeds.
//!
//! Pure: it only looks at the string.

use crate::CoreError;

/// One free-text field: its name in both languages and its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextField {
    /// The field's name in Chinese, for the message.
    pub zh: &'static str,
    /// The field's name in English, for the message.
    pub en: &'static str,
    /// Most characters after trimming.
    pub max_chars: usize,
    /// Whether line feeds are allowed (a note); never in a name.
    pub multiline: bool,
}

impl TextField {
    const fn line(zh: &'static str, en: &'static str, max_chars: usize) -> Self {
        Self { zh, en, max_chars, multiline: false }
    }
}

/// A hall's name.
pub const HALL_NAME: TextField = TextField::line("营业厅名称", "hall name", 64);
/// One of the hall's notices on the display.
pub const NOTICE: TextField = TextField::line("公告", "notice", 200);
/// A service's Chinese name.
pub const SERVICE_NAME_ZH: TextField = TextField::line("业务中文名称", "service's Chinese name", 32);
/// A service's English name.
pub const SERVICE_NAME_EN: TextField = TextField::line("业务英文名称", "service's English name", 64);
/// A counter's name.
pub const COUNTER_NAME: TextField = TextField::line("窗口名称", "counter name", 32);
/// A counter's English name.
pub const COUNTER_NAME_EN: TextField = TextField::line("窗口英文名称", "counter's English name", 64);
/// A staff member's name.
pub const STAFF_NAME: TextField = TextField::line("员工姓名", "staff name", 32);
/// A team's (班组) name.
pub const TEAM_NAME: TextField = TextField::line("班组名称", "team name", 32);
/// Why a counter pauses.
pub const PAUSE_REASON: TextField = TextField::line("暂停原因", "pause reason", 64);
/// What was done about a low rating.
pub const FOLLOW_UP_NOTE: TextField =
    TextField { zh: "回访处理情况", en: "follow-up note", max_chars: 500, multiline: true };
/// A case type's (or stage's) Chinese name.
pub const CASE_TYPE_NAME_ZH: TextField = TextField::line("工单类型中文名称", "case type's Chinese name", 32);
/// A case type's (or stage's) English name.
pub const CASE_TYPE_NAME_EN: TextField = TextField::line("工单类型英文名称", "case type's English name", 64);
/// A case's customer reference (application or account number).
pub const CUSTOMER_REF: TextField = TextField::line("客户编号", "customer reference", 32);
/// What a customer asked for, or what was done about a case.
pub const CASE_NOTE: TextField = TextField { zh: "工单说明", en: "case note", max_chars: 500, multiline: true };
/// Why a case is put on hold.
pub const HOLD_REASON: TextField = TextField::line("挂起原因", "hold reason", 64);
/// A booked appointment's number.
pub const APPOINTMENT: TextField = TextField::line("预约号", "appointment number", 32);
/// A terminal's name (a kiosk, a counter's PC).
pub const TERMINAL_NAME: TextField = TextField::line("终端名称", "terminal name", 64);

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Nothing visible is left after trimming.
    Blank,
    /// Longer than the field's limit.
    TooLong {
        /// The limit, characters.
        max: usize,
    },
    /// A control character (NUL, CR, LF, ESC, …).
    Control,
    /// A bidirectional override or isolate.
    BidiOverride,
}

impl TextProblem {
    /// What is wrong, in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::Blank => "不能为空".into(),
            Self::TooLong { max } => format!("不能超过 {max} 个字"),
            Self::Control => "不能含控制字符（如换行、NUL）".into(),
            Self::BidiOverride => "不能含文字方向控制符（U+202A–U+202E、U+2066–U+2069）".into(),
        }
    }

    /// What is wrong, in English.
    pub fn en(&self) -> String {
        match self {
            Self::Blank => "must not be blank".into(),
            Self::TooLong { max } => format!("must be at most {max} characters"),
            Self::Control => "must not contain control characters (line breaks, NUL, …)".into(),
            Self::BidiOverride => "must not contain bidirectional overrides (U+202A–U+202E, U+2066–U+2069)".into(),
        }
    }
}

/// Checks `value` against `field`'s rule; the trimmed text when it passes.
pub fn check<'a>(field: &TextField, value: &'a str) -> Result<&'a str, CoreError> {
    let text = value.trim();
    let refuse = |problem| Err(CoreError::InvalidText { field_zh: field.zh, field_en: field.en, problem });
    let allowed = |c: char| field.multiline && c == '\n';
    if let Some(c) = text.chars().find(|c| (c.is_control() && !allowed(*c)) || is_bidi_override(*c)) {
        return refuse(if is_bidi_override(c) { TextProblem::BidiOverride } else { TextProblem::Control });
    }
    if text.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return refuse(TextProblem::Blank);
    }
    if text.chars().count() > field.max_chars {
        return refuse(TextProblem::TooLong { max: field.max_chars });
    }
    Ok(text)
}

/// Checks an optional field: absent passes; present follows [`check`].
pub fn check_opt<'a>(field: &TextField, value: Option<&'a str>) -> Result<Option<&'a str>, CoreError> {
    value.map(|v| check(field, v)).transpose()
}

/// Embedding and override controls (LRE, RLE, PDF, LRO, RLO) and the
/// isolates (LRI, RLI, FSI, PDI).
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that take no room: a name made of them alone looks blank.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass_trimmed() {
        assert_eq!(check(&HALL_NAME, "  城关供电所  "), Ok("城关供电所"));
        assert_eq!(check(&SERVICE_NAME_EN, "Bill payment"), Ok("Bill payment"));
        // A zero-width joiner inside a name is part of it (emoji, Indic scripts).
        assert_eq!(check(&STAFF_NAME, "王\u{200D}芳"), Ok("王\u{200D}芳"));
        assert_eq!(check(&FOLLOW_UP_NOTE, "已回电\n客户满意"), Ok("已回电\n客户满意"));
        assert!(check(&FOLLOW_UP_NOTE, "已回电\n客户\0满意").is_err(), "a NUL after a line feed");
        assert_eq!(check(&COUNTER_NAME, &"窗".repeat(32)), Ok("窗".repeat(32).as_str()));
    }

    #[test]
    fn control_bidi_blank_and_long_text_is_refused_in_two_languages() {
        let cases: [(&TextField, String, TextProblem); 12] = [
            (&HALL_NAME, "城关\0所".into(), TextProblem::Control),
            (&HALL_NAME, "城关\r\n所".into(), TextProblem::Control),
            (&COUNTER_NAME, "1号\u{1b}[2J".into(), TextProblem::Control),
            (&STAFF_NAME, "王\u{202E}芳".into(), TextProblem::BidiOverride),
            (&SERVICE_NAME_ZH, "缴费\u{2066}".into(), TextProblem::BidiOverride),
            (&NOTICE, "a\u{2069}".into(), TextProblem::BidiOverride),
            (&STAFF_NAME, "   ".into(), TextProblem::Blank),
            (&STAFF_NAME, "\u{200B}\u{200B}".into(), TextProblem::Blank),
            (&HALL_NAME, "\u{FEFF}\u{2060} \u{200C}".into(), TextProblem::Blank),
            (&APPOINTMENT, "Y".repeat(10_000), TextProblem::TooLong { max: 32 }),
            (&COUNTER_NAME, "窗".repeat(33), TextProblem::TooLong { max: 32 }),
            (&PAUSE_REASON, "午休\n".repeat(2), TextProblem::Control),
        ];
        for (field, value, problem) in cases {
            let e = check(field, &value).unwrap_err();
            assert_eq!(e, CoreError::InvalidText { field_zh: field.zh, field_en: field.en, problem }, "{value:?}");
            assert_eq!(e.code(), "invalid_text");
            assert!(e.message_zh().contains(field.zh) && e.message_en().contains(field.en), "{e}");
        }
    }

    #[test]
    fn an_absent_optional_field_passes() {
        assert_eq!(check_opt(&APPOINTMENT, None), Ok(None));
        assert_eq!(check_opt(&APPOINTMENT, Some(" YY-1 ")), Ok(Some("YY-1")));
        assert!(check_opt(&APPOINTMENT, Some("")).is_err());
    }
}
