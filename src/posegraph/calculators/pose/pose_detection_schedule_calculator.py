"""PoseDetectionScheduleCalculator: decides, frame by frame, whether the person detector runs."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port, SidePacketError


@dataclass(frozen=True)
class PoseDetectionScheduleCalculatorOptions:
    """Attributes:
        num_poses: how many people may be tracked at once (side packet NUM_POSES overrides).
        redetect_interval: 0 for MediaPipe's rule, else the detector's period in frames (side
            packet REDETECT_INTERVAL overrides).
        max_num_poses: the largest ``num_poses`` accepted.
    """

    num_poses: int = 2
    redetect_interval: int = 0
    max_num_poses: int = 100


class PoseDetectionScheduleCalculator(Calculator):
    """Sends, at each TICK (any stream that paces the frames), ``True`` when the detector should be
    skipped: the value for a GateCalculator's DISALLOW.

    TRACKED is the list of ROIs carried over from the previous frame (absent or empty: nobody).
    With ``redetect_interval`` 0 the detector runs whenever fewer than ``num_poses`` people are
    tracked (MediaPipe's Tasks PoseLandmarkerGraph: NormalizedRectVectorHasMinSizeCalculator on
    the previous frame's rects). With N > 0 it runs when nobody is tracked, or when N frames have
    passed since it last ran, and not otherwise, so a crowd does not pay for it on every frame.

    Raises (in ``open``):
        SidePacketError: ``num_poses`` outside 1..``max_num_poses``, or a negative
            ``redetect_interval``.
    """

    contract = Contract(
        inputs={"TICK": Port(object), "TRACKED": Port((list, tuple), optional=True)},
        outputs={"": Port(bool, doc="True: skip the detector at this frame")},
        input_side_packets={"NUM_POSES": Port(int, optional=True), "REDETECT_INTERVAL": Port(int, optional=True)},
        options=PoseDetectionScheduleCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        self.num_poses = cc.side_input("NUM_POSES", default=o.num_poses)
        self.interval = cc.side_input("REDETECT_INTERVAL", default=o.redetect_interval)
        if not 1 <= self.num_poses <= o.max_num_poses:
            raise SidePacketError(f"num_poses must be between 1 and {o.max_num_poses}, got {self.num_poses}")
        if self.interval < 0:
            raise SidePacketError(f"redetect_interval must be 0 (detect whenever fewer than num_poses people are "
                                  f"tracked) or a number of frames, got {self.interval}")
        self.since_detection = 0  # frames since the detector last ran

    def process(self, cc: CalculatorContext) -> None:
        tracked = len(cc.value("TRACKED", default=()))
        if self.interval == 0:
            skip = tracked >= self.num_poses
        else:
            skip = tracked > 0 and self.since_detection + 1 < self.interval
        self.since_detection = self.since_detection + 1 if skip else 0
        cc.send("", skip)
