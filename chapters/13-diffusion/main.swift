// Chapter 13: diffusion models, from the forward process to a class-conditional U-Net.
DiffusionChapter.runAsChapter()
