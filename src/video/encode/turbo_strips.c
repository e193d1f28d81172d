/*
 * libjpeg-turbo's raw-data compression (jpeg_write_raw_data), for TurboEncoder's YUYV frames
 * (src/video/encode/turbo_strips.rs; built by build.rs with --features turbojpeg, against the
 * headers of the libjpeg-turbo the turbojpeg crate builds and links).
 *
 * Why: TurboJPEG's API takes whole planes only, so a 1920x1080 YUYV frame was split into 3.1 MB of
 * planes and read back by the library, which cost 1.12-1.18x the library's own time where issue 9
 * asks for 1.1x. The raw-data API takes one iMCU row (16 picture rows for 4:2:0) at a time, so
 * the frame is split into a strip that stays in the cache while it is compressed.
 *
 * The settings are TurboJPEG's own for tj3CompressFromYUVPlanes8 (turbojpeg.c, setCompDefaults):
 * the same JPEG bytes (tested). libjpeg reports errors by calling error_exit, which must not return:
 * every entry point sets a jump target first, and an error aborts the compression and returns -1
 * with the message kept for pistream_strips_message.
 */

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

struct pistream_strips {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr err;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  /* The JPEG buffer (the caller's, unless libjpeg outgrew it) and the JPEG's length in it. */
  unsigned char *out;
  unsigned long out_len;
  /* A buffer libjpeg allocated when the caller's was too small, freed at the next start. */
  unsigned char *grown;
  unsigned char *given;
};

static void strips_error_exit(j_common_ptr cinfo)
{
  struct pistream_strips *s = (struct pistream_strips *)cinfo->client_data;
  (*cinfo->err->format_message) (cinfo, s->message);
  longjmp(s->jump, 1);
}

/* Warnings (none is possible when compressing raw data) and trace messages: not printed. */
static void strips_output_message(j_common_ptr cinfo)
{
  (void)cinfo;
}

struct pistream_strips *pistream_strips_new(void)
{
  /* volatile: read again after the longjmp below. */
  struct pistream_strips *volatile s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->cinfo.err = jpeg_std_error(&s->err);
  s->err.error_exit = strips_error_exit;
  s->err.output_message = strips_output_message;
  s->cinfo.client_data = s;
  if (setjmp(s->jump)) {
    free(s);
    return NULL;
  }
  jpeg_create_compress(&s->cinfo);
  return s;
}

void pistream_strips_free(struct pistream_strips *s)
{
  if (s == NULL) return;
  jpeg_destroy_compress(&s->cinfo);
  free(s->grown);
  free(s);
}

const char *pistream_strips_message(const struct pistream_strips *s)
{
  return s->message;
}

/* Aborts after an error (libjpeg's state goes back to "created"); -1 for the caller. */
static int strips_fail(struct pistream_strips *s)
{
  jpeg_abort_compress(&s->cinfo);
  return -1;
}

/*
 * Starts a baseline JPEG of width x height at quality, 4:2:0 (rows_per_chroma 2) or 4:2:2 (1),
 * written into buf (cap bytes, libjpeg-turbo's worst case for the picture: it never grows).
 */
int pistream_strips_start(struct pistream_strips *s, unsigned int width, unsigned int height,
                          int quality, int rows_per_chroma, unsigned char *buf, size_t cap)
{
  struct jpeg_compress_struct *c = &s->cinfo;
  if (setjmp(s->jump)) return strips_fail(s);
  s->message[0] = '\0';
  free(s->grown);
  s->grown = NULL;
  s->out = s->given = buf;
  s->out_len = cap;
  jpeg_mem_dest(c, &s->out, &s->out_len);
  c->image_width = width;
  c->image_height = height;
  c->input_components = 3;
  c->in_color_space = JCS_RGB;
  jpeg_set_defaults(c);
  jpeg_set_quality(c, quality, TRUE);
  c->dct_method = JDCT_ISLOW;
  jpeg_set_colorspace(c, JCS_YCbCr);
  c->optimize_coding = FALSE;
  c->comp_info[0].h_samp_factor = 2;
  c->comp_info[0].v_samp_factor = rows_per_chroma;
  c->comp_info[1].h_samp_factor = c->comp_info[1].v_samp_factor = 1;
  c->comp_info[2].h_samp_factor = c->comp_info[2].v_samp_factor = 1;
  c->raw_data_in = TRUE;
  jpeg_start_compress(c, TRUE);
  return 0;
}

/*
 * Compresses the next iMCU row: 8 * rows_per_chroma luma rows from y (y_stride apart) and 8 rows
 * of each chroma plane from cb and cr (c_stride apart), each row padded to whole blocks.
 */
int pistream_strips_write(struct pistream_strips *s, const unsigned char *y, size_t y_stride,
                          const unsigned char *cb, const unsigned char *cr, size_t c_stride)
{
  JSAMPROW y_rows[16], cb_rows[8], cr_rows[8];
  JSAMPARRAY planes[3] = { y_rows, cb_rows, cr_rows };
  int luma_rows = s->cinfo.comp_info[0].v_samp_factor * DCTSIZE;
  int i;
  if (setjmp(s->jump)) return strips_fail(s);
  for (i = 0; i < luma_rows; i++) y_rows[i] = (JSAMPROW)(y + i * y_stride);
  for (i = 0; i < DCTSIZE; i++) {
    cb_rows[i] = (JSAMPROW)(cb + i * c_stride);
    cr_rows[i] = (JSAMPROW)(cr + i * c_stride);
  }
  if (jpeg_write_raw_data(&s->cinfo, planes, (JDIMENSION)luma_rows) != (JDIMENSION)luma_rows) {
    strcpy(s->message, "libjpeg-turbo took a short iMCU row");
    return strips_fail(s);
  }
  return 0;
}

/*
 * Finishes the JPEG; *jpeg and *len are where it is (the caller's buffer, unless libjpeg had to
 * grow it: then a malloc'd copy, owned by s until the next start or pistream_strips_free).
 */
int pistream_strips_finish(struct pistream_strips *s, const unsigned char **jpeg, size_t *len)
{
  if (setjmp(s->jump)) return strips_fail(s);
  jpeg_finish_compress(&s->cinfo);
  if (s->out != s->given) s->grown = s->out;
  *jpeg = s->out;
  *len = s->out_len;
  return 0;
}
