"""`tripgraph train <recommender>` on the generator's tiny click log: the saved model carries
its run's fingerprint, so the same command again is a no-op (the main job runs it on every
start) while other settings, `--force` or changed data retrain."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_train_commands_skip_what_they_already_made(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from recsys_tools.travel import saved_fingerprint
    from tripgraph.cli import app
    from tripgraph.settings import get_settings

    data_root = tmp_path / "data"
    shutil.copytree(tiny_data, data_root / "tiny")  # the shared fixture stays read-only
    monkeypatch.setenv("TRIPGRAPH_DATA_DIR", str(data_root))
    monkeypatch.setenv("TRIPGRAPH_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("TRIPGRAPH_RUN_DIR", str(tmp_path / "runs"))
    get_settings.cache_clear()
    seq = ["train", "bert4rec", "--scale", "tiny", "--epochs", "1", "--no-register"]
    vec = ["train", "meta-prod2vec", "--scale", "tiny", "--epochs", "1"]

    def run(args: list[str]) -> str:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        return result.output

    try:
        for args, path in (
            (seq, tmp_path / "models" / "recsys" / "bert4rec.pt"),
            (vec, tmp_path / "models" / "recsys" / "meta-prod2vec.npz"),
        ):
            assert "up to date" not in run(args)
            key = saved_fingerprint(path)
            assert key is not None
            assert "up to date" in run(args)
            assert "up to date" not in run([*args, "--seed", "1"])  # other settings
            assert saved_fingerprint(path) not in (None, key)
            run(args)  # back to the first settings: trained again, then up to date
            assert saved_fingerprint(path) == key
            assert "up to date" not in run([*args, "--force"])
        manifest = data_root / "tiny" / "manifest.json"
        manifest.write_text(manifest.read_text() + "\n", encoding="utf-8")  # new data
        assert "up to date" not in run(seq)
    finally:
        get_settings.cache_clear()


def test_a_damaged_model_file_is_retrained_not_trusted(tmp_path: Path) -> None:
    from recsys_tools.travel import saved_fingerprint

    for name in ("x.pt", "x.npz"):
        (tmp_path / name).write_bytes(b"not a model")
        assert saved_fingerprint(tmp_path / name) is None
    assert saved_fingerprint(tmp_path / "missing.pt") is None
