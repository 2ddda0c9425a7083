"""ONBRAND_CHROMA_HOST / _PORT switch the knowledge base to a real Chroma server (`chroma run`)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.knowledge.retrieval import Retriever
from pipeline.knowledge.store import KnowledgeBase
from pipeline.settings import Settings, load_settings
from tests.conftest import SAMPLE_GUIDELINES

pytestmark = pytest.mark.integration
CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this environment")
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-server")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("chroma run did not start")
                time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_ingest_and_search_against_a_chroma_server(
    chroma_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONBRAND_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("ONBRAND_CHROMA_PORT", str(chroma_server))
    settings = load_settings(home=tmp_path / "ws")
    assert settings.uses_chroma_server
    kb = KnowledgeBase(settings)
    report = kb.ingest([SAMPLE_GUIDELINES / "02-visual-identity.md"], brand="Tidewell")
    assert report.added > 10 and not report.errors
    assert kb.ingest([SAMPLE_GUIDELINES / "02-visual-identity.md"], brand="Tidewell").added == 0
    hit = Retriever(kb).search("minimum size of the logo on screen", brand="Tidewell", k=3)
    assert any("120 px" in h.text for h in hit)
    assert not settings.chroma_path.exists()  # nothing embedded in the workspace


def test_unreachable_server_is_a_user_error(tmp_path: Path) -> None:
    kb = KnowledgeBase(Settings(home=tmp_path, chroma_host="127.0.0.1", chroma_port=_free_port()))
    with pytest.raises(UserError, match="cannot reach the Chroma server"):
        kb.brands()
