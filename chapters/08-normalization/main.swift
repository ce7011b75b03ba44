// Chapter 08: normalization — batch norm from scratch, BN-LeNet, and batch, layer, instance and group norm compared.
NormalizationChapter.runAsChapter()
