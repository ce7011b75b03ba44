// Chapter 05: multilayer perceptrons, initialisation, overfitting and regularisation.
MLPChapter.runAsChapter()
