"""Reading a QR code back the way a phone would: the served PNG, decoded by hand (PNG is
zlib-compressed rows) and handed to the ZXing decoder."""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree import ElementTree

import numpy as np
import zxingcpp

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_pixels(data: bytes) -> np.ndarray:
    """A 1-bit greyscale PNG (what segno writes in black and white) as a uint8 image."""
    assert data.startswith(_SIGNATURE), "not a PNG"
    pos, header, compressed = len(_SIGNATURE), b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour, interlace) == (1, 0, 0), "only 1-bit greyscale, not interlaced"
    raw = zlib.decompress(compressed)
    stride = (width + 7) // 8
    rows, previous = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        current = _unfilter(line[0], bytearray(line[1:]), previous)
        bits = np.unpackbits(np.frombuffer(bytes(current), dtype=np.uint8))[:width]
        rows.append(bits * 255)
        previous = current
    return np.array(rows, dtype=np.uint8)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _unfilter(kind: int, line: bytearray, above: bytearray) -> bytearray:
    """Undo one row's PNG filter (RFC 2083, 6.3); below 8 bits a pixel step is one byte."""
    for i in range(len(line)):
        left = line[i - 1] if i else 0
        upper_left = above[i - 1] if i else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + above[i]) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + above[i]) // 2) & 0xFF
        elif kind == 4:
            line[i] = (line[i] + _paeth(left, above[i], upper_left)) & 0xFF
        else:
            assert kind == 0, f"unknown PNG filter {kind}"
    return line


def decode_png(data: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(png_pixels(data))]


_PATH_STEP = re.compile(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?")


def svg_pixels(data: bytes) -> np.ndarray:
    """segno's SVG (one path of horizontal strokes, one module high) drawn back as pixels."""
    root = ElementTree.fromstring(data)  # noqa: S314 (our own server's answer)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    path = root.find("{http://www.w3.org/2000/svg}path")
    assert path is not None
    scale = float(re.fullmatch(r"scale\(([\d.]+)\)", path.get("transform", "scale(1)")).group(1))  # type: ignore[union-attr]
    size = round(float(root.get("width", "0")) / scale)
    modules = np.full((size, size), 255, dtype=np.uint8)
    x = y = 0.0
    for command, first, second in _PATH_STEP.findall(path.get("d", "")):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            modules[int(y), int(x) : int(x + float(first))] = 0
            x += float(first)
    return np.kron(modules, np.ones((4, 4), dtype=np.uint8))


def decode_svg(data: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(svg_pixels(data))]
