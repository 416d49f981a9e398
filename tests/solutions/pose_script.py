"""A typical MediaPipe Pose script, in the style of MediaPipe's own Pose guide (solutions/pose.md).

It is written for MediaPipe 0.10.21 (``import mediapipe as mp``); test_pose_script.py runs it with
only that line changed to ``import posegraph as mp`` and compares what it prints with what it
printed under MediaPipe (``reference/``, made by make_reference.py).

    python pose_script.py VIDEO [--frames N] [--model-complexity C] [--segmentation]
    python pose_script.py IMAGE... --static [--model-complexity C] [--segmentation]

Prints, per frame or image: whether a pose was found, the nose in pixels, the 33 landmarks
(x, y, z, visibility) and world landmarks, the fields a landmark has set, a summary of the
segmentation mask, and how many pixels drawing the pose (and the mask's background) changed.
"""
import argparse

import cv2
import mediapipe as mp
import numpy as np

mp_drawing = mp.solutions.drawing_utils
mp_drawing_styles = mp.solutions.drawing_styles
mp_pose = mp.solutions.pose

BG_COLOR = (192, 192, 192)  # gray

parser = argparse.ArgumentParser()
parser.add_argument("media", nargs="+")
parser.add_argument("--static", action="store_true")
parser.add_argument("--frames", type=int, default=60)
parser.add_argument("--model-complexity", type=int, default=1)
parser.add_argument("--segmentation", action="store_true")
args = parser.parse_args()


def report(idx, image, results):
    """Prints one frame's results; image is the BGR frame."""
    image_height, image_width, _ = image.shape
    if not results.pose_landmarks:
        print(f"frame {idx} {image_width}x{image_height}: no pose")
        return
    print(f"frame {idx} {image_width}x{image_height}: pose")
    print(
        f'Nose coordinates: ('
        f'{results.pose_landmarks.landmark[mp_pose.PoseLandmark.NOSE].x * image_width}, '
        f'{results.pose_landmarks.landmark[mp_pose.PoseLandmark.NOSE].y * image_height})'
    )
    first = results.pose_landmarks.landmark[0]
    print("fields", ",".join(field.name for field, _ in first.ListFields()))
    for landmark in mp_pose.PoseLandmark:
        lm = results.pose_landmarks.landmark[landmark]
        print(f"landmark {landmark.name} {lm.x:.6f} {lm.y:.6f} {lm.z:.6f} {lm.visibility:.6f}")
    for landmark in mp_pose.PoseLandmark:
        lm = results.pose_world_landmarks.landmark[landmark]
        print(f"world {landmark.name} {lm.x:.6f} {lm.y:.6f} {lm.z:.6f} {lm.visibility:.6f}")

    annotated_image = image.copy()
    if results.segmentation_mask is not None:
        mask = results.segmentation_mask
        print(f"mask {mask.shape[0]} {mask.shape[1]} {mask.dtype} {mask.mean():.6f} {(mask > 0.5).mean():.6f}")
        # Draw segmentation on the image.
        condition = np.stack((results.segmentation_mask,) * 3, axis=-1) > 0.1
        bg_image = np.zeros(image.shape, dtype=np.uint8)
        bg_image[:] = BG_COLOR
        annotated_image = np.where(condition, annotated_image, bg_image)
    else:
        print("mask none")
    mp_drawing.draw_landmarks(
        annotated_image,
        results.pose_landmarks,
        mp_pose.POSE_CONNECTIONS,
        landmark_drawing_spec=mp_drawing_styles.get_default_pose_landmarks_style())
    print("drawn pixels", int(np.count_nonzero((annotated_image != image).any(axis=2))))


if args.static:
    # For static images:
    with mp_pose.Pose(
            static_image_mode=True,
            model_complexity=args.model_complexity,
            enable_segmentation=args.segmentation,
            min_detection_confidence=0.5) as pose:
        for idx, file in enumerate(args.media):
            image = cv2.imread(file)
            # Convert the BGR image to RGB before processing.
            results = pose.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            report(idx, image, results)
else:
    # For video input:
    cap = cv2.VideoCapture(args.media[0])
    with mp_pose.Pose(
            model_complexity=args.model_complexity,
            enable_segmentation=args.segmentation,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5) as pose:
        idx = 0
        while cap.isOpened() and idx < args.frames:
            success, image = cap.read()
            if not success:
                break
            # To improve performance, optionally mark the image as not writeable to
            # pass by reference.
            image.flags.writeable = False
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            results = pose.process(image)

            image.flags.writeable = True
            image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
            report(idx, image, results)
            idx += 1
    cap.release()
