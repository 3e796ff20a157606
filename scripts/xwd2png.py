#!/usr/bin/python3
"""xwd2png.py - converts an X Window Dump (as `xwd -root` writes it) to an 8-bit RGB PNG.

Used by scripts/xr-sandbox for screenshots of Monado's compositor window in Xvfb; runs on the
host's /usr/bin/python3 with the standard library only. Reads what Xvfb and Xorg produce:
version 7 files, ZPixmap, TrueColor or DirectColor visuals, 16, 24 or 32 bits per pixel,
either byte order. Not a general XWD reader: no XYPixmap/bitmaps, no PseudoColor colormaps.

    xwd2png.py IN.xwd OUT.png      (OUT.png is written whole, then renamed into place)
"""
import os
import struct
import sys
import zlib

HEADER_FIELDS = (
    "header_size file_version pixmap_format pixmap_depth pixmap_width pixmap_height xoffset "
    "byte_order bitmap_unit bitmap_bit_order bitmap_pad bits_per_pixel bytes_per_line "
    "visual_class red_mask green_mask blue_mask bits_per_rgb colormap_entries ncolors "
    "window_width window_height window_x window_y window_bdrwidth"
).split()
ZPIXMAP, TRUECOLOR, DIRECTCOLOR = 2, 4, 5
MAX_SIDE = 32768


class XwdError(Exception):
    pass


def parse_header(data):
    if len(data) < 100:
        raise XwdError("file too short for an XWD header (%d bytes)" % len(data))
    h = dict(zip(HEADER_FIELDS, struct.unpack(">25I", data[:100])))
    if h["file_version"] != 7:
        raise XwdError("not an XWD version 7 file (version field %d)" % h["file_version"])
    if h["pixmap_format"] != ZPIXMAP:
        raise XwdError("pixmap format %d unsupported (only ZPixmap)" % h["pixmap_format"])
    if h["visual_class"] not in (TRUECOLOR, DIRECTCOLOR):
        raise XwdError("visual class %d unsupported (only TrueColor/DirectColor)" % h["visual_class"])
    if h["bits_per_pixel"] not in (16, 24, 32):
        raise XwdError("%d bits per pixel unsupported" % h["bits_per_pixel"])
    w, ht = h["pixmap_width"], h["pixmap_height"]
    if not (0 < w <= MAX_SIDE and 0 < ht <= MAX_SIDE):
        raise XwdError("image size %dx%d out of range" % (w, ht))
    if h["bytes_per_line"] < w * h["bits_per_pixel"] // 8:
        raise XwdError("bytes_per_line %d too small for width %d" % (h["bytes_per_line"], w))
    if h["header_size"] < 100:
        raise XwdError("header size %d too small" % h["header_size"])
    return h


def channel_layout(mask):
    """(shift, bits) of a contiguous channel mask."""
    if mask == 0:
        raise XwdError("zero colour mask")
    shift = (mask & -mask).bit_length() - 1
    bits = (mask >> shift).bit_length()
    if (mask >> shift) != (1 << bits) - 1:
        raise XwdError("non-contiguous colour mask 0x%x" % mask)
    return shift, bits


def to_rgb_rows(h, pixels):
    """Yields each row as bytes R,G,B (8 bits each)."""
    w, ht = h["pixmap_width"], h["pixmap_height"]
    bpp = h["bits_per_pixel"] // 8
    bpl = h["bytes_per_line"]
    msb = h["byte_order"] == 1
    layouts = [channel_layout(h[k]) for k in ("red_mask", "green_mask", "blue_mask")]
    if bpp in (3, 4) and all(b == 8 and s % 8 == 0 for s, b in layouts):
        # Fast path: each channel is one byte of the pixel; pick it with a strided slice.
        offsets = [(bpp - 1 - s // 8) if msb else s // 8 for s, _ in layouts]
        for y in range(ht):
            row = pixels[y * bpl : y * bpl + w * bpp]
            out = bytearray(w * 3)
            for c, off in enumerate(offsets):
                out[c::3] = row[off::bpp]
            yield bytes(out)
        return
    order = ">" if msb else "<"
    fmt = {2: "H", 4: "I"}.get(bpp)
    for y in range(ht):
        row = pixels[y * bpl : y * bpl + w * bpp]
        if fmt:
            values = struct.unpack("%s%d%s" % (order, w, fmt), row)
        else:  # 24 bits per pixel
            values = [int.from_bytes(row[i : i + 3], "big" if msb else "little") for i in range(0, len(row), 3)]
        out = bytearray(w * 3)
        for x, v in enumerate(values):
            for c, (s, b) in enumerate(layouts):
                out[3 * x + c] = ((v >> s) & ((1 << b) - 1)) * 255 // ((1 << b) - 1)
        yield bytes(out)


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def convert(data):
    h = parse_header(data)
    start = h["header_size"] + h["ncolors"] * 12  # window name, then XWDColor entries
    need = start + h["bytes_per_line"] * h["pixmap_height"]
    if len(data) < need:
        raise XwdError("truncated: %d bytes, header promises %d" % (len(data), need))
    pixels = memoryview(data)[start:need]
    raw = b"".join(b"\x00" + r for r in to_rgb_rows(h, pixels))
    ihdr = struct.pack(">IIBBBBB", h["pixmap_width"], h["pixmap_height"], 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(raw, 6))
        + png_chunk(b"IEND", b"")
    )


def main(argv):
    if len(argv) != 3:
        print("usage: xwd2png.py IN.xwd OUT.png", file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    try:
        with open(src, "rb") as f:
            data = f.read()
        png = convert(data)
        tmp = dst + ".tmp"
        with open(tmp, "wb") as f:
            f.write(png)
        os.replace(tmp, dst)
    except XwdError as e:
        print("xwd2png: %s: %s" % (src, e), file=sys.stderr)
        return 1
    except OSError as e:
        print("xwd2png: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
