"""Reading and writing files: images, arrays and (with the audio issue) sound."""

from convcli.io.images import ImageData, load_image, read_image, save_image, write_image

__all__ = ["ImageData", "load_image", "read_image", "save_image", "write_image"]
