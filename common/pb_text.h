/* One-line text of any protobuf-c message, for logs and tools:
 *   {name:"x" transforms:[ESP_3DES_HMAC_SHA] lifetime:{seconds:1800}}
 * Fields at their default value are left out, enums show by name, strings
 * are quoted with C escapes.  Secret fields (secret, enc_key, auth_key,
 * key_bytes) show only their size, "<N bytes>", never their content. */
#pragma once
#include <protobuf-c/protobuf-c.h>

/* malloc'd; NULL only when out of memory.  m NULL gives "null". */
char *erx_pb_text(const ProtobufCMessage *m);
