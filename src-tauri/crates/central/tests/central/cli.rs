//! The `hallq central` command line: a code made by `hallq central code`
//! enrols, `revoke` ends the key, `import` stores a file; plain HTTP on an
//! address other than loopback is refused bilingually, and with a
//! certificate the centre speaks HTTPS.

use std::process::{Command, Output};
use std::sync::Arc;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::support::{Centre, DemoHall, assert_log, assert_refused, hallq_bin, start_centre};

fn central(args: &[&str]) -> Output {
    Command::new(hallq_bin())
        .arg("central")
        .args(args)
        .env_remove("HALLQ_POSTGRES")
        .output()
        .expect("run hallq central")
}

fn stdout_ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_command_line_makes_codes_revokes_keys_and_imports_files() {
    let hall = DemoHall::new("TS01", 1, 4);
    let file = hall.export("ts01.hqx");
    let (header, events) = hall.log();
    let centre = Centre::start().await;

    let shown = stdout_ok(&central(&["--postgres", &centre.url, "code", "--hall-code", "TS01", "--county", "罗阳县"]));
    assert!(shown.contains("注册码") && shown.contains("enrolment code"), "{shown}");
    let code = shown.lines().last().unwrap().trim();
    assert_eq!(code.len(), 14, "{shown}");
    let (status, body) = centre.enrol_raw(code, &header).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let key = body["key"].as_str().unwrap().to_string();

    let imported = stdout_ok(&central(&["--postgres", &centre.url, "import", file.to_str().unwrap()]));
    assert!(imported.contains(&format!("新事件 {} 条 / new events", events.len())), "{imported}");
    assert_log(&centre.pool, header.settings.hall.id, &events).await;

    let revoked = stdout_ok(&central(&["--postgres", &centre.url, "revoke", "--hall-code", "TS01"]));
    assert!(revoked.contains("TS01"), "{revoked}");
    assert_refused(&centre.cursor(&key).await, StatusCode::UNAUTHORIZED, "key_revoked");

    let unknown = central(&["--postgres", &centre.url, "revoke", "--hall-code", "NOPE"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("中心没有") && stderr.contains("no hall with code"), "{stderr}");
}

#[test]
fn plain_http_off_loopback_is_refused() {
    let out = central(&["--postgres", "postgres://nobody@127.0.0.1:1/none", "--listen", "0.0.0.0:8791"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("明文") && stderr.contains("plain HTTP") && stderr.contains("loopback"), "{stderr}");
    let out = central(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--postgres"));
}

#[tokio::test]
async fn with_a_certificate_the_centre_speaks_https() {
    let centre = Centre::start().await;
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("a certificate");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();

    // A key file that is not a key is refused before anything is served.
    let out = central(&[
        "--postgres",
        &centre.url,
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        cert.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("私钥"), "{}", String::from_utf8_lossy(&out.stderr));

    let (mut child, base) =
        start_centre(&centre.url, &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    assert!(base.starts_with("https://"), "{base}");
    let addr = base.trim_start_matches("https://").to_string();

    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(made.cert.der().to_vec())).unwrap();
    // The provider the centre uses (see `hallq_central::tls_config`).
    #[allow(deprecated)]
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("a TLS handshake with the centre's certificate");
    tls.write_all(b"GET /central/v1/cursor HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await.ok();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("\"code\":\"unauthorized\""), "{answer}");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = centre.http.get(format!("http://{addr}/central/v1/cursor")).send().await;
    assert!(plain.is_err() || plain.unwrap().status() != StatusCode::UNAUTHORIZED);
    child.kill().unwrap();
    child.wait().unwrap();
}
