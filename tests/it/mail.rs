//! Mail delivery holds a real SMTP conversation and never sends a message twice.

use crate::common;

use std::sync::{Arc, Mutex};

use hr_connectors::domain::role::Role;
use hr_connectors::server::mail::outbox::{self, Mailer, NewMail, PrivateLinks};
use hr_connectors::server::secret::Secret;
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A minimal SMTP server: answers the commands lettre sends and records each message's data.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write
                    .write_all(b"220 test.smtp ESMTP ready\r\n")
                    .await
                    .unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") {
                        b"250-test.smtp\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    } else if cmd.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

fn secrets() -> hr_connectors::server::crypto::SecretBox {
    common::config().secret_box()
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_private_link_is_stored_sealed_delivered_whole_and_shown_only_where_allowed(
    pool: PgPool,
) {
    let user = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let (port, received) = smtp_server().await;
    let mailer = Mailer::new(
        &Secret::new(format!("smtp://127.0.0.1:{port}")),
        "connectors@andopen.example",
    )
    .unwrap();
    let link = "http://127.0.0.1:3000/invitation?token=private-token-123";
    outbox::enqueue_sealed(
        &pool,
        &secrets(),
        NewMail {
            account_id: user.account_id,
            dedupe_key: "invitation:test",
            to: "cam@acme.example",
            subject: "Ada invited you",
            body: &format!("Join here:\n{link}\n"),
        },
    )
    .await
    .unwrap();
    let stored = sqlx::query_scalar!(
        r#"SELECT concat_ws('|', body_text, body_sealed) AS "stored!" FROM mail_outbox"#
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!stored.contains("private-token-123"), "{stored}");

    let hidden = outbox::list(&pool, &secrets(), user.account_id, 10, PrivateLinks::Hide)
        .await
        .unwrap();
    assert_eq!(hidden[0].body_text, None);
    let shown = outbox::list(&pool, &secrets(), user.account_id, 10, PrivateLinks::Show)
        .await
        .unwrap();
    assert!(shown[0].body_text.as_deref().unwrap().contains(link));

    assert_eq!(
        outbox::deliver_due(&pool, &secrets(), &mailer)
            .await
            .unwrap(),
        1
    );
    let got = received.lock().unwrap().clone();
    assert!(got[0].contains("private-token-123"), "{}", got[0]);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn delivers_over_smtp_exactly_once(pool: PgPool) {
    let user = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let (port, received) = smtp_server().await;
    let mailer = Mailer::new(
        &Secret::new(format!("smtp://127.0.0.1:{port}")),
        "&Open HR Connectors <connectors@andopen.example>",
    )
    .unwrap();
    let mail = || NewMail {
        account_id: user.account_id,
        dedupe_key: "first-sync:test",
        to: "ada@acme.example",
        subject: "Sage HR is connected: 240 people synced",
        body: "People synced: 240",
    };
    assert!(outbox::enqueue(&pool, mail()).await.unwrap());
    assert!(
        !outbox::enqueue(&pool, mail()).await.unwrap(),
        "the same message is queued once"
    );
    assert_eq!(
        outbox::deliver_due(&pool, &secrets(), &mailer)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        outbox::deliver_due(&pool, &secrets(), &mailer)
            .await
            .unwrap(),
        0
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].contains("Subject: Sage HR is connected: 240 people synced"),
        "{}",
        got[0]
    );
    assert!(got[0].contains("To: ada@acme.example"));
    let listed = outbox::list(&pool, &secrets(), user.account_id, 10, PrivateLinks::Hide)
        .await
        .unwrap();
    assert!(listed[0].sent_at.is_some());
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_failed_delivery_is_retried_later_not_lost(pool: PgPool) {
    let user = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    // Nothing listens on this port.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mailer = Mailer::new(
        &Secret::new(format!("smtp://127.0.0.1:{port}")),
        "a@b.example",
    )
    .unwrap();
    outbox::enqueue(
        &pool,
        NewMail {
            account_id: user.account_id,
            dedupe_key: "k",
            to: "ada@acme.example",
            subject: "s",
            body: "b",
        },
    )
    .await
    .unwrap();
    assert_eq!(
        outbox::deliver_due(&pool, &secrets(), &mailer)
            .await
            .unwrap(),
        0
    );
    let tried = sqlx::query!("SELECT attempts, last_error FROM mail_outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tried.attempts, 1);
    assert!(tried.last_error.is_some());
    assert!(
        outbox::list(&pool, &secrets(), user.account_id, 10, PrivateLinks::Hide)
            .await
            .unwrap()[0]
            .sent_at
            .is_none()
    );
}
