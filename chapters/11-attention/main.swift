// Chapter 11: attention mechanisms and Transformers.
AttentionChapter.runAsChapter()
