#!/usr/bin/env python3
"""bmp2png.py IN.bmp OUT.png [SCALE]: convert the demo's screenshots (24-bit
uncompressed BMP, as demo/main.c writes them) to PNG, optionally scaled up
by a whole factor with nearest-neighbour pixels. Needs only python3."""
import struct
import sys
import zlib


def read_bmp(path):
    data = open(path, "rb").read()
    if data[:2] != b"BM":
        sys.exit("bmp2png: %s: not a BMP file" % path)
    off, = struct.unpack_from("<I", data, 10)
    w, h, planes, bpp, comp = struct.unpack_from("<iiHHI", data, 18)
    if bpp != 24 or comp != 0:
        sys.exit("bmp2png: %s: only 24-bit uncompressed BMP is supported" % path)
    stride = (w * 3 + 3) & ~3
    rows = []
    for y in range(abs(h)):
        src = y if h < 0 else abs(h) - 1 - y  # bottom-up unless h < 0
        line = data[off + src * stride: off + src * stride + w * 3]
        rgb = bytearray(len(line))
        rgb[0::3], rgb[1::3], rgb[2::3] = line[2::3], line[1::3], line[0::3]
        rows.append(bytes(rgb))
    return w, abs(h), rows


def write_png(path, w, h, rows):
    def chunk(kind, body):
        c = kind + body
        return struct.pack(">I", len(body)) + c + struct.pack(">I", zlib.crc32(c))
    raw = b"".join(b"\0" + r for r in rows)
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9))
           + chunk(b"IEND", b""))
    open(path, "wb").write(png)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    scale = int(sys.argv[3]) if len(sys.argv) == 4 else 1
    w, h, rows = read_bmp(sys.argv[1])
    if scale > 1:
        big = []
        for r in rows:
            px = b"".join(r[i:i + 3] * scale for i in range(0, len(r), 3))
            big.extend([px] * scale)
        w, h, rows = w * scale, h * scale, big
    write_png(sys.argv[2], w, h, rows)


if __name__ == "__main__":
    main()
