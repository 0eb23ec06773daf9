from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from notifications import Address, DeliveryStatus, FileTransport, build_message, render_email
from tests.notifications.contexts import context_for


def confirmation(to: str, message_id: str) -> EmailMessage:
    rendered = render_email("confirmation", "nl", context_for("confirmation"))
    return build_message(
        sender=Address("peernet", "noreply@peernet.example.nl"),
        recipient=Address("Ümit Çelik", to),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=message_id,
        date=datetime.now(UTC),
    )


def listing(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


async def test_each_message_becomes_a_parseable_eml_file(tmp_path: Path) -> None:
    directory = tmp_path / "var" / "mail"  # created on first use
    transport = FileTransport(directory)
    messages = [confirmation(f"p{i}@example.nl", f"<id{i}@peernet.example.nl>") for i in range(3)]
    results = await transport.send(messages)
    await transport.aclose()

    assert [r.status for r in results] == [DeliveryStatus.SENT] * 3
    files = listing(directory)
    assert [f.suffix for f in files] == [".eml"] * 3
    assert all(f.name.endswith(f"-id{i}_peernet.example.nl.eml") for i, f in enumerate(files))
    for i, file in enumerate(files):
        assert str(file) in results[i].detail
        parsed = BytesParser(policy=policy.default).parsebytes(file.read_bytes())
        assert parsed["To"].addresses[0].addr_spec == f"p{i}@example.nl"
        assert parsed["Subject"] == "Bevestig je aanmelding voor peernet"


async def test_the_confirmation_link_can_be_read_from_the_raw_file(tmp_path: Path) -> None:
    # What a developer running the demo does: open the .eml, copy the link.
    await FileTransport(tmp_path).send([confirmation("a@example.nl", "<x@peernet.example.nl>")])
    [file] = listing(tmp_path)
    assert context_for("confirmation")["confirm_url"].encode() in file.read_bytes()


async def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    await FileTransport(tmp_path).send([confirmation("a@example.nl", "<x@peernet.example.nl>")])
    assert [f.name for f in listing(tmp_path) if f.name.startswith(".")] == []


async def test_an_unwritable_directory_is_temporary(tmp_path: Path) -> None:
    blocker = tmp_path / "mail"
    blocker.write_text("a file where the directory should be")
    results = await FileTransport(blocker).send(
        [confirmation("a@example.nl", "<x@peernet.example.nl>")]
    )
    assert results[0].status is DeliveryStatus.TEMPORARY
