/* Renders a message by walking its descriptor, so every message type of
 * every .proto prints without code of its own. */
#include "pb_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const secret_names[] = {"secret", "enc_key", "auth_key", "key_bytes"};

static bool is_secret(const ProtobufCFieldDescriptor *f) {
  for (size_t i = 0; i < sizeof secret_names / sizeof secret_names[0]; i++)
    if (strcmp(f->name, secret_names[i]) == 0)
      return true;
  return false;
}

/* raw: bytes fields escape everything outside printable ASCII; strings keep
 * UTF-8 as it is and escape only what could break the line or the quotes. */
static void put_quoted(FILE *out, const uint8_t *p, size_t len, bool raw) {
  fputc('"', out);
  for (size_t i = 0; i < len; i++) {
    uint8_t c = p[i];
    switch (c) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    default:
      if (c < 0x20 || c == 0x7f || (raw && c >= 0x80))
        fprintf(out, "\\x%02x", c);
      else
        fputc(c, out);
    }
  }
  fputc('"', out);
}

static void put_message(FILE *out, const ProtobufCMessage *m);

/* One value of field f stored at p. */
static void put_value(FILE *out, const ProtobufCFieldDescriptor *f, const void *p) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32: fprintf(out, "%" PRId32, *(const int32_t *)p); break;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: fprintf(out, "%" PRIu32, *(const uint32_t *)p); break;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64: fprintf(out, "%" PRId64, *(const int64_t *)p); break;
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: fprintf(out, "%" PRIu64, *(const uint64_t *)p); break;
  case PROTOBUF_C_TYPE_FLOAT: fprintf(out, "%g", (double)*(const float *)p); break;
  case PROTOBUF_C_TYPE_DOUBLE: fprintf(out, "%g", *(const double *)p); break;
  case PROTOBUF_C_TYPE_BOOL: fputs(*(const protobuf_c_boolean *)p ? "true" : "false", out); break;
  case PROTOBUF_C_TYPE_ENUM: {
    int v = *(const int *)p;
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
    if (ev)
      fputs(ev->name, out);
    else
      fprintf(out, "%d", v);
    break;
  }
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(char *const *)p;
    size_t len = s ? strlen(s) : 0;
    if (is_secret(f))
      fprintf(out, "<%zu bytes>", len);
    else
      put_quoted(out, (const uint8_t *)(s ? s : ""), len, false);
    break;
  }
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *b = p;
    if (is_secret(f))
      fprintf(out, "<%zu bytes>", b->len);
    else
      put_quoted(out, b->data, b->len, true);
    break;
  }
  case PROTOBUF_C_TYPE_MESSAGE: put_message(out, *(ProtobufCMessage *const *)p); break;
  }
}

static size_t value_size(const ProtobufCFieldDescriptor *f) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_DOUBLE: return 8;
  case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_ENUM: return sizeof(int);
  case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
  case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
  case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
  default: return 4;
  }
}

static bool is_zero(const ProtobufCFieldDescriptor *f, const void *p) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(char *const *)p;
    return !s || !*s;
  }
  case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)p)->len == 0;
  case PROTOBUF_C_TYPE_MESSAGE: return *(ProtobufCMessage *const *)p == NULL;
  default: {
    static const uint8_t zeros[8];
    return memcmp(p, zeros, value_size(f)) == 0;
  }
  }
}

/* Whether the field is set, by the rules of its label. */
static bool present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const void *p) {
  const char *base = (const char *)m;
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
    return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
  switch (f->label) {
  case PROTOBUF_C_LABEL_REQUIRED: return true;
  case PROTOBUF_C_LABEL_REPEATED: return *(const size_t *)(base + f->quantifier_offset) > 0;
  case PROTOBUF_C_LABEL_OPTIONAL:
    if (f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
      return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
    return !is_zero(f, p);
  case PROTOBUF_C_LABEL_NONE: return !is_zero(f, p);
  }
  return false;
}

static void put_message(FILE *out, const ProtobufCMessage *m) {
  if (!m) {
    fputs("null", out);
    return;
  }
  const ProtobufCMessageDescriptor *d = m->descriptor;
  const char *sep = "";
  fputc('{', out);
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const void *p = (const char *)m + f->offset;
    if (!present(m, f, p))
      continue;
    fprintf(out, "%s%s:", sep, f->name);
    sep = " ";
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
      put_value(out, f, p);
      continue;
    }
    size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
    const char *arr = *(const char *const *)p;
    fputc('[', out);
    for (size_t k = 0; k < n; k++) {
      if (k)
        fputc(' ', out);
      put_value(out, f, arr + k * value_size(f));
    }
    fputc(']', out);
  }
  fputc('}', out);
}

char *erx_pb_text(const ProtobufCMessage *m) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  if (!out)
    return NULL;
  put_message(out, m);
  if (fclose(out) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
