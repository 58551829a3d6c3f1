//! A counter (窗口): the services it serves, how it picks the next ticket,
//! and its live state (open, paused, who is logged in, the current ticket).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{CoreError, Millis, text};

/// Which waiting ticket a counter calls among equals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RoutingOrderDto))]
pub enum RoutingOrder {
    /// The oldest ticket across all the counter's services.
    #[default]
    Fifo,
    /// The counter's first service before its second, and so on.
    Ordered,
}

/// How a counter chooses the next ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RoutingDto))]
pub struct RoutingPolicy {
    /// Order among tickets of the same tier.
    pub order: RoutingOrder,
    /// At most this many priority tickets in a row while normal tickets
    /// wait; `None` means priority tickets always go first.
    pub max_priority_in_row: Option<u8>,
}

/// Whether a counter takes customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CounterStatusDto))]
pub enum CounterStatus {
    /// Not taking customers.
    #[default]
    Closed,
    /// Taking customers (idle or serving).
    Open,
    /// Temporarily not taking customers, with a reason.
    Paused,
}

impl CounterStatus {
    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::Paused => "paused",
        }
    }

    /// Parses [`CounterStatus::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Closed, Self::Open, Self::Paused].into_iter().find(|c| c.as_str() == s)
    }
}

/// A counter with its configuration and its live state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// Counter number, shown on the display (“3 号窗口”).
    pub number: u32,
    /// Name, e.g. “3号窗口 综合”.
    pub name: String,
    /// English name, e.g. “Counter 3 General”; empty when not given
    /// (English pages then say “Counter 3”: [`Counter::english_name`]).
    #[serde(default)]
    pub name_en: String,
    /// Service codes it serves, in preference order.
    pub services: Vec<String>,
    /// How it calls the next ticket.
    pub policy: RoutingPolicy,
    /// Open, paused or closed.
    pub status: CounterStatus,
    /// Why it is paused.
    pub pause_reason: Option<String>,
    /// Who is logged in.
    pub staff: Option<String>,
    /// The ticket called to or served at this counter.
    pub current: Option<Uuid>,
    /// Priority tickets called in a row by Call next.
    pub priority_streak: u8,
    /// When the status last changed.
    pub status_since: Millis,
}

/// The configurable part of a counter (what `DefineCounter` carries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterConfig {
    /// Counter number.
    pub number: u32,
    /// Name.
    pub name: String,
    /// English name; empty when not given (events before it had none).
    #[serde(default)]
    pub name_en: String,
    /// Service codes in preference order.
    pub services: Vec<String>,
    /// Routing policy.
    pub policy: RoutingPolicy,
}

impl Counter {
    /// A closed counter with nobody logged in.
    pub fn new(number: u32, name: impl Into<String>, services: Vec<String>, policy: RoutingPolicy) -> Self {
        Self {
            number,
            name: name.into(),
            name_en: String::new(),
            services,
            policy,
            status: CounterStatus::Closed,
            pause_reason: None,
            staff: None,
            current: None,
            priority_streak: 0,
            status_since: 0,
        }
    }

    /// The same counter with an English name.
    #[must_use]
    pub fn with_name_en(mut self, name_en: impl Into<String>) -> Self {
        self.name_en = name_en.into();
        self
    }

    /// What English pages call it: its English name, or “Counter 3”.
    pub fn english_name(&self) -> String {
        english_name(self.number, &self.name_en)
    }

    /// Its configurable part.
    pub fn config(&self) -> CounterConfig {
        CounterConfig {
            number: self.number,
            name: self.name.clone(),
            name_en: self.name_en.clone(),
            services: self.services.clone(),
            policy: self.policy,
        }
    }

    /// The state shown on the board: `serving` when it has a current ticket.
    pub fn state_name(&self) -> &'static str {
        match (self.status, self.current) {
            (CounterStatus::Open, Some(_)) => "serving",
            (s, _) => s.as_str(),
        }
    }
}

/// A counter's English name, or “Counter 3” when it has none.
pub fn english_name(number: u32, name_en: &str) -> String {
    if name_en.trim().is_empty() { format!("Counter {number}") } else { name_en.to_string() }
}

impl CounterConfig {
    /// Checks the fields (that its services exist is the hall's check).
    pub fn validate(&self) -> Result<(), CoreError> {
        if !(1..=999).contains(&self.number) {
            return Err(CoreError::config("窗口号须在 1–999 之间", "counter number must be 1-999"));
        }
        text::check(&text::COUNTER_NAME, &self.name)?;
        if !self.name_en.is_empty() {
            text::check(&text::COUNTER_NAME_EN, &self.name_en)?;
        }
        if self.services.is_empty() {
            return Err(CoreError::config("窗口至少要办理一项业务", "a counter must serve at least one service"));
        }
        let mut seen = std::collections::HashSet::new();
        if !self.services.iter().all(|s| seen.insert(s)) {
            return Err(CoreError::config("窗口的业务列表有重复", "a counter's service list has duplicates"));
        }
        if self.policy.max_priority_in_row == Some(0) {
            return Err(CoreError::config(
                "连续优先号上限须至少为 1（不限制请留空）",
                "max priority tickets in a row must be at least 1 (leave it empty for no limit)",
            ));
        }
        Ok(())
    }
}
