// Chapter 09: modern convolutional networks (ResNet, DenseNet), what they look at, and transfer learning.
ModernCNNChapter.runAsChapter()
