/* default_model.h - the embedded default generator (generated at build time from
 * samples/default.safetensors by cmake/embed.cmake; size 0 when the build has none). */
#ifndef VRGEN_DEFAULT_MODEL_H
#define VRGEN_DEFAULT_MODEL_H

#include <stddef.h>

extern const unsigned char vrgen_default_model[];
extern const size_t vrgen_default_model_size;

#endif /* VRGEN_DEFAULT_MODEL_H */
