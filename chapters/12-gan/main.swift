// Chapter 12: generative adversarial networks, measured with the Fréchet distance.
GANChapter.runAsChapter()
