// Chapter 10: sequence models and recurrent neural networks.
RNNChapter.runAsChapter()
