"""Reference values for Tests/TorchlightMetricsTests/MeanAveragePrecisionTests.swift: COCO's own
evaluation (pycocotools' COCOeval, bbox) of a fixed set of detections. The boxes are defined by
formulas, so the Swift test builds the same ones without any file. For image i < 24 and its
ground-truth box g < 1 + i % 4 (x, y, w, h in pixels, three classes):

    class  (i + g) % 3
    box    x = 12 g + (7 i) % 13,  y = 9 g + (11 i) % 17,  w = 8 + (i + 3 g) % 9,  h = 6 + (2 i + g) % 7

Each box is detected unless (3 i + g) % 5 == 4, as

    box    x + 1.2 sin(1.7 i + 2.3 g),  y + cos(0.9 i + 1.1 g),  w + sin(0.5 i + g),  h + 0.8 cos(0.3 i + 2 g)
    class  the box's, or the next one ((class + 1) % 3) when (i + g) % 7 == 0
    score  0.05 + 0.9 (0.5 + 0.5 sin(1.3 i + 0.7 g + 0.2))

and every image has one false positive: box (40 + i % 5, 30 + i % 3, 10, 8), class i % 3,
score 0.02 + 0.5 (0.5 + 0.5 cos(2.1 i)).

Run: python Tests/peers/map_reference.py  (needs numpy and pycocotools)."""
import contextlib
import io
import math

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

images, annotations, detections = [], [], []
for i in range(24):
    images.append({"id": i, "width": 64, "height": 64})
    for g in range(1 + i % 4):
        c = (i + g) % 3
        x, y, w, h = 12 * g + (7 * i) % 13, 9 * g + (11 * i) % 17, 8 + (i + 3 * g) % 9, 6 + (2 * i + g) % 7
        annotations.append({"id": len(annotations) + 1, "image_id": i, "category_id": c, "bbox": [x, y, w, h],
                            "area": w * h, "iscrowd": 0})
        if (3 * i + g) % 5 == 4:
            continue
        box = [x + 1.2 * math.sin(1.7 * i + 2.3 * g), y + math.cos(0.9 * i + 1.1 * g),
               w + math.sin(0.5 * i + g), h + 0.8 * math.cos(0.3 * i + 2 * g)]
        label = (c + 1) % 3 if (i + g) % 7 == 0 else c
        score = 0.05 + 0.9 * (0.5 + 0.5 * math.sin(1.3 * i + 0.7 * g + 0.2))
        detections.append({"image_id": i, "category_id": label, "bbox": box, "score": score})
    detections.append({"image_id": i, "category_id": i % 3, "bbox": [40 + i % 5, 30 + i % 3, 10, 8],
                       "score": 0.02 + 0.5 * (0.5 + 0.5 * math.cos(2.1 * i))})

with contextlib.redirect_stdout(io.StringIO()):
    truth = COCO()
    truth.dataset = {"images": images, "annotations": annotations, "categories": [{"id": k} for k in range(3)]}
    truth.createIndex()
    found = truth.loadRes(detections)
    evaluation = COCOeval(truth, found, "bbox")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()

# precision[t, r, k, area, maxDets]: area "all", 100 detections; the mean over classes per threshold.
precision = evaluation.eval["precision"][:, :, :, 0, 2]
per_threshold = [float(np.mean(precision[t][precision[t] > -1])) for t in range(10)]
print(f"{len(annotations)} boxes, {len(detections)} detections")
print("mAP@[.5:.95] =", repr(float(evaluation.stats[0])))
print("AP50 =", repr(float(evaluation.stats[1])))
print("AP75 =", repr(float(evaluation.stats[2])))
print("per threshold =", per_threshold)
