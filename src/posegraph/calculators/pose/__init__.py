"""The BlazePose wing: landmark decoding, smoothing, visibility gating, segmentation, the skeleton drawing."""
