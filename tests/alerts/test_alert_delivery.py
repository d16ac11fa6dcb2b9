"""Real deliveries through Apprise: an email to a local SMTP server, a POST to a local webhook."""

from dataclasses import replace
from decimal import Decimal

import pytest

from chainwatch.alerts import Event, EventKind, Notifier, NotifyUrlError, Thresholds, compose
from chainwatch.devnet.anvil import free_port
from chainwatch.risk.manual import manual_position

D = Decimal
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
LOAN = replace(manual_position(D(1), D(50000), D(34500), D("0.05"), D("0.75")), account=WALLET, protocol="aave-v3")
ALERT = Event(EventKind.crossed, "devnet", LOAN, line=Thresholds().lines[1], target_ltv=Thresholds().safe_ltv(LOAN))


def test_an_email_arrives_at_the_smtp_server(smtp_server):
    port, mailbox = smtp_server
    url = f"mailto://127.0.0.1:{port}?from=chainwatch@example.com&to=borrower@example.com&mode=insecure"
    message = compose(ALERT)
    assert Notifier([url]).send(message, ALERT.notify_type)
    ((recipients, email),) = mailbox.messages
    assert recipients == ["borrower@example.com"]
    assert email["Subject"] == message.title
    text = (
        email.get_payload(decode=True).decode()
        if not email.is_multipart()
        else email.get_payload(0).get_payload(decode=True).decode()
    )
    assert WALLET in text and "repay $5,250.00" in text


def test_a_webhook_receives_the_alert_as_json(webhook):
    message = compose(ALERT)
    assert Notifier([webhook.url("/hook")]).send(message, ALERT.notify_type)
    (post,) = webhook.posts
    assert post["path"] == "/hook"
    assert post["json"]["title"] == message.title
    assert post["json"]["message"] == message.body
    assert post["json"]["type"] == "warning"


def test_a_failed_delivery_is_reported_not_raised():
    dead = f"json://127.0.0.1:{free_port()}/hook"  # nothing listens there
    assert Notifier([dead]).send(compose(ALERT), ALERT.notify_type) is False


def test_no_targets_is_a_successful_no_op():
    assert Notifier([]).send(compose(ALERT), ALERT.notify_type)


def test_an_unknown_url_is_refused_at_start_without_echoing_secrets():
    with pytest.raises(NotifyUrlError, match=r"nosuchservice://…") as caught:
        Notifier(["nosuchservice://token-secret@host"])
    assert "token-secret" not in str(caught.value)


def test_targets_are_shown_with_secrets_masked():
    (target,) = Notifier(["json://user:hunter2@127.0.0.1:9/hook"]).targets
    assert "hunter2" not in target


def test_an_email_carries_the_outbox_id_in_a_header_and_in_its_text(smtp_server):
    port, mailbox = smtp_server
    url = f"mailto://127.0.0.1:{port}?from=chainwatch@example.com&to=borrower@example.com&mode=insecure"
    notifier = Notifier([url])
    (fingerprint,) = notifier.fingerprints
    assert notifier.deliver(compose(ALERT), "warning", alert_id=42) == {fingerprint: None}
    ((_, email),) = mailbox.messages
    assert email["X-Chainwatch-Alert-Id"] == "42"
    text = email.get_payload(decode=True) if not email.is_multipart() else email.get_payload(0).get_payload(decode=True)
    assert "(chainwatch alert #42)" in text.decode()


def test_each_target_is_reported_on_its_own_and_skipped_when_done(webhook):
    live, dead = webhook.url(), f"json://127.0.0.1:{free_port()}/hook"
    notifier = Notifier([live, dead])
    first, second = notifier.fingerprints
    results = notifier.deliver(compose(ALERT), "warning", alert_id=7)
    assert results[first] is None and results[second]  # the dead one says why
    assert notifier.deliver(compose(ALERT), "warning", alert_id=7, skip={first}).keys() == {second}
    assert len(webhook.posts) == 1  # the live target was not sent the retry
