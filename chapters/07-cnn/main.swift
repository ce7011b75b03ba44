// Chapter 07: convolutional networks, from cross-correlation to LeNet and the classic architectures.
CNNChapter.runAsChapter()
