"""Course files checked by their content, never by their name: images, attachments, audio.

Pure functions on bytes (no database), shared by the browser upload and the zip/folder import:

- ``sniff(data)``: the real type from the first bytes (magic numbers);
- ``process_image(data)``: decode with Pillow, auto-rotate, strip metadata (EXIF location,
  comments, ICC), shrink to at most 1280 px wide, and make a 720 px variant for phones;
- ``check_file(name, data)``: the type the extension claims must be the type the bytes are;
- ``audio_seconds(data, kind)``: the duration of an MP3, Ogg Opus or M4A file.

SVG is refused: it is a document that can carry scripts, and lessons do not need it.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from dataclasses import dataclass

from lms.core.markdown import PHONE_WIDTH, phone_variant

MAX_WIDTH = 1280
MAX_PIXELS = 50_000_000  # a 12 MP phone photo is far below; a decompression bomb is far above
JPEG_QUALITY = 80

IMAGE_KINDS = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
AUDIO_KINDS = {"mp3": "audio/mpeg", "opus": "audio/ogg", "m4a": "audio/mp4"}
DOCUMENT_KINDS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# The extension a file may have for each kind found in its bytes.
EXTENSIONS = {
    "png": {".png"}, "jpeg": {".jpg", ".jpeg"}, "gif": {".gif"}, "webp": {".webp"},
    "pdf": {".pdf"}, "xlsx": {".xlsx"}, "docx": {".docx"},
    "mp3": {".mp3"}, "opus": {".opus", ".ogg"}, "m4a": {".m4a"}, "mp4": {".mp4"},
}
MIME_TYPES = {**IMAGE_KINDS, **AUDIO_KINDS, **DOCUMENT_KINDS, "mp4": "video/mp4"}


class MediaError(ValueError):
    """The file is not what it should be. ``code`` names the reason (the upload form shows it
    translated); the message, in English, is for import reports."""

    def __init__(self, code: str, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("word/") for n in names):
        return "docx"
    return None


def _is_mp3(data: bytes) -> bool:
    if data[:3] == b"ID3":
        return True
    return len(data) > 2 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0 and (data[1] & 0x06) != 0


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are (a key of MIME_TYPES), or None."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if head[:4] == b"OggS" and b"OpusHead" in data[:512]:
        return "opus"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "m4a" if brand in (b"M4A ", b"M4B ") else "mp4"
    if _is_mp3(data):
        return "mp3"
    return None


def check_file(name: str, data: bytes, *, decode: bool = True) -> str:
    """The kind of ``data``, which must match the extension of ``name``; MediaError otherwise.
    A picture is also decoded (unless ``decode`` is false: the caller processes it anyway)."""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    kind = sniff(data)
    if kind is None:
        raise MediaError("unknown", "the content is not an accepted image, document or audio file")
    if ext not in EXTENSIONS[kind]:
        raise MediaError("mismatch", f"the content is {kind.upper()}, which does not match the name “{name}”",
                         kind.upper())
    if kind in IMAGE_KINDS and decode:
        _open_image(data)
    return kind


# --- images -----------------------------------------------------------------------------------


@dataclass
class ProcessedImage:
    kind: str  # png, jpeg, webp (a GIF becomes a PNG)
    data: bytes
    width: int
    height: int
    phone: bytes | None  # the 720 px variant, when the image is wider than that

    @property
    def ext(self) -> str:
        return ".jpg" if self.kind == "jpeg" else "." + self.kind


def _open_image(data: bytes, draft: tuple[int, int] | None = None):
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise MediaError("pixels", "the picture has too many pixels (more than 50 megapixels)")
            if draft and image.format == "JPEG":
                # Decode a big photo at 1/2, 1/4 or 1/8 scale (JPEG's DCT scaling), never below
                # ``draft`` in either direction: several times faster, same result after resizing.
                image.draft("RGB", draft)
            image.load()
    except MediaError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise MediaError("unreadable", "the picture cannot be read") from exc
    if image.format not in {"PNG", "JPEG", "GIF", "WEBP"}:
        raise MediaError("format", "the picture must be PNG, JPEG, GIF or WebP")
    return image


def _encode(image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "jpeg":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif kind == "webp":
        image.save(out, "WEBP", quality=JPEG_QUALITY, method=4)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def process_image(data: bytes) -> ProcessedImage:
    """Decode, auto-rotate, strip metadata, cap the width; and a phone-sized variant."""
    from PIL import Image, ImageOps

    image = _open_image(data, draft=(MAX_WIDTH, MAX_WIDTH))
    kind = {"JPEG": "jpeg", "WEBP": "webp"}.get(image.format, "png")
    image = ImageOps.exif_transpose(image)  # a copy without the orientation tag
    if kind == "jpeg" and image.mode != "RGB":
        image = image.convert("RGB")
    elif kind == "png" and image.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
        image = image.convert("RGBA")
    # A fresh image: no EXIF, no XMP, no comments, no ICC profile, no PNG text chunks.
    clean = Image.new(image.mode, image.size)
    if image.mode == "P":
        clean.putpalette(image.getpalette())
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    clean.paste(image)
    if clean.width > MAX_WIDTH:
        clean = clean.resize((MAX_WIDTH, round(clean.height * MAX_WIDTH / clean.width)), Image.LANCZOS)
    phone = None
    if clean.width > PHONE_WIDTH:
        small = clean.resize((PHONE_WIDTH, round(clean.height * PHONE_WIDTH / clean.width)), Image.LANCZOS)
        phone = _encode(small, kind)
    return ProcessedImage(kind, _encode(clean, kind), clean.width, clean.height, phone)


phone_path = phone_variant  # images/photo.jpg → images/photo.720.jpg


# --- audio ------------------------------------------------------------------------------------

_MP3_BITRATES = {  # MPEG-1 Layer III, MPEG-2/2.5 Layer III (kbit/s)
    3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0],
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0],
}
_MP3_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def _mp3_seconds(data: bytes) -> float | None:
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        pos = 10 + size
    while pos + 4 <= len(data):
        b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
        if data[pos] == 0xFF and (b1 & 0xE0) == 0xE0:
            version = (b1 >> 3) & 0x03  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
            layer = (b1 >> 1) & 0x03  # 1 = Layer III
            bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 0x03
            if version != 1 and layer == 1 and rate_index < 3 and 0 < bitrate_index < 15:
                rate = _MP3_RATES[version][rate_index]
                samples = 1152 if version == 3 else 576
                # A Xing/Info or VBRI header gives the frame count of a variable bit rate file.
                side = (32 if b3 >> 6 != 3 else 17) if version == 3 else (17 if b3 >> 6 != 3 else 9)
                xing = pos + 4 + side
                if data[xing:xing + 4] in (b"Xing", b"Info") and data[xing + 7] & 0x01:
                    frames = struct.unpack(">I", data[xing + 8:xing + 12])[0]
                    return frames * samples / rate
                if data[pos + 36:pos + 40] == b"VBRI":
                    frames = struct.unpack(">I", data[pos + 50:pos + 54])[0]
                    return frames * samples / rate
                bitrate = _MP3_BITRATES[3 if version == 3 else 2][bitrate_index] * 1000
                return (len(data) - pos) * 8 / bitrate
        pos += 1
        if pos > 65536:
            return None
    return None


def _opus_seconds(data: bytes) -> float | None:
    head = data.find(b"OpusHead")
    if head < 0:
        return None
    pre_skip = struct.unpack("<H", data[head + 10:head + 12])[0]
    last = data.rfind(b"OggS")
    if last < 0 or last + 14 > len(data):
        return None
    granule = struct.unpack("<q", data[last + 6:last + 14])[0]
    return max(granule - pre_skip, 0) / 48000


def _m4a_seconds(data: bytes) -> float | None:
    def boxes(start: int, end: int):
        pos = start
        while pos + 8 <= end:
            size, name = struct.unpack(">I4s", data[pos:pos + 8])
            header = 8
            if size == 1:
                size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
                header = 16
            elif size == 0:
                size = end - pos
            if size < header:
                return
            yield name, pos + header, min(pos + size, end)
            pos += size

    for name, start, end in boxes(0, len(data)):
        if name == b"moov":
            for inner, istart, _iend in boxes(start, end):
                if inner == b"mvhd":
                    version = data[istart]
                    if version == 1:
                        scale, duration = struct.unpack(">IQ", data[istart + 20:istart + 32])
                    else:
                        scale, duration = struct.unpack(">II", data[istart + 12:istart + 20])
                    return duration / scale if scale else None
    return None


def audio_seconds(data: bytes, kind: str) -> int | None:
    """Whole seconds of an MP3, Opus or M4A file, or None when they cannot be read."""
    reader = {"mp3": _mp3_seconds, "opus": _opus_seconds, "m4a": _m4a_seconds}.get(kind)
    try:
        seconds = reader(data) if reader else None
    except (struct.error, IndexError, ZeroDivisionError):
        return None
    return round(seconds) if seconds is not None and seconds >= 0 else None
