/* zlib_driver: compresses a deterministic buffer with Debian's libz.a at
 * several levels and strategies, in zlib, raw and gzip framing, and checks
 * each round trip.  Prints sizes and checksums only, so the output is the
 * same wherever the code is loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define N (256 * 1024)

/* Text-like data with repeats and some noise, from a fixed LCG. */
static void make_input(unsigned char *buf, size_t n) {
  static const char *words[] = {"reload", "object", "symbol", "section",
                                "arena ", "linker", "\n", "  ", "0123"};
  unsigned long s = 12345;
  size_t i = 0;

  while (i < n) {
    s = s * 6364136223846793005ul + 1442695040888963407ul;
    if ((s >> 60) < 3) {
      buf[i++] = (unsigned char)(s >> 33);
      continue;
    }
    const char *w = words[(s >> 40) % (sizeof words / sizeof words[0])];
    for (size_t k = 0; w[k] && i < n; k++)
      buf[i++] = (unsigned char)w[k];
  }
}

/* deflate/inflate with explicit windowBits (15 zlib, -15 raw, 31 gzip). */
static int roundtrip(const unsigned char *in, size_t n, int level, int bits,
                     int strategy, unsigned char *tmp, size_t tmpcap,
                     unsigned char *out) {
  z_stream d, f;
  int rc;

  memset(&d, 0, sizeof d);
  if (deflateInit2(&d, level, Z_DEFLATED, bits, 8, strategy) != Z_OK)
    return -1;
  d.next_in = (unsigned char *)in;
  d.avail_in = (uInt)n;
  d.next_out = tmp;
  d.avail_out = (uInt)tmpcap;
  rc = deflate(&d, Z_FINISH);
  unsigned long clen = d.total_out;
  deflateEnd(&d);
  if (rc != Z_STREAM_END)
    return -2;

  memset(&f, 0, sizeof f);
  if (inflateInit2(&f, bits) != Z_OK)
    return -3;
  f.next_in = tmp;
  f.avail_in = (uInt)clen;
  f.next_out = out;
  f.avail_out = (uInt)n;
  rc = inflate(&f, Z_FINISH);
  unsigned long olen = f.total_out;
  inflateEnd(&f);
  if (rc != Z_STREAM_END || olen != n || memcmp(in, out, n) != 0)
    return -4;
  printf("  bits=%3d strategy=%d level=%d: %lu bytes, crc32 %08lx\n", bits,
         strategy, level, clen, crc32(0, tmp, (uInt)clen));
  return 0;
}

int main(void) {
  unsigned char *in = malloc(N), *out = malloc(N);
  uLong cap = compressBound(N);
  unsigned char *comp = malloc(cap);
  int bad = 0;

  if (!in || !out || !comp)
    return 2;
  make_input(in, N);
  printf("zlib %s (header %s)\n", zlibVersion(), ZLIB_VERSION);
  printf("input: %d bytes, crc32 %08lx, adler32 %08lx\n", N,
         crc32(0, in, N), adler32(1, in, N));

  /* crc32_combine over two halves equals the crc of the whole. */
  uLong c1 = crc32(0, in, N / 3), c2 = crc32(0, in + N / 3, N - N / 3);
  printf("crc32_combine %08lx adler32_combine %08lx\n",
         crc32_combine(c1, c2, N - N / 3),
         adler32_combine(adler32(1, in, N / 3),
                         adler32(1, in + N / 3, N - N / 3), N - N / 3));

  for (int level = 0; level <= 9; level += 3) {
    uLongf clen = cap, olen = N;
    if (compress2(comp, &clen, in, N, level) != Z_OK ||
        uncompress(out, &olen, comp, clen) != Z_OK || olen != N ||
        memcmp(in, out, N) != 0) {
      printf("level %d: round trip FAILED\n", level);
      bad++;
      continue;
    }
    printf("level %d: %lu bytes, adler32 %08lx, round trip crc32 %08lx\n",
           level, (unsigned long)clen, adler32(1, comp, (uInt)clen),
           crc32(0, out, (uInt)olen));
  }

  static const int bits[] = {15, -15, 31};
  static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED,
                                   Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED};
  for (unsigned b = 0; b < 3; b++)
    for (unsigned s = 0; s < 5; s++) {
      int level = 1 + (int)((b * 5 + s) % 9);
      int rc = roundtrip(in, N, level, bits[b], strategies[s], comp, cap, out);
      if (rc) {
        printf("  bits=%d strategy=%d: FAILED (%d)\n", bits[b],
               strategies[s], rc);
        bad++;
      }
    }

  /* A corrupt stream must be refused with Z_DATA_ERROR. */
  uLongf clen = cap, olen = N;
  compress2(comp, &clen, in, 4096, 6);
  comp[clen / 2] ^= 0x55;
  comp[clen / 2 + 1] ^= 0xaa;
  int rc = uncompress(out, &olen, comp, clen);
  fprintf(stderr, "corrupt stream: %s\n",
          rc == Z_DATA_ERROR ? "Z_DATA_ERROR" : rc == Z_OK ? "Z_OK" : "other");

  free(in);
  free(out);
  free(comp);
  printf("%s\n", bad ? "FAILED" : "all round trips ok");
  return bad ? 1 : 0;
}
