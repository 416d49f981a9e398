"""The model manifest, cache directory, verification messages and the fetcher (offline)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import base64
import io
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from posegraph.framework.errors import ModelError
from posegraph.models import (
    MODELS, NPM_PACKAGE, ModelSpec, add_parser, default_cache_dir, fetch, fetch_command, model_path,
)
from posegraph.models import _store, _wheel

CONTENT = bytes(range(256)) * 64  # 16 KiB of fake model
DIGEST = hashlib.sha256(CONTENT).hexdigest()
CORRUPT = b"\xff" + CONTENT[1:]
CORRUPT_DIGEST = hashlib.sha256(CORRUPT).hexdigest()


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    """A small fetchable model added to the manifest for the duration of a test."""
    spec = ModelSpec(name="tiny", file="tiny.tflite", wheel_path="mediapipe/modules/tiny.tflite",
                     sha256=DIGEST, size=len(CONTENT))
    monkeypatch.setitem(MODELS, "tiny", spec)
    return spec


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh default cache directory, through the environment variable."""
    directory = tmp_path / "models"
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(directory))
    return directory


@pytest.fixture
def tiny_npm(monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    """A small model that lives in the npm tarball, added to the manifest for a test."""
    spec = ModelSpec(name="tiny_npm", file="tiny_npm.tflite", npm_path="package/tiny_npm.tflite",
                     sha256=DIGEST, size=len(CONTENT))
    monkeypatch.setitem(MODELS, "tiny_npm", spec)
    return spec


def make_tarball(path: Path, members: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> Path:
    """An npm-style .tgz; the manifest's registry integrity is set to its SHA-512."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    sha512 = base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    monkeypatch.setitem(NPM_PACKAGE, "integrity", f"sha512-{sha512}")
    return path


def make_wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in members.items():
            wheel.writestr(name, data)
    return path


def test_manifest_has_the_spec_checksums():
    assert MODELS["pose_detection"].sha256 == (
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c")
    assert MODELS["pose_landmark_full"].sha256 == (
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f")
    assert MODELS["face_detection_short_range"].sha256 == (
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8")
    assert MODELS["pose_landmark_full"].wheel_path == (
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite")
    # model_complexity 0 and 2: the @mediapipe/pose@0.5.1675469404 npm package's files.
    assert MODELS["pose_landmark_lite"].sha256 == (
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61")
    assert MODELS["pose_landmark_heavy"].sha256 == (
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe")
    assert MODELS["pose_landmark_heavy"].npm_path == "package/pose_landmark_heavy.tflite"
    assert NPM_PACKAGE["tarball"] == "https://registry.npmjs.org/@mediapipe/pose/-/pose-0.5.1675469404.tgz"


def test_cache_dir_env_var_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"


def test_cache_dir_honours_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("POSEGRAPH_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "posegraph" / "models"


def test_cache_dir_defaults_to_home_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("POSEGRAPH_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "posegraph" / "models"


def test_valid_file_is_returned(tiny, model_dir):
    model_dir.mkdir()
    (model_dir / "tiny.tflite").write_bytes(CONTENT)
    assert model_path("tiny") == model_dir / "tiny.tflite"


def test_missing_file_names_file_and_fix(tiny, model_dir):
    with pytest.raises(ModelError) as info:
        model_path("tiny")
    message = str(info.value)
    assert f"{model_dir / 'tiny.tflite'} is missing" in message
    assert "`posegraph models fetch tiny`" in message


def test_empty_file(tiny, model_dir):
    model_dir.mkdir()
    (model_dir / "tiny.tflite").write_bytes(b"")
    with pytest.raises(ModelError, match=r"tiny\.tflite is empty \(0 bytes\).*posegraph models fetch"):
        model_path("tiny")


def test_truncated_file_gives_both_checksums(tiny, model_dir):
    model_dir.mkdir()
    half = CONTENT[: len(CONTENT) // 2]
    (model_dir / "tiny.tflite").write_bytes(half)
    with pytest.raises(ModelError) as info:
        model_path("tiny")
    message = str(info.value)
    assert f"tiny.tflite is truncated ({len(half)} of {len(CONTENT)} bytes;" in message
    assert f"sha256 {hashlib.sha256(half).hexdigest()}, expected {DIGEST}" in message
    assert "posegraph models fetch" in message


def test_corrupt_file_gives_both_checksums(tiny, model_dir):
    model_dir.mkdir()
    corrupt = b"\xff" + CONTENT[1:]
    (model_dir / "tiny.tflite").write_bytes(corrupt)
    with pytest.raises(ModelError) as info:
        model_path("tiny")
    message = str(info.value)
    assert "tiny.tflite is corrupt" in message
    assert f"checksum mismatch: sha256 {hashlib.sha256(corrupt).hexdigest()}, expected {DIGEST}" \
        in message


def test_fix_command_names_a_non_default_cache_dir(tiny, model_dir, tmp_path):
    other = tmp_path / "elsewhere"
    with pytest.raises(ModelError, match=rf"posegraph models fetch --cache-dir {other} tiny"):
        model_path("tiny", cache_dir=other)


def test_missing_npm_model_says_where_it_comes_from(model_dir):
    with pytest.raises(ModelError) as info:
        model_path("pose_landmark_heavy")
    message = str(info.value)
    assert "pose_landmark_heavy.tflite is missing" in message
    assert "`posegraph models fetch pose_landmark_heavy`" in message
    assert "from @mediapipe/pose@0.5.1675469404" in message


def test_unknown_model_lists_known_ones():
    with pytest.raises(ModelError, match=r"unknown model 'nope'; known models: .*pose_landmark_full"):
        model_path("nope")


def test_verification_is_cached_until_the_file_changes(tiny, model_dir, monkeypatch):
    model_dir.mkdir()
    path = model_dir / "tiny.tflite"
    path.write_bytes(CONTENT)
    model_path("tiny")
    calls = []
    real_sha256 = hashlib.sha256
    monkeypatch.setattr(_store.hashlib, "sha256", lambda *a: calls.append(a) or real_sha256(*a))
    model_path("tiny")
    assert calls == []
    path.write_bytes(b"\xff" + CONTENT[1:])
    os.utime(path, ns=(1, 1))
    with pytest.raises(ModelError, match="is corrupt"):
        model_path("tiny")
    assert len(calls) == 1


def test_a_new_process_trusts_the_recorded_checksum_while_size_and_time_hold(tiny, model_dir, monkeypatch):
    """The directory's record stands in for hashing in a later process (simulated by clearing the
    in-process cache), until the file's size or modification time changes."""
    model_dir.mkdir()
    path = model_dir / "tiny.tflite"
    path.write_bytes(CONTENT)
    model_path("tiny")
    stat = path.stat()
    record = json.loads((model_dir / _store.DIGESTS_FILE).read_text())
    assert record == {"tiny.tflite": [stat.st_size, stat.st_mtime_ns, DIGEST]}
    monkeypatch.setattr(_store, "_digests", {})
    calls = []
    real_sha256 = hashlib.sha256
    monkeypatch.setattr(_store.hashlib, "sha256", lambda *a: calls.append(a) or real_sha256(*a))
    assert model_path("tiny") == path and calls == []
    # What the record says is what counts in a new process while the file keeps its size and time:
    # a record claiming another digest makes the same file "corrupt" without hashing it.
    (model_dir / _store.DIGESTS_FILE).write_text(json.dumps({"tiny.tflite": [stat.st_size, stat.st_mtime_ns, "0" * 64]}))
    monkeypatch.setattr(_store, "_digests", {})
    with pytest.raises(ModelError, match="checksum mismatch: sha256 0000"):
        model_path("tiny")
    assert calls == []
    path.write_bytes(CORRUPT)  # same size, another time: hashed again
    os.utime(path, ns=(1, 1))
    with pytest.raises(ModelError, match=f"checksum mismatch: sha256 {CORRUPT_DIGEST}"):
        model_path("tiny")
    assert len(calls) == 1


def test_a_process_reads_the_record_once_a_file(tiny, model_dir, monkeypatch):
    """After the first check the process remembers the digest: the record is not read again (a
    record changed behind its back afterwards does not count until the next process)."""
    model_dir.mkdir()
    path = model_dir / "tiny.tflite"
    path.write_bytes(CONTENT)
    model_path("tiny")
    monkeypatch.setattr(_store, "_digests", {})
    model_path("tiny")  # from the record
    stat = path.stat()
    (model_dir / _store.DIGESTS_FILE).write_text(json.dumps({"tiny.tflite": [stat.st_size, stat.st_mtime_ns, "0" * 64]}))
    assert model_path("tiny") == path


def test_an_unwritable_record_only_costs_the_hash(tiny, model_dir, monkeypatch):
    model_dir.mkdir()
    (model_dir / "tiny.tflite").write_bytes(CONTENT)
    (model_dir / _store.DIGESTS_FILE).mkdir()  # cannot be replaced by a file
    assert model_path("tiny") == model_dir / "tiny.tflite"
    monkeypatch.setattr(_store, "_digests", {})
    assert model_path("tiny") == model_dir / "tiny.tflite"
    assert [p.name for p in model_dir.iterdir() if p.name.endswith(".part")] == []


def test_fetch_extracts_verified_file_from_a_local_wheel(tiny, model_dir, tmp_path):
    wheel = make_wheel(tmp_path / "mp.whl", {tiny.wheel_path: CONTENT})
    paths = fetch(["tiny"], wheel=wheel)
    assert paths == {"tiny": model_dir / "tiny.tflite"}
    assert paths["tiny"].read_bytes() == CONTENT
    assert sorted(p.name for p in model_dir.iterdir()) == ["tiny.tflite"]


def test_fetch_skips_files_already_valid(tiny, model_dir, tmp_path, monkeypatch):
    model_dir.mkdir()
    (model_dir / "tiny.tflite").write_bytes(CONTENT)
    monkeypatch.setattr(_wheel, "download_wheel", lambda *a: pytest.fail("downloaded"))
    assert fetch(["tiny"]) == {"tiny": model_dir / "tiny.tflite"}


def test_fetch_replaces_a_truncated_file(tiny, model_dir, tmp_path):
    model_dir.mkdir()
    (model_dir / "tiny.tflite").write_bytes(CONTENT[:100])
    wheel = make_wheel(tmp_path / "mp.whl", {tiny.wheel_path: CONTENT})
    fetch(["tiny"], wheel=wheel)
    assert model_path("tiny").read_bytes() == CONTENT


def test_fetch_rejects_a_wheel_with_the_wrong_bytes(tiny, model_dir, tmp_path):
    wheel = make_wheel(tmp_path / "mp.whl", {tiny.wheel_path: CONTENT[::-1]})
    with pytest.raises(ModelError, match=rf"has sha256 [0-9a-f]{{64}}, expected {DIGEST}"):
        fetch(["tiny"], wheel=wheel)
    assert list(model_dir.iterdir()) == []  # neither the file nor a temporary left behind


def test_fetch_rejects_a_wheel_without_the_file(tiny, model_dir, tmp_path):
    wheel = make_wheel(tmp_path / "mp.whl", {"other.txt": b"x"})
    with pytest.raises(ModelError, match=r"has no mediapipe/modules/tiny\.tflite"):
        fetch(["tiny"], wheel=wheel)


def test_fetch_extracts_verified_file_from_a_local_tarball(tiny_npm, model_dir, tmp_path, monkeypatch):
    tarball = make_tarball(tmp_path / "pose.tgz", {tiny_npm.npm_path: CONTENT}, monkeypatch)
    assert fetch(["tiny_npm"], tarball=tarball) == {"tiny_npm": model_dir / "tiny_npm.tflite"}
    assert model_path("tiny_npm").read_bytes() == CONTENT


def test_fetch_downloads_the_tarball_and_checks_its_integrity(tiny_npm, model_dir, tmp_path, monkeypatch):
    served = make_tarball(tmp_path / "served.tgz", {tiny_npm.npm_path: CONTENT}, monkeypatch)
    monkeypatch.setitem(NPM_PACKAGE, "tarball", served.as_uri())
    assert fetch(["tiny_npm"], progress=False)["tiny_npm"].read_bytes() == CONTENT

    (model_dir / "tiny_npm.tflite").unlink()
    monkeypatch.setitem(NPM_PACKAGE, "integrity", "sha512-" + base64.b64encode(bytes(64)).decode())
    with pytest.raises(ModelError, match=r"served\.tgz has sha512 .*, expected .*the download is damaged"):
        fetch(["tiny_npm"], progress=False)
    assert list(model_dir.iterdir()) == []


def test_fetch_rejects_a_tarball_with_the_wrong_bytes(tiny_npm, model_dir, tmp_path, monkeypatch):
    tarball = make_tarball(tmp_path / "pose.tgz", {tiny_npm.npm_path: CONTENT[::-1]}, monkeypatch)
    with pytest.raises(ModelError, match=rf"package/tiny_npm\.tflite in pose\.tgz has sha256 [0-9a-f]{{64}}, "
                                         rf"expected {DIGEST}"):
        fetch(["tiny_npm"], tarball=tarball)
    assert list(model_dir.iterdir()) == []


def test_fetch_rejects_a_tarball_without_the_file(tiny_npm, model_dir, tmp_path, monkeypatch):
    tarball = make_tarball(tmp_path / "pose.tgz", {"package/other.txt": b"x"}, monkeypatch)
    with pytest.raises(ModelError, match=r"has no file package/tiny_npm\.tflite"):
        fetch(["tiny_npm"], tarball=tarball)


def test_fetch_downloads_the_wheel_and_says_so(tiny, model_dir, monkeypatch, caplog):
    def fake_download(dest: Path, progress: bool) -> Path:
        return make_wheel(dest / "mediapipe-0.10.21-py3-none-any.whl", {tiny.wheel_path: CONTENT})

    monkeypatch.setattr(_wheel, "download_wheel", fake_download)
    with caplog.at_level(logging.INFO, logger="posegraph.models"):
        path = model_path("tiny", fetch_missing=True)
    assert path.read_bytes() == CONTENT
    assert "downloading mediapipe==0.10.21 wheel to extract tiny.tflite into" in caplog.text


def fake_pip(outcomes: list[int], calls: list[list[str]]):
    def run(cmd, **kwargs):
        calls.append(cmd)
        code = outcomes[len(calls) - 1]
        if code == 0:
            dest = Path(cmd[cmd.index("-d") + 1])
            (dest / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"w")
        return subprocess.CompletedProcess(cmd, code, stdout="", stderr=f"pip said no {len(calls)}")
    return run


def test_download_falls_back_to_a_manylinux_wheel(monkeypatch, tmp_path):
    calls: list[list[str]] = []
    monkeypatch.setattr(_wheel.subprocess, "run", fake_pip([1, 0], calls))
    wheel = _wheel.download_wheel(tmp_path, progress=False)
    assert wheel.name.startswith("mediapipe-0.10.21-")
    assert "--platform" not in calls[0]
    assert calls[1][calls[1].index("--platform") + 1] == "manylinux_2_28_x86_64"
    assert all("mediapipe==0.10.21" in c and "--no-deps" in c for c in calls)


def test_download_failure_reports_pip_and_the_offline_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(_wheel.subprocess, "run", fake_pip([1, 1], []))
    with pytest.raises(ModelError) as info:
        _wheel.download_wheel(tmp_path, progress=False)
    assert "could not download the mediapipe==0.10.21 wheel" in str(info.value)
    assert "pip said no 2" in str(info.value)
    assert "posegraph models fetch --wheel" in str(info.value)


def test_cli_parser_registers_fetch_and_path(tiny, model_dir, tmp_path, capsys):
    import argparse

    parser = argparse.ArgumentParser(prog="posegraph")
    add_parser(parser.add_subparsers(dest="command"))
    wheel = make_wheel(tmp_path / "mp.whl", {tiny.wheel_path: CONTENT})
    args = parser.parse_args(["models", "fetch", "tiny", "--wheel", str(wheel)])
    assert args.func is fetch_command
    assert args.func(args) == 0
    assert capsys.readouterr().out == f"tiny\t{model_dir / 'tiny.tflite'}\n"

    args = parser.parse_args(["models", "path", "tiny", "--cache-dir", str(model_dir)])
    assert args.func(args) == 0
    assert capsys.readouterr().out == f"tiny\t{model_dir / 'tiny.tflite'}\n"
    args = parser.parse_args(["models", "fetch", "nope"])
    with pytest.raises(ModelError, match="unknown model 'nope'"):
        args.func(args)


@pytest.mark.skipif(os.environ.get("POSEGRAPH_TEST_FETCH") != "1",
                    reason="downloads the 35 MB mediapipe wheel and the 41 MB npm tarball; set POSEGRAPH_TEST_FETCH=1")
def test_real_fetch(tmp_path):
    paths = fetch(["pose_detection", "pose_landmark_full", "pose_landmark_lite", "pose_landmark_heavy"],
                  cache_dir=tmp_path, progress=False)
    for name, path in paths.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == MODELS[name].sha256


def test_missing_models_names_only_files_that_are_absent(tmp_path):
    from posegraph.models import missing_models

    (tmp_path / "pose_detection.tflite").write_bytes(b"")  # present but empty: model_path's to report
    assert missing_models(["pose_detection", "pose_landmark_full"], tmp_path) == ["pose_landmark_full"]
