from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.settings import BUNDLED_EMBEDDER, Settings, load_settings

pytestmark = pytest.mark.unit


def test_defaults_are_offline_embedded_and_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONBRAND_HOME")
    s = load_settings()
    assert s.home == Path("~/.onbrand").expanduser()
    assert s.embedding_model == BUNDLED_EMBEDDER
    assert not s.uses_chroma_server
    assert s.chroma_path == s.home / "chroma"
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ONBRAND_HOME", str(tmp_path))
    monkeypatch.setenv("ONBRAND_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("ONBRAND_CHROMA_PORT", "8123")
    s = load_settings()
    assert s.home == tmp_path
    assert s.uses_chroma_server and s.chroma_port == 8123


def test_arguments_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBRAND_SEARCH_K", "9")
    assert load_settings(search_k=3).search_k == 3


def test_settings_file_is_read_and_unknown_keys_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("search_k: 7\nchunk_chars: 900\n")
    monkeypatch.setenv("ONBRAND_CONFIG", str(config))
    assert load_settings().search_k == 7
    config.write_text("serch_k: 7\n")
    with pytest.raises(UserError, match=r"config.yaml: unknown setting 'serch_k'"):
        load_settings()


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBRAND_CHROMA_PORT", "eighty")
    with pytest.raises(UserError, match="ONBRAND_CHROMA_PORT"):
        load_settings()


def test_missing_config_file_is_a_user_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ONBRAND_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(UserError, match="no such file"):
        load_settings()


def test_home_config_file_is_picked_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ONBRAND_HOME", str(tmp_path))
    (tmp_path / "config.yaml").write_text("rrf_k: 30\n")
    assert Settings().rrf_k == 30
