//! The OpenAPI 3 document's frame: title, the bearer-token scheme, shared
//! schemas and tags. The paths themselves come from each handler's
//! `#[utoipa::path]`, collected by the route modules' routers, so the
//! document is generated from the same code that serves it.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;
use crate::routes::stream::StreamMessage;

/// The name of the security scheme; each route's scope under it is the
/// route's [`crate::auth::Permission`].
pub const TOKEN_SCHEME: &str = "token";

/// The document's frame.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "HallQ hall server",
        description = "REST and WebSocket API of a HallQ hall (营业厅排队叫号). \
            Every route names its permission as the scope of the `token` security \
            requirement; routes with an empty requirement are public. Errors are \
            `{code, message_zh, message_en}` with a 4xx status. Commands accept an \
            `Idempotency-Key` header: the same key acts once and returns the first answer."
    ),
    modifiers(&TokenScheme),
    components(schemas(StreamMessage, ErrorBody)),
    tags(
        (name = "meta", description = "Health and this document"),
        (name = "session", description = "First-run setup, supervisor sessions"),
        (name = "terminals", description = "Pairing and revoking terminals"),
        (name = "hall", description = "The hall now: services, counters, calls, queues"),
        (name = "tickets", description = "Issuing, finding and cancelling tickets"),
        (name = "counters", description = "Counter state and staff log-in"),
        (name = "serving", description = "Call, recall, no-show, start, finish, transfer"),
        (name = "rating", description = "The rating pad"),
        (name = "kpis", description = "Responsiveness KPIs"),
        (name = "follow-ups", description = "Follow-ups of low ratings (回访)"),
        (name = "cases", description = "Commitments (承诺时限): cases (工单), the catalogue and the working-day calendar"),
        (name = "settings", description = "Hall, services, counters, staff"),
        (name = "stream", description = "The live event stream (WebSocket)"),
        (name = "printing", description = "Kiosk printers, print jobs, reprints"),
        (name = "live", description = "The customer's live ticket page (public)"),
    )
)]
pub struct ApiDoc;

struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            TOKEN_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A terminal's token from pairing, or a supervisor session's; \
                         the WebSocket stream also takes it as `?token=`.",
                    ))
                    .build(),
            ),
        );
    }
}
