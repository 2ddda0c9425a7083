"""The UI's plain-Python parts: upload checks, the work queue, the launcher, the pictures."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pipeline.errors import UserError
from tests.actors import ADMIN
from ui import uploads
from ui.jobs import JobQueue
from ui.launch import exposure_warning, streamlit_command

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\maya\\Brand Book (v2).PDF", "Brand-Book-v2.pdf"),
        ("..md", "upload.md"),
        ("spring launch.YML", "spring-launch.yml"),
    ],
)
def test_upload_names_never_become_paths(name: str, safe: str) -> None:
    allowed = (*uploads.GUIDELINE_TYPES, *uploads.BRIEF_TYPES)
    assert uploads.safe_filename(name, allowed) == safe


def test_uploads_are_checked_by_type_content_and_size() -> None:
    with pytest.raises(UserError, match=r"not a \.md"):
        uploads.check_upload("logo.exe", b"MZ", ("md",), 100)
    with pytest.raises(UserError, match="not a PDF file"):
        uploads.check_upload("book.pdf", b"<html>", uploads.GUIDELINE_TYPES, 100)
    with pytest.raises(UserError, match="not a DOCX file"):
        uploads.check_upload("book.docx", b"%PDF-1.7", uploads.GUIDELINE_TYPES, 100)
    with pytest.raises(UserError, match="over the"):
        uploads.check_upload("big.md", b"x" * 101, ("md",), 100)
    with pytest.raises(UserError, match="empty"):
        uploads.check_upload("empty.md", b"", ("md",), 100)
    assert uploads.check_upload("ok.pdf", b"%PDF-1.7 ...", uploads.GUIDELINE_TYPES, 100) == "ok.pdf"


def test_guideline_uploads_are_all_checked_before_any_is_written(tmp_path: Path) -> None:
    files = [("a.md", b"# A"), ("b.pdf", b"not a pdf")]
    with pytest.raises(UserError, match=r"b\.pdf"):
        uploads.save_guidelines(tmp_path, "Acme", files, max_mb=1, actor=ADMIN)
    assert not uploads.guideline_folder(tmp_path, "Acme").exists()
    with pytest.raises(UserError, match=r"both named 'a\.md'"):
        uploads.save_guidelines(tmp_path, "Acme", [("a.md", b"1"), ("x/a.md", b"2")], max_mb=1, actor=ADMIN)
    saved = uploads.save_guidelines(tmp_path, "Acme", [("../a.md", b"# A")], max_mb=1, actor=ADMIN)
    assert saved == [uploads.guideline_folder(tmp_path, "Acme") / "a.md"] and saved[0].read_bytes() == b"# A"


def test_the_queue_runs_one_job_at_a_time_and_keeps_errors() -> None:
    queue = JobQueue()
    running: list[int] = []
    overlap = threading.Event()

    def work(n: int) -> dict[str, int]:
        running.append(n)
        if len(running) > 1:
            overlap.set()
        time.sleep(0.05)
        running.remove(n)
        return {"n": n}

    def fails() -> dict[str, int]:
        raise UserError("brief.yaml: 'channels' lists 'instagram_pst'")

    jobs = [queue.submit("campaign", f"job {n}", lambda n=n: work(n)) for n in range(3)]  # type: ignore[misc]
    bad = queue.submit("revise", "bad", fails)
    queue.wait_idle(timeout=10)
    assert not overlap.is_set()
    assert [queue.wait(j.id).result for j in jobs] == [{"n": 0}, {"n": 1}, {"n": 2}]
    failed = queue.wait(bad.id)
    assert failed.status == "failed" and failed.error == "brief.yaml: 'channels' lists 'instagram_pst'"
    assert queue.jobs()[0].id == bad.id and not queue.active()


def test_the_launcher_binds_to_loopback_and_warns_when_exposed_without_users() -> None:
    command = streamlit_command("127.0.0.1", 8600)
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("ui/app.py")
    assert options["--server.address"] == "127.0.0.1" and options["--server.port"] == "8600"
    assert options["--server.headless"] == "true" and options["--browser.gatherUsageStats"] == "false"
    assert exposure_warning("127.0.0.1", has_users=False) is None
    assert exposure_warning("::1", has_users=False) is None
    assert exposure_warning("0.0.0.0", has_users=True) is None
    assert "anyone who reaches it can approve" in str(exposure_warning("0.0.0.0", has_users=False))


def test_overlay_draws_each_layout_box_over_the_draft(tmp_path: Path) -> None:
    import io

    from PIL import Image

    from pipeline.campaign.layouts import make_layout
    from ui.imaging import ROLE_COLOURS, overlay_png, thumbnail_png

    path = tmp_path / "draft.png"
    Image.new("RGB", (128, 128), (255, 255, 255)).save(path)
    layout = make_layout("thirds_left", 1.0)
    picture = Image.open(io.BytesIO(overlay_png(path, layout, longest=256)))
    assert picture.size == (256, 256)
    product = layout.boxes_with_role("product")[0]
    edge = picture.getpixel((round(product.x0 * 256) + 1, round((product.y0 + product.y1) / 2 * 256)))
    assert edge == ROLE_COLOURS["product"]  # the outline, in the role's colour
    square = Image.open(io.BytesIO(thumbnail_png(path, 100)))
    assert square.size == (100, 100)
