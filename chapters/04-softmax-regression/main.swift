// Chapter 04: softmax regression on Fashion-MNIST, from scratch and then concise.
SoftmaxRegression.runAsChapter()
