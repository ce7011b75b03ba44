"""Everything TensorBoard's own reader finds in a folder of event files, as JSON, for the test in
Tests/TorchlightBoardTests/EventAccumulatorTests.swift.

    python read_tfevents.py RUN_FOLDER

Loads the folder with tensorboard.backend.event_processing.event_accumulator.EventAccumulator
(which checks both CRCs of every record) and prints the file version and, per tag, every step
and value: scalars, histograms (all of HistogramProto's fields), images (size and the PNG bytes
in hex) and text summaries (the string and the plugin that TensorBoard's Text tab looks for).
"""
import json
import sys

from tensorboard.backend.event_processing import event_accumulator as ea


def main():
    everything = {ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.IMAGES: 0, ea.TENSORS: 0, ea.COMPRESSED_HISTOGRAMS: 0}
    acc = ea.EventAccumulator(sys.argv[1], size_guidance=everything)
    acc.Reload()
    tags = acc.Tags()
    out = {
        "file_version": acc.file_version,
        "scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags[ea.SCALARS]},
        "histograms": {
            t: [{"step": e.step, "min": e.histogram_value.min, "max": e.histogram_value.max,
                 "num": e.histogram_value.num, "sum": e.histogram_value.sum,
                 "sum_squares": e.histogram_value.sum_squares,
                 "bucket_limit": list(e.histogram_value.bucket_limit), "bucket": list(e.histogram_value.bucket)}
                for e in acc.Histograms(t)]
            for t in tags[ea.HISTOGRAMS]},
        "images": {
            t: [{"step": e.step, "width": e.width, "height": e.height, "png": e.encoded_image_string.hex()}
                for e in acc.Images(t)]
            for t in tags[ea.IMAGES]},
        "texts": {
            t: [{"step": e.step, "text": e.tensor_proto.string_val[0].decode("utf-8"),
                 "plugin": acc.SummaryMetadata(t).plugin_data.plugin_name}
                for e in acc.Tensors(t)]
            for t in tags[ea.TENSORS]},
    }
    try:
        out["text_plugin_tags"] = sorted(acc.PluginTagToContent("text").keys())
    except KeyError:  # no summary in this run names the text plugin
        out["text_plugin_tags"] = []
    print(json.dumps(out))


if __name__ == "__main__":
    main()
