// Chapter 16: computer vision beyond classification: augmentation, boxes and anchors, a
// single-shot detector and a fully convolutional segmenter on Fashion-MNIST canvases.
VisionChapter.runAsChapter()
