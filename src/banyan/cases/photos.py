"""Photos of a case (a resident's from the public form, a handler's at a step): checked by what the bytes are,
not by what the file is called, and re-encoded so that no metadata survives (a phone's photo carries the GPS
position of where it was taken, often the resident's home, and the camera's serial number).
"""

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024  # per photo, as uploaded
MAX_PHOTOS = 6
MAX_SIDE = 2560  # long side after cleaning: enough to read a sign or a meter, far less than a camera's
# A small file can declare a huge canvas (a decompression bomb): refused before its pixels are decoded.
MAX_PIXELS = 50_000_000

# Pillow's format name → (content type, file extension). Nothing else is taken: no SVG (script), no GIF, no HEIC.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


def _read(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read()


def _label(file, number: int) -> str:
    name = getattr(file, "name", "") or ""
    return name.rsplit("/", 1)[-1][:60] or _("第%(n)d张照片") % {"n": number}


def photo_clean(file, number: int = 1) -> tuple[str, str, bytes]:
    """One photo, checked and re-encoded without metadata: (name, content type, bytes)."""
    label = _label(file, number)
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(_("照片“%(name)s”太大（%(size).1f MB），每张不能超过%(max)d MB。")
                              % {"name": label, "size": size / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024})
    data = _read(file)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("照片“%(name)s”太大（%(size).1f MB），每张不能超过%(max)d MB。")
                              % {"name": label, "size": len(data) / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024})
    refused = ValidationError(_("“%(name)s”不是可识别的照片，请上传 JPG、PNG 或 WebP 格式的图片。") % {"name": label})
    try:
        image = Image.open(io.BytesIO(data))
        format_name = image.format
        if format_name not in FORMATS:
            raise refused
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValidationError(_("照片“%(name)s”的尺寸过大（%(w)d×%(h)d），请上传普通手机照片。")
                                  % {"name": label, "w": width, "h": height})
        image.load()
        # Turn the pixels the way the camera's orientation tag says before the tag is dropped with the rest.
        image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused from None
    content_type, extension = FORMATS[format_name]
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = _pixels_only(image, format_name)
    out = io.BytesIO()
    if format_name == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    elif format_name == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    return f"photo-{number}.{extension}", content_type, out.getvalue()


def _pixels_only(image: Image.Image, format_name: str) -> Image.Image:
    """A new image holding only the pixels: no EXIF, XMP, ICC profile, comments or text chunks carried over."""
    mode = image.mode
    if format_name == "JPEG" and mode not in ("RGB", "L"):
        mode = "RGB"
    elif format_name != "JPEG" and mode not in ("RGB", "RGBA", "L", "LA"):
        mode = "RGBA"
    pixels = image.convert(mode) if image.mode != mode else image
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    return clean


def photos_clean(files) -> list[tuple[str, str, bytes]]:
    """The photos of one submission (uploaded files or bytes): at most MAX_PHOTOS, each checked by content,
    size-limited and re-encoded without metadata. Raises ValidationError (in Chinese) on the first bad one."""
    files = [f for f in (files or ()) if f]
    if len(files) > MAX_PHOTOS:
        raise ValidationError(_("最多上传%(max)d张照片（现有%(n)d张）。") % {"max": MAX_PHOTOS, "n": len(files)})
    return [photo_clean(file, number) for number, file in enumerate(files, start=1)]
