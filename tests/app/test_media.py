"""Sources and sinks of posegraph.app.media."""

from __future__ import annotations

import logging
import os
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from posegraph.app.media import camera_index, open_sink, open_source, to_rgb8
from posegraph.framework.errors import MediaError

MEDIA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "media"
SQUATS = MEDIA / "pose_squats.mp4"


# --- sources -------------------------------------------------------------------------------------

def test_jpeg_is_one_rgb_frame_at_zero():
    with open_source(MEDIA / "pose.jpg") as source:
        frames = list(source)
    assert (source.width, source.height, source.fps, source.frame_count) == (1000, 667, None, 1)
    assert not source.is_live
    [(index, timestamp, image)] = frames
    assert (index, timestamp) == (0, 0)
    expected = cv2.cvtColor(cv2.imread(str(MEDIA / "pose.jpg")), cv2.COLOR_BGR2RGB)
    assert image.dtype == np.uint8 and np.array_equal(image, expected)


def test_to_rgb8_layouts():
    gray = np.array([[0, 100], [200, 255]], np.uint8)
    assert np.array_equal(to_rgb8(gray, "x"), np.stack([gray] * 3, axis=-1))
    assert np.array_equal(to_rgb8(gray[..., None], "x"), np.stack([gray] * 3, axis=-1))
    bgra = np.array([[[10, 20, 30, 0]]], np.uint8)
    assert to_rgb8(bgra, "x").tolist() == [[[30, 20, 10]]]
    bgr = np.array([[[10, 20, 30]]], np.uint8)
    assert to_rgb8(bgr, "x").tolist() == [[[30, 20, 10]]]
    deep = np.array([[0, 128, 129, 257, 65535]], np.uint16)
    assert to_rgb8(deep, "x")[..., 0].tolist() == [[0, 0, 1, 1, 255]]


def test_to_rgb8_rejects_float_and_two_channels():
    with pytest.raises(MediaError, match=r"here: unsupported sample type float32"):
        to_rgb8(np.zeros((2, 2, 3), np.float32), "here")
    with pytest.raises(MediaError, match=r"here: unsupported image layout \(2, 2, 2\)"):
        to_rgb8(np.zeros((2, 2, 2), np.uint8), "here")


def test_16_bit_grayscale_png_becomes_8_bit_rgb(tmp_path):
    deep = np.array([[0, 257 * 10], [257 * 200, 65535]], np.uint16)
    cv2.imwrite(str(tmp_path / "deep.png"), deep)
    [frame] = list(open_source(tmp_path / "deep.png"))
    assert frame.image.shape == (2, 2, 3)
    assert frame.image[..., 1].tolist() == [[0, 10], [200, 255]]


def test_rgba_png_drops_alpha(tmp_path):
    bgra = np.zeros((3, 4, 4), np.uint8)
    bgra[...] = (10, 20, 30, 40)
    cv2.imwrite(str(tmp_path / "alpha.png"), bgra)
    [frame] = list(open_source(str(tmp_path / "alpha.png")))
    assert frame.image.shape == (3, 4, 3)
    assert frame.image[0, 0].tolist() == [30, 20, 10]


def test_jpeg_exif_orientation_is_applied(tmp_path):
    image = np.zeros((20, 40, 3), np.uint8)
    data = cv2.imencode(".jpg", image)[1].tobytes()
    tiff = (b"MM\x00\x2a" + struct.pack(">IH", 8, 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0)
            + struct.pack(">I", 0))
    exif = b"Exif\x00\x00" + tiff
    (tmp_path / "rotated.jpg").write_bytes(
        data[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + data[2:])
    source = open_source(tmp_path / "rotated.jpg")
    assert (source.width, source.height) == (20, 40)  # orientation 6: rotated 90 degrees


def test_video_frames_and_timestamps():
    with open_source(str(SQUATS)) as source:
        assert (source.width, source.height, source.fps, source.frame_count) == (720, 1280, 5.0, 65)
        assert not source.is_live
        frames = list(source)
    assert [f.index for f in frames] == list(range(65))
    assert [f.timestamp_us for f in frames] == [round(i * 1e6 / 5.0) for i in range(65)]
    assert not source.truncated and source.error is None
    capture = cv2.VideoCapture(str(SQUATS))
    first = cv2.cvtColor(capture.read()[1], cv2.COLOR_BGR2RGB)
    capture.release()
    assert frames[0].image.shape == (1280, 720, 3)
    assert np.array_equal(frames[0].image, first)


def test_missing_file(tmp_path):
    with pytest.raises(MediaError, match=rf"^{tmp_path / 'nope.mp4'}: no such file$"):
        open_source(tmp_path / "nope.mp4")


@pytest.mark.parametrize("name", ["notes.mp4", "notes.txt", "notes.png"])
def test_not_media(tmp_path, name):
    (tmp_path / name).write_text("hello, not a video\n")
    with pytest.raises(MediaError, match=rf"^{tmp_path / name}: not an? (video or )?image"):
        open_source(tmp_path / name)


def test_video_with_no_frames(tmp_path):
    path = tmp_path / "empty.avi"
    cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48)).release()
    with pytest.raises(MediaError, match=rf"^{path}: the video has no frames$"):
        open_source(path)


def test_video_cut_before_its_index_cannot_be_opened(tmp_path):
    data = SQUATS.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])  # the moov index is at the end: it is gone
    with pytest.raises(MediaError, match=rf"^{path}: not a video or image OpenCV can read"):
        open_source(path)


def test_video_whose_frames_are_all_cut(tmp_path, streamable_squats):
    data = streamable_squats
    mdat = data.index(b"mdat") - 4  # the frames' box starts with its 4-byte size, then "mdat"
    path = tmp_path / "no_frames.mp4"
    path.write_bytes(data[: mdat + 8])
    with pytest.raises(MediaError, match=rf"^{path}: the video states 65 frames but not even"):
        open_source(path)


def test_truncated_video_yields_frames_before_the_damage(tmp_path, caplog, streamable_squats):
    data = streamable_squats
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="posegraph.app.media"):
        with open_source(path) as source:
            frames = list(source)
    assert 10 < len(frames) < 65
    assert [f.timestamp_us for f in frames] == [200_000 * i for i in range(len(frames))]
    assert source.truncated
    assert f"after frame {len(frames) - 1} of the 65" in source.error
    assert f"{path}: reading stopped after frame {len(frames) - 1}" in caplog.text


def test_camera_index_is_one_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert [camera_index(s) for s in (0, 3, "0", "12")] == [0, 3, 0, 12]
    assert [camera_index(s) for s in ("video.mp4", "-1", "1.5", "\u0661", "", tmp_path)] == [None] * 6
    (tmp_path / "7").write_bytes(b"")  # a file named like an index wins
    assert camera_index("7") is None


@pytest.mark.parametrize("spec", [97, "97"])
def test_camera_index_without_camera(spec):
    with pytest.raises(MediaError, match=r"^camera 97: no camera could be opened at index 97"):
        open_source(spec)


# --- sinks ---------------------------------------------------------------------------------------

def solid(rgb: tuple[int, int, int], width: int = 64, height: int = 48) -> np.ndarray:
    frame = np.zeros((height, width, 3), np.uint8)
    frame[...] = rgb
    return frame


def test_interrupted_video_sink_leaves_a_playable_file(tmp_path):
    path = tmp_path / "out.mp4"
    with pytest.raises(KeyboardInterrupt):
        with open_sink(path, 10.0, (64, 48)) as sink:
            for _ in range(6):
                sink.write(solid((255, 0, 0)))
            raise KeyboardInterrupt
    assert sink.frames_written == 6
    with open_source(path) as source:
        frames = list(source)
    assert (source.width, source.height, source.fps) == (64, 48, 10.0)
    assert len(frames) == 6
    red, green, blue = frames[-1].image.reshape(-1, 3).mean(axis=0)
    assert red > 240 and green < 15 and blue < 15  # RGB stayed RGB through the codec


def _video_stream(path: Path) -> tuple[str, str, int, int]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.name, stream.codec_context.pix_fmt, stream.width, stream.height


def test_mp4_is_h264_that_browsers_play(tmp_path):
    path = tmp_path / "out.mp4"
    with open_sink(path, 5.0, (64, 48)) as sink:
        for i in range(5):
            sink.write(solid((40 * i, 0, 0)))
    assert _video_stream(path) == ("h264", "yuv420p", 64, 48)
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # the index first: playable while it downloads


def test_odd_sized_frames_are_padded_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    y, x = np.mgrid[0:47, 0:65]
    frame = np.stack([x * 3, y * 5, np.full_like(x, 128)], axis=-1).astype(np.uint8)  # smooth ramps
    with open_sink(path, 10.0, (65, 47)) as sink:
        sink.write(frame)
    assert _video_stream(path)[2:] == (66, 48)
    [decoded] = list(open_source(path))
    error = np.abs(decoded.image.astype(int) - np.pad(frame, ((0, 1), (0, 1), (0, 0)), mode="edge"))
    # H.264 at CRF 18 through limited-range YUV 4:2:0 on smooth ramps: 2.1 levels mean here; the pad repeats the edge
    assert error.mean() < 3 and error.max() <= 16


@pytest.mark.parametrize("name", ["out.png", "out.jpg", "out.mp4", "out.avi"])
def test_outputs_are_created_with_the_umask(tmp_path, name):
    old = os.umask(0o027)
    try:
        with open_sink(tmp_path / name, 5.0, (64, 48)) as sink:
            sink.write(solid((0, 0, 0)))
    finally:
        os.umask(old)
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o640


def test_a_video_closed_before_any_frame_leaves_no_file(tmp_path):
    open_sink(tmp_path / "empty.mp4", 5.0, (64, 48)).close()
    assert list(tmp_path.iterdir()) == []


def test_a_size_the_encoder_refuses_fails_when_the_sink_opens(tmp_path):
    with pytest.raises(MediaError, match=r"zero\.mp4: FFmpeg cannot open a libx264 video writer \(0x0 at 5\.0 fps\)"):
        open_sink(tmp_path / "zero.mp4", 5.0, (0, 0))
    assert list(tmp_path.iterdir()) == []


def test_image_sink_writes_the_frame(tmp_path):
    frame = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    with open_sink(tmp_path / "out.png", 30.0, (64, 48)) as sink:
        sink.write(frame)
    assert np.array_equal(next(iter(open_source(tmp_path / "out.png"))).image, frame)
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_sink_in_a_missing_directory(tmp_path):
    path = tmp_path / "absent" / "out.mp4"
    with pytest.raises(MediaError, match=rf"^{path}: cannot write: the directory .*absent does not"):
        open_sink(path, 30.0, (64, 48))


def test_sink_under_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(MediaError, match=r"cannot write: .*file is not a directory"):
        open_sink(tmp_path / "file" / "out.png", 30.0, (64, 48))


def test_sink_in_an_unwritable_directory(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    # The permission check asks os.access; as root every directory is writable, so the answer a
    # normal user gets for a read-only directory is given here for every user.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    with pytest.raises(MediaError, match=r"cannot write: permission denied"):
        open_sink(locked / "out.mp4", 30.0, (64, 48))
    assert not (locked / "out.mp4").exists()


def test_sink_with_an_unknown_suffix(tmp_path):
    with pytest.raises(MediaError, match=r"out\.xyz: cannot write \.xyz; use one of .*\.mp4"):
        open_sink(tmp_path / "out.xyz", 30.0, (64, 48))


def test_sink_rejects_a_frame_of_the_wrong_size_and_writes_after_close(tmp_path):
    sink = open_sink(tmp_path / "out.mp4", 30.0, (64, 48))
    with pytest.raises(ValueError, match=r"expected an RGB uint8 frame of shape \(48, 64, 3\)"):
        sink.write(solid((0, 0, 0), width=48, height=64))
    sink.close()
    sink.close()
    with pytest.raises(MediaError, match=r"out\.mp4: write after close"):
        sink.write(solid((0, 0, 0)))
