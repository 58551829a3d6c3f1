//! The permission matrix as data: terminal roles, permissions, and which
//! roles hold each permission. Pure: no request, no state.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a paired terminal (or a supervisor session) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 取号机: issues tickets, shows services and a ticket's position.
    Kiosk,
    /// 窗口: one counter's staff terminal.
    Counter,
    /// 叫号屏: the lobby display; reads only.
    Display,
    /// 评价器: one counter's rating pad.
    RatingPad,
    /// 值班长看板: the supervisor's board; reads everything about the hall.
    Board,
    /// 值班长: a supervisor's session; may do everything.
    Supervisor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] =
        [Self::Kiosk, Self::Counter, Self::Display, Self::RatingPad, Self::Board, Self::Supervisor];

    /// The snake_case name stored with the terminal and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Counter => "counter",
            Self::Display => "display",
            Self::RatingPad => "rating_pad",
            Self::Board => "board",
            Self::Supervisor => "supervisor",
        }
    }

    /// Parses [`Role::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles bound to one counter: they may only name that counter.
    pub fn has_counter(self) -> bool {
        matches!(self, Self::Counter | Self::RatingPad)
    }
}

/// Declares [`Permission`] and the matrix in one table: each permission,
/// its name (the OpenAPI scope) and the roles that hold it.
macro_rules! permissions {
    ($( $(#[doc = $doc:literal])* $name:ident = $s:literal: [$($role:ident),*]; )*) => {
        /// What a route needs. Each route has exactly one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Permission {
            /// Every permission, in matrix order.
            pub const ALL: &'static [Permission] = &[$(Self::$name),*];

            /// The name used as the route's OpenAPI security scope.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$name => $s),* }
            }

            /// The roles that hold it: the role matrix.
            pub fn roles(self) -> &'static [Role] {
                match self { $(Self::$name => &[$(Role::$role),*]),* }
            }
        }
    };
}

permissions! {
    /// No token needed: first-run setup, pairing, supervisor login, health, the API document.
    Public = "public": [Kiosk, Counter, Display, RatingPad, Board, Supervisor];
    /// Who am I (role, counter): every terminal.
    WhoAmI = "who_am_i": [Kiosk, Counter, Display, RatingPad, Board, Supervisor];
    /// The hall's name, day and notices: every terminal.
    ReadHall = "read_hall": [Kiosk, Counter, Display, RatingPad, Board, Supervisor];
    /// The live event stream: every terminal.
    Stream = "stream": [Kiosk, Counter, Display, RatingPad, Board, Supervisor];
    /// Services with waiting counts and estimated waits.
    ReadServices = "read_services": [Kiosk, Counter, Display, Board, Supervisor];
    /// A ticket's place in the queue (the kiosk's printed ticket, a counter's lookup).
    ReadTicketPosition = "read_ticket_position": [Kiosk, Counter, Board, Supervisor];
    /// The whole hall now: services and counters.
    ReadStatus = "read_status": [Counter, Display, Board, Supervisor];
    /// The last calls, for the display.
    ReadCalls = "read_calls": [Counter, Display, Board, Supervisor];
    /// The spoken call of a called ticket (a WAV), for the display.
    ReadVoice = "read_voice": [Display, Board, Supervisor];
    /// Every counter now.
    ReadCounters = "read_counters": [Counter, Display, Board, Supervisor];
    /// One counter now (a counter or rating pad: its own).
    ReadCounter = "read_counter": [Counter, RatingPad, Display, Board, Supervisor];
    /// The ticket a rating pad shows (its own counter).
    ReadRating = "read_rating": [RatingPad, Board, Supervisor];
    /// The waiting tickets, in queue order.
    ReadQueues = "read_queues": [Counter, Board, Supervisor];
    /// Today's tickets and any one ticket.
    ReadTickets = "read_tickets": [Counter, Board, Supervisor];
    /// One counter's figures today (a counter: its own).
    ReadCounterKpis = "read_counter_kpis": [Counter, Board, Supervisor];
    /// KPI reports for any range.
    ReadKpis = "read_kpis": [Board, Supervisor];
    /// Follow-ups of low ratings.
    ReadFollowUps = "read_follow_ups": [Board, Supervisor];
    /// Close a follow-up, saying what was done.
    CloseFollowUp = "close_follow_up": [Supervisor];
    /// Cases (工单) and the commitment catalogue (a counter: its staff
    /// member's own cases).
    ReadCases = "read_cases": [Counter, Board, Supervisor];
    /// Open cases and work them (a counter: its staff member's own).
    WorkCases = "work_cases": [Counter, Supervisor];
    /// The hall's configuration: services, counters, staff.
    ReadSettings = "read_settings": [Board, Supervisor];
    /// Take a ticket.
    IssueTicket = "issue_ticket": [Kiosk, Supervisor];
    /// Call, recall, no-show, start, finish, transfer (a counter: its own, with staff logged in).
    ServeQueue = "serve_queue": [Counter, Supervisor];
    /// Open, pause, resume, close a counter (a counter: its own).
    OperateCounter = "operate_counter": [Counter, Supervisor];
    /// Staff log in and out at a counter (a counter: its own).
    StaffSession = "staff_session": [Counter, Supervisor];
    /// Rate the transaction just finished (a rating pad: at its own counter).
    Rate = "rate": [RatingPad, Supervisor];
    /// Withdraw a waiting ticket.
    CancelTicket = "cancel_ticket": [Supervisor];
    /// Change the hall, services, counters, staff and PINs.
    ChangeSettings = "change_settings": [Supervisor];
    /// Pairing codes, the terminal list, revoking tokens.
    ManageTerminals = "manage_terminals": [Supervisor];
    /// End one's own supervisor session.
    EndSession = "end_session": [Supervisor];
    /// Kiosk printers and their status (a kiosk: its own).
    ReadPrinters = "read_printers": [Kiosk, Board, Supervisor];
    /// Print jobs and their bytes (a kiosk: its own, printed by its page).
    ReadPrintJobs = "read_print_jobs": [Kiosk, Board, Supervisor];
    /// Report what the kiosk page's printing did (a kiosk: its own jobs).
    ReportPrint = "report_print": [Kiosk, Supervisor];
    /// Print a ticket again (the counter's and the board's Reprint).
    ReprintTicket = "reprint_ticket": [Counter, Board, Supervisor];
    /// Cancel a pending print job.
    CancelPrintJob = "cancel_print_job": [Board, Supervisor];
    /// Set a kiosk's printer; test-print.
    ChangePrinters = "change_printers": [Supervisor];
}

impl Permission {
    /// Parses [`Permission::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// Whether a role holds this permission.
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_a_unique_name_and_at_least_the_supervisor() {
        let mut names = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert!(names.insert(p.as_str()), "{p:?}");
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
            assert!(p.allows(Role::Supervisor), "the supervisor may do everything: {p:?}");
        }
    }

    #[test]
    fn the_matrix_says_what_the_design_says() {
        use Permission as P;
        use Role as R;
        // A kiosk issues and reads what the kiosk shows; nothing else.
        let kiosk: Vec<_> = Permission::ALL.iter().filter(|p| p.allows(R::Kiosk)).copied().collect();
        assert_eq!(
            kiosk,
            [
                P::Public,
                P::WhoAmI,
                P::ReadHall,
                P::Stream,
                P::ReadServices,
                P::ReadTicketPosition,
                P::IssueTicket,
                P::ReadPrinters,
                P::ReadPrintJobs,
                P::ReportPrint
            ]
        );
        // A display only reads.
        for p in Permission::ALL.iter().filter(|p| p.allows(R::Display)) {
            assert!(p.as_str().starts_with("read_") || matches!(p, P::Public | P::WhoAmI | P::Stream), "{p:?}");
        }
        // A board reads everything readable and changes nothing but print
        // jobs: it reprints and cancels them (the printer alerts are there).
        for p in Permission::ALL {
            let reads = p.as_str().starts_with("read_") || matches!(p, P::Public | P::WhoAmI | P::Stream);
            let prints = matches!(p, P::ReprintTicket | P::CancelPrintJob);
            assert_eq!(p.allows(R::Board), reads || prints, "{p:?}");
        }
        // Only the supervisor changes settings, pairs terminals, cancels.
        for p in [P::ChangeSettings, P::ManageTerminals, P::CancelTicket, P::EndSession, P::ChangePrinters] {
            assert_eq!(p.roles(), [R::Supervisor]);
        }
        // A counter may not rate its own work.
        assert!(!P::Rate.allows(R::Counter));
    }
}
