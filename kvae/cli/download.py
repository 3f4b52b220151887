"""kvae-download: fetch file-backed datasets from their published URLs into the data root.

    kvae-download dsprites shapes3d            # into $KVAE_DATA (else $DISENTANGLEMENT_LIB_DATA, else .)
    kvae-download smallnorb --data_root=/data  # gunzipped into /data/small_norb/
    kvae-download all

Each file is verified (size and published sha256/md5 where known) before it is
renamed into place, so a failed or corrupt download never replaces a good file;
an interrupted one is resumed by running the same command again.
"""

from absl import flags

from kvae.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "data_root", None, "Where the datasets go (default $KVAE_DATA, else $DISENTANGLEMENT_LIB_DATA, else .)."
)
flags.DEFINE_bool("force", False, "Fetch again even when the dataset is there (replaced only once verified).")
flags.DEFINE_string(
    "mirror",
    None,
    "A URL base laid out like the data root, instead of the published URLs (default $KVAE_DOWNLOAD_MIRROR).",
)
flags.DEFINE_integer("retries", 3, "How many times an interrupted transfer is resumed before giving up.")
common.define_verbose_flag()


def main(argv):
    with common.one_line_errors("kvae-download", FLAGS.verbose):
        from kvae.data import download
        from kvae.errors import KvaeError

        requested = argv[1:]
        if not requested:
            raise KvaeError(f"expected dataset names (or 'all'): {', '.join(download.names())}")
        if requested == ["all"]:
            requested = sorted(download.SOURCES)
        for name in requested:
            download.download(name, FLAGS.data_root, FLAGS.mirror, FLAGS.force, FLAGS.retries)


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
