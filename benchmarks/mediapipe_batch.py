"""MediaPipe 0.10.21's side of the batch benchmark: pose tracking over videos, one after another,
in one process, the way a MediaPipe user's loop does it. Runs in a separate environment with
mediapipe (never posegraph's); ``benchmarks/batch.py`` starts one of these per core.

    python mediapipe_batch.py OUT_DIR VIDEO...

For each video: decode (OpenCV), ``mp.solutions.pose.Pose`` (full landmark model, smoothing on,
as ``posegraph run pose_tracking``), one JSON line of landmarks per frame to OUT_DIR/NAME.jsonl.
Prints the frames processed.
"""

import json
import os
import sys

import cv2
import mediapipe as mp


def main() -> None:
    out_dir, videos = sys.argv[1], sys.argv[2:]
    frames = 0
    for video in videos:
        capture = cv2.VideoCapture(video)
        fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
        name = os.path.splitext(os.path.basename(video))[0]
        with mp.solutions.pose.Pose(model_complexity=1, smooth_landmarks=True) as pose, \
                open(os.path.join(out_dir, name + ".jsonl"), "w") as out:
            index = 0
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                result = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
                landmarks = result.pose_landmarks
                out.write(json.dumps({"frame": index, "timestamp_us": round(index * 1e6 / fps),
                                      "pose_landmarks": None if landmarks is None else
                                      [[p.x, p.y, p.z, p.visibility] for p in landmarks.landmark]}) + "\n")
                index += 1
        capture.release()
        frames += index
    print(frames)


if __name__ == "__main__":
    main()
