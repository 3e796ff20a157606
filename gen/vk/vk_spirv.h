/*
 * vk_spirv.h - the table of embedded SPIR-V shader variants generated at build time
 * (cmake/shaders.cmake). Code is owned by the binary; nothing is read from disk.
 */
#ifndef GEN_VK_SPIRV_H
#define GEN_VK_SPIRV_H

#include <stddef.h>
#include <stdint.h>

typedef struct gen_vk_spirv {
    const char *name;     /* variant name, e.g. "conv2d_fwd_k3" */
    const uint32_t *code; /* SPIR-V words */
    size_t size;          /* bytes */
} gen_vk_spirv;

/* Terminated by an entry with name == NULL. */
extern const gen_vk_spirv gen_vk_spirv_table[];

/* Returns the variant called name, or NULL. */
const gen_vk_spirv *gen_vk_spirv_find(const char *name);

#endif /* GEN_VK_SPIRV_H */
