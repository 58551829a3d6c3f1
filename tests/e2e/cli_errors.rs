//! How `hallq` treats command lines it cannot act on: help is shown and
//! succeeds; an unknown subcommand is refused with a non-zero exit and a
//! message naming it. Database-level errors belong with their subcommand's
//! tests, not here.

use hallq_e2e::hallq;

#[test]
fn help_succeeds_and_lists_the_subcommands() {
    let out = hallq(&["--help"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "hallq --help failed: {out:?}");
    assert!(stdout.contains("init"), "help does not list `init`:\n{stdout}");
}

#[test]
fn unknown_subcommand_fails_and_names_it() {
    let out = hallq(&["frobnicate"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "hallq frobnicate succeeded: {out:?}");
    assert!(out.status.code().is_some(), "hallq frobnicate crashed: {out:?}");
    assert!(stderr.contains("frobnicate"), "the error does not name the subcommand:\n{stderr}");
}
