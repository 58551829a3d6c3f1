//! Printing a hall window's page on a system printer without a dialog
//! (printer kind `html`: the kiosk's HTML ticket).
//!
//! A browser's `window.print()` opens the GTK print dialog, which is modal
//! and holds the WebKit web process that every HallQ window shares: the
//! display's clock stops and new calls stay unseen while it is open. So in
//! the desktop app no page ever gets that dialog: the kiosk page asks the
//! shell ([`crate::commands::print_html`]) and the shell prints the page as
//! it is laid out for print (its `@media print` ticket) with WebKit's
//! `PrintOperation::print` — the dialog-less path — on the printer this PC
//! chose (a CUPS queue by name), else the system's default printer; and a
//! `window.print()` from any hall page (an older hall server's kiosk, a
//! report) is caught by [`silence_dialog`] and printed the same way.
//!
//! Printing is asynchronous: WebKit renders the pages and hands them to the
//! printer system while every window keeps running; the answer comes from
//! its `finished` / `failed` signals. Linux only: WebView2 and WKWebView
//! print differently, and say so.

use std::time::Duration;

use tauri::{Runtime, WebviewWindow};

use crate::printing::PrintFailure;

/// How long a print may take before the page is told it failed (the job
/// may still come out: the printer system has it).
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The printer and paper of one silent print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// A system printer's name; `None` = the system's default printer.
    pub printer: Option<String>,
    /// Paper width in mm (58 or 80); `None` = the printer's own paper (a
    /// report on A4).
    pub paper: Option<u16>,
}

/// Prints `window`'s page on `target` without a dialog and waits for the
/// printer system to take it (or refuse it).
pub async fn print<R: Runtime>(window: &WebviewWindow<R>, target: Target) -> Result<(), PrintFailure> {
    #[cfg(target_os = "linux")]
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        window
            .with_webview(move |view| linux::print(&view.inner(), &target, tx))
            .map_err(|e| PrintFailure::html(format!("{e}")))?;
        match tokio::time::timeout(TIMEOUT, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(PrintFailure::html("the print was dropped".into())),
            Err(_) => Err(PrintFailure::html(format!("no answer from the printer system in {} s", TIMEOUT.as_secs()))),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (window, target);
        Err(PrintFailure::html_unsupported())
    }
}

/// Makes `window.print()` in `window` print silently on `target` (see the
/// module docs) instead of opening the modal print dialog.
pub fn silence_dialog<R: Runtime>(window: &WebviewWindow<R>, target: impl Fn() -> Target + Send + 'static) {
    #[cfg(target_os = "linux")]
    if let Err(error) = window.with_webview(move |view| linux::silence_dialog(&view.inner(), target)) {
        tracing::warn!(%error, "window.print() could not be redirected");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (window, target);
}

#[cfg(target_os = "linux")]
mod linux {
    use std::cell::RefCell;
    use std::rc::Rc;

    use webkit2gtk::{PrintOperation, PrintOperationExt, WebView, WebViewExt};

    use super::Target;
    use crate::printing::PrintFailure;

    type Answer = tokio::sync::oneshot::Sender<Result<(), PrintFailure>>;

    /// The GTK settings naming the printer, and the page: the ticket's
    /// paper width by 150 mm (a roll is cut where the ticket ends), 3 mm
    /// margins, or the printer's own page.
    fn configure(operation: &PrintOperation, target: &Target) {
        let settings = gtk::PrintSettings::new();
        if let Some(printer) = &target.printer {
            settings.set_printer(printer);
        }
        if let Some(mm) = target.paper {
            let page = gtk::PageSetup::new();
            let size = gtk::PaperSize::new_custom(
                &format!("hallq-{mm}"),
                &format!("{mm} mm"),
                f64::from(mm),
                150.0,
                gtk::Unit::Mm,
            );
            page.set_paper_size(&size);
            page.set_top_margin(3.0, gtk::Unit::Mm);
            page.set_bottom_margin(3.0, gtk::Unit::Mm);
            page.set_left_margin(3.0, gtk::Unit::Mm);
            page.set_right_margin(3.0, gtk::Unit::Mm);
            settings.set_paper_size(&size);
            operation.set_page_setup(&page);
        }
        operation.set_print_settings(&settings);
    }

    /// Starts the print; `answer` gets its outcome once WebKit says
    /// `finished` (after `failed`, if it failed). The operation keeps
    /// itself alive until then, and no longer.
    pub(super) fn print(view: &WebView, target: &Target, answer: Answer) {
        let operation = PrintOperation::new(view);
        configure(&operation, target);
        start(&operation, Some(answer));
    }

    fn start(operation: &PrintOperation, answer: Option<Answer>) {
        let failure: Rc<RefCell<Option<PrintFailure>>> = Rc::default();
        let held = Rc::new(RefCell::new(Some(operation.clone())));
        let answer = RefCell::new(answer);
        operation.connect_failed({
            let failure = failure.clone();
            move |_, error| {
                tracing::warn!(%error, "a silent print failed");
                let missing = error.kind::<webkit2gtk::PrintError>() == Some(webkit2gtk::PrintError::PrinterNotFound);
                *failure.borrow_mut() = Some(if missing {
                    PrintFailure::no_system_printer()
                } else {
                    PrintFailure::html(error.to_string())
                });
            }
        });
        operation.connect_finished(move |_| {
            let result = failure.borrow_mut().take().map_or(Ok(()), Err);
            if result.is_ok() {
                tracing::info!("a page was printed without a dialog");
            }
            if let Some(answer) = answer.borrow_mut().take() {
                let _ = answer.send(result);
            }
            held.borrow_mut().take();
        });
        operation.print();
    }

    pub(super) fn silence_dialog(view: &WebView, target: impl Fn() -> Target + 'static) {
        view.connect_print(move |_, operation| {
            tracing::info!("window.print(): printing without the dialog");
            configure(operation, &target());
            // After the page's window.print() has returned: WebKit waits for
            // this handler before the page goes on.
            let operation = operation.clone();
            webkit2gtk::glib::idle_add_local_once(move || start(&operation, None));
            true
        });
    }
}
